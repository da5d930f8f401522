"""The town's mail server: where notices are sent through (SMTP), how, and as whom.

The server, port, security, sender and user are town settings (mail.*), shared by every
workstation; the password is kept only in this computer's keyring, or given to scripts in
FRONTCOUNTER_MAIL_PASSWORD. The failures people meet are said in their words (`explain`): a
server that cannot be reached, a wrong password, Microsoft 365 with basic authentication
turned off, Gmail wanting an app password, a certificate that cannot be trusted, the wrong
port for the security chosen, a relay that will not send as the town's address.
"""

from __future__ import annotations

import email.utils
import os
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.outbox import oauth
from desktop.models.outbox.failures import MailError as MailError  # its home before oauth.py
from desktop.models.staff import audit, permissions
from desktop.models.storage import secret_store
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import get_setting, set_settings

#: the keyring's name for the mail server's passwords
SERVICE = oauth.SERVICE  # the password and the OAuth2 tokens under one name
PASSWORD_VARIABLE = "FRONTCOUNTER_MAIL_PASSWORD"
SECURITY = ("starttls", "ssl", "plain")
TIMEOUT_SECONDS = 30
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")


@dataclass(frozen=True)
class MailSetup:
    host: str
    port: int
    security: str
    sender: str
    user: str
    town: str = ""
    #: "password", or "oauth2": a token from the town's provider (outbox/oauth.py)
    auth: str = "password"

    @property
    def ready(self) -> bool:
        return bool(self.host and self.sender)

    @property
    def account(self) -> str:
        """Whose password the keyring keeps: user@host:port."""
        return f"{self.user or self.sender}@{self.host}:{self.port}"

    def as_dict(self) -> dict[str, object]:
        return {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "security": self.security,
            "from": self.sender,
            "user": self.user,
            "auth": self.auth,
            "password_kept": self.auth == "password" and bool(password(self)),
        }


def looks_like_host(host: str) -> bool:
    """A server's name or address as a mail setup takes it (smtp.office365.com, 10.0.0.5)."""
    return bool(_HOST.match(host))


def current() -> MailSetup:
    """The town's mail server as set up (not `ready` when it was not)."""
    with reading():
        port = get_setting("mail.smtp_port")
        return MailSetup(
            host=str(get_setting("mail.smtp_host") or ""),
            port=int(port) if str(port).isdigit() else 587,
            security=str(get_setting("mail.security") or "starttls"),
            sender=str(get_setting("mail.from") or ""),
            user=str(get_setting("mail.user") or ""),
            town=str(get_setting("town.name") or ""),
            auth="oauth2" if get_setting("mail.auth") == "oauth2" else "password",
        )


def password_from_environment() -> str | None:
    """The password a script gives (FRONTCOUNTER_MAIL_PASSWORD), if any."""
    return os.environ.get(PASSWORD_VARIABLE) or None


def password(setup: MailSetup) -> str | None:
    """The password for scripts (the environment) or from this computer's keyring."""
    return password_from_environment() or secret_store.secret(SERVICE, setup.account)


