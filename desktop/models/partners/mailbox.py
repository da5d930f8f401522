"""The town's mailbox as a channel: new messages read from its IMAP mailbox into the web
inbox, where a clerk turns each into a request, adds it to one, or turns it down.

- A reply to a notice (its subject names a request's number, "Re: We received your request
  2026-00123") goes straight to that request: its words as a note, its files (the allowed
  kinds, each at most `attachments.MAX_ATTACHMENT_BYTES`) attached.
- Any other message waits in the web inbox: the sender matched to a resident by their email
  address, the words triaged (the type suggested when it asks no questions a clerk must put),
  its attachments listed by name.
- Nothing is lost if the app stops mid-fetch, and nothing is kept twice: a message is read
  without being marked, kept under a token made from its Message-ID (a second reading of it
  finds the token and keeps nothing more), and only then marked read on the server.
- What cannot be read (malformed MIME, a message larger than `MAX_MESSAGE_BYTES`, HTML only)
  is kept all the same, with what could be read of it and a line saying why.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import hashlib
import html
import imaplib
import re
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, KnownError
from desktop.models.knowledge.triage import suggest_service_types
from desktop.models.outbox import delivery, mail, oauth
from desktop.models.partners.inbox import MERGED, WAITING, draft_fields
from desktop.models.requests import attachments, lifecycle
from desktop.models.requests.intake import RequestDraft
from desktop.models.residents.contacts import CallerDetails, one_on_file
from desktop.models.residents.contacts_text import normalize_email
from desktop.models.staff import permissions
from desktop.models.storage import secret_store
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import (
    Attachment,
    ContactMethod,
    OutboxMessage,
    ServiceAttribute,
    ServiceRequest,
    ServiceType,
    StaffUser,
    WebSubmission,
)
from desktop.models.text_clean import MAX_DESCRIPTION, clean_text
from desktop.models.town.settings import get_setting, set_settings

#: a message larger than this is not read whole: its sender and subject are kept
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
#: the files kept from a reply (photos and documents a resident sends)
ALLOWED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "text/plain",
)
PARTNER = "Email"
_TRACKING = re.compile(r"\b(\d{4}-\d{4,7})\b")
SECURITY = ("ssl", "starttls", "plain")


@dataclass(frozen=True)
class InboxSetup:
    host: str
    port: int
    security: str
    user: str
    folder: str = "INBOX"
    #: "password", or "oauth2": a token from the town's provider (outbox/oauth.py)
    auth: str = "password"

    @property
    def ready(self) -> bool:
        return bool(self.host and self.user)

    @property
    def account(self) -> str:
        return f"imap:{self.user}@{self.host}:{self.port}"


@dataclass
class FetchResult:
    read: int = 0
    stored: int = 0
    replies: int = 0
    bounces: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "stored": self.stored,
            "replies": self.replies,
            "bounces": self.bounces,
            "skipped": self.skipped,
        }


def current() -> InboxSetup:
    with reading():
        port = get_setting("mail.imap_port")
        return InboxSetup(
            host=str(get_setting("mail.imap_host") or ""),
            port=int(port) if str(port).isdigit() else 993,
            security=str(get_setting("mail.imap_security") or "ssl"),
            user=str(get_setting("mail.imap_user") or ""),
            folder=str(get_setting("mail.imap_folder") or "INBOX"),
            auth="oauth2" if get_setting("mail.imap_auth") == "oauth2" else "password",
        )


def save_setup(
    *,
    host: str,
    port: int,
    security: str,
    user: str,
    folder: str = "INBOX",
    new_password: str | None = None,
    auth: str = "password",
    actor: StaffUser | None,
) -> tuple[InboxSetup, str]:
    """Check and save the town's mailbox; the password goes to the keyring (or, `auth`
    "oauth2", the mailbox is signed in to with a token: outbox/oauth.py)."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    host, user, folder = host.strip(), user.strip(), folder.strip() or "INBOX"
    problems = []
    if not mail.looks_like_host(host):
        problems.append(_("Give the mailbox's server, e.g. outlook.office365.com."))
    if not 1 <= port <= 65535:
        problems.append(_("The port is a number from 1 to 65535 (993 for SSL)."))
    if security not in SECURITY:
        problems.append(_("The security is ssl, starttls or plain."))
    if not user or len(user) > 254 or any(ch.isspace() for ch in user):
        problems.append(_("Give the mailbox's user name (often its address)."))
    if len(folder) > 200 or any(ord(ch) < 32 for ch in folder):
        problems.append(_("The folder is a name such as INBOX."))
    if auth not in oauth.AUTHS:
        problems.append(_("The sign-in is password or oauth2."))
    if problems:
        raise InputError(" ".join(problems))
    set_settings(
        {
            "mail.imap_host": host,
            "mail.imap_port": port,
            "mail.imap_security": security,
            "mail.imap_user": user,
            "mail.imap_folder": folder,
            "mail.imap_auth": auth,
        },
        actor=actor,
    )
    setup = InboxSetup(host, port, security, user, folder, auth)
    warning = mail.keep_password(setup.account, new_password) if auth == "password" else ""
    return setup, warning


