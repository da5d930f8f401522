"""Partners' keys: who may post requests through the Open311 endpoint.

A key is made by an administrator (`frontcounter open311 key add NAME`), shown once, and kept
only as a SHA-256 hash (a copy of the database gives nobody a usable key). A key can be limited
to some request types and to a number of posts a minute; a revoked key is refused from then on
and stays listed, so the audit trail's partner names keep their meaning.
"""

from __future__ import annotations

import collections
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import PartnerKey, ServiceType, StaffUser
from desktop.models.text_clean import clean_text

#: how many random bytes a key holds (it is shown as URL-safe text, 43 characters)
KEY_BYTES = 32
NAME_MAX = 100
#: the most posts a minute a key may be given
MOST_PER_MINUTE = 10_000


@dataclass(frozen=True)
class KeyInfo:
    """A key as it is listed (never the key itself)."""

    name: str
    key_start: str
    service_codes: tuple[str, ...] | None
    per_minute: int
    created_at: str
    revoked: bool
    last_used_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key_start": self.key_start,
            "service_codes": list(self.service_codes) if self.service_codes is not None else None,
            "per_minute": self.per_minute,
            "created_at": self.created_at,
            "revoked": self.revoked,
            "last_used_at": self.last_used_at,
        }


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _info(row: PartnerKey) -> KeyInfo:
    codes = row.service_codes
    return KeyInfo(
        name=row.name,
        key_start=row.key_start,
        service_codes=tuple(codes) if isinstance(codes, list) else None,
        per_minute=int(row.per_minute),
        created_at=str(row.created_at)[:19],
        revoked=row.revoked_at is not None,
        last_used_at=str(row.last_used_at)[:19] if row.last_used_at else None,
    )


def add_key(
    name: str,
    *,
    service_codes: list[str] | None = None,
    per_minute: int = 60,
    actor: StaffUser | None,
) -> tuple[KeyInfo, str]:
    """A new key for partner `name`: its listing and the key itself (shown once, never kept)."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    name = clean_text(name, NAME_MAX + 1).strip()
    if not name:
        raise InputError(_("Give the partner a name (their system or organisation)."))
    if len(name) > NAME_MAX:
        raise InputError(_("A partner's name has at most {n} characters.").format(n=NAME_MAX))
    if not 1 <= per_minute <= MOST_PER_MINUTE:
        raise InputError(_("Posts a minute must be from 1 to {most}.").format(most=MOST_PER_MINUTE))
    codes = None
    if service_codes is not None:
        codes = sorted({code.strip() for code in service_codes if code.strip()})
        with reading():
            known = {
                str(kind.code)
                for kind in ServiceType.select(ServiceType.code).where(ServiceType.code.in_(codes))
            }
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise InputError(
                _("There is no request type with the code “{code}”.").format(code=unknown[0])
            )
        if not codes:
            raise InputError(_("Name at least one request type, or leave the types out."))
    key = secrets.token_urlsafe(KEY_BYTES)

    def save() -> PartnerKey:
        if PartnerKey.select().where(PartnerKey.name == name).exists():
            raise InputError(
                _(
                    "There is a key for “{name}” already: revoke it first, or choose another name."
                ).format(name=name)
            )
        row = PartnerKey.create(
            name=name,
            key_hash=_hash(key),
            key_start=key[:6],
            service_codes=codes,
            per_minute=per_minute,
            created_by=actor,
        )
        after = {"name": name, "service_codes": codes, "per_minute": per_minute}
        audit.record(PartnerKey._meta.table_name, row.id, "create", None, after, actor)
        return row

    return _info(write(save)), key


def list_keys(*, actor: StaffUser | None) -> list[KeyInfo]:
    permissions.require(actor, permissions.SETTINGS_EDIT)
    with reading():
        return [_info(row) for row in PartnerKey.select().order_by(PartnerKey.name)]


def revoke_key(name: str, *, actor: StaffUser | None) -> KeyInfo:
    """Refuse partner `name`'s key from now on."""
    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> PartnerKey:
        row = PartnerKey.get_or_none(PartnerKey.name == name.strip())
        if row is None:
            raise InputError(_("There is no partner key named “{name}”.").format(name=name))
        if row.revoked_at is None:
            row.revoked_at = clock.now()
            row.save()
            audit.record(PartnerKey._meta.table_name, row.id, "revoke", None, {"name": row.name},
                         actor)  # fmt: skip
        return row

    return _info(write(save))


def find_key(key: str) -> PartnerKey | None:
    """The live key `key` is (None: unknown or revoked)."""
    if not key or len(key) > 200:
        return None
    with reading():
        return PartnerKey.get_or_none(
            PartnerKey.key_hash == _hash(key), PartnerKey.revoked_at.is_null()
        )


class RateLimit:
    """How many posts each key made in the last minute, in this process (a sliding window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)

    def allow(self, key_id: str, per_minute: int, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            recent = self._seen[key_id]
            while recent and recent[0] <= moment - 60:
                recent.popleft()
            if len(recent) >= per_minute:
                return False
            recent.append(moment)
            return True
