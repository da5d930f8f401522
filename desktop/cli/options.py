"""The options of `frontcounter` itself (before any sub-command): enough to open the window
without importing a single command's module (start-up time)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop import __version__
from desktop.i18n import LANGUAGES, _

#: `frontcounter`'s own options, and whether each takes a value
OPTIONS = {
    "--db": True,
    "--basedir": True,
    "--user": True,
    "--no-err-windows": False,
    "--smoke-test": False,
    "--verbose": False,
    "--lang": True,
    "--version": False,  # answered from these options alone: no command's module loads
}


def command_word(arguments: list[str]) -> str | None:
    """The sub-command's name: the first word that is neither one of the options above nor the
    value one of them takes (None when there is none, or an option comes first that is not
    ours, such as --help: then the whole parser answers)."""
    words = iter(arguments)
    for word in words:
        if not word.startswith("-"):
            return word
        name, has_value, _value = word.partition("=")
        if name not in OPTIONS:
            return None
        if OPTIONS[name] and not has_value:
            next(words, None)
    return None


def main_parser() -> argparse.ArgumentParser:
    """`frontcounter` and its own options; `parser.build_parser` adds the sub-commands."""
    parser = argparse.ArgumentParser(
        prog="frontcounter",
        description=_(
            "Front Counter: service requests and questions at the town hall counter. "
            "With no sub-command it opens the window."
        ),
    )
    parser.add_argument("--version", action="version", version=f"frontcounter {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help=_(
            "the database: a file path or postgresql://user@host:port/name "
            "(default: frontcounter.db in the user data folder)"
        ),
    )
    parser.add_argument(
        "--basedir",
        type=Path,
        metavar="DIR",
        help=_("keep every data, settings and log file under DIR (tests, portable installs)"),
    )
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help=_(
            "act as this staff member, signed in with their password (FRONTCOUNTER_PASSWORD, "
            "or asked at a terminal)"
        ),
    )
    parser.add_argument(
        "--no-err-windows",
        action="store_true",
        help=_("write error messages to the log instead of showing dialogs"),
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help=_("open the main window offscreen, paint it once and exit (0 when all is well)"),
    )
    parser.add_argument("--verbose", action="store_true", help=_("log to the terminal too"))
    parser.add_argument(
        "--lang",
        choices=sorted(LANGUAGES),
        help=_(
            "the language of the window and the command line on this workstation "
            "(default: the one chosen in Settings, else the computer's)"
        ),
    )
    return parser


def language_option(arguments: list[str]) -> tuple[str | None, str | None]:
    """`--lang` and `--basedir` as given, read before anything is parsed (the parser's own
    help text is already in the chosen language)."""
    found: dict[str, str | None] = {"--lang": None, "--basedir": None}
    words = iter(arguments)
    for word in words:
        if not word.startswith("-") or word == "--":
            break  # the sub-command: what follows is its own
        name, has_value, value = word.partition("=")
        if name in found:
            found[name] = value if has_value else next(words, None)
        elif OPTIONS.get(name) and not has_value:
            next(words, None)
    return found["--lang"], found["--basedir"]


def window_parser() -> argparse.ArgumentParser:
    """The options when they only open the window."""
    parser = main_parser()
    parser.set_defaults(command=None)
    return parser
