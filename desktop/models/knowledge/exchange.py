"""Sharing a knowledge base between towns: export to JSON (articles, synonyms, call scripts) or
CSV (the articles, for a spreadsheet), and import either back.

An import is all or nothing for what is wrong with the file itself (no title, a bad date, a file
that is not a knowledge base): nothing is saved and the clerk is told which article. What only
another town has (a department code, a request type) is left out of the article, which is still
imported, and the result says what was left out. An article the file has unchanged gets no new
version; a changed one gets a version by whoever is signed in.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import LANGUAGES, _, ngettext
from desktop.models import outside
from desktop.models.errors import InputError
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge.articles import ArticleDraft
from desktop.models.staff import permissions
from desktop.models.storage.db import write
from desktop.models.storage.safe_files import replacing
from desktop.models.storage.schema import (
    CallScript,
    Department,
    FaqArticle,
    SearchSynonym,
    ServiceType,
    StaffUser,
)
from desktop.models.text_clean import clean_text

CSV_COLUMNS = (
    "title",
    "body",
    "keywords",
    "department",
    "types",
    "audience",
    "review_by",
    "active",
    "language",
)
MAX_IMPORT_BYTES = 20_000_000
#: a spreadsheet runs a cell starting with one of these as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, written with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _from_cell(value: Any) -> Any:
    """A CSV cell as it was before `_plain_cell` (the apostrophe it added taken off)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


# -- export -------------------------------------------------------------------------------------


def export_rows() -> list[dict[str, Any]]:
    """Every article (archived too) as plain data, in title order."""
    return export_rows_for(FaqArticle.select().order_by(FaqArticle.title, FaqArticle.id))


def export_rows_for(articles: Any) -> list[dict[str, Any]]:
    rows = []
    for article in articles:
        draft = ArticleDraft.of(article)
        rows.append(
            {
                "title": draft.title,
                "body": draft.body,
                "keywords": [k.strip() for k in draft.keywords.split(",") if k.strip()],
                "department": draft.department,
                "types": draft.types,
                "audience": draft.audience,
                "review_by": draft.review_by.isoformat() if draft.review_by else "",
                "active": draft.active,
                "language": draft.language,
            }
        )
    return rows


def synonym_rows() -> list[dict[str, Any]]:
    return [
        {"term": row.term, "synonyms": [s.strip() for s in row.synonyms.split(",") if s.strip()]}
        for row in SearchSynonym.select().order_by(SearchSynonym.term)
    ]


def call_script_rows() -> dict[str, list[dict[str, Any]]]:
    """Each request type's call script, by type code, in catalog order."""
    scripts = (
        CallScript.select(CallScript, ServiceType)
        .join(ServiceType)
        .order_by(ServiceType.sort_order, ServiceType.code)
    )
    return {script.service_type.code: list(script.steps or []) for script in scripts}


def call_script_translations() -> dict[str, dict[str, Any]]:
    """Each call script's steps in other languages, by type code ({"es": [...]})."""
    scripts = CallScript.select(CallScript, ServiceType).join(ServiceType)
    return {
        script.service_type.code: dict(script.translations)
        for script in scripts
        if script.translations
    }


def export_articles(path: Path) -> int:
    """Write the knowledge base to `path`: CSV (the articles) when it ends in .csv, else JSON
    (articles, synonyms and call scripts). A file that fails half-way is not left behind."""
    path = Path(path)
    rows = export_rows()
    try:
        with replacing(path, ".kb-export-") as temporary:
            if path.suffix.lower() == ".csv":
                # the BOM tells Excel the file is UTF-8
                with temporary.open("w", encoding="utf-8-sig", newline="") as out:
                    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
                    writer.writeheader()
                    for row in rows:
                        cells = row | {
                            "keywords": ", ".join(row["keywords"]),
                            "types": " ".join(row["types"]),
                            "active": "yes" if row["active"] else "no",
                        }
                        writer.writerow({k: _plain_cell(v) for k, v in cells.items()})
            else:
                data = {
                    "articles": rows,
                    "synonyms": synonym_rows(),
                    "call_scripts": call_script_rows(),
                    "call_script_translations": call_script_translations(),
                }
                text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
                temporary.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            _("The file could not be written: {reason}").format(reason=exc.strerror or exc)
        ) from exc
    return len(rows)


