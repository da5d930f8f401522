"""The system libraries Qt's X11 window needs on Linux, for `make run` on a fresh machine.

PySide6's wheels bring Qt but not the X11 libraries its "xcb" platform plugin links to, and a
fresh desktop may lack some (libxcb-cursor0, since Qt 6.5, most often). Without them the window
does not open and Qt says only that "no Qt platform plugin could be initialized". This finds
what the plugin cannot load (`ldd`), names the Debian packages that hold it, and installs them
when this user may (root, or sudo without a password), else says in one sentence what to run.
The Debian package lists the same libraries in its Depends (installers/build.py).

    python installers/linux/qt_libraries.py        (`make run` runs it first)

Exit status: 0 when the window can open (or this is not Linux, or a Wayland session, where Qt
opens its window through its own Wayland plugin), 1 when libraries are missing and were not
installed: the message says which, and with apt the line that installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: the library files Qt's xcb plugin and Qt itself load, and the Debian package of each
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


#: the Qt libraries the window is made of (the plugin's own, and the app's)
QT_LIBRARIES = ("XcbQpa", "Gui", "Core", "Widgets", "DBus", "OpenGL")


def qt_files() -> list[Path]:
    """Qt's xcb platform plugin and the libraries it is built on, in this Python's PySide6."""
    import PySide6  # noqa: PLC0415 - only where this script runs, in the app's .venv

    qt = Path(PySide6.__file__).parent / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so"]
    files += [qt / "lib" / f"libQt6{name}.so.6" for name in QT_LIBRARIES]
    return [path for path in files if path.is_file()]


#: what Qt opens only when it runs (dlopen), so `ldd` never names it
LOADED_LATER = ("libxcb-cursor.so.0",)


def missing_libraries(files: list[Path]) -> set[str]:
    """The libraries `ldd` finds none of, for any of `files`, and those Qt opens later that
    cannot be opened."""
    import ctypes  # (not at module level: the project bans it there, for start-up)

    missing: set[str] = set()
    for name in LOADED_LATER:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.add(name)
    for path in files:
        found = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        for line in found.stdout.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.strip() == "not found":
                missing.add(name.strip())
    return missing


def main() -> int:
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return 0
    if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return 0  # Qt opens its window through its own Wayland plugin
    missing = missing_libraries(qt_files())
    if not missing:
        return 0
    needed = sorted({PACKAGES[name] for name in missing if name in PACKAGES})
    unnamed = sorted(name for name in missing if name not in PACKAGES)
    if shutil.which("apt-get") is None:
        print(
            "Front Counter's window needs system libraries this computer does not have: "
            f"{', '.join(sorted(missing))}. Install them with the system's package manager, "
            "then run make run again.",
            file=sys.stderr,
        )
        return 1
    as_root: list[str] | None = None
    if os.geteuid() == 0:
        as_root = []
    elif shutil.which("sudo") is not None:
        may = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
        as_root = ["sudo", "-n"] if may.returncode == 0 else None
    if needed and as_root is not None:
        print(
            "Installing the system libraries Qt needs to open a window: "
            f"{' '.join(needed)} (apt waits up to a minute if another install is running)"
        )
        install = ("install", "-y", *needed)
        installed = _apt(as_root, *install) == 0
        if not installed:  # a fresh machine may have no package lists yet
            installed = _apt(as_root, "update") == 0 and _apt(as_root, *install) == 0
        if installed and not unnamed:
            return 0
        needed = [] if installed else needed
    lines = [f"    sudo apt install {' '.join(needed)}"] if needed else []
    if unnamed:
        lines.append(f"    (and the packages that hold {', '.join(unnamed)})")
    print(
        "Front Counter's window needs system libraries this computer does not have. Install "
        "them, then run make run again:\n" + "\n".join(lines),
        file=sys.stderr,
    )
    return 1


def _apt(as_root: list[str], *arguments: str) -> int:
    command = [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    command += ["-o", "DPkg::Lock::Timeout=60", "-q", *arguments]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
