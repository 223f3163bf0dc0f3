"""Exporting the call history: JSON shape, UTC times, CSV formula-injection guard."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.services.history_export import FIELDS, export_history

SAST = timezone(timedelta(hours=2))
T0 = datetime(2025, 5, 6, 9, 0, 0, tzinfo=SAST)

ANSWERED = CallRecord(
    id=7, direction=Direction.INCOMING, agent="sip:alice@pbx", sip_call_id="c1@pbx",
    raw_identity='"Lerato" <sip:+27115551234@pbx>', display_name="Lerato",
    number_e164="+27115551234", number_raw="+27115551234", customer_id=1,
    customer_name="Lerato Mokoena", started_at=T0, answered_at=T0 + timedelta(seconds=4.5),
    ended_at=T0 + timedelta(seconds=94.5), outcome=Outcome.ANSWERED, status_code=200,
    lifetime_value_minor=1_081_042, currency="ZAR")
MISSED_UNKNOWN = CallRecord(
    id=8, direction=Direction.INCOMING, agent="sip:alice@pbx", sip_call_id=None,
    raw_identity="<sip:anonymous@anonymous.invalid>", display_name="",
    number_e164=None, number_raw="anonymous", customer_id=None, customer_name=None,
    started_at=T0 + timedelta(minutes=5), ended_at=T0 + timedelta(minutes=5, seconds=20),
    outcome=Outcome.MISSED, status_code=487)
IN_PROGRESS = CallRecord(
    id=9, direction=Direction.OUTGOING, agent="sip:alice@pbx", sip_call_id=None,
    raw_identity="sip:+27215550100@pbx", display_name="=HYPERLINK(\"http://evil\",\"x\")",
    number_e164="+27215550100", number_raw="021 555 0100", customer_id=None,
    customer_name=None, started_at=T0 + timedelta(minutes=9))

AGREED = ["id", "direction", "number_e164", "raw_identity", "display_name", "customer_id",
          "customer_name", "started_at", "answered_at", "ended_at", "ring_seconds",
          "talk_seconds", "outcome", "lifetime_value", "currency"]


def export(records, fmt: str) -> str:
    out = io.StringIO(newline="")
    export_history(records, fmt, out)  # type: ignore[arg-type]
    return out.getvalue()


def test_json_keys_come_first_in_the_agreed_order():
    (row,) = json.loads(export([ANSWERED], "json"))
    assert list(row)[: len(AGREED)] == AGREED


def test_json_values():
    answered, missed, ongoing = json.loads(export([ANSWERED, MISSED_UNKNOWN, IN_PROGRESS],
                                                  "json"))
    assert answered["started_at"] == "2025-05-06T07:00:00.000Z"   # SAST converted to UTC
    assert answered["answered_at"] == "2025-05-06T07:00:04.500Z"
    assert answered["ended_at"] == "2025-05-06T07:01:34.500Z"
    assert (answered["ring_seconds"], answered["talk_seconds"]) == (4.5, 90.0)
    assert answered["lifetime_value"] == 10810.42 and answered["currency"] == "ZAR"
    assert answered["direction"] == "incoming" and answered["outcome"] == "answered"
    assert missed["number_e164"] is None and missed["answered_at"] is None
    assert missed["ring_seconds"] == 20.0 and missed["talk_seconds"] is None
    assert missed["lifetime_value"] is None and missed["customer_id"] is None
    assert ongoing["ended_at"] is None and ongoing["outcome"] is None
    assert ongoing["ring_seconds"] is None and ongoing["direction"] == "outgoing"


def test_json_whole_values_are_integers():
    from dataclasses import replace
    (row,) = json.loads(export([replace(ANSWERED, lifetime_value_minor=1_500_000)], "json"))
    assert row["lifetime_value"] == 15000 and isinstance(row["lifetime_value"], int)


def test_csv_has_the_same_columns_in_the_same_order():
    rows = list(csv.reader(io.StringIO(export([ANSWERED, MISSED_UNKNOWN], "csv"))))
    assert rows[0] == list(FIELDS) and rows[0][: len(AGREED)] == AGREED
    answered = dict(zip(rows[0], rows[1], strict=True))
    assert answered["number_e164"] == "+27115551234"       # validated E.164: left alone
    assert answered["started_at"] == "2025-05-06T07:00:00.000Z"
    assert answered["lifetime_value"] == "10810.42"
    missed = dict(zip(rows[0], rows[2], strict=True))
    assert missed["number_e164"] == "" and missed["answered_at"] == ""
    assert missed["lifetime_value"] == ""


def test_csv_guards_against_formula_injection():
    rows = list(csv.reader(io.StringIO(export([IN_PROGRESS], "csv"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["display_name"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["number_e164"] == "+27215550100"


@pytest.mark.parametrize("evil", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_every_dangerous_start_is_quoted(evil):
    from dataclasses import replace
    record = replace(IN_PROGRESS, display_name=evil, raw_identity=evil, number_e164=evil)
    rows = list(csv.reader(io.StringIO(export([record], "csv"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["display_name"] == "'" + evil
    assert row["raw_identity"] == "'" + evil
    assert row["number_e164"] == "'" + evil        # not a valid E.164 number: guarded too


def test_utf8_names_survive():
    from dataclasses import replace
    record = replace(ANSWERED, customer_name="Zoë Müller-Nkosi")
    assert json.loads(export([record], "json"))[0]["customer_name"] == "Zoë Müller-Nkosi"
    assert "Zoë Müller-Nkosi" in export([record], "csv")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export([ANSWERED], "xml")
