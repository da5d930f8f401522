"""Shared helpers for the benchmarks: the 1M-request demo database, timing, printing."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: where benchmark databases are kept between runs (not in git)
DATA = Path(os.environ.get("FRONTCOUNTER_BENCH_DIR", ROOT / "bench-data"))
SCALE = int(os.environ.get("FRONTCOUNTER_BENCH_REQUESTS", "1000000"))


def frontcounter(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    )


def installed_python() -> Path:
    """The Python of a venv where Front Counter is installed as a town installs it.

    `pip install .` (not editable, no test or PostgreSQL extras, bytecode compiled), so start-up
    is measured as clerks will see it, not with the development tools loaded.
    """
    venv = DATA / "installed-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(ROOT)], check=True)
    else:  # the app's own code changes between runs; its dependencies rarely do
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--force-reinstall",
                str(ROOT),
            ],
            check=True,
        )
    return python


#: how many requests a year the benchmark town logs: a busy small city's (Boston, a city of
#: 650,000, logged 121,000 in 2015); so a million requests are twenty years of them
REQUESTS_PER_YEAR = 50_000


def demo_years(requests: int) -> float:
    """The years a benchmark town takes to log `requests` (2 at the least, 30 at the most)."""
    return float(min(30, max(2, round(requests / REQUESTS_PER_YEAR))))


def demo_database(requests: int = SCALE, years: float | None = None) -> Path:
    """A database with `requests` demo requests over `years` (by default at REQUESTS_PER_YEAR),
    made once and reused by later runs."""
    years = demo_years(requests) if years is None else years
    path = DATA / f"demo-{requests}-{years:g}y.db"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.db")
        remove_database(partial)
        print(
            f"making a demo database of {requests:,} requests over {years:g} years at {path} ...",
            flush=True,
        )
        base = tempfile.mkdtemp(prefix="fc-bench-")  # its settings and log: not kept
        frontcounter(
            "--basedir",
            base,
            "--db",
            str(partial),
            "init",
            "--town",
            "Alder Falls",
            "--admin",
            "Bench Admin",
            "--demo",
            str(requests),
            "--years",
            str(years),
        )
        shutil.rmtree(base, ignore_errors=True)
        partial.rename(path)
        remove_database(partial)  # what is left beside it: its write queue's lock file
    return path


def remove_database(path: Path) -> None:
    """A database file and every file SQLite or Front Counter keeps beside it."""
    for end in ("", "-wal", "-shm", "-journal", "-queue"):
        path.with_name(path.name + end).unlink(missing_ok=True)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of each of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(name: str, value: float, baseline: float, unit: str = "ms", target: str = "") -> None:
    """One line: the figure, the baseline measured in the same run, their ratio, the target."""
    ratio = value / baseline if baseline else float("inf")
    scale = 1000 if unit == "ms" else 1
    print(
        f"{name:<44} {value * scale:9.1f} {unit}   baseline {baseline * scale:9.1f} {unit}   "
        f"ratio {ratio:5.2f}   {target}",
        flush=True,
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
