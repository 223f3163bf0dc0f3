"""CallService's log and rows for a caller who gives up before the pop is painted.

A real SQLite file and the real DB worker; the listener stands in for the UI.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ucdesk.domain.call import Outcome
from ucdesk.domain.customer import Customer, PhoneEntry
from ucdesk.domain.telephony import AccountConfig, CallAnswered, CallEnded, IncomingCall
from ucdesk.services.calls import CallService, CallView
from ucdesk.services.db_worker import DbWorker
from ucdesk.services.ring_index import RingIndex
from ucdesk.store.calls import CallRepository
from ucdesk.store.customers import CustomerRepository
from ucdesk.store.database import Database

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Listener:
    def __init__(self) -> None:
        self.incoming: list[CallView] = []
        self.ended: list[tuple[int, Outcome]] = []

    def call_incoming(self, view: CallView) -> None:
        self.incoming.append(view)

    def call_ended(self, call_id: int, outcome: Outcome) -> None:
        self.ended.append((call_id, outcome))

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


@pytest.fixture
def service(tmp_path: Path):
    db = Database.open(str(tmp_path / "ucdesk.db"))
    worker = DbWorker()
    customers = CustomerRepository(db)
    customers.upsert_many([Customer(id=None, external_id=None, name="Thandi Example",
                                    phones=(PhoneEntry("011 555 1234", "+27115551234"),))])
    index = RingIndex()
    index.replace(customers.cards(), customers.phone_index())
    listener = Listener()
    svc = CallService(submit=lambda cmd: None, calls=CallRepository(db), worker=worker,
                      ring_index=index, region=lambda: "ZA",
                      account=AccountConfig(sip_uri="sip:agent@127.0.0.1"),
                      listener=listener, post=lambda fn: fn())
    yield svc, listener, db, worker
    worker.shutdown()
    db.close()


def incoming(call_id: int) -> IncomingCall:
    return IncomingCall(call_id=call_id, sip_call_id=f"c{call_id}@127.0.0.1",
                        from_header='"Thandi" <sip:0115551234@127.0.0.1>',
                        p_asserted_identity=None, privacy=None, source="127.0.0.1:5060",
                        from_proxy=False, received_ns=0, at=AT)


def ended(call_id: int) -> CallEnded:
    return CallEnded(call_id=call_id, status_code=487, reason="Request Terminated",
                     answered=False, ended_by_local=False, declined_by_local=False, at=AT)


def events(caplog: pytest.LogCaptureFixture) -> list[tuple[str, dict[str, Any]]]:
    found = [(r.__dict__.get("ucdesk_event"), r.__dict__.get("ucdesk_fields", {}))
             for r in caplog.records]
    return [(name, fields) for name, fields in found if name in ("call_ringing", "call_ended")]


def test_caller_gone_before_the_pop_still_logs_ringing_then_ended(service, caplog) -> None:
    svc, listener, db, worker = service
    caplog.set_level(logging.INFO, logger="ucdesk")
    svc.on_engine_event(incoming(1))
    svc.on_engine_event(ended(1))        # CANCEL before the pop was painted
    svc.ring_shown(1)                    # the late paint changes nothing
    got = events(caplog)
    assert [name for name, _ in got] == ["call_ringing", "call_ended"]
    assert got[0][1]["pop_shown"] is False and isinstance(got[0][1]["customer_id"], int)
    assert got[0][1]["number"] == "+27115551234"
    assert got[1][1]["outcome"] == "missed"
    assert listener.ended == [(1, Outcome.MISSED)]
    worker.shutdown()
    rows = CallRepository(db).list()
    assert len(rows) == 1 and rows[0].outcome is Outcome.MISSED
    assert rows[0].customer_name == "Thandi Example"


def test_ringing_is_logged_once_when_the_pop_is_shown(service, caplog) -> None:
    svc, listener, db, worker = service
    caplog.set_level(logging.INFO, logger="ucdesk")
    svc.on_engine_event(incoming(2))
    assert events(caplog) == []          # nothing is logged before the pop is painted
    svc.ring_shown(2)
    svc.ring_shown(2)
    svc.on_engine_event(ended(2))
    got = events(caplog)
    assert [name for name, _ in got] == ["call_ringing", "call_ended"]
    assert got[0][1]["pop_shown"] is True
    worker.shutdown()
    assert [r.outcome for r in CallRepository(db).list()] == [Outcome.MISSED]


def test_answered_before_the_pop_logs_ringing_first(service, caplog) -> None:
    svc, listener, db, worker = service
    caplog.set_level(logging.INFO, logger="ucdesk")
    svc.on_engine_event(incoming(3))
    svc.on_engine_event(CallAnswered(call_id=3, at=AT))   # answered before the first paint
    svc.ring_shown(3)
    svc.on_engine_event(CallEnded(call_id=3, status_code=200, reason="OK", answered=True,
                                  ended_by_local=False, declined_by_local=False, at=AT))
    found = [r.__dict__.get("ucdesk_event") for r in caplog.records]
    got = [name for name in found if name in ("call_ringing", "call_answered", "call_ended")]
    assert got == ["call_ringing", "call_answered", "call_ended"]
    ringing = next(r for r in caplog.records if r.__dict__.get("ucdesk_event") == "call_ringing")
    assert ringing.__dict__["ucdesk_fields"]["pop_shown"] is False
    worker.shutdown()
    assert [r.outcome for r in CallRepository(db).list()] == [Outcome.ANSWERED]
