"""Triage: from the caller's own words, the request types and FAQ articles most likely meant.

Types are scored on their name, keywords and description (words rarer across the catalog count
more, whole keyword phrases count extra) and on what the town's own history taught: every
request saved with a type adds its words to that type (`learn_from_request`), and a word counts
for a type in proportion to how much more often that type's requests use it than requests in
general, so street names and "please send someone" teach nothing. Articles come from the
knowledge-base search; an article tied to a well-ranked type moves up, and a type tied to a
well-matched article moves up, so the clerk sees both together.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop import i18n
from desktop.i18n import _
from desktop.models.knowledge import search as kb_search
from desktop.models.knowledge import text as kb_text
from desktop.models.storage import fast_sql
from desktop.models.storage.db import execute, write
from desktop.models.storage.schema import (
    FaqArticleType,
    ServiceRequest,
    ServiceType,
    TriageTerm,
    TriageTypeCount,
    rows_of,
)
from desktop.models.town import languages

NAME_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
KEYWORD_PHRASE_WEIGHT = 1.2  # a word of a longer keyword ("blocked" of "blocked driveway")
GROUP_WEIGHT = 0.5
DESCRIPTION_WEIGHT = 0.6
PHRASE_BONUS = 1.5  # per word of a keyword phrase found among the caller's words
PHRASES_COUNTED = 2  # the type's best phrases that earn the bonus
GENERIC_WEIGHT = 0.35  # "street", "house", "front": said in every kind of call
LEARNED_WEIGHT = 6.0
ARTICLE_TO_TYPE = 0.35  # share of a matched article's (relative) score given to its types
TYPE_TO_ARTICLE = 0.25
MAX_TERM = 40
RELEARN_BATCH = 20_000
PRIOR_REQUESTS = 20  # a young town's first requests still teach something


@dataclass(frozen=True)
class _TypeEntry:
    id: int
    code: str
    name: str
    weights: dict[str, float]
    fields: dict[str, str]  # stem -> where it was found ("name", "keywords"...)
    phrases: list[tuple[str, ...]]


@dataclass(frozen=True)
class _Catalog:
    entries: list[_TypeEntry]
    idf: dict[str, float]
    links: dict[int, list[int]]  # article id -> related type ids


_cache: dict[str, Any] = {"key": None, "catalog": None}


def _weigh(
    words: tuple[str, str, str, list[str]],
    stems: Callable[[str], list[str]],
    weights: dict[str, float],
    where: dict[str, str],
) -> set[tuple[str, ...]]:
    """A type's (name, group, description, keywords) as weighted stems, added to `weights` (each
    stem at its best weight, `where` saying from which field); the phrases to match whole."""
    name, group, description, keywords = words
    single = [k for k in keywords if len(stems(k)) == 1]
    longer = [k for k in keywords if len(stems(k)) > 1]
    for text, weight, label in (
        (description, DESCRIPTION_WEIGHT, "description"),
        (group, GROUP_WEIGHT, "group"),
        *((k, KEYWORD_PHRASE_WEIGHT, "keywords") for k in longer),
        *((k, KEYWORD_WEIGHT, "keywords") for k in single),
        (name, NAME_WEIGHT, "name"),
    ):
        for stem in stems(text):
            if weight > weights.get(stem, 0.0):
                weights[stem], where[stem] = weight, label
    return {tuple(stems(k)) for k in [*longer, name]}


def _type_entry(service_type: ServiceType) -> _TypeEntry:
    """What one request type's name, keywords and description say, as weighted stems: in
    English, and in Spanish from the type's Spanish words under Spanish stems ("es:...")."""
    weights: dict[str, float] = {}
    where: dict[str, str] = {}
    english = (
        service_type.name,
        service_type.group_name,
        service_type.description,
        service_type.keyword_list(),
    )
    phrases = _weigh(english, kb_text.stems, weights, where)
    for language in languages.OTHER_LANGUAGES:
        words = languages.words_in(service_type, language)
        if words:
            said = (
                str(words.get("name", "")),
                str(words.get("group", "")),
                str(words.get("description", "")),
                languages.type_keywords(service_type, language),
            )
            phrases |= _weigh(said, kb_text.spanish_stems, weights, where)
    return _TypeEntry(
        service_type.id,
        service_type.code,
        languages.type_text(service_type, "name", i18n.language()),  # as the clerk reads
        weights,
        where,
        sorted(p for p in phrases if len(p) >= 2),
    )


