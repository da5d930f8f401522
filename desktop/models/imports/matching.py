"""The source's words made the town's: request types, statuses, channels and departments.

A source's request type is the town's type of the same name or code, or the one whose keyword
it is, or the one triage ranks first by far for the type's own words ("Street Light or Lamp"
is the town's "Street light out"); the rest become types of their own in the group "Imported",
in the Town Clerk's department, not offered at the counter until an administrator says so.
Every choice is shown before anything is saved, and the clerk may change any of them.

A status is one of Front Counter's: open (acknowledged, assigned, in progress), or closed,
closed as a duplicate, closed as referred elsewhere (transferred), closed as withdrawn
(cancelled). An unknown word is read by whether the row has a closing time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.models.knowledge.triage import suggest_service_types
from desktop.models.storage.schema import Department, ServiceType, rows_of

#: the group of the request types an import had to make
IMPORTED_GROUP = "Imported"
#: the department those types go to, when the town has it (else its first)
IMPORTED_DEPARTMENT = "CLERK"
#: triage's first type is taken when it scores at least this, and well ahead of the second
TRIAGE_SURE = 8.0
TRIAGE_AHEAD = 2.0


@dataclass
class TypeChoice:
    source: str
    rows: int
    code: str | None  # None: a new type in the group Imported
    how: str

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "rows": self.rows, "code": self.code, "how": self.how}


def slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "_".join(words)[:40] or "imported"


def match_type(source: str, detail: str = "") -> tuple[str | None, str]:
    """The town's type for a source's type name (code, how), or (None, "new")."""
    wanted = source.strip()
    if not wanted:
        return None, "new"
    folded = wanted.casefold()
    for kind in ServiceType.select(ServiceType.code, ServiceType.name, ServiceType.keywords):
        if kind.name.casefold() == folded:
            return kind.code, "name"
        if kind.code.casefold() == folded or kind.code == slug(wanted):
            return kind.code, "code"
    for kind in ServiceType.select(ServiceType.code, ServiceType.name, ServiceType.group_name):
        if kind.group_name != IMPORTED_GROUP and similar_names(wanted, kind.name):
            return kind.code, "similar"
    for kind in ServiceType.select(ServiceType.code, ServiceType.keywords, ServiceType.group_name):
        if kind.group_name != IMPORTED_GROUP and folded in {
            k.casefold() for k in kind.keyword_list()
        }:
            return kind.code, "keyword"
    ranked = suggest_service_types(f"{wanted} {detail}".strip(), 2)
    ranked = [(t, s) for t, s in ranked if t.group_name != IMPORTED_GROUP]
    if ranked:
        first, score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= TRIAGE_SURE and score >= TRIAGE_AHEAD * second:
            return first.code, "triage"
    return None, "new"


_LITTLE = frozenset({"a", "an", "and", "the", "of", "or", "on", "in", "for", "to", "at", "by"})


def _name_words(name: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z]+", name.lower()) if w not in _LITTLE]
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def similar_names(theirs: str, ours: str) -> bool:
    """Whether two type names say the same in more or fewer words: "Street Light Outage" and
    "Street Light Out", "Illegal Dumping Pickup" and "Illegal Dumping". Every word of the
    shorter name (two words at least) begins a word of the longer, or is begun by one."""
    one, other = _name_words(theirs), _name_words(ours)
    shorter, longer = sorted((one, other), key=len)
    if len(shorter) < 2:
        return False
    return all(
        any(len(min(w, v, key=len)) >= 3 and (w.startswith(v) or v.startswith(w)) for v in longer)
        for w in shorter
    )


class ImportedTypes:
    """Makes the types an import needs that the town lacks (group Imported, inactive)."""

    def __init__(self, why: str) -> None:
        self.why = why
        self.codes = {code for (code,) in rows_of(ServiceType.select(ServiceType.code))}
        self.by_name: dict[str, str] = {
            name.casefold(): code
            for code, name in rows_of(
                ServiceType.select(ServiceType.code, ServiceType.name).where(
                    ServiceType.group_name == IMPORTED_GROUP
                )
            )
        }
        clerk = Department.get_or_none(Department.code == IMPORTED_DEPARTMENT)
        self.department = clerk or Department.select().order_by(Department.id).first()
        self.made: list[str] = []

    def code_for(self, name: str, source_code: str = "", *, save: bool = True) -> str | None:
        """The code of the Imported type named `name`, made when there is none yet."""
        label = (name or source_code).strip()[:200]
        if not label:
            return None
        known = self.by_name.get(label.casefold())
        if known is not None:
            return known
        if self.department is None:
            return None
        base = "imported_" + slug(label)
        code, n = base, 1
        while code in self.codes:
            n += 1
            code = f"{base}_{n}"
        if save:
            ServiceType.create(
                code=code,
                name=label,
                group_name=IMPORTED_GROUP,
                department=self.department,
                description=self.why.format(code=source_code or label),
                keywords=label.lower(),
                active=False,  # not offered at the counter until an administrator says so
            )
        self.codes.add(code)
        self.by_name[label.casefold()] = code
        self.made.append(code)
        return code


# ---- statuses ---------------------------------------------------------------------------

#: (Front Counter status, resolution) for what a source's status says; None: open or closed by
#: whether the row has a closing time
OPEN = ("acknowledged", None)
CLOSED = ("closed", "fixed")


def status_for(
    word: str, resolution_words: str = "", has_closed: bool = False
) -> tuple[str, str | None]:
    """(status, resolution) for a source's status word and its resolution words."""
    said = f" {_words(word)} "
    both = said + _words(resolution_words) + " "
    if " duplicat" in both or " dupe " in both:
        return "closed", "duplicate"
    for words, result in _STATUS_WORDS:
        if any(f" {w} " in said for w in words):
            if result[0] == "closed" and result[1] == "fixed":
                return "closed", closing_resolution(resolution_words)
            return result
    if has_closed:
        return "closed", closing_resolution(resolution_words)
    return OPEN


