"""Files from outside (a town's exports, another system's, a hand-edited spreadsheet): read
whole or refused whole, in a sentence that names the line or the row and the reason.

Every import reads its JSON and CSV through here, so that the edges are the same everywhere:
nesting deeper than any real file has, a cell larger than a file may be, a quote left open that
would swallow the rows after it, a row with more cells than the header has columns. Python's
own readers answer those with a RecursionError, a `field larger than field limit` or silence.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from desktop.i18n import _
from desktop.models.errors import InputError

#: no file the app reads nests deeper than this (a catalog: types, questions, choices)
MAX_DEPTH = 32
#: the largest cell a CSV file may have (an article's body is at most 20,000 characters)
MAX_CELL = 1_000_000


def load_json(text: str, what: str) -> Any:
    """The JSON document in `text`; InputError when it is not one, or nests deeper than
    MAX_DEPTH. `what` names the kind of file in the sentence ("a knowledge base")."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            _("That file is not {what}: line {line} is not valid JSON ({reason}).").format(
                what=what, line=exc.lineno, reason=exc.msg
            )
        ) from None
    except RecursionError:
        data = None
        too_deep = True
    else:
        too_deep = _depth_over(data, MAX_DEPTH)
    if too_deep:
        raise InputError(
            _(
                "That file is not {what}: its lists and records are nested more than {most} "
                "deep. Nothing was imported."
            ).format(what=what, most=MAX_DEPTH)
        )
    return data


def _depth_over(data: Any, most: int) -> bool:
    """Whether `data` nests lists and records more than `most` deep (without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > most:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def csv_problem(exc: csv.Error, most: int) -> str:
    """What Python's csv reader met, in the clerk's words (`most`: the largest cell)."""
    if "field larger than field limit" in str(exc):
        return _("a cell is larger than {most:,} characters").format(most=most)
    if "end of data" in str(exc) or "EOF" in str(exc):
        return _('a quote (") is opened and never closed, so the rows after it run together')
    return str(exc)


def read_csv(text: str, known: tuple[str, ...], required: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a CSV file with a header row, each a dict of the header's names; InputError
    (naming the row) for a column the app does not know, a row with more cells than the header,
    a quote left open, or a cell over MAX_CELL characters."""
    csv.field_size_limit(MAX_CELL + 1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    starts = 1
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in required if name not in header]
        if missing:
            raise InputError(
                _("The CSV file needs a “{name}” column. Nothing was imported.").format(
                    name=missing[0]
                )
            )
        unknown = [name for name in header if name and name not in known]
        if unknown:
            raise InputError(
                _(
                    "The CSV file has a column “{name}” that Front Counter does not read (it "
                    "reads {known}). Take it out, or rename it. Nothing was imported."
                ).format(name=unknown[0][:60], known=", ".join(known))
            )
        rows = []
        starts = reader.line_num + 1  # the line the next row starts on
        for row in reader:
            starts, row_starts = reader.line_num + 1, starts
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) > len(header):
                raise InputError(
                    _(
                        "Line {n} of the CSV file has {cells} cells, more than its {columns} "
                        "columns (a comma in a cell that is not in quotes?). Nothing was imported."
                    ).format(n=row_starts, cells=len(row), columns=len(header))
                )
            rows.append({name: cell for name, cell in zip(header, row, strict=False) if name})
    except csv.Error as exc:
        reason = csv_problem(exc, MAX_CELL)
        raise InputError(
            _("Line {n} of the CSV file cannot be read: {reason}. Nothing was imported.").format(
                n=starts, reason=reason
            )
        ) from None
    return rows
