"""Outgoing calls: the real engine dials a real sipp UAS on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.helpers.sip import EventCollector, Sipp, requires_sipp, scenario_path
from ucdesk.domain.telephony import (
    CallAnswered,
    CallEnded,
    CallProgress,
    Dial,
    HangUp,
    OutgoingCallFailed,
    OutgoingCallStarted,
)
from ucdesk.telephony.engine import TelephonyEngine

pytestmark = [pytest.mark.sip, requires_sipp(), pytest.mark.timeout(60)]


def test_dial_sipp_uas_answer_and_hang_up(engine: TelephonyEngine, events: EventCollector,
                                          sipps: list[Sipp]) -> None:
    uas = Sipp.uas(scenario_path("uas_answer.xml"))
    sipps.append(uas)
    target = f"sip:service@127.0.0.1:{uas.port}"
    engine.submit(Dial(7, target, display="Service"))
    started = events.wait_for(OutgoingCallStarted, 5)
    assert (started.request_id, started.target) == (7, target)
    assert started.sip_call_id
    progress = events.wait_for(CallProgress, 5)
    assert (progress.call_id, progress.status_code) == (started.call_id, 180)
    answered = events.wait_for(CallAnswered, 5)
    assert answered.call_id == started.call_id

    engine.submit(HangUp(started.call_id))
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.answered, ended.ended_by_local) == (started.call_id, True, True)
    result = uas.wait(10)
    assert result.returncode == 0, result.output               # the UAS got our BYE
    messages = uas.messages()
    assert f"Call-ID: {started.sip_call_id}" in messages
    assert "BYE sip:" in messages


def test_bare_number_goes_to_the_dial_domain(engine: TelephonyEngine, events: EventCollector,
                                             sipps: list[Sipp]) -> None:
    uas = Sipp.uas(scenario_path("uas_answer.xml"))
    sipps.append(uas)
    engine.set_dial_domain(f"127.0.0.1:{uas.port}")
    engine.submit(Dial(8, "0115550000"))
    started = events.wait_for(OutgoingCallStarted, 5)
    assert started.target == f"sip:0115550000@127.0.0.1:{uas.port}"
    events.wait_for(CallAnswered, 5)
    engine.submit(HangUp(started.call_id))
    events.wait_for(CallEnded, 5)
    result = uas.wait(10)
    assert result.returncode == 0, result.output
    assert f"INVITE sip:0115550000@127.0.0.1:{uas.port} SIP/2.0" in uas.messages()


def test_bad_targets_fail_without_a_call(engine: TelephonyEngine,
                                         events: EventCollector) -> None:
    engine.submit(Dial(1, "sip:"))                 # pjsua refuses the URI
    failed = events.wait_for(OutgoingCallFailed, 5)
    assert failed.request_id == 1 and failed.reason
    engine.submit(Dial(2, "0115550000"))           # no dial domain, no registrar
    failed = events.wait_for(OutgoingCallFailed, 5)
    assert failed.request_id == 2 and "dial domain" in failed.reason
    engine.submit(HangUp(999))                     # unknown call: logged and ignored
    assert not [e for e in events.drain(0.3) if isinstance(e, (CallEnded, OutgoingCallStarted))]
