"""pjsua2 set-up shared by the engine and the demo line: endpoint, transport, codecs, accounts.

Everything here must run on the thread that owns the Endpoint (the one that called
``libCreate``). The choices follow /work/shared/TESTING.md: no worker threads inside pjsua
(``threadCnt = 0``, ``mainThreadOnly``), the null audio device, explicit codec priorities,
explicit RTP ports (two pjsua2 processes both default to 4000), ICE and presence off.
"""

from __future__ import annotations

import gc
import os
import random
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pjsua2 as pj

from ucdesk.domain.telephony import Transport

#: Codec priorities (0 disables a codec; we only reorder). Higher wins.
CODEC_PRIORITIES: dict[str, int] = {"G722": 250, "PCMA": 240, "PCMU": 230, "speex": 10}
#: RTP ports the engine may use from its start port (two per call leg, 4 legs, retries).
RTP_PORT_RANGE = 40
MAX_CALLS = 4


@dataclass(frozen=True, slots=True)
class BoundTransport:
    transport_id: int
    host: str
    port: int
    kind: Transport


def describe_error(exc: BaseException) -> str:
    """A readable reason for a pjsua2 ``Error`` (its ``str`` is empty) or any exception."""
    if isinstance(exc, pj.Error):
        return f"{exc.title}: {exc.reason} (status {exc.status})"
    return f"{type(exc).__name__}: {exc}"


def call_op(status_code: int) -> pj.CallOpParam:
    """A CallOpParam carrying ``status_code`` (for answer / hangup)."""
    prm = pj.CallOpParam()
    prm.statusCode = status_code
    return prm


def create_endpoint(user_agent: str, *, log_level: int | None = None) -> pj.Endpoint:
    """Create and initialise the (one per process) Endpoint on the calling thread.

    ``log_level`` (0-6) is pjsua's own console log level; default from ``UCDESK_PJSIP_LOG``
    or 1 (errors only). Level 4+ prints whole SIP messages: never enable it where the
    messages carry auth headers that must not reach a log.
    """
    if log_level is None:
        log_level = int(os.environ.get("UCDESK_PJSIP_LOG", "1"))
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = user_agent
    cfg.uaConfig.maxCalls = MAX_CALLS
    cfg.logConfig.level = log_level
    cfg.logConfig.consoleLevel = log_level
    cfg.medConfig.noVad = True
    cfg.medConfig.clockRate = 16000
    cfg.medConfig.sndClockRate = 16000
    cfg.medConfig.threadCnt = 1
    try:
        ep.libInit(cfg)
    except Exception:
        ep.libDestroy()
        raise
    return ep


def create_transport(ep: pj.Endpoint, kind: Transport, host: str, port: int) -> BoundTransport:
    """Bind a SIP transport to ``host:port`` (port 0: a free port) and report the real port."""
    tcfg = pj.TransportConfig()
    tcfg.port = port
    tcfg.boundAddress = host
    tcfg.publicAddress = host
    pj_kind = pj.PJSIP_TRANSPORT_TCP if kind == Transport.TCP else pj.PJSIP_TRANSPORT_UDP
    tid = ep.transportCreate(pj_kind, tcfg)
    local = ep.transportGetInfo(tid).localName        # "127.0.0.1:39520"
    bound_port = int(local.rsplit(":", 1)[1])
    return BoundTransport(tid, host, bound_port, kind)


def start_library(ep: pj.Endpoint) -> None:
    """``libStart``, the null audio device and our codec priorities."""
    ep.libStart()
    ep.audDevManager().setNullDev()
    for info in ep.codecEnum2():
        name = info.codecId.split("/", 1)[0]
        if name in CODEC_PRIORITIES:
            ep.codecSetPriority(info.codecId, CODEC_PRIORITIES[name])


