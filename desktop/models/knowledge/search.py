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
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import peewee
from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField

from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.models.knowledge import text as kb_text
from desktop.models.storage.db import execute
from desktop.models.storage.schema import FaqArticle, SearchSynonym, ServiceType, rows_of
from desktop.models.text_clean import as_typed

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
class Phrase:
    """A word or phrase of a synonym row: how it is matched, and the words it adds."""

    key: tuple[str, ...]  # its stems, small words kept ("no plates", not just "plates")
    words: tuple[str, ...]  # its meaningful words, as written
    stems: tuple[str, ...]  # their stems
    written: str
    size: int = 1  # how many words it has, small ones too ("closing time": 2)


@dataclass(frozen=True)
class Lexicon:
    """What the search knows about words: the vocabulary to mend typos, the words articles and
    request types use, and the town's synonym rows (indexed by the first word of each phrase)."""

    vocabulary: kb_text.Vocabulary
    synonyms: list[tuple[Phrase | None, list[Phrase]]]  # (the row's word, its synonyms)
    content: frozenset[str]  # the stems that articles and request types use
    starts: dict[str, list[tuple[int, Phrase]]]  # first stem of a key -> (row, phrase)
    #: the words only the Spanish articles and the types' Spanish words use, and the words the
    #: English ones use: they tell a sentence's language when its small words do not ("bache")
    spanish_only: frozenset[str] = frozenset()
    english: frozenset[str] = frozenset()


_cache: dict[str, Any] = {"key": None, "lexicon": None}


def stamps(*models: Any) -> tuple[Any, ...]:
    """How many rows each table has and when one last changed, in one small query: what the
    caches here compare to know whether to build again."""
    db = FaqArticle._meta.database.obj
    parts = []
    for model in models:
        table = model._meta.table_name  # our own table names, never user text
        parts.append(f"(SELECT COUNT(1) FROM {table})")  # noqa: S608
        if "updated_at" in model._meta.fields:
            parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
        else:
            parts.append(f"(SELECT MAX(id) FROM {table})")  # noqa: S608
    row = execute(db, "SELECT " + ", ".join(parts)).fetchone()
    return (id(db), *tuple(row or ()))


def _signature() -> tuple[Any, ...]:
    return stamps(FaqArticle, SearchSynonym, ServiceType)


def synonym_groups() -> list[list[str]]:
    """Each synonym row as [its word or phrase, then the words or phrases that mean the same]."""
    groups = []
    for row in SearchSynonym.select().order_by(SearchSynonym.term):
        words = [row.term.lower(), *(w.strip().lower() for w in row.synonyms.split(","))]
        groups.append([w for w in dict.fromkeys(words) if w])
    return groups


def _phrase(text: str) -> Phrase | None:
    key = tuple(kb_text.phrase_stems(text))
    words = tuple(kb_text.content_tokens(text))
    small_words_only = not words or not any(kb_text.is_content(k) for k in key)
    if not key or (small_words_only and len(key) < 3):
        return None  # "my rights" would match every "right"
    # three small words or more ("who do I call") are matched as the whole sequence only: as
    # a synonym they add their row's word, and say nothing themselves
    stems = tuple(kb_text.stem(w) for w in words)
    return Phrase(key, words, stems, text, len(kb_text.tokens(text)))


def lexicon() -> Lexicon:
    """The current lexicon, rebuilt only when articles, synonyms or types have changed."""
    key = _signature()
    if _cache["key"] == key:
        cached: Lexicon = _cache["lexicon"]
        return cached
    texts: list[str] = []
    spanish: list[str] = []
    english: list[str] = []
    for title, keywords, body, language in rows_of(
        FaqArticle.select(
            FaqArticle.title, FaqArticle.keywords, FaqArticle.body, FaqArticle.language
        )
    ):
        texts += [title, keywords, body]
        (english if language == "en" else spanish).extend([title, keywords])
    for name, keywords, description, translations in rows_of(
        ServiceType.select(
            ServiceType.name,
            ServiceType.keywords,
            ServiceType.description,
            ServiceType.translations,
        )
    ):
        texts += [name, keywords, description]
        english += [name, keywords, description]
        for words in _json_dict(translations).values():  # a type's words in Spanish
            if isinstance(words, dict):
                said = [str(words.get(k, "")) for k in ("name", "keywords", "description")]
                texts += said
                spanish += said
    content = frozenset(s for text in texts for s in kb_text.stems(text))
    groups = synonym_groups()
    rows: list[tuple[Phrase | None, list[Phrase]]] = []
    starts: dict[str, list[tuple[int, Phrase]]] = {}
    for group in groups:
        term, *others = [_phrase(text) for text in group]
        synonyms = [p for p in others if p is not None]
        for phrase in [term, *synonyms] if term else synonyms:
            starts.setdefault(phrase.key[0], []).append((len(rows), phrase))
        rows.append((term, synonyms))
    vocabulary = kb_text.Vocabulary.of([*texts, *(", ".join(group) for group in groups)])
    english_words = frozenset(w for text in english for w in kb_text.tokens(text))
    spanish_only = frozenset(
        w for text in spanish for w in kb_text.tokens(text) if w not in english_words
    )
    built = Lexicon(vocabulary, rows, content, starts, spanish_only, english_words)
    _cache.update(key=key, lexicon=built)
    return built


