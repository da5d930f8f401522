"""The `frontcounter` command: the window with no sub-command, the CLI with one."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from desktop.cli.parser import build_parser
from desktop.logs import setup_logging
from desktop.paths import app_paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    paths = app_paths(args.basedir)
    setup_logging(paths, verbose=getattr(args, "verbose", False))
    if args.command is None:
        from desktop.ui.application import run_gui  # Qt is imported only for the window

        return run_gui(args, paths)
    from desktop.cli.commands import run_command

    return run_command(args, paths)
