"""The knowledge base: FAQ articles with their history, owners and review dates, the synonyms
the town edits, and the call script of each request type.

Every change to an article is saved as a new version with a FaqRevision line (who, when, what
it said), so nothing an editor wrote is lost. Archived articles keep their history but leave the
search. Search itself lives in `kb_search`; ranking with request types in `triage`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import peewee

from desktop.i18n import LANGUAGES, N_, Labels, _, normalize
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    CallScript,
    Department,
    FaqArticle,
    FaqArticleType,
    FaqRevision,
    RequestEvent,
    SearchSynonym,
    ServiceRequest,
    ServiceType,
    StaffUser,
)
from desktop.models.text_clean import clean_text, too_long
from desktop.models.town import languages
from desktop.resources import load_json

STARTER_KNOWLEDGE = ("knowledge", "starter_kb.json")
MAX_TITLE = 300
MAX_BODY = 20_000
MAX_KEYWORDS = 2_000
AUDIENCES = ("public", "staff")
REVIEW_MONTHS = 12
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass
class ArticleDraft:
    """An article as the editor (or an import) has it, before it is saved."""

    title: str
    body: str = ""
    keywords: str = ""
    department: str = ""  # a department code, or ""
    types: list[str] = field(default_factory=list)  # request type codes
    audience: str = "public"
    owner: str = ""  # a staff username, or ""
    review_by: dt.date | None = None
    active: bool = True
    language: str = "en"  # the language it is written in (i18n.LANGUAGES)

    @classmethod
    def of(cls, article: FaqArticle) -> ArticleDraft:
        return cls(
            title=article.title,
            body=article.body,
            keywords=article.keywords,
            department=article.department.code if article.department else "",
            types=related_type_codes(article.id),
            audience=article.audience,
            owner=article.owner.username if article.owner else "",
            review_by=article.review_by,
            active=article.active,
            language=article.language,
        )


def _checked(draft: ArticleDraft) -> dict[str, Any]:
    title = clean_text(draft.title, len(draft.title))
    if not title:
        raise InputError(_("An article needs a title: the question as residents ask it."))
    body = clean_text(draft.body, len(draft.body))
    keywords = ", ".join(k for k in (clean_text(w, len(w)) for w in draft.keywords.split(",")) if k)
    for what, text, limit in (
        (_("The title"), title, MAX_TITLE),
        (_("The answer"), body, MAX_BODY),
        (_("The keywords"), keywords, MAX_KEYWORDS),
    ):
        if len(text) > limit:  # said, never cut short in silence
            raise InputError(too_long(what, limit))
    if draft.audience not in AUDIENCES:
        raise InputError(
            _("“{audience}” is not an audience; use public or staff.").format(
                audience=draft.audience
            )
        )
    language = normalize(draft.language)
    if language is None:
        raise InputError(
            _("“{language}” is not a language of the knowledge base ({known}).").format(
                language=draft.language[:20], known=", ".join(LANGUAGES)
            )
        )
    department = None
    if draft.department.strip():
        department = Department.get_or_none(Department.code == draft.department.strip())
        if department is None:
            raise InputError(
                _("There is no department with the code “{code}”.").format(
                    code=draft.department.strip()
                )
            )
    owner = None
    if draft.owner.strip():
        owner = StaffUser.get_or_none(StaffUser.username == draft.owner.strip())
        if owner is None:
            raise InputError(
                _("There is no staff member “{name}”.").format(name=draft.owner.strip())
            )
    return {
        "title": title,
        "body": body,
        "keywords": keywords,
        "department": department,
        "audience": draft.audience,
        "owner": owner,
        "review_by": draft.review_by,
        "active": bool(draft.active),
        "language": language,
    }


def _type_ids(codes: list[str]) -> list[int]:
    wanted = [c.strip() for c in codes if c.strip()]
    found = {t.code: t.id for t in ServiceType.select().where(ServiceType.code.in_(wanted))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InputError(
            _("There is no request type with the code “{code}”.").format(code=missing[0])
        )
    return [found[c] for c in dict.fromkeys(wanted)]


def save_article(
    draft: ArticleDraft,
    article_id: int | None = None,
    *,
    expected_version: int | None = None,
    actor: StaffUser | None,
    note: str = "",
    source_request: int | None = None,
) -> FaqArticle:
    """Create or change an article; every save adds a version to its history.

    With `expected_version`, saving over someone else's newer change is a ConflictError.
    """

    permissions.require(actor, permissions.KNOWLEDGE_EDIT)
    values = _checked(draft)

    def save() -> FaqArticle:
        type_ids = _type_ids(draft.types)
        now = clock.now()
        revision_note = clean_text(note, 500) or (_("Created.") if article_id is None else "")
        if article_id is None:
            review_by = values.pop("review_by") or (now.date() + dt.timedelta(days=365))
            article = FaqArticle.create(
                **values,
                review_by=review_by,
                source_request=source_request,
                created_at=now,
                updated_at=now,
            )
        else:
            found = FaqArticle.get_or_none(FaqArticle.id == article_id)
            if found is None:
                raise NotFound(_("That article is no longer in the knowledge base."))
            article = found
            before = audit.snapshot(article)
            if expected_version is not None and article.version != expected_version:
                raise ConflictError(
                    _(
                        "Someone else changed this article while you were editing it. "
                        "Reopen it to see their version; your text is still in the editor."
                    )
                )
            old_types = set(related_type_codes(article.id))
            for name, value in values.items():
                setattr(article, name, value)
            article.version += 1
            article.updated_at = now
            article.save()
            after = audit.snapshot(article) or {}
            changed = [
                label
                for name, label in _REVISION_FIELDS.items()
                if (before or {}).get(name) != after.get(name)
            ]
            if old_types != set(draft.types):
                changed.append(_("request types"))
            if changed and not revision_note:  # the history says what this version changed
                revision_note = _("Changed: {fields}.").format(fields=", ".join(changed))
        FaqArticleType.delete().where(FaqArticleType.article == article.id).execute()
        if type_ids:
            FaqArticleType.insert_many(
                [{"article": article.id, "service_type": t} for t in type_ids]
            ).execute()
        FaqRevision.create(
            article=article,
            version=article.version,
            at=now,
            actor=actor,
            title=article.title,
            body=article.body,
            keywords=article.keywords,
            note=revision_note,
        )
        audit.record(
            "faq_article",
            article.id,
            "create" if article_id is None else "update",
            None if article_id is None else before,
            {**(audit.snapshot(article) or {}), "types": draft.types},
            actor,
        )
        return article

    return write(save)


#: an article's fields as its history names them when a version changes them
_REVISION_FIELDS: Labels[str] = Labels(
    {
        "title": N_("question"),
        "body": N_("answer"),
        "keywords": N_("keywords"),
        "department": N_("department"),
        "audience": N_("audience"),
        "owner": N_("owner"),
        "review_by": N_("review date"),
        "language": N_("language"),
    }
)


def set_archived(article_id: int, archived: bool, actor: StaffUser | None) -> FaqArticle:
    """Archive an article (it leaves search, keeps its history) or bring it back."""
    article = get_article(article_id)
    draft = ArticleDraft.of(article)
    draft.active = not archived
    note = _("Archived.") if archived else _("Brought back from the archive.")
    return save_article(draft, article_id, actor=actor, note=note)


def get_article(article_id: int) -> FaqArticle:
    article = FaqArticle.get_or_none(FaqArticle.id == article_id)
    if article is None:
        raise NotFound(_("There is no article number {id}.").format(id=article_id))
    return article


def related_type_codes(article_id: int) -> list[str]:
    query = (
        ServiceType.select(ServiceType.code)
        .join(FaqArticleType)
        .where(FaqArticleType.article == article_id)
        .order_by(ServiceType.sort_order, ServiceType.name)
    )
    return [t.code for t in query]


def history(article_id: int) -> list[FaqRevision]:
    """The article's versions, newest first."""
    return list(
        FaqRevision.select()
        .where(FaqRevision.article == article_id)
        .order_by(FaqRevision.version.desc())
    )


