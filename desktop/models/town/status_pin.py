"""A request's PIN for the town's public status page: what a resident types beside its number
to see it (reports/status_site.py publishes the pages). Ten of base32's letters and digits,
made from the request's number and the town's own secret (kept in the database, made on first
use, never shown or exported), so the sequential numbers alone reach nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from desktop.i18n import _
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import Setting
from desktop.models.town.settings import get_setting

#: the setting that keeps the town's secret the PINs are made from (never shown or exported)
SECRET_KEY = "status.secret"
#: what is not a PIN's letter or digit (a resident may type it with spaces or in lower case)
_PIN_LETTERS = re.compile(r"[^A-Z2-7]")
#: what a resident may type for a PIN's letter (base32 has no 0, 1 or 8)
_LOOKALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def secret() -> bytes:
    """The town's secret (made on first use, in its own transaction)."""
    with reading():
        found = Setting.get_or_none(Setting.key == SECRET_KEY)
    if found is not None and isinstance(found.value, str) and len(found.value) >= 32:
        return found.value.encode()

    def save() -> str:
        again = Setting.get_or_none(Setting.key == SECRET_KEY)
        if again is not None and isinstance(again.value, str) and len(again.value) >= 32:
            return str(again.value)
        made = secrets.token_hex(32)
        if again is None:
            Setting.create(key=SECRET_KEY, value=made)
        else:
            Setting.update(value=made).where(Setting.key == SECRET_KEY).execute()
        return made

    return write(save).encode()


def pin_of(tracking_number: str, key: bytes | None = None) -> str:
    """The request's PIN: ten of base32's letters and digits, as XXXXX-XXXXX."""
    digest = hmac.new(key or secret(), tracking_number.encode(), hashlib.sha256).digest()
    code = base64.b32encode(digest).decode()[:10]
    return f"{code[:5]}-{code[5:]}"


def page_name(tracking_number: str, pin: str) -> str:
    """A request page's file name, from its number and PIN as a resident types them (the
    page's script does the same in the browser)."""
    typed = f"{tracking_number.strip()}|{_PIN_LETTERS.sub('', pin.upper().translate(_LOOKALIKE))}"
    return hashlib.sha256(typed.encode()).hexdigest()[:40] + ".html"


def status_line(tracking_number: str) -> str:
    """The sentence a receipt and an acknowledgement carry when the town publishes a status
    page (setting status.url); empty when it does not."""
    with reading():
        url = str(get_setting("status.url") or "").strip()
    if not url:
        return ""
    return _("Follow it at {url} with its number and the PIN {pin}.").format(
        url=url, pin=pin_of(tracking_number)
    )
