"""The dial box: Enter dials, busy refuses, keypad types, Ctrl+L focuses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from ucdesk.ui.dial_box import DialBox


@pytest.fixture
def box(qtbot):
    widget = DialBox()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_placeholder_and_enter_dials(qtbot, box):
    assert box.line_edit.placeholderText() == "Number or SIP address"
    qtbot.keyClicks(box.line_edit, "  011 555 1234 ")
    with qtbot.waitSignal(box.dial_requested) as dialled:
        qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
    assert dialled.args == ["011 555 1234"]


def test_call_button_dials_and_is_disabled_when_empty(qtbot, box):
    assert not box.call_button.isEnabled()
    box.set_text("sip:bob@example.org")
    assert box.call_button.isEnabled()
    assert not box.call_button.icon().isNull()
    with qtbot.waitSignal(box.dial_requested) as dialled:
        qtbot.mouseClick(box.call_button, Qt.MouseButton.LeftButton)
    assert dialled.args == ["sip:bob@example.org"]


def test_empty_text_does_not_dial(qtbot, box):
    with qtbot.assertNotEmitted(box.dial_requested):
        qtbot.keyClicks(box.line_edit, "   ")
        qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)


def test_busy_blocks_dialling(qtbot, box):
    box.set_text("0115551234")
    box.set_busy(True)
    assert box.is_busy()
    assert not box.call_button.isEnabled()
    with qtbot.assertNotEmitted(box.dial_requested):
        qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
        box.dial()
    box.set_busy(False)
    assert box.call_button.isEnabled()
    with qtbot.waitSignal(box.dial_requested) as dialled:
        qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
    assert dialled.args == ["0115551234"]


def test_keypad_toggle_and_keys(qtbot, box):
    assert not box.keypad.isVisible()
    qtbot.mouseClick(box.keypad_button, Qt.MouseButton.LeftButton)
    assert box.keypad.isVisible()
    for key in "0*1#":
        qtbot.mouseClick(box.key_buttons[key], Qt.MouseButton.LeftButton)
    assert box.line_edit.text() == "0*1#"
    assert sorted(box.key_buttons) == sorted("0123456789*#")
    qtbot.mouseClick(box.keypad_button, Qt.MouseButton.LeftButton)
    assert not box.keypad.isVisible()


def test_ctrl_l_focuses_and_selects(qtbot, box):
    assert box.focus_action.shortcut() == QKeySequence("Ctrl+L")
    box.set_text("0115551234")
    box.call_button.setFocus()
    box.focus_action.trigger()
    assert box.line_edit.hasFocus()
    assert box.line_edit.selectedText() == "0115551234"


def test_escape_clears_the_field_first_then_reaches_the_window(qtbot, box):
    from PySide6.QtGui import QAction

    window_esc = QAction("Hang up", box)
    window_esc.setShortcut(QKeySequence("Esc"))
    box.addAction(window_esc)  # stands in for the main window's Esc shortcut (Hang up)
    box.set_text("0115551234")
    box.focus_input()
    with qtbot.assertNotEmitted(window_esc.triggered), \
            qtbot.assertNotEmitted(box.dial_requested):
        qtbot.keyClick(box.line_edit, Qt.Key.Key_Escape)
        assert box.line_edit.text() == ""
    assert box.line_edit.hasFocus()
    # an empty field lets Esc through: the agent who dialled from here can hang up with it
    with qtbot.waitSignal(window_esc.triggered):
        qtbot.keyClick(box.line_edit, Qt.Key.Key_Escape)


def test_busy_placeholder_says_why(box):
    box.set_busy(True, "Call ringing…")
    assert box.line_edit.placeholderText() == "Call ringing…"
    box.set_busy(True)  # no reason: keeps the one it has
    assert box.line_edit.placeholderText() == "Call ringing…"
    box.set_busy(True, "On a call…")
    assert box.line_edit.placeholderText() == "On a call…"
    box.set_busy(False)
    assert box.line_edit.placeholderText() == "Number or SIP address"
    box.set_busy(True)
    assert box.line_edit.placeholderText() == "On a call…"