def _catalog() -> _Catalog:
    key = (*kb_search.stamps(ServiceType, FaqArticleType), i18n.language())
    if _cache["key"] == key:
        cached: _Catalog = _cache["catalog"]
        return cached
    entries = [
        _type_entry(t)
        for t in ServiceType.select().where(ServiceType.active == True)  # noqa: E712
    ]
    document_frequency: Counter[str] = Counter()
    for entry in entries:
        document_frequency.update(entry.weights)
    count = max(len(entries), 1)
    idf = {stem: math.log(1 + count / df) for stem, df in document_frequency.items()}
    links: dict[int, list[int]] = {}
    for article_id, type_id in rows_of(
        FaqArticleType.select(FaqArticleType.article, FaqArticleType.service_type)
    ):
        links.setdefault(article_id, []).append(type_id)
    built = _Catalog(entries, idf, links)
    _cache.update(key=key, catalog=built)
    return built


# -- learning ---------------------------------------------------------------------------------


def learned_terms(text: str) -> set[str]:
    """The stems a request's description teaches: content words, no numbers."""
    return {s for s in kb_text.stems(text) if s.isalpha() and 2 < len(s) <= MAX_TERM}


def learn_from_request(service_type_id: int, text: str) -> None:
    """Teach triage that `text` belongs to this type. Call inside the request's write."""
    learn_terms(service_type_id, learned_terms(text))


def learn_terms(service_type_id: int, terms: set[str]) -> None:
    """`learn_from_request` with the terms found beforehand (outside the write lock)."""
    fast_sql.execute(_COUNT_REQUEST, (service_type_id,))
    if terms:
        fast_sql.execute_many(_COUNT_TERM, [(service_type_id, t) for t in sorted(terms)])


# inside every save's write lock: written once (fast_sql.py)
_COUNT_REQUEST = (
    'INSERT INTO "triage_type_count" ("service_type_id", "requests") VALUES (?, 1) '
    'ON CONFLICT ("service_type_id") DO UPDATE SET '
    '"requests" = "triage_type_count"."requests" + 1'
)
_COUNT_TERM = (
    'INSERT INTO "triage_term" ("service_type_id", "term", "count") VALUES (?, ?, 1) '
    'ON CONFLICT ("term", "service_type_id") DO UPDATE SET "count" = "triage_term"."count" + 1'
)


def relearn_all() -> dict[str, int]:
    """Forget what was learned and learn again from every saved request (demo data, imports).

    Reads in pages outside any transaction, then replaces the learned tables in one write.
    """

    terms: Counter[tuple[int, str]] = Counter()
    per_type: Counter[int] = Counter()
    last_id = 0
    while True:
        page = rows_of(
            ServiceRequest.select(
                ServiceRequest.id, ServiceRequest.service_type, ServiceRequest.description
            )
            .where(ServiceRequest.id > last_id)
            .order_by(ServiceRequest.id)
            .limit(RELEARN_BATCH)
        )
        if not page:
            break
        seen: dict[str, set[str]] = {}
        for _request_id, type_id, description in page:
            per_type[type_id] += 1
            if description not in seen:  # demo and real data repeat sentences a great deal
                seen[description] = learned_terms(description)
            for term in seen[description]:
                terms[(type_id, term)] += 1
        last_id = page[-1][0]

    replace_learned(terms, per_type)
    return {"requests": sum(per_type.values()), "terms": len(terms)}


def replace_learned(terms: Counter[tuple[int, str]], per_type: Counter[int]) -> None:
    """Forget what was learned and keep these counts instead, in one write: how many requests
    of each type (`per_type`) and of each type had each term (`terms`, (type id, term))."""

    def save() -> None:
        TriageTerm.delete().execute()
        TriageTypeCount.delete().execute()
        rows = [{"service_type": t, "term": w, "count": c} for (t, w), c in terms.items()]
        for start in range(0, len(rows), 2000):
            TriageTerm.insert_many(rows[start : start + 2000]).execute()
        if per_type:
            TriageTypeCount.insert_many(
                [{"service_type": t, "requests": n} for t, n in per_type.items()]
            ).execute()

    write(save)


