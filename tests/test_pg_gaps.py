"""PostgreSQL addresses: unreadable ones are a sentence, never a traceback; the fields of
"Open a server…" make an address or name the field to put right."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QMenu,
    QMessageBox,
    QWidget,
)

from desktop.app import main
from desktop.models.errors import CannotOpenDatabase, InputError
from desktop.models.setup.opening import open_database
from desktop.models.storage import secret_store
from desktop.models.storage.db import (
    DbKind,
    PostgresAddress,
    close_database,
    postgres_address,
    server_address,
    without_password,
)
from desktop.ui.application import AppController
from desktop.ui.open_server import OpenServerDialog
from desktop.ui.prefs import Prefs

UNREADABLE = [
    ("postgresql://u@127.0.0.1:notaport/x", "port must be a number"),
    ("postgresql://u@127.0.0.1:70000/x", "port must be a number"),
    ("postgresql://u@127.0.0.1:0/x", "port must be a number"),
    ("postgresql://u@[::1/x", "check any [ and ]"),
]


@pytest.mark.parametrize(("url", "problem"), UNREADABLE)
def test_an_unreadable_address_is_a_sentence(url: str, problem: str):
    with pytest.raises(CannotOpenDatabase, match=re.escape(problem)) as raised:
        open_database(url)
    assert "postgresql://user@host:port/name" in str(raised.value)


def _one_sentence(err: str) -> None:
    assert "Traceback" not in err and "ValueError" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("frontcounter: "), err
    assert lines[0].endswith("give the server as postgresql://user@host:port/name.")


@pytest.mark.parametrize(("url", "problem"), UNREADABLE)
def test_the_command_line_says_one_sentence_for_an_unreadable_address(
    url: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    status = main(["--basedir", str(tmp_path), "--db", url, "info"])
    err = capsys.readouterr().err
    assert status == 1
    _one_sentence(err)
    assert problem in err


@pytest.mark.parametrize(("url", "problem"), UNREADABLE)
def test_migrate_to_says_one_sentence_for_an_unreadable_address(
    url: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    town = tmp_path / "town.db"
    assert main(["--basedir", str(tmp_path), "--db", str(town), "init"]) == 0
    capsys.readouterr()
    # the tests' keyring counts as a real one: the keyring is asked first, with this address
    status = main(["--basedir", str(tmp_path), "--db", str(town), "migrate-to", url])
    err = capsys.readouterr().err
    assert status == 1
    _one_sentence(err)
    assert problem in err


def test_an_address_is_taken_apart():
    assert postgres_address("postgresql://clerk:p%40ss@db.town:6543/alder%20falls") == (
        PostgresAddress("db.town", 6543, "alder falls", "clerk", "p@ss")
    )
    assert postgres_address("postgres:///town") == PostgresAddress("localhost", 5432, "town")
    with pytest.raises(CannotOpenDatabase, match="must name a database"):
        postgres_address("postgresql://clerk@db.town:5432/")


def test_a_password_never_reaches_the_log_even_in_an_unreadable_address():
    assert without_password("postgresql://u:secret@h:notaport/x") == "postgresql://u@h:notaport/x"
    assert without_password("postgresql://u:se@cret@h:bad/x") == "postgresql://u@h:bad/x"
    assert without_password("postgresql://u:secret@[::1]:5433/x") == "postgresql://u@[::1]:5433/x"


def test_the_fields_make_an_address():
    address = server_address(" db.town.local ", "5433", "town", "clerk")
    assert address.url == "postgresql://clerk@db.town.local:5433/town"
    assert server_address("10.0.0.5", "", "town", "").url == "postgresql://10.0.0.5:5432/town"
    assert (
        server_address("::1", "5432", "town", "clerk").url == "postgresql://clerk@[::1]:5432/town"
    )
    odd = server_address("db", "5432", "a/b town", "o'brien@hall").url
    assert postgres_address(odd) == PostgresAddress("db", 5432, "a/b town", "o'brien@hall")


@pytest.mark.parametrize(
    ("host", "port", "name", "field"),
    [
        ("", "5432", "town", "host"),
        ("db.town:5432", "5432", "town", "host"),
        ("clerk@db.town", "5432", "town", "host"),
        ("postgresql://db/town", "5432", "town", "host"),
        ("db.town", "port", "town", "port"),
        ("db.town", "70000", "town", "port"),
        ("db.town", "0", "town", "port"),
        ("db.town", "٥٤٣٢", "town", "port"),  # digits, but not ones a port is written in
        ("db.town", "5432", " ", "name"),
    ],
)
def test_a_field_that_cannot_make_an_address_is_named(host, port, name, field):
    with pytest.raises(InputError) as raised:
        server_address(host, port, name, "clerk")
    assert raised.value.field == field


# -- "Open a server…" -------------------------------------------------------------------------

CLERK_PASSWORD = "counter-test-password"  # .ci/with-postgres gives the role `clerk` this one


@pytest.fixture
def prefs(tmp_path: Path) -> Prefs:
    return Prefs(tmp_path / "config" / "frontcounter.ini")


ADMIN_PASSWORD = "ada's long password"


def _set_up(target: str, password: str | None = None) -> None:
    """A town that has had its first-run setup, with Ada as its administrator."""
    from desktop.models.setup.first_run import complete_first_run

    opened = open_database(target, password=password)
    try:
        complete_first_run("Alder Falls", "Ada Admin", password=ADMIN_PASSWORD)
    finally:
        close_database(opened)


def _controller(prefs: Prefs, monkeypatch: pytest.MonkeyPatch, *, interactive: bool):
    """The window's controller, Ada signing in to each town without the sign-in dialog."""
    from desktop.ui.application import PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, ADMIN_PASSWORD)
    controller = AppController(prefs, interactive=interactive)
    controller.scripted_user = "ada.admin"
    return controller


