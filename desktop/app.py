"""The `frontcounter` command: the window with no sub-command, the CLI with one."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from desktop.models.storage import pg_driver

pg_driver.defer()  # before anything loads peewee: a SQLite town never loads psycopg2

from desktop import i18n  # noqa: E402
from desktop.cli.options import (  # noqa: E402
    OPTIONS,
    command_word,
    language_option,
    window_parser,
)
from desktop.entry import start_up_done  # noqa: E402
from desktop.i18n import _  # noqa: E402
from desktop.logs import setup_logging  # noqa: E402
from desktop.paths import app_paths  # noqa: E402


def _window_arguments(arguments: list[str]) -> argparse.Namespace | None:
    """The options when they only open the window (or ask for the version), parsed without
    importing every command's module (start-up time); None when there is a sub-command, --help
    or anything else."""
    words = iter(arguments)
    for word in words:
        name, has_value, _value = word.partition("=")
        if name not in OPTIONS:
            return None
        if OPTIONS[name] and not has_value and next(words, None) is None:
            return None
    return window_parser().parse_args(arguments)


def _unreadable(arguments: list[str]) -> int | None:
    """The position of the first argument whose bytes were not text in the system's encoding
    (Python keeps them as lone surrogates, which no file or database can store)."""
    for position, argument in enumerate(arguments, 1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return position
    return None


def _settings_file(basedir: str | None) -> Path | None:
    """This workstation's settings file (its language line), None when it cannot be found."""
    try:
        return app_paths(basedir).settings_file
    except (OSError, RuntimeError, ValueError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen, basedir = language_option(arguments)
    if i18n.set_language(i18n.choose_language(chosen, _settings_file(basedir))) != i18n.DEFAULT:
        from desktop.cli.argparse_words import speak_argparse

        speak_argparse()
    unreadable = _unreadable(arguments)
    if unreadable is not None:
        print(
            _(
                "frontcounter: argument {n} is not readable text (its bytes are not in this "
                "computer's encoding, UTF-8): retype it, or check the terminal's or the "
                "script's encoding. Nothing was done."
            ).format(n=unreadable),
            file=sys.stderr,
        )
        return 2
    args = _window_arguments(arguments)
    if args is None:
        # the command line's modules load only for a command (the window does not need them)
        from desktop.cli.parser import build_parser

        args = build_parser(only=command_word(arguments)).parse_args(arguments)
    paths = app_paths(args.basedir)
    setup_logging(paths, verbose=getattr(args, "verbose", False))
    if args.command is None:
        from desktop.ui.application import run_gui  # Qt is imported only for the window

        return run_gui(args, paths)
    from desktop.cli.commands import run_command

    start_up_done()  # a command's own work may make and drop cycles: collections resume
    try:
        status = run_command(args, paths)
        sys.stdout.flush()
    except BrokenPipeError:
        # `frontcounter request list | head`: the reader stopped; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def run() -> NoReturn:
    """The program (`frontcounter`, `python -m desktop`, the bundles' launchers): `main`, then
    the quick way out (`leave`)."""
    leave(main())


def leave(status: int) -> NoReturn:
    """End the process without Python's teardown of every module and object.

    That teardown frees memory the system takes back anyway, one object at a time: 40-50 ms of
    every close of the window and of every command (measured on the 100k town, issue 22). What
    must reach the disk has by then: the database was closed by what opened it, the window's
    end was done by `run_gui` (its preferences written, Qt's clipboard handed over); here
    atexit's functions run (logging's files flushed and closed) and the standard streams are
    flushed. While a thread of ours is still running (a server being stopped), Python's
    ordinary exit is taken, which waits for it."""
    others = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
    ]
    if others:
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a reader that went away, a stream already closed
            pass
    os._exit(status)