def author_names(revisions: list[FaqRevision]) -> dict[int, str]:
    """Who made each version (by staff id): their name as the history shows it."""
    ids = {r.actor_id for r in revisions if r.actor_id is not None}
    if not ids:
        return {}
    return {
        user.id: user.full_name or user.username
        for user in StaffUser.select(StaffUser.id, StaffUser.full_name, StaffUser.username).where(
            StaffUser.id.in_(ids)
        )
    }


def stale_articles(today: dt.date | None = None) -> list[FaqArticle]:
    """Active articles whose review date has come: someone should read them again."""
    today = today or clock.today()
    return list(
        FaqArticle.select()
        .where(FaqArticle.active == True, FaqArticle.review_by <= today)  # noqa: E712
        .order_by(FaqArticle.review_by, FaqArticle.title)
    )


def articles_for_type(service_type_id: int) -> list[FaqArticle]:
    return list(
        FaqArticle.select()
        .join(FaqArticleType)
        .where(FaqArticleType.service_type == service_type_id, FaqArticle.active == True)  # noqa: E712
        .order_by(FaqArticle.title)
    )


# -- placeholders -----------------------------------------------------------------------------


def placeholder_values() -> dict[str, str]:
    """What {town}, {pickup_days}... stand for: the town settings and what supervisors filled in."""

    return kb_placeholders.values()


