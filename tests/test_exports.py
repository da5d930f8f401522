"""Exports: a list view to CSV and Excel with chosen columns, personal data only for the roles
that may see it, the open-data CSV without any, and hostile text kept from running as a
formula. Every file is read back."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from desktop.models.errors import InputError, KnownError, PermissionDenied
from desktop.models.reports import exports
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.listing import RequestFilter, RequestList
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff.members import create_staff
from desktop.models.storage.db import reading
from desktop.models.storage.schema import AuditRecord, ServiceRequest


def pothole(description: str, address: str, *, confidential: bool = False, name: str = "Ana"):
    return create_request(
        RequestDraft(
            service_type="pothole",
            description=description,
            address=address,
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(name, "Núñez", "555-010-2233", email="ana@example.org"),
            confidential=confidential,
            safety_acknowledged=True,
        ),
        actor=None,
    )


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def requests(db):
    first = pothole('=HYPERLINK("http://127.0.0.1:9/x","click")', "125 Elm Street")
    second = pothole("Hole by the school, call Ana Núñez", "12 Oak Ave", confidential=True)
    third = pothole("Crumbling edge", "Rear of 245 Main Street")
    lifecycle.resolve(first.id, "fixed", actor=None)
    return first, second, third


@pytest.fixture
def staff(db, requests):
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    return {
        "admin": admin,
        "clerk": create_staff("Carla Clerk", "clerk", actor=admin),
        "supervisor": create_staff("Sam Super", "supervisor", actor=admin),
    }


def test_a_view_to_csv_with_the_chosen_columns_and_answers(requests, tmp_path):
    first, _second, _third = requests
    out = tmp_path / "open.csv"
    keys = ["tracking_number", "status", "resolved_on_time", "answer:size", "department"]
    count = exports.write_export(out, RequestFilter(), keys, actor=None)
    lines = read_csv(out)
    assert count == 3 == len(lines) - 1
    assert lines[0] == [
        "Number",
        "Status",
        "Resolved on time",
        "Answer: About how big is it?",
        "Department",
    ]
    assert lines[1][0] == first.tracking_number  # oldest first
    assert lines[1][1] == "Resolved" and lines[1][2] in ("yes", "no")
    assert lines[1][3] == "large" and lines[1][4] == "Public Works"
    resolved_only = exports.write_export(
        out, RequestFilter(statuses=("resolved",)), keys, actor=None
    )
    assert resolved_only == 1 == RequestList(RequestFilter(statuses=("resolved",))).count()


def test_hostile_text_is_not_a_formula_in_csv_or_excel(requests, tmp_path):
    csv_out, xlsx_out = tmp_path / "x.csv", tmp_path / "x.xlsx"
    exports.write_export(csv_out, RequestFilter(), ["description"], actor=None)
    assert read_csv(csv_out)[1][0].startswith("'=HYPERLINK")
    exports.write_export(xlsx_out, RequestFilter(), ["description"], file_format="xlsx", actor=None)
    sheet = load_workbook(xlsx_out).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, not a formula
    assert sheet.cell(row=1, column=1).value == "What the caller said"
    assert sheet.max_row == 4


def test_personal_columns_need_the_role_and_are_audited(staff, requests, tmp_path):
    out = tmp_path / "people.csv"
    keys = ["tracking_number", "contact_name", "contact_phone", "contact_email"]
    with pytest.raises(PermissionDenied):
        exports.write_export(out, RequestFilter(), keys, actor=staff["clerk"])
    assert not out.exists()
    exports.write_export(out, RequestFilter(), keys, actor=staff["supervisor"])
    lines = read_csv(out)
    assert ["Ana Núñez", "(555) 010-2233", "ana@example.org"] in [row[1:] for row in lines]
    assert AuditRecord.select().where(AuditRecord.action == "export_personal").count() == 1
    # exports are reports: a clerk makes none; a supervisor's plain one has nothing personal
    with pytest.raises(PermissionDenied, match="reports"):
        exports.write_export(out, RequestFilter(), None, actor=staff["clerk"])
    exports.write_export(out, RequestFilter(), None, actor=staff["supervisor"])
    assert "555" not in out.read_text(encoding="utf-8-sig")
    with pytest.raises(PermissionDenied):
        exports.write_export(out, RequestFilter(), None, actor=None)  # signed out: no reports


def test_open_data_has_no_personal_data_and_only_blocks(requests, tmp_path):
    out = tmp_path / "open-data.csv"
    count = exports.write_export(out, RequestFilter(), public=True, actor=None)
    text = out.read_text(encoding="utf-8-sig")
    lines = read_csv(out)
    assert count == 2 == len(lines) - 1  # the confidential one is left out
    for secret in ("Núñez", "Ana", "555", "example.org", "HYPERLINK", "125", "245", "Rear"):
        assert secret not in text
    blocks = {line[lines[0].index("Location (block)")] for line in lines[1:]}
    assert blocks == {"100 block of Elm St", "200 block of Main St"}


def test_bad_requests_for_an_export(requests, tmp_path):
    with pytest.raises(InputError, match="no column"):
        exports.write_export(
            tmp_path / "x.csv", RequestFilter(), ["tracking_number", "salary"], actor=None
        )
    with pytest.raises(InputError):
        exports.write_export(tmp_path / "x.pdf", RequestFilter(), file_format="pdf", actor=None)
    with pytest.raises(KnownError, match="could not be written"):
        exports.write_export(tmp_path / "missing" / "x.csv", RequestFilter(), actor=None)
    left = [p.name for p in tmp_path.iterdir() if p.suffix in (".csv", ".pdf", ".xlsx")]
    assert left == []  # no half-written file anywhere


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("125 Elm Street", "100 block of Elm St"),
        ("7 Elm St", "0 block of Elm St"),
        ("Rear of 12 Elm St", "0 block of Elm St"),
        ("In front of 245 Main St", "200 block of Main St"),
        ("Behind 88 River Road", "0 block of River Rd"),
        ("12½ Elm St", "0 block of Elm St"),
        ("12 1/2 Elm St", "0 block of Elm St"),
        ("12–14 Elm St", "0 block of Elm St"),
        ("1298-1302 Elm St", "1200 block of Elm St"),
        ("Apt 4, 1200 N Main Street", "1200 block of N Main St"),
        ("Unit 4 312 Elm St Apt 2B", "300 block of Elm St"),
        ('<i>12</i> Elm St <a href="x">', "0 block of Elm St"),
        ("125 5th Ave", "100 block of Fifth Ave"),  # no digit of the address but the block
        ("12 42nd St", "0 block of Forty-Second St"),
        ("١٢ Elm St", "0 block of Elm St"),  # digits of any script are digits
        ("12 Broadway", "0 block of Broadway"),
        ("Elm St", "Elm St"),
        ("Corner of Elm St and Oak Ave", "Elm St"),
        ("Elm St 12", "Elm St"),
        ("Route 9", ""),
        ("Town Green", ""),  # a place may as well be a person's name: not sure, left out
        ("Lois Lane", ""),
        ("Mrs Green, 12", ""),
        ("1234567 Elm St", "Elm St"),  # no house number is that long
        ("The old mill", ""),
    ],
)
def test_the_generalised_address(typed, published):
    assert exports.generalised_address(typed) == published


@pytest.mark.parametrize(
    ("typed", "without_register", "with_register"),
    [
        # words before a street named with no number are no part of it: a resident's name
        ("Smith Residence Elm St", "Elm St", "Elm St"),
        ("Ana Nunez Oak Ave", "Oak Ave", "Oak Ave"),
        ("Mrs Nunez's yard North Main Street", "N Main St", "N Main St"),
        ("Martin Luther King Blvd", "King Blvd", "Martin Luther King Blvd"),
        ("Smith house Martin Luther King Blvd", "King Blvd", "Martin Luther King Blvd"),
        ("Smith Residence Unknown Rd", "Unknown Rd", ""),  # the register knows no such street
        ("12 Martin Luther King Blvd", "0 block of King Blvd", "0 block of "
         "Martin Luther King Blvd"),
        ("N Main St", "N Main St", "N Main St"),
        # St and Dr before a name are Saint and Doctor, not the street's end
        ("Jane Doe St James Pl", "James Pl", ""),
        ("John St Pierre", "", ""),
        ("Visit Jones Dr Smith", "", ""),
        ("Elm St N", "Elm St", "Elm St"),
        # after a house number the register cuts too: a name before the street goes
        ("12 Smith Residence Elm St", "0 block of Elm St", "0 block of Elm St"),
        ("12 Smith Residence Unknown Rd", "0 block of Unknown Rd", ""),
        ("12 Oak Ave", "0 block of Oak Ave", "0 block of Oak Ave"),
    ],
)  # fmt: skip
def test_a_street_named_with_no_number_is_cut_to_the_street(typed, without_register, with_register):
    streets = frozenset({"ELM ST", "OAK AVE", "N MAIN ST", "MARTIN LUTHER KING BLVD"})
    assert exports.generalised_address(typed) == without_register
    assert exports.generalised_address(typed, streets) == with_register


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("12 Smith Residence Elm St", "0 block of Elm St"),
        ("12 Martin Luther King Blvd", "0 block of Martin Luther King Blvd"),
        ("Smith house Martin Luther King Blvd", "Martin Luther King Blvd"),
        ("340 Old Mill Rd", "300 block of Mill Rd"),  # a street few name: cut short
        ("12 Smith Residence Unknown Rd", "0 block of Unknown Rd"),
    ],
)
def test_without_a_register_the_streets_residents_share_are_published_whole(typed, published):
    shared = frozenset({"ELM ST", "MARTIN LUTHER KING BLVD"})
    assert exports.generalised_address(typed, frozenset(), shared) == published


def test_the_shared_streets_are_those_several_addresses_name(db):
    def on(address: str, first: str = "", n: int = 1) -> None:
        for _ in range(n):
            draft = RequestDraft("feedback", "Thanks", address=address)
            if first:
                draft.caller = CallerDetails(first, "Quintero", f"555-010-{ord(first[0]):04d}")
            create_request(draft, actor=None)

    on("12 Smith Residence Elm St", "Ana", n=4)  # one address, many times: not shared
    on("12 smith residence  elm st", "Ana")
    on("40 Elm Street", "Bo")
    on("Elm St", "Cy")
    on("7 Martin Luther King Blvd", "Di")
    on("9 Martin Luther King Blvd", "Ed")
    on("Corner of Martin Luther King Blvd and Elm St")
    with reading():
        shared = exports.shared_streets()
        assert exports.public_streets() == exports.Streets(frozenset(), shared)
    assert "ELM ST" in shared and "MARTIN LUTHER KING BLVD" in shared
    assert not any("SMITH" in street or "RESIDENCE" in street for street in shared)
    assert exports.generalised_address("12 Smith Residence Elm St", frozenset(), shared) == (
        "0 block of Elm St"
    )


def test_a_zip_code_is_published_to_five_digits():
    assert exports.public_zip("02134-5678") == "02134"
    assert exports.public_zip(" 02134 ") == "02134"
    assert exports.public_zip("2134") == exports.public_zip("Apt 4") == ""


_BLOCK = re.compile(r"^(0|[1-9][0-9]*00) block of ")
_PIECES = st.sampled_from(
    [
        "Rear of", "In front of", "Behind", "Apt", "Unit", "#", "No.", "12", "12½", "12-14",
        "12–14", "1/2", "5th", "42nd", "١٢", "１２", "²", "Elm", "St", "Street", "Main", "Ave",
        "N", "Oak Road", "&amp;", "<a href=x>", "</i>", "<", ">", ",", ";", "(", "and", "Mrs",
    ]
)  # fmt: skip


def assert_nothing_of_the_address_but_the_block(typed: str, published: str) -> None:
    block = _BLOCK.match(published)
    street = published[block.end() :] if block else published
    assert all(ch.isalpha() or ch in " -" for ch in street), published
    assert "<" not in published and ">" not in published and "&" not in published
    found = re.findall(r"[0-9]+", published)
    assert found == ([block.group(1)] if block else []), published
    if block:  # the hundreds of a number the address has
        numbers = [int(n) for n in re.findall(r"\d+", typed) if len(n) <= 5]
        assert int(block.group(1)) in {n // 100 * 100 for n in numbers}


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=9).map(" ".join),
    )
)
def test_no_number_of_the_address_reaches_open_data(typed):
    assert_nothing_of_the_address_but_the_block(typed, exports.generalised_address(typed))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["", "Rear of ", "In front of ", "Behind ", "Apt 3, ", "Unit 7 "]),
    st.integers(0, 99999),
    st.sampled_from(["", "½", "-14", " 1/2", "A"]),
    st.sampled_from(
        [("Elm Street", "Elm St"), ("north main st", "N Main St"), ("Oak Ave", "Oak Ave")]
    ),
    st.sampled_from(["", " Apt 2", ", Alder Falls", " #4B"]),
)
def test_the_block_is_the_house_numbers_hundreds_wherever_it_stands(
    before, house, rest, street, after
):
    typed = f"{before}{house}{rest} {street[0]}{after}"
    published = exports.generalised_address(typed)
    assert published == f"{house // 100 * 100} block of {street[1]}"
    assert_nothing_of_the_address_but_the_block(typed, published)


def test_a_large_export_is_read_in_batches(db, tmp_path, monkeypatch):
    from desktop.models.setup.demo import generate_demo

    generate_demo(300, seed=4, actor=None)
    monkeypatch.setattr(exports, "BATCH", 70)
    out = tmp_path / "all.xlsx"
    count = exports.write_export(out, RequestFilter(), file_format="xlsx", actor=None)
    assert count == ServiceRequest.select().count() == 300
    book = load_workbook(out, read_only=True)
    try:
        rows = list(book.active.iter_rows(min_row=2, values_only=True))
    finally:
        book.close()  # a read-only workbook keeps its file open until closed
    numbers = [row[0] for row in rows]
    assert len(set(numbers)) == 300
    received = [row[1] for row in rows]
    assert received == sorted(received)
    assert all(dt.datetime.strptime(value, "%Y-%m-%d %H:%M") for value in received[:3])


def test_the_requests_screen_exports_the_list_as_filtered(qtbot, staff, tmp_path):
    from desktop.ui.messages import messages
    from desktop.ui.requests_page import RequestsPage

    messages.windows = False
    try:
        boss = staff["supervisor"]
        page = RequestsPage(lambda: boss)
        qtbot.addWidget(page)
        page.load()
        page.view_choice.setCurrentIndex(page.view_choice.findText("All requests"))
        page.filter_bar.status.setCurrentIndex(page.filter_bar.status.findData("resolved"))
        page.apply()
        out = tmp_path / "resolved"
        dialog = page.export_list(ask_path=lambda _parent, _name, _filter: out)
        assert dialog is not None
        from PySide6.QtCore import Qt

        personal = next(
            dialog.columns.item(row)
            for row in range(dialog.columns.count())
            if dialog.columns.item(row).data(Qt.ItemDataRole.UserRole) == "contact_name"
        )
        assert personal.flags() & Qt.ItemFlag.ItemIsEnabled  # a supervisor may
        dialog.format.setCurrentIndex(dialog.format.findData("csv"))
        with qtbot.waitSignal(dialog.accepted):
            assert dialog.export()
        written = tmp_path / "resolved.csv"
        assert dialog.written == written and dialog.count == 1
        assert len(read_csv(written)) == 2  # the header and the one resolved request
        # a clerk is told exports are for supervisors
        clerk = staff["clerk"]
        page_for_clerk = RequestsPage(lambda: clerk)
        qtbot.addWidget(page_for_clerk)
        page_for_clerk.load()
        assert not page_for_clerk.export_button.isEnabled()  # greyed out, saying why
        assert "supervisor" in page_for_clerk.export_button.toolTip()
        assert page_for_clerk.export_list() is None
    finally:
        messages.windows = True
