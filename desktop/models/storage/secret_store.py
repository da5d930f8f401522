"""Database passwords kept only in the operating system's keyring (docs/RELIABILITY.md rule 13).

Only real keyrings count: Windows Credential Locker, the macOS Keychain, the Secret Service
(GNOME Keyring, KeePassXC) and KWallet. keyring's "fail" and "null" backends and every plaintext
or file backend (keyrings.alt) mean "do not store": the clerk is asked for the password each time
instead. keyrings.alt is never a dependency, because installing it makes a plaintext file the
default keyring without telling anyone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from urllib.parse import unquote, urlparse

log = logging.getLogger("frontcounter.secrets")

SERVICE = "Front Counter PostgreSQL"

#: keyring backends (module.class) that keep secrets encrypted by the operating system
ALLOWED_BACKENDS: set[str] = {
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
}


def _name(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _allowed(backend: object) -> bool:
    if _name(backend) == "keyring.backends.chainer.ChainerBackend":
        chained = list(getattr(backend, "backends", []))
        return bool(chained) and all(_allowed(each) for each in chained)
    return _name(backend) in ALLOWED_BACKENDS


def keyring_usable() -> bool:
    """Whether a real keyring is there to keep a password."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    try:
        return _allowed(keyring.get_keyring())
    except Exception:  # a broken keyring set-up is the same as none
        return False


def backend_name() -> str:
    import keyring  # imported when needed: start-up time
    import keyring.errors

    return _name(keyring.get_keyring())


def account(url: str) -> str:
    """The keyring account for a database URL: user@host:port/name (never the password)."""
    parsed = urlparse(url)
    user = unquote(parsed.username or "")
    host = parsed.hostname or "localhost"
    port = parsed.port or 5432
    name = unquote(parsed.path.lstrip("/"))
    return f"{user}@{host}:{port}/{name}"


def database_password(url: str) -> str | None:
    """The stored password for `url`, or None (nothing stored, or no real keyring)."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not keyring_usable():
        return None
    try:
        return keyring.get_password(SERVICE, account(url))
    except keyring.errors.KeyringError as exc:
        log.warning("keyring could not be read: %s", exc)
        return None


def remember_database_password(url: str, password: str) -> bool:
    """Keep the password in the keyring; False (and nothing written anywhere) without one."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not keyring_usable():
        log.info("no usable keyring (%s): the password is not stored", backend_name())
        return False
    try:
        keyring.set_password(SERVICE, account(url), password)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring refused the password: %s", exc)
        return False
    return True


def forget_database_password(url: str) -> None:
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not keyring_usable():
        return
    with contextlib.suppress(keyring.errors.KeyringError):  # nothing was stored
        keyring.delete_password(SERVICE, account(url))


def secret(service: str, name: str) -> str | None:
    """A secret kept under `service` for `name` (the mail server's password, say), or None."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not keyring_usable():
        return None
    try:
        return keyring.get_password(service, name)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring could not be read: %s", exc)
        return None


def remember_secret(service: str, name: str, value: str) -> bool:
    """Keep a secret in the keyring; False (and nothing written anywhere) without one."""
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not keyring_usable():
        return False
    try:
        keyring.set_password(service, name, value)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring refused the secret: %s", exc)
        return False
    return True


def forget_secret(service: str, name: str) -> None:
    import keyring  # imported when needed: start-up time
    import keyring.errors

    if not keyring_usable():
        return
    with contextlib.suppress(keyring.errors.KeyringError):  # nothing was stored
        keyring.delete_password(service, name)


#: a long secret is kept in pieces of this many characters: Windows' Credential Manager keeps
#: at most 2,560 bytes in one entry, in UTF-16 (1,280 characters), and a refresh token or
#: msal's token cache is longer
CHUNK = 1200


def _head(value: str, count: int) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return f"pieces:{count}:{digest}:"


def long_secret(service: str, name: str) -> str | None:
    """A secret kept with `remember_long_secret`, or None (none, or its pieces do not belong
    together: a write that stopped half-way)."""
    first = secret(service, name)
    if not first or not first.startswith("pieces:"):
        return first
    try:
        _tag, count, digest, head = first.split(":", 3)
        pieces = [head] + [secret(service, f"{name}#{n}") or "" for n in range(1, int(count))]
    except ValueError:
        return None
    value = "".join(pieces)
    if hashlib.sha256(value.encode()).hexdigest()[:16] != digest:
        return None
    return value


def remember_long_secret(service: str, name: str, value: str) -> bool:
    """Keep a secret of any length in the keyring, in pieces each entry can hold; False (and
    nothing written) without a keyring. The first piece is written last and names how many
    there are and a digest of the whole, so a reader never takes a half-written secret."""
    if not keyring_usable():
        return False
    pieces = [value[i : i + CHUNK] for i in range(0, len(value), CHUNK)] or [""]
    old = _piece_count(service, name)
    for n, piece in enumerate(pieces[1:], start=1):
        if not remember_secret(service, f"{name}#{n}", piece):
            return False
    if not remember_secret(service, name, _head(value, len(pieces)) + pieces[0]):
        return False
    for n in range(len(pieces), old):
        forget_secret(service, f"{name}#{n}")
    return True


def forget_long_secret(service: str, name: str) -> None:
    for n in range(1, _piece_count(service, name)):
        forget_secret(service, f"{name}#{n}")
    forget_secret(service, name)


def _piece_count(service: str, name: str) -> int:
    first = secret(service, name) or ""
    parts = first.split(":", 3)
    if len(parts) == 4 and parts[0] == "pieces" and parts[1].isdigit():
        return int(parts[1])
    return 1
