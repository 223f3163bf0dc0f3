"""The main window: composition, menus, shortcuts, status, dialogs."""

from __future__ import annotations

import pytest
from conftest import HTML_NAME, make_record
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox

from ucdesk.ui.dialogs import RegionDialog, region_name
from ucdesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def menu_titles(window: MainWindow) -> dict[str, list[str]]:
    menus = {}
    for action in window.menuBar().actions():
        menus[action.text().replace("&", "")] = [
            a.text().replace("&", "") for a in action.menu().actions() if not a.isSeparator()]
    return menus


def test_title_icon_and_panels(window):
    assert window.windowTitle() == "ucdesk"
    assert not window.windowIcon().isNull()
    assert window.dial_box.isVisible()
    assert window.call_panel.isVisible()
    assert window.history_view.isVisible()


def test_menus(window):
    assert menu_titles(window) == {
        "File": ["Import customers…", "Quit"],
        "Call": ["Go to dial box", "Answer", "Decline", "Hang up", "Next customer on this number",
                 "Previous customer on this number", "Demo call from a customer"],
        "View": ["History", "Find in history", "Missed calls only"],
        "Settings": ["SIP account…"],
        "Help": ["About ucdesk"],
    }


def test_shortcuts(window):
    assert window.import_action.shortcut() == QKeySequence("Ctrl+I")
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert window.demo_action.shortcut() == QKeySequence("Ctrl+Shift+D")
    assert window.hangup_action.shortcut() == QKeySequence("Esc")
    assert window.decline_action.shortcut() == QKeySequence("Ctrl+Shift+Backspace")
    assert QKeySequence("Ctrl+Return") in window.answer_action.shortcuts()
    assert window.history_action.shortcut() == QKeySequence("F2")
    assert window.focus_dial_action.shortcut() == QKeySequence("Ctrl+L")