def _password(setup: InboxSetup) -> str:
    said = mail.password_from_environment() or secret_store.secret(mail.SERVICE, setup.account)
    if not said:
        raise InputError(
            _(
                "There is no password for the mailbox {user} on this computer: give it with "
                "frontcounter mail inbox, or in {variable}."
            ).format(user=setup.user, variable=mail.PASSWORD_VARIABLE)
        )
    return said


def connect(setup: InboxSetup, *, timeout: float = mail.TIMEOUT_SECONDS) -> imaplib.IMAP4:
    """The mailbox, signed in and its folder chosen; KnownError says what went wrong."""
    if not setup.ready:
        raise InputError(
            _(
                "The town's mailbox is not set up: frontcounter mail inbox --imap-host HOST "
                "--user USER."
            )
        )
    where = f"{setup.host}:{setup.port}"
    context = ssl.create_default_context()
    try:
        if setup.security == "ssl":
            box: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                setup.host, setup.port, ssl_context=context, timeout=timeout
            )
        else:
            box = imaplib.IMAP4(setup.host, setup.port, timeout=timeout)
            if setup.security == "starttls":
                box.starttls(ssl_context=context)
    except ssl.SSLCertVerificationError as exc:
        raise KnownError(
            _("The certificate of {where} cannot be trusted ({reason}).").format(
                where=where, reason=exc.verify_message or exc.reason
            )
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise KnownError(
            _("The mailbox {where} could not be reached ({reason}): it is read next time.").format(
                where=where, reason=str(exc) or type(exc).__name__
            )
        ) from None
    try:
        if setup.auth == "oauth2":
            _sign_in_with_token(box, setup)
        else:
            box.login(setup.user, _password(setup))
        status, _data = box.select(_quoted(setup.folder))
        if status != "OK":
            raise KnownError(_("The mailbox has no folder “{folder}”.").format(folder=setup.folder))
    except (OSError, UnicodeError) as exc:
        _close(box)
        raise KnownError(
            _("The mailbox {where} stopped answering ({reason}): it is read next time.").format(
                where=where, reason=str(exc) or type(exc).__name__
            )
        ) from None
    except imaplib.IMAP4.error as exc:
        _close(box)
        said = str(exc)
        if re.search(r"AUTHENTICATIONFAILED|Invalid credentials|LOGIN failed", said, re.I):
            raise KnownError(
                _("The mailbox refused the user name or password for {user}. ({said})").format(
                    user=setup.user, said=said[:200]
                )
            ) from None
        raise KnownError(_("The mailbox answered: {said}").format(said=said[:300])) from None
    except BaseException:
        _close(box)
        raise
    return box


def _sign_in_with_token(box: imaplib.IMAP4, setup: InboxSetup) -> None:
    """IMAP AUTHENTICATE XOAUTH2 with a token from the town's provider."""
    if "AUTH=XOAUTH2" not in box.capabilities:
        raise KnownError(
            _(
                "The mailbox {host} does not take an OAuth2 sign-in (XOAUTH2): sign in with "
                "a password, or check the server's name (outlook.office365.com, imap.gmail.com)."
            ).format(host=setup.host)
        )

    def sign_in(token: str) -> None:
        said = oauth.xoauth2(setup.user, token).encode()
        asked: list[bytes] = []

        def respond(challenge: bytes) -> bytes:
            asked.append(challenge)
            return said if len(asked) == 1 else b""  # the second is the server's error: end

        box.authenticate("XOAUTH2", respond)

    try:
        oauth.sign_in_with_token(setup.user, sign_in, imaplib.IMAP4.error)
    except imaplib.IMAP4.error as exc:
        raise KnownError(
            _(
                "The mailbox refused the OAuth2 sign-in of {user}: sign in again as that "
                "account (Settings → Email → Sign in), and check that the town's app may "
                "read mail (IMAP.AccessAsUser.All for Microsoft 365). ({said})"
            ).format(user=setup.user, said=str(exc)[:200])
        ) from None


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _close(box: imaplib.IMAP4) -> None:
    with contextlib.suppress(TimeoutError, imaplib.IMAP4.error, OSError):
        box.logout()


def fetch(*, limit: int = 200, actor: StaffUser | None) -> FetchResult:
    """Read the mailbox's new messages (at most `limit`) into the web inbox, or onto the
    requests they answer."""
    setup = current()
    box = connect(setup)
    result = FetchResult()
    try:
        status, found = box.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise KnownError(_("The mailbox could not be searched."))
        uids = [u.decode() for u in (found[0] or b"").split()[:limit]]
        for uid in uids:
            size = _size(box, uid)
            if size > MAX_MESSAGE_BYTES:
                raw, whole = _part(box, uid, "BODY.PEEK[HEADER]"), False
            else:
                raw, whole = _part(box, uid, "BODY.PEEK[]"), True
            if raw is None:
                result.skipped += 1
                continue
            result.read += 1
            kept = _keep(raw, whole=whole, size=size, actor=actor)
            if kept == "reply":
                result.replies += 1
            elif kept == "bounce":
                result.bounces += 1
            elif kept == "skipped":
                result.skipped += 1
            elif kept == "stored":
                result.stored += 1
            box.uid("STORE", uid, "+FLAGS", "(\\Seen)")  # only now: it is kept
    except (OSError, imaplib.IMAP4.error) as exc:
        raise KnownError(
            _("Reading the mailbox stopped ({reason}): the rest is read next time.").format(
                reason=str(exc) or type(exc).__name__
            )
        ) from None
    finally:
        _close(box)
    return result


def _size(box: imaplib.IMAP4, uid: str) -> int:
    status, data = box.uid("FETCH", uid, "(RFC822.SIZE)")
    if status != "OK" or not data or not isinstance(data[0], bytes):
        return 0
    found = re.search(rb"RFC822\.SIZE (\d+)", data[0])
    return int(found.group(1)) if found else 0


def _part(box: imaplib.IMAP4, uid: str, what: str) -> bytes | None:
    status, data = box.uid("FETCH", uid, f"({what})")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


class _Text(HTMLParser):
    """An HTML-only message's words, without its markup, scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in ("p", "br", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _plain(message: EmailMessage) -> tuple[str, str]:
    """The message's words, and a note when they had to be made from HTML or could not be
    read."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return "", _("(The message has no text.)")
        text = str(part.get_content())
        if part.get_content_subtype() == "html":
            reader = _Text()
            reader.feed(text)
            return html.unescape("".join(reader.parts)), ""
        return text, ""
    except (LookupError, ValueError, KeyError, AttributeError, UnicodeError) as exc:
        return "", _("(The message's text could not be read: {reason}.)").format(reason=exc)


def _files(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    found = []
    try:
        for part in message.iter_attachments():
            kind = part.get_content_type()
            name = part.get_filename() or _("attachment")
            try:
                data = part.get_payload(decode=True) or b""
            except (ValueError, TypeError):
                data = b""
            found.append((str(name), kind, data if isinstance(data, bytes) else b""))
    except (LookupError, ValueError, KeyError, AttributeError, TypeError):
        pass
    return found


def _token(message_id: str, raw: bytes) -> str:
    basis = message_id.encode("utf-8", "replace") if message_id else raw[:65536]
    return "mail-" + hashlib.sha256(basis).hexdigest()[:34]


def _headers(raw: bytes) -> email.message.Message:
    """The message's headers as they were sent (compat32 reads any header without failing)."""
    return email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0],
                                    policy=email.policy.compat32)  # fmt: skip


