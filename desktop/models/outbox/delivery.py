"""Sending the outbox, exactly once across workstations, and its letter batch.

**Claiming.** A sender takes one queued email at a time with a lease (`LEASE`): a conditional
update that only one workstation's can make, so two never send the same message.

**Handing over.** SMTP takes a message whole or not at all: the server keeps it only when it
has read the line with a single dot that ends it. So the message is sent up to that line; the
outbox then records "handed" (committed); then the dot goes and the server's answer is read and
recorded "sent". A sender killed before "handed" left the server nothing: when its lease runs
out the message is queued again. One killed after "handed" had sent the dot (the next thing it
did): the message is counted sent, with a note that the answer was cut off. Every try carries
the same Message-ID.

**Waiting.** A server that cannot be reached, or answers "try later" (4xx), puts the message
back with a growing wait (`BACKOFF`); an answer that will not change (an address refused, a
wrong password) fails it, with the server's words, for a clerk to look at and retry.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from peewee import fn

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.outbox import mail
from desktop.models.outbox.notices import kinds
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import OutboxMessage, ServiceRequest, StaffUser, rows_of
from desktop.models.town.settings import get_setting
from desktop.models.vocab import state_words
from desktop.printing.data import LetterData

#: how long a claimed message is a sender's alone
LEASE = dt.timedelta(minutes=2)
#: the waits after each failed try (minutes); after the last, the message fails
BACKOFF = (1, 2, 5, 10, 30, 60, 120, 240, 480, 720)
STATES = ("queued", "sending", "handed", "sent", "failed", "cancelled", "printed", "bounced")


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    queued: int = 0
    #: the sentence of what stopped the sending (the server down), if anything
    stopped: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "failed": self.failed, "queued": self.queued}


def sender_name() -> str:
    """Who holds a lease: this computer, this process, and this one sending (the window's
    timer and Settings' "Send now" are two senders in one process)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def recover(now: dt.datetime | None = None) -> int:
    """Messages whose sender stopped (a crash, a power cut): not yet handed over, queued again;
    handed over (the end of the message was sent next), counted sent. How many."""
    moment = now or clock.now()

    def save() -> int:
        expired = (OutboxMessage.lease_until.is_null(False)) & (OutboxMessage.lease_until < moment)
        again = (
            OutboxMessage.update(state="queued", lease_owner="", lease_until=None)
            .where(expired & (OutboxMessage.state == "sending"))
            .execute()
        )
        handed = (
            OutboxMessage.update(
                state="sent",
                sent_at=moment,
                lease_owner="",
                lease_until=None,
                server_answer=_(
                    "handed to the server; its answer was cut off (the sender stopped)"
                ),
            )
            .where(expired & (OutboxMessage.state == "handed"))
            .execute()
        )
        return int(again) + int(handed)

    return write(save)


def claim(owner: str, now: dt.datetime | None = None) -> OutboxMessage | None:
    """The next email due, leased to `owner`; None when none is due."""
    moment = now or clock.now()

    def save() -> OutboxMessage | None:
        due = (
            OutboxMessage.select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == "email",
                OutboxMessage.state == "queued",
                OutboxMessage.next_attempt_at <= moment,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(5)
        )
        for row in due:
            taken = (
                OutboxMessage.update(
                    state="sending",
                    lease_owner=owner,
                    lease_until=moment + LEASE,
                    attempts=OutboxMessage.attempts + 1,
                )
                .where(OutboxMessage.id == row.id, OutboxMessage.state == "queued")
                .execute()
            )
            if taken:
                found: OutboxMessage = OutboxMessage.get_by_id(row.id)
                return found
        return None

    return write(save)


class LeaseLost(Exception):
    """Another sender took the message (this one's lease ran out): it is theirs now."""


def _set(message_id: int, owner: str, **fields: object) -> bool:
    """Change a message this sender holds (False: its lease was lost to another)."""

    def save() -> bool:
        return bool(
            OutboxMessage.update(**fields)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.lease_owner == owner,
                OutboxMessage.state.in_(["sending", "handed"]),
            )
            .execute()
        )

    return write(save)


def _hand(message_id: int, owner: str) -> bool:
    """Record "handed" while the lease still holds, and lengthen it for the server's answer
    (False: the lease ran out and another sender may have the message)."""
    now = clock.now()

    def save() -> bool:
        return bool(
            OutboxMessage.update(state="handed", lease_until=now + LEASE)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.lease_owner == owner,
                OutboxMessage.state == "sending",
                OutboxMessage.lease_until > now,
            )
            .execute()
        )

    return write(save)


