"""The Debian package, built from this checkout as `make installers` builds it, unpacked and run
with nothing else: no virtual environment, no checkout, a bare environment (no PYTHONPATH, no
HOME of ours). A town's Linux PC gets exactly this. Slow (about three minutes: a Python
environment, PyInstaller, dpkg-deb)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.installer,
    pytest.mark.timeout(1500),  # the build alone takes minutes on a busy machine
    pytest.mark.skipif(
        shutil.which("dpkg-deb") is None or not sys.platform.startswith("linux"),
        reason="dpkg-deb builds and opens Debian packages",
    ),
]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("installer-work")
    out = tmp_path_factory.mktemp("installer-out")
    subprocess.run(
        [sys.executable, str(ROOT / "installers" / "build.py"), "deb",
         "--work", str(work), "--out", str(out)],
        check=True,
        timeout=1200,
    )  # fmt: skip
    [made] = out.glob("frontcounter_*_amd64.deb")
    return made


def _bare(home: Path, **more: str) -> dict[str, str]:
    """An environment with nothing of ours in it: no venv, no PYTHONPATH, a fresh HOME."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **more}


def test_the_package_says_what_it_is_and_what_it_needs(package: Path):
    info = subprocess.run(
        ["dpkg-deb", "--info", str(package)], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: frontcounter" in info and "Architecture: amd64" in info
    assert "libxkbcommon-x11-0" in info and "libxcb-cursor0" in info
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(package)], capture_output=True, text=True, check=True
    ).stdout
    for wanted in (
        "./usr/bin/frontcounter",
        "./usr/share/applications/frontcounter.desktop",
        "./usr/share/icons/hicolor/256x256/apps/frontcounter.png",
        "./opt/frontcounter/frontcounter",
        "LC_MESSAGES/frontcounter.mo",
    ):
        assert wanted in listing, wanted
    assert "root/root" in listing  # owned by root when installed, whoever built it


def test_the_unpacked_program_runs_alone(package: Path, tmp_path: Path):
    root = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    program = root / "opt" / "frontcounter" / "frontcounter"
    wrapper = (root / "usr" / "bin" / "frontcounter").read_text(encoding="utf-8")
    assert "exec /opt/frontcounter/frontcounter" in wrapper
    assert os.access(root / "usr" / "bin" / "frontcounter", os.X_OK)
    home = tmp_path / "bare-home"
    home.mkdir(exist_ok=True)
    base = ["--basedir", str(tmp_path / "town")]

    def run(*argv: str, **env: str) -> str:
        done = subprocess.run(
            [str(program), *argv],
            env=_bare(home, **env),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
        return done.stdout

    assert run("--version").strip().startswith("frontcounter ")
    assert "Database ready" in run(*base, "init", "--town", "Alder Falls")
    added = run(*base, "request", "add", "pothole", "hay un bache enorme", "--language", "es",
                "--attr", "size=large", "--attr", "in_lane=yes", "--json")  # fmt: skip
    assert '"tracking_number"' in added
    run(*base, "print", "work-order", "2026-00001", "--out", str(tmp_path / "wo.pdf"))
    assert (tmp_path / "wo.pdf").read_bytes().startswith(b"%PDF")
    run(*base, "print", "receipt", "2026-00001", "--out", str(tmp_path / "receipt.pdf"))
    assert "uso:" in run("--lang", "es", "--help")
    assert "All checks passed" in run(*base, "check")
    assert "smoke test: ok" in run(*base, "--smoke-test", QT_QPA_PLATFORM="offscreen")
    # nothing was written outside the town's folder and the fresh HOME
    assert not (root / "opt" / "frontcounter" / "data").exists()


def test_a_portable_copy_keeps_its_town_beside_it(package: Path, tmp_path: Path):
    """portable.ini beside the program: the data, settings and logs go in that folder, for a
    clerk who takes the town's file to a meeting on a USB stick."""
    root = tmp_path / "stick"
    subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    folder = root / "opt" / "frontcounter"
    (folder / "portable.ini").write_text("[portable]\n", encoding="utf-8")
    home = tmp_path / "bare-home"
    home.mkdir(exist_ok=True)
    done = subprocess.run(
        [str(folder / "frontcounter"), "init", "--town", "Alder Falls"],
        env=_bare(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "data" / "frontcounter.db").is_file()
    assert not any(home.rglob("frontcounter.db"))  # nothing in the user's own folders
