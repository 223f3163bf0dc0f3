"""The call panel: states, buttons, timer, plain remote text."""

from __future__ import annotations

import pytest
from conftest import HTML_NAME, make_card
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ucdesk.ui.call_panel import IDLE_TEXT, CallPanel, CallState


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def panel(qtbot, clock):
    widget = CallPanel(clock=clock)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def shown(widget) -> bool:
    return widget.isVisibleTo(widget.window())


def test_idle(panel):
    assert panel.state is CallState.IDLE
    assert panel.call_id is None
    assert panel.stack.currentWidget() is panel.idle_page
    assert panel.idle_label.text() == IDLE_TEXT == "No call — dial a number or wait for a call"


def test_incoming_ringing_then_connected_then_ended(qtbot, panel, clock, card):
    states: list[str] = []
    panel.state_changed.connect(states.append)
    panel.show_incoming(5, "Thandi", "011 555 1234", card)
    assert panel.state is CallState.RINGING
    assert panel.state_label.text() == "Ringing…"
    assert panel.name_label.text() == "Thandi Example"  # the customer, not the SIP display name
    assert panel.number_label.text() == "011 555 1234"
    assert shown(panel.caller_id_label)
    assert panel.caller_id_label.text() == 'Caller ID name: "Thandi"'
    assert panel.customer_label.text() == "Example Trading"
    assert panel.company_label.text() == "Active customer"
    assert panel.ltv_label.text() == "R10,810"
    assert shown(panel.answer_button) and shown(panel.decline_button)
    assert not shown(panel.hangup_button)
    assert panel.decline_button.text() == "Decline"

    with qtbot.waitSignal(panel.answer_requested) as answered:
        qtbot.mouseClick(panel.answer_button, Qt.MouseButton.LeftButton)
    assert answered.args == [5]

    panel.set_connected(5)
    assert panel.state_label.text() == "Connected"
    assert not shown(panel.answer_button) and not shown(panel.decline_button)
    assert shown(panel.hangup_button) and panel.hangup_button.text() == "Hang up"
    assert panel.timer.isActive() and panel.timer.interval() == 1000
    assert panel.timer_label.text() == "00:00"
    clock.t += 65
    panel.timer.timeout.emit()
    assert panel.timer_label.text() == "01:05"

    with qtbot.waitSignal(panel.hangup_requested) as hung_up:
        qtbot.mouseClick(panel.hangup_button, Qt.MouseButton.LeftButton)
    assert hung_up.args == [5]

    clock.t += 3
    panel.set_ended(5, "answered")
    assert panel.state is CallState.ENDED
    assert panel.state_label.text() == "Ended: answered"
    assert panel.timer_label.text() == "01:08"
    assert not panel.timer.isActive()
    assert not shown(panel.hangup_button) and shown(panel.close_button)
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    assert panel.state is CallState.IDLE
    assert states == ["ringing", "connected", "ended", "idle"]


def test_timer_advances_in_real_time(qtbot, card):
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.show_outgoing(9, "011 555 1234", card)
    panel.set_connected(9)
    assert panel.timer_label.text() == "00:00"
    qtbot.waitUntil(lambda: panel.timer_label.text() == "00:01", timeout=2500)


def test_decline_while_ringing(qtbot, panel):
    panel.show_incoming(6, "", "0115551234", None)
    assert panel.name_label.text() == "0115551234"
    assert not shown(panel.customer_box)
    assert not shown(panel.caller_id_label)
    with qtbot.waitSignal(panel.decline_requested) as declined:
        qtbot.mouseClick(panel.decline_button, Qt.MouseButton.LeftButton)
    assert declined.args == [6]


def test_decline_is_left_and_red_answer_right_and_green(panel, card):
    panel.resize(400, panel.sizeHint().height())
    panel.show_incoming(6, "", "0115551234", card)
    decline, answer = panel.decline_button, panel.answer_button
    assert decline.mapTo(panel, decline.rect().topLeft()).x() < \
        answer.mapTo(panel, answer.rect().topLeft()).x()
    assert (decline.property("kind"), answer.property("kind")) == ("danger", "answer")