def _dot_stuffed(data: bytes) -> bytes:
    data = re.sub(rb"(?:\r\n|\r|\n)", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def hand_over(
    connection: smtplib.SMTP, setup: mail.MailSetup, message: OutboxMessage, owner: str
) -> str:
    """Send one message; its state is "handed" before the server is told it is whole. The
    server's answer, or an SMTP exception."""
    data = mail.build_message(
        setup,
        to=message.to_address,
        subject=message.subject,
        body=message.body,
        message_id=message.message_id,
        reply_to=str(get_setting("town.email") or ""),
    )
    connection.ehlo_or_helo_if_needed()
    code, answer = connection.mail(setup.sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, setup.sender)
    code, answer = connection.rcpt(message.to_address)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({message.to_address: (code, answer)})
    code, answer = connection.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, answer)
    connection.send(_dot_stuffed(data))
    if not _hand(message.id, owner):
        connection.close()  # another sender has it now: this server copy is never ended
        raise LeaseLost()
    connection.send(b".\r\n")
    try:
        code, answer = connection.getreply()
    except (smtplib.SMTPServerDisconnected, OSError):
        # the server had the whole message; its answer was lost on the way: sent, as
        # recover() counts it (sending it again would send it twice)
        return _("handed to the server; its answer was cut off")
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return f"{code} {' '.join(text.split())[:300]}"


def _wait_after(attempts: int) -> dt.timedelta | None:
    """How long before the next try after `attempts` tries (None: no more tries)."""
    if attempts > len(BACKOFF):
        return None
    return dt.timedelta(minutes=BACKOFF[attempts - 1])


def send_due(
    *,
    limit: int | None = None,
    owner: str | None = None,
    connect: Callable[[mail.MailSetup], smtplib.SMTP] = mail.connect,
) -> SendResult:
    """Send the emails that are due (at most `limit`), one connection for all.

    A connection that cannot be made (the server down, no password on this computer, a
    certificate) fails no message: the one taken is put back as it was and the rest wait.
    Only the server's own answer about one message (an address refused) fails it."""
    setup = mail.current()
    if not setup.ready:
        raise InputError(
            _(
                "Email is not set up: Settings → Email and notices, or frontcounter mail "
                "setup --smtp-host HOST --from ADDRESS."
            )
        )
    owner = owner or sender_name()
    result = SendResult()
    recover()
    connection: smtplib.SMTP | None = None
    try:
        while limit is None or result.sent + result.failed < limit:
            message = claim(owner)
            if message is None:
                break
            if connection is None:
                try:
                    connection = connect(setup)
                except mail.MailError as unreachable:
                    # not this message's fault: back as it was, its try not counted
                    _set(message.id, owner, state="queued", last_error=str(unreachable),
                         lease_owner="", lease_until=None,
                         attempts=OutboxMessage.attempts - 1)  # fmt: skip
                    result.stopped = str(unreachable)
                    break
            try:
                answer = hand_over(connection, setup, message, owner)
            except (ValueError, UnicodeError) as exc:  # an address that cannot be written
                _set(message.id, owner, state="failed", lease_owner="", lease_until=None,
                     last_error=_("The address {to} cannot be sent to: {reason}").format(
                         to=message.to_address[:100], reason=exc))  # fmt: skip
                result.failed += 1
                connection = _reset(connection)
                continue
            except LeaseLost:
                connection = _reset(connection)
                continue  # another sender has it now
            except (smtplib.SMTPException, OSError) as exc:
                problem = mail.explain(exc, setup)
                answered = isinstance(
                    exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                )
                if answered:
                    connection = _reset(connection)
                else:
                    _drop(connection)
                    connection = None
                wait = None if problem.lasting else _wait_after(message.attempts)
                if wait is None:
                    _set(message.id, owner, state="failed", last_error=str(problem),
                         lease_owner="", lease_until=None)  # fmt: skip
                    result.failed += 1
                    continue
                _set(message.id, owner, state="queued", last_error=str(problem), lease_owner="",
                     lease_until=None, next_attempt_at=clock.now() + wait)  # fmt: skip
                if not answered:
                    result.stopped = str(problem)  # the server is not there: the rest wait
                    break
                continue
            _set(message.id, owner, state="sent", sent_at=clock.now(), server_answer=answer,
                 last_error="", lease_owner="", lease_until=None)  # fmt: skip
            result.sent += 1
    finally:
        if connection is not None:
            mail.close(connection)
    with reading():
        result.queued = (
            OutboxMessage.select()
            .where(OutboxMessage.channel == "email", OutboxMessage.state == "queued")
            .count()
        )
    return result


def _reset(connection: smtplib.SMTP | None) -> smtplib.SMTP | None:
    """The connection ready for the next message after one the server said no to."""
    if connection is None:
        return None
    try:
        connection.rset()
    except (smtplib.SMTPException, OSError):
        mail.close(connection)
        return None
    return connection


