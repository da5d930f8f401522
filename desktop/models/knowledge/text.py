"""Words out of what a caller said: tokens, a light stemmer, stop words, typo and split-word repair.

Shared by the knowledge-base search and triage so both read a sentence the same way. Nothing here
touches the database; every function takes any text (markup, control characters, 10 KB of it)
and never raises.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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

#: Spanish words that carry no meaning of their own, accents dropped; none is also an English
#: word a caller means something by ("son", "van", "pie" are left out)
SPANISH_STOP_WORDS = frozenset(
    [
        "de",
        "la",
        "que",
        "el",
        "en",
        "y",
        "los",
        "del",
        "se",
        "las",
        "por",
        "un",
        "para",
        "con",
        "una",
        "su",
        "al",
        "lo",
        "como",
        "mas",
        "pero",
        "sus",
        "le",
        "ya",
        "o",
        "este",
        "esta",
        "esto",
        "ese",
        "esa",
        "eso",
        "estos",
        "estas",
        "esos",
        "esas",
        "aquel",
        "aquella",
        "porque",
        "entre",
        "cuando",
        "muy",
        "sin",
        "sobre",
        "tambien",
        "tampoco",
        "me",
        "hasta",
        "hay",
        "donde",
        "adonde",
        "quien",
        "quienes",
        "desde",
        "todo",
        "todos",
        "toda",
        "todas",
        "nos",
        "durante",
        "uno",
        "unos",
        "unas",
        "les",
        "ni",
        "contra",
        "otros",
        "otra",
        "otro",
        "otras",
        "ante",
        "ellos",
        "ellas",
        "mi",
        "mis",
        "tu",
        "tus",
        "te",
        "ti",
        "yo",
        "ella",
        "usted",
        "ustedes",
        "nosotros",
        "nosotras",
        "es",
        "estan",
        "estoy",
        "estamos",
        "estaba",
        "estaban",
        "estado",
        "estar",
        "fue",
        "fueron",
        "era",
        "eran",
        "ha",
        "han",
        "he",
        "hemos",
        "habia",
        "habian",
        "tengo",
        "tiene",
        "tienen",
        "tenemos",
        "tenia",
        "tenian",
        "hace",
        "hacen",
        "hizo",
        "hicieron",
        "puede",
        "pueden",
        "podria",
        "podrian",
        "quiero",
        "quisiera",
        "queria",
        "necesito",
        "necesitamos",
        "favor",
        "gracias",
        "hola",
        "buenos",
        "buenas",
        "dias",
        "tardes",
        "senor",
        "senora",
        "senorita",
        "alguien",
        "algo",
        "nada",
        "nadie",
        "aqui",
        "alli",
        "ahi",
        "aca",
        "alla",
        "asi",
        "cual",
        "cuales",
        "cuanto",
        "cuanta",
        "mucho",
        "mucha",
        "muchos",
        "muchas",
        "poco",
        "poca",
        "pocos",
        "pocas",
        "mismo",
        "misma",
        "cada",
        "todavia",
        "aun",
        "ahora",
        "hoy",
        "ayer",
        "si",
        "pues",
        "bueno",
        "entonces",
        "oiga",
        "mire",
        "disculpe",
        "llamo",
        "llamando",
        "para",
        "reportar",
        "quiero",
        "decir",
        "dice",
        "dicen",
        "voy",
        "vamos",
        "ser",
        "sido",
        "sea",
        "mio",
        "mia",
        "suyo",
        "suya",
        "cuyo",
        "etc",
    ]
)


#: the last word of a street's name ("Pine Street", "Cedar Hill Rd", "Oak Ln.")
STREET_SUFFIXES = (
    "street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl"
    "|circle|cir|terrace|ter|parkway|pkwy|highway|hwy|turnpike|tpke|trail|trl|square|sq"
    "|extension|ext|hill|heights"
)
#: capitalised words after "on" or "by" that are days and holidays, not streets
_WHEN = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may"
    "|june|july|august|september|october|november|december|christmas|thanksgiving|easter"
    "|memorial|labor|columbus|veterans|independence|halloween|new"
)
_NAME = r"[A-Z][a-z]+(?:['’]s)?"
_SUFFIX = rf"(?i:{STREET_SUFFIXES})\b\.?"
_NUMBERED = re.compile(
    # "12 Elm", "12 Elm St", "22 Cedar Hill Rd.": a house number and the street's name
    rf"\b\d+[A-Za-z]?\s+(?:{_NAME}\s+){{0,2}}(?:{_SUFFIX})?"
    # "Route 9", "Rte. 2", "I-95", "exit 4": numbered roads
    r"|\b(?i:route|rte|rt|highway|hwy|exit|interstate)\.?\s*\d+[A-Za-z]?\b|\bI-\d+\b"
)
_NAMED = re.compile(
    # "St. Mary's" (a church, a school)
    r"\b(?:St|Mt|Ft)\.?\s+[A-Z][a-z]+['’]s\b"
    # "on Elm", "at the Main", "on Cedar Hill Rd": a capitalised name after a place word
    rf"|\b(?:on|at|near|off|by|of|past|onto|and)\s+(?:the\s+)?(?!(?i:{_WHEN})\b)"
    rf"(?:{_NAME}\b\s*){{1,3}}(?:{_SUFFIX})?"
    # "Main and Broad", "Oak & 3rd": a corner
    rf"|\b{_NAME}\s+(?:and|&)\s+(?:{_NAME}|\d+(?:st|nd|rd|th))\b"
    # "Pine Street", "Cedar Hill Rd": names written with a capital, then a suffix
    rf"|\b(?:{_NAME}\s+){{1,3}}{_SUFFIX}"
)


def _mostly_capitals(text: str) -> bool:
    """Whether most words start with a capital (Title Case, CAPS LOCK): then a capital says
    nothing about a name."""
    words = [w.group() for w in _WORD.finditer(text) if w.group() != "I"]
    return not words or sum(w[:1].isupper() for w in words) * 2 > len(words)


def strip_addresses(text: str) -> str:
    """`text` without the street names and house numbers in it, so that "Pine Street" or "on
    Elm" (a tree) or "Water St" does not say what the caller's problem is. Only names written
    with a capital count, so a caller typing "the elm is dead" keeps the tree."""
    text = _NUMBERED.sub(" ", text[: MAX_CHARS * 2])
    return text if _mostly_capitals(text) else _NAMED.sub(" ", text)


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"“(]\s*)$")


def proper_names(text: str) -> set[str]:
    """The words written with a capital inside a sentence ("this is Linda", "call Mr Ruiz"),
    lower-cased: names, not typos, so they are never "mended" into a word the town uses.
    Nothing when the caller typed in capitals or in Title Case."""
    sample = text[:MAX_CHARS]
    if _mostly_capitals(sample):
        return set()
    found = set()
    for word in _WORD.finditer(sample):
        if not word.group()[:1].isupper() or word.group() == "I":
            continue
        if word.group().isupper() and len(word.group()) > 1:
            continue  # "DPW", "FOIA", "TV": abbreviations, read as written
        if not _SENTENCE_START.search(sample[: word.start()]):
            found.add(word.group().lower().replace("'", "").replace("’", ""))
    return found


def _words(text: str) -> frozenset[str]:
    """A word list written as one text (it reads better than a column of quoted words)."""
    return frozenset(text.split())


#: words said in every kind of call ("the street in front of my house"): they hardly tell
#: one request type from another, so triage counts them a third as much
GENERIC_WORDS = _words(
    "street streets road roads avenue lane house houses home homes front back town city"
    " area neighborhood neighbourhood block corner place side people person guy lady man"
    " woman neighbor neighbors neighbour neighbours big huge large little small old new bad"
    " good problem problems issue issues thing things stuff fix fixed fixing report reported"
    " request help property public private outside inside near next across everyone"
    " everywhere always never every removal remove repair repairs maintenance condition"
    " conditions service services complaint complaints concern"
)
#: the same in Spanish, accents dropped
SPANISH_GENERIC_WORDS = _words(
    "calle calles avenida casa casas hogar frente atras esquina cuadra barrio vecindario zona"
    " area lado ciudad pueblo municipio gente persona personas vecino vecinos vecina vecinas"
    " senor senora muchacho grande enorme chico chica pequeno pequena viejo vieja nuevo nueva"
    " malo mala problema problemas cosa cosas arreglar arreglen arreglo reparar reparacion"
    " reporte reportar reporto queja quejas servicio servicios ayuda cerca enfrente afuera"
    " adentro siempre nunca todo mantenimiento condicion"
)


def normalize(text: str) -> str:
    """Lower-case NFKC text with control characters turned into spaces, cut to MAX_CHARS."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])[:MAX_CHARS]
    if text.isprintable():  # nearly always: no control (or separator) characters to look for
        return text.lower()
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).lower()