# -- reading a file -----------------------------------------------------------------------------


@dataclass
class KnowledgeFile:
    """What an import file holds, checked for its shape."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    synonyms: list[dict[str, Any]] = field(default_factory=list)
    call_scripts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: each script's steps in other languages, by type code: {"es": [{"ask": ...}, ...]}
    call_script_translations: dict[str, dict[str, Any]] = field(default_factory=dict)


def _not_a_knowledge_base() -> InputError:
    return InputError(
        _(
            "That file is not a knowledge base: it should hold “articles” (a list of articles, "
            "each with a “title”), as a file written by Export does. Nothing was imported."
        )
    )


def _objects(value: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InputError(
            _("In that file, “{what}” is not a list. Nothing was imported.").format(what=what)
        )
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise InputError(
                _(
                    "Entry {n} of “{what}” in that file is not a record with names and values "
                    "(such as a “title”). Nothing was imported."
                ).format(n=number, what=what)
            )
    return value


def _shaped(data: Any) -> KnowledgeFile:
    if isinstance(data, list):
        data = {"articles": data}
    if not isinstance(data, dict) or not {"articles", "synonyms", "call_scripts"} & set(data):
        raise _not_a_knowledge_base()
    found = KnowledgeFile(
        _objects(data.get("articles", []), "articles"),
        _objects(data.get("synonyms", []), "synonyms"),
    )
    scripts = data.get("call_scripts", {})
    if not isinstance(scripts, dict):
        raise InputError(
            _("In that file, “call_scripts” is not a list per request type. Nothing was imported.")
        )
    for code, steps in scripts.items():
        found.call_scripts[str(code)] = _objects(steps, f"call_scripts: {code}")
    others = data.get("call_script_translations", {})
    if isinstance(others, dict):
        for code, by_language in others.items():
            if isinstance(by_language, dict):
                found.call_script_translations[str(code)] = {
                    str(language): _objects(steps, f"call_script_translations: {code}")
                    for language, steps in by_language.items()
                    if str(language) in LANGUAGES
                }
    return found


def read_file(path: Path) -> KnowledgeFile:
    """The articles (and, in JSON, synonyms and call scripts) of an import file; an InputError
    says what is wrong with the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(_("That file is too large to be a knowledge base."))
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            _("The file could not be read: {reason}").format(reason=exc.strerror or exc)
        ) from exc
    except UnicodeDecodeError:
        raise InputError(_("That file is not UTF-8 text.")) from None
    if not text.strip():
        raise InputError(_("That file is empty. Nothing was imported."))
    if path.suffix.lower() == ".csv":
        cells = outside.read_csv(text, ARTICLE_FIELDS, ("title",))
        rows = [{k: _from_cell(v) for k, v in row.items()} for row in cells]
        return _shaped({"articles": rows})
    return _shaped(outside.load_json(text, _("a knowledge base")))


#: what an article of an import file may say (what Export writes)
ARTICLE_FIELDS = (
    "title",
    "body",
    "keywords",
    "department",
    "types",
    "audience",
    "review_by",
    "active",
    "language",
)
#: how a file may say whether an article is in use
_ACTIVE_WORDS = {
    "": True, "yes": True, "true": True, "1": True, "active": True,
    "no": False, "false": False, "0": False, "archived": False,
}  # fmt: skip


def _text(row: dict[str, Any], name: str, number: int, limit: int) -> str:
    """A field that must be text (or left out), at most `limit` characters: refused, not cut."""
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(
            _("Article {n}: its “{name}” is {value}, not text. Nothing was imported.").format(
                n=number, name=name, value=str(value)[:40]
            )
        )
    if len(value.strip()) > limit:
        raise InputError(
            _(
                "Article {n}: its “{name}” is {length:,} characters long; at most {limit:,}. "
                "Nothing was imported."
            ).format(n=number, name=name, length=len(value.strip()), limit=limit)
        )
    return value


def _listed(row: dict[str, Any], name: str, number: int) -> list[str] | str:
    """A field written as a list of words, or as text; anything else is refused."""
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(w, str) for w in value)
    ):
        return value
    raise InputError(
        _("Article {n}: its “{name}” is not a list of words. Nothing was imported.").format(
            n=number, name=name
        )
    )


