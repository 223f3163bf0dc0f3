"""Exporting the call history as JSON or CSV.

Both formats have the same fields in the same order (:data:`FIELDS`): times are ISO 8601 UTC
with a ``Z`` (milliseconds), durations are seconds, the lifetime value is in currency units and
``null``/empty for a caller who was not a known customer.

CSV is meant to be opened in a spreadsheet, so it is guarded against formula injection: a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``,
except ``number_e164`` when it holds a well-formed E.164 number (``+27115551234`` cannot be a
formula and stays as it is). Open ``out`` with ``newline=""`` for CSV.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, TextIO

from ucdesk.domain.call import CallRecord
from ucdesk.domain.money import Money

FIELDS = (
    "id", "direction", "number_e164", "raw_identity", "display_name", "customer_id",
    "customer_name", "started_at", "answered_at", "ended_at", "ring_seconds", "talk_seconds",
    "outcome", "lifetime_value", "currency",
    # after the agreed fields: useful extras
    "agent", "number_raw", "status_code", "sip_call_id",
)
_E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _value(record: CallRecord) -> int | float | None:
    if record.customer_id is None or record.lifetime_value_minor is None:
        return None
    major: Decimal = Money(record.lifetime_value_minor, record.currency or "ZAR").major
    return int(major) if major == major.to_integral_value() else float(major)


def as_dict(record: CallRecord) -> dict[str, Any]:
    """One history row with the fields of :data:`FIELDS`, JSON-ready."""
    return {
        "id": record.id,
        "direction": record.direction.value,
        "number_e164": record.number_e164 or None,
        "raw_identity": record.raw_identity,
        "display_name": record.display_name,
        "customer_id": record.customer_id,
        "customer_name": record.customer_name,
        "started_at": _time(record.started_at),
        "answered_at": _time(record.answered_at),
        "ended_at": _time(record.ended_at),
        "ring_seconds": record.ring_seconds,
        "talk_seconds": record.talk_seconds,
        "outcome": record.outcome.value if record.outcome else None,
        "lifetime_value": _value(record),
        "currency": record.currency,
        "agent": record.agent,
        "number_raw": record.number_raw,
        "status_code": record.status_code,
        "sip_call_id": record.sip_call_id,
    }


def csv_cell(column: str, value: Any) -> str:
    """A value as a CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if column == "number_e164" and _E164_RE.match(text):
        return text
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def export_history(records: list[CallRecord], fmt: Literal["json", "csv"], out: TextIO) -> None:
    """Write ``records`` to ``out`` as a JSON array or as CSV with a header row."""
    if fmt == "json":
        json.dump([as_dict(r) for r in records], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(FIELDS)
        for record in records:
            row = as_dict(record)
            writer.writerow([csv_cell(name, row[name]) for name in FIELDS])
    else:
        raise ValueError(f"unknown export format {fmt!r}; use json or csv")
