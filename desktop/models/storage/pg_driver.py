"""The PostgreSQL driver (psycopg2), loaded only when a town on a server is opened.

peewee imports psycopg2 as it loads whenever psycopg2 is installed: 30 ms of every start, a
SQLite town's too, for a driver it will not use. The entry point calls `defer()` before anything
imports peewee, so peewee loads without it; `load()`, called before a PostgreSQL database is
made (`db.postgres_database`), imports it and hands peewee what its own import would have set.
Where peewee was loaded with the driver already (the tests, a program embedding the core), both
do nothing. tests/test_layers.py checks a SQLite town's window and commands never import it,
and tests/test_postgres.py that a fresh process opens a town on a server all the same.

Four standard modules peewee imports as it loads are used only by what this app does not do at
start (calendar: TimestampField; uuid, which loads platform: UUIDField and PostgreSQL's named
cursors; hashlib, which loads OpenSSL: the names of long indexes; socket: IPField), 10 ms of
every start. peewee is handed a stand-in for each
(`_Later`), which imports the real module the first time peewee asks it for anything; the
stand-in is never in sys.modules after peewee has loaded, so every other `import uuid` is the
ordinary import, with its lock.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

#: the drivers peewee looks for as it loads (psycopg2cffi and psycopg 3 are not ours: blocked
#: too, so peewee picks its psycopg2 adapter, the one `load` completes)
_DRIVERS = ("psycopg2", "psycopg2cffi", "psycopg")

#: MySQL's drivers, which peewee also tries as it loads: never this app's, and one installed
#: beside it would be loaded at every start (and would use the stand-ins below as it loads)
_NOT_OURS = ("pymysql", "MySQLdb")

#: standard modules peewee gets a stand-in for as it loads (see the module's docstring)
_LATER = ("calendar", "hashlib", "socket", "uuid")


class _Later(types.ModuleType):
    """Stands in for a standard module inside peewee until peewee first uses it."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            # introspection (inspect, PySide's import hook) asks for these: not a use
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]  # used while peewee loads: the real module now
        real = importlib.import_module(self.__name__)  # the ordinary import, thread-safe
        peewee = sys.modules.get("peewee")
        if peewee is not None and getattr(peewee, self.__name__, None) is self:
            setattr(peewee, self.__name__, real)  # asked once: peewee holds the module now
        return getattr(real, name)


def defer() -> None:
    """Load peewee without the PostgreSQL driver (call first thing, before peewee loads)."""
    if "peewee" in sys.modules:
        return
    blocked = [name for name in (*_DRIVERS, *_NOT_OURS) if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import psycopg2" fails now
    later = [name for name in _LATER if name not in sys.modules]
    for name in later:
        sys.modules[name] = _Later(name)
    try:
        importlib.import_module("peewee")
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
        for name in later:
            if isinstance(sys.modules.get(name), _Later):
                del sys.modules[name]


def deferred() -> bool:
    """Whether peewee was loaded without the driver and it has not been handed over yet."""
    peewee: Any = sys.modules.get("peewee")
    return peewee is not None and peewee.psycopg2 is None


def load() -> None:
    """Import psycopg2 and give peewee what its own import sets (ImportError: not installed)."""
    if not deferred():
        return
    psycopg2 = importlib.import_module("psycopg2")
    extensions = importlib.import_module("psycopg2.extensions")
    extras = importlib.import_module("psycopg2.extras")
    peewee: Any = sys.modules["peewee"]
    extras.register_uuid()
    peewee.pg_extensions = extensions
    peewee.pg_register_uuid = extras.register_uuid
    peewee.Json_pg2 = extras.Json
    adapter = peewee.Psycopg2Adapter
    adapter.txn_idle = extensions.TRANSACTION_STATUS_IDLE
    adapter.txn_inerror = extensions.TRANSACTION_STATUS_INERROR
    adapter.txn_unknown = extensions.TRANSACTION_STATUS_UNKNOWN
    peewee.psycopg2 = psycopg2  # last: `deferred()` is true until everything is in place
