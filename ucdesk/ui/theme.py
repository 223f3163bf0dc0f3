"""The look of ucdesk: one calm palette (slate text, teal accent, green answer, red hang-up) and
the style sheet the widgets share. Widgets pick a style with :func:`set_kind` (a dynamic property
``kind`` that the style sheet matches) instead of setting colours themselves."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QSizePolicy, QWidget

BG = "#f3f5f8"
SURFACE = "#ffffff"
BORDER = "#dfe4ea"
TEXT = "#1e293b"
MUTED = "#64748b"
ACCENT = "#0f766e"
ACCENT_HOVER = "#115e59"
ACCENT_SOFT = "#e6f4f2"
SUCCESS = "#16a34a"
SUCCESS_HOVER = "#15803d"
DANGER = "#dc2626"
DANGER_HOVER = "#b91c1c"
DANGER_SOFT = "#fdecec"
WARN = "#b45309"
WARN_SOFT = "#fef3c7"

STYLESHEET = f"""
QMainWindow, QWidget#page {{ background: {BG}; }}
QWidget {{ color: {TEXT}; font-size: 13px; }}
QFrame#card {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px; }}
QLabel[kind="title"] {{ font-size: 17px; font-weight: 600; }}
QLabel[kind="section"] {{ font-size: 12px; font-weight: 600; color: {MUTED}; }}
QLabel[kind="muted"] {{ color: {MUTED}; }}
QLabel[kind="caption"] {{ color: {MUTED}; font-size: 11px; font-weight: 600; }}
QLabel[kind="value"] {{ font-size: 14px; font-weight: 600; }}
QLabel[kind="value-big"] {{ color: {ACCENT}; font-size: 30px; font-weight: 700; }}
QLabel[kind="value-lost"] {{ color: {DANGER}; font-size: 30px; font-weight: 700; }}
QLabel[kind="timer"] {{ font-family: "DejaVu Sans Mono", monospace; font-size: 26px;
    font-weight: 600; color: {TEXT}; }}
QLabel[kind="pill-ok"] {{ background: {ACCENT_SOFT}; color: {ACCENT}; border-radius: 9px;
    padding: 2px 10px; font-weight: 600; }}
QLabel[kind="pill-bad"] {{ background: {DANGER_SOFT}; color: {DANGER}; border-radius: 9px;
    padding: 2px 10px; font-weight: 600; }}
QLabel[kind="pill-warn"] {{ background: {WARN_SOFT}; color: {WARN}; border-radius: 9px;
    padding: 2px 10px; font-weight: 600; }}
QLabel[kind="status-ok"] {{ color: {SUCCESS}; font-size: 16px; }}
QLabel[kind="status-bad"] {{ color: {DANGER}; font-size: 16px; }}
QLabel[kind="notice"] {{ color: {DANGER}; font-weight: 600; padding-right: 8px; }}
QPushButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
    padding: 7px 14px; font-weight: 600; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #a0aab8; background: #eef1f4; }}
QPushButton[kind="primary"] {{ background: {ACCENT}; color: white; border: none; }}
QPushButton[kind="primary"]:hover {{ background: {ACCENT_HOVER}; }}
QPushButton[kind="answer"] {{ background: {SUCCESS}; color: white; border: none; }}
QPushButton[kind="answer"]:hover {{ background: {SUCCESS_HOVER}; }}
QPushButton[kind="danger"] {{ background: {DANGER}; color: white; border: none; }}
QPushButton[kind="danger"]:hover {{ background: {DANGER_HOVER}; }}
QPushButton[kind="primary"]:disabled, QPushButton[kind="answer"]:disabled,
QPushButton[kind="danger"]:disabled {{ background: #cbd3dc; color: white; }}
QToolButton {{ border: 1px solid transparent; border-radius: 8px; padding: 5px; }}
QToolButton:hover {{ border-color: {BORDER}; background: {SURFACE}; }}
QToolButton:checked {{ background: {ACCENT_SOFT}; border-color: {ACCENT}; }}
QPushButton[kind="key"] {{ font-size: 16px; padding: 6px; min-width: 44px; min-height: 26px; }}
QLineEdit {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
    padding: 7px 10px; font-size: 14px; selection-background-color: {ACCENT}; }}
QLineEdit:focus {{ border: 1px solid {ACCENT}; }}
QTableView {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px;
    gridline-color: transparent; selection-background-color: {ACCENT_SOFT};
    selection-color: {TEXT}; alternate-background-color: #f8fafc; }}
QHeaderView::section {{ background: {SURFACE}; color: {MUTED}; border: none;
    border-bottom: 1px solid {BORDER}; padding: 6px 8px; font-weight: 600; font-size: 12px; }}
QListWidget {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px; }}
QListWidget::item {{ padding: 5px 6px; border-radius: 6px; }}
QListWidget::item:selected {{ background: {ACCENT_SOFT}; color: {TEXT}; }}
QCheckBox {{ spacing: 6px; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ padding: 0 2px; }}
QStatusBar::item {{ border: none; }}
QMenuBar {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QSplitter::handle {{ background: {BG}; }}
"""


def set_kind(widget: QWidget, kind: str) -> None:
    """Give ``widget`` a style-sheet role (``kind`` property) and re-apply the style."""
    if widget.property("kind") == kind:
        return
    widget.setProperty("kind", kind)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def plain_label(text: str = "", kind: str | None = None, parent: QWidget | None = None) -> QLabel:
    """A QLabel that always shows its text literally (never guessed as rich text)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    if kind:
        label.setProperty("kind", kind)
    return label


class ElidedLabel(QLabel):
    """A one-line plain-text label that draws its text elided to fit its width ("Could not call
    sip:aaa…aaa@example.org: …"), in the middle unless told otherwise.

    :meth:`text` stays the full text; only the painting is shortened (:meth:`elided_text`). The
    full text is also the accessible description, so screen readers get all of it. There is
    deliberately no tool tip (tool tips guess rich text). The label never asks the layout for
    the width of its whole text, so a long text cannot push a window wider than the screen.
    """

    def __init__(self, text: str = "", kind: str | None = None, parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        if kind:
            self.setProperty("kind", kind)
        self._mode = mode
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setAccessibleDescription(text)

    def elided_text(self) -> str:
        """The text as drawn at the current width."""
        return self.fontMetrics().elidedText(self.text(), self._mode,
                                             max(0, self.contentsRect().width()))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        QFrame.paintEvent(self, event)  # the frame and style-sheet box, not QLabel's text
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()),
                                  self.palette(), self.isEnabled(), self.elided_text(),
                                  self.foregroundRole())


def apply_theme(app: QApplication) -> None:
    """App-wide: the Fusion style, a light palette and a readable default font."""
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(BG))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    font = QFont(app.font())
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
