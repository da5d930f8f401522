"""Start-up: process start to a painted main window on a 1,000,000-request database.

Baseline, measured in the same run: a bare PySide6 window with one QTableView. Both run as fresh
processes that paint once and exit (Front Counter through its own --smoke-test), alternately,
and the medians are compared. Target: at most 2.0 times the bare window.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time

from benchmarks.common import ROOT, SCALE, demo_database, median, report

RUNS = int(os.environ.get("FRONTCOUNTER_BENCH_RUNS", "7"))


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def _compile_bytecode() -> None:
    """An installed app has its bytecode; a checkout run with PYTHONDONTWRITEBYTECODE does not."""
    for folder in ("desktop", "benchmarks"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def main() -> None:
    db = demo_database()
    _compile_bytecode()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if not env.get("DISPLAY") else "xcb")
    with tempfile.TemporaryDirectory() as base:
        app = [sys.executable, "-m", "desktop", "--basedir", base, "--db", str(db), "--smoke-test"]
        bare = [sys.executable, "-m", "benchmarks.bare_window"]
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