@functools.lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """A word without its accents ("calefacción" -> "calefaccion", "baché" -> "bache", "año" ->
    "ano"): callers type Spanish with and without them, so both sides of every comparison
    drop them."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The words of `text`, lower-case, accents and apostrophes dropped ("wasn't" -> "wasnt")."""
    found = []
    for match in _WORD.finditer(normalize(text)):
        word = fold(match.group())
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        found.append(word.replace("'", "").replace("’", ""))
        if len(found) >= MAX_TOKENS:
            break
    return found


def content_tokens(text: str) -> list[str]:
    """The words that carry meaning: no stop words, no bare numbers, at least two letters."""
    return [w for w in tokens(text) if is_content(w)]


#: words the endings rule would make into another word ("parking" is not "park")
_SAME_STEM = {
    "parking": "parking",
    "parked": "parking",
    "parks": "park",
    "leaves": "leaf",
    "dumped": "dumping",  # someone dumped trash; "the dump" is the transfer station
    "dumping": "dumping",
    "openings": "opening",  # job openings are not "is it open?"
}


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light English stemmer: plurals and -ing/-ed endings, a final e. Both sides of every
    comparison go through it, so it only has to be consistent, not grammatical."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word in _SAME_STEM:
        return _SAME_STEM[word]
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


