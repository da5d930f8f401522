"""The blanks the town fills in once: {town}, {pickup_days}, {on_call_phone}... in the starter
articles and call scripts, so the words a clerk reads aloud are the town's own.

Five come from Settings (the town's name, phone, address, email and website); every other one is
kept in the database beside the settings (one row per name) and edited by supervisors in the
Knowledge base screen or with `frontcounter faq placeholders set NAME VALUE`. A placeholder
nobody has filled in yet is shown as a clear "[to fill in: ...]" marker, never as braces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import write
from desktop.models.storage.schema import (
    CallScript,
    FaqArticle,
    ServiceType,
    Setting,
    StaffUser,
    rows_of,
)
from desktop.models.text_clean import clean_text
from desktop.models.town.settings import all_settings

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")
KEY_PREFIX = "placeholder."
MAX_VALUE = 2000
#: placeholders whose value is a town setting (changed in Settings, not here)
FROM_SETTINGS = {
    "town": "town.name",
    "town_phone": "town.phone",
    "town_address": "town.address",
    "town_email": "town.email",
    "town_website": "town.website",
}


def names_in(text: str) -> list[str]:
    """The placeholders a text uses, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def stored_values() -> dict[str, str]:
    """The values supervisors have filled in (not the ones from Settings)."""
    rows = Setting.select(Setting.key, Setting.value).where(Setting.key.startswith(KEY_PREFIX))
    return {
        str(row.key)[len(KEY_PREFIX) :]: str(row.value)
        for row in rows
        if isinstance(row.value, str) and row.value.strip()
    }


def values() -> dict[str, str]:
    """Every placeholder with a value: the town settings and the stored ones."""
    town = all_settings()
    found = {name: str(town.get(key) or "") for name, key in FROM_SETTINGS.items()}
    found = {name: value for name, value in found.items() if value.strip()}
    return {**stored_values(), **found}


def unfilled_marker(name: str) -> str:
    """What an empty placeholder shows on screen and on paper."""
    return _("[to fill in: {name}]").format(name=name.replace("_", " "))


def render_parts(
    text: str, known: dict[str, str] | None = None, *, blank: str | None = None
) -> list[tuple[str, bool]]:
    """The text in pieces, placeholders filled in: (piece, True when it is an unfilled marker).
    Screens use the flag to make the markers stand out; `blank` replaces the marker (a line
    to write on, on paper)."""
    filled = values() if known is None else known
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in PLACEHOLDER.finditer(text or ""):
        if match.start() > position:
            parts.append((text[position : match.start()], False))
        name = match.group(1)
        value = filled.get(name, "")
        marker = unfilled_marker(name) if blank is None else blank
        parts.append((value, False) if value else (marker, True))
        position = match.end()
    if position < len(text or ""):
        parts.append((text[position:], False))
    return [(piece, flag) for piece, flag in parts if piece]


def render(text: str, known: dict[str, str] | None = None, *, blank: str | None = None) -> str:
    """The text with every placeholder filled in, or marked "[to fill in: ...]" (or `blank`)."""
    return "".join(piece for piece, _flag in render_parts(text, known, blank=blank))


@dataclass(frozen=True)
class Placeholder:
    """One placeholder as the supervisor's editor lists it."""

    name: str
    value: str
    setting: str = ""  # the town setting it comes from, or "" when it is kept here
    used_in: list[str] = field(default_factory=list)  # "Article 12: …", "Call script: Pothole"

    @property
    def filled(self) -> bool:
        return bool(self.value.strip())

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "filled": self.filled,
            "from_settings": bool(self.setting),
            "used_in": self.used_in,
        }


def _uses() -> dict[str, list[str]]:
    """Where each placeholder is used: the articles (active ones) and the call scripts."""
    uses: dict[str, list[str]] = {}

    def note(names: Iterable[str], where: str) -> None:
        for name in names:
            places = uses.setdefault(name, [])
            if where not in places:
                places.append(where)

    articles = FaqArticle.select(FaqArticle.id, FaqArticle.title, FaqArticle.body).where(
        FaqArticle.active == True,  # noqa: E712
        FaqArticle.title.contains("{") | FaqArticle.body.contains("{"),
    )
    for article_id, title, body in rows_of(articles.order_by(FaqArticle.id)):
        where = _("Article {id}: {title}").format(id=article_id, title=title)
        note(names_in(title) + names_in(body), where)
    scripts = CallScript.select(CallScript, ServiceType).join(ServiceType)
    for script in scripts.order_by(ServiceType.sort_order, ServiceType.name):
        texts = [f"{s.get('ask', '')} {s.get('if_yes', '')}" for s in script.steps or []]
        where = _("Call script: {type}").format(type=script.service_type.name)
        note(names_in(" ".join(texts)), where)
    return uses


def placeholders() -> list[Placeholder]:
    """Every placeholder the articles and call scripts use (and any filled in but no longer
    used), unfilled ones first, then by name."""
    uses = _uses()
    stored = stored_values()
    town = values()
    names = set(uses) | set(stored) | set(FROM_SETTINGS)
    found = [
        Placeholder(
            name,
            town.get(name, "") if name in FROM_SETTINGS else stored.get(name, ""),
            FROM_SETTINGS.get(name, ""),
            uses.get(name, []),
        )
        for name in names
    ]
    return sorted(found, key=lambda p: (p.filled, p.name))


def set_value(
    name: str, value: str, actor: StaffUser | None, *, expected: str | None = None
) -> Placeholder:
    """Fill in (or, with "", empty) a placeholder. With `expected` (the value the editor showed),
    a value someone else saved meanwhile is a ConflictError, not overwritten."""

    permissions.require(actor, permissions.KNOWLEDGE_EDIT)
    name = name.strip().strip("{}").strip()
    if not PLACEHOLDER.fullmatch("{" + name + "}"):
        raise InputError(
            _(
                "“{name}” is not a placeholder name: use small letters, digits and _ "
                "(for example pickup_days)."
            ).format(name=name[:60])
        )
    if name in FROM_SETTINGS:
        raise InputError(
            _("{{{name}}} comes from the town settings: change it in Settings.").format(name=name)
        )
    text = clean_text(value, MAX_VALUE)
    key = KEY_PREFIX + name

    def save() -> None:
        row = Setting.get_or_none(Setting.key == key)
        before = str(row.value) if row is not None and isinstance(row.value, str) else ""
        if expected is not None and before != expected:
            raise ConflictError(
                _(
                    "Someone else changed {{{name}}} to “{value}” while you were editing it; "
                    "your text is still in the editor."
                ).format(name=name, value=before)
            )
        if before == text:
            return
        audit.record("setting", key, "update", {"value": before}, {"value": text}, actor)
        stamp = clock.now()
        if row is None:
            Setting.insert(key=key, value=text, created_at=stamp, updated_at=stamp).execute()
        else:
            Setting.update(value=text, updated_at=stamp, version=Setting.version + 1).where(
                Setting.key == key
            ).execute()

    write(save)
    return Placeholder(name, text, "", _uses().get(name, []))
