"""Attachments: limits, names, media types, thumbnails (and hostile images), history lines."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from desktop.models.errors import InputError, NotFound
from desktop.models.requests import attachments as files
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import Attachment, RequestEvent


@pytest.fixture
def request_id(db) -> int:
    draft = RequestDraft(
        service_type="pothole",
        description="Hole",
        address="12 Elm St",
        answers={"size": "small", "in_lane": "no"},
        caller=CallerDetails("Ann", "Lee"),
    )
    created: int = create_request(draft, actor=None).id
    return created


def image_bytes(fmt: str, size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "RGBA" else (255, 0, 0, 128)).save(out, format=fmt)
    return out.getvalue()


def history(request_id: int) -> list[tuple[str, str]]:
    events = (
        RequestEvent.select().where(RequestEvent.request == request_id).order_by(RequestEvent.id)
    )
    return [(e.kind, e.body) for e in events]


def test_a_photo_gets_a_thumbnail_and_a_history_line(request_id):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    photo = image_bytes("JPEG", (1600, 1200))
    info = files.add_attachment(request_id, "IMG_0001.jpg", photo, actor=clerk)
    assert info.media_type == "image/jpeg" and info.size == len(photo) and info.is_image
    assert info.created_by == "Carla Clerk" and len(info.sha256) == 64
    assert info.thumbnail is not None
    with Image.open(io.BytesIO(info.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 256
    assert history(request_id)[-1][0] == "attachment"
    assert "IMG_0001.jpg" in history(request_id)[-1][1]
    assert files.attachment_data(info.id) == photo


def test_transparent_images_get_png_thumbnails(request_id):
    info = files.add_attachment(
        request_id, "map.png", image_bytes("PNG", (300, 100), "RGBA"), actor=None
    )
    assert info.thumbnail is not None and info.thumbnail.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(info.thumbnail)) as thumb:
        assert thumb.size == (256, 85)


def test_the_list_does_not_read_the_files(request_id, db):
    files.add_attachment(request_id, "a.pdf", b"%PDF-1.4 tiny", actor=None)
    files.add_attachment(request_id, "b.png", image_bytes("PNG"), actor=None)
    queries: list[str] = []
    original = db.db.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        queries.append(sql)
        return original(sql, params, *args, **kwargs)

    db.db.execute_sql = spy
    try:
        listed = files.list_attachments(request_id)
        with_pictures = files.list_attachments(request_id, thumbnails=True)
    finally:
        del db.db.execute_sql
    assert [a.filename for a in listed] == ["a.pdf", "b.png"]
    assert all(a.thumbnail is None for a in listed)
    assert with_pictures[1].thumbnail is not None and with_pictures[0].thumbnail is None
    assert len(queries) == 2 and all('"data"' not in sql for sql in queries)


def test_documents_types_come_from_content_then_name(request_id):
    pdf = files.add_attachment(request_id, "letter", b"%PDF-1.7\n...", actor=None)
    assert pdf.media_type == "application/pdf" and pdf.thumbnail is None
    text = files.add_attachment(request_id, "notes.txt", b"plain words", actor=None)
    assert text.media_type == "text/plain"
    fake = files.add_attachment(
        request_id, "photo.jpg", b"<html><script>x</script></html>", actor=None
    )
    assert fake.media_type == "application/octet-stream" and fake.thumbnail is None
    svg = files.add_attachment(request_id, "logo.svg", b"<svg onload='x'/>", actor=None)
    assert svg.media_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\photo.jpg", "photo.jpg"),
        ("CON.txt", "_CON.txt"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("  .hidden. ", "hidden"),
        ('a<b>:"c"|?*.png', "a_b___c____.png"),
        ("line\nbreak\x00.txt", "linebreak.txt"),
        ("", "attachment.pdf"),
        ("x" * 300 + ".jpeg", "x" * 250 + ".jpeg"),
    ],
)
def test_filenames_are_cleaned(given, expected):
    assert files.clean_filename(given, "application/pdf") == expected


def test_empty_huge_and_missing_files_are_refused_and_nothing_is_saved(request_id, tmp_path):
    with pytest.raises(InputError, match="empty"):
        files.add_attachment(request_id, "nothing.txt", b"", actor=None)
    with pytest.raises(InputError, match="at most"):
        files.add_attachment(request_id, "big.bin", b"x" * 2049, limit=2048, actor=None)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2049)
    with pytest.raises(InputError, match="is 2,049 bytes; attachments can be 2,048 bytes at most"):
        files.add_attachment_file(request_id, big, limit=2048, actor=None)
    with pytest.raises(InputError, match=r"is 10\.5 MB; attachments can be 10\.0 MB at most"):
        files.add_attachment(request_id, "huge.jpg", b"\xff" * 11_000_000, actor=None)
    with pytest.raises(InputError, match="There is no file"):
        files.add_attachment_file(request_id, tmp_path / "missing.jpg", actor=None)
    with pytest.raises(InputError, match="folder"):
        files.add_attachment_file(request_id, tmp_path, actor=None)
    with pytest.raises(NotFound):
        files.add_attachment(999_999, "a.txt", b"a", actor=None)
    assert Attachment.select().count() == 0
    assert [kind for kind, _body in history(request_id)] == ["created"]


def test_the_same_file_twice_is_refused(request_id):
    files.add_attachment(request_id, "a.txt", b"same", actor=None)
    with pytest.raises(InputError, match="already attached"):
        files.add_attachment(request_id, "b.txt", b"same", actor=None)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data",
    [
        _png_claiming(100_000, 100_000),  # far beyond Pillow's own bomb limit
        _png_claiming(8_000, 8_000),  # beyond ours, below Pillow's
        image_bytes("JPEG")[:300],  # cut short
        b"\xff\xd8\xff" + b"\x00" * 500,  # a JPEG signature and nothing else
        b"GIF89a" + bytes(range(256)) * 4,
        b"RIFF\x00\x00\x00\x00WEBPVP8 garbage",
    ],
)
def test_damaged_and_hostile_images_are_kept_without_a_thumbnail(request_id, data):
    info = files.add_attachment(request_id, "photo", data, actor=None)
    assert info.is_image and info.thumbnail is None
    assert files.attachment_data(info.id) == data


def test_save_to_a_file_and_delete(request_id, tmp_path: Path):
    clerk = create_staff("Carla Clerk", "clerk", actor=None)
    info = files.add_attachment(request_id, "../report.pdf", b"%PDF-1.4 body", actor=None)
    saved = files.save_attachment(info.id, tmp_path)
    assert saved == tmp_path / "report.pdf" and saved.read_bytes() == b"%PDF-1.4 body"
    with pytest.raises(InputError, match="already exists"):
        files.save_attachment(info.id, saved)
    saved.write_bytes(b"old")
    assert files.save_attachment(info.id, saved, overwrite=True).read_bytes() == b"%PDF-1.4 body"
    with pytest.raises(InputError, match="could not be saved"):
        files.save_attachment(info.id, tmp_path / "no" / "such" / "folder.pdf")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".frontcounter")) == []
    files.delete_attachment(info.id, actor=clerk)
    assert files.list_attachments(request_id) == []
    kind, body = history(request_id)[-1]
    assert kind == "attachment_removed" and "report.pdf" in body
    with pytest.raises(NotFound):
        files.delete_attachment(info.id, actor=None)
    with pytest.raises(NotFound):
        files.attachment_data(info.id)


def test_an_attachment_goes_with_its_request(request_id, db):
    files.add_attachment(request_id, "a.txt", b"a", actor=None)
    from desktop.models.storage.db import write
    from desktop.models.storage.schema import ServiceRequest

    write(lambda: ServiceRequest.delete().where(ServiceRequest.id == request_id).execute())
    assert Attachment.select().count() == 0
