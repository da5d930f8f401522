"""The placeholders the town fills in ({pickup_days}, {on_call_phone}...): where they are used,
stored values, the "[to fill in: ...]" marker, snippets filled before highlighting, and the
`faq placeholders` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models.errors import ConflictError, InputError, PermissionDenied
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import exchange as kb_exchange
from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.models.knowledge import search as kb_search
from desktop.models.knowledge import text as kb_text
from desktop.models.storage.schema import FaqArticle, ServiceType


def test_every_placeholder_used_is_listed_with_where_it_is_used(db):
    found = {p.name: p for p in kb_placeholders.placeholders()}
    assert "on_call_phone" in found and "trash_day_by_area" in found
    assert any(
        w.startswith("Call script: Water Main Break") for w in found["on_call_phone"].used_in
    )
    trash = FaqArticle.get(FaqArticle.title == "What day is my trash picked up?")
    assert f"Article {trash.id}: {trash.title}" in found["trash_day_by_area"].used_in
    assert found["town_phone"].setting == "town.phone"
    listed = kb_placeholders.placeholders()
    assert [p.filled for p in listed] == sorted(p.filled for p in listed)  # unfilled first


def test_filling_a_placeholder_changes_answers_and_scripts(db):
    article = FaqArticle.get(FaqArticle.title == "What day is my trash picked up?")
    assert "[to fill in: trash day by area]" in knowledge.render(article.body)
    kb_placeholders.set_value(
        "trash_day_by_area", "north of Main on Monday, south on Tuesday", actor=None
    )
    assert "north of Main on Monday" in knowledge.render(article.body)
    assert "{" not in knowledge.render(article.body)
    water = ServiceType.get(ServiceType.code == "water_main_break")
    kb_placeholders.set_value("on_call_phone", "555-0199", actor=None)
    steps = [knowledge.render(s["if_yes"]) for s in knowledge.call_script(water.id)]
    assert any("555-0199" in step for step in steps)
    kb_placeholders.set_value("on_call_phone", "", actor=None)
    assert "on_call_phone" not in kb_placeholders.stored_values()


def test_a_snippet_is_filled_in_before_its_words_are_marked(db):
    hits = kb_search.search_articles("trash day area", 3)
    trash = next(h for h in hits if h.title == "What day is my trash picked up?")
    assert "{" not in trash.snippet and "[to fill in: trash day by area]" in trash.snippet
    assert "[area]" not in trash.snippet  # never highlighted inside the marker
    kb_placeholders.set_value("trash_day_by_area", "Monday in the north area", actor=None)
    trash = next(h for h in kb_search.search_articles("trash day area", 3) if h.id == trash.id)
    assert "[area]" in trash.snippet and "to fill in" not in trash.snippet


def test_bad_names_settings_and_stale_edits_are_refused(db):
    with pytest.raises(InputError):
        kb_placeholders.set_value("Not A Name", "x", actor=None)
    with pytest.raises(InputError, match="Settings"):
        kb_placeholders.set_value("town_phone", "555", actor=None)
    kb_placeholders.set_value("pool_hours", "noon to 6", actor=None)
    with pytest.raises(ConflictError):
        kb_placeholders.set_value("pool_hours", "1 to 7", expected="", actor=None)
    assert kb_placeholders.stored_values()["pool_hours"] == "noon to 6"


def test_a_clerk_may_not_fill_in_placeholders(db):
    from desktop.models.staff.members import create_staff

    clerk = create_staff("Cleo Clerk", "clerk", actor=None)
    with pytest.raises(PermissionDenied):
        kb_placeholders.set_value("pool_hours", "noon", clerk)


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.sqlite_only  # the command opens the SQLite file
def test_the_placeholders_command(db, db_path):
    filled = _cli(db_path, "faq", "placeholders", "set", "pool_hours", "noon to 6", "--json")
    assert filled.returncode == 0, filled.stderr
    assert json.loads(filled.stdout)["value"] == "noon to 6"
    listed = json.loads(_cli(db_path, "faq", "placeholders", "--json").stdout)
    pool = next(p for p in listed if p["name"] == "pool_hours")
    assert pool["filled"] and pool["used_in"]
    text = _cli(db_path, "faq", "placeholders").stdout
    assert "placeholders are not filled in yet" in text and "{pool_hours}  noon to 6" in text
    refused = _cli(db_path, "faq", "placeholders", "set", "town", "Elsewhere")
    assert refused.returncode == 1 and "Settings" in refused.stderr


@pytest.mark.sqlite_only  # the command opens the SQLite file
def test_triage_limit_says_its_most(db, db_path):
    too_many = _cli(db_path, "triage", "pot hole", "--limit", "60")
    assert too_many.returncode == 2 and "between 1 and 50" in too_many.stderr
    assert _cli(db_path, "faq", "search", "dog", "--limit", "200").returncode == 0


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(max_size=400),
    st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), st.text(max_size=30)),
)
def test_any_body_makes_a_snippet_and_any_text_is_rendered(db, body, known):
    snippet = kb_search.make_snippet(body, {"trash", "dog"}, "ga", known)
    assert snippet.count(kb_search.MARK_START) == snippet.count(kb_search.MARK_END)
    rendered = kb_placeholders.render(body, known)
    for name in kb_placeholders.names_in(body):
        if not known.get(name, "").strip():
            assert kb_placeholders.unfilled_marker(name) in rendered
    kb_text.strip_addresses(body)
    kb_text.proper_names(body)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_any_json_file_imports_or_is_refused_in_words(db, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("kb") / "any.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        kb_exchange.import_articles(path, actor=None).as_json()
    except InputError as refused:
        assert str(refused).strip()
