"""Addresses, phone numbers and tracking numbers in the forms used to match them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.models.requests.tracking import (
    format_tracking,
    looks_like_tracking,
    next_tracking_number,
    parse_tracking,
)
from desktop.models.residents.contacts_text import format_phone, normalize_phone
from desktop.models.storage.db import write
from desktop.models.town.addresses import normalize_address


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12 elm st.", "12 Elm Street"),
        ("40 North Main Street", "40 N. Main St"),
        ("5 Park Avenue, Alder Falls NY", "5 PARK AVE"),
        ("7 Oak Lane Apt 2", "7 oak ln apartment 2"),
        ("3 First Avenue", "3 1st Ave"),
        ("12-14 Elm St", "12 Elm Street"),
        ("12 – 14 Elm St", "12 Elm St"),
        ("12½ Elm St", "12 Elm St"),
        ("12 1/2 Elm St", "12 Elm St"),
        ("200 Route 9", "200 Rt 9"),
        ("200 Rte. 9", "200 route 9"),
        ("4 Mount Pleasant Ave", "4 Mt Pleasant Avenue"),
        ("9 Saint Marys Rd", "9 St Marys Road"),
        ("7 Oak Lane #2", "7 Oak Ln, Apt 2"),
        ("7 Oak Lane Unit 2", "7 oak lane apt. 2"),
        ("7 Oak Lane, Suite 2, Alder Falls NY", "7 Oak Ln #2"),
    ],
)
def test_one_address_however_it_is_typed(a, b):
    assert normalize_address(a).normalized == normalize_address(b).normalized


def test_street_names_that_look_like_directions_stay_names():
    assert normalize_address("100 West Street").street == "WEST ST"
    assert normalize_address("12 Main Street North").street == "MAIN ST N"


def test_house_number_and_street_for_nearby_checks():
    address = normalize_address("12B Oak Lane #3")
    assert (address.house_number, address.street) == (12, "OAK LN")
    ranged = normalize_address("12-14 Elm St")
    assert (ranged.house_number, ranged.street) == (12, "ELM ST")
    assert normalize_address("9 Saint Marys Rd").street == "ST MARYS RD"
    assert normalize_address("10 Main Street").street == "MAIN ST"  # a suffix stays a suffix


def test_a_number_too_long_for_a_house_is_not_one():
    address = normalize_address("99999999999999999999999 Elm St")
    assert address.house_number is None


@given(st.text())
def test_any_text_normalizes_without_error(text):
    address = normalize_address(text)
    assert address.normalized == address.normalized.upper()


@pytest.mark.parametrize(
    "typed", ["(555) 010-2233", "555.010.2233", "5550102233", "+1 555 010 2233"]
)
def test_phone_numbers_match(typed):
    assert normalize_phone(typed) == "5550102233"
    assert format_phone(typed) == "(555) 010-2233"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-42", "2026-00042"),
        ("2026 00042", "2026-00042"),
        ("#2026-00042", "2026-00042"),
        ("202600042", "2026-00042"),
        ("2026-123456", "2026-123456"),
        ("hello", None),
        ("2026-0", None),
    ],
)
def test_tracking_numbers_as_typed_or_scanned(typed, expected):
    assert parse_tracking(typed) == expected


@pytest.mark.parametrize(
    ("typed", "taken"),
    [
        ("2026-00042", True),
        ("#2026-42", True),
        (" 2026-00042 ", True),
        ("2025551234", False),  # a phone number, though parse_tracking reads 2025-551234
        ("555-0102", False),
        ("555-010-2233", False),
        ("2026-0", False),
    ],
)
def test_a_field_that_takes_phones_takes_only_the_printed_form_for_a_tracking_number(typed, taken):
    assert looks_like_tracking(typed) is taken


def test_tracking_numbers_count_up_per_year(db):
    numbers = [write(lambda: next_tracking_number(2026)) for _ in range(3)]
    assert numbers == ["2026-00001", "2026-00002", "2026-00003"]
    assert write(lambda: next_tracking_number(2027)) == format_tracking(2027, 1)
