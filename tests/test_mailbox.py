"""The town's mailbox as a channel, read from a real IMAP server on loopback (Dovecot): new
messages wait in the web inbox with their sender matched to a resident, replies to a notice
go onto their request with their files, HTML-only, malformed and oversized messages are kept
with what could be read, each message is kept once even when the reading is killed midway,
and the failures people meet are said in a sentence."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.errors import KnownError
from desktop.models.partners import inbox, mailbox
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.storage.schema import Attachment, RequestEvent, WebSubmission
from tests.dovecot_server import PASSWORD, USER, Dovecot, available

pytestmark = pytest.mark.skipif(not available(), reason="Dovecot is not installed (.ci/run)")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server() -> Iterator[Dovecot]:
    running = Dovecot()
    running.start()
    yield running
    running.close()


@pytest.fixture
def town(db, server: Dovecot, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FRONTCOUNTER_MAIL_PASSWORD", PASSWORD)
    mailbox.save_setup(host="127.0.0.1", port=server.port, security="plain", user=USER,
                       actor=None)  # fmt: skip
    mailbox.fetch(limit=100_000, actor=None)  # what an earlier test left is read now
    return db


def message(subject: str, body: str = "", *, sender: str = "Ana Quintero <ana@example.org>",
            html: str = "", files: tuple[tuple[str, str, bytes], ...] = ()) -> bytes:  # fmt: skip
    made = EmailMessage()
    made["From"], made["To"], made["Subject"] = sender, "townhall@alderfalls.example", subject
    made["Message-ID"] = f"<{random.randrange(10**12)}.{time.time_ns()}@example.org>"
    if html and not body:
        made.set_content(html, subtype="html")
    else:
        made.set_content(body)
    for name, kind, data in files:
        main_type, sub_type = kind.split("/")
        made.add_attachment(data, maintype=main_type, subtype=sub_type, filename=name)
    return made.as_bytes()


def test_a_new_message_waits_in_the_web_inbox_as_its_resident(town, server: Dovecot):
    known = create_request(
        RequestDraft("feedback", "Thanks", caller=CallerDetails(
            first_name="Ana", last_name="Quintero", email="ana@example.org")),
        actor=None,
    )  # fmt: skip
    server.deliver(message("Streetlight out", "The light on Oak Ave has been out a week."))
    result = mailbox.fetch(actor=None)
    assert result.as_dict() == {
        "read": 1, "stored": 1, "replies": 0, "bounces": 0, "skipped": 0
    }  # fmt: skip
    waiting = WebSubmission.get(WebSubmission.partner == "Email")
    fields = waiting.fields
    assert fields["channel"] == "email" and fields["contact_id"] == known.contact_id
    assert "light on Oak Ave" in fields["description"]
    # triaged: its type when it asks no question a clerk must put, else named for the clerk
    assert fields["service_type"] == "street_light_out" or (
        fields["service_type"] == "general" and "Triage suggests: Street" in fields["description"]
    )
    listed = inbox.listing(actor=None)
    assert listed[0].sender == "Ana Quintero <ana@example.org>"
    made = inbox.accept(waiting.token, actor=None)
    assert made.channel == "email" and made.contact_id == known.contact_id
    assert server.unseen() == 0 and mailbox.fetch(actor=None).read == 0  # marked read once kept


def test_a_reply_to_a_notice_goes_onto_its_request_with_its_files(town, server: Dovecot):
    made = create_request(
        RequestDraft("feedback", "Bench", address="1 Main St", caller=CallerDetails(
            first_name="Ana", last_name="Quintero", email="ana@example.org")),
        actor=None,
    )  # fmt: skip
    photo = b"\xff\xd8\xff\xe0" + b"\x00" * 2000
    server.deliver(
        message(
            f"Re: We received your request {made.tracking_number}",
            "It is still broken, see the photo.",
            files=(
                ("bench.jpg", "image/jpeg", photo),
                ("run-me.exe", "application/octet-stream", b"MZ..."),
            ),
        )
    )
    assert mailbox.fetch(actor=None).replies == 1
    note = RequestEvent.select().where(RequestEvent.request == made.id, RequestEvent.kind == "note")
    text = next(e.body for e in note)
    assert "still broken" in text and "Not kept: run-me.exe" in text
    assert [a.filename for a in Attachment.select().where(Attachment.request == made.id)] == [
        "bench.jpg"
    ]
    # the same photo again, a program dressed as a picture, and a stranger naming the number
    server.deliver(
        message(f"Re: {made.tracking_number}", "Here it is again.",
                files=(("bench.jpg", "image/jpeg", photo),
                       ("invoice.pdf.exe", "image/png", b"MZ\x90\x00" + b"x" * 100))),
        message(f"About {made.tracking_number}", "I saw it too.",
                sender="Mallory <mallory@elsewhere.example>",
                files=(("x.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50),)),
    )  # fmt: skip
    result = mailbox.fetch(actor=None)
    assert (result.replies, result.stored) == (1, 1)
    assert Attachment.select().where(Attachment.request == made.id).count() == 1
    notes = [e.body for e in RequestEvent.select().where(
        RequestEvent.request == made.id, RequestEvent.kind == "note")]  # fmt: skip
    assert "Not kept: invoice.pdf.exe" in notes[-1]
    stranger = WebSubmission.get(WebSubmission.state == "waiting")
    assert "I saw it too." in stranger.fields["description"]


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: townhall@alderfalls.example
Subject: Undelivered Mail Returned to Sender: We received your request {number}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Final-Recipient: rfc822; gone@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown

--b1
Content-Type: text/rfc822-headers

From: Alder Falls <townhall@alderfalls.example>
To: gone@example.org
Subject: We received your request {number}
Message-ID: {message_id}

--b1--
"""


