"""The demo generator at 1,000,000 requests (target: at most 2 minutes on this machine).

Baseline, measured in the same run: the raw sqlite3 module inserting the same number of
bare request rows (fixed values, one executemany), the floor any generator sits on.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.common import SCALE, frontcounter, report


def _raw_baseline(path: Path) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE service_request (id INTEGER PRIMARY KEY, tracking_number TEXT UNIQUE,"
        " status TEXT, description TEXT, address TEXT, requested_at TEXT, due_at TEXT)"
    )
    started = time.perf_counter()
    rows = (
        (
            i,
            f"2026-{i:07d}",
            "closed",
            "Pothole in front of the house",
            "12 ELM ST",
            "2026-01-05 10:00:00",
            "2026-01-12 10:00:00",
        )
        for i in range(1, SCALE + 1)
    )
    with conn:
        conn.executemany("INSERT INTO service_request VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        baseline = _raw_baseline(base / "raw.db")
        started = time.perf_counter()
        frontcounter("--basedir", str(base), "init", "--demo", str(SCALE))
        elapsed = time.perf_counter() - started
    report(
        f"init --demo {SCALE:,}",
        elapsed,
        baseline,
        unit="s",
        target="target <= 120 s; baseline = raw executemany of bare rows",
    )


if __name__ == "__main__":
    main()
