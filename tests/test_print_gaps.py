"""Printing where it used to fall short: a read-only database, a failed write, the FAQ binder
from the Knowledge screen, and a selection too large for one print."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop import printing
from desktop.app import main
from desktop.cli import opening
from desktop.models.documents import gather as documents
from desktop.models.storage import safe_files

ROOT = Path(__file__).resolve().parent.parent


def read(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def debris(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(safe_files.TEMPORARY_PREFIX)
    )


@pytest.fixture
def town(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[str], str]:
    """A town on a file with one request: the command line's arguments and its number."""
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()
    code = main(
        [*base, "request", "add", "pothole", "Deep hole", "--address", "1 Elm St",
         "--attr", "size=large", "--attr", "in_lane=yes", "--json"]
    )  # fmt: skip
    assert code == 0
    return base, json.loads(capsys.readouterr().out)["tracking_number"]


def _fail_half_way(temporary: Path, pdf: bytes) -> None:
    """As a full disk does: part of the file is written, then the write fails."""
    temporary.write_bytes(pdf[: len(pdf) // 2])
    raise OSError(errno.ENOSPC, "No space left on device")


# -- a read-only database -----------------------------------------------------------------------


def test_printing_from_a_read_only_database_prints_and_says_it_was_not_recorded(
    town, tmp_path, capsys, monkeypatch
):
    base, number = town
    opened_as = opening.open_for_cli
    monkeypatch.setattr(
        opening,
        "open_for_cli",
        lambda target, **options: opened_as(target, read_only=True, **options),
    )
    before = (tmp_path / "town.db").read_bytes()
    for args in (
        ("faq-binder",),
        ("work-order", number, "--no-record"),
        ("work-order", number),  # would record: prints all the same
    ):
        out = tmp_path / "out.pdf"
        out.unlink(missing_ok=True)
        code = main([*base, "print", *args, "--out", str(out), "--json"])
        stdout, err = capsys.readouterr()
        assert code == 0, (args, err)
        assert "Alder Falls" in read(out.read_bytes())
        result = json.loads(stdout)
        assert result["recorded"] is False
        said = "not recorded" in err and "read-only" in err
        assert said == (args == ("work-order", number)), (args, err)
    assert (tmp_path / "town.db").read_bytes() == before
    monkeypatch.undo()  # writable again: the print is recorded as before
    assert main([*base, "print", "work-order", number, "--out", str(out), "--json"]) == 0
    stdout, err = capsys.readouterr()
    assert json.loads(stdout)["recorded"] is True and "not recorded" not in err


def test_printing_from_a_file_the_computer_will_not_let_us_write(town, tmp_path, capsys):
    """A real read-only file (as root, the power to write anything is dropped first)."""
    base, number = town
    path = tmp_path / "town.db"
    folder = tmp_path / "paper"
    folder.mkdir()
    path.chmod(0o444)
    before = path.read_bytes()
    prefix = (
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        if os.geteuid() == 0
        else []
    )
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "desktop", *base, "print", "work-order", number,
             "--out", str(folder / "wo.pdf")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": str(tmp_path / "home")},
        )  # fmt: skip
    finally:
        path.chmod(0o644)
    assert result.returncode == 0, result.stderr
    assert "read-only" in result.stderr and "not recorded" in result.stderr
    assert number in read((folder / "wo.pdf").read_bytes())
    assert path.read_bytes() == before


# -- a write that fails -------------------------------------------------------------------------


def test_a_failed_pdf_write_leaves_no_file_behind(town, tmp_path, capsys, monkeypatch):
    base, _number = town
    folder = tmp_path / "paper"
    folder.mkdir()
    out = folder / "binder.pdf"
    monkeypatch.setattr(safe_files, "_fill", _fail_half_way)
    code = main([*base, "print", "faq-binder", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Could not write" in err and "No space left" in err
    assert list(folder.iterdir()) == []
    out.write_bytes(b"%PDF-1.4 the binder printed last month")
    assert main([*base, "print", "faq-binder", "--out", str(out)]) == 1
    assert out.read_bytes() == b"%PDF-1.4 the binder printed last month"
    assert debris(folder) == []


@pytest.mark.usefixtures("no_dialogs")
def test_save_as_pdf_that_fails_keeps_the_file_that_was_there(qtbot, db, tmp_path, monkeypatch):
    from desktop.ui.print_preview import PrintPreviewDialog

    target = tmp_path / "binder.pdf"
    target.write_bytes(b"%PDF-1.4 the binder printed last month")
    pdf = printing.build_faq_binder(documents.faq_binder(), documents.page_setup())
    dialog = PrintPreviewDialog(pdf, "FAQ binder", ask_save_path=lambda parent, name: target)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(safe_files, "_fill", _fail_half_way)
    with qtbot.waitSignal(dialog.print_failed) as failed, qtbot.assertNotEmitted(dialog.printed):
        dialog.save_button.click()
    assert "Could not save" in failed.args[0] and "No space left" in failed.args[0]
    assert target.read_bytes() == b"%PDF-1.4 the binder printed last month"
    assert debris(tmp_path) == []
    monkeypatch.undo()
    with qtbot.waitSignal(dialog.printed):
        dialog.save_button.click()
    assert "Contents" in read(target.read_bytes()) and debris(tmp_path) == []


# -- the FAQ binder from the Knowledge base screen ---------------------------------------------


@pytest.mark.usefixtures("no_dialogs")
def test_the_knowledge_screen_prints_the_faq_binder_by_keyboard(qtbot, db, tmp_path):
    from PySide6.QtCore import Qt

    from desktop.models.storage.schema import FaqArticle
    from desktop.ui.knowledge_page import KnowledgePage

    page = KnowledgePage(staff=lambda: None)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()  # a shortcut reaches only the active window
    qtbot.waitUntil(page.isActiveWindow)
    page.search.setFocus()
    qtbot.keyClick(page.search, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    job = page.last_job
    assert job is not None
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    dialog = ready.args[0]
    assert dialog.windowTitle() == "FAQ binder" and dialog.document.pageCount() > 1
    target = tmp_path / "faq-binder.pdf"
    dialog.ask_save_path = lambda parent, name: target
    with qtbot.waitSignal(dialog.printed):
        dialog.save_button.click()
    text = read(target.read_bytes())
    titles = [article.title for article in documents.faq_binder().articles]
    staff_only = [a.title for a in FaqArticle.select().where(FaqArticle.audience == "staff")]
    assert "Contents" in text and len(titles) > 20
    assert all(title[:25] in text for title in titles)
    assert not any(title in text for title in staff_only)
    dialog.close()
    assert page.binder_button.focusPolicy() & Qt.FocusPolicy.TabFocus  # Tab reaches it too
    page.binder_button.click()
    second = page.last_job
    assert second is not None and second is not job
    with qtbot.waitSignal(second.ready, timeout=20000) as again:
        pass
    assert again.args[0].isVisible()  # the preview opens over the page


# -- a large selection ---------------------------------------------------------------------------


@pytest.mark.usefixtures("no_dialogs")
def test_work_orders_are_read_in_the_worker_not_the_window(qtbot, db, monkeypatch):
    import threading

    from desktop.models.requests.intake import RequestDraft, create_request
    from desktop.models.residents.contacts import CallerDetails
    from desktop.ui import print_preview

    request = create_request(
        RequestDraft(
            service_type="pothole",
            description="Deep hole",
            address="12 Elm Street",
            answers={"size": "large", "in_lane": "yes"},
            caller=CallerDetails(first_name="Ana", last_name="Núñez", phone="555-010-2233"),
        ),
        actor=None,
    )
    read_on: list[bool] = []
    gather = documents.work_orders

    def watched(ids, *, actor):
        read_on.append(threading.current_thread() is threading.main_thread())
        return gather(ids, actor=actor)

    monkeypatch.setattr(documents, "work_orders", watched)
    job = print_preview.print_work_orders(None, [request.id], show=False, actor=None)
    assert job is not None and True not in read_on  # the window's thread read nothing
    with qtbot.waitSignal(job.ready, timeout=20000) as ready:
        pass
    qtbot.addWidget(ready.args[0])
    assert read_on == [False]
    assert request.tracking_number in read(ready.args[0].pdf)


@pytest.mark.usefixtures("no_dialogs")
def test_a_selection_over_the_cap_is_refused_with_a_sentence(qtbot, db, caplog):
    from PySide6.QtCore import QItemSelection, Qt

    from desktop.models.documents.gather import MAX_SELECTED_ORDERS
    from desktop.models.errors import InputError
    from desktop.models.setup.demo import generate_demo
    from desktop.models.storage.schema import RequestEvent
    from desktop.ui import print_preview
    from desktop.ui.requests_page import RequestsPage

    documents.refuse_large_selection(MAX_SELECTED_ORDERS)  # the cap itself is fine
    with pytest.raises(InputError, match="Select fewer"):
        documents.refuse_large_selection(MAX_SELECTED_ORDERS + 1)
    generate_demo(MAX_SELECTED_ORDERS + 20, seed=5, actor=None)
    page = RequestsPage(staff=lambda: None)
    qtbot.addWidget(page)
    page.load()
    page.view_choice.setCurrentIndex(page.view_choice.findText("All requests"))
    assert page.model.rowCount() > MAX_SELECTED_ORDERS
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()  # a shortcut reaches only the active window
    qtbot.waitUntil(page.isActiveWindow)
    selection = page.table.selectionModel()
    add = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
    for top, bottom in ((0, 4), (2, 6), (9, 9)):  # ranges that overlap are counted once
        selection.select(QItemSelection(page.model.index(top, 0), page.model.index(bottom, 0)), add)
    assert page._selected_count() == len(selection.selectedRows()) == 8
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert page._selected_count() == page.model.rowCount()
    caplog.clear()
    with qtbot.assertNotEmitted(page.model.modelReset):
        qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert f"at most {MAX_SELECTED_ORDERS:,} work orders" in said
    assert print_preview.PrintJob._running == set()  # nothing is being read or built
    assert (
        print_preview.print_work_orders(None, list(range(1, MAX_SELECTED_ORDERS + 2)), actor=None)
        is None
    )
    assert not RequestEvent.select().where(RequestEvent.kind == "printed").exists()