#: small words a phrase can do without: "the bulb is out" is "bulb out", "left in a car" is
#: "left in car"; but "no", "not", "out", "up", "in" keep their place ("no plates")
FILLER_WORDS = _words(
    "a an the my our your his her their its this that these those some is are was were be"
    " been being am has have had it there just"
)


def is_content(word: str) -> bool:
    """Whether a word carries meaning on its own (see content_tokens)."""
    return (
        word not in STOP_WORDS
        and word not in SPANISH_STOP_WORDS
        and len(word) > 1
        and not word.isdigit()
    )


def phrase_tokens(text: str) -> list[str]:
    """The words of `text` in order, small words like "the" and "is" left out, others kept."""
    return [w for w in tokens(text) if w not in FILLER_WORDS]


def phrase_stems(text: str) -> list[str]:
    """How a synonym phrase is matched: the stems of its words, filler left out."""
    return [stem(w) for w in phrase_tokens(text)]


# -- Spanish ---------------------------------------------------------------------------------

#: how a Spanish stem is written beside the English ones: its own namespace, so an English word
#: never meets a Spanish one that happens to stem the same ("cart", "carta")
SPANISH = "es:"
_snowball: dict[str, Any] = {}


@functools.lru_cache(maxsize=65_536)
def spanish_stem(word: str) -> str:
    """Snowball's Spanish stem of a word, marked as Spanish ("recogieron", "recogen" ->
    "es:recog"). Both sides of every Spanish comparison go through it."""
    stemmer = _snowball.get("es")
    if stemmer is None:
        import snowballstemmer  # noqa: PLC0415 (loaded at the first Spanish word)

        stemmer = _snowball.setdefault("es", snowballstemmer.stemmer("spanish"))
    if len(word) <= 3 or not word.isalpha():
        return SPANISH + word
    return SPANISH + str(stemmer.stemWord(word))


def spanish_stems(text: str) -> list[str]:
    return [spanish_stem(w) for w in content_tokens(text)]


#: words that say a sentence is Spanish, or English (accents dropped); "no", "a", "me" say
#: nothing, being both
_SPANISH_MARKS = frozenset(
    [
        "de",
        "la",
        "el",
        "los",
        "las",
        "que",
        "en",
        "del",
        "por",
        "para",
        "con",
        "una",
        "un",
        "mi",
        "mis",
        "hay",
        "esta",
        "estan",
        "se",
        "su",
        "sus",
        "al",
        "es",
        "muy",
        "pero",
        "porque",
        "como",
        "cuando",
        "donde",
        "tengo",
        "tiene",
        "tienen",
        "ya",
        "otra",
        "vez",
        "mucho",
        "nadie",
        "nada",
        "calle",
        "casa",
        "frente",
        "enfrente",
        "esquina",
        "cuadra",
    ]
)
_ENGLISH_MARKS = frozenset(
    [
        "the",
        "of",
        "my",
        "is",
        "are",
        "was",
        "were",
        "there",
        "it",
        "its",
        "this",
        "that",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "and",
        "have",
        "has",
        "been",
        "our",
        "their",
        "they",
        "we",
        "you",
        "your",
        "from",
        "by",
        "an",
        "be",
        "will",
        "would",
        "can",
        "could",
    ]
)


def guess_language(words: list[str]) -> str:
    """ "es" or "en" when a caller's words (tokens) say which, "both" when they do not (one word,
    a name, a mix as even as "el trash on Elm")."""
    spanish = sum(w in _SPANISH_MARKS for w in words)
    english = sum(w in _ENGLISH_MARKS for w in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return "both"


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC_WORDS)


