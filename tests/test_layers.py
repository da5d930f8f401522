"""The layers, read from the source (every import, those inside functions included):

- the core (`desktop/models/`) and printing (`desktop/printing/`) import no Qt;
- the core imports nothing from the window or the command line, and of printing only the plain
  data classes it fills (`desktop.printing.data`);
- printing imports nothing from the core, the window or the command line when it runs (it is
  handed plain data; names for type checking only are allowed);
- nothing imports a `_private` name from another module;
- the window runs no query of its own: no model class of the schema is queried in `desktop/ui/`.
"""

from __future__ import annotations

import ast
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
