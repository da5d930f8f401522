"""The growth curve: every figure a clerk or a supervisor feels, at 100,000, 1,000,000 and
5,000,000 requests, and how it grows.

    python -m benchmarks.scale            (FRONTCOUNTER_SCALE_SIZES=100000,1000000 for fewer)

The towns are made once and kept in bench-data/ (make bench-clean removes them): 100,000 and
1,000,000 requests at 50,000 a year, and 5,000,000 in ten years (45,000 a month, the dense
town of a big city). Each figure is printed beside a baseline measured in the same run on the
same file (a raw sqlite3 query, a bare window, `cp` of the file), then a table of all sizes
says how each grows: flat, slower than the town (logarithmic or so), or with it (linear).
Opening, start-up, the first page, search and filter keystrokes, the Dashboard and triage
must stay flat; the check and the backup read the whole file, so they are given as a rate
beside `cp`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.common import ROOT, demo_database, median, p95, report, timed
from benchmarks.request_list import OPEN, SEARCHES, _fetch, _keystrokes, _show, memory_peaks

SIZES = tuple(
    int(size)
    for size in os.environ.get("FRONTCOUNTER_SCALE_SIZES", "100000,1000000,5000000").split(",")
)
QUERIES = ("pothole on elm street", "my trash was not picked up", "dog barking all night")
#: figures[name][size] = (value, baseline, unit)
Figures = dict[str, dict[int, tuple[float, float, str]]]


def _years(size: int) -> float:
    return 10.0 if size >= 5_000_000 else max(2.0, round(size / 50_000))


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[None]:
    from desktop.models.setup.opening import open_database
    from desktop.models.staff import permissions
    from desktop.models.storage.db import close_database

    opened = open_database(path)
    try:
        with permissions.as_system():
            yield
    finally:
        close_database(opened)


def _note(figures: Figures, size: int, name: str, value: float, base: float, unit: str = "ms",
          target: str = "") -> None:  # fmt: skip
    figures.setdefault(name, {})[size] = (value, base, unit)
    report(f"{name} ({size:,})", value, base, unit, target)


def _process(command: list[str]) -> float:
    """Seconds a fresh process takes."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # clerks have compiled modules
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, env=env, cwd=tempfile.gettempdir(), check=True)
    return time.perf_counter() - started


def _whole_town(figures: Figures, size: int, path: Path) -> None:
    """Start-up and memory (fresh processes), the full check and a backup (read everything)."""
    from desktop.models.admin import backups
    from desktop.models.storage import integrity

    with tempfile.TemporaryDirectory(prefix="fc-scale-") as folder:
        app = [sys.executable, "-m", "desktop", "--basedir", folder, "--db", str(path),
               "--smoke-test"]  # fmt: skip
        bare = [sys.executable, str(ROOT / "benchmarks" / "bare_window.py")]
        _process(app)
        _process(bare)  # warm both
        runs = [(_process(app), _process(bare)) for _ in range(3)]
        _note(figures, size, "start-up to a painted window", median([a for a, _b in runs]),
              median([b for _a, b in runs]), "s", "<= 2x the bare window")  # fmt: skip
        app_peak, bare_peak = memory_peaks(path)
        _note(figures, size, "memory with the list open (MB)", app_peak, bare_peak, "MB",
              "<= 300 MB")  # fmt: skip
        megabytes = path.stat().st_size / 1e6
        copy = Path(folder) / "copy.db"
        started = time.perf_counter()
        shutil.copyfile(path, copy)
        cp = time.perf_counter() - started
        copy.unlink()
        started = time.perf_counter()
        assert integrity.check_file(path).ok
        check = time.perf_counter() - started
        _note(figures, size, "full check, MB/s", megabytes / check, megabytes / cp, "MB/s",
              "reads the whole file: beside cp")  # fmt: skip
        started = time.perf_counter()
        # as the app's own daily backup (a town with sign-in asks no one for it)
        backups.take_backup(path, Path(folder) / "backups", automatic=True, actor=None)
        backup = time.perf_counter() - started
        _note(figures, size, "backup (copy and check), MB/s", megabytes / backup,
              megabytes / cp, "MB/s", "reads the whole file: beside cp")  # fmt: skip