def save_setup(
    *,
    host: str,
    port: int,
    security: str,
    sender: str,
    user: str = "",
    new_password: str | None = None,
    auth: str = "password",
    actor: StaffUser | None,
) -> tuple[MailSetup, str]:
    """Check and save the town's mail server; the password (when given) goes to the keyring.
    `auth` "oauth2" signs in with a token instead (outbox/oauth.py), as `user`.
    Returns the setup and a sentence when the password could not be kept."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    host, sender, user = host.strip(), sender.strip(), user.strip()
    problems = []
    if not looks_like_host(host):
        problems.append(_("Give the mail server's name, e.g. smtp.office365.com."))
    if not 1 <= port <= 65535:
        problems.append(_("The port is a number from 1 to 65535 (587, or 465 for SSL)."))
    if security not in SECURITY:
        problems.append(_("The security is starttls, ssl or plain."))
    if not _EMAIL.match(sender) or len(sender) > 254:
        problems.append(
            _("“{sender}” is not an email address to send from.").format(sender=sender[:80])
        )
    if len(user) > 254 or any(ch.isspace() or ord(ch) < 32 for ch in user):
        problems.append(_("The user name has spaces or control characters."))
    if auth not in oauth.AUTHS:
        problems.append(_("The sign-in is password or oauth2."))
    elif auth == "oauth2" and not user:
        problems.append(_("Signing in with OAuth2 needs the mail account's user name."))
    if problems:
        raise InputError(" ".join(problems))
    set_settings(
        {
            "mail.smtp_host": host,
            "mail.smtp_port": port,
            "mail.security": security,
            "mail.from": sender,
            "mail.user": user,
            "mail.auth": auth,
        },
        actor=actor,
    )
    setup = MailSetup(host, port, security, sender, user, auth=auth)
    warning = keep_password(setup.account, new_password) if auth == "password" else ""

    def note() -> None:
        audit.record("setting", "mail", "mail_setup", None, setup.as_dict(), actor)

    write(note)
    return setup, warning


def keep_password(account: str, new_password: str | None) -> str:
    """Keep a mail password in this computer's keyring (when one is given); the sentence to
    say when there is no keyring to keep it in."""
    if not new_password or secret_store.remember_secret(SERVICE, account, new_password):
        return ""
    return _(
        "This computer has no keyring to keep the password: give it to scripts in "
        "{variable}, or set up a keyring (Windows keeps one for every user)."
    ).format(variable=PASSWORD_VARIABLE)


def connect(setup: MailSetup, *, timeout: float = TIMEOUT_SECONDS) -> smtplib.SMTP:
    """A connection to the town's server, encrypted as set up and signed in; MailError says
    in the clerk's words what went wrong."""
    if not setup.ready:
        raise MailError(
            _(
                "Email is not set up: Settings → Email and notices, or frontcounter mail "
                "setup --smtp-host HOST --from ADDRESS."
            ),
            lasting=True,
        )
    context = ssl.create_default_context()
    connection: smtplib.SMTP | None = None
    try:
        if setup.security == "ssl":
            connection = smtplib.SMTP_SSL(setup.host, setup.port, timeout=timeout, context=context)
        else:
            connection = smtplib.SMTP(setup.host, setup.port, timeout=timeout)
            connection.ehlo()
            if setup.security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
        if setup.auth == "oauth2":
            _sign_in_with_token(connection, setup)
        elif setup.user:
            secret = password(setup)
            if not secret:
                raise MailError(
                    _(
                        "There is no password for {user} on this computer: save it in Settings "
                        "→ Email, or give it in {variable}."
                    ).format(user=setup.user, variable=PASSWORD_VARIABLE),
                    lasting=True,
                )
            connection.login(setup.user, secret)
        return connection
    except BaseException as exc:
        if connection is not None:
            close(connection)
        if isinstance(exc, MailError):
            raise
        if isinstance(exc, Exception):
            raise explain(exc, setup) from None
        raise


def _sign_in_with_token(connection: smtplib.SMTP, setup: MailSetup) -> None:
    """SASL XOAUTH2 with a token from the town's provider (outbox/oauth.py)."""
    if (
        not connection.has_extn("auth")
        or "XOAUTH2" not in connection.esmtp_features.get("auth", "").upper().split()
    ):
        raise MailError(
            _(
                "{host} does not take an OAuth2 sign-in (XOAUTH2): sign in with a password, "
                "or check the server's name (smtp.office365.com, smtp.gmail.com)."
            ).format(host=setup.host),
            lasting=True,
        )
    answered: list[bytes] = []

    def sign_in(token: str) -> None:
        said = oauth.xoauth2(setup.user, token)

        def respond(challenge: bytes | None = None) -> str:
            if challenge is not None:  # the server's error, as a challenge: answer empty to end
                answered.append(challenge)
                return ""
            return said

        connection.auth("XOAUTH2", respond, initial_response_ok=True)

    try:
        oauth.sign_in_with_token(setup.user, sign_in, smtplib.SMTPAuthenticationError)
    except smtplib.SMTPAuthenticationError as exc:
        detail = b" ".join(answered[-1:]).decode("utf-8", "replace")
        raise _token_refused(exc, setup, detail) from None


def _token_refused(
    exc: smtplib.SMTPAuthenticationError, setup: MailSetup, detail: str
) -> MailError:
    said = _said(exc) + (f" {' '.join(detail.split())[:200]}" if detail else "")
    if exc.smtp_code < 500:  # 454 4.7.0: the server cannot check the token just now
        return MailError(_("The mail server asked to try later: {said}").format(said=said))
    if re.search(r"5\.7\.139|SmtpClientAuthentication", said, re.IGNORECASE):
        return MailError(
            _(
                "Microsoft 365 took the sign-in but sending by SMTP is turned off for {user}: "
                "turn on “Authenticated SMTP” for this mailbox in the Microsoft 365 admin "
                "center. ({said})"
            ).format(user=setup.user, said=said),
            lasting=True,
        )
    return MailError(
        _(
            "The mail server refused the OAuth2 sign-in of {user}: sign in again as that "
            "account (Settings → Email → Sign in), and check that the town's app may send "
            "mail (SMTP.Send for Microsoft 365). ({said})"
        ).format(user=setup.user, said=said),
        lasting=True,
    )


