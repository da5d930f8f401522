"""The public status page: a static site with the open requests by type and by block, one
page a request reached only by its number and PIN, an Atom feed of status changes, and no
resident's name, phone, email or address anywhere in it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from desktop.app import main
from desktop.models.reports import status_site
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.demo import generate_demo
from desktop.models.storage.schema import Contact, ContactMethod
from desktop.models.town import status_pin
from desktop.models.town.settings import set_settings

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_site_has_each_request_behind_its_pin_and_names_no_one(db, tmp_path: Path):
    generate_demo(200, seed=4, actor=None)
    set_settings({"status.url": "https://alderfalls.example/status"}, actor=None)
    made = create_request(
        RequestDraft(
            "pothole",
            "Ophelia Wintersmith here: the hole outside 1234 Elm St broke my axle",
            address="1234 Elm St",
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(first_name="Ophelia", last_name="Wintersmith",
                                 phone="555-867-5309", email="ophelia@example.org"),
        ),
        actor=None,
    )  # fmt: skip
    lifecycle.add_note(made.id, "A crew is booked for Tuesday.", public=True, actor=None)
    lifecycle.add_note(made.id, "Resident sounded upset; called twice.", actor=None)
    folder = tmp_path / "site"
    published = status_site.publish(folder, actor=None)
    assert published.pages > 20 and published.open_requests > 0
    pin = status_pin.pin_of(made.tracking_number)
    assert len(pin) == 11 and pin[5] == "-"
    page = folder / "r" / status_pin.page_name(made.tracking_number, pin.lower())
    text = page.read_text(encoding="utf-8")
    assert made.tracking_number in text and "1200 block of Elm St" in text
    assert "A crew is booked for Tuesday." in text  # the public update
    assert "upset" not in text  # an internal note is not published
    assert not (folder / "r" / status_pin.page_name(made.tracking_number, "AAAAA-AAAAA")).exists()
    assert (folder / "r" / "index.html").is_file()  # a listing host lists no request pages
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Pothole" in index and "crypto.subtle.digest" in index
    feed = ElementTree.parse(folder / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed" and feed.findall(f"{ATOM}entry")
    # no one's name, phone, email or house number, in any file
    every = "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())
    people = [c.display_name for c in Contact.select() if " " in c.display_name]
    people += [m.value for m in ContactMethod.select()]
    people += [m.normalized for m in ContactMethod.select() if m.kind == "phone"]
    assert "Ophelia Wintersmith" in people
    leaked = [value for value in people if value in every]
    assert not leaked, leaked[:5]
    assert "1234 Elm" not in every and "axle" not in every
    # published again, a request no longer shown loses its page
    lifecycle.resolve(made.id, "fixed", actor=None)
    assert status_site.publish(folder, actor=None).pages == published.pages
    assert "Resolved" in page.read_text(encoding="utf-8")


def test_the_pin_is_on_the_receipt_and_in_the_acknowledgement(db):
    from desktop.models.documents.gather import receipt
    from desktop.models.outbox import notices  # noqa: F401
    from desktop.models.storage.schema import OutboxMessage

    set_settings({"status.url": "https://alderfalls.example/status", "outbox.notices": True},
                 actor=None)  # fmt: skip
    made = create_request(
        RequestDraft("feedback", "Thanks", caller=CallerDetails(
            first_name="Ana", last_name="Q", email="ana@example.org")),
        actor=None,
    )  # fmt: skip
    pin = status_pin.pin_of(made.tracking_number)
    assert pin in receipt(made.id, actor=None).status_line
    assert pin in OutboxMessage.get().body


def test_the_command_line(tmp_path: Path, capsys):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    assert main([*base, "request", "add", "feedback", "Thanks", "--address", "12 Elm St"]) == 0
    capsys.readouterr()
    assert main([*base, "publish", "status", "--out", str(tmp_path / "site"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["pages"] == 1 and (tmp_path / "site" / "index.html").is_file()


LOOKUP = """
import fs from 'fs';
const [site, number, pin] = process.argv.slice(2);
const html = fs.readFileSync(site + '/index.html', 'utf8');
const script = html.split('<script>')[1].split('</script>')[0];
const typed = {number, pin};
let said = '';
globalThis.document = {getElementById: (id) => id === 'said'
  ? {set textContent(text) { said = text; }} : {value: typed[id]}};