def _json_dict(value: Any) -> dict[str, Any]:
    """A JSON column read with rows_of (text) or through the model (a dict)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Query:
    """A caller's sentence read for searching: weighted words and their stems."""

    words: list[tuple[str, float]]  # mended words, then the synonyms added, with weights
    stems: list[str]  # the stems of the mended words, in the caller's order
    expanded: list[tuple[str, str]]  # (what the caller said, the synonym added)
    own: int = 0  # how many of `words` (the first ones) are the caller's own
    #: word -> which of the caller's words it stands for (synonyms share their word's number),
    #: so that five ways of saying "cart" count once
    meaning: dict[str, int] = field(default_factory=dict)
    #: the caller's language as the words say it: "en", "es" or "both" (text.guess_language)
    language: str = "en"

    @property
    def own_words(self) -> list[str]:
        return [w for w, _wt in self.words[: self.own]]

    def said(self, stem: str) -> str:
        """The caller's word (or the added synonym) behind a stem, for explanations."""
        return next((w for w, _wt in self.words if kb_text.stem(w) == stem), stem)

    @property
    def empty(self) -> bool:
        return not self.words

    def stem_weights(self) -> dict[str, float]:
        return self._weights(kb_text.stem)

    def stem_meanings(self) -> dict[str, int]:
        """Each stem's meaning number (see `meaning`): the one of its weightiest word."""
        return self._meanings(kb_text.stem)

    def spanish_stems(self) -> list[str]:
        """The stems Spanish gives the caller's own words, in order ("es:recog"); none for a
        sentence in English."""
        if self.language == "en":
            return []
        return [kb_text.spanish_stem(w) for w in self.own_words]

    def spanish_weights(self) -> dict[str, float]:
        """`stem_weights` in Spanish: every word (the synonyms added too) by its Spanish stem."""
        return {} if self.language == "en" else self._weights(kb_text.spanish_stem)

    def spanish_meanings(self) -> dict[str, int]:
        return {} if self.language == "en" else self._meanings(kb_text.spanish_stem)

    def _weights(self, stem: Callable[[str], str]) -> dict[str, float]:
        weights: dict[str, float] = {}
        for word, weight in self.words:
            key = stem(word)
            weights[key] = max(weights.get(key, 0.0), weight)
        return weights

    def _meanings(self, stem: Callable[[str], str]) -> dict[str, int]:
        best: dict[str, tuple[float, int]] = {}
        for number, (word, weight) in enumerate(self.words):
            key = stem(word)
            meaning = self.meaning.get(word, len(self.words) + number)
            if key not in best or weight > best[key][0]:
                best[key] = (weight, meaning)
        return {key: meaning for key, (_weight, meaning) in best.items()}


#: how much a word added from a synonym row counts beside the caller's own words: the row's
#: word when the caller said one of its synonyms, and each synonym when the caller said the word
SYNONYM_WEIGHT = 0.8
WIDENED_WEIGHT = 0.6


