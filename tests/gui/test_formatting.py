"""The strings the widgets show (pure functions, no Qt)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ucdesk.domain.call import Outcome
from ucdesk.ui import formatting as fmt

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


def test_money():
    assert fmt.money(1_081_000, "ZAR") == "R10,810"
    assert fmt.money(0, "ZAR") == "R0"
    assert fmt.money(None, "ZAR") == ""


def test_tenure():
    today = date(2025, 3, 5)
    assert fmt.tenure(date(2022, 1, 3), None, today) == "3 yr 2 mo"
    assert fmt.tenure(date(2024, 10, 10), None, today) == "4 mo"
    assert fmt.tenure(date(2023, 3, 5), None, today) == "2 yr"
    assert fmt.tenure(date(2025, 3, 1), None, today) == "new this month"
    assert fmt.tenure(date(2021, 6, 1), date(2024, 8, 15), today) == "3 yr 2 mo"
    assert fmt.tenure(None, None, today) == ""


def test_relative_time():
    assert fmt.relative_time(None, NOW) == "never"
    assert fmt.relative_time(NOW - timedelta(seconds=20), NOW) == "just now"
    assert fmt.relative_time(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert fmt.relative_time(NOW - timedelta(hours=3), NOW) == "3 h ago"
    assert fmt.relative_time(NOW - timedelta(days=2), NOW) == "2 days ago"
    assert fmt.relative_time(NOW - timedelta(days=21), NOW) == "3 weeks ago"
    assert fmt.relative_time(NOW - timedelta(days=400), NOW) == "1 year ago"


def test_durations():
    assert fmt.clock(0) == "00:00"
    assert fmt.clock(65) == "01:05"
    assert fmt.clock(3723) == "1:02:03"
    assert fmt.short_duration(125) == "2:05"
    assert fmt.short_duration(None) == ""


def test_numbers():
    assert fmt.display_number("+27115551234", "0115551234", "ZA") == "011 555 1234"
    assert fmt.display_number("+27115551234", "0115551234", "GB") == "+27 11 555 1234"
    assert fmt.display_number(None, " 1042 ", "ZA") == "1042"
    assert fmt.display_number(None, "sip:anonymous@anonymous.invalid", "ZA") == "Withheld"


def test_outcome_text():
    assert fmt.outcome_text(Outcome.MISSED) == "Missed"
    assert fmt.outcome_text(None) == "In progress"


def test_local_time_today():
    local = NOW.astimezone()
    assert fmt.local_time(NOW, NOW) == f"Today {local.strftime('%H:%M')}"