def render(text: str, values: dict[str, str] | None = None, *, blank: str | None = None) -> str:
    """The text with the town's placeholders filled in; an unfilled one reads
    "[to fill in: ...]", or `blank` when given (a line to write on, on paper)."""

    return kb_placeholders.render(text, values, blank=blank)


# -- synonyms ---------------------------------------------------------------------------------


def save_synonyms(term: str, synonyms: list[str], *, actor: StaffUser | None) -> SearchSynonym:
    """Say that `term` means the same as each of `synonyms` (replacing what it said before)."""
    word = clean_text(term, 100).lower()
    if not word:
        raise InputError(_("Give the word residents use."))
    others = [clean_text(s, 100).lower() for s in synonyms]
    joined = ", ".join(s for s in dict.fromkeys(others) if s and s != word)

    permissions.require(actor, permissions.KNOWLEDGE_EDIT)

    def save() -> SearchSynonym:
        row = SearchSynonym.get_or_none(SearchSynonym.term == word)
        if row is not None and row.synonyms == joined:
            return row  # unchanged: no new version, nothing for the audit trail
        audit.record(
            "search_synonym",
            word,
            "update",
            None if row is None else {"synonyms": row.synonyms},
            {"synonyms": joined},
            actor,
        )
        if row is None:
            return SearchSynonym.create(term=word, synonyms=joined)
        row.synonyms = joined
        row.version += 1
        row.updated_at = clock.now()
        row.save()
        return row

    return write(save)


def synonyms_seen() -> tuple[tuple[str, int], ...]:
    """Each synonym row's word and version: what an editor showed, to know at saving whether
    someone else changed the words meanwhile."""
    rows: Any = (
        SearchSynonym.select(SearchSynonym.term, SearchSynonym.version)
        .order_by(SearchSynonym.term)
        .tuples()
    )
    return tuple((str(term), int(version)) for term, version in rows)


