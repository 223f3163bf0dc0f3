"""The main window: the dial box and current call on the left, call history on the right.

It composes panels and forwards their signals; it holds no business logic. Dialogs go through
:attr:`MainWindow.exec_dialog` and file picking through :attr:`MainWindow.pick_import_file`, so
tests can answer them without a modal loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ucdesk.ui import dialogs, theme
from ucdesk.ui.call_panel import CallPanel, CallState
from ucdesk.ui.dial_box import DialBox
from ucdesk.ui.history import HistoryModel, HistoryView
from ucdesk.ui.icons import app_icon, icon
from ucdesk.ui.theme import ElidedLabel, plain_label, set_kind

__all__ = ["MainWindow", "DECLINE_KEYS"]

#: What the dial box says while a call stops it dialling, by call state.
_BUSY_TEXT = {CallState.RINGING.value: "Call ringing…", CallState.CALLING.value: "Calling…",
              CallState.CONNECTED.value: "On a call…"}
#: Declining is deliberate: a chord no one hits by accident (Esc only hangs up).
DECLINE_KEYS = "Ctrl+Shift+Backspace"


def _exec(dialog: QDialog) -> int:
    return dialog.exec()


class MainWindow(QMainWindow):
    """The ucdesk window.

    Signals (forwarded from the panels, or from menus):
        dial_requested(text), answer_requested(call_id), hangup_requested(call_id),
        decline_requested(call_id), call_back_requested(number), import_requested(path),
        demo_call_requested(), account_requested(), quit_requested()
    """

    dial_requested = Signal(str)
    answer_requested = Signal(int)
    hangup_requested = Signal(int)
    decline_requested = Signal(int)
    call_back_requested = Signal(str)
    import_requested = Signal(str)
    demo_call_requested = Signal()
    pick_customer_requested = Signal(int)   # +1 next / -1 previous customer on a shared number
    account_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 history_model: HistoryModel | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ucdesk")
        self.setWindowIcon(app_icon())
        self.setStyleSheet(theme.STYLESHEET)
        self.resize(1200, 720)
        #: Shows a modal dialog and returns its result; tests replace it.
        self.exec_dialog: Callable[[QDialog], int] = _exec
        #: Asks for a customer file; returns "" when cancelled. Tests replace it.
        self.pick_import_file: Callable[[], str] = self._pick_import_file

        self.dial_box = DialBox()
        self.call_panel = CallPanel()
        self.history_view = HistoryView(history_model)
        self._build_layout()
        self._build_status_bar()
        self._build_menus()

        self.dial_box.dial_requested.connect(self.dial_requested)
        self.call_panel.answer_requested.connect(self.answer_requested)
        self.call_panel.hangup_requested.connect(self.hangup_requested)
        self.call_panel.decline_requested.connect(self.decline_requested)
        self.call_panel.state_changed.connect(self._on_call_state)
        self.history_view.call_back_requested.connect(self.call_back_requested)
        self.quit_requested.connect(self.close)
        self._on_call_state(self.call_panel.state.value)

    # ---- construction ------------------------------------------------------------------
    def _build_layout(self) -> None:
        left = QWidget()
        left.setObjectName("page")
        lay = QVBoxLayout(left)
        lay.setContentsMargins(16, 16, 8, 16)
        lay.setSpacing(8)
        lay.addWidget(plain_label("Dial", "section"))
        lay.addWidget(self.dial_box)
        lay.addSpacing(10)
        lay.addWidget(plain_label("Current call", "section"))
        lay.addWidget(self.call_panel)
        lay.addStretch(1)
        keys = plain_label(
            "Keys: Ctrl+L dial · Ctrl+Return answer · Esc hang up · "
            f"{DECLINE_KEYS} decline · F2 history · Ctrl+I import", "muted")
        keys.setWordWrap(True)
        lay.addWidget(keys)
        left.setMinimumWidth(340)
        left.setMaximumWidth(440)

        right = QWidget()
        right.setObjectName("page")
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(8, 16, 16, 16)
        rlay.addWidget(self.history_view)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([380, 820])
        self.setCentralWidget(splitter)

    def _build_status_bar(self) -> None:
        self.status_dot = plain_label("●", "status-ok")
        self.status_label = ElidedLabel("")  # long errors are elided in the middle
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        bar.addWidget(self.status_dot)
        bar.addWidget(self.status_label, 1)
        # notices (a missed call) sit on the right and never hide the line state
        self.notice_label = ElidedLabel("", "notice")
        self.notice_label.setMaximumWidth(560)
        bar.addPermanentWidget(self.notice_label)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice_label.clear)

    def _action(self, text: str, shortcuts: tuple[str, ...] = (),
                slot: Callable[[], None] | None = None, icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if icon_name:
            action.setIcon(icon(icon_name))
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        self.import_action = self._action("&Import customers…", ("Ctrl+I",),
                                          self.import_customers, "import")
        self.quit_action = self._action("&Quit", ("Ctrl+Q",), self.quit_requested.emit)
        self.demo_action = self._action("&Demo call from a customer", ("Ctrl+Shift+D",),
                                        self.demo_call_requested.emit, "phone-incoming")
        self.answer_action = self._action("&Answer", ("Ctrl+Return", "Ctrl+Enter"),
                                          self.call_panel.answer_current, "phone")
        self.decline_action = self._action("&Decline", (DECLINE_KEYS,),
                                           self.call_panel.decline_current, "phone-hangup")
        self.hangup_action = self._action("&Hang up", ("Esc",),
                                          self.call_panel.hang_up_current, "phone-hangup")
        self.next_customer_action = self._action(
            "&Next customer on this number", ("Ctrl+Down",),
            lambda: self.pick_customer_requested.emit(1))
        self.previous_customer_action = self._action(
            "&Previous customer on this number", ("Ctrl+Up",),
            lambda: self.pick_customer_requested.emit(-1))
        self.find_action = self._action("&Find in history", ("Ctrl+F",), self._find_in_history)
        self.missed_only_action = self._action("&Missed calls only", ("Ctrl+M",),
                                               self.history_view.missed_only.toggle)
        self.history_action = self._action("&History", ("F2",),
                                           self.history_view.focus_table, "history")
        self.about_action = self._action("&About ucdesk", (), self.show_about)
        self.account_action = self._action("&SIP account…", ("Ctrl+,",),
                                           self.account_requested.emit)
        self.focus_dial_action = self.dial_box.focus_action
        self.addAction(self.focus_dial_action)

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        call_menu = menus.addMenu("&Call")
        for action in (self.focus_dial_action, self.answer_action, self.decline_action,
                       self.hangup_action):
            call_menu.addAction(action)
        call_menu.addSeparator()
        call_menu.addAction(self.next_customer_action)
        call_menu.addAction(self.previous_customer_action)
        call_menu.addSeparator()
        call_menu.addAction(self.demo_action)
        view_menu = menus.addMenu("&View")
        for action in (self.history_action, self.find_action, self.missed_only_action):
            view_menu.addAction(action)
        menus.addMenu("&Settings").addAction(self.account_action)
        menus.addMenu("&Help").addAction(self.about_action)

    # ---- public API ------------------------------------------------------------------
    def set_line_status(self, text: str, ok: bool) -> None:
        """Show the line state in the status bar ("Registered as sip:…", or an error)."""
        self.status_label.setText(text)
        set_kind(self.status_dot, "status-ok" if ok else "status-bad")

    def show_notice(self, text: str, seconds: int = 60) -> None:
        """A passing notice on the right of the status bar (plain text), beside the line state."""
        self.notice_label.setText(text)
        self._notice_timer.start(seconds * 1000)

    @property
    def history_model(self) -> HistoryModel:
        """The history table's model (``upsert`` a record as a call starts and ends)."""
        return self.history_view.model

    def set_region(self, region: str | None) -> None:
        """The default region: numbers in it are shown in national format."""
        self.history_view.model.set_region(region)

    def line_status(self) -> tuple[str, bool]:
        """The full status text (the label may draw it elided) and whether the line is ok."""
        return self.status_label.text(), self.status_dot.property("kind") == "status-ok"

    def confirm_dial(self, number_text: str, customer_name: str | None) -> bool:
        """Ask before dialling a number that came from outside the app."""
        box = dialogs.build_confirm_dial(self, number_text, customer_name)
        self.exec_dialog(box)
        return box.clickedButton() is box.property("call_button")

    def ask_region(self, default: str = "ZA") -> str | None:
        """First run: ask for the default region; None when the agent cancels."""
        dialog = dialogs.RegionDialog(self, default)
        accepted = self.exec_dialog(dialog) == QDialog.DialogCode.Accepted
        return dialog.region() if accepted else None

    def import_customers(self) -> None:
        """File > Import customers…: pick a file and emit :attr:`import_requested`."""
        path = self.pick_import_file()
        if path:
            self.import_requested.emit(path)

    def show_about(self) -> None:
        self.exec_dialog(dialogs.build_about(self))

    def show_error(self, title: str, text: str) -> None:
        """A plain-text warning (e.g. an import that failed)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, "", QMessageBox.StandardButton.Ok,
                          self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        self.exec_dialog(box)

    # ---- internals ---------------------------------------------------------------------
    def _find_in_history(self) -> None:
        self.history_view.filter_edit.setFocus()
        self.history_view.filter_edit.selectAll()

    def _pick_import_file(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import customers", str(Path.home()), "Customer lists (*.csv);;All files (*)")
        return path

    def _on_call_state(self, state: str) -> None:
        self.dial_box.set_busy(state in _BUSY_TEXT, _BUSY_TEXT.get(state))
        ringing = state == CallState.RINGING.value
        self.answer_action.setEnabled(ringing)
        self.decline_action.setEnabled(ringing)
        self.hangup_action.setEnabled(self.call_panel.can_hang_up())
