"""Moving a town of 1,000,000 requests from its file to PostgreSQL (`frontcounter migrate-to`;
target: at most 5 minutes on this machine).

    .ci/with-postgres python -m benchmarks.pg_migration

Needs a PostgreSQL server: FRONTCOUNTER_TEST_PG (a superuser URL of its maintenance database,
as .ci/with-postgres gives); without one it says so and measures nothing. The move marks the
file as moved, so it works on a copy of the cached town, removed afterwards with the database
it made on the server.

Baseline, measured in the same run on the same copy: reading every copied table's rows with
the raw sqlite3 module, the floor any copy sits on.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.common import SCALE, demo_database, report


def _read_everything(path: Path) -> float:
    from desktop.models.admin.pg_migrate import _copied_models

    started = time.perf_counter()
    connection = sqlite3.connect(path)
    for model in _copied_models():
        cursor = connection.execute(f'SELECT * FROM "{model._meta.table_name}"')  # noqa: S608
        while cursor.fetchmany(20_000):
            pass
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    server = os.environ.get("FRONTCOUNTER_TEST_PG")
    if not server:
        print("pg_migration: no PostgreSQL server (run it under .ci/with-postgres)")
        return
    import psycopg2

    from desktop.models.admin.pg_migrate import migrate_to_postgres
    from desktop.models.staff import permissions

    town = demo_database(SCALE)
    name = f"fc_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with tempfile.TemporaryDirectory(prefix="fc-pgmove-", dir=town.parent) as folder:
        copy = Path(folder) / "town.db"
        shutil.copyfile(town, copy)
        baseline = _read_everything(copy)
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        try:
            target = server.rsplit("/", 1)[0] + "/" + name
            started = time.perf_counter()
            with permissions.as_system():  # the demo town has staff with passwords
                moved = migrate_to_postgres(copy, target, None, actor=None)
            elapsed = time.perf_counter() - started
            assert moved.ok
        finally:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()
    rows = sum(t.source_rows for t in moved.tables)
    report(f"move {SCALE:,} requests ({rows:,} rows) to PostgreSQL", elapsed, baseline, "s",
           "<= 300 s")  # fmt: skip


if __name__ == "__main__":
    main()
