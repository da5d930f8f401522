"""The Qt binding itself: a version that loses a reference to None on every call of a method
that returns nothing (PySide6 6.12.0 on Python 3.11) aborts the window after some 15,000 such
calls, a morning at the counter. This fails on such a version, before a town meets it."""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel


def test_calls_that_return_nothing_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    image = QImage(20, 20, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _n in range(2000):
            label.setText("x")
            painter.setBrush(QColor(1, 2, 3))
            painter.drawEllipse(QPointF(5, 5), 2.0, 2.0)
        lost = before - sys.getrefcount(None)
    finally:
        painter.end()
    assert lost < 100, f"the Qt binding lost {lost} references to None in 6,000 calls"