def test_a_notice_sent_back_is_marked_bounced_with_the_reason(town, server: Dovecot):
    from desktop.models.requests.detail import load_request_detail
    from desktop.models.storage.schema import OutboxMessage
    from desktop.models.town.settings import set_settings

    set_settings({"outbox.notices": True}, actor=None)
    made = create_request(
        RequestDraft("feedback", "Thanks", caller=CallerDetails(
            first_name="Gone", last_name="Away", email="gone@example.org")),
        actor=None,
    )  # fmt: skip
    notice = OutboxMessage.get(OutboxMessage.request == made.id)
    server.deliver(
        DSN.format(number=made.tracking_number, message_id=notice.message_id)
        .replace("\n", "\r\n")
        .encode()
    )
    result = mailbox.fetch(actor=None)
    assert (result.bounces, result.replies, result.stored) == (1, 0, 0)
    bounced = OutboxMessage.get_by_id(notice.id)
    assert bounced.state == "bounced" and "User unknown" in bounced.last_error
    told = [h.body for h in load_request_detail(made.id, actor=None).history if h.kind == "notice"]
    assert "sent back by the resident's mail server" in told[0] and "User unknown" in told[0]
    assert WebSubmission.select().where(WebSubmission.state == "waiting").count() == 0


def test_html_only_malformed_and_oversized_messages_are_kept(town, server: Dovecot):
    server.deliver(
        message("Flooding", html="<html><head><style>p{}</style></head><body><p>Water over "
                "<b>Elm &amp; 3rd</b></p><script>alert(1)</script></body></html>"),
        b"From: someone@example.org\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n--other\r\nno end\r\n",
        message("A big video", "see attached",
                files=(("clip.mp4", "video/mp4", os.urandom(30 * 1024 * 1024)),)),
    )  # fmt: skip
    result = mailbox.fetch(actor=None)
    assert (result.read, result.stored) == (3, 3)
    texts = {
        w.fields["description"]
        for w in WebSubmission.select().where(WebSubmission.state == "waiting")
    }
    flooding = next(t for t in texts if t.startswith("Flooding"))
    assert "Water over Elm & 3rd" in flooding and "alert" not in flooding and "<" not in flooding
    assert any(t.startswith("broken") for t in texts)
    assert any("too large to read here" in t for t in texts)


def test_failures_are_said_in_a_sentence(town, server: Dovecot, monkeypatch):
    monkeypatch.setenv("FRONTCOUNTER_MAIL_PASSWORD", "wrong")
    with pytest.raises(KnownError, match="refused the user name or password"):
        mailbox.fetch(actor=None)
    mailbox.save_setup(host="127.0.0.1", port=server.port + 1 if server.port < 65535 else 1,
                       security="plain", user=USER, actor=None)  # fmt: skip
    with pytest.raises(KnownError, match="could not be reached"):
        mailbox.fetch(actor=None)