@pytest.fixture
def town(tmp_path: Path) -> Path:
    path = tmp_path / "town.db"
    _set_up(str(path))
    return path


@pytest.fixture
def clerks_server(pg_server) -> Iterator[str]:
    """A set-up town on the server that only the password-protected role `clerk` may open."""
    name = f"fc_clerk_{pg_server.create()}"
    pg_server.admin(f'CREATE DATABASE "{name}" OWNER clerk')
    url = PostgresAddress("127.0.0.1", postgres_address(pg_server.url).port, name, "clerk").url
    _set_up(url, CLERK_PASSWORD)
    yield url
    pg_server.drop_later(name)


def _type(qtbot, dialog: OpenServerDialog, host: str, port: str, name: str, user: str) -> None:
    for line, text in zip(
        (dialog.host, dialog.port, dialog.name, dialog.user), (host, port, name, user), strict=True
    ):
        line.clear()
        qtbot.keyClicks(line, text)


def _fill_in(qtbot, dialog: OpenServerDialog, url: str) -> None:
    address = postgres_address(url)
    _type(qtbot, dialog, address.host, str(address.port), address.name, address.user)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Open).click()


class _Answerer(QObject):
    """Sees each modal dialog shown, and answers it once its own event loop runs."""

    def __init__(self, answers: list[Callable[[QWidget], None]]) -> None:
        super().__init__()
        self.pending = answers

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(watched, QDialog)
            and watched.isModal()
            and self.pending
        ):
            answer = self.pending.pop(0)
            QTimer.singleShot(0, lambda: answer(watched))
        return False


@contextmanager
def answering(*answers: Callable[[QWidget], None]) -> Iterator[None]:
    """Answer, in turn, the modal dialogs that open meanwhile (as the clerk would, by clicking)."""
    answerer = _Answerer(list(answers))
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(answerer)
    try:
        yield
    finally:
        app.removeEventFilter(answerer)
    assert not answerer.pending, f"{len(answerer.pending)} dialog(s) never opened"


def test_the_server_fields_say_what_to_put_right(qtbot):
    dialog = OpenServerDialog()
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.problem.isVisible()  # nothing is said while the clerk types
    _type(qtbot, dialog, "db.town.local", "54x2", "town", "clerk")
    assert not dialog.problem.isVisible()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Open).click()
    assert dialog.isVisible() and dialog.url == ""  # not opened
    assert dialog.problem.isVisible() and "port" in dialog.problem.text()
    assert dialog.focusWidget() is dialog.port
    dialog.port.clear()
    assert not dialog.problem.isVisible()  # an empty port is the usual 5432
    assert dialog.preview.text().endswith("postgresql://clerk@db.town.local:5432/town")
    dialog.name.clear()
    assert dialog.problem.isVisible() and "database" in dialog.problem.text()
    qtbot.keyClicks(dialog.name, "town")
    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Open).click()
    assert dialog.url == "postgresql://clerk@db.town.local:5432/town"