def read_query(text: str) -> Query:
    """Cut, mend and widen what was typed. Never raises, whatever the text.

    Street names and house numbers are left out ("Pine Street" says where, not what), names
    written with a capital are not mended into other words, and the town's synonym rows widen
    the words: a synonym the caller said adds its row's word ("pitbull" adds "dog"), and the
    row's word adds each synonym ("garbage" adds "trash"). Only words that articles or request
    types use are added: any other word would find nothing.
    """
    text = as_typed(text)
    found = lexicon()
    names = kb_text.proper_names(text)
    said = kb_text.phrase_tokens(kb_text.strip_addresses(text))
    language = _language(kb_text.tokens(text), found)
    every = kb_text.mend(said, found.vocabulary, names, spanish=language != "en")
    sequence = [kb_text.stem(w) for w, _wt in every]
    mended = [(w, wt) for w, wt in every if kb_text.is_content(w)]
    stems = [kb_text.stem(w) for w, _wt in mended]
    # the caller's word each position of `sequence` belongs to (the next meaningful one)
    owner, number = [], len(mended)
    for word, _wt in reversed(every):
        number -= kb_text.is_content(word)
        owner.append(number)
    owner.reverse()
    meaning: dict[str, int] = {}
    for number, (word, _wt) in enumerate(mended):
        meaning.setdefault(word, number)
    words = list(mended)
    expanded: list[tuple[str, str]] = []
    hits: dict[tuple[int, Phrase], int] = {}
    for position, stem in enumerate(sequence):
        for row, phrase in found.starts.get(stem, ()):
            if tuple(sequence[position : position + len(phrase.key)]) == phrase.key:
                hits.setdefault((row, phrase), owner[position])
    added: set[tuple[int, str]] = set()
    for (row, phrase), said_at in hits.items():
        term, synonyms = found.synonyms[row]
        if phrase == term:
            # a word the articles use already finds them: it adds only other single words
            # for the same thing ("trash": "garbage"), not the longer ways residents describe it
            widens_all = not all(s in found.content for s in term.stems)
            wider = [(p, WIDENED_WEIGHT) for p in synonyms if widens_all or p.size == 1]
        else:
            wider = [(term, SYNONYM_WEIGHT)] if term else []
        for other, weight in wider:
            if (row, other.written) in added or _contains(stems, other.stems):
                continue
            if not all(s in found.content for s in other.stems):
                continue
            added.add((row, other.written))
            expanded.append((phrase.written, other.written))
            words += [(w, weight) for w in other.words]
            for w in other.words:
                meaning.setdefault(w, said_at)
    unique: dict[str, float] = {}
    for word, weight in words:
        unique[word] = max(unique.get(word, 0.0), weight)
    kept = list(unique.items())[:MAX_QUERY_TERMS]
    own = len({w for w, _wt in mended} & {w for w, _wt in kept})
    return Query(kept, stems, expanded, own, meaning, language)


def _language(words: list[str], found: Lexicon) -> str:
    """ "en", "es" or "both": by the small words (text.guess_language), else by whether a word
    is one only the Spanish articles and types use ("bache") or all are English ("trash")."""
    guessed = kb_text.guess_language(words)
    if guessed != "both":
        return guessed
    meant = [w for w in words if kb_text.is_content(w)]
    if any(w in found.spanish_only for w in meant):
        return "es"
    if meant and all(w in found.english for w in meant):
        return "en"
    return "both"


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
    audience: str = "public"  # public | staff (a staff-only article is never read to a caller)

    @property
    def snippet(self) -> str:
        """The snippet as plain text, matched words in [brackets]."""
        return self.marked_snippet.replace(MARK_START, "[").replace(MARK_END, "]")

    @property
    def snippet_html(self) -> str:
        escaped = html.escape(self.marked_snippet, quote=False)
        return escaped.replace(MARK_START, "<b>").replace(MARK_END, "</b>")

    @property
    def staff_only(self) -> bool:
        return self.audience == "staff"


#: how much the caller's own words count in an article's score; the rest comes from the same
#: search widened with synonyms, so a synonym finds an article but the caller's words lead
OWN_WORDS_SHARE = 0.6
SNIPPET_WORDS = 18
_Found = list[tuple[int, float]]  # (article id, score), best first


def search_articles(
    text: str,
    limit: int = 10,
    *,
    prefix_last: bool = False,
    query: Query | None = None,
    snippets: bool = True,
) -> list[ArticleHit]:
    """Active articles for what was typed, best first. `prefix_last` treats the last word as
    unfinished (search as you type). Titles and snippets have the town's placeholders filled
    in (before the matched words are marked); `snippets=False` leaves snippets empty."""
    limit = max(1, min(int(limit), 200))
    query = query or read_query(text)
    if query.empty:
        return []
    words = [w for w, _wt in query.words]
    own = query.own_words
    last = own[-1] if own and prefix_last and text and not text[-1].isspace() else None
    sqlite = is_sqlite(FaqArticle._meta.database)
    spanish = _spanish_prefixes(query)
    # an English sentence finds the English articles; Spanish (or a sentence that does not say)
    # finds both, the Spanish ones by their stems as well
    languages = ("en",) if query.language == "en" else ()

    def search(terms: list[str], prefix: str | None, count: int) -> _Found:
        if sqlite:
            return _search_sqlite(terms, prefix, count, spanish, languages)
        return _search_postgres(terms, prefix, count, bool(spanish), languages)

    if not own or own == words:
        found = search(words, last, limit)
    else:
        pool = max(limit * 2, 20)
        widened = dict(search(words, last, pool))
        mine = dict(search(own, last, pool))
        scores = {
            article_id: OWN_WORDS_SHARE * mine.get(article_id, 0.0)
            + (1 - OWN_WORDS_SHARE) * widened.get(article_id, 0.0)
            for article_id in widened.keys() | mine.keys()
        }
        found = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    return _hits(found, query, last, snippets)


