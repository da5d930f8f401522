"""The layers, read from the source (every import, those inside functions included):

- the core (`desktop/models/`) and printing (`desktop/printing/`) import no Qt;
- the core imports nothing from the window or the command line, and of printing only the plain
  data classes it fills (`desktop.printing.data`);
- printing imports nothing from the core, the window or the command line when it runs (it is
  handed plain data; names for type checking only are allowed);
- nothing imports a `_private` name from another module;
- the window runs no query of its own: no model class of the schema is queried in `desktop/ui/`;
- who acts is said one way, the `actor` argument: nothing keeps a signed-in user for the core
  to look up, and no function of the core lets its caller leave `actor` unsaid (a default);
- imports are at the top of each module (ruff PLC0415), except where loading waits on purpose
  (pyproject.toml says which): a command loads only its own module, and the window starts
  without the command line, its pages or printing (checked here in a fresh interpreter).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "desktop"
QUERIES = {"select", "get", "get_or_none", "get_by_id", "create", "insert", "update", "delete"}


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """The lines inside `if TYPE_CHECKING:` blocks (names for the type checker only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(path: Path, *, at_run_time: bool = False) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_lines(tree) if at_run_time else set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT.parent)}:{line}"


def test_the_core_and_printing_import_no_qt():
    found = [
        _where(path, line)
        for folder in ("models", "printing")
        for path in _modules(folder)
        for line, module, _names in _imports(path)
        if module.split(".")[0] in {"PySide6", "shiboken6"}
    ]
    assert not found


def test_the_core_does_not_reach_up():
    found = [
        f"{_where(path, line)} {module}"
        for path in _modules("models")
        for line, module, _names in _imports(path)
        if module.startswith(("desktop.ui", "desktop.cli"))
        or (module.startswith("desktop.printing") and module != "desktop.printing.data")
    ]
    assert not found


def test_printing_is_handed_plain_data():
    found = [
        f"{_where(path, line)} {module}"
        for path in _modules("printing")
        for line, module, _names in _imports(path, at_run_time=True)
        if module.startswith(("desktop.models", "desktop.ui", "desktop.cli"))
    ]
    assert not found


def test_nothing_imports_a_private_name_from_another_module():
    found = [
        f"{_where(path, line)} {module}.{name}"
        for path in sorted(ROOT.rglob("*.py"))
        for line, module, names in _imports(path)
        if module.startswith("desktop")
        for name in names
        if name.startswith("_") and not name.startswith("__") and name != "_"
    ]
    assert not found


def test_the_window_runs_no_query_of_its_own():
    found = []
    for path in _modules("ui"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        models = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "desktop.models.storage.schema"
            for alias in node.names
            if alias.name[:1].isupper()
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERIES
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in models
            ):
                found.append(f"{_where(path, node.lineno)} {node.func.value.id}.{node.func.attr}")
    assert not found


#: the names of the process-global signed-in user the core once fell back on
GLOBAL_USER_NAMES = ("acting" + "_as", "current" + "_user")


def _identifiers(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, name) of every name the code uses or defines (strings such as SQL are not)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.lineno, node.name
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            yield getattr(node, "lineno", 0), node.arg
        elif isinstance(node, ast.alias):
            yield getattr(node, "lineno", 0), node.asname or node.name


def test_nothing_falls_back_on_a_signed_in_user():
    """Who acts is the `actor` argument, always said (None only when nobody is signed in or the
    app acts by itself, `as_system`): no module keeps or asks for a signed-in user of the
    process, in the app or in its tests."""
    found = [
        f"{path.relative_to(ROOT.parent)}:{line} {name}"
        for folder in (ROOT, ROOT.parent / "tests")
        for path in sorted(folder.rglob("*.py"))
        for line, name in _identifiers(ast.parse(path.read_text(encoding="utf-8")))
        if any(word in name for word in GLOBAL_USER_NAMES)
    ]
    assert not found