@pytest.mark.sqlite_only
def test_a_reading_killed_midway_keeps_each_message_once(tmp_path: Path, server: Dovecot, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FRONTCOUNTER_MAIL_PASSWORD": PASSWORD}
    os.environ["FRONTCOUNTER_MAIL_PASSWORD"] = PASSWORD
    try:
        assert main([*base, "init", "--town", "Alder Falls"]) == 0
        assert main([*base, "mail", "inbox", "--imap-host", "127.0.0.1", "--imap-port",
                     str(server.port), "--plain", "--user", USER]) == 0  # fmt: skip
        assert main([*base, "mail", "fetch"]) == 0  # what earlier tests left
        capsys.readouterr()
        server.deliver(*[message(f"Report {n}", f"Pothole number {n}") for n in range(120)])
        rng = random.Random(5)
        for _trial in range(3):
            reader = subprocess.Popen(
                [sys.executable, "-m", "desktop", *base, "mail", "fetch"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(rng.uniform(0.8, 1.6))
            reader.send_signal(signal.SIGKILL)
            reader.wait(timeout=60)
        assert main([*base, "mail", "fetch", "--json"]) == 0
        json.loads(capsys.readouterr().out)
    finally:
        del os.environ["FRONTCOUNTER_MAIL_PASSWORD"]
    import sqlite3

    with sqlite3.connect(tmp_path / "town.db") as raw:
        subjects = [
            json.loads(row[0])["subject"]
            for row in raw.execute("SELECT fields FROM web_submission WHERE partner = 'Email'")
        ]
    reports = [s for s in subjects if s.startswith("Report ")]
    assert sorted(reports) == sorted(f"Report {n}" for n in range(120))  # each once
    assert server.unseen() == 0


def test_settings_sets_up_the_mailbox_and_reads_it(qtbot, town, server: Dovecot):
    from desktop.ui.mail_box import MailBox

    box = MailBox(lambda: None)
    qtbot.addWidget(box)
    box.load()
    assert box.imap_user.text() == USER and box.fetch_button.isEnabled()
    box.imap_user.setText("has a space")
    box.save_inbox()
    assert "user name" in box.result.text()
    box.imap_user.setText(USER)
    box.save_inbox()
    server.deliver(message("Graffiti on the library wall", "Big red tags on the east wall."))
    with qtbot.waitCallback(timeout=30_000) as finished:
        box.fetch_now()
        assert box.job is not None
        box.job.finished.connect(finished)
    assert "Read 1 message: 1 in the web inbox" in box.result.text()
    assert WebSubmission.select().where(WebSubmission.state == "waiting").count() == 1


def test_what_an_independent_review_found(town, server: Dovecot):
    """Malformed headers kept, not a stop; a resident's words about an 'undelivered' bin are
    a reply, not a bounce; a report that delivery is only delayed marks nothing."""
    from desktop.models.storage.schema import OutboxMessage
    from desktop.models.town.settings import set_settings

    set_settings({"outbox.notices": True}, actor=None)
    made = create_request(
        RequestDraft("feedback", "Thanks", caller=CallerDetails(
            first_name="Ana", last_name="Quintero", email="ana@example.org")),
        actor=None,
    )  # fmt: skip
    notice = OutboxMessage.get(OutboxMessage.request == made.id)
    reply = EmailMessage()
    reply["From"], reply["Subject"] = "Bo <bo@other.example>", f"Re: {made.tracking_number}"
    reply["In-Reply-To"] = notice.message_id  # from another address, but answering its notice
    reply.set_content("My bin was undelivered again this week.")
    delay = (
        b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        b"Subject: Delivery Status Notification (Delay)\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; google.com\r\n"
        b"\r\nFinal-Recipient: rfc822; ana@example.org\r\nAction: delayed\r\nStatus: 4.4.7\r\n"
        b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: "
        + notice.message_id.encode() + b"\r\n--b--\r\n"
    )  # fmt: skip
    server.deliver(
        b"From: a@b.example\r\nMessage-ID: <>\r\nSubject: hi\r\n\r\nhello\r\n",
        b'From: "\r\nMessage-ID: <1@b.example>\r\nSubject: odd sender\r\n\r\nhello\r\n',
        reply.as_bytes(),
        delay,
    )
    result = mailbox.fetch(actor=None)
    assert result.as_dict() == {
        "read": 4, "stored": 2, "replies": 1, "bounces": 0, "skipped": 1
    }  # fmt: skip
    assert OutboxMessage.get_by_id(notice.id).state == "queued"  # not bounced by either
    notes = [e.body for e in RequestEvent.select().where(
        RequestEvent.request == made.id, RequestEvent.kind == "note")]  # fmt: skip
    assert any("undelivered again" in n for n in notes)
    assert server.unseen() == 0
