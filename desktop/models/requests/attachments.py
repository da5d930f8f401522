"""Photos and documents kept with a request, inside the database file.

Files are size-limited, their names cleaned, their media type read from their first bytes (the
extension only when the content says nothing), and images get a small thumbnail made with Pillow.
A damaged or hostile image is kept without a thumbnail; it never stops the save. Every attachment
added or removed is a line in the request's history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import mimetypes
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, cast

from peewee import JOIN

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import write
from desktop.models.storage.safe_files import write_whole
from desktop.models.storage.schema import Attachment, RequestEvent, ServiceRequest, StaffUser

log = logging.getLogger("frontcounter.attachments")

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
THUMBNAIL_PIXELS = 256  # the longer side of a thumbnail
#: images larger than this (width times height) get no thumbnail: decoding them could take
#: gigabytes of memory (a "decompression bomb" is a tiny file that claims to be huge)
MAX_IMAGE_PIXELS = 50_000_000
MAX_FILENAME = 255
MAX_DESCRIPTION = 2_000
#: the only image formats Pillow may open here (never EPS, which would start Ghostscript)
THUMBNAIL_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"%PDF-", 0, "application/pdf"),
    (b"ftypheic", 4, "image/heic"),
    (b"ftypmif1", 4, "image/heif"),
    (b"PK\x03\x04", 0, "application/zip"),
)
_THUMBNAIL_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
}
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class AttachmentInfo:
    """What the detail pane lists about an attachment: everything but the file itself."""

    id: int
    request_id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    description: str
    created_at: dt.datetime
    created_by: str  # the staff member's name, "" when not known
    thumbnail: bytes | None  # JPEG or PNG bytes; None for documents and unreadable images

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


def human_size(size: int) -> str:
    """ "2.4 MB", "830 KB", "12 bytes"."""
    if size >= 1024 * 1024:
        return _("{n:.1f} MB").format(n=size / (1024 * 1024))
    if size >= 10 * 1024:
        return _("{n:.0f} KB").format(n=size / 1024)
    if size >= 1024:
        return _("{n:.1f} KB").format(n=size / 1024)
    return _("{n} bytes").format(n=size)


def clean_filename(name: str, media_type: str = "") -> str:
    """A file name safe to show and to save on Windows, macOS or Linux: no folders, no control
    or direction-changing characters, no reserved device names, at most 255 characters."""
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(
        ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
    )
    base = _UNSAFE_NAME.sub("_", base)
    base = " ".join(base.split()).strip(" .")
    if not base:
        extension = mimetypes.guess_extension(media_type) if media_type else None
        base = _("attachment") + (extension or "")
    if _RESERVED.match(base):
        base = "_" + base
    if len(base) > MAX_FILENAME:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            base = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            base = base[:MAX_FILENAME]
    return base


def guess_media_type(data: bytes, filename: str) -> str:
    """The media type from the file's first bytes; from its name only when they say nothing."""
    for signature, offset, media_type in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            if signature == b"WEBP" and not data.startswith(b"RIFF"):
                continue
            return media_type
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    if guessed and not guessed.startswith("image/"):
        return guessed  # an image is only an image when its content says so
    return "application/octet-stream"


def make_thumbnail(data: bytes) -> bytes | None:
    """A thumbnail (longer side 256 px) as JPEG bytes, or PNG for images with transparency;
    None when the data is not an image Pillow can read safely."""
    from PIL import Image, ImageOps  # imported when needed: start-up time

    try:
        with warnings.catch_warnings():
            # a damaged image's warnings only mean a poorer thumbnail; Pillow's bomb check warns
            # first, and here that means "no thumbnail"
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=THUMBNAIL_FORMATS) as image:
                width, height = image.size
                if width <= 0 or height <= 0 or width * height > MAX_IMAGE_PIXELS:
                    log.info("no thumbnail: %d x %d pixels", width, height)
                    return None
                image.draft("RGB", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))  # JPEG: decode small
                image.load()
                picture = ImageOps.exif_transpose(image) or image
                picture.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
                transparent = picture.mode in ("RGBA", "LA", "PA") or (
                    picture.mode == "P" and "transparency" in picture.info
                )
                out = io.BytesIO()
                if transparent:
                    picture.convert("RGBA").save(out, format="PNG", optimize=True)
                else:
                    picture.convert("RGB").save(out, format="JPEG", quality=80)
                return out.getvalue()
    except Exception as exc:  # any failure to read an image only means no thumbnail
        log.info("no thumbnail: %s: %s", type(exc).__name__, exc)
        return None


