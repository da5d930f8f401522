"""The command line: init, info, --version, --smoke-test, and clear one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import __version__
from desktop.app import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_init_then_info_json(tmp_path: Path, capsys):
    db = str(tmp_path / "town.db")
    code, out, _err = run(
        capsys,
        "--basedir",
        str(tmp_path),
        "--db",
        db,
        "init",
        "--town",
        "Alder Falls",
        "--admin",
        "Ada Admin",
        "--demo",
        "200",
        "--json",
    )
    assert code == 0
    report = json.loads(out)
    assert report["demo"]["requests"] == 200
    code, out, _err = run(capsys, "--basedir", str(tmp_path), "--db", db, "info", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["town"] == "Alder Falls"
    assert info["kind"] == "local file"
    assert info["schema_version"] == info["app_schema_version"]
    assert info["counts"]["service_request"] == 200
    assert info["counts"]["staff_user"] >= 1
    assert info["counts"]["service_type"] >= 40


def test_default_database_lives_under_basedir(tmp_path: Path, capsys):
    code, out, _err = run(capsys, "--basedir", str(tmp_path), "info", "--json")
    assert code == 0
    assert json.loads(out)["database"] == str(tmp_path / "data" / "frontcounter.db")
    assert (tmp_path / "logs" / "frontcounter.log").exists()


def test_info_human_text(tmp_path: Path, capsys):
    code, out, _err = run(capsys, "--basedir", str(tmp_path), "info")
    assert code == 0
    assert "Schema version" in out and "service_request: 0" in out


def test_a_bad_database_is_one_clear_line_and_exit_1(tmp_path: Path, capsys):
    bad = tmp_path / "notes.db"
    bad.write_text("not a database at all\n" * 50)
    code, out, err = run(capsys, "--basedir", str(tmp_path), "--db", str(bad), "info")
    assert code == 1
    assert out == ""
    assert err.startswith("frontcounter: ") and err.count("\n") == 1
    assert "not a Front Counter database" in err


def test_a_mistyped_database_path_is_refused_not_made(tmp_path: Path, capsys):
    typo = tmp_path / "share" / "twon.db"
    code, out, err = run(capsys, "--basedir", str(tmp_path), "--db", str(typo), "request", "list")
    assert code == 1 and out == ""
    assert "There is no database file at" in err and "frontcounter init --db" in err
    assert not typo.exists() and not typo.parent.exists()  # no new empty town beside the real
    code, _out, _err = run(capsys, "--basedir", str(tmp_path), "--db", str(typo), "init")
    assert code == 0 and typo.exists()  # init is how a new one is made


def test_negative_demo_count_is_a_usage_error(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--basedir", str(tmp_path), "init", "--demo", "-5"])
    assert exited.value.code == 2
    assert "cannot be negative" in capsys.readouterr().err


def test_unreachable_postgresql_is_one_clear_line(tmp_path: Path, capsys):
    code, _out, err = run(
        capsys, "--basedir", str(tmp_path), "--db", "postgresql://clerk@127.0.0.1:1/town", "info"
    )
    assert code == 1
    assert "cannot be reached" in err


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "desktop", *args]


def test_smoke_test_paints_the_window_and_exits_0(tmp_path: Path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        _command("--basedir", str(tmp_path), "init", "--demo", "300"),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    smoke = subprocess.run(
        _command("--basedir", str(tmp_path), "--smoke-test"),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert smoke.returncode == 0, smoke.stderr
    assert "smoke test: ok" in smoke.stdout
    # the program leaves without Python's teardown: the window's layout was written before it
    settings = (tmp_path / "config" / "frontcounter.ini").read_text(encoding="utf-8")
    assert "geometry=" in settings and "page=1" in settings
    # a listing piped into `head`, which stops reading after a line: no traceback
    listing = subprocess.Popen(
        _command("--basedir", str(tmp_path), "request", "list", "--limit", "300", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert listing.stdout is not None and listing.stderr is not None
    listing.stdout.read(100)  # more than a pipe holds is written: the rest meets a closed pipe
    listing.stdout.close()
    with listing.stderr:
        complaint = listing.stderr.read()
    assert listing.wait(timeout=120) in (0, 1)
    assert b"Traceback" not in complaint, complaint


_LEAVING = """
import logging, logging.handlers, sys, threading, time
from pathlib import Path
from desktop.app import leave

folder = Path(sys.argv[1])
# written out only when it is closed: by logging.shutdown, one of atexit's functions
held = logging.handlers.MemoryHandler(10_000, target=logging.FileHandler(folder / "log.txt"))
logging.getLogger().addHandler(held)
logging.warning("the last line of the log")
if sys.argv[2] == "thread":
    def late() -> None:
        time.sleep(0.3)
        (folder / "thread.txt").write_text("done")
    threading.Thread(target=late).start()
