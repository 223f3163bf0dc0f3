"""The dial box: type a number or SIP address, press Enter (or Call) to dial.

It does not parse what is typed; the services layer does. It only refuses to dial while busy.
Esc in the field clears it and goes no further: it is a "clear the field" key here, never a
window shortcut (the window's Esc hangs up).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ucdesk.ui.icons import icon
from ucdesk.ui.theme import set_kind

__all__ = ["DialBox", "KEYPAD"]

KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
PLACEHOLDER = "Number or SIP address"
BUSY_PLACEHOLDER = "On a call…"


class DialBox(QWidget):
    """A number field with a Call button and an optional keypad.

    Signals:
        dial_requested(text): Enter or Call with non-empty text while not busy.

    :attr:`focus_action` (Ctrl+L) puts the cursor in the field, selecting what is there; the
    main window adds it to a menu so the shortcut works anywhere in the window.
    """

    dial_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)

        row = QHBoxLayout()
        row.setSpacing(6)
        self.line_edit = QLineEdit(self)
        self.line_edit.setPlaceholderText(PLACEHOLDER)
        self.line_edit.setClearButtonEnabled(True)
        self.line_edit.setAccessibleName("Number to dial")
        self.line_edit.returnPressed.connect(self.dial)
        self.line_edit.textChanged.connect(self._update_enabled)
        self.line_edit.installEventFilter(self)

        self.keypad_button = QToolButton(self)
        self.keypad_button.setIcon(icon("dialpad"))
        self.keypad_button.setIconSize(QSize(18, 18))
        self.keypad_button.setCheckable(True)
        self.keypad_button.setToolTip("Show keypad")
        self.keypad_button.toggled.connect(self._toggle_keypad)

        self.call_button = QPushButton(icon("phone", "#ffffff"), "Call", self)
        self.call_button.setIconSize(QSize(16, 16))
        self.call_button.setToolTip("Dial (Enter)")
        set_kind(self.call_button, "answer")
        self.call_button.clicked.connect(self.dial)
        row.addWidget(self.line_edit, 1)
        row.addWidget(self.keypad_button)
        row.addWidget(self.call_button)
        lay.addLayout(row)

        self.keypad = QWidget(self)
        grid = QGridLayout(self.keypad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.key_buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(KEYPAD):
            button = QPushButton(key, self.keypad)
            set_kind(button, "key")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, i // 3, i % 3)
            self.key_buttons[key] = button
        self.keypad.hide()
        lay.addWidget(self.keypad)

        self.focus_action = QAction("Go to dial box", self)
        self.focus_action.setShortcut(QKeySequence("Ctrl+L"))
        self.focus_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.focus_action.triggered.connect(self.focus_input)
        self.addAction(self.focus_action)
        self._update_enabled()

    # ---- public API ------------------------------------------------------------------
    def text(self) -> str:
        """What is typed, trimmed."""
        return self.line_edit.text().strip()

    def set_text(self, text: str) -> None:
        """Put ``text`` in the field (e.g. a number to call back)."""
        self.line_edit.setText(text)

    def is_busy(self) -> bool:
        """True while a call is on and dialling is refused."""
        return self._busy

    def set_busy(self, busy: bool, reason: str | None = None) -> None:
        """Refuse (True) or allow (False) dialling; typing stays possible.

        ``reason`` is the placeholder shown while busy (e.g. "Call ringing…"); without one a box
        that is already busy keeps its reason, else it says "On a call…".
        """
        if busy:
            keep = self._busy and reason is None
            text = self.line_edit.placeholderText() if keep else reason or BUSY_PLACEHOLDER
        else:
            text = PLACEHOLDER
        self._busy = busy
        self.line_edit.setPlaceholderText(text)
        self._update_enabled()

    def focus_input(self) -> None:
        """Focus the field and select its text, ready to type over."""
        self.line_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.line_edit.selectAll()

    def dial(self) -> None:
        """Emit :attr:`dial_requested` with the typed text, unless empty or busy."""
        text = self.text()
        if not text or self._busy:
            return
        self.dial_requested.emit(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.line_edit and event.type() in (QEvent.Type.ShortcutOverride,
                                                          QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and event.modifiers() in (
                    Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier
            ) and self.line_edit.text():
                # With text in the field, Esc clears it and goes no further (accepting the
                # override keeps it from the window's Hang up). With an empty field it passes on:
                # Esc then hangs up a connected call (never declines a ringing one).
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    self.line_edit.clear()
                return True
        return super().eventFilter(watched, event)

    # ---- internals ---------------------------------------------------------------------
    def _update_enabled(self) -> None:
        self.call_button.setEnabled(bool(self.text()) and not self._busy)

    def _toggle_keypad(self, shown: bool) -> None:
        self.keypad.setVisible(shown)
        self.keypad_button.setToolTip("Hide keypad" if shown else "Show keypad")

    def _press(self, key: str) -> None:
        self.line_edit.insert(key)
