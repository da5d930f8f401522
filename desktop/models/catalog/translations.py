"""The catalog's and the knowledge base's words in a resident's language.

English is the catalog's own language: a request type's name, description, notices, keywords,
questions and call script are its columns. Every other language lives beside them in the row's
`translations` column (schema 12), {"es": {"name": ..., "service_notice": ..., ...}}, so a type
is one row whatever the languages, and a word missing in Spanish falls back to the English one.
Articles are different: a Spanish article is an article of its own (`FaqArticle.language`),
found by the same search and tied to the same types.

The Spanish starter catalog and knowledge base ship as resources/catalog/starter_catalog.es.json
and resources/knowledge/starter_kb.es.json, keyed by the English type codes and article titles;
`add_starter_translations` adds what a town does not have yet and never overwrites its edits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    CallScript,
    Department,
    FaqArticle,
    FaqArticleType,
    SearchSynonym,
    ServiceAttribute,
    ServiceType,
    StaffUser,
    rows_of,
)
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.models.town.languages import (
    OTHER_LANGUAGES,
    SOURCE,
    attribute_label,
    choice_name,
    department_name,
    script_steps,
    type_keywords,
    type_text,
    words_in,
)
from desktop.resources import load_json, resource_path

__all__ = [
    "OTHER_LANGUAGES",
    "attribute_label",
    "choice_name",
    "department_name",
    "script_steps",
    "type_keywords",
    "type_text",
    "words_in",
]

SPANISH_CATALOG = ("catalog", "starter_catalog.es.json")
SPANISH_KNOWLEDGE = ("knowledge", "starter_kb.es.json")
#: the fields of a request type that have a translation, and how long each may be
TYPE_FIELDS = {
    "name": MAX_LINE,
    "group": MAX_LINE,
    "description": MAX_DESCRIPTION,
    "service_notice": MAX_DESCRIPTION,
    "safety_notice": MAX_DESCRIPTION,
    "keywords": MAX_DESCRIPTION,
}


def shown_names(language: str | None) -> dict[str, dict[str, str]]:
    """For lists that show the catalog's names as the database keeps them (English): each
    type's and department's name in `language`, by its English name ({} in English)."""
    if not language or language == "en":
        return {}
    from desktop.models.storage.db import reading  # noqa: PLC0415 (no cycle at import)

    with reading():
        kinds = {t.name: type_text(t, "name", language) for t in ServiceType.select()}
        places = {d.name: department_name(d, language) for d in Department.select()}
    return {
        "service_type": {k: v for k, v in kinds.items() if k != v},
        "department": {k: v for k, v in places.items() if k != v},
    }


# -- editing ----------------------------------------------------------------------------------


def set_type_words(
    code: str,
    language: str,
    changes: Mapping[str, str],
    actor: StaffUser | None,
    *,
    version: int | None = None,
) -> ServiceType:
    """Set some of a type's words in `language` (an empty value removes that translation, so
    the English shows again). The administrator's edit of a Spanish service notice."""
    _check_words(language, changes)
    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> ServiceType:
        return apply_type_words(code, language, changes, actor, version=version)

    return write(save)


def _check_words(language: str, changes: Mapping[str, str]) -> None:
    if language not in OTHER_LANGUAGES:
        raise InputError(
            _("“{language}” is not a language Front Counter keeps words in ({known}).").format(
                language=language, known=", ".join(OTHER_LANGUAGES)
            )
        )
    unknown = sorted(set(changes) - set(TYPE_FIELDS))
    if unknown:
        raise InputError(
            _("A request type has no field “{field}” to translate.").format(field=unknown[0])
        )


