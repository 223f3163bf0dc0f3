"""Engine start/stop and transports (real pjsua2; a real sipp where a peer is needed)."""

from __future__ import annotations

import logging
import socket

import pytest

from tests.helpers.sip import EventCollector, Sipp, requires_sipp, scenario_path
from ucdesk.domain.telephony import (
    AccountConfig,
    Answer,
    CallAnswered,
    CallEnded,
    CallRefused,
    EngineFailed,
    EngineReady,
    IncomingCall,
    RegistrationChanged,
    Transport,
)
from ucdesk.telephony.engine import TelephonyEngine

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


def test_start_binds_a_free_port_and_stop_is_idempotent(events: EventCollector) -> None:
    engine = TelephonyEngine(AccountConfig(sip_uri="sip:agent@127.0.0.1"), events)
    ready = engine.start(10)
    assert ready == events.wait_for(EngineReady, 1)
    assert (ready.listen_host, ready.transport) == ("127.0.0.1", Transport.UDP)
    assert ready.listen_port not in (0, 5060)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, pytest.raises(OSError):
        s.bind(("127.0.0.1", ready.listen_port))       # really bound by the engine
    assert engine.start() == ready                      # second start: same answer
    engine.stop(10)
    engine.stop(10)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", ready.listen_port))       # released by stop()


def test_start_fails_with_a_reason_when_the_port_is_taken(events: EventCollector) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        engine = TelephonyEngine(
            AccountConfig(sip_uri="sip:agent@127.0.0.1", listen_port=port), events)
        with pytest.raises(RuntimeError, match="failed to start"):
            engine.start(10)
        failed = events.wait_for(EngineFailed, 1)
        assert failed.reason
        engine.stop()


@requires_sipp()
def test_tcp_transport_takes_calls(make_engine, events: EventCollector,
                                   sipps: list[Sipp]) -> None:
    engine = make_engine(AccountConfig(sip_uri="sip:agent@127.0.0.1", transport=Transport.TCP))
    ready = events.wait_for(EngineReady, 5)
    assert ready.transport == Transport.TCP
    sipp = Sipp.uac(scenario_path("uac_from_number.xml"), target_port=ready.listen_port,
                    extra=["-t", "t1"])
    sipps.append(sipp)
    incoming = events.wait_for(IncomingCall, 5)
    engine.submit(Answer(incoming.call_id))
    events.wait_for(CallAnswered, 5)
    assert events.wait_for(CallEnded, 5).answered
    result = sipp.wait(10)
    assert result.returncode == 0, result.output


@requires_sipp()
def test_invite_not_from_the_proxy_is_refused_403(make_engine, events: EventCollector,
                                                  sipps: list[Sipp]) -> None:
    make_engine(AccountConfig(sip_uri="sip:agent@127.0.0.1", proxy="sip:127.0.0.2:5060;lr"))
    ready = events.wait_for(EngineReady, 5)
    sipp = Sipp.uac(scenario_path("uac_expect_403.xml"), target_port=ready.listen_port)
    sipps.append(sipp)
    refused = events.wait_for(CallRefused, 5)
    assert (refused.status_code, refused.reason) == (403, "not from proxy")
    result = sipp.wait(10)
    assert result.returncode == 0, result.output
    assert not [e for e in events.drain(0.2) if isinstance(e, IncomingCall)]


@requires_sipp()
def test_registration_with_digest_auth(make_engine, events: EventCollector, sipps: list[Sipp],
                                       caplog: pytest.LogCaptureFixture) -> None:
    registrar = Sipp.uas(scenario_path("registrar_digest.xml"))
    sipps.append(registrar)
    caplog.set_level(logging.DEBUG, logger="ucdesk")
    engine = make_engine(AccountConfig(
        sip_uri="sip:agent@127.0.0.1", registrar=f"sip:127.0.0.1:{registrar.port}",
        user="agent", password="s3cret-pw"))
    reg = events.wait_for(RegistrationChanged, 5, registered=True)
    assert (reg.status_code, reg.reason) == (200, "OK")
    assert registrar.wait_for_message('Authorization: Digest username="agent"')
    engine.stop(10)                                         # un-REGISTER
    result = registrar.wait(10)
    assert result.returncode == 0, result.output
    assert "403 Forbidden" not in registrar.messages()
    assert registrar.messages().count("REGISTER sip:") == 3
    assert "s3cret-pw" not in caplog.text