def test_demo_call_shortcut_emits(qtbot, window):
    with qtbot.waitSignal(window.demo_call_requested):
        qtbot.keyClick(window, Qt.Key.Key_D,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def test_import_emits_the_picked_path(qtbot, window):
    window.pick_import_file = lambda: "/tmp/customers.csv"
    with qtbot.waitSignal(window.import_requested) as imported:
        window.import_action.trigger()
    assert imported.args == ["/tmp/customers.csv"]
    window.pick_import_file = lambda: ""
    with qtbot.assertNotEmitted(window.import_requested):
        window.import_action.trigger()


def test_quit_emits_and_closes(qtbot, window):
    with qtbot.waitSignal(window.quit_requested):
        window.quit_action.trigger()
    assert not window.isVisible()


def test_dial_box_forwards_and_is_busy_during_a_call(qtbot, window):
    window.dial_box.set_text("0115551234")
    with qtbot.waitSignal(window.dial_requested) as dialled:
        qtbot.keyClick(window.dial_box.line_edit, Qt.Key.Key_Return)
    assert dialled.args == ["0115551234"]
    window.call_panel.show_outgoing(3, "011 555 1234", None)
    assert window.dial_box.is_busy()
    window.call_panel.set_ended(3, "cancelled")
    assert not window.dial_box.is_busy()


def test_answer_and_hang_up_actions_follow_the_call(qtbot, window, card):
    assert not window.answer_action.isEnabled()
    assert not window.hangup_action.isEnabled()
    assert not window.decline_action.isEnabled()
    window.call_panel.show_incoming(4, "Thandi", "011 555 1234", card)
    assert window.answer_action.isEnabled() and window.decline_action.isEnabled()
    assert not window.hangup_action.isEnabled()  # Esc never declines
    with qtbot.waitSignal(window.answer_requested) as answered:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert answered.args == [4]
    window.call_panel.set_connected(4)
    assert not window.answer_action.isEnabled() and not window.decline_action.isEnabled()
    assert window.hangup_action.isEnabled()
    with qtbot.waitSignal(window.hangup_requested) as hung_up:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert hung_up.args == [4]


def test_escape_hangs_up_an_outgoing_call_being_set_up(qtbot, window):
    window.call_panel.show_outgoing(3, "011 555 1234", None)
    window.history_view.focus_table()
    with qtbot.waitSignal(window.hangup_requested) as hung_up:
        qtbot.keyClick(window.history_view.table, Qt.Key.Key_Escape)
    assert hung_up.args == [3]


def test_escape_never_declines_a_ringing_call(qtbot, window):
    window.call_panel.show_incoming(5, "", "0115551234", None)
    window.history_view.focus_table()
    with qtbot.assertNotEmitted(window.decline_requested), \
            qtbot.assertNotEmitted(window.hangup_requested):
        qtbot.keyClick(window.history_view.table, Qt.Key.Key_Escape)
        window.hangup_action.trigger()  # even if something triggers it anyway
    assert window.call_panel.state.value == "ringing"


def test_escape_in_the_dial_box_clears_it_and_leaves_the_call_alone(qtbot, window, card):
    window.call_panel.show_incoming(6, "Thandi", "011 555 1234", card)
    window.dial_box.set_text("0821234567")
    window.dial_box.focus_input()
    qtbot.waitUntil(window.dial_box.line_edit.hasFocus)
    with qtbot.assertNotEmitted(window.decline_requested), \
            qtbot.assertNotEmitted(window.hangup_requested):
        qtbot.keyClick(window.dial_box.line_edit, Qt.Key.Key_Escape)
    assert window.dial_box.line_edit.text() == ""
    assert window.call_panel.state.value == "ringing"
    window.call_panel.set_connected(6)  # consumed there while connected too
    window.dial_box.set_text("0821234567")
    with qtbot.assertNotEmitted(window.hangup_requested):
        qtbot.keyClick(window.dial_box.line_edit, Qt.Key.Key_Escape)
    assert window.dial_box.line_edit.text() == ""


def test_decline_shortcut_is_deliberate_and_works_from_the_dial_box(qtbot, window):
    window.call_panel.show_incoming(7, "", "0115551234", None)
    window.dial_box.set_text("0821234567")
    window.dial_box.focus_input()
    qtbot.waitUntil(window.dial_box.line_edit.hasFocus)
    window.dial_box.line_edit.end(False)
    with qtbot.waitSignal(window.decline_requested) as declined:
        qtbot.keyClick(window.dial_box.line_edit, Qt.Key.Key_Backspace,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert declined.args == [7]
    assert window.dial_box.line_edit.text() == "0821234567"  # the chord did not edit the field
    keys = [lab.text() for lab in window.findChildren(QLabel) if lab.text().startswith("Keys:")]
    assert "Ctrl+Shift+Backspace decline" in keys[0]


def test_dial_box_placeholder_follows_the_call_state(window):
    placeholder = window.dial_box.line_edit.placeholderText
    assert placeholder() == "Number or SIP address"
    window.call_panel.show_incoming(8, "", "0115551234", None)
    assert placeholder() == "Call ringing…"
    window.dial_box.set_busy(True)  # what the app also does: keeps the reason
    assert placeholder() == "Call ringing…"
    window.call_panel.set_connected(8)
    assert placeholder() == "On a call…"
    window.call_panel.set_ended(8, "answered")
    assert placeholder() == "Number or SIP address"
    window.call_panel.show_outgoing(9, "011 555 1234", None)
    assert placeholder() == "Calling…"
    window.call_panel.set_connected(9)
    assert placeholder() == "On a call…"


def test_region_formats_history_numbers(window):
    assert window.history_model is window.history_view.model
    window.history_model.upsert(make_record(1))
    assert window.history_view.model.index(0, 1).data() == "+27 11 555 1234"
    window.set_region("ZA")
    assert window.history_view.model.index(0, 1).data() == "011 555 1234"


def test_history_shortcut_focuses_the_table(qtbot, window):
    window.history_action.trigger()
    assert window.history_view.table.hasFocus()


def test_call_back_is_forwarded(qtbot, window):
    with qtbot.waitSignal(window.call_back_requested) as called:
        window.history_view.call_back_requested.emit("+27115551234")
    assert called.args == ["+27115551234"]


def test_line_status(window):
    window.set_line_status("Demo line — ready", True)
    assert window.line_status() == ("Demo line — ready", True)
    window.set_line_status("Registration failed: 403 <b>Forbidden</b>", False)
    assert window.status_label.text() == "Registration failed: 403 <b>Forbidden</b>"
    assert window.status_label.textFormat() == Qt.TextFormat.PlainText
    assert window.line_status()[1] is False


def test_long_status_is_elided_in_the_middle(qtbot, window):
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() == 800)
    target = "sip:" + "a" * 100 + "@example.org"
    text = f"Could not call {target}: 404 Not Found"
    window.set_line_status(text, False)
    label = window.status_label
    assert window.line_status() == (text, False)
    assert label.text() == text and label.accessibleDescription() == text
    assert label.toolTip() == ""
    qtbot.waitUntil(lambda: label.geometry().right() <= window.statusBar().width())
    assert window.width() == 800  # the text did not push the window wider
    assert window.minimumSizeHint().width() < 800
    shown = label.elided_text()
    assert "…" in shown and shown != text
    assert shown.startswith("Could not call sip:aaa") and shown.endswith("404 Not Found")
    assert label.fontMetrics().horizontalAdvance(shown) <= label.width()
    window.resize(1600, 600)
    qtbot.waitUntil(lambda: label.elided_text() == text)
    window.set_line_status("Registered", True)
    assert label.elided_text() == "Registered"


def test_confirm_dial_is_plain_and_defaults_to_cancel(window):
    seen: list[QMessageBox] = []

    def click_call(box: QMessageBox) -> int:
        seen.append(box)
        box.property("call_button").click()
        return 0

    window.exec_dialog = click_call
    assert window.confirm_dial("011 555 1234", "Thandi Example") is True
    box = seen[0]
    assert box.text() == "Call 011 555 1234 — Thandi Example?"
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)

    def click_cancel(box: QMessageBox) -> int:
        seen.append(box)
        box.button(QMessageBox.StandardButton.Cancel).click()
        return 0

    window.exec_dialog = click_cancel
    assert window.confirm_dial("011 555 1234", HTML_NAME) is False
    assert seen[1].text() == f"Call 011 555 1234 — {HTML_NAME}?"
    window.exec_dialog = lambda box: box.reject() or 0
    assert window.confirm_dial("011 555 1234", None) is False


