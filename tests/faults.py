"""Faults below the database: I/O errors injected with libfiu into real `frontcounter` runs.

    python -m tests.faults --trials 2000 [--seed 1] [--jobs 2]

Each trial runs one command as a clerk or a script would (a save, a note, a status change, a
backup, a restore, a knowledge-base import, an import of old records, the address register
replaced, an upgrade of an old file) under `fiu-run`, with one
POSIX call failing at random: SQLite's pwrite, pread, fsync, fdatasync, ftruncate, or the unlink
of its journal (and our own fsync and rename of the files we write whole). Python's own
`open`/`read`/`write` are left alone: they fail the interpreter before a line of ours runs.

After each trial, with no faults, the file must pass `PRAGMA integrity_check`, every save that was
acknowledged (exit 0) must be there, nothing may be half-applied, and what the command printed
must be either its answer or one sentence on stderr, never a traceback. A command that said it
failed although its work was kept is counted apart ("said failed, was kept"): nothing is lost,
but the clerk may do it again.

SQLite's own "I/O error tests" are the model: https://sqlite.org/testing.html#i_o_error_testing
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from desktop.models.storage.integrity import integrity_problems
from tests.test_torture import half_applied

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "schema"

#: the calls that fail, and how often when they are chosen
POINTS = (
    "posix/io/rw/pwrite",
    "posix/io/rw/pread",
    "posix/io/sync/fsync",
    "posix/io/sync/fdatasync",
    "posix/io/rw/ftruncate",
    "posix/io/dir/unlink",
    "posix/io/dir/rename",
)
PROBABILITIES = (0.02, 0.1, 0.3, 0.7, 1.0)
OPERATIONS = (
    "save",
    "save",
    "save",
    "note",
    "status",
    "backup",
    "restore",
    "import",
    "upgrade",
    "records",
    "register",
)


def fiu_available() -> bool:
    return shutil.which("fiu-run") is not None


@dataclass
class Town:
    """A town for one worker: its file, and what was acknowledged in it."""

    folder: Path
    acknowledged: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    backup: Path | None = None
    #: the old records an import said it brought in (their external ids)
    imported: set[str] = field(default_factory=set)
    #: the street of the address register an import said it put in place
    register: str = ""

    @property
    def db(self) -> Path:
        return self.folder / "town.db"

    def run(
        self, *argv: str, fault: tuple[str, float] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "desktop", "--basedir", str(self.folder / "base")]
        command += ["--db", str(self.db), *argv]
        if fault is not None:
            point, probability = fault
            enable = f"enable_random name={point},probability={probability}"
            command = ["fiu-run", "-x", "-f", "", "-c", enable, *command]
        return subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
        )


@dataclass
class Tally:
    trials: int = 0
    faults_injected: int = 0
    acknowledged: int = 0
    refused_in_a_sentence: int = 0
    said_failed_was_kept: int = 0
    lost: int = 0
    corrupt: int = 0
    half_applied: int = 0
    tracebacks: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name, value in other.__dict__.items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        self.by_operation.update(other.by_operation)
        self.problems += other.problems

    def as_dict(self) -> dict[str, object]:
        shown = {k: v for k, v in self.__dict__.items() if k not in ("problems", "by_operation")}
        return shown | {"by_operation": dict(self.by_operation), "problems": self.problems[:20]}


def _sound(path: Path) -> list[str]:
    """integrity_check's problems (the opening also rolls back a hot journal, as any does)."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        return integrity_problems(connection)
    finally:
        connection.close()


def _half_applied(path: Path) -> int:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return half_applied(connection)
    finally:
        connection.close()


def _numbers(path: Path) -> set[str]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return {r[0] for r in connection.execute("SELECT tracking_number FROM service_request")}
    finally:
        connection.close()


def _note_texts(path: Path) -> set[str]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return {r[0] for r in connection.execute("SELECT body FROM request_event")}
    finally:
        connection.close()


def _schema_version(path: Path) -> int:
    connection = sqlite3.connect(path, timeout=30)
    try:
        row = connection.execute(
            "SELECT value FROM schema_info WHERE key = 'schema_version'"
        ).fetchone()
    finally:
        connection.close()
    return int(row[0])


def _a_sentence(result: subprocess.CompletedProcess[str]) -> bool:
    """Refused in the clerk's words: the last line says why (a notice such as "Upgrading…" may
    come before it), and no traceback."""
    lines = result.stderr.strip().splitlines()
    return (
        result.returncode == 1
        and bool(lines)
        and lines[-1].startswith("frontcounter: ")
        and "Traceback" not in result.stderr
        and len(lines) <= 3
    )