def closing_resolution(words: str) -> str:
    """The resolution a closed request's words name ("duplicate", "no action", ...)."""
    said = f" {_words(words)} "
    if " duplicat" in said or " dupe " in said:  # duplicate, duplicates, duplicated
        return "duplicate"
    for phrase, resolution in _RESOLUTION_WORDS:
        if f" {phrase} " in said:
            return resolution
    return "fixed"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


_STATUS_WORDS: tuple[tuple[tuple[str, ...], tuple[str, str | None]], ...] = (
    (
        ("cancelled", "canceled", "withdrawn", "void", "voided", "rejected", "invalid"),
        ("closed", "withdrawn"),
    ),
    (
        ("referred", "transferred", "forwarded", "referred out", "redirected"),
        ("closed", "referred"),
    ),
    (
        ("closed", "completed", "complete", "resolved", "done", "fixed", "archived", "finished"),
        CLOSED,
    ),
    (
        (
            "in progress",
            "started",
            "work in progress",
            "pending",
            "on hold",
            "email sent",
            "working",
            "under review",
            "investigating",
            "active",
        ),
        ("in_progress", None),
    ),
    (("scheduled",), ("scheduled", None)),
    (("assigned",), ("assigned", None)),
    (
        (
            "open",
            "new",
            "received",
            "submitted",
            "unassigned",
            "acknowledged",
            "reopened",
            "open unassigned",
        ),
        OPEN,
    ),
)

_RESOLUTION_WORDS: tuple[tuple[str, str], ...] = (
    ("no action", "no_action_needed"),
    ("nothing found", "could_not_locate"),
    ("could not locate", "could_not_locate"),
    ("unable to locate", "could_not_locate"),
    ("not found", "could_not_locate"),
    ("referred", "referred"),
    ("transferred", "referred"),
    ("not city", "not_town_responsibility"),
    ("not town", "not_town_responsibility"),
    ("private property", "not_town_responsibility"),
    ("withdrawn", "withdrawn"),
    ("cancelled", "withdrawn"),
    ("canceled", "withdrawn"),
)


# ---- channels and departments -----------------------------------------------------------

_CHANNEL_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("walk", "in person", "counter", "front desk"), "walk_in"),
    (("email", "e mail"), "email"),
    (("letter", "mail", "fax", "post"), "letter"),
    (("employee", "worker", "field", "crew", "inspector", "staff", "city worker"), "field"),
    (("call", "phone", "telephone", "voice", "hotline", "311"), "phone"),
    (
        (
            "web",
            "online",
            "self service",
            "app",
            "mobile",
            "internet",
            "portal",
            "twitter",
            "facebook",
            "social",
            "iphone",
            "android",
            "text",
            "sms",
            "citizens connect",
        ),
        "web",
    ),
    (("internal", "integration", "system", "maximo"), "internal"),
)


def channel_for(word: str) -> str:
    """The channel code for a source's "source" word (unknown: internal, from another system)."""
    said = f" {_words(word)} "
    for words, code in _CHANNEL_WORDS:
        if any(f" {w} " in said for w in words):
            return code
    return "internal"


class Departments:
    """The town's department for a source's agency, by code or name; None when none fits."""

    def __init__(self) -> None:
        self.by_word: dict[str, int] = {}
        for dept in Department.select(Department.id, Department.code, Department.name):
            self.by_word[dept.code.casefold()] = dept.id
            self.by_word[_words(dept.name)] = dept.id

    def find(self, word: str) -> int | None:
        if not word:
            return None
        return self.by_word.get(word.strip().casefold()) or self.by_word.get(_words(word))
