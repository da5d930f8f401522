"""Property sweeps of what a town feeds the app from outside (hypothesis): malformed structure,
depth, size, encoding, NUL and control characters, formula starts and path components. Every
input is taken whole or refused whole with a sentence (InputError); nothing else escapes, and a
refused file changes nothing. Bounded here; HYPOTHESIS_PROFILE=soak runs them long."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models.catalog.transfer import merge_catalog
from desktop.models.errors import InputError, KnownError
from desktop.models.knowledge import exchange as kb_exchange
from desktop.models.outside import load_json, read_csv
from desktop.models.requests.attachments import clean_filename
from desktop.models.storage.schema import Department, FaqArticle, ServiceType

settings.register_profile("soak", max_examples=5_000, deadline=None)
settings.register_profile("suite", max_examples=120, deadline=None)
settings.register_profile("long", max_examples=1_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

#: text as hostile as a file can make it: controls, NUL, half characters, direction marks,
#: formula starts, path pieces
NASTY = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\x1b", "\u202e", "\ud800", "=", "+", "-", "@", "/", "\\", ".."]),
    ),
    max_size=40,
).map("".join)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), NASTY)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(NASTY, st.just("title")), inner)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from([*kb_exchange.ARTICLE_FIELDS, "colour", "", "id"])
ARTICLE = st.dictionaries(FIELDS, st.one_of(SCALARS, st.lists(NASTY, max_size=3)), max_size=9)


@given(st.text(max_size=400))
def test_any_text_is_json_or_a_sentence(text: str):
    try:
        load_json(text, "a test file")
    except InputError as refused:
        assert str(refused).strip()


@given(st.integers(min_value=1, max_value=3_000))
def test_any_depth_is_json_or_a_sentence(depth: int):
    try:
        load_json("[" * depth + "]" * depth, "a test file")
    except InputError as refused:
        assert "nested" in str(refused)


@given(
    st.lists(st.lists(NASTY, max_size=5), max_size=6),
    st.sampled_from(['"', "", "\r\n", "\n\n"]),
)
def test_any_csv_is_rows_or_a_sentence(rows: list[list[str]], tail: str):
    text = "\n".join(",".join(row) for row in [["title", "body"], *rows]) + tail
    try:
        found = read_csv(text, ("title", "body"), ("title",))
    except InputError as refused:
        assert str(refused).strip()
    else:
        assert all(set(row) <= {"title", "body"} for row in found)


@settings(suppress_health_check=FIXTURES)
@given(
    st.one_of(
        JSONISH,
        st.lists(ARTICLE, max_size=4),
        st.fixed_dictionaries({"articles": st.lists(ARTICLE, max_size=4)}),
    )
)
def test_any_knowledge_base_is_imported_whole_or_refused_whole(db, tmp_path_factory, data: Any):
    path = tmp_path_factory.mktemp("kb") / "kb.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = FaqArticle.select().count()
    try:
        result = kb_exchange.import_articles(path, actor=None)
    except InputError as refused:
        assert str(refused).strip()
        assert FaqArticle.select().count() == before  # nothing of a refused file
    else:
        assert FaqArticle.select().count() == before + result.added


@settings(suppress_health_check=FIXTURES)
@given(
    st.one_of(
        JSONISH,
        st.fixed_dictionaries(
            {
                "types": st.lists(st.dictionaries(NASTY, SCALARS), max_size=3),
                "departments": st.lists(st.dictionaries(NASTY, SCALARS), max_size=3),
            }
        ),
    )
)
def test_any_catalog_is_checked_or_refused_and_a_dry_run_changes_nothing(db, data: Any):
    before = (ServiceType.select().count(), Department.select().count())
    try:
        merge_catalog(data, dry_run=True, actor=None)
    except KnownError as refused:
        assert str(refused).strip()
    assert (ServiceType.select().count(), Department.select().count()) == before


@given(NASTY)
def test_a_file_name_from_data_is_always_a_bare_name(name: str):
    cleaned = clean_filename(name)
    assert cleaned and "/" not in cleaned and "\\" not in cleaned and "\x00" not in cleaned
    assert cleaned not in (".", "..") and Path(cleaned).name == cleaned
    assert len(cleaned) <= 255
    cleaned.encode("utf-8")  # storable


#: what a clerk can type or paste into a search box, FTS5's own syntax included
TYPED = st.one_of(
    NASTY,
    st.lists(
        st.sampled_from(['"', "*", "(", ")", "NEAR", "AND", "OR", "NOT", ":", "^", "-", "+",
                         "pothole", "elm", "2026-", "%", "_", "'", ";", "--", "\\", " "]),
        max_size=12,
    ).map("".join),
)  # fmt: skip


@settings(suppress_health_check=FIXTURES)
@given(TYPED)
def test_any_search_box_text_finds_or_finds_nothing(db, typed: str):
    """The Requests search, the address box, the FAQ search, triage and the residents' search
    take anything typed or pasted: FTS5's syntax, quotes, wildcards and half characters find
    something or nothing, never an error."""
    from desktop.models.knowledge import search as kb_search
    from desktop.models.knowledge import triage
    from desktop.models.requests.listing import RequestFilter, RequestList
    from desktop.models.residents.contacts import find_contacts

    for filters in (RequestFilter(search=typed), RequestFilter(address=typed)):
        listing = RequestList(filters)
        assert listing.count() >= 0
        listing.page(0, 20, actor=None)
    kb_search.search_articles(typed, 10)
    triage.triage(typed, 5)
    find_contacts(typed)


# ---- settings, letters and the logo -----------------------------------------------------------


@settings(suppress_health_check=FIXTURES)
@given(
    st.sampled_from(
        list(
            _SETTINGS_KEYS := __import__(
                "desktop.models.town.settings", fromlist=["EDITABLE"]
            ).EDITABLE
        )
    ),
    st.one_of(NASTY, SCALARS),
)
def test_any_setting_is_stored_as_checked_or_refused_in_a_sentence(db, key: str, value: Any):
    from desktop.models.town import settings as town

    before = town.get_setting(key)
    try:
        checked = town.parse_setting(key, value)
    except InputError as refused:
        assert str(refused).strip()
        assert town.get_setting(key) == before
        return
    town.set_settings({key: checked}, actor=None)
    assert town.get_setting(key) == checked
    if isinstance(checked, str):
        assert "\x00" not in checked and len(checked) <= 1000
        checked.encode("utf-8")  # storable, printable


#: braces as a template writer can get them wrong
TEMPLATE = st.lists(
    st.one_of(
        NASTY,
        st.sampled_from(["{", "}", "{}", "{0}", "{name!r}", "{a.b}", "{tracking_number}",
                         "{resident_name}", "{{", "}}", "{x:>10}", "{__class__}", "%s"]),
    ),
    max_size=12,
).map("".join)  # fmt: skip


@settings(suppress_health_check=FIXTURES)
@given(NASTY, TEMPLATE, TEMPLATE)
def test_any_letter_template_is_saved_and_fills_or_is_refused(db, name, subject, body):
    from desktop.models.documents import gather, letter_templates
    from desktop.models.requests.intake import RequestDraft, create_request

    request = create_request(RequestDraft("feedback", "Thanks"), actor=None)
    try:
        letter_templates.save_template(name, subject, body, actor=None)
    except InputError as refused:
        assert str(refused).strip()
        return
    saved = [n for n in letter_templates.templates() if n.casefold() == name.strip().casefold()]
    for template in saved or list(letter_templates.templates())[:1]:
        try:
            gather.letter(request.tracking_number, template, actor=None)
        except InputError as refused:
            assert str(refused).strip()


PICTURE_STARTS = st.sampled_from(
    [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP",
     b"BM", b"<svg", b"%PDF-1.7"]
)  # fmt: skip


@settings(suppress_health_check=FIXTURES)
@given(PICTURE_STARTS, st.binary(max_size=600))
def test_any_bytes_as_a_logo_are_a_picture_or_a_sentence(db, start: bytes, rest: bytes):
    from desktop.models.town import settings as town

    try:
        town.set_logo(start + rest, actor=None)
    except InputError as refused:
        assert str(refused).strip()
        assert town.get_logo() is None
    else:
        town.check_logo(town.get_logo() or b"")  # what was kept can be read back
        town.set_logo(None, actor=None)


# ---- this wave's files: the town's old records, its GIS layers and its tiles --------------------


@settings(suppress_health_check=FIXTURES)
@given(
    st.sampled_from(["old.csv", "old.tsv", "old.xlsx", "old.xls", "old.ods", "old.txt"]),
    st.one_of(
        st.binary(max_size=800),
        st.lists(st.lists(NASTY, max_size=6), max_size=8).map(
            lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass")
        ),
    ),
)
def test_any_file_offered_as_old_records_is_planned_or_refused(db, tmp_path_factory, name, data):
    from desktop.models.imports import batches
    from desktop.models.storage.schema import ServiceRequest

    path = tmp_path_factory.mktemp("old") / name
    path.write_bytes(data)
    before = ServiceRequest.select().count()
    try:
        batches.plan_import(path, actor=None)
    except KnownError as refused:
        assert str(refused).strip()
    assert ServiceRequest.select().count() == before  # planning changes nothing


FEATURE = st.fixed_dictionaries(
    {
        "type": st.one_of(st.just("Feature"), NASTY),
        "geometry": st.one_of(
            st.none(),
            JSONISH,
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["Point", "LineString", "MultiLineString", "Polygon"]),
                    "coordinates": st.one_of(
                        st.lists(st.floats(), max_size=3),
                        st.lists(st.lists(st.floats(), max_size=3), max_size=4),
                        JSONISH,
                    ),
                }
            ),
        ),
        "properties": st.one_of(st.none(), st.dictionaries(NASTY, SCALARS, max_size=6)),
    }
)


@settings(suppress_health_check=FIXTURES)
@given(
    st.one_of(
        JSONISH,
        st.fixed_dictionaries(
            {"type": st.just("FeatureCollection"), "features": st.lists(FEATURE, max_size=5)}
        ),
    ),
    st.sampled_from(["addresses", "streets"]),
)
def test_any_geojson_is_a_register_or_a_sentence(db, tmp_path_factory, data: Any, what: str):
    from desktop.models.geo import register_import

    path = tmp_path_factory.mktemp("gis") / "layer.geojson"
    path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    load = (
        register_import.import_addresses if what == "addresses" else register_import.import_streets
    )
    try:
        loaded = load(path, actor=None, dry_run=True)
    except InputError as refused:
        assert str(refused).strip()
    else:
        assert loaded.imported + len(loaded.rejected) <= max(loaded.rows, 0) + loaded.imported


@settings(suppress_health_check=FIXTURES)
@given(
    st.binary(max_size=2000),
    st.dictionaries(NASTY, st.one_of(NASTY, st.integers(min_value=-(2**63), max_value=2**63 - 1))),
)
def test_any_file_offered_as_map_tiles_serves_or_is_a_sentence(tmp_path_factory, data, meta):
    import sqlite3

    from desktop.models.town import tiles

    folder = tmp_path_factory.mktemp("tiles")
    raw = folder / "raw.mbtiles"
    raw.write_bytes(data)
    made = folder / "made.mbtiles"
    db = sqlite3.connect(made)
    db.execute("CREATE TABLE metadata (name, value)")
    db.execute("CREATE TABLE tiles (zoom_level, tile_column, tile_row, tile_data)")
    db.executemany("INSERT INTO metadata VALUES (?, ?)", [
        (k.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
         v if isinstance(v, int) else v.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        for k, v in meta.items()])  # fmt: skip
    db.execute("INSERT INTO tiles VALUES (14, 1, 2, ?)", (data,))
    db.commit()
    db.close()
    for path in (raw, made):
        try:
            facts = tiles.read_facts(path)
        except InputError as refused:
            assert str(refused).strip()
        else:
            assert facts.format in tiles.RASTER and 0 <= facts.min_zoom <= facts.max_zoom <= 24
            tiles.TileSource(path).tile(14, 1, (1 << 14) - 1 - 2)


# ---- Open311: whatever a partner's system sends -------------------------------------------------

OPEN311_PATHS = st.one_of(
    st.sampled_from(
        ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json",
         "/open311/v2/services/pothole.json", "/open311/v2/requests/1.json",
         "/open311/v2/tokens/x.json", "/open311/v2/servicerequestupdates.json",
         "/open311/discovery.json", "/open311/v2/request/../../x.json", "/"]
    ),
    NASTY.map(lambda s: "/open311/v2/" + s),
)  # fmt: skip
OPEN311_FIELDS = st.sampled_from(
    ["service_code", "api_key", "description", "address_string", "lat", "long", "email",
     "first_name", "attribute[size]", "attribute[]", "media_url", "page", "page_size",
     "start_date", "end_date", "status", "service_request_id", "jurisdiction_id", "update_id"]
)  # fmt: skip


@settings(suppress_health_check=FIXTURES)
@given(
    st.sampled_from(["GET", "POST", "PUT", "HEAD", "DELETE"]),
    OPEN311_PATHS,
    st.dictionaries(st.one_of(OPEN311_FIELDS, NASTY), st.one_of(NASTY, st.integers().map(str))),
    st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data", "text/xml", ""]),
)
def test_anything_a_partner_sends_is_answered_never_a_bug(db, method, path, fields, kind):
    """Any method, path, field and value (hostile text, NUL, half characters, formulas) gets
    an answer in the spec's form with its HTTP status: never a 500, never a traceback."""
    import io
    import urllib.parse
    from wsgiref.util import setup_testing_defaults

    from desktop.open311.app import application

    body = urllib.parse.urlencode(
        {k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass")
         for k, v in fields.items()}
    ).encode()  # fmt: skip
    query = body.decode() if method == "GET" else ""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": urllib.parse.quote(path.encode("utf-8", "surrogatepass"), safe="/"),
        "QUERY_STRING": query,
        "CONTENT_TYPE": kind,
        "CONTENT_LENGTH": str(len(body)) if method != "GET" else "0",
        "wsgi.input": io.BytesIO(body if method != "GET" else b""),
    }
    setup_testing_defaults(environ)
    answered: list[str] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answered.append(status)

    out = b"".join(application(environ, start))
    status = int(answered[0].split()[0])
    assert status < 500 or status == 503, (status, out[:300])
    if status >= 400 and out:
        if out.lstrip().startswith(b"<"):
            assert b"<errors>" in out or b"<error>" in out
        else:
            answer = json.loads(out)
            assert answer and all({"code", "description"} <= set(e) for e in answer)


@pytest.mark.slow
def test_the_sweeps_run_long():
    """`pytest -m slow`: every sweep above again, with 1,000 examples each (profile "long";
    HYPOTHESIS_PROFILE=soak runs 5,000)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider",
         str(Path(__file__).relative_to(root))],
        cwd=root,
        env={**os.environ, "HYPOTHESIS_PROFILE": "long"},
        capture_output=True,
        text=True,
        timeout=3000,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:]
