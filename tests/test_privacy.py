"""Personal data: anonymising old requests keeps the statistics; exports redact by default."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from desktop.models import clock
from desktop.models.admin import privacy
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, add_follower, create_request
from desktop.models.requests.listing import COLUMN_KEYS, RequestFilter, RequestList
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import (
    Contact,
    ContactMethod,
    RequestEvent,
    ServiceRequest,
    StaffUser,
)
from desktop.models.town.settings import set_settings
from desktop.models.vocab import CONFIDENTIAL
from tests.conftest import TEST_NOW


def report(first: str, phone: str, *, confidential: bool = False) -> ServiceRequest:
    return create_request(
        RequestDraft(
            service_type="pothole",
            description="Deep hole",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
            caller=CallerDetails(first, "Zyskowski", phone),
            confidential=confidential,
        ),
        actor=None,
    )


def statistics() -> list[tuple[object, ...]]:
    """What the dashboard counts: type, department, status, channel, dates, resolution, place."""
    return [
        (
            r.service_type_id,
            r.department_id,
            r.status,
            r.channel,
            r.priority,
            r.resolution,
            r.requested_at,
            r.closed_at,
            r.address,
            r.due_at,
        )
        for r in ServiceRequest.select().order_by(ServiceRequest.id)
    ]


def test_anonymise_removes_old_personal_data_and_keeps_the_statistics(db):
    old = report("Olga", "555 010 1111")
    also = RequestDraft("pothole", "Same hole", caller=CallerDetails("Fay", "Fern", "555 010 4444"))
    add_follower(old.id, also, actor=None)
    lifecycle.resolve(old.id, "fixed", actor=None)
    lifecycle.close(old.id, actor=None)
    recent = report("Rita", "555 010 2222")
    later = TEST_NOW + dt.timedelta(days=6 * 366)
    clock.set_clock(lambda: later)
    newer = report("Nina", "555 010 3333")
    numbers = statistics()
    totals = privacy.anonymise(5, actor=None)
    assert totals["requests"] == 1
    assert statistics() == numbers
    assert ServiceRequest.get_by_id(old.id).contact_id is None
    assert ServiceRequest.get_by_id(recent.id).contact_id is not None  # still open
    assert ServiceRequest.get_by_id(newer.id).contact_id is not None
    names = {c.first_name for c in Contact.select()}
    assert "Olga" not in names and "Fay" not in names and {"Rita", "Nina"} <= names
    assert not ContactMethod.select().where(ContactMethod.value.contains("1111")).exists()
    bodies = " ".join(e.body for e in RequestEvent.select())
    assert "Fay" not in bodies
    from desktop.models.staff.audit import verify
    from desktop.models.storage.schema import AuditRecord

    assert verify().ok
    trail = " ".join(f"{r.before} {r.after}" for r in AuditRecord.select())
    assert "Olga" not in trail and "555 010 1111" not in trail and "Fay" not in trail


def test_the_scheduled_run_follows_the_retention_setting_once_a_day(db):
    assert privacy.run_scheduled() is None  # retention 0: the town keeps everything
    set_settings({"privacy.retention_years": 3}, actor=None)
    assert privacy.run_scheduled() == {"requests": 0, "contacts": 0, "questions": 0}
    assert privacy.run_scheduled() is None  # once a day


@pytest.fixture
def confidential_request(db):
    request = report("Secret", "555 010 9876", confidential=True)
    lifecycle.add_note(request.id, "Neighbour is the mayor's cousin", actor=None)
    lifecycle.add_note(request.id, "Crew on site Tuesday", public=True, actor=None)
    return request


def test_a_redacted_request_export_holds_no_redacted_value(confidential_request):
    data = privacy.export_request(confidential_request.tracking_number, actor=None)
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("Secret", "Zyskowski", "555 010 9876", "555-010-9876", "mayor's cousin"):
        assert secret not in text
    assert privacy.REDACTED_REPORTER in text and privacy.REDACTED_NOTE in text
    assert "Crew on site Tuesday" in text  # public updates stay
    full = json.dumps(privacy.export_request(confidential_request.id, redact=False, actor=None))
    assert "mayor" in full and "Secret" in full


def test_a_contact_export_holds_everything_about_them_but_staff_notes(confidential_request):
    contact_id = confidential_request.contact_id
    data = privacy.export_contact(contact_id, actor=None)
    text = json.dumps(data, ensure_ascii=False)
    assert "Secret" in text  # their own details
    assert "mayor's cousin" not in text
    assert data["requests"][0]["tracking_number"] == confidential_request.tracking_number


def _carol_also_reports(request: ServiceRequest) -> None:
    add_follower(
        request.id,
        RequestDraft("pothole", "Me too", caller=CallerDetails("Carol", "Quade", "555 010 7777")),
        actor=None,
    )


def test_a_residents_own_export_names_no_other_resident(confidential_request):
    _carol_also_reports(confidential_request)
    own = json.dumps(
        privacy.export_contact(confidential_request.contact_id, actor=None), ensure_ascii=False
    )
    assert "Secret" in own
    for other in ("Carol", "Quade", "555 010 7777", "Me too"):
        assert other not in own
    assert privacy.REDACTED_REPORTER in own
    carol = Contact.get(Contact.first_name == "Carol")
    theirs = json.dumps(privacy.export_contact(carol.id, actor=None), ensure_ascii=False)
    assert "Carol" in theirs
    for other in ("Secret", "Zyskowski", "555 010 9876"):
        assert other not in theirs


def test_other_reporters_of_an_ordinary_request_stay_out_of_a_residents_export(db):
    mine = report("Olga", "555 010 1111")
    _carol_also_reports(mine)
    assert mine.contact_id is not None
    text = json.dumps(privacy.export_contact(mine.contact_id, actor=None), ensure_ascii=False)
    assert "Olga" in text and "Carol" not in text and "7777" not in text
    assert privacy.REDACTED_OTHER in text
    whole = json.dumps(privacy.export_request(mine.id, actor=None), ensure_ascii=False)
    assert "Carol" in whole  # not confidential: the request's own release names its reporters


def test_a_clerk_sees_no_reporter_of_a_confidential_request_anywhere(confidential_request):
    from desktop.models.requests.detail import contact_history, load_request_detail

    _carol_also_reports(confidential_request)
    clerk = create_staff("Cleo Clerk", "clerk", actor=None)
    boss = create_staff("Sue Boss", "supervisor", actor=None)
    detail = load_request_detail(confidential_request.id, actor=clerk)
    shown = " ".join(
        [
            detail.contact_name,
            *(f.name for f in detail.followers),
            *(h.body for h in detail.history),
        ]
    )
    assert "Carol" not in shown and "Secret" not in shown
    assert [f.name for f in detail.followers] == [CONFIDENTIAL]
    history = contact_history(confidential_request.contact_id, actor=clerk)
    assert history.open_requests == [] and history.confidential_hidden == 1
    detail = load_request_detail(confidential_request.id, actor=boss)
    assert [f.name for f in detail.followers] == ["Carol Quade"]
    assert len(contact_history(confidential_request.contact_id, actor=boss).open_requests) == 1


def test_the_cli_writes_a_redacted_export(confidential_request, tmp_path, db):
    from desktop.app import main

    out = tmp_path / "export.json"
    base = ["--basedir", str(tmp_path), "--db", db.location]
    number = confidential_request.tracking_number
    assert main([*base, "privacy", "export", "--request", number, "--out", str(out)]) == 0
    assert "mayor" not in out.read_text(encoding="utf-8")


def test_a_release_that_cannot_be_written_is_a_sentence_and_not_recorded(
    confidential_request, tmp_path, db, capsys
):
    from desktop.app import main
    from desktop.models.storage.schema import AuditRecord

    base = ["--basedir", str(tmp_path), "--db", db.location]
    number = confidential_request.tracking_number

    def releases() -> int:
        return AuditRecord.select().where(AuditRecord.action == "export").count()

    for out in (tmp_path / "no such folder" / "x.json", tmp_path):
        capsys.readouterr()
        assert main([*base, "privacy", "export", "--request", number, "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("frontcounter: ") and err.count("\n") == 1, err
        assert releases() == 0  # nothing was released, so nothing says it was
    assert list(tmp_path.glob(".release-*")) == []
    assert (
        main([*base, "privacy", "export", "--request", number, "--out", str(tmp_path / "r.json")])
        == 0
    )
    assert releases() == 1


def test_confidential_reporters_are_masked_for_roles_that_do_not_need_them(
    confidential_request,
):
    from desktop.models.requests.detail import load_request_detail

    def shown(viewer: StaffUser | None) -> tuple[str, str]:
        row = RequestList(RequestFilter(), "tracking_number", False).page(0, 10, actor=viewer)[0]
        detail = load_request_detail(confidential_request.id, actor=viewer)
        return row.values[COLUMN_KEYS.index("contact")], detail.contact_name

    crew = create_staff("Carl Crew", "crew_lead", actor=None)
    boss = create_staff("Sue Boss", "supervisor", actor=None)
    assert shown(None) == (CONFIDENTIAL, "")
    assert shown(crew) == (CONFIDENTIAL, "")
    assert "Secret" in shown(boss)[0] and "Secret" in shown(boss)[1]


def test_the_settings_box_saves_the_retention_says_what_it_would_do_and_anonymises(qtbot, db):
    from desktop.models.town.settings import get_setting
    from desktop.ui.messages import messages
    from desktop.ui.privacy_box import PrivacyBox

    old = report("Olga", "555 010 1111")
    lifecycle.resolve(old.id, "fixed", actor=None)
    lifecycle.close(old.id, actor=None)
    report("Rita", "555 010 2222")  # open: never due
    clock.set_clock(lambda: TEST_NOW + dt.timedelta(days=4 * 366))
    box = PrivacyBox(lambda: None)
    qtbot.addWidget(box)
    box.load()
    assert box.years.value() == 0 and not box.now_button.isEnabled()
    box.years.setValue(5)
    assert "0 closed requests" in box.due.text()
    box.years.setValue(3)
    assert "1 closed request." in box.due.text()
    with qtbot.waitSignal(box.saved):
        assert box.save()
    assert get_setting("privacy.retention_years") == 3
    messages.windows = False  # the confirmation answers yes
    try:
        with qtbot.waitSignal(box.saved) as said:
            box.anonymise_now()
    finally:
        messages.windows = True
    assert box.last_totals is not None and box.last_totals["requests"] == 1
    assert said.args[0].startswith("Anonymised 1 requests")
    assert "0 closed requests" in box.due.text()
    assert ServiceRequest.get_by_id(old.id).contact_id is None


def test_a_retention_out_of_range_or_from_a_clerk_is_refused(db):
    from desktop.models.errors import InputError, PermissionDenied
    from desktop.models.setup.first_run import complete_first_run

    with pytest.raises(InputError):
        privacy.set_retention(100, actor=None)
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    clerk = create_staff("Carla Clerk", "clerk", actor=admin)
    with pytest.raises(PermissionDenied):
        privacy.set_retention(2, actor=clerk)
    privacy.set_retention(2, actor=admin)
    assert privacy.retention_years() == 2


def test_a_release_is_readable_like_any_file_the_clerk_saves(confidential_request, tmp_path):
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    out = tmp_path / "release.json"
    privacy.export_request(confidential_request.id, out=out, actor=None)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # not the temporary file's 0600
    assert not list(tmp_path.glob(".release-*"))


def test_a_confidential_caller_added_to_an_open_request_is_named_to_no_one_who_may_not(db):
    from desktop.models.requests.detail import load_request_detail

    barking = report("Open", "555 010 1111")  # not confidential: its reporter is shown
    add_follower(
        barking.id,
        RequestDraft(
            "pothole",
            "The dog next door again",
            caller=CallerDetails("Nell", "Nabors", "555 010 2222"),
            confidential=True,
        ),
        actor=None,
    )
    clerk = create_staff("Cleo Clerk", "clerk", actor=None)
    boss = create_staff("Sue Boss", "supervisor", actor=None)
    detail = load_request_detail(barking.id, actor=clerk)
    shown = " ".join([*(f.name for f in detail.followers), *(h.body for h in detail.history)])
    assert "Nell" not in shown and "Nabors" not in shown
    assert [f.name for f in detail.followers] == [CONFIDENTIAL]
    assert "asked not to be named" in shown
    assert [f.name for f in load_request_detail(barking.id, actor=boss).followers] == [
        "Nell Nabors"
    ]
    release = json.dumps(privacy.export_request(barking.id, actor=None), ensure_ascii=False)
    assert (
        "Nabors" not in release and "555 010 2222" not in release and "dog next door" not in release
    )
    assert "Open" in release  # the request's own reporter is not confidential
    assert "Nabors" in json.dumps(privacy.export_request(barking.id, redact=False, actor=None))


def test_a_caller_cannot_be_added_to_a_request_closed_meanwhile(db):
    from desktop.models.errors import InputError

    done = report("Closed", "555 010 3333")
    lifecycle.resolve(done.id, "fixed", actor=None)
    with pytest.raises(InputError, match="closed meanwhile"):
        add_follower(
            done.id,
            RequestDraft("pothole", "Me too", caller=CallerDetails("Al", "Bee")),
            actor=None,
        )
