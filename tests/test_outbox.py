"""Residents hear back: notices queued in the same transaction as the change they tell of, by
email or by letter as the resident can be reached, sent through a real SMTP server on loopback
(aiosmtpd) exactly once: through a server outage, with two senders at once, and with a sender
killed at random moments; the failures people meet said in their words; the letter batch
printed and read back."""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pypdf import PdfReader

from desktop.app import main
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.outbox import delivery, mail
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.storage.schema import OutboxMessage, RequestEvent, ServiceType
from desktop.models.town.settings import set_settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """What the SMTP server took: one entry per message, by Message-ID."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[email.message.Message] = []
        self.refuse: set[str] = set()
        self.delay = delay

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server: widens the moments a kill can fall in
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 2.0.0 Ok: queued as X"

    def ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.messages)


class Server:
    def __init__(self, box: Mailbox, port: int, **options: Any) -> None:
        self.box, self.port, self.options = box, port, options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Server]:
    server = Server(Mailbox(), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def town(db, smtp: Server):
    set_settings(
        {
            "outbox.notices": True,
            "town.name": "Alder Falls",
            "town.phone": "555-0100",
            "mail.smtp_host": "127.0.0.1",
            "mail.smtp_port": smtp.port,
            "mail.security": "plain",
            "mail.from": "townhall@alderfalls.example",
        },
        actor=None,
    )
    return db


def caller(email_address: str = "", address: str = "") -> CallerDetails:
    return CallerDetails(
        first_name="Ana", last_name="Quintero", email=email_address, address=address
    )


def new_request(who: CallerDetails | None = None, kind: str = "feedback"):
    draft = RequestDraft(kind, "Thank you for the new bench", address="12 Elm St")
    if who is not None:
        draft.caller = who
    return create_request(draft, actor=None)


def test_a_notice_is_queued_with_the_change_it_tells_of(town):
    by_email = new_request(caller("ana@example.org"))
    by_post = new_request(caller(address="4 Oak Ave\nAlder Falls"))
    new_request()  # an anonymous caller: no one to tell
    rows = {m.request_id: m for m in OutboxMessage.select()}
    assert (
        rows[by_email.id].channel == "email" and rows[by_email.id].to_address == "ana@example.org"
    )
    assert rows[by_post.id].channel == "letter" and "4 Oak Ave" in rows[by_post.id].to_address
    assert len(rows) == 2
    received = rows[by_email.id]
    assert received.kind == "received" and by_email.tracking_number in received.subject
    assert "Dear Ana Quintero" in received.body and "Alder Falls" in received.body
    history = RequestEvent.select().where(
        RequestEvent.request == by_email.id, RequestEvent.kind == "notice"
    )
    assert [e.body for e in history] == ["Acknowledgement queued by email."]

    lifecycle.add_note(by_email.id, "Crew booked for Tuesday.", public=True, actor=None)
    lifecycle.add_note(by_email.id, "internal only", actor=None)
    lifecycle.resolve(by_email.id, "fixed", note="The bench is in.", actor=None)
    lifecycle.reopen(by_email.id, "It wobbles", actor=None)
    lifecycle.resolve(by_email.id, "not_town_responsibility", actor=None)
    told = [
        (m.kind, m.subject)
        for m in OutboxMessage.select()
        .where(OutboxMessage.request == by_email.id)
        .order_by(OutboxMessage.id)
    ]
    assert [kind for kind, _s in told] == ["received", "update", "resolved", "reopened", "resolved"]
    last = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert "not the town's to fix" in last.body  # the not-ours letter, by its resolution


def test_no_notice_when_the_town_or_the_type_or_the_resident_says_none(town):
    ServiceType.update(notices="resolved").where(ServiceType.code == "feedback").execute()
    quiet = new_request(caller("ana@example.org"))
    assert OutboxMessage.select().count() == 0  # this type sends only its resolution
    lifecycle.resolve(quiet.id, "fixed", actor=None)
    assert OutboxMessage.select().count() == 1
    set_settings({"outbox.notices": False}, actor=None)
    new_request(caller("ana@example.org"))
    assert OutboxMessage.select().count() == 1


def test_the_outbox_goes_out_once_each_through_the_server(town, smtp: Server):
    made = [new_request(caller(f"r{n}@example.org")) for n in range(5)]
    result = delivery.send_due()
    assert result.as_dict() == {"sent": 5, "failed": 0, "queued": 0}
    assert sorted(smtp.box.ids().values()) == [1] * 5
    first = smtp.box.messages[0]
    assert first["From"] == "Alder Falls <townhall@alderfalls.example>"
    assert made[0].tracking_number in str(first["Subject"])
    assert first["Auto-Submitted"] == "auto-generated"
    row = OutboxMessage.get(OutboxMessage.to_address == "r0@example.org")
    assert row.state == "sent" and row.server_answer.startswith("250")
    assert delivery.send_due().as_dict() == {"sent": 0, "failed": 0, "queued": 0}


def test_a_server_that_is_down_keeps_the_notices_until_it_returns(town, smtp: Server):
    for n in range(3):
        new_request(caller(f"r{n}@example.org"))
    smtp.stop()
    result = delivery.send_due()
    assert (result.sent, result.queued) == (0, 3) and "could not be reached" in result.stopped
    assert {(m.state, m.attempts) for m in OutboxMessage.select()} == {("queued", 0)}
    tried = OutboxMessage.select().where(OutboxMessage.last_error != "").get()
    assert "could not be reached" in tried.last_error  # what stopped it, said on the one tried
    smtp.start()
    assert delivery.send_due().as_dict() == {"sent": 3, "failed": 0, "queued": 0}
    assert sorted(smtp.box.ids().values()) == [1, 1, 1]


def test_a_refused_address_fails_in_words_and_can_be_retried_or_cancelled(town, smtp: Server):
    new_request(caller("gone@example.org"))
    new_request(caller("here@example.org"))
    smtp.box.refuse.add("gone@example.org")
    result = delivery.send_due()
    assert (result.sent, result.failed) == (1, 1)
    failed = OutboxMessage.get(OutboxMessage.to_address == "gone@example.org")
    assert failed.state == "failed" and "refused the address" in failed.last_error
    assert "550" in failed.last_error
    rows = delivery.messages(states=("failed",))
    assert [r["to"] for r in rows] == ["gone@example.org"]
    delivery.retry(failed.id, actor=None)
    smtp.box.refuse.clear()
    assert delivery.send_due().sent == 1
    sent = OutboxMessage.get_by_id(failed.id)
    with pytest.raises(InputError, match="can no longer be cancelled"):
        delivery.cancel(sent.id, actor=None)
    new_request(caller("later@example.org"))
    waiting = OutboxMessage.get(OutboxMessage.to_address == "later@example.org")
    delivery.cancel(waiting.id, actor=None)
    assert delivery.send_due().sent == 0


def test_the_failures_people_meet_are_said_in_their_words(town, smtp: Server):
    def refuse(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.password == b"right":
            return AuthResult(success=True)
        if isinstance(auth_data, LoginPassword) and auth_data.login == b"m365":
            return AuthResult(
                success=False,
                handled=False,
                message="535 5.7.139 Authentication unsuccessful, basic authentication is "
                "disabled.",
            )
        return AuthResult(success=False, handled=False)

    secured = Server(Mailbox(), free_port(), authenticator=refuse, auth_require_tls=False)
    secured.start()
    try:
        for user, words in (
            ("clerk", "refused the user name or password"),
            ("m365", "basic authentication \\(a password\\) is turned off"),
        ):
            mail.save_setup(host="127.0.0.1", port=secured.port, security="plain",
                            sender="townhall@alderfalls.example", user=user,
                            new_password="wrong", actor=None)  # fmt: skip
            with pytest.raises(mail.MailError, match=words) as raised:
                mail.send_test("ana@example.org", actor=None)
            assert raised.value.lasting
        mail.save_setup(host="127.0.0.1", port=secured.port, security="plain",
                        sender="townhall@alderfalls.example", user="clerk",
                        new_password="right", actor=None)  # fmt: skip
        assert "was taken by" in mail.send_test("ana@example.org", actor=None)
        assert len(secured.box.messages) == 1
    finally:
        secured.stop()
    # STARTTLS asked of a server that has none, and a server that is not there
    mail.save_setup(host="127.0.0.1", port=smtp.port, security="starttls",
                    sender="townhall@alderfalls.example", actor=None)  # fmt: skip
    with pytest.raises(mail.MailError, match="does not offer encryption"):
        mail.send_test("ana@example.org", actor=None)
    mail.save_setup(host="127.0.0.1", port=free_port(), security="plain",
                    sender="townhall@alderfalls.example", actor=None)  # fmt: skip
    with pytest.raises(mail.MailError, match="could not be reached") as raised:
        mail.send_test("ana@example.org", actor=None)
    assert not raised.value.lasting
    with pytest.raises(InputError, match="not an email address to send from"):
        mail.save_setup(host="h", port=25, security="plain", sender="nobody", actor=None)


def test_the_letter_batch_prints_those_written_to(town, tmp_path: Path):
    for n in range(3):
        new_request(caller(address=f"{n + 1} Oak Ave\nAlder Falls, MA 01234"))
    ids, letters = delivery.letter_batch()
    assert len(ids) == 3
    from desktop import printing
    from desktop.models.documents.gather import page_setup

    pdf = printing.build_letters(letters, page_setup())
    path = tmp_path / "letters.pdf"
    path.write_bytes(pdf)
    pages = PdfReader(path).pages
    assert len(pages) == 3
    text = pages[2].extract_text()
    assert "3 Oak Ave" in text and "We received your request" in text
    assert "page 1" in text and "page 3" not in text  # each letter counts its own pages
    assert delivery.mark_printed(ids, actor=None) == 3
    assert delivery.letter_batch()[0] == []


def test_two_clerks_printing_letters_at_once_never_print_the_same_one(town):
    """Each workstation claims the letters it prints; the other gets the rest, or is told the
    letters are being printed elsewhere; letters not printed after all are given back, and a
    claim left by a closed window runs out."""
    for n in range(5):
        new_request(caller(address=f"{n + 1} Oak Ave\nAlder Falls, MA 01234"))
    mine, _letters = delivery.letter_batch(limit=3, owner="desk-1")
    theirs, _letters = delivery.letter_batch(owner="desk-2")
    assert len(mine) == 3 and len(theirs) == 2 and not set(mine) & set(theirs)
    assert delivery.letter_batch(owner="desk-3")[0] == []
    assert delivery.letters_held_elsewhere("desk-3") == 5
    assert delivery.mark_printed(mine, actor=None, owner="desk-2") == 0  # not desk-2's to mark
    assert delivery.mark_printed(mine, actor=None, owner="desk-1") == 3
    assert delivery.release_letters(theirs, "desk-2") == 2  # the preview was closed
    again, _letters = delivery.letter_batch(owner="desk-3")
    assert sorted(again) == sorted(theirs)
    later = clock.now() + delivery.LETTER_LEASE + dt.timedelta(minutes=1)
    clock.set_clock(lambda: later)  # desk-3's window closed mid-print: the claim runs out
    assert sorted(delivery.letter_batch(owner="desk-4")[0]) == sorted(theirs)


def test_a_letter_preview_closed_without_printing_gives_the_letters_back(town, qtbot):
    from desktop.ui import print_preview

    for n in range(2):
        new_request(caller(address=f"{n + 1} Oak Ave\nAlder Falls, MA 01234"))
    job = print_preview.print_letter_batch(None, None, show=False)
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    dialog = ready.args[0]
    qtbot.addWidget(dialog)
    assert delivery.letters_held_elsewhere("another desk") == 2  # claimed while previewed
    dialog.reject()  # closed without printing
    assert delivery.letters_held_elsewhere("another desk") == 0
    assert len(delivery.letter_batch(owner="another desk")[0]) == 2


# ---- the command line, and other processes ----------------------------------------------------


def _cli_town(tmp_path: Path, port: int, capsys) -> list[str]:
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    assert main([*base, "settings", "set", "outbox.notices", "yes"]) == 0
    assert main([*base, "mail", "setup", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
                 "--plain", "--from", "townhall@alderfalls.example", "--json"]) == 0  # fmt: skip
    capsys.readouterr()
    return base


def _queue(base: list[str], count: int, capsys) -> None:
    for n in range(count):
        assert main([*base, "request", "add", "feedback", "Thanks", "--address", "1 Main St",
                     "--first-name", "Ana", "--last-name", "Q",
                     "--email", f"r{n}@example.org"]) == 0  # fmt: skip
    capsys.readouterr()


def test_the_command_line(tmp_path: Path, smtp: Server, capsys):
    base = _cli_town(tmp_path, smtp.port, capsys)
    assert main([*base, "mail", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["smtp_port"], shown["security"], shown["password_kept"]) == (
        smtp.port,
        "plain",
        False,
    )
    # the mail server's --user is not the program's own --user (who signs in)
    assert main([*base, "mail", "setup", "--smtp-host", "127.0.0.1", "--smtp-port",
                 str(smtp.port), "--plain", "--from", "townhall@alderfalls.example",
                 "--user", "townhall@alderfalls.example", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["user"] == "townhall@alderfalls.example"
    again = ["--smtp-port", str(smtp.port), "--plain", "--from", "townhall@alderfalls.example"]
    assert main([*base, "mail", "setup", "--smtp-host", "127.0.0.1", *again]) == 0
    capsys.readouterr()
    _queue(base, 3, capsys)
    assert main([*base, "outbox", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["state"] for r in listed] == ["queued"] * 3
    assert main([*base, "outbox", "send", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"sent": 3, "failed": 0, "queued": 0}
    assert main([*base, "outbox", "cancel", str(listed[0]["id"])]) == 1
    assert "can no longer be cancelled" in capsys.readouterr().err
    assert main([*base, "mail", "test", "clerk@example.org"]) == 0
    assert "was taken by" in capsys.readouterr().out
    assert main([*base, "outbox", "letters", "--out", str(tmp_path / "l.pdf")]) == 0
    assert "No letters are waiting" in capsys.readouterr().out


def _sender(base: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", *base, "outbox", "send", "--json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.sqlite_only
def test_two_workstations_sending_at_once_send_each_message_once(tmp_path: Path, capsys):
    box = Mailbox(delay=0.005)
    server = Server(box, free_port())
    server.start()
    try:
        base = _cli_town(tmp_path, server.port, capsys)
        _queue(base, 40, capsys)
        senders = [_sender(base), _sender(base)]
        results = [json.loads(s.communicate(timeout=120)[0]) for s in senders]
    finally:
        server.stop()
    assert sum(r["sent"] for r in results) == 40
    assert len(box.ids()) == 40 and set(box.ids().values()) == {1}


@pytest.mark.sqlite_only
def test_a_sender_killed_at_random_moments_loses_and_doubles_nothing(tmp_path: Path, capsys):
    """kill -9 while sending: what was cut before the end of a message goes again when its
    lease runs out; what was handed over is not sent twice."""
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    box = Mailbox(delay=0.01)
    server = Server(box, free_port())
    server.start()
    rng = random.Random(20)
    kills = 0
    try:
        base = _cli_town(tmp_path, server.port, capsys)
        _queue(base, 60, capsys)
        for _trial in range(6):
            sender = _sender(base)
            time.sleep(rng.uniform(0.5, 1.5))
            kills += sender.poll() is None
            sender.send_signal(signal.SIGKILL)
            sender.communicate(timeout=60)
            # the killed sender's lease runs out (on the real clock the senders keep)
            opened = open_database(tmp_path / "town.db")
            try:
                delivery.recover(dt.datetime.now() + delivery.LEASE + dt.timedelta(seconds=5))
            finally:
                close_database(opened)
        last = _sender(base)
        final = json.loads(last.communicate(timeout=120)[0])
    finally:
        server.stop()
    assert kills > 0 and final["queued"] == 0 and final["failed"] == 0
    delivered = box.ids()
    assert len(delivered) == 60, f"{60 - len(delivered)} notices never reached the server"
    assert set(delivered.values()) == {1}, [k for k, v in delivered.items() if v > 1]


def test_the_requests_history_says_where_each_notice_is(town, smtp: Server):
    from desktop.models.requests.detail import load_request_detail

    made = new_request(caller("ana@example.org"))
    smtp.box.refuse.add("ana@example.org")
    delivery.send_due()
    detail = load_request_detail(made.id, actor=None)
    told = [line.body for line in detail.history if line.kind == "notice"]
    assert told == [
        "Acknowledgement queued by email. Now: failed. The mail server "
        "refused the address: ana@example.org: 550 5.1.1 No such user here"
    ]


# ---- the window ---------------------------------------------------------------------------------


def _finish(qtbot, box, action) -> None:
    with qtbot.waitCallback(timeout=30_000) as finished:
        action()
        assert box.job is not None
        box.job.finished.connect(finished)


def test_settings_sets_up_email_sends_a_test_and_the_outbox(qtbot, town, smtp: Server):
    from desktop.ui.mail_box import MailBox

    box = MailBox(lambda: None)
    qtbot.addWidget(box)
    box.load()
    assert box.notices.isChecked() and box.host.text() == "127.0.0.1"
    assert "Emails waiting to be sent: 0." in box.waiting.text()
    box.mail_from.setText("not an address")
    box.save_server()
    assert "not an email address to send from" in box.result.text()
    box.mail_from.setText("clerk@alderfalls.example")
    box.save_server()
    assert box.result.text() == ""
    box.test_to.setText("me@example.org")
    _finish(qtbot, box, box.send_test)
    assert "was taken by 127.0.0.1" in box.result.text()
    new_request(caller("ana@example.org"))
    new_request(caller(address="4 Oak Ave"))
    box.load()
    assert "sent: 1. Failed: 0. Letters waiting for the post: 1." in box.waiting.text()
    assert box.send_button.isEnabled() and box.letters_button.isEnabled()
    _finish(qtbot, box, box.send_now)
    assert "1 notice sent." in box.result.text()
    assert len(smtp.box.messages) == 2  # the test message and the notice
    assert smtp.box.messages[1]["From"].endswith("<clerk@alderfalls.example>")
    box.notices.setChecked(False)
    from desktop.models.town.settings import get_setting

    assert get_setting("outbox.notices") is False


def test_the_window_sends_the_outbox_on_its_timer_and_says_what_stopped_it(
    qtbot, town, smtp: Server, tmp_path: Path
):
    from desktop.ui.main_window import MainWindow
    from desktop.ui.prefs import Prefs

    window = MainWindow(town, Prefs(tmp_path / "frontcounter.ini"), signed_in=lambda: None)
    qtbot.addWidget(window)
    new_request(caller("ana@example.org"))
    window.send_notices()
    assert window._sending is not None
    with qtbot.waitSignal(window._sending.finished, timeout=30_000):
        pass
    assert len(smtp.box.messages) == 1
    assert "1 notice sent to a resident." in window.statusBar().currentMessage()
    smtp.stop()
    new_request(caller("bo@example.org"))
    window.send_notices()
    with qtbot.waitSignal(window._sending.finished, timeout=30_000):
        pass
    assert "Email: The mail server" in window.statusBar().currentMessage()
    assert "could not be reached" in window.statusBar().currentMessage()
    window.close()


# ---- what an independent review found -------------------------------------------------------


def test_an_answer_lost_after_the_end_of_the_message_is_not_sent_again(
    town, smtp: Server, monkeypatch: pytest.MonkeyPatch
):
    """The server took the whole message and the line dropped before its "250": sending it
    again would send it twice. It counts as sent, with a word that the answer was lost."""
    import smtplib

    new_request(caller("a@example.org"))
    real_send, real_reply = smtplib.SMTP.send, smtplib.SMTP.getreply
    after_dot = {"now": False}

    def send(self, data):
        after_dot["now"] = data == b".\r\n"
        return real_send(self, data)

    def getreply(self):
        if after_dot["now"]:
            after_dot["now"] = False
            real_reply(self)  # the server accepted it...
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")  # ...unheard
        return real_reply(self)

    monkeypatch.setattr(smtplib.SMTP, "send", send)
    monkeypatch.setattr(smtplib.SMTP, "getreply", getreply)
    assert delivery.send_due().sent == 1
    monkeypatch.undo()
    clock.set_clock(lambda: dt.datetime(2026, 11, 16, 10, 0))
    assert delivery.send_due().sent == 0
    assert list(smtp.box.ids().values()) == [1]
    assert "answer was cut off" in OutboxMessage.get().server_answer


def test_a_workstation_without_the_password_fails_no_notice(
    town, smtp: Server, monkeypatch: pytest.MonkeyPatch
):
    set_settings({"mail.user": "townhall"}, actor=None)
    monkeypatch.delenv("FRONTCOUNTER_MAIL_PASSWORD", raising=False)
    for n in range(3):
        new_request(caller(f"r{n}@example.org"))
    assert not delivery.due_now()  # the window's timer leaves it to a computer that can
    result = delivery.send_due()
    assert (result.failed, result.queued) == (0, 3) and "no password" in result.stopped
    assert {m.state for m in OutboxMessage.select()} == {"queued"}
    assert {m.attempts for m in OutboxMessage.select()} == {0}


def test_try_later_is_tried_later_and_an_address_that_cannot_be_written_fails_alone(
    town, smtp: Server
):
    async def greylisting(server, session, envelope, address, options):
        if address == "grey@example.org":
            return "450 4.2.0 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.box.handle_RCPT = greylisting  # type: ignore[method-assign]
    new_request(caller("grey@example.org"))
    new_request(caller("josé@example.org"))
    new_request(caller("fine@example.org"))
    result = delivery.send_due()
    assert (result.sent, result.failed) == (1, 1)
    rows = {m.to_address: m for m in OutboxMessage.select()}
    assert rows["grey@example.org"].state == "queued"
    assert "try later" in rows["grey@example.org"].last_error
    assert rows["josé@example.org"].state == "failed"
    assert "cannot be sent to" in rows["josé@example.org"].last_error
    assert rows["fine@example.org"].state == "sent"


def test_a_confidential_reporters_address_is_in_no_list(town):
    draft = RequestDraft("feedback", "About my neighbour", address="12 Elm St")
    draft.caller = caller("jane.reporter@example.org")
    draft.confidential = True
    made = create_request(draft, actor=None)
    rows = delivery.messages()
    assert rows[0]["request"] == made.tracking_number
    assert rows[0]["to"] == "(a confidential reporter)"
    history = RequestEvent.select().where(RequestEvent.request == made.id)
    assert not any("jane.reporter" in e.body for e in history)


def test_a_result_is_scrolled_into_view_on_the_long_page(qtbot, town):
    """Settings → Email is longer than the window: a sentence said under its last buttons is
    scrolled to, so the clerk who pressed a button near the top sees it."""
    from PySide6.QtWidgets import QScrollArea

    from desktop.ui.mail_box import MailBox

    box = MailBox(lambda: None)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(box)
    scroll.resize(700, 250)
    qtbot.addWidget(scroll)
    scroll.show()
    box.load()
    assert scroll.verticalScrollBar().value() == 0
    box.mail_from.setText("not an address")
    box.save_server()  # near the top of the page
    assert "not an email address to send from" in box.result.text()
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().value() > 0, timeout=5_000)
    top = box.result.mapTo(box, box.result.rect().topLeft()).y()
    shown = scroll.verticalScrollBar().value()
    assert shown <= top <= shown + scroll.viewport().height()
