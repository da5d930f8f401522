"""Property sweeps of what a town feeds the app from outside (hypothesis): malformed structure,
depth, size, encoding, NUL and control characters, formula starts and path components. Every
input is taken whole or refused whole with a sentence (InputError); nothing else escapes, and a
refused file changes nothing. Bounded here; HYPOTHESIS_PROFILE=soak runs them long."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

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