def free_rtp_port(host: str = "127.0.0.1", span: int = RTP_PORT_RANGE) -> int:
    """An even UDP port whose next ``span`` ports were free a moment ago (best effort).

    Only the first pair is probed by binding; the rest of the range is left to pjsua, which
    skips ports it cannot bind.
    """
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(200):
        start = rng.randrange(20000, 60000 - span, 2)
        socks: list[socket.socket] = []
        try:
            for p in (start, start + 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind((host, p))
            return start
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free RTP port range found")


def account_config(
    id_uri: str,
    transport: BoundTransport,
    *,
    rtp_port: int,
    registrar: str | None = None,
    proxy: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> pj.AccountConfig:
    """An AccountConfig bound to ``transport``: no ICE/STUN/presence/NAT rewriting."""
    acfg = pj.AccountConfig()
    acfg.idUri = id_uri
    acfg.sipConfig.transportId = transport.transport_id
    if proxy:
        acfg.sipConfig.proxies.append(proxy)
    if registrar:
        acfg.regConfig.registrarUri = registrar
        acfg.regConfig.registerOnAdd = True
    else:
        acfg.regConfig.registerOnAdd = False
    if password is not None:
        user = user or uri_user(id_uri)      # sip.user defaults to the user in the SIP address
        if user:
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
    nat = acfg.natConfig
    nat.iceEnabled = False
    nat.turnEnabled = False
    nat.sipStunUse = pj.PJSUA_STUN_USE_DISABLED
    nat.mediaStunUse = pj.PJSUA_STUN_USE_DISABLED
    nat.contactRewriteUse = 0
    nat.viaRewriteUse = 0
    nat.sdpNatRewriteUse = 0
    nat.sipOutboundUse = 0
    acfg.presConfig.publishEnabled = False
    media = acfg.mediaConfig.transportConfig
    media.port = rtp_port
    media.portRange = RTP_PORT_RANGE
    media.boundAddress = transport.host
    return acfg


def uri_user(uri: str) -> str | None:
    """The user part of a SIP URI: ``sip:alice@pbx.example.com;transport=tcp`` -> ``alice``."""
    rest = uri.strip().strip("<>").split(":", 1)[-1]
    if "@" not in rest:
        return None
    return rest.split("@", 1)[0].split(";", 1)[0] or None


def destroy_library(
    ep: pj.Endpoint,
    calls: Callable[[], Iterable[pj.Call]],
    drop_calls: Callable[[], None],
    accounts: Iterable[pj.Account],
    *,
    timeout: float = 3.0,
    on_leak: Callable[[int], None] | None = None,
    wait_for_unregister: bool = False,
) -> None:
    """Shut pjsua down in the only order that does not abort the process.

    ``hangupAllCalls`` (peers see BYE or CANCEL), poll until every call is DISCONNECTED (the
    Call subclasses set ``disconnected = True`` in ``onCallState``),
    ``drop_calls()`` (the caller drops its references), ``gc.collect()``, shut the accounts
    down, ``libDestroy``. ``libDestroy`` sleeps 1 s for un-REGISTER responses unless told not to
    receive any more messages: pass ``wait_for_unregister=True`` when an account registered.
    A call still not disconnected at the deadline is disowned and kept
    alive forever (``_LEAKED``): freeing it after ``libDestroy`` would abort the process.
    """
    ep.hangupAllCalls()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_disconnected(c) for c in calls()):
            break
        ep.libHandleEvents(10)
    # Give the last BYE/CANCEL responses a moment (UDP retransmissions are sent already).
    for _ in range(3):
        ep.libHandleEvents(5)
    leaked = _keep_forever([c for c in calls() if not _disconnected(c)])
    if leaked and on_leak:
        on_leak(leaked)
    drop_calls()
    gc.collect()
    for acc in accounts:
        try:
            acc.shutdown()
        except Exception:
            pass
    gc.collect()
    ep.libDestroy(0 if wait_for_unregister else pj.PJSUA_DESTROY_NO_RX_MSG)


_LEAKED: list[pj.Call] = []


def _keep_forever(stuck: list[pj.Call]) -> int:
    """Disown calls that are still up so they are never freed (freeing after libDestroy aborts)."""
    for call in stuck:
        call.thisown = False
        _LEAKED.append(call)
    return len(stuck)


def _disconnected(call: pj.Call) -> bool:
    # Tracked by the Call subclasses in onCallState: asking pjsua about a finished call id
    # can trip an assert (and asserts abort the process).
    return bool(getattr(call, "disconnected", False))
