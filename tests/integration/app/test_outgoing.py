"""Outgoing calls through the whole app: dial box and click-to-call -> pjsua2 -> sipp UAS."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.helpers.sip import Sipp, requires_sipp
from tests.integration.app.harness import REPO, THANDI_NUMBER, AppHarness
from ucdesk.domain.call import Direction, Outcome
from ucdesk.ui.call_panel import CallState

pytestmark = [pytest.mark.sip, requires_sipp(), pytest.mark.timeout(60)]

LEFT = Qt.MouseButton.LeftButton
AGENT_URI = "sip:agent@127.0.0.1"


def start_with_uas(harness: AppHarness, start_desk: Any) -> tuple[Any, Sipp]:
    """A sipp UAS first (its port is the dial domain), then the Desk with a SIP account."""
    uas = harness.uas()
    desk = start_desk({"sip.uri": AGENT_URI, "sip.dial_domain": f"127.0.0.1:{uas.port}"})
    assert desk.account is not None and desk.account.dial_domain == f"127.0.0.1:{uas.port}"
    return desk, uas


def invite_line(uas: Sipp) -> str:
    return f"INVITE sip:{THANDI_NUMBER}@127.0.0.1:{uas.port};user=phone SIP/2.0"


def hang_up_and_check_history(harness: AppHarness, uas: Sipp, qtbot: Any) -> None:
    desk = harness.desk
    panel = desk.window.call_panel
    harness.wait(lambda: panel.state is CallState.CONNECTED, what="the call to connect")
    assert panel.name_label.text() == "Thandi Example"
    qtbot.mouseClick(panel.hangup_button, LEFT)
    result = harness.wait_sipp(uas)
    assert result.returncode == 0, result.output      # 180, 200, ACK, our BYE answered
    assert "BYE sip:" in uas.messages()

    row = harness.wait_row(lambda r: r.outcome is not None, what="an ended call row")
    assert (row.direction, row.outcome) == (Direction.OUTGOING, Outcome.ANSWERED)
    assert row.customer_id == harness.customer_ids["C1"]
    assert row.customer_name == "Thandi Example"
    assert row.number_e164 == THANDI_NUMBER
    assert row.agent == AGENT_URI
    assert row.answered_at is not None and row.ended_at is not None
    assert row.sip_call_id and f"Call-ID: {row.sip_call_id}" in uas.messages()
    harness.wait(lambda: any(r.id == row.id and r.outcome is Outcome.ANSWERED
                             for r in harness.model_records()), what="the history model row")
    assert len(harness.rows()) == 1


def test_agent_dials_a_national_number_from_the_dial_box(harness: AppHarness, start_desk: Any,
                                                         qtbot: Any) -> None:
    desk, uas = start_with_uas(harness, start_desk)
    box = desk.window.dial_box
    qtbot.keyClicks(box.line_edit, "011 555 1234")
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)

    harness.wait_message(uas, invite_line(uas))
    hang_up_and_check_history(harness, uas, qtbot)


def run_cli(harness: AppHarness, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m ucdesk --basedir BASE ARGS`` from a thread while the event loop spins."""
    done: list[Any] = []
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run() -> None:
        try:
            done.append(subprocess.run(
                [sys.executable, "-m", "ucdesk", "--basedir", str(harness.base), *args],
                cwd=REPO, env=env, capture_output=True, text=True, timeout=20))
        except BaseException as exc:  # noqa: BLE001 - reported on the test thread
            done.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    harness.wait(lambda: done, timeout=25, what="the click-to-call process")
    thread.join(1)
    if isinstance(done[0], BaseException):
        raise done[0]
    return done[0]


def ask_to_call(harness: AppHarness, uas: Sipp) -> QMessageBox:
    proc = run_cli(harness, "tel:+27-11-555-1234")
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "confirm" in proc.stdout, proc.stdout
    desk = harness.desk
    harness.wait(lambda: desk.pending_confirmation is not None, what="the confirmation box")
    box = desk.pending_confirmation
    assert isinstance(box, QMessageBox)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "011 555 1234" in box.text() and "Thandi Example" in box.text(), box.text()
    harness.wait(box.isVisible, what="the box to show")
    harness.qtbot.wait(1000)                            # nothing is dialled before the agent says so
    assert "INVITE" not in uas.messages()
    assert uas.proc.poll() is None
    assert desk.window.call_panel.state is CallState.IDLE
    return box


def test_click_to_call_dials_after_the_agent_confirms(harness: AppHarness, start_desk: Any,
                                                      qtbot: Any) -> None:
    desk, uas = start_with_uas(harness, start_desk)
    box = ask_to_call(harness, uas)
    box.property("call_button").click()

    harness.wait_message(uas, invite_line(uas))
    assert desk.pending_confirmation is None
    hang_up_and_check_history(harness, uas, qtbot)


def test_click_to_call_refused_by_the_agent_never_dials(harness: AppHarness, start_desk: Any,
                                                        qtbot: Any) -> None:
    desk, uas = start_with_uas(harness, start_desk)
    box = ask_to_call(harness, uas)
    box.button(QMessageBox.StandardButton.Cancel).click()

    harness.wait(lambda: desk.pending_confirmation is None, what="the box to close")
    qtbot.wait(1500)
    assert "INVITE" not in uas.messages()
    assert uas.proc.poll() is None                     # still waiting for a call that never comes
    assert harness.rows() == []
    assert desk.window.call_panel.state is CallState.IDLE
    assert not desk.window.dial_box.is_busy()


def test_a_second_link_replaces_the_first_question(harness: AppHarness, start_desk: Any,
                                                   qtbot: Any) -> None:
    desk, uas = start_with_uas(harness, start_desk)
    first = ask_to_call(harness, uas)
    proc = run_cli(harness, "callto:+27215550000")
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    harness.wait(lambda: desk.pending_confirmation not in (None, first), what="the second box")
    second = desk.pending_confirmation
    harness.wait(lambda: not first.isVisible(), what="the first box to close")
    assert "021 555 0000" in second.text()
    assert second.defaultButton() is second.button(QMessageBox.StandardButton.Cancel)
    second.button(QMessageBox.StandardButton.Cancel).click()
    harness.wait(lambda: desk.pending_confirmation is None, what="the box to close")
    qtbot.wait(500)
    assert "INVITE" not in uas.messages()              # neither question was answered "Call"


def test_a_link_while_on_a_call_is_refused(harness: AppHarness, start_desk: Any,
                                           qtbot: Any) -> None:
    desk, uas = start_with_uas(harness, start_desk)
    qtbot.keyClicks(desk.window.dial_box.line_edit, "011 555 1234")
    qtbot.keyClick(desk.window.dial_box.line_edit, Qt.Key.Key_Return)
    harness.wait_message(uas, invite_line(uas))
    proc = run_cli(harness, "tel:+27215550000")
    assert proc.returncode == 1
    assert "on a call" in proc.stderr
    assert desk.pending_confirmation is None
    hang_up_and_check_history(harness, uas, qtbot)


def test_a_call_coming_in_closes_an_open_question(harness: AppHarness, start_desk: Any,
                                                  qtbot: Any) -> None:
    desk, uas = start_with_uas(harness, start_desk)
    box = ask_to_call(harness, uas)
    caller = harness.uac("uac_cancel.xml")              # rings, then gives up
    harness.wait(lambda: desk.pending_confirmation is None, what="the question to close")
    harness.wait(lambda: not box.isVisible(), what="the box to hide")
    assert caller.wait(20).returncode == 0
    qtbot.wait(300)
    assert "INVITE" not in uas.messages()               # the question was not taken as a yes