def replace_synonyms(
    rows: list[tuple[str, list[str]]],
    seen: tuple[tuple[str, int], ...] | None = None,
    *,
    actor: StaffUser | None,
) -> None:
    """The whole synonym table as an editor shows it, saved in one write: all of it or none.

    With `seen` (synonyms_seen() when the editor was filled), a change someone else saved in
    between is a ConflictError, not silently overwritten."""

    permissions.require(actor, permissions.KNOWLEDGE_EDIT)
    kept = {clean_text(term, 100).lower() for term, _others in rows} - {""}

    def save() -> None:
        if seen is not None and synonyms_seen() != seen:
            raise ConflictError(
                _(
                    "Someone else changed the words while you were editing them. Your lines are "
                    "still here: copy what you need, then close and open the list again."
                )
            )
        for term, others in rows:
            if clean_text(term, 100):
                save_synonyms(term, others, actor=actor)
        for term, _version in synonyms_seen():
            if term not in kept:
                delete_synonyms(term, actor=actor)

    write(save)


def delete_synonyms(term: str, *, actor: StaffUser | None) -> None:
    permissions.require(actor, permissions.KNOWLEDGE_EDIT)

    def save() -> None:
        audit.record("search_synonym", term.lower(), "delete", {"term": term.lower()}, None, actor)
        SearchSynonym.delete().where(SearchSynonym.term == term.lower()).execute()

    write(save)


# -- call scripts -----------------------------------------------------------------------------


def call_script(service_type_id: int, language: str | None = None) -> list[dict[str, Any]]:
    """The steps for a request type: [{"ask": ..., "if_yes": ..., "urgent": bool}], in order;
    worded in `language` where the script has that translation (the English otherwise)."""
    row = CallScript.get_or_none(CallScript.service_type == service_type_id)
    if row is None:
        return []
    return languages.script_steps(row, language) if language else list(row.steps)


def call_script_version(service_type_id: int) -> int:
    """The version of a type's call script (0: it has none yet)."""
    row = CallScript.get_or_none(CallScript.service_type == service_type_id)
    return int(row.version) if row else 0


def save_call_script(
    service_type_id: int,
    steps: list[dict[str, Any]],
    actor: StaffUser | None,
    *,
    expected_version: int | None = None,
) -> CallScript:
    """Replace a type's call script (supervisors edit these). With `expected_version` (what
    the editor showed), saving over someone else's newer script is a ConflictError."""

    permissions.require(actor, permissions.KNOWLEDGE_EDIT)
    cleaned = []
    for step in steps:
        ask = clean_text(str(step.get("ask", "")), MAX_TITLE)
        if not ask:
            continue
        cleaned.append(
            {
                "ask": ask,
                "if_yes": clean_text(str(step.get("if_yes", "")), 2000),
                "urgent": bool(step.get("urgent", False)),
            }
        )

    def save() -> CallScript:
        if ServiceType.get_or_none(ServiceType.id == service_type_id) is None:
            raise NotFound(_("That request type is no longer in the catalog."))
        row = CallScript.get_or_none(CallScript.service_type == service_type_id)
        current = int(row.version) if row else 0
        if expected_version is not None and current != expected_version:
            raise ConflictError(
                _(
                    "Someone else changed this call script while you were editing it. Your "
                    "steps are still here: copy what you need, then choose the type again."
                )
            )
        audit.record(
            "call_script",
            service_type_id,
            "update",
            None if row is None else {"steps": row.steps},
            {"steps": cleaned},
            actor,
        )
        if row is None:
            return CallScript.create(service_type=service_type_id, steps=cleaned, updated_by=actor)
        row.steps = cleaned
        row.updated_by = actor
        row.version += 1
        row.updated_at = clock.now()
        row.save()
        return row

    return write(save)


# -- promotion from a request -----------------------------------------------------------------


