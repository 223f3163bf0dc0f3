"""Incoming calls: a real sipp UAC calls the real engine on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.helpers.sip import EventCollector, Sipp, requires_sipp, scenario_path
from ucdesk.domain.telephony import (
    Answer,
    CallAnswered,
    CallEnded,
    CallRefused,
    Decline,
    HangUp,
    IncomingCall,
)
from ucdesk.telephony.engine import TelephonyEngine

pytestmark = [pytest.mark.sip, requires_sipp(), pytest.mark.timeout(60)]


def _uac(sipps: list[Sipp], engine: TelephonyEngine, scenario: str) -> Sipp:
    assert engine.ready is not None
    sipp = Sipp.uac(scenario_path(scenario), target_port=engine.ready.listen_port)
    sipps.append(sipp)
    return sipp


def test_incoming_call_answered_then_peer_hangs_up(engine: TelephonyEngine,
                                                   events: EventCollector,
                                                   sipps: list[Sipp]) -> None:
    sipp = _uac(sipps, engine, "uac_from_number.xml")
    incoming = events.wait_for(IncomingCall, 5)
    assert "<sip:0115551234@127.0.0.1>" in incoming.from_header
    assert incoming.sip_call_id and incoming.sip_call_id in sipp.messages()
    assert incoming.source == f"127.0.0.1:{sipp.port}"
    assert incoming.from_proxy is False
    assert incoming.p_asserted_identity is None and incoming.privacy is None
    assert incoming.received_ns > 0
    assert sipp.wait_for_message("SIP/2.0 180 Ringing")

    engine.submit(Answer(incoming.call_id))
    answered = events.wait_for(CallAnswered, 5)
    assert answered.call_id == incoming.call_id
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.answered, ended.ended_by_local, ended.declined_by_local) == (
        incoming.call_id, True, False, False)
    assert ended.status_code == 200
    result = sipp.wait(10)
    assert result.returncode == 0, result.output


def test_caller_cancels_before_answer(engine: TelephonyEngine, events: EventCollector,
                                      sipps: list[Sipp]) -> None:
    sipp = _uac(sipps, engine, "uac_cancel.xml")
    incoming = events.wait_for(IncomingCall, 5)
    ended = events.wait_for(CallEnded, 5)
    assert ended.call_id == incoming.call_id
    assert (ended.status_code, ended.answered, ended.ended_by_local) == (487, False, False)
    assert ended.declined_by_local is False
    result = sipp.wait(10)
    assert result.returncode == 0, result.output


def test_agent_declines_with_603(engine: TelephonyEngine, events: EventCollector,
                                 sipps: list[Sipp]) -> None:
    sipp = _uac(sipps, engine, "uac_expect_603.xml")
    incoming = events.wait_for(IncomingCall, 5)
    engine.submit(Decline(incoming.call_id))
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.status_code, ended.answered) == (incoming.call_id, 603, False)
    assert ended.declined_by_local and ended.ended_by_local
    result = sipp.wait(10)
    assert result.returncode == 0, result.output
    assert sipp.wait_for_message("SIP/2.0 603 Decline")


def test_second_invite_while_busy_gets_486(engine: TelephonyEngine, events: EventCollector,
                                           sipps: list[Sipp]) -> None:
    first = _uac(sipps, engine, "uac_wait_bye.xml")
    incoming = events.wait_for(IncomingCall, 5)
    engine.submit(Answer(incoming.call_id))
    events.wait_for(CallAnswered, 5)

    second = _uac(sipps, engine, "uac_expect_486.xml")
    refused = events.wait_for(CallRefused, 5)
    assert (refused.status_code, refused.reason) == (486, "busy")
    assert "<sip:0115551234@127.0.0.1>" in refused.from_header
    assert refused.source == f"127.0.0.1:{second.port}"
    result = second.wait(10)
    assert result.returncode == 0, result.output          # 486 and no 180 before it
    assert "180 Ringing" not in second.messages()

    engine.submit(HangUp(incoming.call_id))
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.answered, ended.ended_by_local) == (incoming.call_id, True, True)
    result = first.wait(10)
    assert result.returncode == 0, result.output          # it received our BYE
    later = events.drain(0.3)
    assert not [e for e in later if isinstance(e, (IncomingCall, CallEnded))], later


def test_html_display_name_is_passed_through_literally(engine: TelephonyEngine,
                                                       events: EventCollector,
                                                       sipps: list[Sipp]) -> None:
    sipp = _uac(sipps, engine, "uac_html_display_name.xml")
    incoming = events.wait_for(IncomingCall, 5)
    assert '"<b>X</b><img src=x>"' in incoming.from_header
    engine.submit(Answer(incoming.call_id))
    events.wait_for(CallAnswered, 5)
    ended = events.wait_for(CallEnded, 5)
    assert ended.answered and not ended.ended_by_local
    result = sipp.wait(10)
    assert result.returncode == 0, result.output


def test_stop_with_a_call_up_sends_bye(engine: TelephonyEngine, events: EventCollector,
                                       sipps: list[Sipp]) -> None:
    sipp = _uac(sipps, engine, "uac_wait_bye.xml")
    incoming = events.wait_for(IncomingCall, 5)
    engine.submit(Answer(incoming.call_id))
    events.wait_for(CallAnswered, 5)
    engine.stop(timeout=10)
    ended = events.wait_for(CallEnded, 1)
    assert (ended.call_id, ended.answered, ended.ended_by_local) == (incoming.call_id, True, True)
    result = sipp.wait(10)
    assert result.returncode == 0, result.output
    assert "BYE sip:" in sipp.messages()
    engine.stop()                                           # idempotent
