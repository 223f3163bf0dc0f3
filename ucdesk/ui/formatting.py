"""Turning domain values into the short strings the widgets show. Pure functions, no Qt.

Everything here only formats what it is given: no look-ups, no I/O, so the screen pop can call it
while the phone rings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ucdesk.domain.call import Direction, Outcome
from ucdesk.domain.money import Money
from ucdesk.domain.phone import format_for_display

__all__ = [
    "money", "tenure", "relative_time", "clock", "short_duration", "local_time",
    "display_number", "outcome_text", "direction_text", "is_withheld",
]

_WITHHELD = frozenset({"", "anonymous", "unknown", "unavailable", "withheld", "private",
                       "restricted", "blocked", "hidden"})


def money(minor: int | None, currency: str) -> str:
    """``R10,810`` (whole units, grouped); "" when unknown."""
    if minor is None:
        return ""
    return Money(minor, currency).format()


def tenure(start: date | None, end: date | None, today: date) -> str:
    """How long someone has been (or was) a customer: ``3 yr 2 mo``, ``5 mo``, ``new``."""
    if start is None:
        return ""
    until = end or today
    months = (until.year - start.year) * 12 + (until.month - start.month)
    if until.day < start.day:
        months -= 1
    if months <= 0:
        return "new this month" if end is None else "under a month"
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} yr")
    if months:
        parts.append(f"{months} mo")
    return " ".join(parts)


def relative_time(when: datetime | None, now: datetime) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``yesterday``, ``2 days ago``... or ``never``."""
    if when is None:
        return "never"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = (now.astimezone().date() - when.astimezone().date()).days
    if days <= 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 365:
        return f"{days // 30} months ago"
    years = days // 365
    return "1 year ago" if years == 1 else f"{years} years ago"


def clock(seconds: float) -> str:
    """A call timer: ``04:07``, or ``1:02:03`` past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def short_duration(seconds: float | None) -> str:
    """``m:ss`` for a talk or ring time; "" when there is none."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    minutes, secs = divmod(total, 60)
    return f"{minutes}:{secs:02d}"


def local_time(when: datetime, now: datetime) -> str:
    """A UTC timestamp in local time: ``Today 14:32``, ``Yesterday 09:05``, ``Mon 3 Mar 14:32``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone()
    today = now.astimezone().date()
    hm = local.strftime("%H:%M")
    days = (today - local.date()).days
    if days == 0:
        return f"Today {hm}"
    if days == 1:
        return f"Yesterday {hm}"
    if 1 < days < 7:
        return f"{local.strftime('%a')} {local.day} {local.strftime('%b')} {hm}"
    if local.year == today.year:
        return f"{local.day} {local.strftime('%b')} {hm}"
    return f"{local.day} {local.strftime('%b %Y')} {hm}"


def display_number(e164: str | None, raw: str, region: str | None) -> str:
    """National format when the number is in ``region``, else international, else the raw text
    (``Withheld`` for an anonymous identity)."""
    if e164:
        return format_for_display(e164, region) or e164
    if is_withheld(raw):
        return "Withheld"
    return raw.strip()


def is_withheld(raw: str) -> bool:
    """True when a raw caller identity is a withheld/anonymous marker, not something to call."""
    text = raw.strip().lower()
    for prefix in ("sips:", "sip:", "tel:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    user = text.split("@", 1)[0]
    return user in _WITHHELD or text.endswith("anonymous.invalid")


_OUTCOMES = {
    Outcome.ANSWERED: "Answered", Outcome.MISSED: "Missed", Outcome.DECLINED: "Declined",
    Outcome.BUSY: "Busy", Outcome.CANCELLED: "Cancelled", Outcome.FAILED: "Failed",
}


def outcome_text(outcome: Outcome | None) -> str:
    """``Answered``, ``Missed``...; ``In progress`` while the call is on."""
    return "In progress" if outcome is None else _OUTCOMES[outcome]


def direction_text(direction: Direction) -> str:
    """``Incoming`` or ``Outgoing``."""
    return "Incoming" if direction is Direction.INCOMING else "Outgoing"
