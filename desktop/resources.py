"""Finds the plain data files under `resources/` (seed catalog, demo town, fonts, icons)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from desktop import paths


def resources_dir() -> Path:
    """The `resources/` folder: beside the package in a checkout, or bundled by an installer."""
    bundled = getattr(sys, "_MEIPASS", None)  # a frozen (PyInstaller) build unpacks here
    candidates = [Path(bundled) / "resources"] if bundled else []
    if paths.program_folder is not None:  # the Windows app folder: resources\ beside pkgs\
        candidates.append(paths.program_folder / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")  # a checkout
    candidates.append(Path(sys.prefix) / "share" / "frontcounter" / "resources")  # pip install .
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("The resources folder of Front Counter is missing from this install.")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def load_json(*parts: str) -> Any:
    with resource_path(*parts).open(encoding="utf-8") as handle:
        return json.load(handle)
