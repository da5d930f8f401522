"""Words out of what a caller said: tokens, a light stemmer, stop words, typo and split-word repair.

Shared by the knowledge-base search and triage so both read a sentence the same way. Nothing here
touches the database; every function takes any text (markup, control characters, 10 KB of it)
and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

#: at most this much of a text is read (a pasted letter is still answered quickly)
MAX_CHARS = 4000
MAX_TOKENS = 80

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "do",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "hadn",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "like",
        "ll",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "need",
        "needs",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "please",
        "re",
        "really",
        "s",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "t",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "want",
        "wants",
        "was",
        "wasn",
        "way",
        "we",
        "were",
        "weren",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "won",
        "would",
        "wouldn",
        "you",
        "your",
        "yours",
        "yourself",
        "ve",
        "d",
        "m",
        "o",
        "y",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "yes",
        "ok",
        "okay",
        "um",
        "uh",
        "well",
        "still",
        "ago",
        "im",
        "ive",
        "id",
        "dont",
        "cant",
        "wont",
        "isnt",
        "doesnt",
        "didnt",
        "theres",
        "thats",
        "whats",
        "calling",
        "call",
        "called",
        "know",
        "think",
        "thought",
        "tell",
        "told",
        "going",
        "go",
        "gone",
        "goes",
        "see",
        "saw",
        "looks",
        "look",
        "someone",
        "somebody",
        "something",
        "anyone",
        "anything",
        "one",
        "two",
        "three",
        "since",
        "last",
        "yesterday",
        "today",
        "tomorrow",
        "morning",
        "night",
        "week",
        "weeks",
        "day",
        "days",
        "month",
        "months",
        "year",
        "years",
        "time",
        "times",
        "lot",
        "lots",
        "again",
        "keep",
        "keeps",
        "kept",
        "sure",
        "right",
        "left",
        "ask",
        "asking",
        "wondering",
        "hoping",
        "guess",
        "mean",
    ]
)


def normalize(text: str) -> str:
    """Lower-case NFKC text with control characters turned into spaces, cut to MAX_CHARS."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS]
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).lower()


def tokens(text: str) -> list[str]:
    """The words of `text`, lower-case, apostrophes dropped ("wasn't" -> "wasnt")."""
    found = []
    for match in _WORD.finditer(normalize(text)):
        word = match.group()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        found.append(word.replace("'", "").replace("’", ""))
        if len(found) >= MAX_TOKENS:
            break
    return found


def content_tokens(text: str) -> list[str]:
    """The words that carry meaning: no stop words, no bare numbers, at least two letters."""
    return [w for w in tokens(text) if w not in STOP_WORDS and len(w) > 1 and not w.isdigit()]


def stem(word: str) -> str:
    """A light English stemmer: plurals and -ing/-ed endings, a final e. Both sides of every
    comparison go through it, so it only has to be consistent, not grammatical."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ves") and len(word) > 5:
        word = word[:-3] + "f"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("y") and len(word) > 3 and word[-2] not in "aeiou":
        word = word[:-1] + "i"
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in content_tokens(text)]


def sound_key(word: str) -> str:
    """A rough key that misspellings of one word share ("garbadge", "garbage"; "streetlite",
    "streetlight"): common spellings of a sound folded, doubled letters and vowels dropped."""
    key = word.lower()
    for old, new in (
        ("ght", "t"),
        ("ph", "f"),
        ("ck", "k"),
        ("dge", "g"),
        ("dg", "g"),
        ("c", "k"),
        ("z", "s"),
        ("q", "k"),
        ("wh", "w"),
    ):
        key = key.replace(old, new)
    folded = key[:1] + re.sub(r"[aeiouyhw]", "", key[1:])
    return re.sub(r"(.)\1+", r"\1", folded)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or limit + 1 when above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


@dataclass
class Vocabulary:
    """The words the knowledge base and the catalog know, for mending what a caller typed."""

    words: dict[str, int] = field(default_factory=dict)  # word -> how often it is used
    by_sound: dict[str, list[str]] = field(default_factory=dict)
    by_start: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Iterable[str]) -> Vocabulary:
        vocabulary = cls()
        for text in texts:
            for word in tokens(text):
                if len(word) > 2 and word.isalpha() and word not in STOP_WORDS:
                    vocabulary.words[word] = vocabulary.words.get(word, 0) + 1
        for word in vocabulary.words:
            vocabulary.by_sound.setdefault(sound_key(word), []).append(word)
            vocabulary.by_start.setdefault(word[:1], []).append(word)
        return vocabulary

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def correct(self, word: str) -> str | None:
        """The known word the caller most likely meant, or None when nothing is close."""
        if len(word) < 5 or not word.isalpha() or word in self.words:
            return None  # a short unknown word is more often a name than a typo
        limit = 1 if len(word) < 7 else 2
        best: tuple[int, int, str] | None = None
        if len(word) >= 7:  # a word that sounds the same ("streetlite") may be further off
            for candidate in self.by_sound.get(sound_key(word), []):
                distance = edit_distance(word, candidate, limit + 1)
                if distance <= limit + 1:
                    score = (distance - 1, -self.words[candidate], candidate)
                    best = score if best is None or score < best else best
        for candidate in self.by_start.get(word[:1], []):
            if abs(len(candidate) - len(word)) > limit:
                continue
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                score = (distance, -self.words[candidate], candidate)
                best = score if best is None or score < best else best
        return best[2] if best else None

    def split(self, word: str) -> list[str] | None:
        """Two known words run together ("dogbarking" -> "dog", "barking"), or None."""
        if len(word) < 6 or word in self.words:
            return None
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if left in self.words and right in self.words:
                return [left, right]
        return None


def mend(words: list[str], vocabulary: Vocabulary) -> list[tuple[str, float]]:
    """The caller's words with typos mended, split words joined and joined words split.

    Each word comes with a weight: 1.0 as typed or joined, a little less when guessed.
    """
    result: list[tuple[str, float]] = []
    skip_next = False
    for index, word in enumerate(words):
        if skip_next:
            skip_next = False
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        joined = word + following
        if (
            following
            and joined in vocabulary
            and (word not in vocabulary or following not in vocabulary)
        ):
            result.append((joined, 1.0))  # "pot hole" -> "pothole"
            skip_next = True
            continue
        if following and joined not in vocabulary and len(joined) >= 7:
            fixed = vocabulary.correct(joined)
            if fixed and (word not in vocabulary or following not in vocabulary):
                result.append((fixed, 0.9))  # "street lite" -> "streetlight"
                skip_next = True
                continue
        if word in vocabulary or word in STOP_WORDS or not word.isalpha():
            result.append((word, 1.0))
            if following and joined in vocabulary:
                result.append((joined, 0.6))  # "street light" also finds "streetlight"
            continue
        fixed = vocabulary.correct(word)
        if fixed:
            result.append((fixed, 0.85))
            continue
        parts = vocabulary.split(word)
        if parts:
            result.extend((part, 0.9) for part in parts)
            continue
        result.append((word, 1.0))
    return result
