"""Putting the status site on the town's web host: SFTP or FTPS, the password in the keyring.

The target is one setting, `status.upload`, a URL with no password in it
(`sftp://webuser@host.example:22/public_html/status` or `ftps://webuser@host.example/status`);
the password is kept in this computer's keyring (or given to scripts in
FRONTCOUNTER_UPLOAD_PASSWORD). An upload sends every file of the folder `publish status`
wrote, each to a temporary name first and then renamed over the old one, so a visitor never
reads half a page; then the request pages that are no longer published (a request closed long
ago) are removed from the host too: a page that stays behind would keep telling its story.

SFTP servers are known by their key: the first upload keeps it (`status.upload_host_key`) and
any later upload refuses a server that shows another key, in a sentence (the town's host was
moved or someone is in the middle). FTPS checks the server's certificate as a browser does; the
password never travels in clear text (explicit TLS, data channel protected too).
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import os
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from desktop.i18n import _
from desktop.models.errors import InputError, KnownError
from desktop.models.staff import audit, permissions
from desktop.models.storage import secret_store
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import get_setting, set_settings

SERVICE = "Front Counter status upload"
PASSWORD_VARIABLE = "FRONTCOUNTER_UPLOAD_PASSWORD"
SCHEMES = {"sftp": 22, "ftps": 21}
TIMEOUT_SECONDS = 30
#: the request pages' folder: pages there that the site no longer has are removed from the host
PAGES = "r"


class UploadError(KnownError):
    """The upload failed; the sentence says why in the clerk's words. The site on the host is
    as it was, or has some files newer: never half a file."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    user: str
    folder: str

    @property
    def url(self) -> str:
        """The target as the setting keeps it (never with a password)."""
        port = "" if self.port == SCHEMES[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{self.user}@{self.host}{port}/{self.folder.strip('/')}"

    @property
    def account(self) -> str:
        """Whose password the keyring keeps."""
        return f"{self.user}@{self.host}:{self.port}"


def parse_target(text: str) -> Target:
    """A target URL read, or an InputError saying what a town would write instead."""
    example = _(
        "Write it as sftp://USER@HOST/FOLDER or ftps://USER@HOST/FOLDER, e.g. "
        "sftp://webuser@www.alderfalls.gov/public_html/status."
    )
    parts = urlsplit(text.strip())
    if parts.scheme not in SCHEMES:
        raise InputError(
            _("“{url}” is not an SFTP or FTPS address.").format(url=text[:100]) + " " + example
        )
    if parts.password:
        raise InputError(
            _(
                "Leave the password out of the address: it is asked for once and kept in this "
                "computer's keyring."
            )
        )
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError:
        raise InputError(_("The port is a number from 1 to 65535.") + " " + example) from None
    if not parts.hostname or not parts.username:
        raise InputError(_("The address needs a user and a server.") + " " + example)
    folder = unquote(parts.path or "/")
    if ".." in PurePosixPath(folder).parts:
        raise InputError(_("The folder may not climb out of itself with “..”."))
    return Target(parts.scheme, parts.hostname, port, unquote(parts.username), folder)


def current() -> Target | None:
    """The town's upload target, None when the status site is not uploaded."""
    with reading():
        text = str(get_setting("status.upload") or "")
    return parse_target(text) if text else None


def password(target: Target) -> str | None:
    return os.environ.get(PASSWORD_VARIABLE) or secret_store.secret(SERVICE, target.account)


def save_target(url: str, new_password: str | None, *, actor: StaffUser | None) -> str:
    """Check and keep where the status site is uploaded (an empty `url`: nowhere). The
    password goes to the keyring; returns a sentence when there is no keyring to keep it."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    target = parse_target(url) if url.strip() else None
    before = current()
    changes: dict[str, Any] = {"status.upload": target.url if target else ""}
    if (
        target is None
        or before is None
        or (before.host, before.port)
        != (
            target.host,
            target.port,
        )
    ):
        changes["status.upload_host_key"] = ""  # another server: its key is learned anew
    set_settings(changes, actor=actor)
    if target is None or not new_password:
        return ""
    if secret_store.remember_secret(SERVICE, target.account, new_password):
        return ""
    return _(
        "This computer has no keyring to keep the password: give it to scripts in "
        "{variable}, or set up a keyring (Windows keeps one for every user)."
    ).format(variable=PASSWORD_VARIABLE)


@dataclass
class Uploaded:
    target: str
    files: int = 0
    bytes: int = 0
    removed: int = 0
    host_key: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "files": self.files,
            "bytes": self.bytes,
            "removed": self.removed,
        }


def site_files(folder: Path) -> list[PurePosixPath]:
    """The files of a written status site, relative to its folder: the request pages first,
    then the index and the feed, which point to them."""
    found = [
        PurePosixPath(path.relative_to(folder).as_posix())
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".part")
    ]
    return sorted(found, key=lambda p: (p.parts[0] != PAGES, str(p)))


def upload(folder: Path, *, actor: StaffUser | None, target: Target | None = None) -> Uploaded:
    """Upload the status site in `folder` to the town's host (`status.upload`)."""
    permissions.require(actor, permissions.REPORTS_VIEW)
    target = target or current()
    if target is None:
        raise InputError(
            _(
                "The status page has nowhere to be uploaded: set it with frontcounter publish "
                "setup --upload sftp://USER@HOST/FOLDER."
            )
        )
    if not (folder / "index.html").is_file():
        raise InputError(
            _(
                "{folder} holds no status page: write it first (frontcounter publish status)."
            ).format(folder=folder)
        )
    secret = password(target)
    if not secret:
        raise InputError(
            _(
                "No password is kept for {account}: give it once with frontcounter publish "
                "setup, or to scripts in {variable}."
            ).format(account=target.account, variable=PASSWORD_VARIABLE)
        )
    files = site_files(folder)
    result = Uploaded(target.url)
    sender = _sftp if target.scheme == "sftp" else _ftps
    with _said(target):
        sender(target, secret, folder, files, result)
    write(lambda: audit.record("status_site", "", "upload", None, result.as_dict(), actor))
    return result


@contextlib.contextmanager
def _said(target: Target) -> Iterator[None]:
    """The failures people meet, in words (the site on the host is left as it was)."""
    where = f"{target.host}:{target.port}"
    try:
        yield
    except UploadError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise UploadError(
            _(
                "{host} did not show a certificate this computer trusts ({why}): ask the web "
                "host for a proper certificate, or use SFTP."
            ).format(host=target.host, why=exc.verify_message or exc.reason)
        ) from exc
    except TimeoutError as exc:
        raise UploadError(
            _("{where} did not answer in time. The status page was not uploaded.").format(
                where=where
            )
        ) from exc
    except ConnectionRefusedError as exc:
        raise UploadError(
            _(
                "{where} refused the connection: check the server and the port (SFTP is "
                "usually 22, FTPS 21). The status page was not uploaded."
            ).format(where=where)
        ) from exc
    except socket.gaierror as exc:
        raise UploadError(
            _("There is no server called {host} (or this computer is offline).").format(
                host=target.host
            )
        ) from exc
    except OSError as exc:
        raise UploadError(
            _(
                "The upload to {where} stopped: {why}. Try again; nothing half-written is left."
            ).format(where=where, why=exc.strerror or exc)
        ) from exc


def _temporary(name: PurePosixPath) -> PurePosixPath:
    return name.with_name(f".{name.name}.part")


# -- SFTP (paramiko) ----------------------------------------------------------------------------


def _sftp(
    target: Target, secret: str, folder: Path, files: list[PurePosixPath], result: Uploaded
) -> None:
    import paramiko

    with reading():
        known = str(get_setting("status.upload_host_key") or "")
    transport = paramiko.Transport(
        socket.create_connection((target.host, target.port), timeout=TIMEOUT_SECONDS)
    )
    try:
        transport.banner_timeout = TIMEOUT_SECONDS
        transport.start_client(timeout=TIMEOUT_SECONDS)
        key = transport.get_remote_server_key()
        shown = f"{key.get_name()} {key.get_base64()}"
        if known and known != shown:
            raise UploadError(
                _(
                    "{host} showed another key than at the last upload: the web host moved it, "
                    "or someone is in the way. Nothing was sent. When the web host confirms the "
                    "change, set the upload again (frontcounter publish setup) to accept the "
                    "new key."
                ).format(host=target.host)
            )
        try:
            transport.auth_password(target.user, secret)
        except paramiko.AuthenticationException as exc:
            raise UploadError(
                _("{host} refused the user name or the password.").format(host=target.host)
            ) from exc
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise UploadError(_("{host} does not offer SFTP.").format(host=target.host))
        remote = PurePosixPath(target.folder)
        made: set[PurePosixPath] = set()
        try:
            for name in files:
                place = remote / name
                _sftp_folders(client, place.parent, made)
                data = (folder / name).read_bytes()
                partial = str(_temporary(place))
                with client.open(partial, "wb") as handle:
                    handle.write(data)
                client.posix_rename(partial, str(place))
                result.files += 1
                result.bytes += len(data)
            wanted = {name.name for name in files if name.parts[0] == PAGES}
            with contextlib.suppress(FileNotFoundError):
                for entry in client.listdir(str(remote / PAGES)):
                    if entry.endswith(".html") and entry not in wanted:
                        client.remove(str(remote / PAGES / entry))
                        result.removed += 1
        except PermissionError as exc:
            raise UploadError(
                _("{user} may not write in {folder} on {host}.").format(
                    user=target.user, folder=target.folder, host=target.host
                )
            ) from exc
        finally:
            client.close()
    finally:
        transport.close()
    if not known:
        write(lambda: set_settings({"status.upload_host_key": shown}, actor=None))
    result.host_key = shown


def _sftp_folders(client: Any, place: PurePosixPath, made: set[PurePosixPath]) -> None:
    """The remote folders down to `place`, made where missing."""
    if place in made or str(place) in ("/", "."):
        return
    _sftp_folders(client, place.parent, made)
    try:
        client.stat(str(place))
    except FileNotFoundError:
        client.mkdir(str(place))
    made.add(place)


# -- FTPS (ftplib) ------------------------------------------------------------------------------


def _ftps(
    target: Target, secret: str, folder: Path, files: list[PurePosixPath], result: Uploaded
) -> None:
    context = ssl.create_default_context()
    ftp = ftplib.FTP_TLS(context=context, timeout=TIMEOUT_SECONDS)
    try:
        ftp.connect(target.host, target.port)
        ftp.auth()  # TLS before the password is sent
        try:
            ftp.login(target.user, secret)
        except ftplib.error_perm as exc:
            raise UploadError(
                _("{host} refused the user name or the password.").format(host=target.host)
            ) from exc
        ftp.prot_p()  # the files go encrypted too
        remote = PurePosixPath(target.folder)
        made: set[PurePosixPath] = set()
        try:
            for name in files:
                place = remote / name
                _ftp_folders(ftp, place.parent, made)
                data = (folder / name).read_bytes()
                partial = str(_temporary(place))
                with io.BytesIO(data) as handle:
                    ftp.storbinary(f"STOR {partial}", handle)
                with contextlib.suppress(ftplib.error_perm):
                    ftp.delete(str(place))  # some servers refuse to rename over a file
                ftp.rename(partial, str(place))
                result.files += 1
                result.bytes += len(data)
            wanted = {name.name for name in files if name.parts[0] == PAGES}
            try:
                listed = ftp.nlst(str(remote / PAGES))
            except ftplib.error_perm:
                listed = []
            for entry in listed:
                bare = PurePosixPath(entry).name
                if bare.endswith(".html") and bare not in wanted:
                    ftp.delete(str(remote / PAGES / bare))
                    result.removed += 1
        except ftplib.error_perm as exc:
            raise UploadError(
                _("{host} refused a file in {folder}: {why}").format(
                    host=target.host, folder=target.folder, why=str(exc)[:200]
                )
            ) from exc
        with contextlib.suppress(OSError, ftplib.Error):
            ftp.quit()
    finally:
        ftp.close()


def _ftp_folders(ftp: ftplib.FTP, place: PurePosixPath, made: set[PurePosixPath]) -> None:
    if place in made or str(place) in ("/", "."):
        return
    _ftp_folders(ftp, place.parent, made)
    with contextlib.suppress(ftplib.error_perm):  # there already
        ftp.mkd(str(place))
    made.add(place)