def _in_the_window(figures: Figures, size: int, path: Path) -> None:
    """What the window does, in-process, on the open town."""
    from desktop.models.documents.gather import page_setup
    from desktop.models.knowledge import triage
    from desktop.models.reports import citistat
    from desktop.models.reports.council import monthly_report
    from desktop.models.requests.listing import RequestFilter
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database
    from desktop.printing.council_report import build_council_report

    raw = sqlite3.connect(path)

    def reopen() -> None:
        close_database(open_database(path))

    _note(figures, size, "open the town", median(timed(reopen, 5)),
          median(timed(lambda: raw.execute("SELECT count(*) FROM sqlite_master").fetchall(), 5)),
          target="flat: no read of the whole file")  # fmt: skip
    with _opened(path):
        marks = ",".join("?" * len(OPEN))
        raw_page = (f"SELECT id FROM service_request WHERE status IN ({marks}) "  # noqa: S608
                    "ORDER BY requested_at DESC LIMIT 200")  # fmt: skip
        first = functools.partial(_show, RequestFilter(open_only=True))
        first()
        _note(figures, size, "first page of Open", median(timed(first, 10)),
              median(timed(lambda: raw.execute(raw_page, OPEN).fetchall(), 10)),
              target="<= 100 ms")  # fmt: skip
        keys = [k for text in SEARCHES for k in _keystrokes(text)]
        for k in keys:  # the index's pages read once, as after the clerk's first searches
            _show(RequestFilter(search=k))
        search = [
            t for k in keys for t in timed(functools.partial(_show, RequestFilter(search=k)), 1)
        ]
        base = [t for k in keys for t in timed(functools.partial(
            _fetch, raw, "SELECT rowid FROM request_text WHERE request_text MATCH ? "
            "ORDER BY rowid DESC LIMIT 200", (f'"{k.split()[-1]}"*',)), 1)]  # fmt: skip
        _note(figures, size, "search keystroke p95", p95(search), p95(base),
              target="<= 100 ms p95")  # fmt: skip
        types = [r[0] for r in raw.execute("SELECT id FROM service_type LIMIT 15")]
        filters = [t for type_id in types for t in timed(functools.partial(
            _show, RequestFilter(service_type_ids=(type_id,), open_only=True)), 1)]  # fmt: skip
        counts = timed(lambda: raw.execute(
            f"SELECT count(*) FROM service_request WHERE status IN ({marks})",  # noqa: S608
            OPEN).fetchall(), len(types))  # fmt: skip
        _note(figures, size, "filter keystroke p95", p95(filters), p95(counts),
              target="<= 100 ms p95")  # fmt: skip
        last = raw.execute("SELECT max(requested_at) FROM service_request").fetchone()[0][:7]
        month = citistat.Period.month(last)
        year = citistat.Period(month.end.replace(year=month.end.year - 1) + dt.timedelta(days=1),
                               month.end)  # fmt: skip
        rough = functools.partial(raw.execute, "SELECT status, count(*) FROM service_request "
                                  "WHERE requested_at >= ? GROUP BY status")  # fmt: skip

        def dashboard(period: citistat.Period) -> Callable[[], object]:
            return lambda: citistat.dashboard(period, actor=None)

        dashboard(month)()
        _note(figures, size, "Dashboard, a month", median(timed(dashboard(month), 3)),
              median(timed(lambda: rough((str(month.begins),)).fetchall(), 3)),
              target="<= 300 ms")  # fmt: skip
        _note(figures, size, "Dashboard, a year", median(timed(dashboard(year), 3)),
              median(timed(lambda: rough((str(year.begins),)).fetchall(), 3)),
              "s", "<= 1 s")  # fmt: skip
        council = timed(lambda: build_council_report(
            monthly_report(last, actor=None), page_setup()), 2)  # fmt: skip
        _note(figures, size, "council report (data + PDF)", median(council),
              median(timed(lambda: rough((str(month.begins),)).fetchall(), 2)), "s")  # fmt: skip
        triage.triage(QUERIES[0])
        ranked = [t for q in QUERIES for t in timed(functools.partial(triage.triage, q, 5), 10)]
        _note(figures, size, "triage p95", p95(ranked),
              p95(timed(lambda: raw.execute("SELECT count(*) FROM service_type").fetchall(), 30)),
              target="<= 20 ms")  # fmt: skip
    raw.close()


def _growth(values: dict[int, tuple[float, float, str]]) -> str:
    sizes = sorted(values)
    if len(sizes) < 2:
        return "one size"
    small, big = sizes[0], sizes[-1]
    first, last = values[small][0], values[big][0]
    if values[small][2] == "MB/s":  # a rate: flat is the good news
        first, last = 1 / first, 1 / last
    if first <= 0:
        return "?"
    exponent = math.log(max(last, 1e-9) / first) / math.log(big / small)
    if exponent < 0.15:
        return "flat"
    if exponent < 0.6:
        return "slower than the town (log-like)"
    return "with the town (linear)"


def main() -> None:
    figures: Figures = {}
    for size in SIZES:
        path = demo_database(size, years=_years(size))
        megabytes = path.stat().st_size / 1e6
        figures.setdefault("file size (MB)", {})[size] = (megabytes, megabytes, "MB")
        print(f"--- {size:,} requests over {_years(size):g} years: {megabytes:,.0f} MB", flush=True)
        _in_the_window(figures, size, path)
        _whole_town(figures, size, path)
    print()
    header = f"{'figure':<34}" + "".join(f"{size:>14,}" for size in SIZES) + "   growth"
    print(header)
    for name, values in figures.items():
        cells = []
        for size in SIZES:
            value, _base, unit = values.get(size, (float("nan"), 0.0, ""))
            scale = 1000 if unit == "ms" else 1
            digits = 2 if unit == "s" else 1
            cells.append(f"{value * scale:11.{digits}f} {unit:<2}")
        print(f"{name:<34}" + "".join(f"{c:>14}" for c in cells) + f"   {_growth(values)}")


if __name__ == "__main__":
    main()
