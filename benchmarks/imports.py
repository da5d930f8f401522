"""An import of a 120,000-row export (target: under a minute), the same file again (adds
nothing), and its undo.

    python -m benchmarks.imports

The file is Boston's 2015 export from ../shared (121,145 rows, 34 columns, 62 MB) when it is
there, else one of the same shape made here. Each step is `frontcounter import ...` in its own
process on a new town, as a clerk runs it; the peak memory is that process's. Baseline,
measured in the same run: Python's csv module reading the same file once, the floor of
reading it at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, report

BOSTON = (
    ROOT.parent
    / "shared"
    / "data"
    / "real311"
    / "boston"
    / "boston_311_2015_combined_from_per-type_files.csv"
)
ROWS = 120_000


def _made_file(folder: Path) -> Path:
    """120,000 rows in the shape of a city's export, when Boston's is not here."""
    rng = random.Random(311)
    types = [
        "Pothole",
        "Street Light Outage",
        "Graffiti Removal",
        "Missed Trash",
        "Abandoned Vehicle",
        "Tree Trimming",
        "Noise Complaint",
        "Sidewalk Repair",
    ]
    path = folder / "city_export.csv"
    start = dt.datetime(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "CASE_ID",
                "OPEN_DT",
                "CLOSED_DT",
                "CASE_STATUS",
                "TYPE",
                "CASE_TITLE",
                "Location",
                "LATITUDE",
                "LONGITUDE",
                "Source",
                "Department",
            ]
        )
        for n in range(ROWS):
            opened = start + dt.timedelta(minutes=n * 4 + rng.randrange(4))
            closed = opened + dt.timedelta(hours=rng.randrange(1, 400)) if n % 6 else None
            writer.writerow(
                [
                    f"1010{n:08d}",
                    opened.strftime("%m/%d/%Y %I:%M:%S %p"),
                    closed.strftime("%m/%d/%Y %I:%M:%S %p") if closed else "",
                    "Closed" if closed else "Open",
                    rng.choice(types),
                    "Reported by a resident",
                    f"{rng.randrange(1, 400)} Main St",
                    f"42.{rng.randrange(3000, 3900)}",
                    f"-71.0{rng.randrange(100, 999)}",
                    "Constituent Call",
                    "PWDx",
                ]
            )
    return path


def _run(*args: str) -> tuple[float, float, dict[str, Any]]:
    """(seconds, peak MB, JSON answer) of one command in its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "desktop", *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    took = time.perf_counter() - began
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return took, peak, json.loads(done.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        path = BOSTON if BOSTON.is_file() else _made_file(where)
        began = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
        floor = time.perf_counter() - began
        base = ["--basedir", str(where / "base"), "--db", str(where / "town.db")]
        subprocess.run(
            [sys.executable, "-m", "desktop", *base, "init", "--town", "Bench"],
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        took, peak, first = _run(*base, "import", "requests", str(path))
        label = f"import {rows:,} rows ({path.name[:18]})"
        report(label, took, floor, "s", "target < 60 s")
        print(
            f"  imported {first['imported']:,}, rejected {len(first['rejected']):,}, "
            f"flagged {len(first['flagged']):,}; peak memory {peak:,.0f} MB",
            flush=True,
        )
        again, _peak, second = _run(*base, "import", "requests", str(path))
        report("the same file again (adds nothing)", again, floor, "s")
        assert second["imported"] == 0, second["imported"]
        undo, _peak, _gone = _run(*base, "import", "undo", str(first["batch"]))
        report("undo the first import", undo, floor, "s")


if __name__ == "__main__":
    main()