def test_no_function_of_the_core_lets_the_actor_go_unsaid():
    """A default for `actor` would let a caller forget who acts and quietly act as nobody."""
    found = []
    for path in _modules("models"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            args = node.args
            positional = args.posonlyargs + args.args
            defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
            pairs = [
                *zip(positional, defaults, strict=True),
                *zip(args.kwonlyargs, args.kw_defaults, strict=True),
            ]
            found += [
                f"{_where(path, arg.lineno)} {getattr(node, 'name', 'lambda')}"
                for arg, default in pairs
                if arg.arg == "actor" and default is not None
            ]
    assert not found


def test_every_import_of_our_own_resolves():
    """Imports made inside functions run only when their function does: each is checked here,
    so a module moved or renamed cannot leave one behind that fails in front of a clerk."""
    import importlib

    broken = []
    for path in sorted(ROOT.rglob("*.py")):
        for line, module, names in _imports(path):
            if not module.startswith("desktop"):
                continue
            try:
                imported = importlib.import_module(module)
            except ImportError as exc:
                broken.append(f"{_where(path, line)} {module}: {exc}")
                continue
            for name in names:
                if name == "*" or hasattr(imported, name):
                    continue
                try:
                    importlib.import_module(f"{module}.{name}")
                except ImportError:
                    broken.append(f"{_where(path, line)} {module}.{name}")
    assert not broken


def _room(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 4 or parts[:2] != ["desktop", "models"]:
        return None
    return parts[2] if (ROOT / "models" / parts[2] / "__init__.py").exists() else None


def test_no_circle_between_the_rooms_of_the_core():
    """Every arrow between rooms points one way, imports inside functions counted: a room can
    be read, and tested, with only the rooms below it."""
    arrows: dict[str, set[str]] = {}
    for path in _modules("models"):
        source = _room(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
        if source is None:
            continue
        for _line, module, names in _imports(path):
            targets = [module] if _room(module) else [f"{module}.{name}" for name in names]
            for target in targets:
                room = _room(target)
                if room is not None and room != source:
                    arrows.setdefault(source, set()).add(room)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in arrows.get(start, ()):
            if step == goal or (step not in seen and reaches(step, goal, seen | {step})):
                return True
        return False

    circles = sorted(room for room in arrows if reaches(room, room, {room}))
    assert not circles, f"rooms in an import circle: {circles}; arrows: {arrows}"


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return set(shown.stdout.split())


#: libraries only some actions need (pyproject.toml: banned-module-level-imports)
HEAVY = ("reportlab", "openpyxl", "keyring")


def test_a_command_loads_its_own_module_and_no_heavy_library():
    loaded = _loaded_after(
        "from desktop.cli.parser import build_parser\n"
        "build_parser(only='request').parse_args(['request', 'list'])\n"
        "import desktop.cli.commands as c\n"
        "c.find('request')"
    )
    commands = {m for m in loaded if m.startswith("desktop.cli.") and m.endswith("_commands")}
    assert commands == {"desktop.cli.request_commands"}
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_the_window_starts_without_the_command_line_the_pages_or_printing():
    loaded = _loaded_after("import desktop.app, desktop.ui.application, desktop.ui.main_window")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.endswith("_page") or m.endswith("_commands")}
    assert "desktop.ui.print_preview" not in loaded


def test_the_version_loads_no_command():
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from desktop.app import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--version'])"
    )
    assert not {m for m in loaded if m.startswith("desktop.cli.") and m.endswith("_commands")}
    assert "desktop.models.storage.schema" not in loaded


#: the PostgreSQL driver, and what loads it (pg_driver.py; pyproject.toml)
DRIVER = ("psycopg2", "psycopg", "playhouse.migrate", "playhouse.postgres_ext")


def test_a_sqlite_town_never_loads_the_postgresql_driver(tmp_path):
    """Made, opened by a command and by the window, through the real entry point."""
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from desktop.app import main\n"
        f"base = ['--basedir', {str(tmp_path)!r}, '--db', {str(tmp_path / 't.db')!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main([*base, 'init', '--town', 'Alder Falls']) == 0\n"
        "    assert main([*base, 'request', 'list', '--json']) == 0\n"
        "    assert main([*base, '--smoke-test']) == 0"
    )
    assert "desktop.ui.main_window" in loaded and "peewee" in loaded
    assert not {m for m in loaded if m.startswith(DRIVER)}


def _loaded_by_the_window(tmp_path: Path, *demo: str) -> set[str]:
    """The modules loaded by the window's start and first paint (the smoke test), on a town
    made beforehand (`demo`: init's --demo N), through the real entry point."""
    subprocess.run(
        [sys.executable, "-m", "desktop", "--basedir", str(tmp_path), "--db",
         str(tmp_path / "t.db"), "init", "--town", "Alder Falls", *demo],
        check=True, capture_output=True,
    )  # fmt: skip
    return _loaded_after(
        "import contextlib, io\n"
        "from desktop.app import main\n"
        f"base = ['--basedir', {str(tmp_path)!r}, '--db', {str(tmp_path / 't.db')!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main([*base, '--smoke-test']) == 0"
    )


def test_opening_a_town_that_is_up_to_date_loads_no_migration(tmp_path):
    """The steps, the seed content and what they import load only when there is work to do."""
    loaded = _loaded_by_the_window(tmp_path)
    assert "desktop.ui.main_window" in loaded
    assert "desktop.models.setup.migrations" not in loaded


#: what only the first page's actions, or later pages, need: loaded when first used, not before
#: the window paints (issue 22; ARCHITECTURE.md)
NOT_AT_START = (
    "desktop.printing.data",  # letters and notices merged, work orders built
    "desktop.models.requests.edit",  # correcting a request
    "desktop.models.knowledge.triage",
    "desktop.models.knowledge.search",
    "desktop.models.knowledge.articles",
    "desktop.models.documents.gather",  # printing, a scan's lookup
    "desktop.models.reports.exports",  # the Export dialog
    "desktop.models.requests.bulk",
    "desktop.models.requests.lifecycle",  # a request's actions
    "desktop.models.residents.contacts",  # the Counter's callers
    "desktop.models.outbox.notices",  # the notices an action sends
    "desktop.models.requests.attachments",  # a request's files (the demo's have none)
    "desktop.ui.text_dialog",  # a note's box
    "desktop.models.admin.privacy",  # the day's retention, after start-up
    "desktop.models.town.register",  # the address register, when an address is typed
    "desktop.models.town.addresses",  # with the first address filter
    "desktop.models.town.tiles",
    "desktop.ui.crash_dialog",
    "html",  # desktop.ui.html escapes by itself
    "calendar",  # peewee's, until a field of it needs it (pg_driver._Later)
    "uuid",
    "platform",  # uuid's, and the crash report's
    "hashlib",  # OpenSSL: the audit's first record, a backup, a sign-in
    "socket",  # this PC's name, when another session is there to tell apart
    "desktop.ui.request_edit_dialog",
    "desktop.ui.export_dialog",
)