def test_a_pasted_address_fills_the_fields(qtbot):
    dialog = OpenServerDialog(address="postgresql://ana@10.0.0.5:6543/alder")
    qtbot.addWidget(dialog)
    assert (dialog.host.text(), dialog.port.text(), dialog.name.text(), dialog.user.text()) == (
        "10.0.0.5",
        "6543",
        "alder",
        "ana",
    )
    dialog.host.clear()
    dialog.host.setText("postgresql://frontcounter:secret@db.town:5432/town")  # pasted
    assert (dialog.host.text(), dialog.port.text(), dialog.name.text(), dialog.user.text()) == (
        "db.town",
        "5432",
        "town",
        "frontcounter",
    )
    assert "secret" not in dialog.preview.text()  # the password is asked, never kept here


@pytest.mark.usefixtures("no_dialogs")
def test_the_file_menu_offers_the_last_server_and_opens_what_is_typed(
    qtbot, town, prefs, monkeypatch
):
    controller = _controller(prefs, monkeypatch, interactive=False)
    prefs.remember_database("postgresql://ana@db.town:5432/alder")
    assert controller.start(str(town))
    window = controller.window
    assert window is not None
    qtbot.addWidget(window)
    try:
        file_menu = window.menuBar().findChild(QMenu)
        assert file_menu is not None and file_menu.title() == "&File"
        (action,) = [a for a in file_menu.actions() if a.objectName() == "openServer"]
        keys = [a.text().split("&")[1][0].lower() for a in file_menu.actions() if "&" in a.text()]
        assert len(keys) == len(set(keys)), keys  # Alt+F then one letter picks one item
        window.open_requested.disconnect()  # only what the menu asks for, not the opening
        action.trigger()
        dialog = window.findChild(OpenServerDialog)
        assert dialog is not None and dialog.isVisible()
        assert dialog.host.text() == "db.town" and dialog.user.text() == "ana"
        with qtbot.waitSignal(window.open_requested) as asked:
            _fill_in(qtbot, dialog, "postgresql://ana@db2.town:5433/alder")
        assert asked.args == ["postgresql://ana@db2.town:5433/alder", False, False]
        assert window.open_server().host.text() == "db2.town"  # a failed one is offered again
    finally:
        controller.shutdown()


def _server_role() -> str:
    """The PostgreSQL role the open connection logged in as."""
    from desktop.models.storage.db import current

    return str(current().execute_sql("SELECT current_user").fetchone()[0])


@pytest.mark.postgresql
@pytest.mark.usefixtures("no_dialogs")
def test_open_a_server_from_the_file_menu_with_the_keyrings_password(
    qtbot, town, prefs, clerks_server, monkeypatch
):
    assert secret_store.remember_database_password(clerks_server, CLERK_PASSWORD)
    controller = _controller(prefs, monkeypatch, interactive=False)
    assert controller.start(str(town))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    try:
        dialog = controller.window.open_server()
        _fill_in(qtbot, dialog, clerks_server)
        opened = controller.opened
        assert opened is not None and opened.kind is DbKind.POSTGRESQL
        assert _server_role() == "clerk"
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert "PostgreSQL" in controller.window.db_label.text()
        assert prefs.get("databases/recent")[:2] == [clerks_server, str(town)]
    finally:
        controller.shutdown()


def _type_password(modal: QWidget) -> None:
    assert isinstance(modal, QInputDialog), modal
    assert "clerk@127.0.0.1" in modal.labelText()
    modal.setTextValue(CLERK_PASSWORD)
    modal.accept()


def _click(text: str) -> Callable[[QWidget], None]:
    def click(modal: QWidget) -> None:
        buttons = modal.findChildren(QAbstractButton)
        (button,) = [b for b in buttons if b.text().replace("&", "") == text.replace("&", "")]
        button.click()

    return click


@pytest.mark.postgresql
@pytest.mark.usefixtures("no_dialogs")
def test_open_a_server_asks_the_password_and_offers_the_keyring(
    qtbot, town, prefs, clerks_server, monkeypatch
):
    controller = _controller(prefs, monkeypatch, interactive=True)
    assert controller.start(str(town))
    assert controller.window is not None
    qtbot.addWidget(controller.window)
    try:
        dialog = controller.window.open_server()
        with answering(_type_password, _click("Yes")):
            _fill_in(qtbot, dialog, clerks_server)
        assert controller.opened is not None and controller.opened.kind is DbKind.POSTGRESQL
        assert _server_role() == "clerk"
        assert secret_store.database_password(clerks_server) == CLERK_PASSWORD  # as asked
        assert CLERK_PASSWORD not in (prefs.folder / "frontcounter.ini").read_text("utf-8")
    finally:
        controller.shutdown()