def close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def explain(exc: Exception, setup: MailSetup) -> MailError:
    """What a failure of the mail server means, for the clerk (and whether it lasts)."""
    where = f"{setup.host}:{setup.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        said = _said(exc)
        if re.search(r"basic auth|5\.7\.139|SmtpClientAuthentication", said, re.IGNORECASE):
            return MailError(
                _(
                    "Microsoft 365 refused the password: basic authentication (a password) is "
                    "turned off for this mailbox. Turn on “Authenticated SMTP” for it in the "
                    "Microsoft 365 admin center, or sign in with OAuth2. ({said})"
                ).format(said=said),
                lasting=True,
            )
        if re.search(r"5\.7\.9|application-specific password", said, re.IGNORECASE):
            return MailError(
                _(
                    "Gmail wants an app password for this account, not its usual one: make one "
                    "at myaccount.google.com → Security → App passwords. ({said})"
                ).format(said=said),
                lasting=True,
            )
        return MailError(
            _("The mail server refused the user name or password for {user}. ({said})").format(
                user=setup.user, said=said
            ),
            lasting=True,
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        if exc.smtp_code < 500:  # "try later" (greylisting, a busy server)
            return MailError(
                _("The mail server asked to try later: {said}").format(said=_said(exc))
            )
        return MailError(
            _(
                "The mail server will not send as {sender}: a relay sends only for addresses it "
                "knows. Send from the town's own address, or sign in. ({said})"
            ).format(sender=setup.sender, said=_said(exc)),
            lasting=True,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{to}: {code} {_text(answer)}" for to, (code, answer) in exc.recipients.items()
        )
        lasting = all(code >= 500 for code, _answer in exc.recipients.values())
        if not lasting:
            return MailError(
                _("The mail server asked to try later: {refused}").format(refused=refused)
            )
        return MailError(
            _("The mail server refused the address: {refused}").format(refused=refused),
            lasting=True,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(
            _(
                "{where} does not offer encryption (STARTTLS): choose SSL (port 465) if it has "
                "it, or plain only for a server inside the town hall."
            ).format(where=where),
            lasting=True,
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            _(
                "The certificate of {where} cannot be trusted ({reason}): check that the server's "
                "name is the one on its certificate."
            ).format(where=where, reason=exc.verify_message or exc.reason),
            lasting=True,
        )
    if isinstance(exc, ssl.SSLError):
        return MailError(
            _(
                "{where} did not speak encrypted mail as expected ({reason}): port 465 is for "
                "SSL, port 587 for STARTTLS."
            ).format(where=where, reason=exc.reason or exc),
            lasting=True,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        lasting = 500 <= exc.smtp_code < 600
        return MailError(
            _("The mail server answered {code}: {said}").format(
                code=exc.smtp_code, said=_text(exc.smtp_error)
            ),
            lasting=lasting,
        )
    if isinstance(exc, socket.gaierror):
        return MailError(
            _(
                "There is no mail server called {host} (is the name right, and the line up?)."
            ).format(host=setup.host)
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected | TimeoutError | OSError):
        return MailError(
            _(
                "The mail server {where} could not be reached ({reason}): the notices wait and "
                "go when it answers."
            ).format(where=where, reason=str(exc) or type(exc).__name__)
        )
    return MailError(_("Sending failed: {reason}").format(reason=str(exc) or type(exc).__name__))


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return " ".join(text.split())[:300]


def _said(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def build_message(
    setup: MailSetup, *, to: str, subject: str, body: str, message_id: str, reply_to: str = ""
) -> bytes:
    """The message as it goes on the wire (CRLF lines, UTF-8 where needed)."""
    # 7-bit on the wire: a server that did not offer 8BITMIME may not be sent 8-bit text
    message = EmailMessage(policy=SMTP_POLICY.clone(cte_type="7bit"))
    message["From"] = (
        email.utils.formataddr((setup.town, setup.sender)) if setup.town else setup.sender
    )
    message["To"] = to
    message["Subject"] = " ".join(subject.split())[:300]
    message["Date"] = email.utils.format_datetime(clock.now().astimezone())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # an out-of-office reply does not answer it
    if reply_to and reply_to != setup.sender:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message.as_bytes()


def send_test(to: str, *, actor: StaffUser | None) -> str:
    """A test message to `to`, sent now (not through the outbox); the server's answer."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    to = to.strip()
    if not _EMAIL.match(to):
        raise InputError(_("“{to}” is not an email address.").format(to=to[:80]))
    setup = current()
    connection = connect(setup)
    try:
        data = build_message(
            setup,
            to=to,
            subject=_("A test message from Front Counter"),
            body=_(
                "This message was sent by Front Counter to check the town's email set-up. "
                "Notices to residents will be sent the same way."
            ),
            message_id=email.utils.make_msgid(domain=setup.sender.rpartition("@")[2]),
        )
        try:
            refused = connection.sendmail(setup.sender, [to], data)
        except smtplib.SMTPException as exc:
            raise explain(exc, setup) from None
        if refused:
            raise explain(smtplib.SMTPRecipientsRefused(refused), setup)
    finally:
        close(connection)
    return _("The test message to {to} was taken by {host}.").format(to=to, host=setup.host)
