"""Fixtures for the telephony integration tests: a real engine and real sipp peers.

Every test here is marked ``sip`` and must run forked (``pytest --forked``): one pjsua2
Endpoint per process, and an abort inside pjsua2 then only fails that test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.helpers.sip import EventCollector
from ucdesk.domain.telephony import AccountConfig, EngineReady
from ucdesk.telephony.engine import TelephonyEngine

AGENT = AccountConfig(sip_uri="sip:agent@127.0.0.1", listen_host="127.0.0.1", listen_port=0)


@pytest.fixture
def events() -> EventCollector:
    return EventCollector()


@pytest.fixture
def make_engine(events: EventCollector) -> Iterator[Callable[..., TelephonyEngine]]:
    """Start engines (``make_engine(account=AGENT)``); each is stopped after the test."""
    engines: list[TelephonyEngine] = []

    def make(account: AccountConfig = AGENT) -> TelephonyEngine:
        engine = TelephonyEngine(account, events, user_agent="ucdesk-test")
        engines.append(engine)
        engine.start(timeout=10)
        return engine

    yield make
    for engine in engines:
        engine.stop(timeout=10)


@pytest.fixture
def engine(make_engine: Callable[..., TelephonyEngine], events: EventCollector
           ) -> TelephonyEngine:
    """A running engine for ``AGENT`` (its EngineReady already taken off ``events``)."""
    eng = make_engine()
    events.wait_for(EngineReady, 5)
    return eng
