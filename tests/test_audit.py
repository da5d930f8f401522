"""The audit trail: written with each change, chained, and tampering found and named."""

from __future__ import annotations

import json

import pytest

from desktop.models import audit, lifecycle
from desktop.models.contacts import CallerDetails
from desktop.models.intake import RequestDraft, create_request
from desktop.models.schema import AuditRecord
from desktop.models.settings import set_settings
from desktop.models.staff import create_staff


@pytest.fixture
def trail(db):
    clerk = create_staff("Carla Clerk", "clerk")
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
    set_settings({"town.phone": "555 010 1000"})
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
        lifecycle.set_status(trail.id, "closed")
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
        lifecycle.add_note(trail.id, f"note {number}")
    total = AuditRecord.select().count()
    page = AuditPage()
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