def _keywords(row: dict[str, Any], number: int) -> str:
    value = _listed(row, "keywords", number)
    return value if isinstance(value, str) else ", ".join(value)


def _type_codes(row: dict[str, Any], number: int) -> list[str]:
    value = _listed(row, "types", number)
    if isinstance(value, str):
        value = value.replace(",", " ").replace(";", " ").split()
    return [t.strip() for t in value if t.strip()]


def draft_of_row(row: dict[str, Any], number: int) -> ArticleDraft:
    """The article a row of an import file says, checked field by field: a field the file may
    not have, a number where text belongs, a value out of bounds is refused, never guessed at or
    cut short."""
    unknown = [name for name in row if name not in ARTICLE_FIELDS]
    if unknown:
        raise InputError(
            _(
                "Article {n} has a field “{name}” that Front Counter does not read (it reads "
                "{known}). Nothing was imported."
            ).format(n=number, name=str(unknown[0])[:60], known=", ".join(ARTICLE_FIELDS))
        )
    title = _text(row, "title", number, knowledge.MAX_TITLE)
    if not title.strip():
        raise InputError(
            _("Article {n} in that file has no title. Nothing was imported.").format(n=number)
        )
    body = _text(row, "body", number, knowledge.MAX_BODY)
    keywords = _keywords(row, number)
    types = _type_codes(row, number)
    review = _text(row, "review_by", number, 40).strip()
    try:
        review_by = dt.date.fromisoformat(review) if review else None
    except ValueError:
        raise InputError(
            _("Article {n}: “{value}” is not a date like 2027-01-31.").format(
                n=number, value=review[:40]
            )
        ) from None
    active = row.get("active", True)
    if active is None:
        active = True
    if isinstance(active, str):
        if active.strip().lower() not in _ACTIVE_WORDS:
            raise InputError(
                _(
                    "Article {n}: “{value}” does not say whether it is in use: write yes or no "
                    "(or active or archived). Nothing was imported."
                ).format(n=number, value=active[:40])
            )
        active = _ACTIVE_WORDS[active.strip().lower()]
    if not isinstance(active, bool):
        raise InputError(
            _("Article {n}: its “active” is {value}, not yes or no.").format(
                n=number, value=str(active)[:40]
            )
        )
    audience = _text(row, "audience", number, 20).strip().lower() or "public"
    language = _text(row, "language", number, 20).strip().lower() or "en"
    return ArticleDraft(
        title=title,
        body=body,
        keywords=keywords,
        department=_text(row, "department", number, 100).strip(),
        types=types,
        audience=audience,
        review_by=review_by,
        active=active,
        language=language,
    )


def _same(one: ArticleDraft, other: ArticleDraft) -> bool:
    """Whether saving `other` over `one` would change nothing the article shows."""

    def key(draft: ArticleDraft) -> tuple[Any, ...]:
        keywords = ", ".join(
            k for k in (clean_text(w, 100) for w in draft.keywords.split(",")) if k
        )
        return (
            clean_text(draft.title, knowledge.MAX_TITLE),
            clean_text(draft.body, knowledge.MAX_BODY),
            keywords[: knowledge.MAX_KEYWORDS],
            draft.department.strip(),
            frozenset(t.strip() for t in draft.types if t.strip()),
            draft.audience,
            draft.owner.strip(),
            draft.review_by,
            bool(draft.active),
            draft.language,
        )

    return key(one) == key(other)


# -- import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did, for the clerk: counts, and what was left out and why."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    call_scripts: int = 0
    synonyms: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "call_scripts": self.call_scripts,
            "synonyms": self.synonyms,
            "skipped": self.skipped,
        }

    def summary(self) -> str:
        """One or two sentences for the status line or the terminal."""
        parts = [
            _("Imported {added} new and {updated} updated articles; {unchanged} unchanged.").format(
                added=self.added, updated=self.updated, unchanged=self.unchanged
            )
        ]
        if self.call_scripts:
            parts.append(
                ngettext(
                    "{n} call script changed.", "{n} call scripts changed.", self.call_scripts
                ).format(n=self.call_scripts)
            )
        if self.synonyms:
            parts.append(
                ngettext(
                    "{n} row of words residents use changed.",
                    "{n} rows of words residents use changed.",
                    self.synonyms,
                ).format(n=self.synonyms)
            )
        if self.skipped:
            parts.append(_("Left out: {what}").format(what=" ".join(self.skipped)))
        return " ".join(parts)


