"""The audit trail: written with each change, chained, and tampering found and named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff import audit, audit_witness
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import AuditRecord, SchemaInfo
from desktop.models.town.settings import set_settings
from tests.conftest import TEST_NOW


@pytest.fixture
def trail(db):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    request = create_request(
        RequestDraft(
            service_type="pothole",
            description="Deep hole",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
            caller=CallerDetails("Maria", "Núñez", "555 010 2233"),
        ),
        clerk,
    )
    lifecycle.add_note(request.id, "Cones placed", actor=clerk)
    lifecycle.set_priority(request.id, "high", actor=clerk)
    set_settings({"town.phone": "555 010 1000"}, actor=None)
    return request


def test_each_change_is_recorded_with_who_where_before_and_after(trail):
    rows = list(AuditRecord.select().order_by(AuditRecord.id))
    mine = [r for r in rows if r.table_name == "service_request"]
    assert [r.action for r in mine] == ["create", "note", "priority"]
    priority = mine[-1]
    assert priority.username == "carla.clerk" and priority.workstation == "TEST-PC"
    assert json.loads(priority.before or "")["priority"] == "normal"
    assert json.loads(priority.after or "")["priority"] == "high"
    contact = next(r for r in rows if r.table_name == "contact" and r.action == "create")
    assert "Núñez" not in str(contact.after) and "Maria" not in str(contact.after)  # personal
    assert any(r.table_name == "setting" and r.record_id == "town.phone" for r in rows)
    assert audit.verify().ok


def test_a_failed_change_leaves_no_audit_record(trail):
    before = AuditRecord.select().count()
    with pytest.raises(Exception, match="cannot be made"):
        lifecycle.set_status(trail.id, "closed", actor=None)
    assert AuditRecord.select().count() == before


def _ids() -> list[int]:
    return [r.id for r in AuditRecord.select(AuditRecord.id).order_by(AuditRecord.id)]


def test_an_edited_record_is_named(trail):
    target = _ids()[3]
    # by hand, as someone with the sqlite3 shell or psql would (no app code involved)
    AuditRecord.update(username="someone").where(AuditRecord.id == target).execute()
    verdict = audit.verify()
    assert not verdict.ok and verdict.bad_id == target
    assert "changed" in verdict.sentence() and str(target) in verdict.sentence()


def test_a_deleted_record_is_found_at_the_next_one(trail):
    ids = _ids()
    AuditRecord.delete().where(AuditRecord.id == ids[2]).execute()
    verdict = audit.verify()
    assert not verdict.ok and verdict.bad_id == ids[3]


def test_reordered_records_are_found(trail):
    ids = _ids()
    a, b = ids[1], ids[2]
    AuditRecord.update(id=-1).where(AuditRecord.id == a).execute()
    AuditRecord.update(id=a).where(AuditRecord.id == b).execute()
    AuditRecord.update(id=b).where(AuditRecord.id == -1).execute()
    verdict = audit.verify()
    assert not verdict.ok and verdict.bad_id == a


def test_a_truncated_trail_is_found(trail):
    ids = _ids()
    AuditRecord.delete().where(AuditRecord.id >= ids[-2]).execute()
    verdict = audit.verify()
    assert not verdict.ok and verdict.bad_id == ids[-2]
    assert "cut off" in verdict.sentence()


@pytest.fixture
def witness(tmp_path):
    """This workstation's checkpoints of the trail, in a file of the test's own."""
    audit_witness.set_witness_file(tmp_path / "witness" / audit_witness.FILE_NAME)
    yield
    audit_witness.set_witness_file(None)


def _cut_and_rewrite_head(keep_below: int) -> None:
    """What a careful tamperer does: delete the newest records and write the hash of the last
    one left into the head, so that the chain in the database is whole."""
    AuditRecord.delete().where(AuditRecord.id >= keep_below).execute()
    last = AuditRecord.select().order_by(AuditRecord.id.desc()).first()
    head = f"{last.hash}:{last.id}" if last else f"{audit.GENESIS}:0"
    SchemaInfo.update(value=head).where(SchemaInfo.key == audit.HEAD_KEY).execute()


def test_a_cut_trail_with_a_rewritten_head_is_caught_by_this_computers_checkpoint(trail, witness):
    assert audit.verify().ok  # notes the head as a checkpoint on this computer
    ids = _ids()
    _cut_and_rewrite_head(ids[-3])
    verdict = audit.verify()
    assert not verdict.ok and verdict.bad_id == ids[-1]
    assert "this computer" in verdict.sentence() and "cut off" in verdict.sentence()


def test_an_emptied_trail_is_caught_too(trail, witness):
    audit_witness.note_head()
    _cut_and_rewrite_head(0)
    verdict = audit.verify()
    assert not verdict.ok and "no longer in the trail" in verdict.sentence()


def test_a_rewritten_chain_does_not_match_the_checkpoint(trail, witness):
    audit_witness.note_head()
    rows = list(AuditRecord.select().order_by(AuditRecord.id))
    previous = audit.GENESIS
    for row in rows:  # an edit, then every later hash recomputed and the head rewritten
        if row.id == rows[1].id:
            row.action = "nothing to see"
        row.prev_hash = previous
        row.hash = audit.compute_hash(row)
        row.save()
        previous = row.hash
    SchemaInfo.update(value=f"{previous}:{rows[-1].id}").where(
        SchemaInfo.key == audit.HEAD_KEY
    ).execute()
    verdict = audit.verify()
    assert not verdict.ok and "is not the record it was" in verdict.sentence()


@pytest.mark.sqlite_only
def test_a_backup_is_a_witness_and_a_restore_says_what_it_rolled_back(trail, db, tmp_path):
    from desktop.models import clock
    from desktop.models.admin import backups

    town, folder = Path(db.location), tmp_path / "backups"
    early = backups.take_backup(town, folder, rotate_after=False, actor=None)
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=1))
    lifecycle.add_note(trail.id, "After the backup", actor=None)
    backups.take_backup(town, folder, rotate_after=False, actor=None)
    ids = _ids()
    _cut_and_rewrite_head(ids[-1])  # no checkpoint on this computer: the backup saw it
    verdict = audit.verify(backup_folder=folder)
    assert not verdict.ok and verdict.bad_id == ids[-1] and ".db" in verdict.sentence()
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=2))
    backups.restore(early.path, town, folder, actor=None)  # back to before the note, and it says so
    restored = AuditRecord.select().order_by(AuditRecord.id.desc()).first()
    assert restored.action == "restore" and early.path.name in (restored.after or "")
    assert audit.verify(backup_folder=folder).ok  # the newer backup was rolled back on purpose
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=3))
    lifecycle.add_note(trail.id, "After the restore", actor=None)  # what follows is held to account
    after = backups.take_backup(town, folder, rotate_after=False, actor=None)
    _cut_and_rewrite_head(_ids()[-1])
    verdict = audit.verify(backup_folder=folder)
    assert not verdict.ok and after.path.name in verdict.sentence()


def test_an_edit_with_a_recomputed_hash_still_breaks_the_chain(trail):
    row = AuditRecord.get_by_id(_ids()[2])
    row.action = "nothing to see"
    row.hash = audit.compute_hash(row)
    row.save()
    verdict = audit.verify()
    assert not verdict.ok and verdict.bad_id == _ids()[3]


def test_the_cli_names_the_first_bad_record(trail, tmp_path, capsys, db):
    from desktop.app import main

    base = ["--basedir", str(tmp_path), "--db", db.location]
    assert main([*base, "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    target = _ids()[1]
    AuditRecord.update(after="{}").where(AuditRecord.id == target).execute()
    assert main([*base, "audit", "verify"]) == 1
    assert f"record {target}" in capsys.readouterr().err


def test_the_viewer_pages_back_through_a_long_trail(qtbot, trail):
    from desktop.ui.audit_page import AuditPage

    for number in range(7):
        lifecycle.add_note(trail.id, f"note {number}", actor=None)
    total = AuditRecord.select().count()
    page = AuditPage(staff=lambda: None)
    qtbot.addWidget(page)
    page.LIMIT = 4
    page.load()
    assert page.model.rowCount() == 4 and page.older.isEnabled()
    assert "there are older ones" in page.shown.text()
    while page.older.isEnabled():
        page.older.click()
    ids = page.model.keys
    assert len(ids) == total and ids == sorted(ids, reverse=True)  # each once, newest first
    assert page.shown.text() == f"{total:,} matching records."
    page.record.setText(str(trail.id))
    page.table_name.setText("service_request")
    page.load()
    assert 0 < page.model.rowCount() < total
