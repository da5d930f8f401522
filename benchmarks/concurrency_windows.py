"""Save latency on one file with the Windows write queue: 8 Windows processes saving at once
(p50, p99), beside the Windows Python's raw sqlite3 loop with the same pragmas in the same run.
Target (issue 22): p99 <= 100 ms.

On Windows the queue is two lock files taken with LockFileEx, and a writer polls for its turn
instead of waiting in the system (storage/write_queue.py: FileLocks); SQLite's own locks are
Windows' too. The writers here are the Windows build `make installers` makes (the embeddable
Python, the Windows wheels: pywin32, portalocker) run under Wine, each a Windows process: the
same code paths as at a town hall, on Wine's LockFileEx and file system rather than
Windows'. Wine answers every lock call through its server process, so the figures are an upper
bound on this machine's cores, not a Windows PC's; both columns pay it.

The build and a Wine prefix are made once and kept in bench-data/ (`make bench-clean` removes
them); the app's own code is copied into the build at every run. Needs wine, and for the build
makensis and osslsigncode (.ci/run installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import DATA, ROOT
from benchmarks.concurrency import (
    COUNTS,
    databases,
    read_latencies,
    report_latencies,
    run_together,
)
from tests.wine import Wine

SAVES = int(os.environ.get("FRONTCOUNTER_BENCH_SAVES", "150"))
#: what a Windows writer says of its queue when it worked all along (tests/torture_worker.py)
WINDOWS_QUEUE = {"kind": "lock files", "working": True}

#: a Windows process saving through the app: tests/torture_worker.py's `saves`
_APP = (
    "import site, sys; site.addsitedir(sys.argv[1]); sys.path.append(sys.argv[2]); "
    "from tests.torture_worker import main; main(sys.argv[3:])"
)
#: a Windows process saving through sqlite3 alone: benchmarks/concurrency.py's `raw_writer`
_RAW = (
    "import sys; sys.path.append(sys.argv[1]); from benchmarks.concurrency import raw_writer; "
    "raw_writer(sys.argv[2], int(sys.argv[3]), sys.argv[4])"
)


def windows_app() -> Path:
    """The Windows program's folder (built once), with the app's code as it is now."""
    work = DATA / "windows-work"
    app = work / "windows" / "app"
    if not (app / "Python" / "python.exe").exists():
        with tempfile.TemporaryDirectory() as out:  # the setup and the zip are not kept
            subprocess.run(
                [sys.executable, str(ROOT / "installers" / "build.py"), "windows",
                 "--work", str(work), "--out", out],
                check=True,
            )  # fmt: skip
    code = app / "pkgs" / "desktop"
    shutil.rmtree(code, ignore_errors=True)
    shutil.copytree(ROOT / "desktop", code, ignore=shutil.ignore_patterns("__pycache__"))
    return app


def wine_prefix() -> Wine:
    wine = Wine(DATA / "wine" / "prefix")
    if not (wine.prefix / "system.reg").exists():
        wine.prefix.parent.mkdir(parents=True, exist_ok=True)
        wine.boot()
    return wine


def _run(
    wine: Wine, python: Path, script: list[str], folder: Path, name: str, writers: int
) -> list[float]:
    outputs = [folder / f"{name}-{writers}-{n}.json" for n in range(writers)]
    commands = [["wine", str(python), "-c", *script, wine.windows(out)] for out in outputs]
    start = folder / f"start-{name}-{writers}"
    run_together(commands, start, env=wine.env, start_as=wine.windows(start))
    return read_latencies(outputs, WINDOWS_QUEUE if name == "app" else None)


def main() -> None:
    if shutil.which("wine") is None:
        print("save latency, Windows queue under Wine: skipped (no wine on this machine)")
        return
    app = windows_app()
    wine = wine_prefix()
    python = app / "Python" / "python.exe"
    with tempfile.TemporaryDirectory(prefix="fc-bench-win-") as name:
        folder = Path(name)
        town, raw = databases(folder)
        pkgs, root = wine.windows(app / "pkgs"), wine.windows(ROOT)
        saves = [_APP, pkgs, root, "saves", wine.windows(town), str(SAVES)]
        raw_saves = [_RAW, root, wine.windows(raw), str(SAVES)]
        figures = [
            (
                writers,
                _run(wine, python, saves, folder, "app", writers),
                _run(wine, python, raw_saves, folder, "raw", writers),
            )
            for writers in COUNTS
        ]
        for kind in ("-queue", "-queue-gate"):  # the writers took turns in the Windows queue
            if not town.with_name(town.name + kind).exists():
                raise SystemExit(f"the Windows queue's file {town.name}{kind} was not made")
    subprocess.run(["wineserver", "-k"], env=wine.env, check=False, timeout=60)
    for writers, app_times, raw_times in figures:
        report_latencies("Windows (Wine), ", writers, app_times, raw_times)


if __name__ == "__main__":
    main()