def _articles(path: Path, titles: list[str]) -> int:
    connection = sqlite3.connect(path, timeout=30)
    try:
        marks = ",".join("?" * len(titles))
        query = f"SELECT count(*) FROM faq_article WHERE title IN ({marks})"  # noqa: S608
        return int(connection.execute(query, titles).fetchone()[0])
    finally:
        connection.close()


def _external_ids(path: Path, prefix: str = "") -> set[str]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return {
            r[0]
            for r in connection.execute(
                "SELECT external_id FROM service_request WHERE external_id LIKE ?", (prefix + "%",)
            )
        }
    finally:
        connection.close()


def _register_streets(path: Path) -> Counter[str]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return Counter(r[0] for r in connection.execute("SELECT street FROM address_point"))
    finally:
        connection.close()


def _records_file(folder: Path, number: int, rows: int) -> Path:
    path = folder / f"old-{number}.csv"
    lines = ["Case ID,Type,Description,Status,Opened,Address"]
    lines += [
        f"F{number}-{i},Pothole,hole {i},Open,2021-03-04 10:00,{i} Elm St" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _register_file(folder: Path, number: int, points: int) -> tuple[Path, str]:
    street = f"FAULT{number} ST"
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-71.0 + i * 0.0001, 42.0]},
            "properties": {"ADDRESS": str(i + 1), "ROADNAME": f"Fault{number}", "ROADTYPE": "ST"},
        }
        for i in range(points)
    ]
    path = folder / f"points-{number}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path, street