@functools.cache
def generic_stems() -> frozenset[str]:
    """GENERIC_STEMS and their Spanish, made at the first Spanish word (Snowball loads all its
    languages on import: not at start-up, and never on a workstation that meets no Spanish)."""
    return GENERIC_STEMS | {spanish_stem(w) for w in SPANISH_GENERIC_WORDS}


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


#: letters Spanish writes for one sound, each way round ("vasura", "cazco", "yuvia", "jente")
_SAME_SOUND = (("v", "b"), ("b", "v"), ("z", "s"), ("s", "z"), ("ll", "y"), ("y", "ll"))
_SOFT: tuple[tuple[str, str], ...] = (
    ("ce", "se"),
    ("ci", "si"),
    ("se", "ce"),
    ("si", "ci"),
    ("ge", "je"),
    ("gi", "ji"),
)
_SOFT += (("je", "ge"), ("ji", "gi"), ("k", "qu"), ("qu", "k"))


def respellings(word: str) -> list[str]:
    """Ways a word would be written with one Spanish sound spelled otherwise, and with or
    without a silent h at its start ("vache" -> "bache", "ielo" -> "hielo", "oyo" -> "hoyo")."""
    found = []
    for old, new in (*_SAME_SOUND, *_SOFT):
        start = word.find(old)
        while start >= 0:
            found.append(word[:start] + new + word[start + len(old) :])
            start = word.find(old, start + 1)
    found.append(word[1:] if word.startswith("h") else "h" + word)
    return found


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

    def correct(self, word: str, *, spanish: bool = False) -> str | None:
        """The known word the caller most likely meant, or None when nothing is close. A
        Spanish (or undecided) sentence also tries Spanish respellings first."""
        if spanish and len(word) >= 4 and word.isalpha() and word not in self.words:
            for variant in respellings(word):
                if variant in self.words:
                    return variant  # "vasura" -> "basura": a sound spelled another way
        if len(word) < 5 or not word.isalpha() or word in self.words:
            return None  # a short unknown word is more often a name than a typo
        limit = 1 if len(word) < 7 else 2
        best: tuple[int, int, str] | None = None

        def plausible(candidate: str) -> bool:
            # "setting" is not a typo of "sitting": a short word must keep its first two letters
            return len(word) >= 8 or candidate[:2] == word[:2]

        if len(word) >= 7:  # a word that sounds the same ("streetlite") may be further off
            for candidate in filter(plausible, self.by_sound.get(sound_key(word), [])):
                distance = edit_distance(word, candidate, limit + 1)
                if distance <= limit + 1:
                    score = (distance - 1, -self.words[candidate], candidate)
                    best = score if best is None or score < best else best
        for candidate in self.by_start.get(word[:1], []):
            if abs(len(candidate) - len(word)) > limit or not plausible(candidate):
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


def mend(
    words: list[str],
    vocabulary: Vocabulary,
    names: set[str] | frozenset[str] = frozenset(),
    *,
    spanish: bool = False,
) -> list[tuple[str, float]]:
    """The caller's words with typos mended, split words joined and joined words split.

    Each word comes with a weight: 1.0 as typed or joined, a little less when guessed. Words in
    `names` (see proper_names) are kept as typed.
    """
    result: list[tuple[str, float]] = []
    skip_next = False
    for index, word in enumerate(words):
        if skip_next:
            skip_next = False
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if not is_content(following) or not is_content(word):
            following = ""  # "in" + "side" is not "inside": only meaningful words are joined
        joined = word + following
        known, following_known = word in vocabulary, following in vocabulary
        if following and joined in vocabulary and not (known and following_known):
            result.append((joined, 1.0))  # "pot hole" -> "pothole"
            skip_next = True
            continue
        if (
            following
            and joined not in vocabulary
            and len(joined) >= 7
            and not (known and following_known)
            and word not in names
            and following not in names
        ):
            fixed = vocabulary.correct(joined)
            if fixed:
                result.append((fixed, 0.9))  # "street lite" -> "streetlight"
                skip_next = True
                continue
        if known or word in STOP_WORDS or not word.isalpha() or word in names:
            if following and joined in vocabulary:
                # "side walk" is "sidewalk" said in two words: the joined word leads
                result += [(joined, 1.0), (word, 0.6), (following, 0.6)]
                skip_next = True
                continue
            result.append((word, 1.0))
            continue
        fixed = vocabulary.correct(word, spanish=spanish)
        if fixed:
            result.append((fixed, 0.85))
            continue
        parts = vocabulary.split(word)
        if parts:
            result.extend((part, 0.9) for part in parts)
            continue
        result.append((word, 1.0))
    return result
