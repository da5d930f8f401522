"""The Spanish catalog: every message of the code translated, every placeholder kept, and the
two languages at once (the clerk's and, inside `speaking`, a resident's)."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from desktop import i18n
from desktop.i18n_extract import messages_in
from desktop.models.vocab import STATUSES

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "resources" / "locale" / "es" / "LC_MESSAGES" / "frontcounter.po"
#: {name}, {n:,}, {0}, %(name)s, %s, %r, %d
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]|%[sdr]")


def _code_messages() -> set[str | tuple[str, ...]]:
    """Every literal message of the code, as the project's extractor finds them (inside
    f-strings too: Babel's own extractor missed 23 there)."""
    found: set[str | tuple[str, ...]] = set()
    for path in (ROOT / "desktop").rglob("*.py"):
        for _line, _function, message in messages_in(path.read_text(encoding="utf-8")):
            found.add(message)
    return found


@pytest.fixture(scope="module")
def spanish():
    with CATALOG.open("rb") as handle:
        return {m.id: m for m in read_po(handle, locale="es") if m.id}


def test_every_message_of_the_code_has_its_spanish(spanish):
    missing = []
    for message in _code_messages():
        entry = spanish.get(message)
        strings = (
            []
            if entry is None
            else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        )
        if entry is None or not all(s.strip() for s in strings) or entry.fuzzy:
            missing.append(message)
    assert not missing, (
        f"{len(missing)} messages have no Spanish (make locale-update): {missing[:5]}"
    )


def test_no_translation_drops_or_invents_a_placeholder(spanish):
    wrong = []
    for message, entry in spanish.items():
        if isinstance(message, tuple):
            allowed = set(PLACEHOLDER.findall(message[0])) | set(PLACEHOLDER.findall(message[1]))
            for form in list(entry.string)[1:]:  # the plural forms keep every placeholder
                if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(message[1])):
                    wrong.append((message[1], form))
            if not set(PLACEHOLDER.findall(entry.string[0])) <= allowed:
                wrong.append((message[0], entry.string[0]))
        elif sorted(PLACEHOLDER.findall(message)) != sorted(PLACEHOLDER.findall(entry.string)):
            wrong.append((message, entry.string))
    assert not wrong, wrong[:5]


def test_every_spanish_accelerator_is_kept(spanish):
    """A menu item or button with an &-key keeps one in Spanish (keyboard-first clerks)."""
    wrong = [
        (m, e.string)
        for m, e in spanish.items()
        if isinstance(m, str)
        and re.search(r"&[A-Za-z0-9]", m.replace("&&", ""))
        and not re.search(r"&[^&\s]", e.string.replace("&&", ""))
    ]
    assert not wrong, wrong[:5]


def test_messages_are_literals_the_extractor_can_read():
    """`_("a" if x else "b")` is extracted as one joined message that is never looked up; an
    f-string inside _() is never found in a catalog. Both are bugs."""
    bad = []
    for path in (ROOT / "desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_", "ngettext")
                and node.args
                and isinstance(node.args[0], ast.IfExp | ast.JoinedStr | ast.BinOp)
            ):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, bad


def test_formatting_each_spanish_message_never_raises(spanish):
    """Formatted with made-up values, a Spanish message breaks exactly where its English does."""

    class Anything:
        def __format__(self, spec: str) -> str:
            return format(1234.5, spec) if spec else "x"

    for message, entry in spanish.items():
        pairs = (
            zip(message, entry.string, strict=False)
            if isinstance(message, tuple)
            else [(message, entry.string)]
        )
        for english, translated in pairs:
            names = {m.group(1) for m in re.finditer(r"\{([a-z_0-9]*)[:}]", english)}
            values = {n: Anything() for n in names if n and not n.isdigit()}
            try:
                english.format(*[Anything()] * 3, **values)
            except (IndexError, KeyError, ValueError):
                continue  # not a format string (a literal brace in help text)
            translated.format(*[Anything()] * 3, **values)


def test_a_resident_is_written_to_in_spanish_while_the_clerk_works_in_english():
    assert i18n.workstation_language() == "en"
    assert STATUSES["resolved"] == "Resolved"
    with i18n.speaking("es"):
        assert STATUSES["resolved"] == "Resuelta"
        assert i18n._("Expected by {due}.") != "Expected by {due}."
        assert i18n.when(dt.date(2026, 12, 1), "%d %B %Y") == "1 de diciembre de 2026"
    assert STATUSES["resolved"] == "Resolved"
    assert i18n.when(dt.date(2026, 12, 1), "%d %B %Y") == "01 December 2026"


def test_the_language_comes_from_the_option_then_settings_then_the_computer(tmp_path, monkeypatch):
    settings = tmp_path / "frontcounter.ini"
    settings.write_text("[workstation]\nlanguage=es\n", encoding="utf-8")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert i18n.choose_language("en", settings) == "en"
    assert i18n.choose_language(None, settings) == "es"
    assert i18n.choose_language(None, tmp_path / "none.ini") == "en"
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert i18n.choose_language(None, tmp_path / "none.ini") == "es"
    assert i18n.normalize("Spanish_United States.1252") == "es"
    settings.write_bytes(b"\xff\xfe not an ini [[[")
    assert i18n.choose_language(None, settings) == "es"  # unreadable settings: the computer's


def test_the_command_line_speaks_spanish(capsys):
    from desktop.app import main

    try:
        with pytest.raises(SystemExit):
            main(["--lang", "es", "request", "lst"])
        said = capsys.readouterr().err
        assert "uso: frontcounter request" in said
        assert "opción no válida" in said
    finally:
        i18n.set_language("en")
        import argparse
        import gettext

        argparse._ = gettext.gettext  # type: ignore[attr-defined]
        argparse.ngettext = gettext.ngettext  # type: ignore[attr-defined]