def apply_type_words(
    code: str,
    language: str,
    changes: Mapping[str, str],
    actor: StaffUser | None,
    *,
    version: int | None = None,
) -> ServiceType:
    """`set_type_words` inside a write the caller holds (the type form saves the English and
    the Spanish in one transaction). Each word keeps the English it translates."""
    _check_words(language, changes)
    service_type = ServiceType.get_or_none(ServiceType.code == code)
    if service_type is None:
        raise NotFound(_("There is no request type “{code}”.").format(code=code))
    if version is not None and service_type.version != version:
        raise ConflictError(
            _(
                "Someone else changed the request type “{name}” since you opened it. Nothing "
                "was saved: look at their change, then make yours again."
            ).format(name=service_type.name),
            theirs=service_type,
        )
    before = {"translations": service_type.translations or {}}
    translations = dict(service_type.translations or {})
    words = dict(translations.get(language) or {})
    sources = dict(words.get(SOURCE) or {})
    for field, value in changes.items():
        text = clean_text(value, TYPE_FIELDS[field])
        english = str(getattr(service_type, "group_name" if field == "group" else field) or "")
        if text:
            words[field] = text
            sources[field] = english  # what it translates, to know when the English moves on
        else:
            words.pop(field, None)
            sources.pop(field, None)
    words[SOURCE] = sources
    translations[language] = words
    ServiceType.update(
        translations=translations,
        version=ServiceType.version + 1,
        updated_at=clock.now(),
    ).where(ServiceType.id == service_type.id).execute()
    saved: ServiceType = ServiceType.get_by_id(service_type.id)
    audit.record(
        "service_type", saved.id, "translate", before, {"translations": translations}, actor
    )
    return saved


# -- the starter translations -----------------------------------------------------------------


def _load(parts: tuple[str, str]) -> dict[str, Any]:
    if not resource_path(*parts).is_file():
        return {}
    data = load_json(*parts)
    return data if isinstance(data, dict) else {}


def add_starter_translations() -> dict[str, int]:
    """The Spanish starter words a town does not have yet: for each starter type, department,
    question and call script still present, its Spanish; the Spanish synonym rows; the Spanish
    starter articles, tied to the same types as their English ones. Never overwrites what a
    town has (its own Spanish notice stays). Runs inside a write transaction."""
    catalog, knowledge = _load(SPANISH_CATALOG), _load(SPANISH_KNOWLEDGE)
    counts = {"types": 0, "departments": 0, "scripts": 0, "synonyms": 0, "articles": 0}
    language = str(catalog.get("language") or knowledge.get("language") or "es")
    if catalog:
        counts["departments"] = _departments(catalog.get("departments", {}), language)
        counts["types"] = _types(catalog, language)
    if knowledge:
        counts["scripts"] = _scripts(knowledge.get("call_scripts", {}), language)
        counts["synonyms"] = _synonyms(knowledge.get("synonyms", []))
        counts["articles"] = _articles(knowledge.get("articles", []), language)
    return counts


def _departments(words: Mapping[str, Any], language: str) -> int:
    added = 0
    for department in Department.select():
        found = words.get(department.code)
        translations = dict(department.translations or {})
        if isinstance(found, dict) and language not in translations:
            translations[language] = {k: str(v) for k, v in found.items() if isinstance(v, str)}
            Department.update(translations=translations).where(
                Department.id == department.id
            ).execute()
            added += 1
    return added


def _starter_english() -> dict[str, dict[str, Any]]:
    english = load_json("catalog", "starter_catalog.json").get("service_types", [])
    return {str(t["code"]): t for t in english if isinstance(t, dict) and "code" in t}


def _types(catalog: Mapping[str, Any], language: str) -> int:
    groups = catalog.get("groups", {}) or {}
    added = 0
    by_type = catalog.get("service_types", {}) or {}
    starter = _starter_english()
    for service_type in ServiceType.select():
        found = by_type.get(service_type.code)
        translations = dict(service_type.translations or {})
        if not isinstance(found, dict) or language in translations:
            continue
        base = starter.get(service_type.code, {})
        words: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for field in ("name", "description", "service_notice", "safety_notice"):
            english = str(getattr(service_type, field) or "")
            # the Spanish of the starter's English only: a town that wrote its own notice
            # keeps it in English until its Spanish is written
            if english != str(base.get(field, "")):
                continue
            if isinstance(found.get(field), str) and found[field].strip():
                words[field], sources[field] = found[field], english
        if service_type.group_name in groups:
            words["group"] = str(groups[service_type.group_name])
            sources["group"] = service_type.group_name
        keywords = found.get("keywords") or []
        if isinstance(keywords, list):
            words["keywords"] = ", ".join(str(k).strip() for k in keywords if str(k).strip())
        words[SOURCE] = sources
        translations[language] = words
        ServiceType.update(translations=translations).where(
            ServiceType.id == service_type.id
        ).execute()
        questions = found.get("attributes", {}) or {}
        for attribute in ServiceAttribute.select().where(
            ServiceAttribute.service_type == service_type.id
        ):
            said = questions.get(attribute.code)
            own = dict(attribute.translations or {})
            if isinstance(said, dict) and language not in own:
                english_choices = {
                    str(c.get("key")): str(c.get("name", ""))
                    for c in attribute.choices or []
                    if isinstance(c, dict)
                }
                own[language] = {
                    "label": str(said.get("label", "")),
                    "help": str(said.get("help", "")),
                    "choices": {str(k): str(v) for k, v in (said.get("choices") or {}).items()},
                    SOURCE: {"label": attribute.label, "choices": english_choices},
                }
                ServiceAttribute.update(translations=own).where(
                    ServiceAttribute.id == attribute.id
                ).execute()
        added += 1
    return added


