"""pybabel's extractor for Front Counter's code (resources/locale/babel.cfg names it).

Babel's own Python extractor reads tokens, and before Python 3.12 an f-string is one token: a
`_("...")` inside `f"<b>{_('Safety:')}</b>"` was never extracted, so never translated. This one
reads the syntax tree instead, which sees every call, in f-strings too.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

#: the functions whose literal arguments are messages, and how many of them (ngettext: two)
FUNCTIONS = {"_": 1, "N_": 1, "ngettext": 2}


def messages_in(source: str) -> Iterator[tuple[int, str, str | tuple[str, ...]]]:
    """(line, function, message) for every literal message in `source`, in order."""
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        count = FUNCTIONS.get(node.func.id)
        if count is None or len(node.args) < count:
            continue
        texts = [
            a.value
            for a in node.args[:count]
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if len(texts) == count:
            yield node.lineno, node.func.id, texts[0] if count == 1 else tuple(texts)


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str | tuple[str, ...], list[str]]]:
    """Babel's extraction method: (line, function, message, comments)."""
    source = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    found = sorted(messages_in(source), key=lambda item: item[0])
    for line, function, message in found:
        yield line, function, message, []
