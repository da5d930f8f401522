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

from desktop.i18n import LANGUAGES, _
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    CallScript,
    Department,
    FaqArticle,
    FaqArticleType,
    FaqRevision,
    SearchSynonym,
    ServiceAttribute,
    ServiceType,
    StaffUser,
    rows_of,
)
from desktop.models.text_clean import MAX_DESCRIPTION, MAX_LINE, clean_text
from desktop.resources import load_json, resource_path

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
#: the other languages a town can keep words in (English is the columns themselves)
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != "en")


def words_in(row: Any, language: str | None) -> Mapping[str, Any]:
    """A row's words in `language` ({} for English, or when it has none)."""
    if not language or language == "en":
        return {}
    found = (getattr(row, "translations", None) or {}).get(language)
    return found if isinstance(found, dict) else {}


def type_text(service_type: ServiceType, field: str, language: str | None) -> str:
    """A request type's `field` (name, description, service_notice, safety_notice, group,
    keywords) in `language`, the English one where there is no translation."""
    value = words_in(service_type, language).get(field)
    if isinstance(value, str) and value.strip():
        return value
    english = "group_name" if field == "group" else field
    return str(getattr(service_type, english) or "")


def department_name(department: Department | None, language: str | None) -> str:
    if department is None:
        return ""
    value = words_in(department, language).get("name")
    return value if isinstance(value, str) and value.strip() else str(department.name)


def attribute_label(attribute: ServiceAttribute, language: str | None) -> str:
    value = words_in(attribute, language).get("label")
    return value if isinstance(value, str) and value.strip() else str(attribute.label)


def choice_name(attribute: ServiceAttribute, key: str, language: str | None) -> str:
    """The name of one of a list question's choices in `language`."""
    names = words_in(attribute, language).get("choices")
    if isinstance(names, dict) and isinstance(names.get(key), str) and names[key].strip():
        return str(names[key])
    for choice in attribute.choices or []:
        if isinstance(choice, dict) and choice.get("key") == key:
            return str(choice.get("name", key))
    return key


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
        if isinstance(words, dict):
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
    code: str, language: str, changes: Mapping[str, str], actor: StaffUser | None
) -> ServiceType:
    """Set some of a type's words in `language` (an empty value removes that translation, so
    the English shows again). The administrator's edit of a Spanish service notice."""
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
    from desktop.models.staff import permissions  # noqa: PLC0415 (no cycle at import)

    permissions.require(actor, permissions.CATALOG_EDIT)

    def save() -> ServiceType:
        service_type = ServiceType.get_or_none(ServiceType.code == code)
        if service_type is None:
            raise NotFound(_("There is no request type “{code}”.").format(code=code))
        translations = dict(service_type.translations or {})
        words = dict(translations.get(language) or {})
        for field, value in changes.items():
            text = clean_text(value, TYPE_FIELDS[field])
            if text:
                words[field] = text
            else:
                words.pop(field, None)
        translations[language] = words
        ServiceType.update(
            translations=translations,
            version=ServiceType.version + 1,
            updated_at=clock.now(),
        ).where(ServiceType.id == service_type.id).execute()
        return ServiceType.get_by_id(service_type.id)

    return write(save)


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


def _types(catalog: Mapping[str, Any], language: str) -> int:
    groups = catalog.get("groups", {}) or {}
    added = 0
    by_type = catalog.get("service_types", {}) or {}
    for service_type in ServiceType.select():
        found = by_type.get(service_type.code)
        translations = dict(service_type.translations or {})
        if not isinstance(found, dict) or language in translations:
            continue
        words: dict[str, str] = {}
        for field in ("name", "description", "service_notice", "safety_notice"):
            if isinstance(found.get(field), str) and found[field].strip():
                words[field] = found[field]
        if service_type.group_name in groups:
            words["group"] = str(groups[service_type.group_name])
        keywords = found.get("keywords") or []
        if isinstance(keywords, list):
            words["keywords"] = ", ".join(str(k).strip() for k in keywords if str(k).strip())
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
                own[language] = {
                    "label": str(said.get("label", "")),
                    "help": str(said.get("help", "")),
                    "choices": {str(k): str(v) for k, v in (said.get("choices") or {}).items()},
                }
                ServiceAttribute.update(translations=own).where(
                    ServiceAttribute.id == attribute.id
                ).execute()
        added += 1
    return added


def _scripts(scripts: Mapping[str, Any], language: str) -> int:
    added = 0
    types = {t.code: t.id for t in ServiceType.select(ServiceType.id, ServiceType.code)}
    for script in CallScript.select():
        code = next((c for c, i in types.items() if i == script.service_type_id), None)
        steps = scripts.get(code or "")
        own = dict(script.translations or {})
        if language in own or not isinstance(steps, list):
            continue
        if len(steps) != len(script.steps or []):
            continue  # the town changed its English script: a translation of another one
        own[language] = [
            {"ask": str(s.get("ask", "")), "if_yes": str(s.get("if_yes", ""))}
            for s in steps
            if isinstance(s, dict)
        ]
        CallScript.update(translations=own).where(CallScript.id == script.id).execute()
        added += 1
    return added


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
    english = load_json("knowledge", "starter_kb.json").get("articles", [])
    starter = {str(a["title"]): a for a in english if isinstance(a, dict)}
    have = {
        str(title)
        for (title,) in rows_of(
            FaqArticle.select(FaqArticle.title).where(FaqArticle.language == language)
        )
    }
    departments = {d.code: d.id for d in Department.select(Department.id, Department.code)}
    types = {t.code: t.id for t in ServiceType.select(ServiceType.id, ServiceType.code)}
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
        if twin is not None and not twin.active:
            continue  # the town archived the English one: its Spanish twin stays out too
        keywords = item.get("keywords") or []
        article = FaqArticle.create(
            title=str(item["title"]),
            body=str(item.get("body", "")),
            keywords=", ".join(str(k) for k in keywords) if isinstance(keywords, list) else "",
            department=twin.department_id
            if twin is not None
            else departments.get(str(base.get("department", ""))),
            audience=twin.audience if twin is not None else base.get("audience", "public"),
            language=language,
            review_by=today + dt.timedelta(days=30 * int(base.get("review_months", 12))),
            created_at=now,
            updated_at=now,
        )
        if twin is not None:
            links = [
                row.service_type_id
                for row in FaqArticleType.select().where(FaqArticleType.article == twin.id)
            ]
        else:
            links = [types[c] for c in base.get("types", []) if c in types]
        if links:
            FaqArticleType.insert_many(
                [{"article": article.id, "service_type": t} for t in links]
            ).execute()
        FaqRevision.create(
            article=article,
            version=1,
            at=now,
            title=article.title,
            body=article.body,
            keywords=article.keywords,
            note=_("From the starter knowledge base."),
        )
        added += 1
    return added
