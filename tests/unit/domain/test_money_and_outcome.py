from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ucdesk.domain.call import CallRecord, Direction, Outcome, outcome_for
from ucdesk.domain.money import Money


def test_money_formats_whole_units_grouped() -> None:
    assert Money(1081000, "ZAR").format() == "R10,810"
    assert Money(1081042, "ZAR").format(cents=True) == "R10,810.42"
    assert Money(-50000, "USD").format() == "-$500"
    assert Money(1234, "JPY").format() == "¥1,234"


def test_money_from_major_rounds_half_even_and_rejects_junk() -> None:
    assert Money.from_major("300.505", "ZAR").minor == 30050
    assert Money.from_major("300.515", "ZAR").minor == 30052
    with pytest.raises(ValueError):
        Money.from_major("abc", "ZAR")
    with pytest.raises(ValueError):
        Money.from_major("nan", "ZAR")


@pytest.mark.parametrize(
    ("direction", "kw", "expected"),
    [
        (Direction.INCOMING, dict(answered=True, status_code=200, ended_by_agent=False), Outcome.ANSWERED),
        (Direction.INCOMING, dict(answered=False, status_code=487, ended_by_agent=False), Outcome.MISSED),
        (Direction.INCOMING, dict(answered=False, status_code=408, ended_by_agent=False), Outcome.MISSED),
        (Direction.INCOMING, dict(answered=False, status_code=603, ended_by_agent=True,
                                  declined_by_agent=True), Outcome.DECLINED),
        (Direction.INCOMING, dict(answered=False, status_code=486, ended_by_agent=False,
                                  refused_busy=True), Outcome.BUSY),
        (Direction.OUTGOING, dict(answered=False, status_code=486, ended_by_agent=False), Outcome.BUSY),
        (Direction.OUTGOING, dict(answered=False, status_code=600, ended_by_agent=False), Outcome.BUSY),
        (Direction.OUTGOING, dict(answered=False, status_code=603, ended_by_agent=False), Outcome.DECLINED),
        (Direction.OUTGOING, dict(answered=False, status_code=487, ended_by_agent=True), Outcome.CANCELLED),
        (Direction.OUTGOING, dict(answered=False, status_code=404, ended_by_agent=False), Outcome.FAILED),
        (Direction.OUTGOING, dict(answered=True, status_code=200, ended_by_agent=True), Outcome.ANSWERED),
    ],
)
def test_outcomes(direction: Direction, kw: dict, expected: Outcome) -> None:
    assert outcome_for(direction, **kw) is expected


def test_ring_and_talk_seconds() -> None:
    t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    rec = CallRecord(None, Direction.INCOMING, "sip:a@x", "c", "raw", "", None, "raw", None, None,
                     t0, answered_at=t0 + timedelta(seconds=4.5), ended_at=t0 + timedelta(seconds=64.5))
    assert rec.ring_seconds == 4.5
    assert rec.talk_seconds == 60.0
    missed = CallRecord(None, Direction.INCOMING, "sip:a@x", "c", "raw", "", None, "raw", None, None,
                        t0, ended_at=t0 + timedelta(seconds=20))
    assert missed.ring_seconds == 20.0
    assert missed.talk_seconds is None
