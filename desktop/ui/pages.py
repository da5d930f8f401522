"""Simple pages: the areas of the product that are not built yet say so plainly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NotBuiltPage(QWidget):
    """An honest placeholder: what the area will do, and that it is not there yet."""

    def __init__(self, title: str, explanation: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        heading = QLabel(f"<h2>{_escape(title)}</h2>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        body = QLabel(explanation)
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.PlainText)
        body.setObjectName("notBuilt")
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
