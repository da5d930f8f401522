"""Town settings that every workstation shares, kept in the database (not in QSettings).

`update_settings` is how a person changes them (the Settings screen and `frontcounter settings
set`): each value is checked and said back in the clerk's words, and the versions they saw guard
against overwriting another administrator's change. `set_settings` is the plain writer other
parts of the app call. The logo is checked to be a PNG or JPEG image before it is kept.
"""

from __future__ import annotations

import copy
import io
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import ConflictError, InputError
from desktop.models.staff import audit, permissions
from desktop.models.storage import config_cache
from desktop.models.storage.db import current_path, reading, write
from desktop.models.storage.schema import Setting, StaffUser, rows_of
from desktop.models.text_clean import clean_line, too_long

#: every shared setting and its default, declared in one place
#: the most years residents' details may be kept after a request closes (privacy.py applies it)
MAX_RETENTION_YEARS = 99

DEFAULTS: dict[str, Any] = {
    "town.name": "",
    "town.address": "",
    "town.phone": "",
    "town.email": "",
    "town.website": "",
    "town.state": "",
    "print.page_size": "letter",  # letter | a4
    "print.letter_templates": {},  # name -> {"subject", "body"}; documents.py has the built-in ones
    "calendar.federal_holidays": True,  # add each new year's federal holidays automatically
    "setup.done": False,
    "responses.saved": {},  # the town's saved responses over the built-in ones (responses.py)
    "setup.checked": [],  # the checklist's items confirmed by an administrator (readiness.py)
    "tracking.digits": 5,
    # personal data (privacy.py): anonymise residents' details of requests closed this long ago
    "privacy.retention_years": 0,  # 0: keep them (the town decides; see the README)
    "privacy.last_run": "",  # the day the scheduled anonymisation last ran
    # web requests posted through Open311 wait in the web inbox for a clerk (partners/inbox.py)
    "open311.review_first": False,
    # where the crews set out from: an address of the register or "lat, long" (run sheets)
    "map.depot": "",
    # the town's own background map: a raster MBTiles file, beside the database or a path
    "map.tiles": "",
    # residents hear back (outbox/): notices queued on changes, when the town turns them on
    "outbox.notices": False,
    # the town's mail server (outbox/mail.py); the password is kept in the keyring only
    "mail.smtp_host": "",
    "mail.smtp_port": 587,
    "mail.security": "starttls",  # starttls | ssl | plain
    "mail.from": "",
    "mail.user": "",
    "mail.auth": "password",  # password | oauth2 (a token: outbox/oauth.py)
    # OAuth2 (outbox/oauth.py): the provider, the town's registered app, its tenant or issuer;
    # the tokens and any client secret are kept in each computer's keyring only
    "mail.oauth_provider": "",  # microsoft | google | openid
    "mail.oauth_client_id": "",
    "mail.oauth_authority": "",
    # the town's mailbox read as a channel (partners/mailbox.py); its password in the keyring
    "mail.imap_host": "",
    "mail.imap_port": 993,
    "mail.imap_security": "ssl",  # ssl | starttls | plain
    "mail.imap_user": "",
    "mail.imap_folder": "INBOX",
    "mail.imap_auth": "password",  # password | oauth2
    # where the town publishes its status page (reports/status_site.py): receipts say it
    "status.url": "",
    # where the status site is uploaded (reports/status_upload.py): sftp:// or ftps://, no
    # password (that is in the keyring), and the SFTP server's key as first seen
    "status.upload": "",
    "status.upload_host_key": "",
}


def _saved(*keys: str) -> dict[str, Any]:
    """The values saved in the settings table, by key: those of `keys`, or every one (the
    logo, a blob, is not among them)."""
    query = Setting.select(Setting.key, Setting.value).where(Setting.value.is_null(False))
    if keys:
        query = query.where(Setting.key.in_(keys))
    return {str(key): value for key, value in rows_of(query)}


def saved_setting(key: str) -> Any:
    """The value saved under `key` (None when none is): kept in memory until a setting changes
    on any workstation (config_cache.py), since every save reads a few of them. A list or a
    mapping is a copy, which the caller may change."""
    if config_cache.watching("setting"):
        value = config_cache.cached("settings", _saved, uncached=lambda: _saved(key)).get(key)
    else:  # a file this release has not written yet: read each time
        value = _saved(key).get(key)
    return copy.deepcopy(value) if isinstance(value, list | dict) else value