#: a Spanish stem shorter than this is searched as the word itself ("pas*" would find too much)
MIN_SPANISH_PREFIX = 4


def _spanish_prefixes(query: Query) -> list[str]:
    """The caller's Spanish stems, for a search by prefix ("recog" finds "recogen",
    "recogida", "recogieron"): what SQLite's English (Porter) index cannot do for Spanish."""
    found = []
    for key in query.spanish_stems():
        bare = key[len(kb_text.SPANISH) :]
        if len(bare) >= MIN_SPANISH_PREFIX and bare.isalpha():
            found.append(bare)
    return list(dict.fromkeys(found))


def _hits(found: _Found, query: Query, prefix: str | None, snippets: bool) -> list[ArticleHit]:
    """The articles found, with their titles, audiences and (filled-in) snippets."""
    if not found:
        return []

    ids = [article_id for article_id, _score in found]
    columns = [FaqArticle.id, FaqArticle.title, FaqArticle.audience]
    if snippets:
        columns.append(FaqArticle.body)
    rows = {
        row[0]: row for row in rows_of(FaqArticle.select(*columns).where(FaqArticle.id.in_(ids)))
    }
    # the town's values are read only when something shows a placeholder
    needed = snippets or any("{" in str(row[1]) for row in rows.values())
    known = kb_placeholders.values() if needed else {}
    stems = {kb_text.stem(w) for w, _wt in query.words}
    hits = []
    for article_id, score in found:
        row = rows.get(article_id)
        if row is None:
            continue
        snippet = make_snippet(row[3], stems, prefix, known) if snippets else ""
        title = kb_placeholders.render(row[1], known)
        hits.append(ArticleHit(article_id, title, round(score, 4), snippet, str(row[2])))
    return hits


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def make_snippet(
    body: str, stems: set[str], prefix: str | None = None, known: dict[str, str] | None = None
) -> str:
    """About SNIPPET_WORDS words of the body around the most matched words, the matches between
    MARK_START and MARK_END. Placeholders are filled in first, so a match is never marked inside
    a placeholder's name, and an unfilled one reads "[to fill in: ...]"."""

    text, blanks = "", []
    for piece, unfilled in kb_placeholders.render_parts(body[: kb_text.MAX_CHARS * 5], known):
        if unfilled:
            blanks.append((len(text), len(text) + len(piece)))
        text += piece
    text = text.replace(MARK_START, " ").replace(MARK_END, " ")  # only our marks mark words
    spans = [m.span() for m in _TOKEN.finditer(text)]
    if blanks:  # a "[to fill in: ...]" marker counts as one word: never cut, never marked
        spans = sorted(
            [span for span in spans if not any(a <= span[0] < b for a, b in blanks)] + blanks
        )
    if not spans:
        return ""

    def matched(start: int, end: int) -> bool:
        if blanks and (start, end) in blanks:
            return False
        word = text[start:end].lower()
        if "'" in word or "’" in word:
            word = word.replace("’", "'")
            word = (word[:-2] if word.endswith("'s") else word).replace("'", "")
        return kb_text.stem(word) in stems or bool(prefix and word.startswith(prefix))

    marks = [matched(*span) for span in spans]
    width = min(SNIPPET_WORDS, len(spans))
    best = window = sum(marks[:width])
    first = 0
    for start in range(1, len(spans) - width + 1):  # the window of `width` words with most marks
        window += marks[start + width - 1] - marks[start - 1]
        if window > best:
            best, first = window, start
    last = first + width - 1
    pieces = ["…" if first else ""]
    cursor = spans[first][0]
    for (start, end), hit in zip(spans[first : last + 1], marks[first : last + 1], strict=True):
        pieces.append(text[cursor:start])
        pieces.append(f"{MARK_START}{text[start:end]}{MARK_END}" if hit else text[start:end])
        cursor = end
    if last < len(spans) - 1:
        pieces.append("…")
    return " ".join("".join(pieces).split())


