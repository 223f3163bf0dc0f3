"""GUI tests: pytest-qt on Qt's offscreen platform, with sample domain values."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

from datetime import UTC, date, datetime, timedelta  # noqa: E402

import pytest  # noqa: E402

from ucdesk.domain.call import CallRecord, Direction, Outcome  # noqa: E402
from ucdesk.domain.customer import CustomerCard, CustomerMatch, CustomerStatus  # noqa: E402

NOW = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)
HTML_NAME = "<b>X</b><img src=x>"


def make_card(cid: int = 1, name: str = "Thandi Example", company: str = "Example Trading",
              *, ltv: int = 1_081_000, monthly: int = 120_000, churned: bool = False,
              start: date | None = date(2022, 1, 3), end: date | None = None,
              last_call: datetime | None = NOW - timedelta(days=2),
              acquisition: int | None = 350_000, earned: int = 0) -> CustomerCard:
    """A customer card; amounts in cents (ZAR)."""
    return CustomerCard(
        customer_id=cid, external_id=f"C{cid}", name=name, company=company,
        status=CustomerStatus.CHURNED if churned else CustomerStatus.ACTIVE, currency="ZAR",
        lifetime_value_minor=ltv, monthly_revenue_minor=monthly, revenue_to_date_minor=earned,
        acquisition_cost_minor=acquisition, start_date=start, end_date=end,
        last_call_at=last_call,
    )


def make_record(rid: int, direction: Direction = Direction.INCOMING, *,
                e164: str | None = "+27115551234", raw: str = "0115551234",
                customer: str | None = "Thandi Example", display: str = "Thandi",
                started: datetime = NOW - timedelta(hours=1), ring: int = 5,
                talk: int | None = 125, outcome: Outcome | None = Outcome.ANSWERED) -> CallRecord:
    answered = started + timedelta(seconds=ring) if talk is not None else None
    if outcome is None:
        ended = None
    elif answered is not None and talk is not None:
        ended = answered + timedelta(seconds=talk)
    else:
        ended = started + timedelta(seconds=ring)
    return CallRecord(
        id=rid, direction=direction, agent="sip:agent@example.com", sip_call_id=f"id{rid}",
        raw_identity=raw, display_name=display, number_e164=e164, number_raw=raw,
        customer_id=1 if customer else None, customer_name=customer, started_at=started,
        answered_at=answered, ended_at=ended, outcome=outcome,
    )


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def card() -> CustomerCard:
    return make_card()


@pytest.fixture
def match(card: CustomerCard) -> CustomerMatch:
    return CustomerMatch("+27115551234", (card,))
