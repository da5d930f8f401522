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
from desktop.models.outside import csv_problem

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


def open_table(path: Path, sheet: str = "") -> Table:
    """The table in `path`, read whole and checked; InputError in the clerk's words when the
    file cannot be imported at all. `sheet`: a workbook's sheet (else the one with the most
    rows)."""
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
    if path.is_dir():
        raise InputError(_("{file} is a folder, not a file.").format(file=path))
    if path.suffix.lower() in SPREADSHEETS:
        return _spreadsheet(path, sheet)
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


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record that is not blank, with the line it starts on (what a clerk's editor
    shows: a cell with line breaks in it counts its lines)."""
    reader = _reader(text, delimiter)
    line = 1
    for row in reader:
        starts, line = line, reader.line_num + 1
        if any(cell.strip() for cell in row):
            yield starts, row


def header_at(rows: list[list[Any]]) -> int:
    """Which of the first rows is the header: a title line or two above it ("Requests
    2019", "Printed 3/4/21") fill one cell where the header fills most of them."""
    widths = [sum(1 for c in row if c is not None and str(c).strip()) for row in rows[:12]]
    widest = max(widths, default=0)
    for n, width in enumerate(widths):
        if width >= 2 and width >= 0.6 * widest:
            return n
    return 0


def _csv_table(name: str, text: str, encoding: str, digest: str) -> Table:
    delimiter = _csv_dialect(text)
    sample: list[list[Cell]] = []
    broken: dict[int, str] = {}
    count = 0
    line = 1
    records = _records(text, delimiter)
    try:
        head = [row for _i, (_line, row) in zip(range(12), _records(text, delimiter), strict=False)]
        skip = header_at(head)
        if not head:
            raise InputError(_("{file} has no rows. Nothing was imported.").format(file=name))
        header = unique_names(head[skip])
        for _n in range(skip + 1):
            next(records)
        for line, row in records:
            count += 1
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                broken[line] = _(
                    "{cells} cells, more than the {columns} columns (a comma in a cell that is "
                    "not in quotes?)"
                ).format(cells=len(row), columns=len(header))
            elif len(sample) < SAMPLE_ROWS:
                sample.append(list(row))
    except csv.Error as exc:
        reason = csv_problem(exc, MAX_CELL)
        raise InputError(
            _("Line {n} of {file} cannot be read: {reason}. Nothing was imported.").format(
                n=line, file=name, reason=reason
            )
        ) from None

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        found = _records(text, delimiter)
        for _n in range(skip + 1):
            next(found)
        for number, row in found:
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


#: the most cells a sheet's used area may span (a million rows of 30 columns): a cell far
#: away (XFD1048576) would make the reader set aside room for seventeen billion
MOST_CELLS = 30_000_000
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')


def _check_xlsx_cells(path: Path) -> None:
    """Refuse a workbook whose sheets reach far beyond their cells (before reading them)."""
    with zipfile.ZipFile(path) as archive:
        for item in archive.infolist():
            if not item.filename.startswith("xl/worksheets/") or not item.filename.endswith(".xml"):
                continue
            rows = columns = 0
            tail = b""
            with archive.open(item) as sheet:
                while chunk := sheet.read(1 << 20):
                    data = tail + chunk
                    for match in _CELL_REF.finditer(data):
                        letters, number = match.group(1), int(match.group(2))
                        column = 0
                        for letter in letters:
                            column = column * 26 + letter - 64
                        rows, columns = max(rows, number), max(columns, column)
                    tail = data[-32:]
            if rows * columns > MOST_CELLS:
                raise InputError(
                    _(
                        "{file} has a cell at row {rows:,}, column {columns:,}: the sheet would "
                        "span {cells:,} cells. Delete what is far below or right of the table, "
                        "or save the table alone as CSV. Nothing was imported."
                    ).format(file=path.name, rows=rows, columns=columns, cells=rows * columns)
                )


def _spreadsheet(path: Path, sheet_name: str = "") -> Table:
    import python_calamine  # only an import of a spreadsheet needs it

    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
        raw_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(
            _("{file} could not be read: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".xls" and magic != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(
            _(
                "{file} is not an Excel 97-2003 workbook, whatever its name says (text saved "
                "with the ending .xls?). Open it and save it as .xlsx or .csv. Nothing was "
                "imported."
            ).format(file=path.name)
        )
    if suffix != ".xls":
        _check_zip(path)
        if suffix in (".xlsx", ".xlsm"):
            _check_xlsx_cells(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
        if not names:
            raise InputError(
                _("{file} has no sheets. Nothing was imported.").format(file=path.name)
            )
        if sheet_name:
            wanted = [n for n in names if n.casefold() == sheet_name.strip().casefold()]
            if not wanted:
                raise InputError(
                    _("{file} has no sheet “{sheet}” (it has {sheets}).").format(
                        file=path.name, sheet=sheet_name, sheets=", ".join(names)
                    )
                )
            chosen = [wanted[0]]
        else:
            chosen = names
        grids: list[tuple[int, int, str, int, list[list[Any]]]] = []
        for name in chosen:  # the sheet with the most rows in it, unless the clerk said
            sheet = workbook.get_sheet_by_name(name)
            grid = [list(row) for row in sheet.to_python(skip_empty_area=True)]
            filled = sum(1 for row in grid if any(_filled(cell) for cell in row))
            grids.append((filled, -len(grids), name, sheet.start[0] if sheet.start else 0, grid))
        _filled_rows, _order, name, first_row, rows = max(grids)
    except InputError:
        raise
    except Exception as exc:  # calamine names its own errors; any of them means the same here
        raise InputError(
            _("{file} could not be read as a spreadsheet ({reason}). Nothing was imported.").format(
                file=path.name, reason=str(exc)[:200]
            )
        ) from None
    numbered = [
        (first_row + 1 + n, row) for n, row in enumerate(rows) if any(_filled(c) for c in row)
    ]
    if not numbered:
        raise InputError(_("{file} has no rows. Nothing was imported.").format(file=path.name))
    skip = header_at([row for _n, row in numbered[:12]])
    header = unique_names(numbered[skip][1])
    body: list[tuple[int, list[Cell]]] = []
    for n, row in numbered[skip + 1 :]:
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
    return Table(path.name, header, len(body), sample, raw_hash, "", "", name, all_rows)


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""