def match_expression(
    words: list[str], prefix: str | None = None, prefixes: list[str] | tuple[str, ...] = ()
) -> str:
    """An FTS5 MATCH string: each word quoted (it holds only letters and digits), OR'ed; each
    of `prefixes` (Spanish stems) matches any word it begins."""
    parts = []
    for word in words:
        for piece in kb_text.tokens(word):  # letters and digits only: nothing FTS5 could parse
            parts.append(f'"{piece}"*' if piece == prefix and len(piece) >= 2 else f'"{piece}"')
    for stem in prefixes:
        for piece in kb_text.tokens(stem):
            parts.append(f'"{piece}"*')
    return " OR ".join(dict.fromkeys(parts))


def _search_sqlite(
    words: list[str],
    prefix: str | None,
    limit: int,
    prefixes: list[str] | tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
) -> _Found:
    expression = match_expression(words, prefix, prefixes)
    if not expression:
        return []
    db = FaqArticle._meta.database.obj
    only = f" AND a.language IN ({', '.join('?' * len(languages))})" if languages else ""
    rows = execute(
        db,
        "SELECT f.rowid, -bm25(faq_fts, ?, ?, ?) AS score "  # noqa: S608 (marks only)
        "FROM faq_fts AS f JOIN faq_article AS a ON a.id = f.rowid "
        f"WHERE faq_fts MATCH ? AND a.active = 1{only} "
        "ORDER BY bm25(faq_fts, ?, ?, ?) LIMIT ?",
        (
            WEIGHTS["title"],
            WEIGHTS["keywords"],
            WEIGHTS["body"],
            expression,
            *languages,
            WEIGHTS["title"],
            WEIGHTS["keywords"],
            WEIGHTS["body"],
            limit,
        ),
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]


def tsquery_expression(words: list[str], prefix: str | None = None) -> str:
    """A to_tsquery string: each word quoted (letters and digits only), OR'ed."""
    parts = []
    for word in words:
        for piece in kb_text.tokens(word):
            quoted = f"'{piece}'"
            parts.append(f"{quoted}:*" if piece == prefix else quoted)
    return " | ".join(dict.fromkeys(parts))


#: PostgreSQL's side of text.fold: accents and ñ dropped ("daño" is found by "dano")
_FOLD = "translate({column}, 'áéíóúüñÁÉÍÓÚÜÑàèìòùÀÈÌÒÙ', 'aeiouunAEIOUUNaeiouAEIOU')"


def _search_postgres(
    words: list[str],
    prefix: str | None,
    limit: int,
    spanish: bool = False,
    languages: tuple[str, ...] = (),
) -> _Found:
    expression = tsquery_expression(words, prefix)
    if not expression:
        return []
    db = FaqArticle._meta.database.obj
    only = f" AND a.language IN ({', '.join(['%s'] * len(languages))})" if languages else ""
    if spanish:
        # PostgreSQL's own Spanish stemming beside its English: an article read both ways
        query = "to_tsquery('english', %s) || to_tsquery('spanish', %s)"
        # the caller's words come without accents (text.fold): so does the article's side
        doc = " || ".join(
            f"setweight(to_tsvector('{config}', {_FOLD.format(column=column)}), '{weight}')"
            for column, weight in (("a.title", "A"), ("a.keywords", "B"), ("a.body", "D"))
            for config in ("english", "spanish")
        )
        said: tuple[Any, ...] = (expression, expression)
    else:
        query = "to_tsquery('english', %s)"
        doc = (
            "setweight(to_tsvector('english', a.title), 'A') || "
            "setweight(to_tsvector('english', a.keywords), 'B') || "
            "setweight(to_tsvector('english', a.body), 'D')"
        )
        said = (expression,)
    rows = execute(
        db,
        f"WITH q AS (SELECT {query} AS query), "  # noqa: S608 (our own SQL; values are params)
        f"docs AS (SELECT a.id, {doc} AS doc "
        f"FROM faq_article AS a WHERE a.active{only}) "
        "SELECT d.id, ts_rank('{0.1, 0.0, 0.5, 1.0}', d.doc, q.query) * 10 AS score "
        "FROM docs AS d, q WHERE d.doc @@ q.query ORDER BY score DESC, d.id LIMIT %s",
        (*said, *languages, limit),
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]


def rebuild() -> None:
    """Index every article again (after a bulk load with the triggers off). Call in a write."""
    db = FaqArticle._meta.database.obj
    if is_sqlite(db):
        execute(db, "INSERT INTO faq_fts(faq_fts) VALUES ('rebuild')")
