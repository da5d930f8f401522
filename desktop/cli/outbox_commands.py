"""`frontcounter outbox send|list|retry|cancel|letters` and `frontcounter mail
setup|inbox|oauth|sign-in|sign-out|fetch|show|test`:
residents hear back (desktop/models/outbox)."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import webbrowser
from pathlib import Path
from typing import Any

from desktop import printing
from desktop.cli.output import emit
from desktop.cli.print_commands import write_pdf
from desktop.cli.registry import command
from desktop.i18n import _, ngettext
from desktop.models.documents import gather as documents
from desktop.models.errors import InputError
from desktop.models.outbox import delivery, mail, oauth
from desktop.models.partners import mailbox
from desktop.models.storage.db import OpenedDatabase


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    outbox = commands.add_parser("outbox", help=_("notices to residents: emails and letters"))
    actions = outbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    send = actions.add_parser("send", parents=[common], help=_("send the emails that are due"))
    send.add_argument("--limit", type=int, help=_("at most this many"))
    listed = actions.add_parser("list", parents=[common], help=_("what is in the outbox"))
    listed.add_argument(
        "--state", action="append", default=[], choices=delivery.STATES, metavar="STATE"
    )
    listed.add_argument("--limit", type=int, default=200)
    for name, what in (
        ("retry", _("try a failed message again")),
        ("cancel", _("do not send a message")),
    ):
        one = actions.add_parser(name, parents=[common], help=what)
        one.add_argument("id", type=int, metavar="ID")
    letters = actions.add_parser(
        "letters", parents=[common], help=_("print the letters waiting for the post, as one PDF")
    )
    letters.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    mailer = commands.add_parser("mail", help=_("the town's mail server"))
    mail_actions = mailer.add_subparsers(dest="action", metavar="ACTION", required=True)
    setup = mail_actions.add_parser("setup", parents=[common], help=_("set up sending email"))
    setup.add_argument("--smtp-host", required=True, metavar="HOST")
    setup.add_argument("--smtp-port", type=int, default=0, metavar="PORT")
    security = setup.add_mutually_exclusive_group()
    for flag in mail.SECURITY:
        security.add_argument(
            f"--{flag}", dest="security", action="store_const", const=flag, default=None
        )
    setup.add_argument("--from", dest="sender", required=True, metavar="ADDRESS")
    # not the program's own --user (who signs in): the mail server's account
    setup.add_argument("--user", dest="mail_user", default="", metavar="USER")
    _oauth_flag(setup)
    inbox = mail_actions.add_parser(
        "inbox", parents=[common], help=_("set up the town's mailbox, read as a channel")
    )
    inbox.add_argument("--imap-host", required=True, metavar="HOST")
    inbox.add_argument("--imap-port", type=int, default=0, metavar="PORT")
    reading_security = inbox.add_mutually_exclusive_group()
    for flag in mailbox.SECURITY:
        reading_security.add_argument(
            f"--{flag}", dest="security", action="store_const", const=flag, default=None
        )
    inbox.add_argument("--user", dest="mail_user", required=True, metavar="USER")
    inbox.add_argument("--folder", default="INBOX", metavar="FOLDER")
    _oauth_flag(inbox)
    oauth_setup = mail_actions.add_parser(
        "oauth",
        parents=[common],
        help=_("set up OAuth2 sign-in (Microsoft 365, Gmail) with the app the town registered"),
    )
    oauth_setup.add_argument("--provider", required=True, choices=oauth.PROVIDERS)
    oauth_setup.add_argument("--client-id", required=True, metavar="ID")
    oauth_setup.add_argument(
        "--tenant",
        default="",
        metavar="TENANT",
        help=_(
            "Microsoft 365: the town's tenant (yourtown.onmicrosoft.com); another provider: "
            "its issuer, an https:// address"
        ),
    )
    sign_in = mail_actions.add_parser(
        "sign-in",
        parents=[common],
        help=_("sign in to the mail account in a browser (OAuth2), once on each computer"),
    )
    sign_in.add_argument(
        "--user",
        dest="mail_user",
        default="",
        metavar="USER",
        help=_("the mail account (the one set up for sending, else the mailbox)"),
    )
    sign_in.add_argument(
        "--no-browser",
        action="store_true",
        help=_("print the address to open instead of opening a browser"),
    )
    sign_in.add_argument(
        "--timeout", type=float, default=oauth.SIGN_IN_SECONDS, help=argparse.SUPPRESS
    )
    sign_out = mail_actions.add_parser(
        "sign-out", parents=[common], help=_("forget this computer's OAuth2 sign-in")
    )
    sign_out.add_argument("--user", dest="mail_user", default="", metavar="USER")
    fetch = mail_actions.add_parser(
        "fetch", parents=[common], help=_("read the mailbox's new messages into the web inbox")
    )
    fetch.add_argument("--limit", type=int, default=200)
    mail_actions.add_parser("show", parents=[common], help=_("how email is set up"))
    test = mail_actions.add_parser("test", parents=[common], help=_("send a test message"))
    test.add_argument("to", metavar="ADDRESS")


def _oauth_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--oauth",
        dest="auth",
        action="store_const",
        const="oauth2",
        default="password",
        help=_("sign in with OAuth2 (a token) instead of a password: see mail oauth"),
    )


def _one_line(row: dict[str, Any]) -> str:
    line = f"{row['id']:>6}  {row['request'] or '-':<11} {row['notice']:<16} {row['channel']:<6} "
    line += f"{row['state_words']:<26} {row['to']}"
    if row["last_error"]:
        line += f"\n        {row['last_error']}"
    return line


def outbox_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    action = args.action
    if action == "send":
        result = delivery.send_due(limit=args.limit)
        text = _("Sent {sent:,}; failed {failed:,}; {queued:,} waiting.").format(**result.as_dict())
        if result.stopped:
            text += "\n" + result.stopped
        emit(args, result.as_dict(), text)
    elif action == "list":
        rows = delivery.messages(states=tuple(args.state), limit=args.limit)
        emit(args, rows, "\n".join(_one_line(r) for r in rows) or _("The outbox is empty."))
    elif action == "retry":
        delivery.retry(args.id, actor=args.signed_in)
        emit(
            args,
            {"id": args.id, "state": "queued"},
            _("Message {id} will be tried again.").format(id=args.id),
        )
    elif action == "cancel":
        delivery.cancel(args.id, actor=args.signed_in)
        emit(
            args,
            {"id": args.id, "state": "cancelled"},
            _("Message {id} will not be sent.").format(id=args.id),
        )
    else:
        owner = delivery.sender_name()
        ids, letters = delivery.letter_batch(owner=owner)
        if not letters:
            emit(args, {"letters": 0, "file": None}, _("No letters are waiting for the post."))
            return
        try:
            write_pdf(args.out, printing.build_letters(letters, documents.page_setup()))
        except BaseException:
            delivery.release_letters(ids, owner)  # not printed: the next batch has them
            raise
        done = delivery.mark_printed(ids, actor=args.signed_in, owner=owner)
        emit(
            args,
            {"letters": done, "file": str(args.out)},
            ngettext("Wrote {n} letter to {path}.", "Wrote {n:,} letters to {path}.", done).format(
                n=done, path=args.out
            ),
        )


def _new_password(setup: mail.MailSetup) -> str | None:
    said = os.environ.get(mail.PASSWORD_VARIABLE)
    if said or not setup.user:
        return None  # scripts give it each time; a server without sign-in needs none
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(_("Password for {account}: ").format(account=setup.account)) or None


def mail_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "setup":
        security = args.security or ("ssl" if args.smtp_port == 465 else "starttls")
        port = args.smtp_port or {"ssl": 465, "starttls": 587, "plain": 25}[security]
        probe = mail.MailSetup(args.smtp_host.strip(), port, security, args.sender, args.mail_user)
        setup, warning = mail.save_setup(
            host=args.smtp_host,
            port=port,
            security=security,
            sender=args.sender,
            user=args.mail_user,
            new_password=_new_password(probe) if args.auth == "password" else None,
            auth=args.auth,
            actor=args.signed_in,
        )
        text = _("Email goes through {host}:{port} ({security}) from {sender}.").format(
            host=setup.host, port=setup.port, security=setup.security, sender=setup.sender
        )
        emit(
            args, setup.as_dict() | {"warning": warning}, text + (f"\n{warning}" if warning else "")
        )
    elif args.action == "inbox":
        security = args.security or ("ssl" if args.imap_port in (0, 993) else "starttls")
        port = args.imap_port or {"ssl": 993, "starttls": 143, "plain": 143}[security]
        reading_as = mailbox.InboxSetup(
            args.imap_host.strip(), port, security, args.mail_user.strip()
        )
        secret = None
        if args.auth == "password" and not mail.password_from_environment() and sys.stdin.isatty():
            secret = (
                getpass.getpass(_("Password for {account}: ").format(account=reading_as.account))
                or None
            )
        inbox_setup, warning = mailbox.save_setup(
            host=args.imap_host,
            port=port,
            security=security,
            user=args.mail_user,
            folder=args.folder,
            new_password=secret,
            auth=args.auth,
            actor=args.signed_in,
        )
        emit(
            args,
            {
                "imap_host": inbox_setup.host,
                "imap_port": inbox_setup.port,
                "security": inbox_setup.security,
                "user": inbox_setup.user,
                "folder": inbox_setup.folder,
                "warning": warning,
            },
            _("The town's mailbox is {user} at {host}:{port} ({security}).").format(
                user=inbox_setup.user,
                host=inbox_setup.host,
                port=inbox_setup.port,
                security=inbox_setup.security,
            )
            + (f"\n{warning}" if warning else ""),
        )
    elif args.action == "oauth":
        secret = None
        if (
            args.provider != "microsoft"
            and not os.environ.get(oauth.CLIENT_SECRET_VARIABLE)
            and sys.stdin.isatty()
        ):
            secret = getpass.getpass(_("Client secret (Enter if it has none): ")) or None
        oauth_setup, warning = oauth.save_setup(
            provider=args.provider,
            client_id=args.client_id,
            tenant_or_issuer=args.tenant,
            client_secret=secret,
            actor=args.signed_in,
        )
        text = _(
            "Email signs in with {provider} (client {client}). Next, on each computer: "
            "frontcounter mail sign-in."
        ).format(provider=oauth.provider_words(oauth_setup), client=oauth_setup.client_id)
        emit(
            args,
            oauth_setup.as_dict() | {"warning": warning},
            text + (f"\n{warning}" if warning else ""),
        )
    elif args.action == "sign-in":
        _sign_in(args)
    elif args.action == "sign-out":
        user = _oauth_user(args)
        oauth.sign_out(user)
        emit(
            args,
            {"user": user, "signed_in": False},
            _("This computer no longer keeps a sign-in for {user}.").format(user=user),
        )
    elif args.action == "fetch":
        result = mailbox.fetch(limit=args.limit, actor=args.signed_in)
        emit(
            args,
            result.as_dict(),
            ngettext(
                "Read {read:,} message: {stored:,} waits in the web inbox, {replies:,} went to "
                "its request.",
                "Read {read:,} messages: {stored:,} wait in the web inbox, {replies:,} went to "
                "their requests.",
                result.read,
            ).format(**result.as_dict()),
        )
    elif args.action == "show":
        setup = mail.current()
        if not setup.ready:
            emit(args, setup.as_dict(), _("Email is not set up (frontcounter mail setup)."))
            return
        data = setup.as_dict()
        if setup.auth == "oauth2":
            data["oauth"] = oauth.current().as_dict() | {"signed_in": oauth.signed_in(setup.user)}
        emit(
            args,
            data,
            _("Email goes through {host}:{port} ({security}) from {sender}.").format(
                host=setup.host, port=setup.port, security=setup.security, sender=setup.sender
            )
            + ("\n" + _("User: {user}").format(user=setup.user) if setup.user else "")
            + ("\n" + _oauth_words(setup.user) if setup.auth == "oauth2" else ""),
        )
    else:
        if not args.to.strip():
            raise InputError(_("Give the address to send the test message to."))
        answer = mail.send_test(args.to, actor=args.signed_in)
        emit(args, {"to": args.to, "sent": True}, answer)


def _oauth_user(args: argparse.Namespace) -> str:
    user = args.mail_user.strip() or mail.current().user or mailbox.current().user
    if not user:
        raise InputError(_("Give the mail account to sign in as: --user ADDRESS."))
    return str(user)


def _oauth_words(user: str) -> str:
    setup = oauth.current()
    if not setup.ready:
        return _("OAuth2 is not set up: frontcounter mail oauth.")
    if oauth.signed_in(user):
        return _("Signed in with {provider} as {user} on this computer.").format(
            provider=oauth.provider_words(setup), user=user
        )
    return _("Not signed in on this computer: frontcounter mail sign-in.")


def _sign_in(args: argparse.Namespace) -> None:
    user = _oauth_user(args)
    secret = None
    setup = oauth.current()
    if setup.provider == "google" and not oauth.client_secret(setup) and sys.stdin.isatty():
        secret = getpass.getpass(_("The client secret of the town's Gmail app: ")) or None
    told = sys.stderr if args.json else sys.stdout
    # Ctrl+C, a closed pipe, anything: the listener is closed
    with oauth.begin_sign_in(user, new_client_secret=secret) as pending:
        print(
            _("Sign in as {user} in the browser; if none opens, open this address:").format(
                user=user
            ),
            file=told,
        )
        print(pending.url, file=told, flush=True)
        if not args.no_browser:
            with contextlib.suppress(webbrowser.Error, OSError):  # the address is printed
                webbrowser.open(pending.url)
        who = pending.finish(timeout=args.timeout)
    emit(
        args,
        {"user": user, "signed_in": True, "as": who, "provider": setup.provider},
        oauth.signed_in_words(who, user),
    )


COMMANDS = (
    command("outbox", outbox_command, reads={"list"}),
    command("mail", mail_command, reads={"show"}),
)
