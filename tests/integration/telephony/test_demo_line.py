"""The demo line: a real second pjsua2 process playing the agent's peer."""

from __future__ import annotations

import os

import pytest

from tests.helpers.sip import EventCollector
from ucdesk.domain.telephony import (
    Answer,
    CallAnswered,
    CallEnded,
    CallProgress,
    Dial,
    HangUp,
    IncomingCall,
    OutgoingCallStarted,
)
from ucdesk.telephony.demo_process import DemoLineProcess
from ucdesk.telephony.engine import TelephonyEngine

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
