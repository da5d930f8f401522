"""A Spanish-speaking resident is written to in Spanish while the clerk works in English: the
receipt, the letters, the notices by email and post, the crew's public note; the town's Spanish
notices and letters are its own to edit; the starter's Spanish reaches older towns."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop import i18n
from desktop.models.catalog import translations
from desktop.models.documents import gather
from desktop.models.documents import letter_templates as templates_admin
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.storage.schema import (
    CallScript,
    Contact,
    FaqArticle,
    OutboxMessage,
    ServiceAttribute,
    ServiceType,
)
from desktop.models.town.settings import set_settings
from desktop.printing import build_letter, build_receipt
from desktop.printing.data import PageSetup, TownHeader

FIXTURES = Path(__file__).parent / "fixtures" / "schema"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _setup() -> PageSetup:
    return PageSetup(town=TownHeader("Alder Falls", phone="555-0100"), paper="letter")


def _spanish_request(language: str = "es", **caller: str):
    who = CallerDetails(
        first_name="Rosa",
        last_name="Quintero",
        address=caller.get("address", "4 Oak Ave\nAlder Falls"),
        email=caller.get("email", ""),
        language=language,
    )
    draft = RequestDraft("pothole", "hay un bache enorme frente a mi casa", address="12 Elm St")
    draft.caller = who
    draft.answers = {"size": "large", "in_lane": "yes"}
    return create_request(draft, actor=None)


def test_the_starter_catalog_and_knowledge_base_speak_spanish(db):
    pothole = ServiceType.get(ServiceType.code == "pothole")
    assert translations.type_text(pothole, "name", "es") == "Bache"
    assert translations.type_text(pothole, "name", "en") == "Pothole"
    assert "días hábiles" in translations.type_text(pothole, "service_notice", "es")
    size = ServiceAttribute.get(
        ServiceAttribute.service_type == pothole.id, ServiceAttribute.code == "size"
    )
    assert translations.attribute_label(size, "es") != size.label
    assert translations.choice_name(size, "small", "es") != translations.choice_name(
        size, "small", "en"
    )
    script = CallScript.get(CallScript.service_type == pothole.id)
    steps = translations.script_steps(script, "es")
    assert len(steps) == len(script.steps) and steps[0]["ask"] != script.steps[0]["ask"]
    assert [s.get("urgent") for s in steps] == [s.get("urgent") for s in script.steps]
    spanish = FaqArticle.select().where(FaqArticle.language == "es").count()
    english = FaqArticle.select().where(FaqArticle.language == "en").count()
    assert spanish == english > 50
    for article in FaqArticle.select().where(FaqArticle.language == "es"):
        assert article.title and article.body and article.type_links.count() >= 0


def test_a_spanish_residents_receipt_is_in_spanish_while_the_clerk_works_in_english(db):
    request = _spanish_request()
    assert Contact.get_by_id(request.contact_id).language == "es"
    assert i18n.workstation_language() == "en"
    data = gather.receipt(request.tracking_number, actor=None)
    assert data.language == "es" and data.service_type == "Bache"
    shown = _text(build_receipt(data, _setup()))
    assert "Bache" in shown and request.tracking_number in shown
    assert "Tracking number" not in shown and "Pothole" not in shown
    assert i18n._("Tracking number") == "Tracking number"  # the clerk's window is untouched
    english = gather.receipt(_spanish_request(language="").tracking_number, actor=None)
    assert english.service_type == "Pothole" and english.language == "en"


def test_the_language_is_kept_for_the_residents_next_request(db):
    first = _spanish_request()
    draft = RequestDraft("pothole", "otro bache", address="3 Oak Ave")
    draft.answers = {"size": "small", "in_lane": "no"}
    draft.contact_id = first.contact_id
    second = create_request(draft, actor=None)
    assert gather.receipt(second.tracking_number, actor=None).language == "es"
    draft = RequestDraft("pothole", "again", address="5 Oak Ave")
    draft.answers = {"size": "small", "in_lane": "no"}
    draft.contact_id = first.contact_id
    draft.caller = CallerDetails(language="en")  # the clerk changed it at the counter
    create_request(draft, actor=None)
    assert Contact.get_by_id(first.contact_id).language == "en"


def test_letters_go_out_in_the_residents_language(db):
    request = _spanish_request()
    lifecycle.resolve(request.id, "fixed", note="Rellenamos el bache.", actor=None)
    letter = gather.letter(request.tracking_number, "closure", actor=None)
    assert letter.language == "es" and "Bache" in letter.body
    assert "Dear" not in letter.body and "Rosa Quintero" in letter.body
    shown = _text(build_letter(letter, _setup()))
    assert "de 20" in shown  # the date in Spanish word order ("16 de noviembre de 2026")
    other = _spanish_request(language="")
    lifecycle.resolve(other.id, "fixed", actor=None)
    assert "Dear" in gather.letter(other.tracking_number, "closure", actor=None).body
    chosen = gather.letter(other.tracking_number, "closure-es", actor=None)  # the clerk's pick
    assert chosen.language == "es" and "Dear" not in chosen.body


def test_the_town_edits_its_spanish_letter_and_spanish_notice(db):
    templates_admin.save_template(
        "received-es",
        "Recibimos su solicitud {tracking_number}",
        "Estimado/a {resident_name}: su solicitud de {service_type} llegó. {town_name}",
        actor=None,
    )
    set_settings({"outbox.notices": True, "town.name": "Alder Falls"}, actor=None)
    translations.set_type_words(
        "pothole", "es", {"service_notice": "Lo rellenamos en cinco días."}, actor=None
    )
    request = _spanish_request(email="rosa@example.org")
    sent = OutboxMessage.get(OutboxMessage.request == request.id)
    assert sent.language == "es" and sent.channel == "email"
    assert sent.subject == f"Recibimos su solicitud {request.tracking_number}"
    assert "su solicitud de Bache llegó. Alder Falls" in sent.body
    receipt = gather.receipt(request.tracking_number, actor=None)
    assert receipt.service_notice == "Lo rellenamos en cinco días."
    translations.set_type_words("pothole", "es", {"service_notice": ""}, actor=None)
    receipt = gather.receipt(request.tracking_number, actor=None)
    assert receipt.service_notice == ServiceType.get(ServiceType.code == "pothole").service_notice
    with pytest.raises(Exception, match="fr"):
        translations.set_type_words("pothole", "fr", {"name": "Nid-de-poule"}, actor=None)


def test_without_the_towns_own_spanish_the_builtin_spanish_is_sent(db):
    set_settings({"outbox.notices": True}, actor=None)
    templates_admin.save_template(
        "received", "Got it: {tracking_number}", "Hi {resident_name}.", actor=None
    )
    spanish = _spanish_request(email="rosa@example.org")
    english = _spanish_request(language="", email="ana@example.org")
    by_request = {m.request_id: m for m in OutboxMessage.select()}
    assert by_request[english.id].subject.startswith("Got it")
    assert by_request[spanish.id].language == "es"
    assert spanish.tracking_number in by_request[spanish.id].subject
    assert not by_request[spanish.id].subject.startswith("Got it")
    assert "Bache" in by_request[spanish.id].body


def test_an_older_town_gets_the_spanish_starter_on_upgrade(tmp_path):
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    path = tmp_path / "v11.db"
    raw = sqlite3.connect(path)
    raw.executescript((FIXTURES / "v11.sql").read_text(encoding="utf-8"))
    raw.close()
    opened = open_database(path)
    try:
        pothole = ServiceType.get(ServiceType.code == "pothole")
        assert translations.type_text(pothole, "name", "es") == "Bache"
        assert FaqArticle.select().where(FaqArticle.language == "es").exists()
        assert Contact.select().where(Contact.language != "").count() == 0
    finally:
        close_database(opened)


def test_the_cli_takes_the_residents_language(tmp_path, capsys):
    from desktop.app import main

    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()
    words = ["pothole", "hay un bache", "--first-name", "Rosa", "--language", "es"]
    answers = ["--attr", "size=large", "--attr", "in_lane=yes", "--json"]
    assert main([*base, "request", "add", *words, *answers]) == 0
    number = json.loads(capsys.readouterr().out)["tracking_number"]
    out = tmp_path / "r.pdf"
    assert main([*base, "print", "receipt", number, "--out", str(out)]) == 0
    assert "Bache" in _text(out.read_bytes())


def test_the_cli_edits_a_types_spanish_words(tmp_path, capsys):
    from desktop.app import main

    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()
    notice = ["--service-notice", "Lo rellenamos en cinco días hábiles."]
    assert main([*base, "catalog", "translate", "pothole", *notice, "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["translations"]["es"]["service_notice"] == notice[1]
    assert saved["translations"]["es"]["name"] == "Bache"  # the rest kept
    assert main([*base, "catalog", "translate", "pothole"]) != 0
    assert "--service-notice" in capsys.readouterr().err
    assert main([*base, "catalog", "translate", "pothole", "--lang", "fr", "--name", "x"]) != 0


# ---- what an independent review found ------------------------------------------------------


def test_an_english_residents_crew_note_stays_english_at_a_spanish_window(db):
    from desktop.models.documents import closeout

    request = _spanish_request(language="")
    with i18n.speaking("es"):  # as the Spanish window's thread speaks
        closeout.close_out(
            closeout.CloseOut(reference=request.tracking_number, outcome="fixed"), actor=None
        )
    from desktop.models.storage.schema import ServiceRequest

    notes = ServiceRequest.get_by_id(request.id).status_notes
    assert notes.startswith("The crew finished"), notes


def test_the_type_picker_finds_a_type_by_its_spanish_words_with_or_without_accents(db):
    from desktop.models.requests.lookups import find_types

    assert [k.code for k in find_types("bache")][:1] == ["pothole"]
    assert "no_heat_hot_water" in [k.code for k in find_types("calefaccion")]
    assert "no_heat_hot_water" in [k.code for k in find_types("calefacción")]
    assert [k.code for k in find_types("pothole")] == ["pothole"]


def test_saved_responses_are_offered_in_the_residents_words_and_the_clerks_names(db):
    from desktop.models.documents import responses

    request = _spanish_request()
    offered = dict(responses.offered(request.tracking_number, "update"))
    assert "Crew scheduled" in offered  # the clerk's name for it
    assert "Bache" in offered["Crew scheduled"] and "crew" not in offered["Crew scheduled"]


def test_a_towns_own_letter_without_spanish_is_written_all_in_english(db):
    request = _spanish_request()
    templates_admin.save_template(
        "visit", "We will visit", "We will visit about the {service_type} on {today}.", actor=None
    )
    letter = gather.letter(request.tracking_number, "visit", actor=None)
    assert letter.language == "en"
    assert "Pothole" in letter.body and " de " not in letter.body


def test_the_spanish_closure_letter_also_waits_for_the_resolution(db):
    from desktop.models.errors import InputError

    request = _spanish_request()
    with pytest.raises(InputError, match="not resolved"):
        gather.letter(request.tracking_number, "closure-es", actor=None)


def test_each_letter_of_a_batch_says_page_in_its_own_language(db):
    from desktop.printing import build_letters
    from desktop.printing.data import LetterData

    letters = [
        LetterData(
            "2026-00001",
            ["Rosa", "4 Oak Ave"],
            dt.date(2026, 11, 20),
            "Asunto",
            "Hola",
            language="es",
        ),
        LetterData("2026-00002", ["Ana", "5 Oak Ave"], dt.date(2026, 11, 20), "Subject", "Hi"),
    ]
    pages = [
        p.extract_text() for p in PdfReader(io.BytesIO(build_letters(letters, _setup()))).pages
    ]
    assert "página 1" in pages[0] and "page 1" in pages[1] and "página" not in pages[1]


def test_spanish_follows_the_towns_english_not_the_other_way(db):
    """A town's own English notice is not replaced by the starter's Spanish of another text;
    and a Spanish word is shown only while the English it translates is unchanged."""
    from desktop.models.catalog import types

    pothole = ServiceType.get(ServiceType.code == "pothole")
    assert "días hábiles" in translations.type_text(pothole, "service_notice", "es")
    fields = types.TypeFields(
        name=pothole.name,
        department="DPW",
        group=pothole.group_name,
        priority=pothole.priority,
        respond_amount=pothole.respond_amount,
        respond_unit=pothole.respond_unit,
        resolve_amount=pothole.resolve_amount,
        resolve_unit=pothole.resolve_unit,
        keywords=pothole.keywords,
        description=pothole.description,
        service_notice="Potholes are filled on Tuesdays only.",
        safety_notice=pothole.safety_notice,
    )
    changed = types.update_type("pothole", fields, actor=None)
    assert translations.type_text(changed, "service_notice", "es") == (
        "Potholes are filled on Tuesdays only."  # the old Spanish said something else
    )
    assert translations.type_text(changed, "name", "es") == "Bache"  # the name did not move
    notice = {"service_notice": "Los baches se rellenan solo los martes."}
    saved = translations.set_type_words("pothole", "es", notice, None, version=changed.version)
    assert translations.type_text(saved, "service_notice", "es").endswith("martes.")
    from desktop.models.errors import ConflictError

    with pytest.raises(ConflictError):
        translations.set_type_words("pothole", "es", {"name": "Hoyo"}, None, version=1)
    from desktop.models.storage.schema import AuditRecord

    assert AuditRecord.select().where(AuditRecord.action == "translate").exists()


def test_a_deleted_english_starter_article_gets_no_spanish_twin(db):
    from desktop.models.storage.db import write
    from desktop.models.storage.schema import FaqArticleType, FaqRevision

    english = FaqArticle.get(FaqArticle.title == "What day is my trash picked up?")
    spanish_title = "¿Qué día pasan a recoger mi basura?"

    def forget() -> None:
        twin = FaqArticle.get(FaqArticle.title == spanish_title)
        for article in (english, twin):
            FaqArticleType.delete().where(FaqArticleType.article == article.id).execute()
            FaqRevision.delete().where(FaqRevision.article == article.id).execute()
            FaqArticle.delete().where(FaqArticle.id == article.id).execute()
        translations.add_starter_translations()

    write(forget)
    assert not FaqArticle.select().where(FaqArticle.title == spanish_title).exists()


def test_the_spanish_goes_out_and_comes_back_with_the_catalog_and_the_knowledge_base(db, tmp_path):
    from desktop.models.catalog import transfer
    from desktop.models.knowledge import exchange
    from desktop.models.storage.db import write

    catalog = transfer.export_catalog()
    pothole = next(t for t in catalog["service_types"] if t["code"] == "pothole")
    assert pothole["translations"]["es"]["name"] == "Bache"
    assert any("translations" in q for q in pothole["attributes"])
    ServiceType.update(translations={}).where(ServiceType.code == "pothole").execute()
    transfer.merge_catalog(catalog, actor=None)
    assert (
        translations.type_text(ServiceType.get(ServiceType.code == "pothole"), "name", "es")
        == "Bache"
    )

    path = tmp_path / "kb.json"
    exchange.export_articles(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    spanish = [a for a in data["articles"] if a["language"] == "es"]
    assert spanish and data["call_script_translations"]["pothole"]["es"]
    title = spanish[0]["title"]

    def forget() -> None:
        FaqArticle.update(language="en").where(FaqArticle.title == title).execute()
        CallScript.update(translations={}).execute()

    write(forget)
    exchange.import_articles(path, actor=None)
    assert FaqArticle.get(FaqArticle.title == title).language == "es"
    script = CallScript.get(
        CallScript.service_type == ServiceType.get(ServiceType.code == "pothole").id
    )
    assert translations.script_steps(script, "es")[0]["ask"] != script.steps[0]["ask"]


def test_a_spanish_window_names_the_resident_s_other_requests_in_spanish(db):
    """The lines under a request (the resident's other requests, duplicates, related) gave
    the type's English name at a Spanish window, beside a list in Spanish."""
    from desktop.models.requests.detail import load_request_detail
    from desktop.models.requests.intake import RequestDraft, create_request
    from desktop.models.residents.contacts import CallerDetails
    from desktop.models.storage.schema import ServiceRequest

    def pothole(contact_id: int | None = None) -> ServiceRequest:
        draft = RequestDraft(
            service_type="pothole",
            description="Deep hole by the crossing",
            address="12 Elm St",
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails("Marta", "Quiroga", "555 010 7788"),
            contact_id=contact_id,
        )
        return create_request(draft, actor=None)

    made = pothole()
    first = made.tracking_number
    second = pothole(made.contact_id).tracking_number
    with i18n.speaking("es"):
        spanish = load_request_detail(second, actor=None)
    english = load_request_detail(second, actor=None)
    assert [(x.tracking_number, x.service_type) for x in spanish.contact_requests] == [
        (first, "Bache")
    ]
    assert [x.service_type for x in english.contact_requests] == ["Pothole"]
