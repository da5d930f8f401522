"""The edges: files and text from outside, taken whole or refused whole with a sentence, never
a traceback; names that come from data never name a folder (issue: the edges)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.errors import InputError
from desktop.models.knowledge.articles import (
    MAX_BODY,
    MAX_KEYWORDS,
    MAX_TITLE,
    ArticleDraft,
    save_article,
)

from .test_cli_requests import TREE_POTHOLE

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def fc(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize(
    ("stored", "saved_as"),
    [
        ("../../../escaped.txt", "escaped.txt"),
        ("..\\..\\escaped.txt", "escaped.txt"),
        ("/tmp/escaped.txt", "escaped.txt"),
        ("C:\\Windows\\escaped.txt", "escaped.txt"),
        ("..", "attachment.txt"),
        ("CON", "_CON"),
        ("a\x00b\x1b[31m.txt", "ab[31m.txt"),
    ],
)
def test_an_attachment_named_as_a_path_is_saved_inside_the_chosen_folder(
    fc, tmp_path: Path, stored: str, saved_as: str
):
    fc(*TREE_POTHOLE)
    note = tmp_path / "note.txt"
    note.write_text("the crew's note", encoding="utf-8")
    assert fc("request", "attach", "2026-1", str(note))[0] == 0
    raw = sqlite3.connect(tmp_path / "town.db")  # stored so by another program, or by hand
    with raw:
        raw.execute("UPDATE attachment SET filename = ?", (stored,))
    raw.close()
    target = tmp_path / "deep" / "er" / "out"
    target.mkdir(parents=True)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    code, out, err = fc("request", "save-attachment", "2026-1", "1", str(target))
    assert code == 0, err
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert [p.relative_to(target) for p in written] == [Path(saved_as)]
    assert (target / saved_as).read_text(encoding="utf-8") == "the crew's note"
    code, out, _err = fc("request", "attachments", "2026-1")
    assert code == 0 and saved_as in out and ".." not in out


def test_an_empty_file_is_never_made_a_town_except_by_init(tmp_path: Path, capsys):
    """A setup cut short by a full disk leaves a 0-byte file: the next command must not make a
    town in it behind the clerk's back."""
    base = ["--basedir", str(tmp_path / "base")]
    empty = tmp_path / "town.db"
    empty.write_bytes(b"")
    for command in (["info"], ["request", "list"], [*TREE_POTHOLE], ["backup"], ["sessions"]):
        assert main([*base, "--db", str(empty), *command]) == 1, command
        err = capsys.readouterr().err
        assert "is empty" in err and "Traceback" not in err, (command, err)
        assert empty.stat().st_size == 0, command
    assert main([*base, "--db", str(empty), "check"]) == 1
    assert "is empty" in capsys.readouterr().out
    default = tmp_path / "base" / "data" / "frontcounter.db"  # the default database, too
    default.parent.mkdir(parents=True, exist_ok=True)
    default.write_bytes(b"")
    assert main([*base, "info"]) == 1
    assert "is empty" in capsys.readouterr().err and default.stat().st_size == 0
    assert main([*base, "--db", str(empty), "init", "--town", "Alder Falls"]) == 0
    capsys.readouterr()
    assert main([*base, "--db", str(empty), "info"]) == 0
    assert "Alder Falls" in capsys.readouterr().out


