"""CallRepository: a row from the start of a call, updated as it goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.domain.customer import Customer, PhoneEntry
from ucdesk.store.calls import CallRepository, UnknownCall
from ucdesk.store.customers import CustomerRepository
from ucdesk.store.database import Database

T0 = datetime(2025, 5, 6, 7, 8, 9, 500000, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    database = Database.open(str(tmp_path / "store.sqlite3"))
    yield database
    database.close()


def ringing(at: datetime = T0, number: str | None = "+27115551234") -> CallRecord:
    return CallRecord(
        id=None, direction=Direction.INCOMING, agent="sip:alice@pbx.example.com",
        sip_call_id="abc@host", raw_identity=f'"Lerato" <sip:{number}@pbx.example.com>',
        display_name="Lerato", number_e164=number, number_raw=number or "anonymous",
        customer_id=None, customer_name=None, started_at=at)


def test_row_exists_while_ringing(db):
    repo = CallRepository(db)
    row = repo.start(ringing())
    (rec,) = repo.list()
    assert rec.id == row
    assert rec.started_at == T0 and rec.started_at.tzinfo is UTC
    assert rec.outcome is None and rec.answered_at is None and rec.ended_at is None
    assert rec.ring_seconds is None


def test_answered_call_lifecycle(db):
    customers = CustomerRepository(db)
    (cid,) = customers.upsert_many([Customer(
        id=None, external_id=None, name="Lerato Mokoena",
        phones=(PhoneEntry("011 555 1234", "+27115551234"),))]).ids
    repo = CallRepository(db)
    row = repo.start(ringing())
    repo.link_customer(row, cid, "Lerato Mokoena", 1_081_000, "ZAR")
    repo.answered(row, T0 + timedelta(seconds=4))
    repo.ended(row, T0 + timedelta(seconds=94), Outcome.ANSWERED, 200)
    (rec,) = repo.list()
    assert rec.customer_id == cid and rec.customer_name == "Lerato Mokoena"
    assert rec.lifetime_value_minor == 1_081_000 and rec.currency == "ZAR"
    assert rec.outcome is Outcome.ANSWERED and rec.status_code == 200
    assert rec.ring_seconds == 4.0 and rec.talk_seconds == 90.0
    assert repo.last_call_at_by_customer() == {cid: T0}


def test_missed_call(db):
    repo = CallRepository(db)
    row = repo.start(ringing(number=None))
    repo.ended(row, T0 + timedelta(seconds=30), Outcome.MISSED, 487)
    (rec,) = repo.list()
    assert rec.number_e164 is None and rec.outcome is Outcome.MISSED
    assert rec.ring_seconds == 30.0 and rec.talk_seconds is None
    assert repo.last_call_at_by_customer() == {}


def test_list_is_newest_first_and_limited(db):
    repo = CallRepository(db)
    rows = [repo.start(ringing(T0 + timedelta(minutes=m))) for m in (5, 1, 9, 3)]
    assert [r.id for r in repo.list()] == [rows[2], rows[0], rows[3], rows[1]]
    assert [r.id for r in repo.list(limit=2)] == [rows[2], rows[0]]


def test_update_of_unknown_row_raises(db):
    with pytest.raises(UnknownCall):
        CallRepository(db).answered(42, T0)


def test_outgoing_call_row_keeps_every_field(db):
    repo = CallRepository(db)
    record = CallRecord(
        id=None, direction=Direction.OUTGOING, agent="sip:alice@pbx", sip_call_id=None,
        raw_identity="sip:+27215550100@pbx", display_name="", number_e164="+27215550100",
        number_raw="021 555 0100", customer_id=None, customer_name=None, started_at=T0,
        ended_at=T0 + timedelta(seconds=3), outcome=Outcome.BUSY, status_code=486)
    row = repo.start(record)
    from dataclasses import replace
    assert repo.list() == [replace(record, id=row)]


def test_close_interrupted_gives_this_agents_open_calls_an_outcome(tmp_path) -> None:
    from datetime import datetime, timedelta

    from ucdesk.domain.call import CallRecord, Direction, Outcome
    from ucdesk.store.calls import CallRepository
    from ucdesk.store.database import Database

    db = Database.open(str(tmp_path / "c.sqlite3"))
    try:
        repo = CallRepository(db)
        t = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

        def start(agent: str, direction: Direction, answered: bool) -> int:
            return repo.start(CallRecord(
                None, direction, agent, "cid", "raw", "", None, "raw", None, None, t,
                answered_at=t + timedelta(seconds=3) if answered else None))

        talking = start("sip:me@x", Direction.INCOMING, True)
        ringing = start("sip:me@x", Direction.INCOMING, False)
        dialling = start("sip:me@x", Direction.OUTGOING, False)
        other = start("sip:colleague@x", Direction.INCOMING, False)
        done = start("sip:me@x", Direction.INCOMING, True)
        repo.ended(done, t + timedelta(seconds=60), Outcome.ANSWERED, 200)

        assert repo.close_interrupted("sip:me@x") == 3
        by_id = {r.id: r for r in repo.list()}
        assert by_id[talking].outcome is Outcome.ANSWERED and by_id[talking].ended_at is None
        assert by_id[ringing].outcome is Outcome.MISSED
        assert by_id[dialling].outcome is Outcome.FAILED
        assert by_id[other].outcome is None            # a colleague's call may be live
        assert by_id[done].ended_at == t + timedelta(seconds=60)
        assert repo.close_interrupted("sip:me@x") == 0
    finally:
        db.close()
