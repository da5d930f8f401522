"""Gathering what each document prints from the database, reprints, letters, and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop import printing
from desktop.app import main
from desktop.models.documents import gather as documents
from desktop.models.errors import InputError, NotFound
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.storage.schema import (
    Contact,
    FaqArticle,
    RequestEvent,
    ServiceAttribute,
    ServiceRequest,
    StaffUser,
)
from desktop.models.town.settings import set_settings
from desktop.printing import build_letter, build_work_orders
from tests.conftest import TEST_NOW


def _request(description: str = "Deep hole <b>near</b> the bus stop & shelter") -> ServiceRequest:
    draft = RequestDraft(
        service_type="pothole",
        description=description,
        address="12 Elm Street",
        location_notes="by the hydrant",
        answers={"size": "large", "in_lane": "yes"},
        caller=CallerDetails(first_name="Ana", last_name="Núñez", phone="555-010-2233"),
        safety_acknowledged=True,
    )
    return create_request(draft, actor=None)


def read(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_work_order_data_and_reprint(db):
    set_settings({"town.name": "Alder Falls", "town.phone": "555-0100"}, actor=None)
    request = _request()
    [order] = documents.work_orders([request.id], actor=None)
    assert order.tracking_number == request.tracking_number
    assert order.description == request.description
    assert order.contact_name == "Ana Núñez"
    assert order.answers and not order.reprint
    assert order.history  # "created"
    setup = documents.page_setup()
    shown = read(build_work_orders([order], setup))
    assert request.tracking_number in shown and "Alder Falls" in shown
    assert "Deep hole <b>near</b> the bus stop & shelter" in shown
    documents.record_printed([request.id], documents.WORK_ORDER, actor=None)
    [again] = documents.work_orders([request.id], actor=None)
    assert again.reprint and again.times_printed == 1
    assert all("rinted" not in item.what for item in again.history)  # prints are not history
    event = RequestEvent.get(RequestEvent.kind == "printed")
    assert event.new_value == "work_order"


def test_confidential_requests_hide_the_resident(db):
    request = _request()
    ServiceRequest.update(confidential=True).where(ServiceRequest.id == request.id).execute()
    [order] = documents.work_orders([request.id], actor=None)
    assert order.contact_name == "" and order.contact_phone == ""


def test_references_by_number_or_id(db):
    request = _request()
    number = request.tracking_number
    assert documents.resolve_references([number, str(request.id), request.id]) == [request.id]
    assert documents.find_by_reference(number.replace("-", "")).id == request.id
    with pytest.raises(NotFound):
        documents.resolve_references(["2099-99999"])


def test_todays_work_orders_for_a_department(db):
    first, second = _request(), _request("Another hole")
    code = first.department.code
    ids = documents.todays_work_order_ids(code, TEST_NOW.date())
    assert set(ids) == {first.id, second.id}
    documents.record_printed([first.id], documents.WORK_ORDER, actor=None)
    due_later = documents.todays_work_order_ids(code, TEST_NOW.date())
    assert first.id not in due_later  # printed, and not due today
    sheet = documents.run_sheet(code, TEST_NOW.date() + dt.timedelta(days=60), actor=None)
    assert {o.request_id for o in sheet.orders} == {first.id, second.id}  # due by then
    with pytest.raises(NotFound):
        documents.run_sheet("NOPE", TEST_NOW.date(), actor=None)


def test_letter_merges_the_template(db):
    set_settings({"town.name": "Alder Falls", "town.phone": "555-0100"}, actor=None)
    request = _request()
    Contact.update(address="12 Elm Street", city="Alder Falls", state="NY", zip="12501").execute()
    letter = documents.letter(request.tracking_number, "received", actor=None)
    assert letter.recipient_lines == ["Ana Núñez", "12 Elm Street", "Alder Falls, NY 12501"]
    assert request.tracking_number in letter.subject
    assert "555-0100" in letter.body and "{" not in letter.body
    documents.save_letter_template(
        "custom", "Hi {resident_name}", "Number {tracking_number} {x}", actor=None
    )
    custom = documents.letter(request.id, "custom", actor=None)
    assert custom.subject == "Hi Ana Núñez"
    assert custom.body == f"Number {request.tracking_number} {{x}}"  # unknown stays as typed
    shown = read(build_letter(custom, documents.page_setup()))
    assert "Alder Falls, NY 12501" in shown
    with pytest.raises(NotFound, match="closure"):
        documents.letter(request.id, "missing", actor=None)
    with pytest.raises(InputError):
        documents.save_letter_template("bad name!", "", "x", actor=None)


def test_a_letter_saying_the_work_is_done_waits_for_the_resolution(db):
    from desktop.models.requests import lifecycle

    request = _request()
    Contact.update(address="12 Elm Street", city="Alder Falls", state="NY", zip="12501").execute()
    with pytest.raises(InputError, match="not resolved yet"):
        documents.letter(request.id, "closure", actor=None)
    received = documents.letter(request.id, "received", actor=None)  # no town phone set
    assert "call the town hall and give the number" in received.body
    lifecycle.resolve(request.id, "fixed", actor=None)
    closure = documents.letter(request.id, "closure", actor=None)
    assert "finished our work on it: fixed" in closure.body


def test_letter_needs_a_postal_address(db):
    request = _request()
    with pytest.raises(InputError, match="postal address"):
        documents.letter(request.id, "closure", actor=None)


def test_faq_binder_takes_public_active_articles(db):
    FaqArticle.delete().execute()
    FaqArticle.create(title="Trash day <b>", body="Mondays & Thursdays", audience="public")
    FaqArticle.create(title="Staff only", body="x", audience="staff")
    FaqArticle.create(title="Old", body="x", audience="public", active=False)
    binder = documents.faq_binder()
    assert [a.title for a in binder.articles] == ["Trash day <b>"]
    assert binder.articles[0].topic  # "General" when no department


def test_paper_and_town_from_settings(db):
    set_settings({"print.page_size": "a4", "town.name": "Alder Falls"}, actor=None)
    setup = documents.page_setup()
    assert setup.paper == "a4" and setup.town.name == "Alder Falls"


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def fc(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()
    code = main(
        [*base, "request", "add", "pothole", "Hole <img src='x'> & more", "--address", "1 Elm St",
         "--attr", "size=large", "--attr", "in_lane=yes", "--json"]
    )  # fmt: skip
    assert code == 0
    number = json.loads(capsys.readouterr().out)["tracking_number"]

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    run.number = number  # type: ignore[attr-defined]
    return run


def test_cli_prints_every_document(fc, tmp_path):
    number = fc.number
    out = tmp_path / "wo.pdf"
    code, stdout, err = fc("print", "work-order", number, "--out", str(out), "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["requests"] == [number] and result["pages"] == 1
    text = read(out.read_bytes())
    assert number in text and "Alder Falls" in text and "Hole <img src='x'> & more" in text
    code, stdout, _err = fc("print", "work-order", number, "--out", str(out))
    assert "REPRINT" in read(out.read_bytes())
    for args in (
        ("run-sheet", "--department", "DPW", "--date", "2026-11-16"),
        ("receipt", number),
        ("faq-binder",),
    ):
        code, stdout, err = fc("print", *args, "--out", str(tmp_path / "x.pdf"))
        assert code == 0, (args, err)
        assert "Alder Falls" in read((tmp_path / "x.pdf").read_bytes())
    code, _out, err = fc("print", "letter", number, "--out", str(tmp_path / "l.pdf"))
    assert code == 1 and "postal address" in err
    code, _out, err = fc("print", "receipt", "2099-99999", "--out", str(tmp_path / "r.pdf"))
    assert code == 1 and "2099-99999" in err


def test_cli_closeout(fc):
    number = fc.number
    code, stdout, err = fc("closeout", number, "--outcome", "fixed", "--note", "Filled", "--hours",
                           "1.5", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(stdout) == {
        "tracking_number": number,
        "status": "resolved",
        "resolution": "fixed",
    }
    code, _out, err = fc("closeout", number, "--outcome", "fixed")
    assert code == 1 and "already resolved" in err
    code, _out, err = fc("closeout", "2099-99999", "--outcome", "fixed")
    assert code == 1 and "2099-99999" in err


# -- history, location, run sheets by crew member, the packet's limit, the binder --------------


def _crew_lead(username: str = "bo.crew", name: str = "Bo Crewlead") -> StaffUser:
    return StaffUser.create(username=username, full_name=name, role="crew_lead")


def test_history_names_the_assignee_not_their_id(db):
    request = _request()
    lead = _crew_lead()
    RequestEvent.create(request=request, kind="assignment", new_value=str(lead.id), body="")
    RequestEvent.create(request=request, kind="priority", new_value="urgent")
    [order] = documents.work_orders([request.id], actor=None)
    lines = [item.what for item in order.history]
    assert "Assigned: Bo Crewlead" in lines
    assert not any(f": {lead.id}" in line for line in lines)
    assert "Priority changed: Urgent" in lines


def test_no_cross_street_is_guessed_from_the_answers(db):
    request = _request()
    ServiceAttribute.update(label="Nearest cross street?").where(
        ServiceAttribute.code == "size"
    ).execute()
    [order] = documents.work_orders([request.id], actor=None)
    assert order.cross_street == ""
    assert "Nearest cross street?" in [answer.label for answer in order.answers]
    assert order.location_notes == "by the hydrant"
    shown = read(build_work_orders([order], documents.page_setup()))
    assert "Location notes: by the hydrant" in shown


def test_run_sheet_for_an_assignee_a_department_or_both(db):
    mine, theirs = _request(), _request("Another hole")
    lead = _crew_lead()
    ServiceRequest.update(assignee=lead).where(ServiceRequest.id == mine.id).execute()
    code = mine.department.code
    day = TEST_NOW.date() + dt.timedelta(days=60)
    by_lead = documents.run_sheet(None, day, assignee="bo.crew", actor=None)
    assert [o.request_id for o in by_lead.orders] == [mine.id]
    assert by_lead.assignee == "Bo Crewlead" and by_lead.department == ""
    both = documents.run_sheet(code, day, assignee="bo.crew", actor=None)
    assert [o.request_id for o in both.orders] == [mine.id] and both.department
    assert {o.request_id for o in documents.run_sheet(code, day, actor=None).orders} == {
        mine.id,
        theirs.id,
    }
    shown = read(printing.build_run_sheet(both, documents.page_setup()))
    assert f"Run sheet: {both.department} — Bo Crewlead" in shown
    with pytest.raises(NotFound, match="nobody"):
        documents.run_sheet(None, day, assignee="nobody", actor=None)
    # neither: the whole town's day, in one packet
    town = documents.run_sheet(None, day, actor=None)
    assert {o.request_id for o in town.orders} == {mine.id, theirs.id}
    assert "Run sheet: every department" in read(
        printing.build_run_sheet(town, documents.page_setup())
    )


def test_a_packet_too_big_is_refused_not_cut(db, monkeypatch: pytest.MonkeyPatch):
    first, _second = _request(), _request("Another hole")
    monkeypatch.setattr(documents, "MAX_PACKET", 1)
    with pytest.raises(InputError, match="more than 1 open work orders"):
        documents.run_sheet(
            first.department.code, TEST_NOW.date() + dt.timedelta(days=60), actor=None
        )


def test_faq_binder_fills_placeholders_and_leaves_a_blank_for_unset_ones(db):
    FaqArticle.delete().execute()
    set_settings({"town.name": "Alder Falls", "town.website": "alderfalls.gov"}, actor=None)
    FaqArticle.create(
        title="Sheds in {town}",
        body="See {town_website}. Up to {shed_size_no_permit} needs no permit.",
        audience="public",
    )
    [article] = documents.faq_binder().articles
    assert article.title == "Sheds in Alder Falls"
    assert article.body == f"See alderfalls.gov. Up to {documents.BLANK} needs no permit."
    shown = read(printing.build_faq_binder(documents.faq_binder(), documents.page_setup()))
    assert "{" not in shown and "alderfalls.gov" in shown


def test_cli_run_sheet_by_department_or_assignee(fc, tmp_path):
    out = str(tmp_path / "rs.pdf")
    code, stdout, err = fc("print", "run-sheet", "--assignee", "ada.admin", "--date",
                           "2026-11-16", "--out", out, "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(stdout)["requests"] == []  # nothing is assigned to the administrator
    assert "Run sheet: Ada Admin" in read(Path(out).read_bytes())
    code, stdout, err = fc("print", "run-sheet", "--department", "DPW", "--assignee",
                           "ada.admin", "--out", out)  # fmt: skip
    assert code == 0, err
    code, _out, err = fc("print", "run-sheet", "--out", out)  # the whole town's day
    assert code == 0, err
    assert "Run sheet: every department" in read(Path(out).read_bytes())
    code, _out, err = fc("print", "run-sheet", "--assignee", "nobody", "--out", out)
    assert code == 1 and "nobody" in err
