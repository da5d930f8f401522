"""Town settings as people change them: checks, versions, the logo, letter templates."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from desktop.models.documents import gather as documents
from desktop.models.documents import letter_templates
from desktop.models.errors import ConflictError, InputError, PermissionDenied
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import AuditRecord, Contact
from desktop.models.town import settings


def picture(kind: str = "PNG", size: tuple[int, int] = (80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


def test_settings_are_checked_as_typed(db):
    stored = settings.update_settings(
        {
            "town.name": "  Alder   Falls ",
            "print.page_size": "US Letter",
            "calendar.federal_holidays": "off",
            "privacy.retention_years": " 7 ",
        },
        actor=None,
    )
    assert stored == {
        "town.name": "Alder Falls",
        "print.page_size": "letter",
        "calendar.federal_holidays": False,
        "privacy.retention_years": 7,
    }
    assert settings.get_setting("privacy.retention_years") == 7
    assert documents.page_setup().paper == "letter"
    settings.update_settings({"print.page_size": "a4"}, actor=None)
    assert documents.page_setup().paper == "a4"


def test_every_problem_is_said_and_nothing_is_saved(db):
    with pytest.raises(InputError) as caught:
        settings.update_settings(
            {"town.name": "Alder Falls", "town.email": "at town hall", "town.website": "my site"},
            actor=None,
        )
    said = str(caught.value)
    assert "not an email address" in said and "not a website address" in said
    assert settings.get_setting("town.name") == ""


def test_a_setting_saved_since_the_screen_was_filled_is_a_conflict(db):
    keys = ["town.name", "town.phone"]
    seen = settings.setting_versions(keys)
    assert seen == {"town.name": 0, "town.phone": 0}
    settings.update_settings({"town.phone": "555 010 1000"}, versions=seen, actor=None)  # Ana saves
    with pytest.raises(ConflictError, match="Someone else changed Phone"):
        settings.update_settings(
            {"town.name": "Mine", "town.phone": "555"}, versions=seen, actor=None
        )
    assert settings.get_setting("town.phone") == "555 010 1000"
    assert settings.get_setting("town.name") == ""
    fresh = settings.setting_versions(keys)
    settings.update_settings({"town.name": "Mine"}, versions=fresh, actor=None)
    assert settings.get_setting("town.name") == "Mine"


def test_changes_are_audited(db):
    settings.update_settings({"town.phone": "555 010 1000"}, actor=None)
    record = AuditRecord.get(
        AuditRecord.table_name == "setting", AuditRecord.record_id == "town.phone"
    )
    assert "555 010 1000" in str(record.after)


def test_a_png_or_jpeg_logo_is_kept(db, tmp_path):
    for kind in ("PNG", "JPEG"):
        path = tmp_path / f"seal.{kind.lower()}"
        path.write_bytes(picture(kind))
        settings.set_logo(settings.read_logo_file(path), actor=None)
        assert settings.check_logo(settings.get_logo() or b"") == (kind, 80, 40)
        assert documents.page_setup().town.logo == path.read_bytes()
    settings.set_logo(None, actor=None)
    assert settings.get_logo() is None


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"GIF89a not really", "not a PNG or JPEG picture"),
        (picture("GIF"), "not a PNG or JPEG picture"),
        (picture("PNG")[:60], "not a PNG or JPEG picture"),  # cut off
        (b"\x89PNG" + b"0" * (settings.MAX_LOGO_BYTES + 1), "KB at most"),
    ],
)
def test_a_file_that_cannot_be_the_logo_is_refused(db, data, complaint):
    settings.set_logo(picture(), actor=None)
    with pytest.raises(InputError, match=complaint):
        settings.set_logo(data, actor=None)
    assert settings.get_logo() == picture()


def test_a_huge_picture_is_refused_before_it_is_decoded(db, monkeypatch):
    monkeypatch.setattr(settings, "MAX_LOGO_PIXELS", 1000)
    with pytest.raises(InputError, match="80 × 40 pixels: make it smaller"):
        settings.check_logo(picture())


def test_logo_files_that_are_not_there(db, tmp_path):
    with pytest.raises(InputError, match="There is no file"):
        settings.read_logo_file(tmp_path / "missing.png")
    with pytest.raises(InputError, match="is a folder"):
        settings.read_logo_file(tmp_path)
    big = tmp_path / "poster.png"
    big.write_bytes(b"0" * (settings.MAX_LOGO_BYTES + 5000))
    with pytest.raises(InputError, match=r"The logo is 2,053 KB"):
        settings.read_logo_file(big)


def test_every_placeholder_offered_is_filled_in_a_letter(db):
    every = " ".join("{" + name + "}" for name, _meaning in letter_templates.placeholders())
    letter_templates.save_template("everything", "Re {tracking_number}", every, actor=None)
    request = create_request(
        RequestDraft(
            service_type="pothole",
            description="Hole",
            address="12 Elm St",
            answers={"size": "small", "in_lane": "no"},
            caller=CallerDetails("Ann", "Lee", "555 010 2233"),
        ),
        actor=None,
    )
    Contact.update(address="12 Elm Street", city="Alder Falls", zip="12501").execute()
    letter = documents.letter(request.id, "everything", actor=None)
    assert "{" not in letter.body and request.tracking_number in letter.body
    assert set(letter_templates.templates()) >= {"closure", "received", "everything"}


def test_a_misspelt_placeholder_is_refused(db):
    with pytest.raises(InputError) as caught:
        letter_templates.save_template(
            "pickup", "Hi {Resident_Name}", "On {expected_day} {zzz}", actor=None
        )
    said = str(caught.value)
    assert "did you mean {resident_name}" in said and "did you mean {expected_date}" in said
    assert "“{zzz}” is not a placeholder a letter can fill." in said
    assert "pickup" not in letter_templates.templates()


def test_settings_are_an_administrators(db):
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    supervisor = create_staff("Sam Super", "supervisor", actor=admin)
    for change in (
        lambda a: settings.update_settings({"town.phone": "555 1000"}, actor=a),
        lambda a: settings.set_logo(picture(), actor=a),
        lambda a: letter_templates.save_template("x", "S", "B", actor=a),
    ):
        with pytest.raises(PermissionDenied, match="may not change the town's settings"):
            change(supervisor)
        change(admin)
    assert "x" in letter_templates.templates()
