"""Database passwords kept only in the operating system's keyring (docs/RELIABILITY.md rule 13).

Only real keyrings count: Windows Credential Locker, the macOS Keychain, the Secret Service
(GNOME Keyring, KeePassXC) and KWallet. keyring's "fail" and "null" backends and every plaintext
or file backend (keyrings.alt) mean "do not store": the clerk is asked for the password each time
instead. keyrings.alt is never a dependency, because installing it makes a plaintext file the
default keyring without telling anyone.
"""

from __future__ import annotations

import contextlib
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


def _digest(value: str) -> str:
    import hashlib  # noqa: PLC0415 (OpenSSL loads with the first secret, not at start)

    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _head(first: str) -> tuple[int, str, str] | None:
    """(how many pieces, the whole's digest, the first piece) of a long secret's first entry."""
    parts = first.split(":", 3)
    if len(parts) != 4 or parts[0] != "pieces" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]


def long_secret(service: str, name: str) -> str | None:
    """A secret kept with `remember_long_secret`, or None (none, or pieces that do not make
    the whole their first entry names)."""
    for _attempt in range(2):  # a write between reading the first entry and the rest: again
        first = secret(service, name)
        if not first or not first.startswith("pieces:"):
            return first
        head = _head(first)
        if head is None:
            return None
        count, digest, value = head
        for n in range(1, count):
            value += secret(service, f"{name}#{digest}#{n}") or ""
        if _digest(value) == digest:
            return value
    return None


def remember_long_secret(service: str, name: str, value: str) -> bool:
    """Keep a secret of any length in the keyring, in pieces each entry can hold; False (and
    the secret kept before still whole) when it could not. The pieces are written under the
    new value's digest, then the first entry, which names them, is switched, then the old
    pieces are removed: a reader never takes a half-written secret, a failed write leaves the
    old one, and two writers at once leave one of the two whole."""
    if not keyring_usable():
        return False
    digest = _digest(value)
    pieces = [value[i : i + CHUNK] for i in range(0, len(value), CHUNK)] or [""]
    old = _head(secret(service, name) or "")
    written = []
    for n, piece in enumerate(pieces[1:], start=1):
        if not remember_secret(service, f"{name}#{digest}#{n}", piece):
            break
        written.append(f"{name}#{digest}#{n}")
    else:
        if remember_secret(service, name, f"pieces:{len(pieces)}:{digest}:{pieces[0]}"):
            if old is not None and old[1] != digest:
                for n in range(1, old[0]):
                    forget_secret(service, f"{name}#{old[1]}#{n}")
            return True
    for each in written:  # not switched to: the old secret stays as it was
        forget_secret(service, each)
    return False


def forget_long_secret(service: str, name: str) -> None:
    head = _head(secret(service, name) or "")
    if head is not None:
        for n in range(1, head[0]):
            forget_secret(service, f"{name}#{head[1]}#{n}")
    forget_secret(service, name)