def _learned_scores(stems: dict[str, float]) -> dict[int, list[tuple[str, float, int]]]:
    """Per type, the words history ties to it: (word, contribution, how many requests)."""
    if not stems:
        return {}
    # plain SQL: these two run on every keystroke at the counter, and building them with the
    # query builder took longer than running them
    db = TriageTerm._meta.database.obj
    counts, terms = TriageTypeCount._meta.table_name, TriageTerm._meta.table_name
    per_type: dict[int, int] = {
        int(type_id): int(n)
        for type_id, n in execute(db, f'SELECT service_type_id, requests FROM "{counts}"')  # noqa: S608
    }
    total = sum(per_type.values())
    if not total:
        return {}
    wanted = list(stems)[:64]
    marks = ", ".join([db.param] * len(wanted))
    rows = execute(
        db,
        f'SELECT service_type_id, term, "count" FROM "{terms}" WHERE term IN ({marks})',  # noqa: S608
        wanted,
    ).fetchall()
    by_term: dict[str, list[tuple[int, int]]] = {}
    for type_id, term, count in rows:
        by_term.setdefault(term, []).append((type_id, count))
    result: dict[int, list[tuple[str, float, int]]] = {}
    for term, counts in by_term.items():
        background = sum(c for _t, c in counts) / (total + PRIOR_REQUESTS)
        for type_id, count in counts:
            size = per_type.get(type_id, 0)
            if not size or count < 2:
                continue
            share = count / size
            lift = share / background
            if lift <= 1.5:
                continue
            confidence = min(1.0, count / 5)
            value = stems[term] * min(share, 1.0) * math.log(lift) * confidence * LEARNED_WEIGHT
            value = min(value, LEARNED_WEIGHT)
            result.setdefault(type_id, []).append((term, value, count))
    return result


# -- ranking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeSuggestion:
    id: int
    code: str
    name: str
    score: float
    matched: list[str] = field(default_factory=list)  # the caller's words that matched it
    learned: list[tuple[str, int]] = field(default_factory=list)  # (word, past requests)


@dataclass(frozen=True)
class TriageResult:
    types: list[TypeSuggestion]
    articles: list[kb_search.ArticleHit]
    explanation: str
    synonyms_used: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The fixed shape `frontcounter triage --json` prints (other tools read it)."""
        return {
            "types": [{"code": t.code, "name": t.name, "score": t.score} for t in self.types],
            "faq": [{"id": a.id, "title": a.title, "score": a.score} for a in self.articles],
        }


def triage(text: str, limit: int = 5, *, prefix_last: bool = False) -> TriageResult:
    """Request types and articles for the caller's words, best first, with the why."""
    limit = max(1, min(int(limit), 50))
    query = kb_search.read_query(text)
    if query.empty:
        return TriageResult([], [], "")
    catalog = _catalog()
    spanish = query.spanish_weights()
    generic = kb_text.generic_stems() if spanish else kb_text.GENERIC_STEMS
    weights = {
        stem: weight * (GENERIC_WEIGHT if stem in generic else 1.0)
        for stem, weight in {**query.stem_weights(), **spanish}.items()
    }
    meanings = {**query.stem_meanings(), **query.spanish_meanings()}
    said = [*query.stems, *query.spanish_stems()]
    scores: dict[int, float] = {}
    matched: dict[int, list[str]] = {}
    for entry in catalog.entries:
        best: dict[int, float] = {}  # each thing the caller said counts once, at its best word
        words = []
        for stem, qweight in weights.items():
            weight = entry.weights.get(stem)
            if weight:
                meaning = meanings.get(stem, -1)
                value = qweight * weight * catalog.idf.get(stem, 1.0)
                best[meaning] = max(best.get(meaning, 0.0), value)
                words.append(stem)
        score = sum(best.values())
        if len(words) >= 2:
            score += _phrase_bonus(entry.phrases, weights, said)
        if score:
            scores[entry.id], matched[entry.id] = score, words
    learned = _learned_scores(weights)
    for type_id, parts in learned.items():
        scores[type_id] = scores.get(type_id, 0.0) + sum(v for _w, v, _c in parts)
    articles = kb_search.search_articles(
        text, max(limit * 3, 12), prefix_last=prefix_last, query=query, snippets=False
    )
    best_article = articles[0].score if articles else 0.0
    best_type = max(scores.values(), default=0.0)
    for article in articles[:5] if best_article > 0 else []:
        for type_id in catalog.links.get(article.id, []):
            if type_id in scores or best_type == 0.0:
                share = ARTICLE_TO_TYPE * (article.score / best_article) * max(best_type, 4.0)
                scores[type_id] = scores.get(type_id, 0.0) + share * 0.5
    ranked_types = sorted(scores.items(), key=lambda pair: -pair[1])[:limit]
    top_types = {type_id for type_id, _s in ranked_types[:3]}
    best_type = ranked_types[0][1] if ranked_types else 0.0
    rescored = []
    for article in articles:
        boost = 0.0
        related = catalog.links.get(article.id, [])
        if related and best_article > 0:
            near = max((scores.get(t, 0.0) for t in related if t in top_types), default=0.0)
            boost = TYPE_TO_ARTICLE * best_article * (near / best_type if best_type else 0.0)
        rescored.append((article.score + boost, article))
    rescored.sort(key=lambda pair: -pair[0])
    final_articles = [
        kb_search.ArticleHit(a.id, a.title, round(score, 4), a.marked_snippet, a.audience)
        for score, a in rescored[:limit]
    ]
    by_id = {e.id: e for e in catalog.entries}
    types = [
        TypeSuggestion(
            type_id,
            by_id[type_id].code,
            by_id[type_id].name,
            round(score, 4),
            matched.get(type_id, []),
            [(w, c) for w, _v, c in sorted(learned.get(type_id, []), key=lambda p: -p[1])],
        )
        for type_id, score in ranked_types
        if type_id in by_id
    ]
    return TriageResult(
        types, final_articles, _explain(types, final_articles, query), query.expanded
    )


