"""Staff passwords, hashed with scrypt (docs/RELIABILITY.md rule 14); the parameters go with each
hash.

A stored hash reads `scrypt$n=131072,r=8,p=1$SALT$KEY` (salt and key in base64), so a hash made
with other parameters still verifies and is upgraded on the next sign-in (`needs_rehash`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from desktop.i18n import _

#: scrypt cost (RFC 7914; OWASP: n=2**17, r=8, p=1 uses 128 MiB and a fraction of a second).
#: Tests lower these through `tests/conftest.py` only; the shipped values are these.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
MAXMEM = 256 * 1024 * 1024
SALT_BYTES = 16
KEY_BYTES = 32
#: the fewest characters a password may have
MIN_LENGTH = 10


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int
    p: int

    def text(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"


def current_params() -> ScryptParams:
    return ScryptParams(SCRYPT_N, SCRYPT_R, SCRYPT_P)


def derive(password: str, salt: bytes, params: ScryptParams, length: int = KEY_BYTES) -> bytes:
    """The raw scrypt key of `password` (UTF-8, NFC as typed)."""
    import hashlib  # noqa: PLC0415 (OpenSSL loads at the first sign-in, not at start)

    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=MAXMEM,
        dklen=length,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The text to store for `password`: algorithm, parameters, salt and key."""
    import secrets  # noqa: PLC0415 (as hashlib above)

    params = current_params()
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = derive(password, salt, params)
    return f"scrypt${params.text()}${_b64(salt)}${_b64(key)}"


def parse_hash(stored: str) -> tuple[ScryptParams, bytes, bytes]:
    """(parameters, salt, key) of a stored hash; ValueError when it is not one of ours."""
    algorithm, param_text, salt_text, key_text = stored.split("$")
    if algorithm != "scrypt":
        raise ValueError(f"unknown password hash algorithm {algorithm!r}")
    values = dict(part.split("=", 1) for part in param_text.split(","))
    params = ScryptParams(int(values["n"]), int(values["r"]), int(values["p"]))
    return params, _unb64(salt_text), _unb64(key_text)


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from (constant-time comparison)."""
    if not stored:
        return False
    try:
        params, salt, key = parse_hash(stored)
        derived = derive(password, salt, params, len(key))
    except (ValueError, KeyError, TypeError, OverflowError):  # edited by hand: nobody gets in
        return False
    import hmac  # noqa: PLC0415 (as hashlib above)

    return hmac.compare_digest(derived, key)


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with weaker parameters than today's."""
    try:
        params, _salt, _key = parse_hash(stored)
    except (ValueError, KeyError):
        return True
    now = current_params()
    return params.n < now.n or params.r < now.r or params.p < now.p


def password_problem(password: str) -> str:
    """Why `password` cannot be used ('' when it can), in the clerk's words."""

    if len(password) < MIN_LENGTH:
        return _("A password needs at least {n} characters.").format(n=MIN_LENGTH)
    if password.strip() != password:
        return _("A password cannot start or end with a space.")
    return ""