def get_setting(key: str) -> Any:
    """The setting's value, or its declared default."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    value = saved_setting(key)
    return DEFAULTS[key] if value is None else value


def all_settings() -> dict[str, Any]:
    values = dict(DEFAULTS)
    for row in Setting.select(Setting.key, Setting.value).where(Setting.key.in_(list(DEFAULTS))):
        if row.value is not None:
            values[row.key] = row.value
    return values


def setting_versions(keys: Iterable[str]) -> dict[str, int]:
    """The saved version of each setting (0: never saved, the default applies)."""
    wanted = list(keys)
    with reading():
        found = {
            str(row.key): int(row.version)
            for row in Setting.select(Setting.key, Setting.version).where(Setting.key.in_(wanted))
        }
    return {key: found.get(key, 0) for key in wanted}


def set_settings(
    values: dict[str, Any],
    *,
    actor: StaffUser | None,
    versions: dict[str, int] | None = None,
) -> None:
    """Save several settings in one transaction. With `versions` (from `setting_versions`, when
    the screen was filled), a setting someone else saved since is a ConflictError."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"unknown settings {sorted(unknown)!r}")
    permissions.require(actor, permissions.SETTINGS_EDIT)

    def save() -> None:
        if versions is not None:
            now = setting_versions(versions)
            stale = [key for key, seen in versions.items() if now[key] != seen]
            if stale:
                labels = setting_labels()
                raise ConflictError(
                    _(
                        "Someone else changed {names} since you opened Settings. Nothing was "
                        "overwritten: what you typed is still there; look at theirs (Reload), "
                        "then save again."
                    ).format(names=", ".join(labels.get(key, key) for key in stale))
                )
        stamp = clock.now()
        for key, value in values.items():
            old = Setting.get_or_none(Setting.key == key)
            before = None if old is None else {"value": audit.plain(old.value)}
            if before != {"value": audit.plain(value)}:
                audit.record("setting", key, "update", before, {"value": audit.plain(value)}, actor)
            updated = (
                Setting.update(value=value, updated_at=stamp, version=Setting.version + 1)
                .where(Setting.key == key)
                .execute()
            )
            if not updated:
                Setting.insert(key=key, value=value, created_at=stamp, updated_at=stamp).execute()

    write(save)


def set_logo(image: bytes | None, *, actor: StaffUser | None) -> None:
    """The town's logo (PNG or JPEG bytes) for printed documents; None removes it."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    if image is not None:
        check_logo(image)

    def save() -> None:
        old = Setting.get_or_none(Setting.key == "town.logo")
        audit.record(
            "setting",
            "town.logo",
            "update",
            None if old is None else {"blob": audit.plain(old.blob)},
            None if image is None else {"blob": audit.plain(image)},
            actor,
        )
        Setting.delete().where(Setting.key == "town.logo").execute()
        if image is not None:
            Setting.insert(key="town.logo", blob=image).execute()

    write(save)


def get_logo() -> bytes | None:
    row = Setting.get_or_none(Setting.key == "town.logo")
    return None if row is None or row.blob is None else bytes(row.blob)


# -- what a person may change, checked -----------------------------------------------------------

#: the settings a town edits on the screen and with `frontcounter settings set`, in that order
EDITABLE = (
    "town.name",
    "town.address",
    "town.phone",
    "town.email",
    "town.website",
    "print.page_size",
    "calendar.federal_holidays",
    "privacy.retention_years",
    "open311.review_first",
    "map.depot",
    "map.tiles",
    "outbox.notices",
    "status.url",
)
PAGE_SIZES = {"letter": "letter", "us letter": "letter", "us-letter": "letter", "a4": "a4"}
_LIMITS = {
    "town.name": 200,
    "town.address": 300,
    "town.phone": 40,
    "town.email": 254,
    "town.website": 300,
    "map.depot": 300,
    "map.tiles": 1000,
    "status.url": 300,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^(https?://)?[^\s/]+\.[^\s]+$", re.IGNORECASE)
_YES = {"yes", "y", "true", "on", "1"}
_NO = {"no", "n", "false", "off", "0"}


def setting_labels() -> dict[str, str]:
    """Each editable setting in the clerk's words."""
    return {
        "town.name": _("Town name"),
        "town.address": _("Town hall address"),
        "town.phone": _("Phone"),
        "town.email": _("Email"),
        "town.website": _("Website"),
        "print.page_size": _("Paper size"),
        "calendar.federal_holidays": _("Add each new year's federal holidays"),
        "privacy.retention_years": _("Years residents' details are kept after closing"),
        "open311.review_first": _("Web requests wait in the web inbox for a clerk"),
        "map.depot": _("Where the crews set out from (an address, or latitude, longitude)"),
        "status.url": _("Where the town publishes its status page (receipts say it)"),
        "outbox.notices": _("Residents are sent notices of their requests (email or letter)"),
        "map.tiles": _(
            "The map's background: a raster MBTiles file (beside the database, or its path)"
        ),
    }


