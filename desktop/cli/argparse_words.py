"""The words Python's argparse writes itself ("usage:", "options", its error sentences), marked
here so that the catalogs carry them, and handed to argparse in the workstation's language.

argparse looks its words up through its module's own `_` and `ngettext` (the standard gettext
domain, which no Front Counter catalog fills), so `speak_argparse()` points those two at ours.
The messages below are argparse's own, character for character (Python 3.11 to 3.13).
"""

from __future__ import annotations

import argparse

from desktop import i18n
from desktop.i18n import N_

#: argparse's messages that a clerk can meet at the command line
WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def speak_argparse() -> None:
    """Make argparse write its own words in the workstation's language."""
    if i18n.workstation_language() == i18n.DEFAULT:
        return
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]
