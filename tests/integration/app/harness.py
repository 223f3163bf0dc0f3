"""Shared pieces of the app integration tests: the customer book and :class:`AppHarness`."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.helpers.sip import Sipp, SippResult, free_port, scenario_path
from ucdesk.app.context import Context
from ucdesk.domain.call import CallRecord
from ucdesk.paths import Paths

REPO = Path(__file__).resolve().parents[3]
HTML_NAME = "<b>X</b><img src=x>"
THANDI_NUMBER = "+27115551234"
SHARED_NUMBER = "+27105550000"

# C1 alone on 011 555 1234; C2 and C3 share 010 555 0000 (C3 is worth more, so it comes first).
CUSTOMERS_CSV = """\
customer_id,name,company,phone,monthly_revenue,start_date,end_date,status,acquisition_cost
C1,Thandi Example,Example Telecom,+27115551234,300,2023-01-15,,active,1500
C2,Sipho Shared,Shared Holdings,+27105550000,200,2022-03-01,,active,800
C3,Lerato Shared,Shared Holdings,010 555 0000,500,2021-06-01,,active,2000
"""


class AppHarness:
    """What a test needs around the running Desk: sipp peers, waits, store look-ups."""

    def __init__(self, qtbot: Any, tmp_path: Path, paths: Paths, sipps: list[Sipp]) -> None:
        self.qtbot = qtbot
        self.tmp_path = tmp_path
        self.base = tmp_path / "base"
        self.paths = paths
        self.sip_port = free_port()
        self.sipps = sipps
        self.desk: Any = None
        self.customer_ids: dict[str, int] = {}

    # ---- sipp --------------------------------------------------------------------------
    def uac(self, scenario: str, extra: Sequence[str] = ()) -> Sipp:
        """sipp calling the app's SIP port with ``scenario`` (a file in scenarios/)."""
        sipp = Sipp.uac(scenario_path(scenario), target_port=self.sip_port, extra=extra)
        self.sipps.append(sipp)
        return sipp

    def uas(self) -> Sipp:
        """sipp answering one call (rings, answers, waits for BYE)."""
        sipp = Sipp.uas(scenario_path("uas_answer.xml"))
        self.sipps.append(sipp)
        return sipp

    def wait_sipp(self, sipp: Sipp, timeout: float = 10) -> SippResult:
        """Wait for sipp to exit while the Qt event loop keeps running."""
        try:
            self.qtbot.waitUntil(lambda: sipp.proc.poll() is not None, timeout=int(timeout * 1000))
        except AssertionError:
            raise TimeoutError(f"sipp still running after {timeout} s\n{sipp.stop().output}"
                               ) from None
        return sipp.wait(5)

    def wait_message(self, sipp: Sipp, text: str, timeout: float = 5) -> None:
        """Wait until ``text`` is in sipp's message trace (event loop running)."""
        try:
            self.qtbot.waitUntil(lambda: text in sipp.messages(), timeout=int(timeout * 1000))
        except AssertionError:
            raise AssertionError(f"{text!r} not in sipp's trace after {timeout} s:\n"
                                 f"{sipp.messages()[-4000:]}") from None

    # ---- the app -----------------------------------------------------------------------
    def wait(self, predicate: Callable[[], Any], timeout: float = 5, what: str = "") -> None:
        try:
            self.qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))
        except AssertionError:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}"
                                 ) from None

    def rows(self) -> list[CallRecord]:
        """The call history as the store has it (newest first)."""
        return self.desk.ctx.calls.list()

    def wait_row(self, predicate: Callable[[CallRecord], bool], timeout: float = 5,
                 what: str = "call row") -> CallRecord:
        found: list[CallRecord] = []

        def check() -> bool:
            found[:] = [r for r in self.rows() if predicate(r)]
            return bool(found)

        try:
            self.qtbot.waitUntil(check, timeout=int(timeout * 1000))
        except AssertionError:
            raise AssertionError(f"no {what} within {timeout} s; rows: {self.rows()!r}") from None
        return found[0]

    def model_records(self) -> list[CallRecord]:
        return self.desk.window.history_model.records()


def _write_settings_and_customers(paths: Paths, tmp_path: Path,
                                  agent: dict[str, Any]) -> dict[str, int]:
    """Team settings (region ZA), agent settings and the customer book, before the app starts."""
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text(CUSTOMERS_CSV, encoding="utf-8")
    ctx = Context.create(paths)
    try:
        ctx.set_setting("region", "ZA")
        for key, value in agent.items():
            ctx.settings.set(key, value)
        result = ctx.import_customers(csv_path)
        assert result["ok"] and result["exit"] == 0, result
        assert result["inserted"] == 3, result
        return {c.external_id: c.id for c in ctx.customers.all()
                if c.external_id is not None and c.id is not None}
    finally:
        ctx.close()



def start(h: AppHarness, agent: dict[str, Any]) -> Any:
    """Write settings and customers, then build and start the Desk on ``h.sip_port``."""
    from ucdesk.app.desk import Desk

    h.customer_ids = _write_settings_and_customers(h.paths, h.tmp_path, agent)
    options = argparse.Namespace(basedir=str(h.base), json_logging=False,
                                 sip_listen=f"127.0.0.1:{h.sip_port}", no_demo=True)
    desk = Desk(h.paths, options)
    h.desk = desk            # shut down by the fixture even if start() fails half-way
    desk.start()
    assert desk.engine is not None and desk.engine.ready is not None, \
        desk.window.line_status() if desk.window else "no window"
    assert desk.engine.ready.listen_port == h.sip_port
    assert desk.demo is None
    return desk