def test_check_after_a_crash_mid_save_recovers_instead_of_calling_for_a_backup(
    tmp_path: Path, capsys
):
    """A power cut in the middle of a save leaves a hot journal: every command rolls it back
    and works, and check must not tell the clerk to restore a backup (losing a morning's work)."""
    town = tmp_path / "town.db"
    base = ["--basedir", str(tmp_path / "base"), "--db", str(town)]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.torture_worker", "hold-journal", str(town)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "READY"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()
    journal = Path(f"{town}-journal")
    assert journal.exists() and journal.stat().st_size > 0  # hot: the save was cut short
    capsys.readouterr()
    assert main([*base, "check"]) == 0
    out = capsys.readouterr().out
    assert "Recovered from an interrupted save" in out and "All checks passed" in out
    assert "restore a backup" not in out
    assert not journal.exists() or journal.stat().st_size == 0
    assert main([*base, "check", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["ok"] and not shown["recovered_from_an_interrupted_save"]  # done already


DEEP = "[" * 50_000 + "]" * 50_000

BAD_KNOWLEDGE_FILES = [
    ("deep.json", DEEP, "nested more than"),
    ("deeper.json", '{"articles": ' + DEEP + "}", "nested more than"),
    ("huge-cell.csv", "title,body\nHello," + "x" * 1_100_000 + "\n", "larger than"),
    ("number.json", json.dumps({"articles": [{"title": 123, "body": None}]}), "not text"),
    ("long.json", json.dumps({"articles": [{"title": "T" * 1_000_000, "body": "b"}]}), "at most"),
    ("quote.csv", 'title,body\n"Unterminated,body one\nSecond,body two\n', "never closed"),
    ("maybe.csv", "title,body,active\nA title,A body,maybe\n", "whether it is in use"),
    ("extra.csv", "title,body,colour\nA title,A body,blue\n", "“colour”"),
    ("extra-cells.csv", "title,body\nA title,A body,blue\n", "more than its 2 columns"),
    ("extra.json", json.dumps([{"title": "A", "body": "B", "colour": "blue"}]), "“colour”"),
    ("types.json", json.dumps([{"title": "A", "body": "B", "types": {"x": 1}}]), "list of words"),
    ("good-then-bad.json", json.dumps([{"title": "Good", "body": "B"}, {"title": 7}]), "Article 2"),
]


@pytest.mark.parametrize(("name", "text", "said"), BAD_KNOWLEDGE_FILES)
def test_a_bad_knowledge_base_file_is_refused_whole_in_a_sentence(
    fc, tmp_path: Path, name: str, text: str, said: str
):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert fc("faq", "export", str(before))[0] == 0
    code, _out, err = fc("faq", "import", str(path))
    assert code == 1 and said in err and "Nothing was imported" in err, err
    assert "Traceback" not in err and err.count("\n") == 1
    assert fc("faq", "export", str(after))[0] == 0
    assert after.read_bytes() == before.read_bytes()  # nothing of it was kept


def test_a_deeply_nested_catalog_is_refused_in_a_sentence(fc, tmp_path: Path):
    path = tmp_path / "catalog.json"
    path.write_text('{"types": ' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "}", encoding="utf-8")
    code, _out, err = fc("catalog", "import", str(path))
    assert code == 1 and "nested more than" in err and "Traceback" not in err


def test_an_article_too_long_is_refused_not_cut(db):
    for draft in (
        ArticleDraft("T" * (MAX_TITLE + 1), "An answer"),
        ArticleDraft("A title", "B" * (MAX_BODY + 1)),
        ArticleDraft("A title", "An answer", keywords="k, " * MAX_KEYWORDS),
    ):
        with pytest.raises(InputError, match="too long"):
            save_article(draft, None, actor=None)
    saved = save_article(ArticleDraft("T" * MAX_TITLE, "An answer"), None, actor=None)
    assert len(saved.title) == MAX_TITLE


def test_an_argument_whose_bytes_are_not_text_is_refused_in_a_sentence(fc, capsys):
    """`request add` with bytes that are not UTF-8: Python keeps them as lone surrogates, which
    reached SQLite as a UnicodeEncodeError traceback."""
    not_text = b"bad \xff\xfe bytes".decode("utf-8", "surrogateescape")
    code, _out, err = fc("request", "add", "pothole", not_text, "--address", "1 Main St")
    assert code == 2 and "is not readable text" in err and "Traceback" not in err
    code, out, _err = fc("request", "list")
    assert "No requests" in out


def test_half_characters_in_an_import_are_dropped_not_a_traceback(fc, tmp_path: Path):
    path = tmp_path / "kb.json"
    path.write_text('[{"title": "Leaf pickup \\udcff days", "body": "Fridays\\ud800."}]')
    code, out, err = fc("faq", "import", str(path))
    assert code == 0, err
    code, out, _err = fc("faq", "search", "leaf pickup")
    assert "Leaf pickup  days" in out or "Leaf pickup days" in out


def test_a_full_disk_under_the_log_folder_prints_no_logging_traceback(tmp_path: Path, capsys):
    import errno
    import logging

    from desktop import logs
    from desktop.paths import app_paths

    logs.setup_logging(app_paths(tmp_path / "base"))
    handler = logs._handlers[0]  # the log file

    class FullDisk:
        def write(self, text: str) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    assert isinstance(handler, logging.FileHandler)
    real = handler.stream
    handler.stream = FullDisk()  # type: ignore[assignment]
    try:
        logging.getLogger("frontcounter.test").warning("a line the disk has no room for")
    finally:
        handler.stream = real
    assert "Logging error" not in capsys.readouterr().err
    logs.setup_logging(app_paths(tmp_path / "base2"))


@pytest.mark.parametrize("command", [["backup"], ["vacuum"], ["sessions"], ["info"], ["check"]])
def test_a_database_some_other_program_made_is_named_so(tmp_path: Path, capsys, command):
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    with raw:
        raw.execute("CREATE TABLE inventory (item TEXT)")
    raw.close()
    before = other.read_bytes()
    code = main(["--basedir", str(tmp_path / "base"), "--db", str(other), *command])
    shown = capsys.readouterr()
    said = shown.out + shown.err
    assert code == 1 and "not a Front Counter database" in said and "Traceback" not in said
    assert other.read_bytes() == before


HOLD_THE_TURN = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 1)
print("HELD", flush=True)
time.sleep(600)
"""


PROBE_THE_TURN = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 1)
    print("FREE")
except OSError:
    print("HELD")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="its holder locks with fcntl")
def test_check_recovers_what_a_crash_leaves_beside_a_sound_file(tmp_path: Path, capsys):
    """A workstation that stopped without closing leaves its session row (the others are told
    it is working), and on a network drive the lock it held on the turn-taking file (every
    save then waits for it): check clears both, says so, and calls for no backup."""
    from desktop.models.storage import write_queue

    town = tmp_path / "town.db"
    base = ["--basedir", str(tmp_path / "base"), "--db", str(town)]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    gone = "2020-01-01 09:00:00"
    with sqlite3.connect(town) as raw:
        raw.execute(
            "INSERT INTO db_session (token, username, display_name, workstation, pid, "
            "app_version, since, last_seen) VALUES ('t1', NULL, 'Ada', 'OLD-PC', 1, '2', ?, ?)",
            (gone, gone),
        )
    queue = Path(f"{town}{write_queue.SUFFIX}")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_TURN, str(queue)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HELD"
        held_file = queue.stat().st_ino
        capsys.readouterr()
        assert main([*base, "check"]) == 0
        out = capsys.readouterr().out
        assert "Cleared 1 workstation that stopped" in out
        assert "was reset, so saves no longer wait" in out
        assert "All checks passed" in out and "restore a backup" not in out
        assert not queue.exists() or queue.stat().st_ino != held_file  # a fresh one
        # saves go on through the fresh file while the old lock is still held: another
        # process finds its turn free at once
        assert main([*base, "request", "add", "feedback", "Thanks", "--address", "1 Main St"]) == 0
        probe = subprocess.run(
            [sys.executable, "-c", PROBE_THE_TURN, str(queue)], capture_output=True, text=True
        )
        assert probe.stdout.strip() == "FREE"
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    capsys.readouterr()
    assert main([*base, "check", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["stale_sessions_cleared"], shown["write_queue"]) == (0, "free")
    with sqlite3.connect(town) as raw:
        assert raw.execute("SELECT count(*) FROM db_session").fetchone() == (0,)


@pytest.mark.skipif(sys.platform == "win32", reason="its holder locks with fcntl")
def test_a_lost_queue_file_is_made_again_at_the_next_save(tmp_path: Path):
    """Deleted while a clerk works (by hand, or by check resetting it): the next save takes
    the file that is there now, so every writer keeps queueing on the same one."""
    from desktop.models.storage import write_queue

    queue = write_queue.WriteQueue(tmp_path / "town.db")
    with queue.turn() as held:
        assert held
    assert queue.path.exists()
    queue.path.unlink()
    with queue.turn() as held:
        assert held and queue.path.exists()
        # another process asking now finds the turn taken, on the file that is there
        assert write_queue.tidy(tmp_path / "town.db", patience=0) == "free"  # this process's
    queue.close()
    assert write_queue.tidy(tmp_path / "nowhere.db") == "absent"


def test_a_letter_template_with_half_characters_is_saved_clean(db):
    """Found by the letters' property sweep: a lone surrogate (a JSON file's "\\udcff", bytes
    that were not UTF-8) in a template reached the audit trail's hash as a traceback."""
    from desktop.models.documents import letter_templates

    letter_templates.save_template(
        "halves", "Your request\ud800 {tracking_number}", "Dear \udcff resident,\x1b", actor=None
    )
    saved = letter_templates.templates()["halves"]
    assert saved == {"subject": "Your request {tracking_number}", "body": "Dear  resident,"}
