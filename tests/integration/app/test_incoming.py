"""Incoming calls through the whole app: sipp UAC -> pjsua2 -> CallService -> pop/panel -> SQLite."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from tests.helpers.sip import requires_sipp
from tests.integration.app.harness import HTML_NAME, SHARED_NUMBER, THANDI_NUMBER, AppHarness
from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.insights.clv import value_for
from ucdesk.ui.call_panel import CallState
from ucdesk.ui.formatting import money
from ucdesk.ui.history import Column

pytestmark = [pytest.mark.sip, requires_sipp(), pytest.mark.timeout(60)]

LEFT = Qt.MouseButton.LeftButton


def visible_texts(widget: QWidget) -> list[str]:
    return [lab.text() for lab in widget.findChildren(QLabel)
            if lab.isVisibleTo(widget) and lab.text()]


def expected_value(desk: Any, customer_id: int) -> int:
    """The lifetime value the store should hold, from the model itself (not hard-coded)."""
    customer = desk.ctx.customers.get(customer_id)
    assert customer is not None
    return value_for(customer, desk.ctx.settings.team(), date.today()).lifetime_value_minor


def wait_for_pop(h: AppHarness) -> None:
    pop = h.desk.pop
    h.wait(lambda: pop.isVisible() and pop.call_id is not None, what="the screen pop")


def model_row(h: AppHarness, row_id: int) -> int:
    model = h.desk.window.history_model
    for r in range(model.rowCount()):
        if model.record_at(r).id == row_id:
            return r
    raise AssertionError(f"history model has no row {row_id}: {model.records()!r}")


def wait_model_final(h: AppHarness, row_id: int, outcome: Outcome) -> CallRecord:
    h.wait(lambda: any(r.id == row_id and r.outcome is outcome for r in h.model_records()),
           what=f"history model row {row_id} with outcome {outcome}")
    return next(r for r in h.model_records() if r.id == row_id)


def test_incoming_known_caller_pop_answer_and_history(desk: Any, harness: AppHarness,
                                                      qtbot: Any) -> None:
    thandi = harness.customer_ids["C1"]
    ltv = expected_value(desk, thandi)
    assert money(ltv, "ZAR") == "R10,810"
    sipp = harness.uac("uac_from_number.xml")

    wait_for_pop(harness)
    pop = desk.pop
    texts = visible_texts(pop)
    for text in ("Thandi Example", "Example Telecom", "R10,810"):
        assert text in texts, texts
    assert pop.name_label.text() == "Thandi Example"
    assert pop.company_label.text() == "Example Telecom"
    assert pop.ltv_label.text() == "R10,810"
    assert pop.number_label.text() == "011 555 1234"
    assert pop.choices.isHidden()                      # one customer: nothing to pick
    flags = pop.windowFlags()
    assert flags & Qt.WindowType.WindowDoesNotAcceptFocus
    assert flags & Qt.WindowType.Tool and flags & Qt.WindowType.WindowStaysOnTopHint
    assert pop.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    panel = desk.window.call_panel
    assert panel.state is CallState.RINGING
    assert panel.ltv_label.text() == "R10,810"
    assert sipp.proc.poll() is None                    # still ringing: waiting for our 200

    qtbot.mouseClick(pop.answer_button, LEFT)
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output      # 200, ACK, its BYE answered 200

    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert row.direction is Direction.INCOMING
    assert row.outcome is Outcome.ANSWERED
    assert row.customer_id == thandi
    assert row.customer_name == "Thandi Example"
    assert row.lifetime_value_minor == ltv
    assert row.currency == "ZAR"
    assert row.number_e164 == THANDI_NUMBER
    assert row.agent == "sip:agent@127.0.0.1"
    assert row.sip_call_id and f"Call-ID: {row.sip_call_id}" in sipp.messages()
    assert row.answered_at is not None and row.ended_at is not None
    assert row.started_at <= row.answered_at <= row.ended_at
    assert len(harness.rows()) == 1

    shown = wait_model_final(harness, row.id, Outcome.ANSWERED)
    assert shown.customer_id == thandi and shown.answered_at and shown.ended_at
    model = desk.window.history_model
    r = model_row(harness, row.id)
    assert model.index(r, Column.NAME).data() == "Thandi Example"
    assert model.index(r, Column.NUMBER).data() == "011 555 1234"
    assert not pop.isVisible()
    harness.wait(lambda: panel.state is CallState.ENDED, what="the panel to show the end")
    assert panel.state_label.text() == "Ended: answered"


def test_caller_gives_up_is_missed(desk: Any, harness: AppHarness) -> None:
    sipp = harness.uac("uac_cancel.xml")
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output      # 180, CANCEL -> 200 and 487, ACK
    assert "SIP/2.0 487" in sipp.messages()

    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert (row.direction, row.outcome) == (Direction.INCOMING, Outcome.MISSED)
    assert row.customer_id == harness.customer_ids["C1"]
    assert row.answered_at is None and row.ended_at is not None
    wait_model_final(harness, row.id, Outcome.MISSED)
    pop, panel = desk.pop, desk.window.call_panel
    harness.wait(lambda: not pop.isVisible() and pop.call_id is None, what="pop dismissed")
    harness.wait(lambda: panel.state is CallState.ENDED, what="the panel to show the end")
    assert panel.state_label.text() == "Ended: missed"
    assert not desk.window.dial_box.is_busy()


def test_decline_from_the_pop_sends_603(desk: Any, harness: AppHarness, qtbot: Any) -> None:
    sipp = harness.uac("uac_expect_603.xml")
    wait_for_pop(harness)
    qtbot.mouseClick(desk.pop.decline_button, LEFT)
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output
    assert "SIP/2.0 603" in sipp.messages()

    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert (row.direction, row.outcome) == (Direction.INCOMING, Outcome.DECLINED)
    assert row.customer_id == harness.customer_ids["C1"]
    assert row.answered_at is None and row.ended_at is not None
    wait_model_final(harness, row.id, Outcome.DECLINED)
    assert not desk.pop.isVisible()


def test_two_customers_on_one_number_agent_picks_the_second(desk: Any, harness: AppHarness,
                                                            qtbot: Any) -> None:
    lerato, sipho = harness.customer_ids["C3"], harness.customer_ids["C2"]
    lerato_ltv, sipho_ltv = expected_value(desk, lerato), expected_value(desk, sipho)
    assert lerato_ltv > sipho_ltv
    sipp = harness.uac("app_uac_from_key_number.xml", extra=["-key", "caller", "0105550000"])

    wait_for_pop(harness)
    pop = desk.pop
    assert pop.choices.isVisible()
    assert pop.choices.count() == 2
    first, second = pop.choices.item(0).text(), pop.choices.item(1).text()
    assert first.startswith("Lerato Shared") and money(lerato_ltv, "ZAR") in first, first
    assert second.startswith("Sipho Shared") and money(sipho_ltv, "ZAR") in second, second
    assert pop.name_label.text() == "Lerato Shared"           # highest value shown first
    assert pop.selected_customer_id() == lerato

    rect = pop.choices.visualItemRect(pop.choices.item(1))
    qtbot.mouseClick(pop.choices.viewport(), LEFT, pos=rect.center())
    harness.wait(lambda: pop.selected_customer_id() == sipho, what="the second pick")
    assert pop.name_label.text() == "Sipho Shared"
    assert pop.ltv_label.text() == money(sipho_ltv, "ZAR")

    qtbot.mouseClick(pop.answer_button, LEFT)
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output

    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert row.outcome is Outcome.ANSWERED
    assert row.number_e164 == SHARED_NUMBER
    assert (row.customer_id, row.customer_name) == (sipho, "Sipho Shared")
    assert row.lifetime_value_minor == sipho_ltv
    shown = wait_model_final(harness, row.id, Outcome.ANSWERED)
    assert shown.customer_id == sipho
    r = model_row(harness, row.id)
    assert desk.window.history_model.index(r, Column.NAME).data() == "Sipho Shared"


def test_html_display_name_is_shown_literally(desk: Any, harness: AppHarness,
                                              qtbot: Any) -> None:
    sipp = harness.uac("uac_html_display_name.xml")
    wait_for_pop(harness)
    pop, panel = desk.pop, desk.window.call_panel

    assert pop.display_name_label.text() == HTML_NAME
    assert pop.display_name_label.textFormat() == Qt.TextFormat.PlainText
    assert pop.display_name_label.isVisibleTo(pop)
    assert pop.name_label.text() == "Unknown caller"
    assert HTML_NAME not in panel.name_label.text()   # an unverified name is not the title
    assert panel.caller_id_label.text() == f'Caller ID name: "{HTML_NAME}"'
    assert panel.caller_id_label.textFormat() == Qt.TextFormat.PlainText
    for widget in (pop, desk.window):                 # no label anywhere renders it as markup
        for label in widget.findChildren(QLabel):
            if "<" in label.text():
                assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()

    qtbot.mouseClick(pop.answer_button, LEFT)
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output

    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert row.outcome is Outcome.ANSWERED
    assert row.display_name == HTML_NAME
    assert row.customer_id is None
    wait_model_final(harness, row.id, Outcome.ANSWERED)
    model = desk.window.history_model
    r = model_row(harness, row.id)
    assert HTML_NAME in model.index(r, Column.NAME).data(Qt.ItemDataRole.DisplayRole)
    assert model.index(r, Column.NAME).data(Qt.ItemDataRole.ToolTipRole) is None


def test_second_call_while_on_a_call_gets_486_and_a_busy_row(desk: Any, harness: AppHarness,
                                                             qtbot: Any) -> None:
    first = harness.uac("uac_wait_bye.xml")
    wait_for_pop(harness)
    qtbot.mouseClick(desk.pop.answer_button, LEFT)
    panel = desk.window.call_panel
    harness.wait(lambda: panel.state is CallState.CONNECTED, what="the call to connect")
    assert not desk.pop.isVisible()

    second = harness.uac("uac_expect_486.xml")
    result = harness.wait_sipp(second)
    assert result.returncode == 0, result.output
    assert "SIP/2.0 486" in second.messages()
    busy = harness.wait_row(lambda r: r.outcome is Outcome.BUSY, what="a busy row")
    assert busy.direction is Direction.INCOMING
    assert busy.status_code == 486
    assert busy.customer_id == harness.customer_ids["C1"]
    assert busy.sip_call_id and f"Call-ID: {busy.sip_call_id}" in second.messages()
    wait_model_final(harness, busy.id, Outcome.BUSY)
    assert not desk.pop.isVisible()                   # the refused call never rang here
    assert panel.state is CallState.CONNECTED         # the first call is untouched
    # the agent hears who tried: a notice beside the line state (and the tray, where there is one)
    assert desk.notifier.sent[-1].title == "Called while you were busy"
    assert "Thandi Example" in desk.notifier.sent[-1].body
    assert desk.window.notice_label.text().startswith("Called while you were busy: Thandi")

    qtbot.mouseClick(panel.hangup_button, LEFT)
    result = harness.wait_sipp(first)
    assert result.returncode == 0, result.output      # it got our BYE
    answered = harness.wait_row(lambda r: r.outcome is Outcome.ANSWERED, what="the first call")
    assert answered.sip_call_id != busy.sip_call_id
    assert answered.ended_at is not None
    assert sorted(r.outcome for r in harness.rows()) == sorted([Outcome.ANSWERED, Outcome.BUSY])


def test_keyboard_pick_and_answer_from_the_window_keep_the_pick(desk: Any, harness: AppHarness,
                                                                qtbot: Any) -> None:
    """Ctrl+Down picks the next customer in the pop (which never has focus), the call panel
    follows, and Ctrl+Return (the window's Answer) links the call to the pick, not the first."""
    sipho = harness.customer_ids["C2"]
    sipp = harness.uac("app_uac_from_key_number.xml", extra=["-key", "caller", "0105550000"])
    wait_for_pop(harness)
    panel = desk.window.call_panel
    harness.wait(lambda: panel.state is CallState.RINGING, what="the panel to ring")
    assert panel.name_label.text() == "Lerato Shared"

    desk.window.next_customer_action.trigger()
    assert desk.pop.selected_customer_id() == sipho
    harness.wait(lambda: panel.name_label.text() == "Sipho Shared", what="the panel to follow")

    desk.window.answer_action.trigger()
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output
    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert row.outcome is Outcome.ANSWERED
    assert (row.customer_id, row.customer_name) == (sipho, "Sipho Shared")