def test_the_first_page_paints_without_what_only_its_actions_need(tmp_path):
    loaded = _loaded_by_the_window(tmp_path, "--demo", "20")
    assert "desktop.ui.request_detail_pane" in loaded  # the first page, shown
    assert not set(NOT_AT_START) & loaded


def test_the_first_paint_never_builds_pyside_s_qt_namespace(tmp_path):
    """PySide makes `Qt`'s 93 enums (15 ms) the first time anything names it: the first page
    sets what it needs of it another way (desktop/ui/qt_early.py), and the window builds it
    once it is idle."""
    subprocess.run(
        [sys.executable, "-m", "desktop", "--basedir", str(tmp_path), "--db",
         str(tmp_path / "t.db"), "init", "--town", "Alder Falls", "--demo", "20"],
        check=True, capture_output=True,
    )  # fmt: skip
    shown = _loaded_after(
        "import contextlib, io\n"
        "from desktop.app import main\n"
        f"base = ['--basedir', {str(tmp_path)!r}, '--db', {str(tmp_path / 't.db')!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main([*base, '--smoke-test']) == 0\n"
        "from PySide6 import QtCore\n"
        "print('built:', 'Qt' in QtCore.__dict__)"
    )
    assert "desktop.ui.request_detail_pane" in shown  # the first page was painted
    assert "built:" in shown and "False" in shown and "True" not in shown


def test_peewee_gets_its_standard_modules_when_it_first_uses_them():
    """pg_driver.defer hands peewee stand-ins for calendar and uuid: the real module is
    imported the first time peewee asks, and every other import is the ordinary one."""
    loaded = _loaded_after(
        "import datetime, sys\n"
        "from desktop.models.storage import pg_driver\n"
        "pg_driver.defer()\n"
        "import peewee\n"
        "assert 'uuid' not in sys.modules and 'calendar' not in sys.modules\n"
        "import uuid\n"
        "value = uuid.uuid4()\n"
        "assert peewee.UUIDField().db_value(value) == value.hex\n"
        "assert peewee.uuid is uuid and peewee.UUIDField().python_value(value.hex) == value\n"
        "moment = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.timezone.utc)\n"
        "assert peewee.TimestampField(utc=True).db_value(moment) == int(moment.timestamp())\n"
        "import calendar\n"
        "assert peewee.calendar is calendar and type(calendar).__name__ == 'module'"
    )
    assert "peewee" in loaded and "calendar" in loaded


def test_the_stand_ins_survive_introspection_and_a_mysql_driver_installed(tmp_path):
    """PySide imported first (its import hook inspects every module loaded after it), and a
    MySQL driver beside the app that hashes as it loads: peewee loads, without that driver."""
    (tmp_path / "pymysql.py").write_text("import hashlib\nsha1_new = hashlib.sha1\n")
    probe = (
        "import sys\n"
        "import PySide6.QtCore\n"
        "from desktop.models.storage import pg_driver\n"
        "pg_driver.defer()\n"
        "import peewee\n"
        "assert peewee.mysql is None and 'pymysql' not in sys.modules\n"
        "stand_in = pg_driver._Later('uuid')\n"
        "assert not hasattr(stand_in, '__wrapped__')\n"
        "sys.modules['uuid'] = stand_in  # used while peewee loads: the real module, no loop\n"
        "assert stand_in.UUID is sys.modules['uuid'].UUID and sys.modules['uuid'] is not stand_in\n"
        "print('fine')"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0 and "fine" in done.stdout, done.stderr[-2000:]


def test_pyside_tells_the_window_s_modules_by_name_and_reads_no_source(tmp_path):
    """PySide6 reads the source of every module loaded after it; desktop.ui answers by name."""
    import importlib
    import types

    import desktop.ui  # noqa: F401

    try:
        feature = importlib.import_module("shibokensupport.feature")
    except ImportError:
        return  # a PySide6 without the scan: nothing to spare
    says_pyside = tmp_path / "says.py"
    says_pyside.write_text("import PySide6\n")
    core = types.ModuleType("desktop.models.example")
    core.__file__ = str(says_pyside)
    window = types.ModuleType("desktop.ui.example")
    assert feature._mod_uses_pyside(window) is True
    assert feature._mod_uses_pyside(core) is False
    assert feature._mod_uses_pyside(types.ModuleType("desktopish.ui")) is False
