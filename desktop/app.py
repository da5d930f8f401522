"""The `frontcounter` command: the window with no sub-command, the CLI with one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop.cli.parser import build_parser
from desktop.logs import setup_logging
from desktop.paths import app_paths

#: the options that only say how to open the window (and whether it takes a value)
_WINDOW_OPTIONS = {
    "--db": True,
    "--basedir": True,
    "--user": True,
    "--no-err-windows": False,
    "--smoke-test": False,
    "--verbose": False,
}


def _window_arguments(arguments: list[str]) -> argparse.Namespace | None:
    """The options when they only open the window, parsed without importing every command's
    module (start-up time); None when there is a sub-command, --help or anything else."""
    words = iter(arguments)
    for word in words:
        name, has_value, _value = word.partition("=")
        if name not in _WINDOW_OPTIONS:
            return None
        if _WINDOW_OPTIONS[name] and not has_value and next(words, None) is None:
            return None
    return build_parser(with_commands=False).parse_args(arguments)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _window_arguments(arguments) or build_parser().parse_args(arguments)
    paths = app_paths(args.basedir)
    setup_logging(paths, verbose=getattr(args, "verbose", False))
    if args.command is None:
        from desktop.ui.application import run_gui  # Qt is imported only for the window

        return run_gui(args, paths)
    from desktop.cli.commands import run_command

    try:
        status = run_command(args, paths)
        sys.stdout.flush()
    except BrokenPipeError:
        # `frontcounter request list | head`: the reader stopped; not an error of ours
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status
