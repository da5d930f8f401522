"""The start-up baseline: a bare PySide6 window with one QTableView, painted once, then exit."""

from __future__ import annotations

import sys

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    table = QTableView()
    table.setModel(QStandardItemModel(0, 10))
    window.setCentralWidget(table)
    window.resize(1200, 760)
    window.show()
    app.processEvents()
    image = window.grab()
    app.processEvents()
    window.close()
    return 0 if not image.isNull() else 1


if __name__ == "__main__":
    sys.exit(main())