def _scripts(scripts: Mapping[str, Any], language: str) -> int:
    added = 0
    codes = {t.id: t.code for t in ServiceType.select(ServiceType.id, ServiceType.code)}
    for script in CallScript.select():
        code = codes.get(script.service_type_id)
        steps = scripts.get(code or "")
        own = dict(script.translations or {})
        if language in own or not isinstance(steps, list):
            continue
        if len(steps) != len(script.steps or []):
            continue  # the town changed its English script: a translation of another one
        # each step remembers the English it translates: a step the town rewords keeps its
        # English (languages.script_steps); the starter's own steps match from the start
        starter_steps = _starter_scripts().get(code or "", [])
        own[language] = [
            {
                "ask": str(s.get("ask", "")),
                "if_yes": str(s.get("if_yes", "")),
                SOURCE: str(starter_steps[n].get("ask", "")) if n < len(starter_steps) else "",
            }
            for n, s in enumerate(steps)
            if isinstance(s, dict)
        ]
        CallScript.update(translations=own).where(CallScript.id == script.id).execute()
        added += 1
    return added


def _starter_scripts() -> dict[str, list[dict[str, Any]]]:
    scripts = load_json("knowledge", "starter_kb.json").get("call_scripts", {})
    return scripts if isinstance(scripts, dict) else {}


def _synonyms(rows: list[Any]) -> int:
    added = 0
    for item in rows:
        if not isinstance(item, dict):
            continue
        term = str(item.get("term", "")).strip().lower()
        others = [str(w).strip() for w in item.get("synonyms", []) if str(w).strip()]
        if (
            term
            and others
            and not SearchSynonym.select().where(SearchSynonym.term == term).exists()
        ):
            SearchSynonym.create(term=term, synonyms=", ".join(others))
            added += 1
    return added


def _articles(items: list[Any], language: str) -> int:
    # the knowledge base's module loads when its Spanish starter is added, not with every
    # reader of the catalog's words (the window's first page: start-up)
    from desktop.models.knowledge import articles as knowledge  # noqa: PLC0415

    english = load_json("knowledge", "starter_kb.json").get("articles", [])
    starter = {str(a["title"]): a for a in english if isinstance(a, dict)}
    have = {
        str(title)
        for (title,) in rows_of(
            FaqArticle.select(FaqArticle.title).where(FaqArticle.language == language)
        )
    }
    today, now = clock.today(), clock.now()
    added = 0
    for item in items:
        if not isinstance(item, dict) or not item.get("title") or item["title"] in have:
            continue
        base = starter.get(str(item.get("title_en", "")), {})
        twin = (
            FaqArticle.select()
            .where(FaqArticle.title == item.get("title_en", ""), FaqArticle.language == "en")
            .first()
        )
        if twin is None or not twin.active:
            continue  # the town deleted, renamed or archived the English one: not its Spanish
        keywords = item.get("keywords") or []
        article = FaqArticle.create(
            title=str(item["title"]),
            body=str(item.get("body", "")),
            keywords=", ".join(str(k) for k in keywords) if isinstance(keywords, list) else "",
            department=twin.department_id,
            audience=twin.audience,
            language=language,
            review_by=today + dt.timedelta(days=30 * int(base.get("review_months", 12))),
            created_at=now,
            updated_at=now,
        )
        links = [
            row.service_type_id
            for row in FaqArticleType.select().where(FaqArticleType.article == twin.id)
        ]
        knowledge.record_starter_article(article, links, now)
        added += 1
    return added
