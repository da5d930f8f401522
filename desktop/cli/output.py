"""What every command prints, and which database it means: the lowest floor of the command line,
which every command module may import."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop.paths import AppPaths


def database_target(args: argparse.Namespace, paths: AppPaths) -> str:
    return str(args.db) if args.db else str(paths.default_db)


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print `data` as JSON with --json, else the human `text`."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text)