def trial(town: Town, rng: random.Random, number: int, tally: Tally, scratch: Path) -> None:
    operation = rng.choice(OPERATIONS)
    fault = (rng.choice(POINTS), rng.choice(PROBABILITIES))
    tally.trials += 1
    tally.faults_injected += 1
    tally.by_operation[operation] += 1
    kept_before = _numbers(town.db)
    checks: list[str] = []
    if operation == "save":
        text = f"fault trial {number}"
        result = town.run("request", "add", "general", text, "--address", "1 Main St", "--json",
                          fault=fault)  # fmt: skip
        if result.returncode == 0:
            town.acknowledged.add(json.loads(result.stdout)["service_request_id"])
        elif _numbers(town.db) - kept_before:
            tally.said_failed_was_kept += 1
            town.acknowledged |= _numbers(town.db) - kept_before  # it is there: keep it so
    elif operation in ("note", "status") and town.acknowledged:
        target = rng.choice(sorted(town.acknowledged))
        text = f"fault note {number}"
        if operation == "note":
            result = town.run("request", "note", target, text, fault=fault)
        else:
            result = town.run("request", "acknowledge", target, fault=fault)
        if result.returncode == 0 and operation == "note":
            town.notes.add(text)
    elif operation == "backup":
        result = town.run("backup", "--to", str(scratch / "backups"), fault=fault)
        if result.returncode == 0:
            made = sorted((scratch / "backups").glob("*.db"))
            if not made or _sound(made[-1]):
                checks.append("a backup said written and checked is not sound")
            else:
                town.backup = made[-1]
    elif operation == "restore" and town.backup is not None:
        copy = Town(scratch / f"restore-{number}")
        copy.folder.mkdir(parents=True)
        shutil.copyfile(town.db, copy.db)
        before, backup = _numbers(copy.db), _numbers(town.backup)
        result = copy.run("restore", str(town.backup), fault=fault)
        if _sound(copy.db):
            checks.append("the restored file is not sound")
        elif _numbers(copy.db) not in (before, backup):
            checks.append("a restore left a file that is neither the one before nor the backup")
        elif result.returncode == 0 and _numbers(copy.db) != backup:
            checks.append("a restore said done but the backup is not what is there")
        shutil.rmtree(copy.folder, ignore_errors=True)
    elif operation == "import":
        titles = [f"Fault article {number} {i}" for i in range(5)]
        path = scratch / f"kb-{number}.json"
        path.write_text(json.dumps([{"title": t, "body": "An answer."} for t in titles]))
        result = town.run("faq", "import", str(path), fault=fault)
        found = _articles(town.db, titles)
        if found not in (0, len(titles)):
            checks.append(f"an import kept {found} of {len(titles)} articles")
        elif result.returncode == 0 and found != len(titles):
            checks.append("an import said done but its articles are not there")
        elif result.returncode != 0 and found:
            tally.said_failed_was_kept += 1
    elif operation == "records":  # a town's old records (import requests), one chunk
        rows = 30
        result = town.run("import", "requests", str(_records_file(scratch, number, rows)),
                          fault=fault)  # fmt: skip
        kept_ids = _external_ids(town.db, f"old:F{number}-")  # old-10.csv: source "old"
        if len(kept_ids) not in (0, rows):
            checks.append(f"an import of old records kept {len(kept_ids)} of {rows}")
        elif result.returncode == 0 and len(kept_ids) != rows:
            checks.append("an import of old records said done but they are not there")
        elif result.returncode != 0 and kept_ids:
            tally.said_failed_was_kept += 1
        town.imported |= kept_ids
    elif operation == "register":  # the address register replaced whole
        points = 25
        path, street = _register_file(scratch, number, points)
        streets_before = _register_streets(town.db)
        result = town.run("addresses", "import", str(path), "--no-match", fault=fault)
        after = _register_streets(town.db)
        if after not in (streets_before, Counter({street: points})):
            checks.append("the address register is neither the one before nor the new one")
        elif result.returncode == 0 and after != Counter({street: points}):
            checks.append("an address import said done but the register is not the new one")
        elif result.returncode != 0 and after != streets_before:
            tally.said_failed_was_kept += 1
    elif operation == "upgrade":
        old = Town(scratch / f"upgrade-{number}")
        old.folder.mkdir(parents=True)
        version = rng.randint(1, 6)
        raw = sqlite3.connect(old.db)
        raw.executescript((FIXTURES / f"v{version}.sql").read_text(encoding="utf-8"))
        raw.close()
        records = len(_numbers(old.db))
        result = old.run("info", fault=fault)
        latest = _schema_version(town.db)
        if _sound(old.db):
            checks.append(f"an upgrade from v{version} left a file that is not sound")
        elif result.returncode == 0 and _schema_version(old.db) != latest:
            checks.append("info said done but the file was not upgraded")
        else:  # each step is whole: the next opening, with a sound disk, goes on from there
            again = old.run("info")
            if again.returncode != 0 or _schema_version(old.db) != latest:
                checks.append(f"after a failed upgrade from v{version} the next one failed too")
            elif len(_numbers(old.db)) != records:
                checks.append(f"an upgrade from v{version} lost records")
        shutil.rmtree(old.folder, ignore_errors=True)
    else:
        tally.trials -= 1
        tally.faults_injected -= 1
        tally.by_operation[operation] -= 1
        return
    if result.returncode == 0:
        tally.acknowledged += 1
    elif _a_sentence(result):
        tally.refused_in_a_sentence += 1
    else:
        tally.tracebacks += 1
        tail = (result.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        checks.append(f"not a sentence (exit {result.returncode}): {tail[:200]}")
    problems = _sound(town.db)
    if problems:
        tally.corrupt += 1
        checks.append(f"integrity_check: {problems[:2]}")
    else:
        missing = town.acknowledged - _numbers(town.db)
        if missing:
            tally.lost += len(missing)
            checks.append(f"acknowledged saves lost: {sorted(missing)[:5]}")
        lost_records = town.imported - _external_ids(town.db)
        if lost_records:
            tally.lost += len(lost_records)
            checks.append(f"imported records lost: {sorted(lost_records)[:3]}")
        lost_notes = town.notes - _note_texts(town.db)
        if lost_notes:
            tally.lost += len(lost_notes)
            checks.append(f"acknowledged notes lost: {sorted(lost_notes)[:3]}")
        if _half_applied(town.db):
            tally.half_applied += 1
            checks.append("a save applied in part")
    for check in checks:
        tally.problems.append(f"trial {number} {operation} {fault[0]} p={fault[1]}: {check}")


def run_trials(trials: int, seed: int, jobs: int) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="fc-faults-") as name:
        base = Path(name)
        template = Town(base / "template")
        template.folder.mkdir()
        made = template.run("init", "--town", "Faultville")
        if made.returncode != 0:
            raise SystemExit(f"could not make the town: {made.stderr}")

        def worker(index: int) -> Tally:
            mine = Tally()
            town = Town(base / f"town-{index}")
            shutil.copytree(template.folder, town.folder)
            scratch = base / f"scratch-{index}"
            scratch.mkdir()
            rng = random.Random(seed * 1000 + index)
            share = trials // jobs + (1 if index < trials % jobs else 0)
            number = index
            while mine.trials < share:  # a trial with nothing to act on yet is not counted
                trial(town, rng, number, mine, scratch)
                number += jobs
            return mine

        with ThreadPoolExecutor(jobs) as pool:
            for finished in [pool.submit(worker, i) for i in range(jobs)]:
                tally.add(finished.result())
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if not fiu_available():
        print("fiu-run is not installed (Debian: apt-get install fiu-utils)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    tally = run_trials(args.trials, args.seed, args.jobs)
    print(json.dumps(tally.as_dict() | {"seconds": round(time.perf_counter() - started)}, indent=1))
    bad = tally.lost + tally.corrupt + tally.half_applied + tally.tracebacks
    return 1 if bad or tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())