@pytest.mark.postgresql
@pytest.mark.usefixtures("no_dialogs")
def test_a_file_that_will_not_open_offers_a_server(
    qtbot, tmp_path, prefs, clerks_server, monkeypatch
):
    assert secret_store.remember_database_password(clerks_server, CLERK_PASSWORD)
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"not a database at all, " * 100)

    def server_chosen(modal: QWidget) -> None:
        assert isinstance(modal, OpenServerDialog), modal
        _fill_in(qtbot, modal, clerks_server)

    controller = _controller(prefs, monkeypatch, interactive=True)
    try:
        with answering(
            _click("Open a server…"), _click("Cancel"), _click("Open a server…"), server_chosen
        ):
            assert controller.start(str(junk))
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert controller.opened is not None and controller.opened.location == clerks_server
        assert prefs.get("databases/recent") == [clerks_server]
    finally:
        controller.shutdown()


@pytest.mark.postgresql
def test_a_file_moved_to_the_server_offers_to_open_it(qtbot, town, prefs, pg_database, monkeypatch):
    from desktop.models.admin.pg_migrate import migrate_to_postgres
    from desktop.models.storage.schema import StaffUser
    from desktop.ui.messages import messages

    opened = open_database(town)
    ada = StaffUser.get(StaffUser.username == "ada.admin")
    close_database(opened)
    report = migrate_to_postgres(town, pg_database, None, actor=ada)
    monkeypatch.setattr(messages, "windows", True)
    controller = _controller(prefs, monkeypatch, interactive=True)
    try:
        assert controller.start(str(town))
        window = controller.window
        assert window is not None
        qtbot.addWidget(window)
        assert controller.opened is not None and controller.opened.read_only
        (box,) = messages.open_boxes
        assert isinstance(box, QMessageBox) and report.target in box.text()
        assert window.open_server().host.text() == "127.0.0.1"  # the menu offers it too
        _click("&Yes")(box)
        assert controller.opened.kind is DbKind.POSTGRESQL
        assert controller.opened.location == report.target
        assert prefs.get("databases/recent")[0] == report.target
    finally:
        controller.shutdown()


@pytest.mark.usefixtures("no_dialogs")
def test_a_new_database_is_set_up_while_someone_is_signed_in(qtbot, tmp_path, prefs, monkeypatch):
    """Who is signed in belongs to the database open before: a new one (a file, or a new town
    on a server) is set up by the app itself, not refused as an account it does not know."""

    first = tmp_path / "one.db"
    _set_up(str(first))
    controller = _controller(prefs, monkeypatch, interactive=False)
    try:
        assert controller.start(str(first))
        assert controller.window is not None
        qtbot.addWidget(controller.window)
        assert controller.signed_in is not None
        controller.switch(str(tmp_path / "missing.db"), False)  # refused: still signed in
        assert controller.opened is not None and controller.opened.location == str(first)
        assert controller.signed_in is not None
        second = tmp_path / "two.db"
        controller.switch(str(second), True)
        assert controller.opened.location == str(second)
        assert controller.window is not None
        qtbot.addWidget(controller.window)
    finally:
        controller.shutdown()


@pytest.mark.usefixtures("no_dialogs")
def test_a_new_database_whose_setup_is_put_off_is_not_opened(qtbot, tmp_path, prefs, monkeypatch):
    """Cancelling the first-run setup of another database keeps the town that was open, with
    whoever was signed in: a database nobody can sign in to never gets a window."""
    from desktop.models.town.settings import get_setting
    from desktop.ui.first_run import FirstRunDialog

    first = tmp_path / "one.db"
    _set_up(str(first))
    controller = _controller(prefs, monkeypatch, interactive=True)
    try:
        assert controller.start(str(first))
        window = controller.window
        assert window is not None
        qtbot.addWidget(window)
        ada = controller.signed_in
        assert ada is not None
        asked: list[str] = []

        def put_off(dialog: FirstRunDialog) -> int:
            asked.append(dialog.windowTitle())
            return int(FirstRunDialog.DialogCode.Rejected.value)

        monkeypatch.setattr(FirstRunDialog, "exec", put_off)
        controller.switch(str(tmp_path / "new.db"), True)
        assert asked  # the setup was asked for, and put off
        assert controller.window is window and controller.opened is not None
        assert controller.opened.location == str(first)
        assert controller.signed_in == ada
        assert get_setting("town.name") == "Alder Falls"  # the models read the first town again
    finally:
        controller.shutdown()