def _header(message: EmailMessage, plain: email.message.Message, name: str) -> str:
    """A header's value, decoded when it can be, as sent when it cannot (a malformed
    Message-ID or From makes the modern parser raise on reading it)."""
    try:
        return str(message.get(name, "") or "")
    except Exception:
        return str(plain.get(name, "") or "")


def _keep(raw: bytes, *, whole: bool, size: int, actor: StaffUser | None) -> str:
    """Keep one message: "bounce" (a notice sent back: its state says so), "reply" (on its
    request), "stored" (in the web inbox), "skipped" (a report that delivery is only
    delayed), or "known" (kept by an earlier reading that stopped before marking it read).
    A message that cannot be read is kept in the web inbox with what could be."""
    plain = _headers(raw)
    try:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:
        parsed = EmailMessage()
    message = parsed if isinstance(parsed, EmailMessage) else EmailMessage()
    message_id = _header(message, plain, "Message-ID").strip()
    token = _token(message_id, raw)
    with reading():
        if WebSubmission.get_or_none(WebSubmission.token == token) is not None:
            return "known"
    subject = clean_text(_header(message, plain, "Subject"), 300)
    try:
        name, address = email.utils.parseaddr(_header(message, plain, "From"))
    except Exception:
        name, address = "", ""
    address = clean_text(address, 254).lower()
    try:
        text, note = _plain(message) if whole else ("", "")
        files = _files(message) if whole else []
    except Exception as exc:
        text, files = "", []
        note = _("(The message's text could not be read: {reason}.)").format(reason=exc)
    if not whole:
        note = _(
            "(A message of {size} was too large to read here: open it in the mailbox.)"
        ).format(size=attachments.human_size(size))
    report = _delivery_report(message, raw, subject, address)
    if report == "delayed":
        return "skipped"  # the server is still trying: nothing for anyone to do
    if report == "failed":
        for found in dict.fromkeys(_MESSAGE_IDS.findall(_body(raw))):
            told = delivery.mark_bounced(
                found.decode("ascii", "replace"), _why_bounced(raw) or subject
            )
            if told is not None:
                return "bounce"
    words = clean_text("\n\n".join(p for p in (text, note) if p.strip()), MAX_DESCRIPTION)
    replied = " ".join(_header(message, plain, field) for field in ("In-Reply-To", "References"))
    reply_to = _answered(subject, address, replied)
    if reply_to is not None:
        return (
            "reply"
            if _on_request(reply_to, token, subject, address, words, files, actor)
            else "known"
        )
    return "stored" if _into_inbox(token, subject, name, address, words, files) else "known"