sys.stdout.write("the last line of the output")  # a pipe: held in the buffer until flushed
leave(3)
"""


@pytest.mark.parametrize("thread", ["none", "thread"])
def test_leaving_quickly_keeps_the_log_the_output_and_a_threads_work(tmp_path: Path, thread: str):
    done = subprocess.run(
        [sys.executable, "-c", _LEAVING, str(tmp_path), thread],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == "the last line of the output"
    assert "the last line of the log" in (tmp_path / "log.txt").read_text()
    # a thread of ours still at work: Python's ordinary exit, which waits for it
    assert (tmp_path / "thread.txt").exists() == (thread == "thread")


def test_smoke_test_fails_on_a_database_that_cannot_open(tmp_path: Path):
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"\x00garbage" * 500)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    smoke = subprocess.run(
        _command("--basedir", str(tmp_path), "--db", str(bad), "--smoke-test"),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert smoke.returncode == 1
    assert "not a Front Counter database" in smoke.stderr


def test_the_log_rotates_at_start_up(tmp_path: Path):
    from desktop.logs import rotate

    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "frontcounter.log"
    for generation in range(7):
        log.write_text(f"generation {generation}\n" * 10)
        rotate(log, max_bytes=50, keep=3)
    assert not log.exists()
    assert sorted(p.name for p in logs.iterdir()) == [
        "frontcounter.log.1",
        "frontcounter.log.2",
        "frontcounter.log.3",
    ]
    assert (logs / "frontcounter.log.1").read_text().startswith("generation 6")


def test_init_with_town_and_admin_finishes_the_first_run(tmp_path: Path, capsys):
    from desktop.models.setup.first_run import needs_first_run
    from desktop.models.setup.opening import open_database
    from desktop.models.storage.db import close_database

    db = tmp_path / "town.db"
    code, _out, _err = run(
        capsys,
        "--basedir",
        str(tmp_path),
        "--db",
        str(db),
        "init",
        "--town",
        "Alder Falls",
        "--admin",
        "Ada Admin",
    )
    assert code == 0
    opened = open_database(db)
    try:
        # set up without a password: the window still asks for one before it opens
        assert needs_first_run()
        from desktop.models.setup.first_run import complete_first_run

        complete_first_run("Alder Falls", "", password="admin password 1")
        assert not needs_first_run()
    finally:
        close_database(opened)


def test_init_with_a_password_and_demo_data_in_one_command(tmp_path: Path, capsys, monkeypatch):
    from desktop.models.setup.opening import open_database
    from desktop.models.staff import permissions
    from desktop.models.storage.db import close_database
    from desktop.models.storage.schema import ServiceRequest

    monkeypatch.setenv("FRONTCOUNTER_ADMIN_PASSWORD", "admin password 1")
    db = tmp_path / "town.db"
    code, _out, err = run(
        capsys,
        *("--basedir", str(tmp_path), "--db", str(db), "init", "--town", "Alder Falls"),
        *("--admin", "Ada Admin", "--demo", "50"),
    )
    assert (code, err) == (0, "")
    opened = open_database(db)
    try:
        assert permissions.sign_in_enabled()
        assert ServiceRequest.select().count() == 50
    finally:
        close_database(opened)
    # a later command that would add data is refused without --user
    code, _out, err = run(
        capsys, "--basedir", str(tmp_path), "--db", str(db), "init", "--demo", "5"
    )
    assert code == 1 and "--user" in err


def test_admin_without_town_is_refused(tmp_path: Path, capsys):
    code, _out, err = run(capsys, "--basedir", str(tmp_path), "init", "--admin", "Ada Admin")
    assert code == 1
    assert "--town" in err


def test_opening_the_window_parses_without_the_sub_commands():
    from desktop.app import _window_arguments

    args = _window_arguments(["--db", "town.db", "--smoke-test", "--user=ada"])
    assert args is not None and args.command is None and args.db == "town.db"
    assert args.user == "ada" and args.smoke_test
    assert _window_arguments([]) is not None
    for other in (["info"], ["--db", "x.db", "info"], ["--help"], ["--db"]):
        assert _window_arguments(other) is None, other
    with pytest.raises(SystemExit) as answered:  # the version, from these options alone
        _window_arguments(["--version"])
    assert answered.value.code == 0


_BUG_AT_START = """
import sys
from desktop.ui import application
def broken(self, target, *, create=True):
    raise RuntimeError("a bug while the window opened")
application.AppController.start = broken
from desktop.app import run
run()
"""


def test_a_bug_while_the_window_opens_reaches_the_crash_report_not_an_abort(tmp_path: Path):
    """Qt is ended only on an ordinary end: the crash dialog of a bug on its way out needs it
    (without, PySide aborts the process: "Must construct a QApplication")."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", _BUG_AT_START, "--basedir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])  # not SIGABRT
    log = (tmp_path / "logs" / "frontcounter.log").read_text(encoding="utf-8")
    assert "unexpected error" in log and "a bug while the window opened" in log


_COLLECTOR_AT_START = """
import gc, sys
from desktop import entry
from desktop.cli import commands
from desktop.ui import application

def shown(self, real=application.AppController._show_window):
    print("window built, collecting:", gc.isenabled())
    real(self)

def smoke(app, controller, hook, real=application._smoke):
    print("window painted, collecting:", gc.isenabled(), "frozen:", gc.get_freeze_count() > 0)
    return real(app, controller, hook)

def command(args, paths, real=commands.run_command):
    print("command, collecting:", gc.isenabled(), "frozen:", gc.get_freeze_count() > 0)
    return real(args, paths)

application.AppController._show_window = shown
application._smoke = smoke
commands.run_command = command
entry.run()
"""


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            ["--smoke-test"],
            [
                "window built, collecting: False",
                "window painted, collecting: True frozen: True",
                "smoke test: ok",
            ],
        ),
        (["init", "--town", "Alder Falls"], ["command, collecting: True frozen: True"]),
    ],
    ids=["window", "command"],
)
def test_the_collector_is_paused_while_the_program_starts_and_only_then(
    tmp_path: Path, words: list[str], expected: list[str]
):
    """desktop/entry.py: no collection walks start-up's objects as they are made (10-12 ms of
    the window's start, issue 22); once the window is built, or a command begins, start-up's
    objects are frozen and the collector runs again."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTOR_AT_START, "--basedir", str(tmp_path), *words],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith(tuple(expected))]
    assert lines == expected, done.stdout


def test_a_collector_paused_by_someone_else_is_left_paused():
    """A program embedding the core, or a test, keeps the collector as it set it."""
    import gc

    from desktop import entry

    gc.disable()
    try:
        entry.start_up_done()
        assert not gc.isenabled()
    finally:
        gc.enable()