def _drop(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        mail.close(connection)


# ---- what a clerk sees and does ---------------------------------------------------------------


def _row(message: OutboxMessage, number: str, confidential: bool) -> dict[str, object]:
    to = message.to_address if message.channel == "email" else message.to_address.split("\n")[0]
    return {
        "id": message.id,
        "request": number,
        "kind": message.kind,
        "notice": kinds().get(message.kind, message.kind),
        "channel": message.channel,
        "to": _("(a confidential reporter)") if confidential else to,
        "state": message.state,
        "state_words": state_words().get(message.state, message.state),
        "attempts": message.attempts,
        "last_error": message.last_error,
        "server_answer": message.server_answer,
        "subject": message.subject,
        "created_at": message.created_at.isoformat(sep=" ", timespec="seconds"),
        "next_attempt_at": message.next_attempt_at.isoformat(sep=" ", timespec="seconds"),
        "sent_at": message.sent_at.isoformat(sep=" ", timespec="seconds")
        if message.sent_at
        else None,
    }


def messages(
    *, states: tuple[str, ...] = (), request_id: int | None = None, limit: int = 500
) -> list[dict[str, object]]:
    """The outbox, newest first: of some states, or of one request."""
    with reading():
        query = (
            OutboxMessage.select(
                OutboxMessage, ServiceRequest.tracking_number, ServiceRequest.confidential
            )
            .left_outer_join(ServiceRequest, on=OutboxMessage.request == ServiceRequest.id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
        if states:
            query = query.where(OutboxMessage.state.in_(list(states)))
        if request_id is not None:
            query = query.where(OutboxMessage.request == request_id)
        return [
            _row(
                m,
                str(getattr(m, "tracking_number", "") or ""),
                bool(getattr(m, "confidential", False)),
            )
            for m in query.objects()
        ]


def due_now() -> bool:
    """Whether the window's timer has anything to do: notices on, email set up, and an
    email due (or one whose sender stopped)."""
    with reading():
        if not get_setting("outbox.notices") or not get_setting("mail.smtp_host"):
            return False
    setup = mail.current()
    if setup.user and not mail.password(setup):
        return False  # not this computer's to send: its keyring has no password
    with reading():
        return (
            OutboxMessage.select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == "email",
                OutboxMessage.state.in_(["queued", "sending", "handed"]),
                OutboxMessage.next_attempt_at <= clock.now(),
            )
            .limit(1)
            .exists()
        )


def counts() -> dict[str, int]:
    """What waits: {"email": emails to send, "failed": failed ones, "letters": for the post}."""
    with reading():
        rows = rows_of(
            OutboxMessage.select(OutboxMessage.channel, OutboxMessage.state, fn.COUNT(1))
            .where(OutboxMessage.state.in_(["queued", "failed", "bounced"]))
            .group_by(OutboxMessage.channel, OutboxMessage.state)
        )
        found = {(str(row[0]), str(row[1])): int(row[2]) for row in rows}
    return {
        "email": found.get(("email", "queued"), 0),
        "failed": found.get(("email", "failed"), 0)
        + found.get(("letter", "failed"), 0)
        + found.get(("email", "bounced"), 0),
        "letters": found.get(("letter", "queued"), 0),
    }


def _find(message_id: int) -> OutboxMessage:
    found = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
    if found is None:
        raise NotFound(_("There is no message {id} in the outbox.").format(id=message_id))
    return found


def retry(message_id: int, *, actor: StaffUser | None) -> None:
    """A failed or cancelled message queued again, to go at the next sending."""
    permissions.require(actor, permissions.REQUEST_NOTE)

    def save() -> None:
        message = _find(message_id)
        if message.state not in ("failed", "cancelled", "bounced"):
            raise InputError(
                _("Message {id} is {state}: only a failed or cancelled one is tried again.").format(
                    id=message_id, state=state_words().get(message.state, message.state)
                )
            )
        OutboxMessage.update(
            state="queued", next_attempt_at=clock.now(), attempts=0, last_error=""
        ).where(OutboxMessage.id == message_id).execute()
        audit.record("outbox_message", message_id, "retry", {"state": message.state},
                     {"state": "queued"}, actor)  # fmt: skip

    write(save)


def cancel(message_id: int, *, actor: StaffUser | None) -> None:
    """A message that has not gone yet is not sent (or printed)."""
    permissions.require(actor, permissions.REQUEST_NOTE)

    def save() -> None:
        message = _find(message_id)
        changed = (
            OutboxMessage.update(state="cancelled", lease_owner="", lease_until=None)
            .where(OutboxMessage.id == message_id, OutboxMessage.state.in_(["queued", "failed"]))
            .execute()
        )
        if not changed:
            raise InputError(
                _("Message {id} is {state}: it can no longer be cancelled.").format(
                    id=message_id, state=state_words().get(message.state, message.state)
                )
            )
        audit.record("outbox_message", message_id, "cancel", {"state": message.state},
                     {"state": "cancelled"}, actor)  # fmt: skip

    write(save)


#: how long a workstation holds the letters it is printing: another one leaves them alone until
#: they are printed, given back, or this long has passed (a window closed mid-print)
LETTER_LEASE = dt.timedelta(minutes=30)


def letter_batch(
    limit: int = 500, *, owner: str | None = None
) -> tuple[list[int], list[LetterData]]:
    """The notices waiting to be printed as letters (oldest first), ready for printing. With
    `owner` (a printing workstation, `sender_name()`), they are claimed for it: two clerks
    printing at once never print the same letter; each gets the ones nobody else holds."""
    if owner is not None:
        _claim_letters(owner, limit)
    with reading():
        query = (
            OutboxMessage.select(OutboxMessage, ServiceRequest.tracking_number)
            .left_outer_join(ServiceRequest, on=OutboxMessage.request == ServiceRequest.id)
            .where(OutboxMessage.channel == "letter", OutboxMessage.state == "queued")
        )
        if owner is not None:
            query = query.where(OutboxMessage.lease_owner == owner)
        waiting = list(query.order_by(OutboxMessage.id).limit(limit).objects())
    today = clock.today()
    return [m.id for m in waiting], [
        LetterData(
            tracking_number=str(getattr(m, "tracking_number", "") or ""),
            recipient_lines=[line for line in m.to_address.split("\n") if line.strip()],
            date=today,
            subject=m.subject,
            body=m.body,
            language=m.language,
        )
        for m in waiting
    ]


def _free_letters(moment: dt.datetime) -> Any:
    return (
        (OutboxMessage.channel == "letter")
        & (OutboxMessage.state == "queued")
        & (OutboxMessage.lease_until.is_null() | (OutboxMessage.lease_until < moment))
    )


def _claim_letters(owner: str, limit: int) -> int:
    moment = clock.now()

    def save() -> int:
        free = [
            row.id
            for row in OutboxMessage.select(OutboxMessage.id)
            .where(_free_letters(moment))
            .order_by(OutboxMessage.id)
            .limit(limit)
        ]
        if not free:
            return 0
        return int(
            OutboxMessage.update(lease_owner=owner, lease_until=moment + LETTER_LEASE)
            .where(OutboxMessage.id.in_(free), _free_letters(moment))
            .execute()
        )

    return write(save)


def letters_held_elsewhere(owner: str = "") -> int:
    """How many waiting letters another workstation is printing right now."""
    moment = clock.now()
    with reading():
        return int(
            OutboxMessage.select()
            .where(
                OutboxMessage.channel == "letter",
                OutboxMessage.state == "queued",
                OutboxMessage.lease_until.is_null(False),
                OutboxMessage.lease_until >= moment,
                OutboxMessage.lease_owner != owner,
            )
            .count()
        )


def release_letters(ids: list[int], owner: str) -> int:
    """Letters claimed for printing and not printed after all (the preview was closed): they
    wait for the next batch again, for any workstation."""
    if not ids:
        return 0

    def save() -> int:
        return int(
            OutboxMessage.update(lease_owner="", lease_until=None)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.lease_owner == owner,
                OutboxMessage.state == "queued",
            )
            .execute()
        )

    return write(save)


def mark_printed(ids: list[int], *, actor: StaffUser | None, owner: str | None = None) -> int:
    """The letters of a batch were printed (the PDF was written): they are done. With `owner`,
    only the ones still held by that workstation (a lease that ran out and was taken by another
    one is that one's to print)."""
    if not ids:
        return 0
    now = clock.now()

    def save() -> int:
        mine = OutboxMessage.id.in_(ids) & (OutboxMessage.state == "queued")
        if owner is not None:
            mine &= OutboxMessage.lease_owner == owner
        done = int(
            OutboxMessage.update(
                state="printed",
                sent_at=now,
                lease_owner="",
                lease_until=None,
                server_answer=_("printed {when}").format(when=now.strftime("%Y-%m-%d %H:%M")),
            )
            .where(mine)
            .execute()
        )
        audit.record("outbox_message", None, "letters_printed", None, {"ids": ids}, actor)
        return done

    return write(save)


def mark_bounced(message_id: str, why: str) -> OutboxMessage | None:
    """A notice the resident's mail server sent back (a bounce read from the town's mailbox):
    its state says so, with the server's reason. None when no notice has that Message-ID."""

    def save() -> OutboxMessage | None:
        found = OutboxMessage.get_or_none(OutboxMessage.message_id == message_id)
        if found is None:
            return None
        OutboxMessage.update(state="bounced", last_error=why[:1000]).where(
            OutboxMessage.id == found.id
        ).execute()
        bounced: OutboxMessage = OutboxMessage.get_by_id(found.id)
        return bounced

    return write(save)