def _body(raw: bytes) -> bytes:
    """The message after its own headers (a report's quoted headers are in here)."""
    for gap in (b"\r\n\r\n", b"\n\n"):
        if gap in raw:
            return raw.split(gap, 1)[1]
    return b""


_MESSAGE_IDS = re.compile(rb"<[^<>\s@]{1,200}@[^<>\s]{1,200}>")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification \(failure|returned mail|failure notice|"
    r"delivery (has )?failed|mail delivery failed|non.?delivery",
    re.IGNORECASE,
)


def _delivery_report(message: EmailMessage, raw: bytes, subject: str, sender: str) -> str:
    """ "failed" for a report that a message could not be delivered (RFC 3464, or a mail
    server's own "Undeliverable" from its postmaster), "delayed" for one saying it is still
    being tried, "" for anything else: a resident's reply never counts, whatever its words."""
    body = _body(raw)
    from_a_server = sender.split("@")[0] in ("mailer-daemon", "postmaster", "mail-daemon")
    if message.get_content_type() == "multipart/report" or from_a_server:
        if re.search(rb"Action:\s*delayed", body, re.IGNORECASE) and not re.search(
            rb"Action:\s*failed", body, re.IGNORECASE
        ):
            return "delayed"
        if re.search(rb"Action:\s*failed|Status:\s*5\.\d+\.\d+", body, re.IGNORECASE):
            return "failed"
        if from_a_server and _BOUNCE_SUBJECT.search(subject):
            return "failed"
    return ""


def _why_bounced(raw: bytes) -> str:
    """The receiving server's reason, from the report's Diagnostic-Code or Status."""
    for pattern in (rb"Diagnostic-Code:\s*(?:smtp;)?\s*([^\r\n]+)", rb"Status:\s*([45]\.\d+\.\d+)"):
        found = re.search(pattern, raw, re.IGNORECASE)
        if found:
            reason = found.group(1).decode("utf-8", "replace").strip()
            return _("The resident's mail server sent it back: {reason}").format(
                reason=reason[:300]
            )
    return ""


def _answered(subject: str, sender: str, replied: str) -> ServiceRequest | None:
    """The request a reply is about: its subject names the request's number, and either it
    answers one of that request's notices (In-Reply-To) or it comes from the request's own
    resident. Anyone else's message naming a number waits in the web inbox for a clerk."""
    for number in _TRACKING.findall(subject):
        with reading():
            found = ServiceRequest.get_or_none(ServiceRequest.tracking_number == number)
            if found is None:
                continue
            quoted = {m.decode() for m in _MESSAGE_IDS.findall(replied.encode("utf-8", "replace"))}
            answers_a_notice = bool(quoted) and (
                OutboxMessage.select()
                .where(
                    OutboxMessage.request == found.id, OutboxMessage.message_id.in_(list(quoted))
                )
                .exists()
            )
            from_its_resident = (
                found.contact_id is not None
                and bool(sender)
                and ContactMethod.select()
                .where(
                    ContactMethod.contact == found.contact_id,
                    ContactMethod.kind == "email",
                    ContactMethod.normalized == normalize_email(sender),
                )
                .exists()
            )
        if answers_a_notice or from_its_resident:
            return found
    return None


