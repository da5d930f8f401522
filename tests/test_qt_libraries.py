"""`make run`'s check of the system libraries Qt's X11 window needs (installers/linux)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


qt_libraries = _module("qt_libraries", ROOT / "installers" / "linux" / "qt_libraries.py")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_qts_own_files_are_found_and_read():
    files = qt_libraries.qt_files()
    assert any(path.name == "libqxcb.so" for path in files)
    missing = qt_libraries.missing_libraries(files)
    assert isinstance(missing, set)
    assert all(name.startswith("lib") and ".so" in name for name in missing)


def test_every_library_named_has_the_debian_package_the_deb_depends_on():
    """The packages `make run` installs are the Debian package's own Depends, so a window
    that opens from a checkout opens from the .deb too."""
    build = (ROOT / "installers" / "build.py").read_text(encoding="utf-8")
    depends = set(re.findall(r"\b(lib[a-z0-9.+-]+?)(?=[ ,\"(])", build))
    wanted = set(qt_libraries.PACKAGES.values()) - {"libopengl0"}
    assert wanted <= depends, sorted(wanted - depends)