def read_file(path: str | Path, limit: int = MAX_ATTACHMENT_BYTES) -> bytes:
    """The bytes of a file to attach, or InputError saying why it cannot be attached."""
    path = Path(path).expanduser()
    try:
        if path.is_dir():
            raise InputError(_("{path} is a folder, not a file.").format(path=path))
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise InputError(_too_big(path.name, size, limit))
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(_("There is no file at {path}.").format(path=path)) from None
    except PermissionError:
        raise InputError(_("You are not allowed to read {path}.").format(path=path)) from None
    except OSError as exc:
        raise InputError(
            _("{path} could not be read: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None
    return data


def _too_big(filename: str, size: int, limit: int) -> str:
    return _(
        "“{name}” is {size}; attachments can be {limit} at most. Make the photo smaller or "
        "attach a shorter document."
    ).format(name=filename, **_sizes(size, limit))


def _sizes(size: int, limit: int) -> dict[str, str]:
    """Both sizes rounded alike, or to the byte when rounding would make them look equal."""
    if human_size(size) != human_size(limit):
        return {"size": human_size(size), "limit": human_size(limit)}
    return {
        "size": _("{n:,} bytes").format(n=size),
        "limit": _("{n:,} bytes").format(n=limit),
    }


def add_attachment_file(
    request_id: int,
    path: str | Path,
    *,
    description: str = "",
    actor: StaffUser | None,
    limit: int = MAX_ATTACHMENT_BYTES,
) -> AttachmentInfo:
    """Attach the file at `path` to a request."""
    data = read_file(path, limit)
    return add_attachment(
        request_id, Path(path).name, data, description=description, actor=actor, limit=limit
    )


def add_attachment(
    request_id: int,
    filename: str,
    data: bytes,
    *,
    description: str = "",
    actor: StaffUser | None,
    limit: int = MAX_ATTACHMENT_BYTES,
) -> AttachmentInfo:
    """Attach `data` to a request under `filename` (cleaned). Nothing is saved on error."""

    permissions.require(actor, permissions.ATTACHMENT_EDIT)
    if not data:
        raise InputError(_("“{name}” is empty: there is nothing to attach.").format(name=filename))
    if len(data) > limit:
        raise InputError(_too_big(clean_filename(filename), len(data), limit))
    media_type = guess_media_type(data, filename)
    name = clean_filename(filename, media_type)
    digest = hashlib.sha256(data).hexdigest()
    thumbnail = make_thumbnail(data) if media_type in _THUMBNAIL_TYPES else None
    note = " ".join(unicodedata.normalize("NFC", description).split())[:MAX_DESCRIPTION]

    def save() -> int:
        request = ServiceRequest.get_or_none(ServiceRequest.id == request_id)
        if request is None:
            raise NotFound(_("That request is no longer on file."))
        same = Attachment.get_or_none(Attachment.request == request_id, Attachment.sha256 == digest)
        if same is not None:
            raise InputError(
                _("This file is already attached to {number} as “{name}”.").format(
                    number=request.tracking_number, name=same.filename
                )
            )
        now = clock.now()
        attachment = Attachment.create(
            request=request_id,
            filename=name,
            media_type=media_type,
            size=len(data),
            sha256=digest,
            data=data,
            thumbnail=thumbnail,
            description=note,
            created_at=now,
            created_by=actor,
        )
        RequestEvent.create(
            request=request_id,
            kind="attachment",
            at=now,
            actor=actor,
            new_value=name,
            body=_("Attached “{name}” ({size}).").format(name=name, size=human_size(len(data))),
        )
        audit.record(
            "attachment",
            attachment.id,
            "create",
            None,
            audit.snapshot(attachment, ["request", "filename", "media_type", "size", "sha256"]),
            actor,
        )
        return int(attachment.id)

    return get_attachment(write(save), thumbnail=True)


_INFO_COLUMNS = (
    Attachment.id,
    Attachment.request,
    Attachment.filename,
    Attachment.media_type,
    Attachment.size,
    Attachment.sha256,
    Attachment.description,
    Attachment.created_at,
    StaffUser.full_name,
)


def _infos(where: Any, thumbnail: bool) -> list[AttachmentInfo]:
    columns = (*_INFO_COLUMNS, Attachment.thumbnail) if thumbnail else _INFO_COLUMNS
    query = (
        Attachment.select(*columns)
        .join(StaffUser, JOIN.LEFT_OUTER, on=Attachment.created_by == StaffUser.id)
        .where(where)
        .order_by(Attachment.id)
        .dicts()
    )
    rows = cast("list[dict[str, Any]]", list(query))  # .dicts() rows
    found = []
    for row in rows:
        picture = row.get("thumbnail")
        found.append(
            AttachmentInfo(
                id=row["id"],
                request_id=row["request"],
                # cleaned as read too: a name stored by another program, an old version or a
                # hand-edited file ("../../x", "CON") never names a folder or a device
                filename=clean_filename(str(row["filename"] or ""), row["media_type"] or ""),
                media_type=row["media_type"],
                size=row["size"],
                sha256=row["sha256"],
                description=row["description"],
                created_at=row["created_at"],
                created_by=row["full_name"] or "",
                thumbnail=bytes(picture) if picture is not None else None,
            )
        )
    return found


def list_attachments(request_id: int, *, thumbnails: bool = False) -> list[AttachmentInfo]:
    """A request's attachments, oldest first, without the files (and without the thumbnails
    unless asked: the detail pane asks, a list of names does not)."""
    return _infos(Attachment.request == request_id, thumbnails)


def get_attachment(attachment_id: int, *, thumbnail: bool = False) -> AttachmentInfo:
    found = _infos(Attachment.id == attachment_id, thumbnail)
    if not found:
        raise NotFound(_("There is no attachment number {id}.").format(id=attachment_id))
    return found[0]


def attachment_data(attachment_id: int) -> bytes:
    """The file itself."""
    data = Attachment.select(Attachment.data).where(Attachment.id == attachment_id).tuples().first()
    if data is None:
        raise NotFound(_("There is no attachment number {id}.").format(id=attachment_id))
    return bytes(data[0])


def save_attachment(attachment_id: int, target: str | Path, *, overwrite: bool = False) -> Path:
    """Write the file to `target` (a folder: under its own name there). The file appears whole
    or not at all; an existing file is replaced only with `overwrite`."""
    info = get_attachment(attachment_id)
    data = attachment_data(attachment_id)
    path = Path(target).expanduser()
    if path.is_dir():
        path = path / clean_filename(info.filename, info.media_type)  # a bare name, always
    if path.exists() and not overwrite:
        raise InputError(_("{path} already exists; choose another name.").format(path=path))
    try:
        write_whole(path, data)
    except OSError as exc:
        raise InputError(
            _("The attachment could not be saved to {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from None
    return path


def delete_attachment(attachment_id: int, *, actor: StaffUser | None) -> None:
    """Remove an attachment; the request's history keeps a line saying who removed what."""

    permissions.require(actor, permissions.ATTACHMENT_EDIT)

    def save() -> None:
        found = get_attachment(attachment_id)
        audit.record(
            "attachment",
            attachment_id,
            "delete",
            {
                "request": found.request_id,
                "filename": found.filename,
                "media_type": found.media_type,
                "size": found.size,
                "sha256": found.sha256,
            },
            None,
            actor,
        )
        Attachment.delete().where(Attachment.id == attachment_id).execute()
        RequestEvent.create(
            request=found.request_id,
            kind="attachment_removed",
            at=clock.now(),
            actor=actor,
            old_value=found.filename,
            body=_("Removed the attachment “{name}”.").format(name=found.filename),
        )

    write(save)