def _on_request(
    request: ServiceRequest,
    token: str,
    subject: str,
    sender: str,
    words: str,
    files: list[tuple[str, str, bytes]],
    actor: StaffUser | None,
) -> bool:
    """The reply's words as a note on its request, its photos and PDFs attached (by what
    they are, not what they say they are; each file once); False when another workstation
    kept it first."""
    kept: list[tuple[str, bytes]] = []
    left: list[str] = []
    seen: set[str] = set()
    with reading():
        attached = {
            a.sha256 for a in Attachment.select(Attachment.sha256).where(
                Attachment.request == request.id
            )
        }  # fmt: skip
    for name, _said_kind, data in files:
        digest = hashlib.sha256(data).hexdigest()
        kind = attachments.guess_media_type(data, name)
        if digest in seen or digest in attached:
            continue  # the same logo or photo again
        seen.add(digest)
        if kind in ALLOWED_TYPES and 0 < len(data) <= attachments.MAX_ATTACHMENT_BYTES:
            kept.append((name, data))
        else:
            left.append(name)
    who = _("the resident") if request.confidential else (sender or _("someone"))
    body = _("Email from {sender} ({subject}): {words}").format(
        sender=who, subject=subject or _("no subject"), words=words or "—"
    )
    if left:
        body += " " + _("Not kept: {names}.").format(names=", ".join(left))

    def save() -> bool:
        # the token first: a fetch stopped after this is not kept twice by the next one
        taken = (
            WebSubmission.insert(
                token=token,
                partner=PARTNER,
                fields={"reply_to": request.tracking_number, "subject": subject},
                state=MERGED,
                request=request.id,
                received_at=clock.now(),
            )
            .on_conflict_ignore()
            .execute()
        )
        if not taken or WebSubmission.get(WebSubmission.token == token).request_id != request.id:
            return False
        lifecycle.add_note(request.id, body, actor=actor)
        for name, data in kept:
            attachments.add_attachment(
                request.id, name, data, description=_("sent by email"), actor=actor
            )
        return True

    return write(save)


def _type_for(words: str) -> tuple[str, str]:
    """The best triaged type's code when it asks no question a clerk must put (the clerk
    answers those before accepting), else "general" with the suggestions in words."""
    with reading():
        ranked = suggest_service_types(words, 3) if words.strip() else []
        if ranked:
            best = ranked[0][0]
            required = (
                ServiceAttribute.select()
                .where(
                    ServiceAttribute.service_type == best.id,
                    ServiceAttribute.required == True,  # noqa: E712
                    ServiceAttribute.variable == True,  # noqa: E712
                )
                .exists()
            )
            if not required:
                return str(best.code), ""
        fallback = ServiceType.get_or_none(ServiceType.code == "general")
    hint = ""
    if ranked:
        hint = _("Triage suggests: {types}.").format(
            types=", ".join(str(kind.name) for kind, _score in ranked)
        )
    return (str(fallback.code) if fallback else ""), hint


def _into_inbox(
    token: str,
    subject: str,
    name: str,
    sender: str,
    words: str,
    files: list[tuple[str, str, bytes]],
) -> bool:
    code, hint = _type_for(f"{subject}\n{words}")
    listed = [
        f"{file_name} ({kind}, {attachments.human_size(len(data))})"
        for file_name, kind, data in files
    ]
    description = "\n\n".join(
        p
        for p in (
            subject,
            words,
            _("Attached: {files}.").format(files="; ".join(listed)) if listed else "",
            hint,
        )
        if p
    )
    first, _space, last = clean_text(name, 200).partition(" ")
    caller = CallerDetails(first_name=first[:100], last_name=last[:100], email=sender[:254])
    with reading():
        resident = one_on_file(CallerDetails(email=sender)) if sender else None
    draft = RequestDraft(
        service_type=code,
        description=clean_text(description, MAX_DESCRIPTION),
        channel="email",
        caller=caller,
        contact_id=resident.id if resident is not None else None,
    )
    fields: dict[str, Any] = draft_fields(draft) | {"channel": "email", "subject": subject}
    if draft.contact_id is not None:
        fields["contact_id"] = draft.contact_id

    def save() -> bool:
        taken = (
            WebSubmission.insert(
                token=token,
                partner=PARTNER,
                fields=fields,
                state=WAITING,
                received_at=clock.now(),
            )
            .on_conflict_ignore()
            .execute()
        )
        return bool(taken)  # nothing: another workstation kept it first

    return write(save)