def parse_setting(key: str, value: Any) -> Any:
    """The value to store for an editable setting, from what was typed (text) or given; an
    InputError says what is wrong."""
    if key not in EDITABLE:
        raise InputError(
            _("“{key}” is not a setting that can be changed here. These can: {keys}.").format(
                key=str(key)[:60], keys=", ".join(EDITABLE)
            )
        )
    label = setting_labels()[key]
    if key == "print.page_size":
        size = PAGE_SIZES.get(" ".join(str(value).lower().split()))
        if size is None:
            raise InputError(_("The paper size is “letter” (US Letter) or “A4”."))
        return size
    if key in ("calendar.federal_holidays", "open311.review_first", "outbox.notices"):
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word not in _YES | _NO:
            raise InputError(_("“{label}” is yes or no.").format(label=label))
        return word in _YES
    if key == "privacy.retention_years":
        try:
            years = int(str(value).strip())
        except ValueError:
            years = -1
        if not 0 <= years <= MAX_RETENTION_YEARS:
            raise InputError(
                _(
                    "Give a number of years from 1 to {most}, or 0 to keep residents' details."
                ).format(most=MAX_RETENTION_YEARS)
            )
        return years

    text = clean_line(str(value))
    if len(text) > _LIMITS[key]:
        raise InputError(too_long(label, _LIMITS[key]))
    if text and key == "town.phone" and not any(ch.isdigit() for ch in text):
        raise InputError(_("“{phone}” is not a phone number.").format(phone=text))
    if text and key == "town.email" and not _EMAIL.match(text):
        raise InputError(_("“{email}” is not an email address.").format(email=text))
    if text and key == "map.tiles":
        from desktop.models.town import tiles  # noqa: PLC0415 (the map's files, when set)

        tiles.read_facts(tiles.resolve(text, current_path()))  # a sentence when it cannot serve
    if text and key == "status.url" and not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
        raise InputError(
            _("“{url}” is not a web address, e.g. https://yourtown.gov/status.").format(url=text)
        )
    if text and key == "town.website" and not _WEBSITE.match(text):
        raise InputError(
            _("“{site}” is not a website address, e.g. www.alderfalls.gov.").format(site=text)
        )
    return text


def update_settings(
    values: dict[str, Any],
    *,
    actor: StaffUser | None,
    versions: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Check and save settings as a person typed them; InputError lists every problem and
    nothing is saved. Returns the values stored."""
    problems: list[str] = []
    checked: dict[str, Any] = {}
    for key, value in values.items():
        try:
            checked[key] = parse_setting(key, value)
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(" ".join(problems))
    if "privacy.retention_years" in checked:
        permissions.require(actor, permissions.PRIVACY_MANAGE)
    set_settings(checked, actor=actor, versions=versions)
    return checked


# -- the logo -------------------------------------------------------------------------------------

#: the largest logo kept (a letterhead logo is tens of kilobytes; a photo is not a logo)
MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000
LOGO_FORMATS = ("PNG", "JPEG")


def _logo_too_big(size: int) -> InputError:
    return InputError(
        _(
            "The logo is {size:,} KB; it can be {most:,} KB at most. Save it smaller "
            "(a logo of 600 pixels across prints sharp)."
        ).format(size=(size + 1023) // 1024, most=MAX_LOGO_BYTES // 1024)
    )


def check_logo(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of a logo Pillow can read as PNG or JPEG; else InputError."""
    if len(data) > MAX_LOGO_BYTES:
        raise _logo_too_big(len(data))
    from PIL import Image  # imported when needed: start-up time

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=LOGO_FORMATS) as image:
                kind, (width, height) = str(image.format), image.size
                if width * height > MAX_LOGO_PIXELS:
                    raise InputError(
                        _("The logo is {w} × {h} pixels: make it smaller first.").format(
                            w=width, h=height
                        )
                    )
                image.load()  # a cut-off or damaged file fails here, not when printing
    except InputError:
        raise
    except Exception as exc:  # Pillow says "cannot identify", "truncated", a bomb...
        raise InputError(
            _("That file is not a PNG or JPEG picture that can be printed ({reason}).").format(
                reason=type(exc).__name__
            )
        ) from None
    return kind, width, height


def read_logo_file(path: str | Path) -> bytes:
    """A logo file's bytes, checked; InputError says why it cannot be the logo."""
    source = Path(path).expanduser()
    try:
        if source.is_dir():
            raise InputError(_("{path} is a folder, not a picture.").format(path=source))
        with source.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_LOGO_BYTES:
                raise _logo_too_big(size)
            data = handle.read(MAX_LOGO_BYTES + 1)
    except FileNotFoundError:
        raise InputError(_("There is no file at {path}.").format(path=source)) from None
    except OSError as exc:
        raise InputError(
            _("{path} could not be read: {reason}").format(path=source, reason=exc.strerror or exc)
        ) from None
    check_logo(data)
    return data