def test_hang_up_never_declines_a_ringing_call(qtbot, panel):
    panel.show_incoming(6, "", "0115551234", None)
    assert not panel.can_hang_up()
    with qtbot.assertNotEmitted(panel.decline_requested), \
            qtbot.assertNotEmitted(panel.hangup_requested):
        panel.hang_up_current()
    with qtbot.waitSignal(panel.decline_requested) as declined:
        panel.decline_current()
    assert declined.args == [6]
    panel.set_connected(6)
    assert panel.can_hang_up()
    with qtbot.assertNotEmitted(panel.decline_requested):
        panel.decline_current()
    with qtbot.waitSignal(panel.hangup_requested) as hung_up:
        panel.hang_up_current()
    assert hung_up.args == [6]


def test_unknown_caller_title_is_the_number_and_the_display_name_is_labelled(panel):
    formula = '=HYPERLINK("http://evil.example/x","Bank")'
    panel.show_incoming(11, formula, "011 555 1234", None)
    assert panel.name_label.text() == "011 555 1234"
    assert not shown(panel.number_label)  # already the title
    assert shown(panel.caller_id_label)
    assert panel.caller_id_label.text() == f'Caller ID name: "{formula}"'
    assert panel.caller_id_label.textFormat() == Qt.TextFormat.PlainText
    panel.show_incoming(12, "Withheld", "Withheld number", None)
    assert panel.name_label.text() == "Withheld number"
    panel.show_incoming(13, "", "", None)
    assert panel.name_label.text() == "Unknown caller"


def test_a_long_caller_id_name_is_elided_not_widening(qtbot, panel):
    panel.resize(380, panel.height())
    long_name = "A" * 60 + " " + "B" * 300
    panel.show_incoming(14, long_name, "0115551234", None)
    label = panel.caller_id_label
    qtbot.waitUntil(lambda: label.elided_text().endswith("…"))
    assert label.elided_text().startswith('Caller ID name: "AAAA')
    assert label.text() == f'Caller ID name: "{long_name}"'
    assert label.accessibleDescription() == label.text()
    assert label.toolTip() == ""
    assert label.fontMetrics().horizontalAdvance(label.elided_text()) <= label.width()
    assert panel.minimumSizeHint().width() < 400
    assert panel.width() == 380


def test_missed_call_ends_without_timer(panel):
    panel.show_incoming(7, "Bob", "0115551234", None)
    panel.set_ended(7, "missed")
    assert panel.state_label.text() == "Ended: missed"
    assert not shown(panel.timer_label)
    assert panel.state_label.property("kind") == "pill-bad"


def test_outgoing_calling(qtbot, panel, card):
    panel.show_outgoing(8, "011 555 1234", card)
    assert panel.state_label.text() == "Calling…"
    assert panel.name_label.text() == "Thandi Example"
    assert panel.number_label.text() == "011 555 1234"
    assert panel.customer_label.text() == "Example Trading"  # the name is already the headline
    assert not shown(panel.answer_button)
    assert panel.hangup_button.text() == "Hang up"
    with qtbot.assertNotEmitted(panel.answer_requested):
        panel.answer_current()
    panel.set_progress(8, "Ringing at their end…")
    assert panel.state_label.text() == "Ringing at their end…"


def test_events_for_another_call_are_ignored(panel):
    panel.show_outgoing(8, "0115551234", None)
    panel.set_connected(99)
    assert panel.state is CallState.CALLING
    panel.set_ended(99, "failed")
    assert panel.state is CallState.CALLING


def test_html_display_name_is_literal(panel):
    panel.show_incoming(9, HTML_NAME, "0115551234", make_card(name="Thandi Example"))
    assert panel.name_label.text() == "Thandi Example"
    assert panel.caller_id_label.text() == f'Caller ID name: "{HTML_NAME}"'
    panel.show_incoming(10, "Thandi", "0115551234", make_card(name=HTML_NAME))
    assert panel.name_label.text() == HTML_NAME
    assert panel.customer_label.text() == "Example Trading"
    panel.show_incoming(11, HTML_NAME, "0115551234", None)
    assert panel.name_label.text() == "0115551234"
    assert panel.caller_id_label.text() == f'Caller ID name: "{HTML_NAME}"'
    for label in panel.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_clear(panel, card):
    panel.show_incoming(1, "A", "1", card)
    panel.clear()
    assert panel.state is CallState.IDLE and panel.call_id is None
    assert panel.stack.currentWidget() is panel.idle_page
