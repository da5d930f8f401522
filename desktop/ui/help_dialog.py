"""Help (F1): every keyboard shortcut the window has, where it works, and a short guide for a
clerk's first day. Both are in the app, so they work offline and match this version.

`SHORTCUTS` is the one list of them: a test builds every page and checks that each shortcut
the window really has is listed here, so a new one cannot be left out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _


def shortcuts() -> list[tuple[str, str, str]]:
    """(keys, where, what), in the order a clerk meets them."""
    return [
        ("F1", _("Anywhere"), _("This help: the keys and the guide")),
        (
            "Ctrl+1 … Ctrl+8",
            _("Anywhere"),
            _(
                "Go to an area: Counter, Requests, Knowledge base, "
                "Work orders, Dashboard, Settings, Staff and audit"
            ),
        ),
        ("Ctrl+G", _("Anywhere"), _("Go to a request by its number (type it, or scan it)")),
        (
            _("a scan"),
            _("Anywhere"),
            _(
                "A barcode scanned anywhere opens that request; on the "
                "close-out it loads that order"
            ),
        ),
        ("Ctrl+N", _("Anywhere"), _("A new database (a new town)")),
        ("Ctrl+O", _("Anywhere"), _("Open another database")),
        ("Ctrl+Q", _("Anywhere"), _("Quit")),
        ("Ctrl+L", _("Counter"), _("Back to the caller lookup")),
        ("Enter", _("Counter"), _("Take the caller found, the next field, the address on file")),
        ("Alt+1, Alt+2, Alt+3", _("Counter"), _("Take a suggested request type")),
        ("Alt+4, Alt+5, Alt+6", _("Counter"), _("Show a suggested answer (article)")),
        ("Ctrl+Return", _("Counter"), _("Save the request (Ctrl+Enter on the keypad too)")),
        ("Ctrl+Enter", _("Counter, notes, close-out"), _("Save (Enter is a new line)")),
        ("Ctrl+D", _("Counter"), _("Add this caller to the possible duplicate instead")),
        ("F9", _("Counter"), _("Log the call as a question answered")),
        ("Ctrl+Shift+N", _("Counter"), _("Clear the form for the next caller")),
        ("Ctrl+F", _("Requests"), _("The search box; Enter opens the first request found")),
        (
            "Ctrl+P",
            _("Requests, Knowledge base, print preview"),
            _("Print: the selected requests' work orders; the FAQ binder"),
        ),
        ("Ctrl+S", _("Settings, print preview"), _("Save (a request type, a department; a PDF)")),
        ("1, 2, 3, 4", _("Work orders → Close-out"), _("The outcome the crew ticked")),
        ("Enter", _("Work orders → Today's work orders"), _("Open the chosen request")),
        ("F5", _("Dashboard"), _("Count again")),
    ]


def guide_html() -> str:
    """A new clerk's first day, in a page."""
    steps = [
        (
            _("Taking a call or a walk-in"),
            _(
                "Ctrl+1 opens the Counter with the cursor in the caller lookup. Type the "
                "caller's phone, name or email and press Enter: someone on file is picked and "
                "their past requests show on the right; nobody found starts a new caller. "
                "Enter moves on to the address (Enter again takes an address on file), then "
                "type what the caller says in their own words."
            ),
        ),
        (
            _("Choosing the request type"),
            _(
                "Types are suggested from the caller's words: Alt+1 takes the first. Answer the "
                "type's questions (first letters pick an answer, Tab goes to the next). A type "
                "with a safety notice must have it read to the caller and ticked first. The "
                "call script shows under the caller's history."
            ),
        ),
        (
            _("Saving"),
            _(
                "Ctrl+Enter saves. The tracking number shows large: read it to the caller. If a "
                "possible duplicate is shown, Ctrl+D adds the caller to it instead, or Ctrl+Enter "
                "again saves a new request. A question answered without a request is F9."
            ),
        ),
        (
            _("Following up"),
            _(
                "Ctrl+G, then the number (or scan the work order's barcode), opens any request. "
                "The Requests area lists them by views: Mine, My work, Overdue… Select several "
                "with Shift or Ctrl and use “With the selected” for one change to all of them."
            ),
        ),
        (
            _("Work orders coming back"),
            _(
                "Work orders → Close-out: scan the sheet, press 1 to 4 for what the crew ticked, "
                "Tab to copy their note, Ctrl+Enter. The cursor is back for the next sheet; a "
                "sheet scanned before the last was saved is listed in red."
            ),
        ),
        (
            _("When something goes wrong"),
            _(
                "A red line says what is wrong and puts the cursor where to fix it; nothing "
                "typed is lost, and a half-typed call comes back after a crash. If the database "
                "cannot take saves, the Counter says so before you type."
            ),
        ),
    ]
    parts = [f"<h2>{_('A clerk’s first day')}</h2>"]
    for title, text in steps:
        parts.append(f"<h3>{title}</h3><p>{text}</p>")
    return "".join(parts)


class HelpDialog(QDialog):
    """Two tabs: the keys, and the guide."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Front Counter help"))
        self.resize(820, 560)
        self.tabs = QTabWidget()
        rows = shortcuts()
        self.keys = QTableWidget(len(rows), 3)
        self.keys.setObjectName("shortcutTable")
        self.keys.setHorizontalHeaderLabels([_("Keys"), _("Where"), _("What it does")])
        self.keys.verticalHeader().setVisible(False)
        self.keys.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.keys.setWordWrap(True)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.keys.setItem(row, column, item)
        header = self.keys.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.keys.resizeRowsToContents()
        self.guide = QTextBrowser()
        self.guide.setObjectName("guide")
        self.guide.setHtml(guide_html())
        self.tabs.addTab(self.keys, _("&Keyboard shortcuts"))
        self.tabs.addTab(self.guide, _("A clerk's first &day"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def show_guide(self) -> None:
        self.tabs.setCurrentWidget(self.guide)