def _clean_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for step in steps:
        ask = clean_text(str(step.get("ask", "")), knowledge.MAX_TITLE)
        if ask:
            cleaned.append(
                {
                    "ask": ask,
                    "if_yes": clean_text(str(step.get("if_yes", "")), 2000),
                    "urgent": bool(step.get("urgent", False)),
                }
            )
    return cleaned


def import_articles(path: Path, actor: StaffUser | None) -> ImportResult:
    """Add the articles in a JSON or CSV file; an article with the same title is updated (a new
    version in its history) when the file changes it. JSON files also bring synonyms and call
    scripts. All or nothing: a bad article and nothing is imported."""

    permissions.require(actor, permissions.KNOWLEDGE_EDIT)
    found = read_file(path)
    drafts = [draft_of_row(row, n) for n, row in enumerate(found.articles, 1)]
    departments = {d.code for d in Department.select(Department.code)}
    types = {t.code: t.id for t in ServiceType.select(ServiceType.id, ServiceType.code)}
    result = ImportResult()
    for draft in drafts:
        title = clean_text(draft.title, 80)
        if draft.department and draft.department not in departments:
            result.skipped.append(
                _(
                    "“{title}”: there is no department “{code}” here, so it was imported "
                    "without a department."
                ).format(title=title, code=draft.department[:40])
            )
            draft.department = ""
        unknown = [t for t in draft.types if t not in types]
        if unknown:
            result.skipped.append(
                _(
                    "“{title}”: the request types {codes} are not in this town's catalog, so it "
                    "was imported without them."
                ).format(title=title, codes=", ".join(f"“{c[:40]}”" for c in unknown))
            )
            draft.types = [t for t in draft.types if t in types]
    scripts = {}
    for code, steps in found.call_scripts.items():
        if code in types:
            scripts[types[code]] = _clean_steps(steps)
        else:
            result.skipped.append(
                _(
                    "The call script for “{code}”: there is no such request type here, so it "
                    "was not imported."
                ).format(code=code[:40])
            )

    def save() -> None:
        by_title = {a.title.lower(): a for a in FaqArticle.select().order_by(FaqArticle.id.desc())}
        for n, draft in enumerate(drafts, 1):
            existing = by_title.get(clean_text(draft.title, knowledge.MAX_TITLE).lower())
            if existing is not None:
                before = ArticleDraft.of(existing)
                draft.owner = before.owner  # a file never says who owns an article here
                draft.review_by = draft.review_by or before.review_by
                if _same(before, draft):
                    result.unchanged += 1
                    continue
            try:
                saved = knowledge.save_article(
                    draft,
                    existing.id if existing is not None else None,
                    actor=actor,
                    note=_("Imported from {name}.").format(name=Path(path).name),
                )
            except InputError as exc:
                raise InputError(_("Article {n}: {problem}").format(n=n, problem=exc)) from None
            by_title[saved.title.lower()] = saved
            if existing is None:
                result.added += 1
            else:
                result.updated += 1
        for type_id, steps in scripts.items():
            if knowledge.call_script(type_id) != steps:
                knowledge.save_call_script(type_id, steps, actor)
                result.call_scripts += 1
        for code, by_language in found.call_script_translations.items():
            if code in types and by_language:
                worded = {
                    language: [
                        {
                            key: clean_text(str(step.get(key) or ""), 2000)
                            for key in ("ask", "if_yes", "source")
                        }
                        for step in steps
                    ]
                    for language, steps in by_language.items()
                }
                CallScript.update(translations=worded).where(
                    CallScript.service_type == types[code]
                ).execute()
        current = {row["term"]: row["synonyms"] for row in synonym_rows()}
        for item in found.synonyms:
            term = clean_text(str(item.get("term") or ""), 100).lower()
            words = item.get("synonyms") or []
            if not term or not isinstance(words, list):
                continue
            wanted = [clean_text(str(w), 100).lower() for w in words]
            wanted = [w for w in dict.fromkeys(wanted) if w and w != term]
            if current.get(term) != wanted:
                knowledge.save_synonyms(term, wanted, actor=actor)
                result.synonyms += 1

    write(save)
    return result
