"""What crosses the boundary of the telephony engine: commands in, events out.

The engine (ucdesk.telephony) runs pjsua2 on its own thread and speaks only these frozen values.
``call_id`` is the engine's own number for a call (pjsua2 reuses its ids); ``sip_call_id`` is the
Call-ID header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


def utcnow() -> datetime:
    return datetime.now(UTC)


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One SIP account. The password is passed in memory only; it is never stored here."""

    sip_uri: str                       # sip:alice@example.com
    registrar: str | None = None       # sip:example.com (None: no registration)
    proxy: str | None = None           # outbound proxy; INVITEs from elsewhere are refused
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    transport: Transport = Transport.UDP
    listen_host: str = "127.0.0.1"
    listen_port: int = 0               # 0: a free port
    rtp_port: int = 0                  # 0: a free range chosen by the engine
    dial_domain: str | None = None     # host[:port] numbers are dialled at; None: registrar host


# ---- commands (GUI/services -> engine) ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class Dial:
    request_id: int
    target: str          # a full sip:/sips: URI
    display: str = ""    # what the agent sees for it (number or name)


@dataclass(frozen=True, slots=True)
class Answer:
    call_id: int


@dataclass(frozen=True, slots=True)
class Decline:
    call_id: int
    code: int = 603


@dataclass(frozen=True, slots=True)
class HangUp:
    call_id: int


Command = Dial | Answer | Decline | HangUp


# ---- events (engine -> GUI/services) ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class EngineReady:
    local_uri: str
    listen_host: str
    listen_port: int
    transport: Transport


@dataclass(frozen=True, slots=True)
class EngineFailed:
    reason: str


@dataclass(frozen=True, slots=True)
class RegistrationChanged:
    registered: bool
    status_code: int
    reason: str


@dataclass(frozen=True, slots=True)
class IncomingCall:
    call_id: int
    sip_call_id: str
    from_header: str
    p_asserted_identity: str | None
    privacy: str | None
    source: str                 # "ip:port" the INVITE came from
    from_proxy: bool            # True when it came from the configured proxy (PAI is trusted)
    received_ns: int            # time.monotonic_ns() when the engine received the INVITE
    at: datetime


@dataclass(frozen=True, slots=True)
class CallRefused:
    """An INVITE refused without ringing (busy on another call, or not from the proxy)."""

    sip_call_id: str
    from_header: str
    p_asserted_identity: str | None
    privacy: str | None
    source: str
    status_code: int
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class OutgoingCallStarted:
    call_id: int
    request_id: int
    target: str
    sip_call_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class OutgoingCallFailed:
    """The engine could not even send the INVITE (bad URI, no transport)."""

    request_id: int
    target: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CallProgress:
    call_id: int
    status_code: int      # 180, 183 ...
    reason: str


@dataclass(frozen=True, slots=True)
class CallAnswered:
    call_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class CallEnded:
    call_id: int
    status_code: int            # last SIP status (200 after BYE, 487 for CANCEL, 603 ...)
    reason: str
    answered: bool
    ended_by_local: bool        # the agent hung up / cancelled
    declined_by_local: bool     # the agent declined an incoming call
    at: datetime


EngineEvent = (
    EngineReady | EngineFailed | RegistrationChanged | IncomingCall | CallRefused
    | OutgoingCallStarted | OutgoingCallFailed | CallProgress | CallAnswered | CallEnded
)
