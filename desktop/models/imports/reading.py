"""A file of requests as a table: its header, and its rows one at a time.

CSV in any delimiter (comma, semicolon, tab, bar), quoted or not, in UTF-8 (with or without a
BOM), UTF-16 with a BOM (Excel's "Unicode text"), or Windows-1252 (Latin-1's superset): UTF-8 is
tried first, then Windows-1252; a file that is UTF-8 in places and not in others is refused
rather than half-read. Spreadsheets (.xlsx, .xls, .ods) through calamine, which hands each
cell as the value it holds (a date as a date).

A file is read whole once before anything is imported (`open_table`): a quote left open, a
cell larger than any real one, NUL bytes in a text file, a zip that unpacks to far more than it
weighs, are each refused in a sentence, and nothing comes in. A row with more cells than the
header is not a reason to refuse the file: that row is listed with its reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.models.errors import InputError

#: the largest file read (Boston's whole 2015 is 62 MB)
MOST_BYTES = 1024 * 1024 * 1024
#: the largest cell: no real request's words come near it
MAX_CELL = 1_000_000
#: a spreadsheet may unpack to at most this much, and at most RATIO times what it weighs
MOST_UNPACKED = 2 * 1024 * 1024 * 1024
RATIO = 150
#: the rows read for recognising the columns
SAMPLE_ROWS = 500
DELIMITERS = (",", ";", "\t", "|")
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")

#: a cell as it comes: text from a CSV file, a value from a spreadsheet
Cell = str | float | int | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


@dataclass
class Table:
    """A file read and checked: its header (unique names), the number of its data rows, the
    first rows (to recognise the columns by), and `rows()` to read them all again."""

    name: str
    header: list[str]
    count: int
    sample: list[list[Cell]]
    digest: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    #: the rows in order: (row number as a spreadsheet shows it, cells)
    rows: Callable[[], Iterator[tuple[int, list[Cell]]]] = field(
        repr=False, default=lambda: iter(())
    )
    #: rows that cannot be read as rows at all (more cells than the header has columns)
    broken: dict[int, str] = field(default_factory=dict)


def open_table(path: Path) -> Table:
    """The table in `path`, read whole and checked; InputError in the clerk's words when the
    file cannot be imported at all."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(
            _("{file} could not be read: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from None
    if size > MOST_BYTES:
        raise InputError(
            _("{file} is larger than an import can be ({n} MB at most).").format(
                file=path.name, n=MOST_BYTES // 1024 // 1024
            )
        )
    if size == 0:
        raise InputError(_("{file} is empty. Nothing was imported.").format(file=path.name))
    if path.suffix.lower() in SPREADSHEETS:
        return _spreadsheet(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            _("{file} could not be read: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from None
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(
            _(
                "{file} is a spreadsheet or an archive, not a CSV file. Save it with the "
                "ending .xlsx, .xls or .ods, or as CSV. Nothing was imported."
            ).format(file=path.name)
        )
    text, encoding = decode(raw, path.name)
    head = text[:65536]
    controls = sum(1 for ch in head if ch in _CONTROLS)
    if controls > max(8, len(head) // 100):
        raise InputError(
            _(
                "{file} is not text (it is full of control characters): a CSV file is text. "
                "Nothing was imported."
            ).format(file=path.name)
        )
    return _csv_table(path.name, text, encoding, hashlib.sha256(raw).hexdigest())


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(
                _("{file} says it is UTF-16 text but is not. Nothing was imported.").format(
                    file=name
                )
            ) from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            _(
                "{file} has NUL bytes (line {line}): it is not a text file. Save it from the "
                "spreadsheet as CSV again. Nothing was imported."
            ).format(file=name, line=line)
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if _UTF8_MULTIBYTE.search(raw):
        # real UTF-8 letters in one place and bytes that are not UTF-8 in another: two files
        # pasted together, or a damaged one. Reading it either way would garble half of it.
        line = raw[:bad_at].count(b"\n") + 1
        raise InputError(
            _(
                "{file} is UTF-8 text except on line {line}, which is not (two encodings in one "
                "file). Save it again as UTF-8. Nothing was imported."
            ).format(file=name, line=line)
        )
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


#: characters no text file has (tab, line feed and carriage return aside)
_CONTROLS = frozenset(chr(n) for n in [*range(0, 9), 11, 12, *range(14, 32), 127])

#: a character UTF-8 writes in two to four bytes: Windows-1252 text almost never has one
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _csv_dialect(text: str) -> str:
    """The delimiter: the one that splits the first lines into the same number of cells, the
    most of them."""
    head = text[:65536]
    lines = head.splitlines()[:20] or [""]
    best, best_cells = ",", 1
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        cells = counts[0]
        steady = sum(1 for n in counts if n == cells) >= max(1, len(counts) * 0.6)
        if cells > best_cells and steady:
            best, best_cells = delimiter, cells
    return best


def _reader(text: str, delimiter: str) -> Any:
    csv.field_size_limit(MAX_CELL + 1)
    return csv.reader(_lines(text), delimiter=delimiter, strict=True)


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, one at a time (a StringIO of a 60 MB file holds
    four bytes a character: a quarter of a gigabyte). Only "\n" ends a line, as csv wants."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start : stop + 1]
        start = stop + 1


def _csv_table(name: str, text: str, encoding: str, digest: str) -> Table:
    delimiter = _csv_dialect(text)
    header: list[str] = []
    sample: list[list[Cell]] = []
    broken: dict[int, str] = {}
    count = 0
    reader = _reader(text, delimiter)
    line = 1
    try:
        for row in reader:
            if not header:
                if any(cell.strip() for cell in row):
                    header = unique_names(row)
                line = reader.line_num + 1
                continue
            if not any(cell.strip() for cell in row):
                line = reader.line_num + 1
                continue
            count += 1
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                broken[count + 1] = _(
                    "{cells} cells, more than the {columns} columns (a comma in a cell that is "
                    "not in quotes?)"
                ).format(cells=len(row), columns=len(header))
            elif len(sample) < SAMPLE_ROWS:
                sample.append(list(row))
            line = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = _("a cell is larger than {most:,} characters").format(most=MAX_CELL)
        elif "end of data" in str(exc) or "EOF" in str(exc):
            reason = _('a quote (") is opened and never closed, so the rows after it run together')
        else:
            reason = str(exc)
        raise InputError(
            _("Line {n} of {file} cannot be read: {reason}. Nothing was imported.").format(
                n=line, file=name, reason=reason
            )
        ) from None
    if not header:
        raise InputError(_("{file} has no rows. Nothing was imported.").format(file=name))

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        number = 1
        seen_header = False
        for row in _reader(text, delimiter):
            if not any(cell.strip() for cell in row):
                continue
            if not seen_header:
                seen_header = True
                continue
            number += 1
            yield number, list(row)

    return Table(name, header, count, sample, digest, encoding, delimiter, "", rows, broken)


def unique_names(row: list[Any]) -> list[str]:
    """The header's names, stripped, each once ("column 7" for a blank one)."""
    names: list[str] = []
    seen: set[str] = set()
    for n, cell in enumerate(row, 1):
        name = re.sub(r"\s+", " ", str(cell if cell is not None else "")).strip()[:200]
        name = name or _("column {n}").format(n=n)
        base, k = name, 2
        while name.casefold() in seen:
            name, k = f"{base} ({k})", k + 1
        seen.add(name.casefold())
        names.append(name)
    return names


def _check_zip(path: Path) -> None:
    """Refuse a zip (an .xlsx or .ods is one) that unpacks to far more than it weighs."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(
            _(
                "{file} is not a spreadsheet this can read (a damaged file?). Nothing was imported."
            ).format(file=path.name)
        ) from None
    weight = max(1, path.stat().st_size)
    if unpacked > MOST_UNPACKED or unpacked > RATIO * weight + 10 * 1024 * 1024:
        raise InputError(
            _(
                "{file} would unpack to {size:,} MB from {weight:,} KB: that is not a real "
                "spreadsheet. Nothing was imported."
            ).format(file=path.name, size=unpacked // 1024 // 1024, weight=weight // 1024)
        )


def _spreadsheet(path: Path) -> Table:
    import python_calamine  # only an import of a spreadsheet needs it

    if path.suffix.lower() != ".xls":
        _check_zip(path)
    try:
        raw_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if not names:
            raise InputError(
                _("{file} has no sheets. Nothing was imported.").format(file=path.name)
            )
        sheet = workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=True)
    except InputError:
        raise
    except Exception as exc:  # calamine names its own errors; any of them means the same here
        raise InputError(
            _("{file} could not be read as a spreadsheet ({reason}). Nothing was imported.").format(
                file=path.name, reason=str(exc)[:200]
            )
        ) from None
    rows = [list(row) for row in grid]
    while rows and not any(_filled(cell) for cell in rows[0]):
        rows.pop(0)
    if not rows:
        raise InputError(_("{file} has no rows. Nothing was imported.").format(file=path.name))
    header = unique_names(rows[0])
    body: list[tuple[int, list[Cell]]] = []
    for n, row in enumerate(rows[1:], 2):
        if not any(_filled(cell) for cell in row):
            continue
        for cell in row:
            if isinstance(cell, str) and len(cell) > MAX_CELL:
                raise InputError(
                    _(
                        "Row {n} of {file} has a cell larger than {most:,} characters. Nothing "
                        "was imported."
                    ).format(n=n, file=path.name, most=MAX_CELL)
                )
        body.append((n, [None if cell == "" else cell for cell in row]))

    def all_rows() -> Iterator[tuple[int, list[Cell]]]:
        return iter(body)

    sample = [cells for _n, cells in body[:SAMPLE_ROWS]]
    return Table(path.name, header, len(body), sample, raw_hash, "", "", str(names[0]), all_rows)


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""