def test_ask_region(window):
    def pick_gb(dialog: QDialog) -> int:
        assert isinstance(dialog, RegionDialog)
        assert dialog.region() == "ZA"
        assert dialog.combo.currentText() == "South Africa (ZA) +27"
        dialog.combo.setCurrentIndex(dialog.combo.findData("GB"))
        return QDialog.DialogCode.Accepted

    window.exec_dialog = pick_gb
    assert window.ask_region() == "GB"
    window.exec_dialog = lambda dialog: QDialog.DialogCode.Rejected
    assert window.ask_region() is None
    assert region_name("US") == "United States"


def test_about_is_plain(window):
    shown: list[QMessageBox] = []
    window.exec_dialog = lambda box: shown.append(box) or 0
    window.about_action.trigger()
    assert shown[0].text().startswith("ucdesk ")
    assert shown[0].textFormat() == Qt.TextFormat.PlainText


def test_every_label_is_plain_text(window):
    for label in window.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_a_notice_sits_beside_the_line_state_and_is_plain(window):
    window.set_line_status("Registered as sip:alice@pbx.example.com", True)
    window.show_notice("Missed call: <b>X</b><img src=x> — 011 555 1234")
    assert window.line_status()[0] == "Registered as sip:alice@pbx.example.com"
    assert window.notice_label.text() == "Missed call: <b>X</b><img src=x> — 011 555 1234"
    assert window.notice_label.textFormat() == Qt.TextFormat.PlainText