globalThis.window = {crypto: globalThis.crypto, location: {}};
globalThis.fetch = async (page) => ({ok: fs.existsSync(site + '/' + page)});
eval(script + '; globalThis.findRequest = findRequest;');
await findRequest({preventDefault() {}});
console.log(JSON.stringify({page: window.location.href || null, said}));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="no Node.js to run the page's script")
def test_the_pages_own_script_finds_the_request_from_what_is_typed(db, tmp_path: Path):
    """The index page's script, run as a browser would (Node's WebCrypto): the number and the
    PIN as a resident types them (lower case, a space, an 0 for an O) reach the page; a wrong
    PIN is told so."""
    made = create_request(RequestDraft("feedback", "Thanks", address="12 Elm St"), actor=None)
    folder = tmp_path / "site"
    status_site.publish(folder, actor=None)
    (tmp_path / "lookup.mjs").write_text(LOOKUP, encoding="utf-8")
    pin = status_pin.pin_of(made.tracking_number)

    def look(number: str, typed: str) -> dict[str, str]:
        ran = subprocess.run(
            ["node", str(tmp_path / "lookup.mjs"), str(folder), number, typed],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        answer: dict[str, str] = json.loads(ran.stdout)
        return answer

    typed = pin.lower().replace("-", " ").replace("o", "0")
    found = look(f" {made.tracking_number} ", typed)
    assert found["page"] and (folder / found["page"]).is_file()
    assert made.tracking_number in (folder / found["page"]).read_text(encoding="utf-8")
    wrong = look(made.tracking_number, "AAAAA-BBBBB")
    assert wrong["page"] is None and "No request has that number and PIN" in wrong["said"]


def test_the_scripts_sentences_survive_any_character():
    """What the page's script says goes in a JavaScript string: nothing in it can close the
    script, and a character beyond U+FFFF is written as JavaScript reads it."""
    said = status_site._js('Hé 😀 </script> "x" \\ \n')
    assert "</" not in said and '"x"' not in said and "\n" not in said
    assert "\\ud83d\\ude00" in said and said.startswith('"') and said.endswith('"')


def test_a_spanish_residents_page_is_in_spanish(db, tmp_path: Path):
    made = create_request(
        RequestDraft(
            "pothole",
            "hay un bache enorme",
            address="1234 Elm St",
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(first_name="Rosa", phone="555-867-1111", language="es"),
        ),
        actor=None,
    )
    english = create_request(
        RequestDraft(
            "pothole",
            "deep hole",
            address="1236 Elm St",
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(first_name="Ana", phone="555-867-2222"),
        ),
        actor=None,
    )
    folder = tmp_path / "site"
    status_site.publish(folder, actor=None)

    def page(number: str) -> str:
        pin = status_pin.pin_of(number)
        return (folder / "r" / status_pin.page_name(number, pin.lower())).read_text("utf-8")

    spanish = page(made.tracking_number)
    assert '<html lang="es">' in spanish and "Bache" in spanish and "Pothole" not in spanish
    assert "Su solicitud" in spanish
    assert '<html lang="en">' in page(english.tracking_number)
    assert "Pothole" in page(english.tracking_number)


def test_a_street_named_with_a_name_before_it_publishes_the_street_alone(db, tmp_path: Path):
    """ "Smith Residence Oak Ave" (no house number) is published as the street the town's
    register knows, Oak Ave; a street it does not know is not published at all."""
    from desktop.models.geo import register_import
    from tests.test_register import town_files

    points, lines = town_files(tmp_path)
    register_import.import_addresses(points, actor=None)
    register_import.import_streets(lines, actor=None)
    for place in ("Wintersmith Residence Oak Ave", "Wintersmith Farm Unknown Road"):
        create_request(
            RequestDraft("pothole", "A deep hole", address=place,
                         answers={"size": "large", "in_lane": "yes"}),
            actor=None,
        )  # fmt: skip
    folder = tmp_path / "site"
    status_site.publish(folder, actor=None)
    every = "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())
    assert "Wintersmith" not in every and "Unknown" not in every
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Oak Ave" in index and "(place not published)" in index
