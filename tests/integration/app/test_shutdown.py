"""Taking the app down with a call up: the peer gets BYE, the process does not abort."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.helpers.sip import requires_sipp
from tests.integration.app.harness import AppHarness
from ucdesk.app.context import Context
from ucdesk.domain.call import Outcome
from ucdesk.ui.call_panel import CallState

pytestmark = [pytest.mark.sip, requires_sipp(), pytest.mark.timeout(60)]


def test_shutdown_with_a_call_up_sends_bye(desk: Any, harness: AppHarness, qtbot: Any) -> None:
    sipp = harness.uac("uac_wait_bye.xml")
    harness.wait(lambda: desk.pop.isVisible() and desk.pop.call_id is not None, what="the pop")
    qtbot.mouseClick(desk.pop.answer_button, Qt.MouseButton.LeftButton)
    panel = desk.window.call_panel
    harness.wait(lambda: panel.state is CallState.CONNECTED, what="the call to connect")
    started = harness.wait_row(lambda r: r.answered_at is not None, what="the answered row")
    assert started.outcome is None                      # still in progress

    desk.shutdown()
    result = harness.wait_sipp(sipp)
    assert result.returncode == 0, result.output       # it received our BYE and answered it
    assert "BYE sip:" in sipp.messages()
    qtbot.wait(200)                                     # late queued events find a closed app
    desk.shutdown()                                     # idempotent

    with Context.open(harness.paths) as ctx:            # the store as the next start sees it
        rows = ctx.calls.list()
    assert len(rows) == 1
    row = rows[0]
    assert row.id == started.id
    assert row.outcome is Outcome.ANSWERED               # ended by the shutdown, not left open
    assert row.answered_at is not None and row.ended_at is not None
    assert row.customer_id == harness.customer_ids["C1"]
