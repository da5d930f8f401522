"""Start-up: process start to a painted main window on a 1,000,000-request database.

Baseline, measured in the same run: a bare PySide6 window with one QTableView. Both run as fresh
processes that paint once and exit (Front Counter through its own --smoke-test), alternately,
and the medians are compared. Both use a separate venv where the app is installed the way a town
installs it (`pip install .`). Target: at most 2.0 times the bare window.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, SCALE, demo_database, installed_python, median, report

RUNS = int(os.environ.get("FRONTCOUNTER_BENCH_RUNS", "7"))


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, check=True, env=env, cwd=Path(tempfile.gettempdir()), capture_output=True
    )
    return time.perf_counter() - started


def main() -> None:
    db = demo_database()
    python = str(installed_python())
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if not env.get("DISPLAY") else "xcb")
    with tempfile.TemporaryDirectory() as base:
        app = [python, "-m", "desktop", "--basedir", base, "--db", str(db), "--smoke-test"]
        bare = [python, str(ROOT / "benchmarks" / "bare_window.py")]
        _run(app, env)  # warm the file cache for both, as on a PC that has run them before
        _run(bare, env)
        app_times, bare_times = [], []
        for _ in range(RUNS):
            app_times.append(_run(app, env))
            bare_times.append(_run(bare, env))
    report(
        f"start-up to painted window ({SCALE:,} requests)",
        median(app_times),
        median(bare_times),
        target="target <= 2.00x the bare window",
    )


if __name__ == "__main__":
    main()
