"""Widget-level screenshots for the docs, built from sample domain values (no DB, no SIP).

    xvfb-run -s "-screen 0 1440x900x24" python scripts/screenshots.py [OUTPUT_DIR]

Writes ``main-window.png``, ``call-panel.png`` and ``screen-pop.png`` (default
``docs/screenshots/``).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ucdesk.domain.call import CallRecord, Direction, Outcome  # noqa: E402
from ucdesk.domain.customer import CustomerCard, CustomerMatch, CustomerStatus  # noqa: E402
from ucdesk.ui.main_window import MainWindow  # noqa: E402
from ucdesk.ui.screen_pop import ScreenPop  # noqa: E402
from ucdesk.ui.theme import apply_theme  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
AGENT = "sip:agent@desk.example.com"


def card(cid: int, name: str, company: str, ltv: int, monthly: int, start: date, *,
         churned: bool = False, last_days: int | None = 2) -> CustomerCard:
    """A sample customer card (amounts in rand)."""
    return CustomerCard(
        customer_id=cid, external_id=f"C{cid:04d}", name=name, company=company,
        status=CustomerStatus.CHURNED if churned else CustomerStatus.ACTIVE, currency="ZAR",
        lifetime_value_minor=ltv * 100, monthly_revenue_minor=monthly * 100,
        revenue_to_date_minor=12_400_00 if churned else 0, acquisition_cost_minor=3_500_00,
        start_date=start, end_date=date(2024, 11, 30) if churned else None,
        last_call_at=None if last_days is None else NOW - timedelta(days=last_days, hours=3),
    )


THANDI = card(1, "Thandi Nkosi", "Nkosi Logistics (Pty) Ltd", 10_810, 1_250,
              NOW.date().replace(year=NOW.year - 3) - timedelta(days=65))


def record(i: int, direction: Direction, number: str | None, raw: str, name: str | None,
           display: str, minutes_ago: int, ring: int, talk: int | None,
           outcome: Outcome | None) -> CallRecord:
    """A sample history row."""
    started = NOW - timedelta(minutes=minutes_ago)
    answered = started + timedelta(seconds=ring) if talk is not None else None
    ended = (answered + timedelta(seconds=talk) if answered and talk is not None
             else started + timedelta(seconds=ring)) if outcome else None
    return CallRecord(
        id=i, direction=direction, agent=AGENT, sip_call_id=f"c{i}", raw_identity=raw,
        display_name=display, number_e164=number, number_raw=raw, customer_id=None,
        customer_name=name, started_at=started, answered_at=answered, ended_at=ended,
        outcome=outcome,
    )


IN, OUT = Direction.INCOMING, Direction.OUTGOING
RECORDS = [
    record(1, IN, "+27115551234", "0115551234", "Thandi Nkosi", "Thandi", 12, 6, 254,
           Outcome.ANSWERED),
    record(2, IN, "+27215550199", "+27215550199", None, "Cape Deli", 48, 31, None,
           Outcome.MISSED),
    record(3, OUT, "+27825550142", "082 555 0142", "Pieter van Wyk", "", 95, 9, 612,
           Outcome.ANSWERED),
    record(4, IN, "+442079460000", "+442079460000", "Amelia Hart", "Hart & Co", 180, 4, 95,
           Outcome.ANSWERED),
    record(5, IN, None, "anonymous", None, "", 60 * 20, 18, None, Outcome.MISSED),
    record(6, OUT, "+27315550777", "031 555 0777", "Sipho Dlamini", "", 60 * 26, 22, None,
           Outcome.BUSY),
    record(7, IN, "+27115550100", "011 555 0100", "Lerato Mokoena", "Lerato M", 60 * 50, 3,
           1340, Outcome.ANSWERED),
    record(8, OUT, None, "1042", None, "Reception", 60 * 75, 2, 48, Outcome.ANSWERED),
    record(9, IN, "+12025550123", "+12025550123", None, "WIRELESS CALLER", 60 * 24 * 6, 25,
           None, Outcome.MISSED),
]


def save(widget: QWidget, path: Path) -> None:
    """Lay out, paint and grab ``widget`` into ``path``."""
    widget.show()
    for _ in range(5):
        QApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path} ({widget.width()}x{widget.height()})")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    apply_theme(app)

    window = MainWindow()
    window.set_region("ZA")
    window.history_view.model.set_records(RECORDS)
    window.set_line_status("Registered as sip:agent@desk.example.com", True)
    window.call_panel.show_outgoing(41, "011 555 1234", THANDI)
    window.call_panel.set_connected(41)
    window.call_panel._connected_at = window.call_panel._clock() - 134  # a call 2:14 in
    window.call_panel._tick()
    window.resize(1280, 760)
    save(window, out / "main-window.png")

    window.call_panel.show_incoming(42, "Thandi", "011 555 1234", THANDI)
    window.call_panel.resize(380, window.call_panel.sizeHint().height())
    save(window.call_panel, out / "call-panel.png")

    pop = ScreenPop()
    pop.show_call(42, "Thandi", "0115551234", CustomerMatch("+27115551234", (THANDI,)),
                  False, "ZA")
    save(pop, out / "screen-pop.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
