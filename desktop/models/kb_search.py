"""Searching the knowledge base: full-text search weighted title > keywords > body, with
highlighted snippets, synonyms, typo and split-word repair.

On SQLite the index is an FTS5 table (peewee's FTS5Model over `faq_article`, kept current by
triggers, Porter stemming). On PostgreSQL the same search runs on PostgreSQL's own full-text
search (weighted tsvectors, ts_rank, ts_headline). Either way the clerk's text never reaches
MATCH or to_tsquery as typed: it is cut into words of letters and digits, mended against the
knowledge base's own vocabulary, widened by the town's synonyms, and each word is quoted.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, ClassVar

import peewee
from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField

from desktop.models import kb_text
from desktop.models.db import execute
from desktop.models.schema import FaqArticle, SearchSynonym, ServiceType

#: bm25 weights of the indexed columns: a word in the title counts most, then keywords, then body
WEIGHTS = {"title": 10.0, "keywords": 5.0, "body": 1.0}
MAX_QUERY_TERMS = 32
#: marks around the matched words inside a snippet (turned into [ ] or <b> </b> on the way out)
MARK_START, MARK_END = "\x02", "\x03"


class FaqSearch(FTS5Model):
    """The FTS5 index of FAQ articles (SQLite only; not in MODELS, made by create_search_tables)."""

    rowid = RowIDField()
    title = SearchField()
    keywords = SearchField()
    body = SearchField()

    class Meta:
        database = FaqArticle._meta.database
        table_name = "faq_fts"
        options: ClassVar[dict[str, str]] = {
            "content": "faq_article",
            "content_rowid": "id",
            "tokenize": "porter unicode61 remove_diacritics 2",
            "prefix": "2 3",
        }


_TRIGGERS = {
    "faq_fts_insert": """CREATE TRIGGER IF NOT EXISTS faq_fts_insert AFTER INSERT ON faq_article
        BEGIN
        INSERT INTO faq_fts(rowid, title, keywords, body)
        VALUES (new.id, new.title, new.keywords, new.body);
        END""",
    "faq_fts_delete": """CREATE TRIGGER IF NOT EXISTS faq_fts_delete AFTER DELETE ON faq_article
        BEGIN
        INSERT INTO faq_fts(faq_fts, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
        END""",
    "faq_fts_update": """CREATE TRIGGER IF NOT EXISTS faq_fts_update
        AFTER UPDATE OF title, keywords, body ON faq_article BEGIN
        INSERT INTO faq_fts(faq_fts, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
        INSERT INTO faq_fts(rowid, title, keywords, body)
        VALUES (new.id, new.title, new.keywords, new.body);
        END""",
}


def rows_of(query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as plain tuples (peewee's stubs type `.tuples()` rows as models)."""
    return [tuple(row) for row in query.tuples()]


def is_sqlite(db: Any) -> bool:
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    return isinstance(db, peewee.SqliteDatabase)


def create_search_tables(db: peewee.Database) -> None:
    """Create the FTS5 index (filled from the articles) and its triggers if any is missing.

    Derived data: a copy that lost it gets it back when next opened for writing. Call in a write.
    On PostgreSQL there is nothing to create: the search reads the articles' tsvectors directly.
    """
    if not is_sqlite(db):
        return
    present = {
        row[0]
        for row in execute(db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    }
    if "faq_fts" in present and all(name in present for name in _TRIGGERS):
        return
    missing_index = "faq_fts" not in present
    FaqSearch.create_table(safe=True)
    for statement in _TRIGGERS.values():
        execute(db, statement)
    if missing_index:
        execute(db, "INSERT INTO faq_fts(faq_fts) VALUES ('rebuild')")


# -- reading a query --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """What the search knows about words: the vocabulary to mend typos, and synonym groups."""

    vocabulary: kb_text.Vocabulary
    synonyms: list[list[tuple[str, ...]]]  # each group: its phrases, as stem tuples
    phrases: dict[tuple[str, ...], str]  # a stem phrase -> its words as written


_cache: dict[str, Any] = {"key": None, "lexicon": None}


def _signature() -> tuple[Any, ...]:
    db = FaqArticle._meta.database.obj

    def stamp(model: Any) -> tuple[Any, ...]:
        return rows_of(model.select(peewee.fn.COUNT(1), peewee.fn.MAX(model.updated_at)))[0]

    return (id(db), stamp(FaqArticle), stamp(SearchSynonym), stamp(ServiceType))


def synonym_groups() -> list[list[str]]:
    """Each synonym row as one group of words or phrases that mean the same thing."""
    groups = []
    for row in SearchSynonym.select().order_by(SearchSynonym.term):
        words = [row.term.lower(), *(w.strip().lower() for w in row.synonyms.split(","))]
        groups.append([w for w in dict.fromkeys(words) if w])
    return groups


def lexicon() -> Lexicon:
    """The current lexicon, rebuilt only when articles, synonyms or types have changed."""
    key = _signature()
    if _cache["key"] == key:
        cached: Lexicon = _cache["lexicon"]
        return cached
    texts: list[str] = []
    for title, keywords, body in rows_of(
        FaqArticle.select(FaqArticle.title, FaqArticle.keywords, FaqArticle.body)
    ):
        texts += [title, keywords, body]
    for name, keywords, description in rows_of(
        ServiceType.select(ServiceType.name, ServiceType.keywords, ServiceType.description)
    ):
        texts += [name, keywords, description]
    groups = synonym_groups()
    texts += [", ".join(group) for group in groups]
    stem_groups = []
    phrases: dict[tuple[str, ...], str] = {}
    for group in groups:
        members = []
        for phrase in group:
            stems = tuple(kb_text.stems(phrase))
            if stems:
                members.append(stems)
                phrases[stems] = phrase
        stem_groups.append(members)
    built = Lexicon(kb_text.Vocabulary.of(texts), stem_groups, phrases)
    _cache.update(key=key, lexicon=built)
    return built


@dataclass(frozen=True)
class Query:
    """A caller's sentence read for searching: weighted words and their stems."""

    words: list[tuple[str, float]]  # mended words and synonyms, with weights
    stems: list[str]  # the stems of the mended words, in the caller's order
    expanded: list[tuple[str, str]]  # (what the caller said, the synonym added)

    def said(self, stem: str) -> str:
        """The caller's word (or the added synonym) behind a stem, for explanations."""
        return next((w for w, _wt in self.words if kb_text.stem(w) == stem), stem)

    @property
    def empty(self) -> bool:
        return not self.words

    def stem_weights(self) -> dict[str, float]:
        weights: dict[str, float] = {}
        for word, weight in self.words:
            key = kb_text.stem(word)
            weights[key] = max(weights.get(key, 0.0), weight)
        return weights


def read_query(text: str) -> Query:
    """Cut, mend and widen what was typed. Never raises, whatever the text."""
    found = lexicon()
    mended = kb_text.mend(kb_text.content_tokens(text), found.vocabulary)
    mended = [(w, wt) for w, wt in mended if w not in kb_text.STOP_WORDS]
    stems = [kb_text.stem(w) for w, _wt in mended]
    words = list(mended)
    expanded: list[tuple[str, str]] = []
    for group in found.synonyms:
        hit = next((p for p in group if _contains(stems, p)), None)
        if hit is None:
            continue
        for phrase in group:
            if phrase != hit and not _contains(stems, phrase):
                said = found.phrases.get(hit, " ".join(hit))
                added = found.phrases.get(phrase, " ".join(phrase))
                expanded.append((said, added))
                words += [(w, 0.8) for w in kb_text.content_tokens(added)]
    unique: dict[str, float] = {}
    for word, weight in words:
        unique[word] = max(unique.get(word, 0.0), weight)
    return Query(list(unique.items())[:MAX_QUERY_TERMS], stems, expanded)


def _contains(stems: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(stems[i : i + n]) == phrase for i in range(len(stems) - n + 1))


# -- searching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleHit:
    """One article found: its score (higher is better) and a snippet with the matches marked."""

    id: int
    title: str
    score: float
    marked_snippet: str  # matched words between MARK_START and MARK_END

    @property
    def snippet(self) -> str:
        """The snippet as plain text, matched words in [brackets]."""
        return self.marked_snippet.replace(MARK_START, "[").replace(MARK_END, "]")

    @property
    def snippet_html(self) -> str:
        escaped = html.escape(self.marked_snippet, quote=False)
        return escaped.replace(MARK_START, "<b>").replace(MARK_END, "</b>")


def search_articles(
    text: str, limit: int = 10, *, prefix_last: bool = False, query: Query | None = None
) -> list[ArticleHit]:
    """Active articles for what was typed, best first. `prefix_last` treats the last word as
    unfinished (search as you type)."""
    limit = max(1, min(int(limit), 200))
    query = query or read_query(text)
    if query.empty:
        return []
    words = [w for w, _wt in query.words]
    last = words[-1] if prefix_last and text and not text[-1].isspace() else None
    if is_sqlite(FaqArticle._meta.database):
        return _search_sqlite(words, last, limit)
    return _search_postgres(words, last, limit)


def match_expression(words: list[str], prefix: str | None = None) -> str:
    """An FTS5 MATCH string: each word quoted (it holds only letters and digits), OR'ed."""
    parts = []
    for word in words:
        for piece in kb_text.tokens(word):  # letters and digits only: nothing FTS5 could parse
            parts.append(f'"{piece}"*' if piece == prefix and len(piece) >= 2 else f'"{piece}"')
    return " OR ".join(dict.fromkeys(parts))


def _search_sqlite(words: list[str], prefix: str | None, limit: int) -> list[ArticleHit]:
    expression = match_expression(words, prefix)
    if not expression:
        return []
    db = FaqArticle._meta.database.obj
    rows = execute(
        db,
        "SELECT f.rowid, a.title, -bm25(faq_fts, ?, ?, ?) AS score, "
        "snippet(faq_fts, 2, ?, ?, '…', 18) "
        "FROM faq_fts AS f JOIN faq_article AS a ON a.id = f.rowid "
        "WHERE faq_fts MATCH ? AND a.active = 1 "
        "ORDER BY bm25(faq_fts, ?, ?, ?) LIMIT ?",
        (
            WEIGHTS["title"],
            WEIGHTS["keywords"],
            WEIGHTS["body"],
            MARK_START,
            MARK_END,
            expression,
            WEIGHTS["title"],
            WEIGHTS["keywords"],
            WEIGHTS["body"],
            limit,
        ),
    ).fetchall()
    return [ArticleHit(int(r[0]), r[1], round(float(r[2]), 4), r[3] or "") for r in rows]


def tsquery_expression(words: list[str], prefix: str | None = None) -> str:
    """A to_tsquery string: each word quoted (letters and digits only), OR'ed."""
    parts = []
    for word in words:
        for piece in kb_text.tokens(word):
            quoted = f"'{piece}'"
            parts.append(f"{quoted}:*" if piece == prefix else quoted)
    return " | ".join(dict.fromkeys(parts))


def _search_postgres(words: list[str], prefix: str | None, limit: int) -> list[ArticleHit]:
    expression = tsquery_expression(words, prefix)
    if not expression:
        return []
    db = FaqArticle._meta.database.obj
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=10"
    rows = execute(
        db,
        "WITH q AS (SELECT to_tsquery('english', %s) AS query), "
        "docs AS (SELECT a.id, a.title, a.body, "
        "setweight(to_tsvector('english', a.title), 'A') || "
        "setweight(to_tsvector('english', a.keywords), 'B') || "
        "setweight(to_tsvector('english', a.body), 'D') AS doc "
        "FROM faq_article AS a WHERE a.active) "
        "SELECT d.id, d.title, ts_rank('{0.1, 0.0, 0.5, 1.0}', d.doc, q.query) * 10 AS score, "
        "ts_headline('english', d.body, q.query, %s) "
        "FROM docs AS d, q WHERE d.doc @@ q.query ORDER BY score DESC, d.id LIMIT %s",
        (expression, options, limit),
    ).fetchall()
    return [ArticleHit(int(r[0]), r[1], round(float(r[2]), 4), r[3] or "") for r in rows]


def rebuild() -> None:
    """Index every article again (after a bulk load with the triggers off). Call in a write."""
    db = FaqArticle._meta.database.obj
    if is_sqlite(db):
        execute(db, "INSERT INTO faq_fts(faq_fts) VALUES ('rebuild')")