def draft_from_request(number_or_id: str | int) -> tuple[ArticleDraft, int]:
    """A new article drafted from a closed request's description and resolution notes."""

    text = str(number_or_id).strip()
    query = ServiceRequest.select()
    if text.isdigit():
        request = query.where(ServiceRequest.id == int(text)).first()
    else:
        request = query.where(ServiceRequest.tracking_number == text).first()
    if request is None:
        raise NotFound(_("There is no request “{number}”.").format(number=text))
    if request.status not in ("resolved", "closed"):
        raise InputError(
            _("Request {number} is not closed yet; promote its resolution once it is.").format(
                number=request.tracking_number
            )
        )
    notes = [
        e.body
        for e in RequestEvent.select()
        .where(
            RequestEvent.request == request.id,
            RequestEvent.kind.in_(["note", "public_update"]),
            RequestEvent.body != "",
        )
        .order_by(RequestEvent.at)
    ]
    answer = "\n\n".join([*notes, request.status_notes] if request.status_notes else notes)
    service_type = request.service_type
    draft = ArticleDraft(
        title=clean_text(request.description.split("\n")[0], 200) or service_type.name,
        body=answer,
        keywords=", ".join(service_type.keyword_list()[:5]),
        department=request.department.code,
        types=[service_type.code],
    )
    return draft, request.id


# -- the starter knowledge base ---------------------------------------------------------------


def starter_knowledge() -> Any:
    return load_json(*STARTER_KNOWLEDGE)


def seed_starter_knowledge(*, only_if_empty: bool = False) -> int:
    """Add the starter articles, synonyms and call scripts. Runs inside a write transaction.

    Returns the number of articles added (0 when `only_if_empty` and the town has some).
    """
    if only_if_empty and FaqArticle.select().exists():
        return 0
    data = starter_knowledge()
    today = clock.today()
    departments = {d.code: d.id for d in Department.select(Department.id, Department.code)}
    types = {t.code: t.id for t in ServiceType.select(ServiceType.id, ServiceType.code)}
    now = clock.now()
    add_missing_starter_synonyms_and_scripts(data)
    added = 0
    for item in data.get("articles", []):
        article = FaqArticle.create(
            title=item["title"],
            body=item["body"],
            keywords=", ".join(item.get("keywords", [])),
            department=departments.get(item.get("department", "")),
            audience=item.get("audience", "public"),
            review_by=today + dt.timedelta(days=30 * int(item.get("review_months", REVIEW_MONTHS))),
            created_at=now,
            updated_at=now,
        )
        links = [types[c] for c in item.get("types", []) if c in types]
        record_starter_article(article, links, now)
        added += 1
    return added


def record_starter_article(article: FaqArticle, type_ids: list[int], now: dt.datetime) -> None:
    """A starter article just made: its request types and its first version in its history.
    Runs inside a write transaction."""
    if type_ids:
        FaqArticleType.insert_many(
            [{"article": article.id, "service_type": t} for t in type_ids]
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


def add_missing_starter_synonyms_and_scripts(data: dict[str, Any] | None = None) -> None:
    """The starter's synonyms and call scripts that the town does not have yet: a town that
    has edited its own keeps them as they are (a schema upgrade brings it newer starter ones).
    Runs inside a write transaction."""
    data = starter_knowledge() if data is None else data
    for item in data.get("synonyms", []):
        term = str(item["term"]).lower()
        if not SearchSynonym.select().where(SearchSynonym.term == term).exists():
            SearchSynonym.create(term=term, synonyms=", ".join(item["synonyms"]))
    types = {t.code: t.id for t in ServiceType.select(ServiceType.id, ServiceType.code)}
    scripted = {row.service_type_id for row in CallScript.select(CallScript.service_type)}
    for code, steps in data.get("call_scripts", {}).items():
        if code in types and types[code] not in scripted:
            CallScript.create(service_type=types[code], steps=steps)


def add_v2_article_columns(db: peewee.Database) -> None:
    """Schema version 2: FaqArticle's owner, review_by and source_request (migration step)."""

    present = {c.name for c in db.get_columns(FaqArticle._meta.table_name)}
    from playhouse.migrate import SchemaMigrator, migrate  # upgrades only (it loads psycopg2)

    migrator = SchemaMigrator.from_database(db)
    table = FaqArticle._meta.table_name
    steps = [
        migrator.add_column(table, f.column_name, f)
        for f in (FaqArticle.owner, FaqArticle.review_by, FaqArticle.source_request)
        if f.column_name not in present
    ]
    if steps:
        migrate(*steps)