def _phrase_bonus(
    phrases: list[tuple[str, ...]], weights: dict[str, float], said: list[str]
) -> float:
    """Extra for words of one keyword phrase said together ("dead" and "tree", not "dead"
    alone): more the more of the phrase was said, most when in the phrase's order."""
    bonuses = []
    for phrase in phrases:
        found = [s for s in phrase if s in weights]
        if len(found) < 2:
            continue
        share = len(found) / len(phrase)
        strength = sum(min(weights[s], 1.0) for s in found)
        order = 1.25 if len(found) == len(phrase) and _in_order(said, phrase) else 1.0
        bonuses.append(PHRASE_BONUS * strength * share * order)
    bonuses.sort(reverse=True)
    return sum(bonuses[:PHRASES_COUNTED])


def _in_order(stems: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's words appear in the caller's words in order, close together."""
    position = -1
    for word in phrase:
        try:
            found = stems.index(word, position + 1)
        except ValueError:
            return False
        if position >= 0 and found - position > 3:
            return False
        position = found
    return True


def _quoted(words: list[str]) -> str:
    return ", ".join(f"“{w}”" for w in words)


def _as_said(query: kb_search.Query, stem: str) -> str:
    """One matched stem as the caller said it (`_as_said_all`); the stem's own word when it is
    neither theirs nor a synonym's."""
    return next(iter(_as_said_all(query, [stem])), f"“{query.said(stem)}”")


def _as_said_all(query: kb_search.Query, stems: list[str]) -> list[str]:
    """The caller's words behind these stems, each once, its synonyms read together:
    "“tote” (read as “bin”, “cart”)"; the explanation never claims the caller said a word they
    did not."""
    own: dict[str, list[str]] = {}
    for stem in stems:
        word = next((w for w in query.own_words if kb_text.stem(w) == stem), None)
        if word is not None:
            own.setdefault(word, [])
            continue
        for said, added in query.expanded:
            if stem in {kb_text.stem(w) for w in kb_text.tokens(added)}:
                own.setdefault(said, [])
                if added not in own[said]:
                    own[said].append(added)
                break
    shown = []
    for said, added_words in own.items():
        read_as = ", ".join(f"“{w}”" for w in added_words)
        shown.append(
            _("“{said}” (read as {added})").format(said=said, added=read_as)
            if added_words
            else f"“{said}”"
        )
    return shown


def _explain(
    types: list[TypeSuggestion], articles: list[kb_search.ArticleHit], query: kb_search.Query
) -> str:
    """One or two sentences a supervisor understands: why the first type and article lead."""
    parts = []
    if types:
        top = types[0]
        reasons = []
        if top.matched:
            words = _as_said_all(query, top.matched)
            reasons.append(
                _("the caller's words {words} match its name or keywords").format(
                    words=", ".join(words[:4])
                )
            )
        if top.learned:
            word, count = top.learned[0]
            reasons.append(
                _("{count} earlier requests of this type also said {word}").format(
                    count=f"{count:,}", word=_as_said(query, word)
                )
            )
        if not reasons:
            reasons.append(_("a matching article is tied to it"))
        parts.append(
            _("“{name}” comes first because {reasons}.").format(
                name=top.name, reasons=_(" and ").join(reasons)
            )
        )
    if articles:
        parts.append(
            _("The article “{title}” matches the most of the caller's words.").format(
                title=articles[0].title
            )
        )
    if query.expanded:
        said, added = query.expanded[0]
        parts.append(
            _("“{said}” was also searched as “{added}” (a synonym).").format(said=said, added=added)
        )
    return " ".join(parts)


def suggest_service_types(text: str, limit: int = 5) -> list[tuple[ServiceType, float]]:
    """The ranked types as ServiceType rows (what intake.suggest_types returns)."""
    found = triage(text, limit).types
    rows = {t.id: t for t in ServiceType.select().where(ServiceType.id.in_([s.id for s in found]))}
    return [(rows[s.id], s.score) for s in found if s.id in rows]
