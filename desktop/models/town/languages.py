"""The town's words in its residents' languages, as the rows keep them (schema 12): a type's,
a department's, a question's and a call script's Spanish beside their English columns, each
falling back to the English where there is no translation. Plain reads of rows already loaded;
the editing and the starter's Spanish are in catalog/translations.py (which re-exports these).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.i18n import LANGUAGES
from desktop.models.storage.schema import CallScript, Department, ServiceAttribute, ServiceType

#: the other languages a town can keep words in (English is the columns themselves)
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != "en")


def words_in(row: Any, language: str | None) -> Mapping[str, Any]:
    """A row's words in `language` ({} for English, or when it has none)."""
    if not language or language == "en":
        return {}
    found = (getattr(row, "translations", None) or {}).get(language)
    return found if isinstance(found, dict) else {}


#: beside a row's words in a language, the English each was translated from ({"source":
#: {"service_notice": "..."}}): when the town changes the English afterwards, the old
#: translation says something else, and the English is shown until the Spanish is edited too
SOURCE = "source"


def current(words: Mapping[str, Any], field: str, english: str) -> str | None:
    """The translation of `field` when it is still a translation of `english`, else None."""
    value = words.get(field)
    if not isinstance(value, str) or not value.strip():
        return None
    sources = words.get(SOURCE)
    if isinstance(sources, dict) and field in sources and sources[field] != english:
        return None  # translated from English the town has changed since
    return value


def type_text(service_type: ServiceType, field: str, language: str | None) -> str:
    """A request type's `field` (name, description, service_notice, safety_notice, group,
    keywords) in `language`, the English one where there is no (current) translation."""
    english = str(getattr(service_type, "group_name" if field == "group" else field) or "")
    found = current(words_in(service_type, language), field, english)
    return english if found is None else found


def department_name(department: Department | None, language: str | None) -> str:
    if department is None:
        return ""
    found = current(words_in(department, language), "name", str(department.name))
    return str(department.name) if found is None else found


def attribute_label(attribute: ServiceAttribute, language: str | None) -> str:
    found = current(words_in(attribute, language), "label", str(attribute.label))
    return str(attribute.label) if found is None else found


def choice_name(attribute: ServiceAttribute, key: str, language: str | None) -> str:
    """The name of one of a list question's choices in `language`."""
    english = key
    for choice in attribute.choices or []:
        if isinstance(choice, dict) and choice.get("key") == key:
            english = str(choice.get("name", key))
    words = words_in(attribute, language)
    names = words.get("choices")
    sources = words.get(SOURCE)
    said = names.get(key) if isinstance(names, dict) else None
    was = sources.get("choices", {}).get(key) if isinstance(sources, dict) else None
    if isinstance(said, str) and said.strip() and (was is None or was == english):
        return said
    return english


def script_steps(script: CallScript, language: str | None) -> list[dict[str, Any]]:
    """A call script's steps in `language`: each step's question and instruction translated,
    its urgency the English step's (the two lists go step by step)."""
    english: list[dict[str, Any]] = list(script.steps or [])
    other = (script.translations or {}).get(language or "") if language != "en" else None
    if not isinstance(other, list) or len(other) != len(english):
        return english
    steps = []
    for base, words in zip(english, other, strict=True):
        step = dict(base)
        # a step reworded in English since it was translated keeps its English
        fresh = isinstance(words, dict) and words.get(SOURCE, base.get("ask")) == base.get("ask")
        if fresh:
            for key in ("ask", "if_yes"):
                if isinstance(words.get(key), str) and (words[key].strip() or not base.get(key)):
                    step[key] = words[key]
        steps.append(step)
    return steps


def type_keywords(service_type: ServiceType, language: str) -> list[str]:
    """The words residents use for a type in `language` (its translation's keywords)."""
    value = words_in(service_type, language).get("keywords", "")
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(word).strip() for word in items if str(word).strip()]
