"""The demo line: a real second pjsua2 process playing the agent's peer."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.helpers.sip import EventCollector
from ucdesk.domain.telephony import (
    Answer,
    CallAnswered,
    CallEnded,
    CallProgress,
    Decline,
    Dial,
    HangUp,
    IncomingCall,
    OutgoingCallStarted,
)
from ucdesk.telephony.demo_process import DemoLineProcess
from ucdesk.telephony.engine import TelephonyEngine
from ucdesk.telephony.pjsetup import uri_user

#: pjsua allows 8 accounts per process; the demo line once made one per From number and
#: aborted on the 8th. ``UCDESK_DEMO_LINE_CALLS=50`` runs the long version by hand.
DEMO_CALLS = int(os.environ.get("UCDESK_DEMO_LINE_CALLS", "12"))

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_line_answers_the_agent_and_calls_it(engine: TelephonyEngine,
                                                  events: EventCollector) -> None:
    assert engine.ready is not None
    demo = DemoLineProcess(answer_after_ms=200)
    try:
        uri = demo.start(f"sip:agent@127.0.0.1:{engine.ready.listen_port}", timeout=10)
        assert demo.port and uri == f"sip:demo@127.0.0.1:{demo.port}"
        engine.set_dial_domain(f"127.0.0.1:{demo.port}")

        # the agent dials any number: the demo line rings, then answers
        engine.submit(Dial(1, "0115550000"))
        started = events.wait_for(OutgoingCallStarted, 5)
        assert events.wait_for(CallProgress, 5).status_code == 180
        events.wait_for(CallAnswered, 5, call_id=started.call_id)
        assert demo.wait_for_event("call_answered", 5)["direction"] == "in"
        engine.submit(HangUp(started.call_id))
        events.wait_for(CallEnded, 5, call_id=started.call_id)
        assert demo.wait_for_event("call_ended", 5)["answered"] is True

        # the demo line calls the agent from a customer's number
        demo.call("0115551234", "Thandi Example")
        incoming = events.wait_for(IncomingCall, 5)
        assert '"Thandi Example" <sip:0115551234@127.0.0.1' in incoming.from_header
        assert incoming.source == f"127.0.0.1:{demo.port}"
        engine.submit(Answer(incoming.call_id))
        events.wait_for(CallAnswered, 5, call_id=incoming.call_id)
        assert demo.wait_for_event("call_answered", 5)["direction"] == "out"
        demo.hangup()
        ended = events.wait_for(CallEnded, 5, call_id=incoming.call_id)
        assert ended.answered and not ended.ended_by_local
    finally:
        pid = demo.pid
        code = demo.stop(timeout=5)
    assert code == 0
    assert pid is not None and not _pid_alive(pid)


def test_demo_line_exits_cleanly_on_sigterm_with_a_call_up(engine: TelephonyEngine,
                                                           events: EventCollector) -> None:
    assert engine.ready is not None
    demo = DemoLineProcess(answer_after_ms=0)
    demo.start(f"sip:agent@127.0.0.1:{engine.ready.listen_port}")
    try:
        demo.call("0115551234")
        incoming = events.wait_for(IncomingCall, 5)
        engine.submit(Answer(incoming.call_id))
        events.wait_for(CallAnswered, 5)
        assert demo.pid is not None
        os.kill(demo.pid, 15)
        ended = events.wait_for(CallEnded, 5, call_id=incoming.call_id)
        assert ended.answered and not ended.ended_by_local     # the demo line sent BYE
        demo.wait_for_event("stopped", 5)
    finally:
        code = demo.stop()
    assert code == 0


def _from_user(from_header: str) -> str | None:
    start, end = from_header.find("<"), from_header.find(">")
    return uri_user(from_header[start + 1:end] if 0 <= start < end else from_header)


@pytest.mark.timeout(120)
def test_demo_line_survives_many_calls_from_different_numbers(engine: TelephonyEngine,
                                                              events: EventCollector) -> None:
    assert engine.ready is not None
    demo = DemoLineProcess(answer_after_ms=0)
    demo.start(f"sip:agent@127.0.0.1:{engine.ready.listen_port}")
    try:
        for i in range(DEMO_CALLS):
            number = f"01155{i:05d}"
            demo.call(number, f"Caller {i}" if i % 3 else "")
            incoming = events.wait_for(IncomingCall, 5)
            assert _from_user(incoming.from_header) == number, incoming.from_header
            if i % 2:
                engine.submit(Answer(incoming.call_id))
                events.wait_for(CallAnswered, 5, call_id=incoming.call_id)
                engine.submit(HangUp(incoming.call_id))
            else:
                engine.submit(Decline(incoming.call_id))
            ended = events.wait_for(CallEnded, 5, call_id=incoming.call_id)
            assert ended.ended_by_local and ended.answered == bool(i % 2)
            demo_ended = demo.wait_for_event("call_ended", 5)
            assert demo_ended["direction"] == "out"
            assert demo_ended["status_code"] == (200 if i % 2 else 603)
        assert demo.running()
        # a number seen long ago (its account was evicted) still works
        demo.call("0115500000")
        incoming = events.wait_for(IncomingCall, 5)
        assert _from_user(incoming.from_header) == "0115500000"
        engine.submit(Decline(incoming.call_id))
        events.wait_for(CallEnded, 5, call_id=incoming.call_id)
        assert demo.running()
    finally:
        code = demo.stop()
    assert code == 0


@pytest.mark.parametrize("where", ["process", "call"])
def test_demo_line_gives_up_on_an_unanswered_call(engine: TelephonyEngine,
                                                  events: EventCollector, where: str) -> None:
    assert engine.ready is not None
    demo = (DemoLineProcess(give_up_after_s=1) if where == "process"
            else DemoLineProcess(give_up_after_s=30))
    demo.start(f"sip:agent@127.0.0.1:{engine.ready.listen_port}")
    try:
        t0 = time.monotonic()
        if where == "process":
            demo.call("0115551234")
        else:
            demo.call("0115551234", give_up_after_s=1)
        incoming = events.wait_for(IncomingCall, 5)
        # the agent never answers
        ended = events.wait_for(CallEnded, 8, call_id=incoming.call_id)
        elapsed = time.monotonic() - t0
        assert not ended.answered and not ended.ended_by_local
        assert ended.status_code == 487
        assert 0.9 <= elapsed <= 6.0, elapsed   # gives up after 1 s, not after 30
        demo.wait_for_event("giving_up", 2)
        assert demo.wait_for_event("call_ended", 2)["answered"] is False
        assert demo.running()
    finally:
        code = demo.stop()
    assert code == 0


def test_demo_line_process_reports_a_dead_child(engine: TelephonyEngine) -> None:
    assert engine.ready is not None
    demo = DemoLineProcess()
    demo.start(f"sip:agent@127.0.0.1:{engine.ready.listen_port}")
    try:
        assert demo.running() and demo.pid is not None
        os.kill(demo.pid, signal.SIGKILL)     # as an assert inside pjsip would (SIGABRT)
        err = demo.wait_for_event("error", 5)
        assert err["fatal"] is True and err["exit_code"] == -signal.SIGKILL
        assert "SIGKILL" in err["reason"]
        assert not demo.running()
        with pytest.raises(RuntimeError, match="the demo line is not running"):
            demo.call("0115551234")
        with pytest.raises(RuntimeError, match="exited before"):
            demo.wait_for_event("calling", 2)
    finally:
        demo.stop()
    with pytest.raises(RuntimeError, match="the demo line is not running"):
        demo.call("0115551234")
