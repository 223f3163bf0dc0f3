"""The telephony engine: pjsua2 on its own thread, commands in, frozen events out.

Threads. ``TelephonyEngine`` owns one plain ``threading.Thread`` (the SIP thread). It creates the
pjsua2 library there (``threadCnt = 0``, ``mainThreadOnly``), and loops: drain the command
queue, ``libHandleEvents(10)``, drop finished calls. No other thread touches pjsua2: ``submit``
only puts a command on a queue, ``set_dial_domain`` only swaps a frozen config under a lock.
``on_event`` runs on the SIP thread with values from :mod:`ucdesk.domain.telephony`; it must be
cheap (the app re-emits it through a queued Qt signal). Its exceptions are logged, never raised.

Calls. Every call gets the engine's own increasing id (pjsua2 reuses its ids). The engine holds
a strong reference from ``onIncomingCall`` / ``makeCall`` until the call is DISCONNECTED and the
callback has returned; then the loop drops it. One call at a time: an INVITE arriving while any
other call is not DISCONNECTED is refused with 486 Busy Here (``CallRefused``) and never rings.
When a proxy is configured, INVITEs from any other source are refused with 403.

Dialling. ``Dial.target`` may be a full ``sip:``/``sips:`` URI or a bare number/user; the latter
goes through :func:`ucdesk.telephony.addressing.request_uri` with the engine's current account.

The demo line (no real PBX configured) is another process whose port is known only once it
runs, and it needs the agent's port first. The order is therefore::

    engine = TelephonyEngine(AccountConfig(sip_uri="sip:agent@127.0.0.1"), on_event)
    ready = engine.start()                                   # the agent's port
    demo = DemoLineProcess()
    demo.start(f"sip:agent@127.0.0.1:{ready.listen_port}")   # the demo line's port
    engine.set_dial_domain(f"127.0.0.1:{demo.port}")         # numbers now go to the demo line

Shutdown. ``stop`` hangs up every call (the peer sees BYE or CANCEL), waits for DISCONNECTED,
drops references, ``gc.collect()``, shuts the account down and calls ``libDestroy`` - the only
order that does not abort the process (see ``pjsetup.destroy_library``). It is idempotent, and
an ``atexit`` hook stops engines the application forgot.
"""

from __future__ import annotations

import atexit
import dataclasses
import itertools
import logging
import queue
import socket
import threading
import time
import weakref
from collections.abc import Callable

import pjsua2 as pj

from ucdesk.domain.telephony import (
    AccountConfig,
    Answer,
    CallAnswered,
    CallEnded,
    CallProgress,
    CallRefused,
    Command,
    Decline,
    Dial,
    EngineEvent,
    EngineFailed,
    EngineReady,
    HangUp,
    IncomingCall,
    OutgoingCallFailed,
    OutgoingCallStarted,
    RegistrationChanged,
    utcnow,
)
from ucdesk.log import event
from ucdesk.telephony import pjsetup
from ucdesk.telephony.addressing import request_uri
from ucdesk.telephony.pjsetup import call_op, describe_error
from ucdesk.telephony.sip_message import host_of, summarize_invite

log = logging.getLogger(__name__)

_STOP = object()
_LIVE_ENGINES: weakref.WeakSet[TelephonyEngine] = weakref.WeakSet()


class _Call(pj.Call):
    """One call leg and what the engine knows about it (SIP thread only)."""

    def __init__(self, engine: TelephonyEngine, account: pj.Account, pj_call_id: int,
                 *, engine_id: int, incoming: bool) -> None:
        super().__init__(account, pj_call_id)
        self.engine = engine
        self.engine_id = engine_id
        self.incoming = incoming
        self.refused = False
        self.announced = incoming        # outgoing: events wait for OutgoingCallStarted
        self.pending: list[EngineEvent] = []
        self.sip_call_id = ""
        self.disconnected = False
        self.answered = False
        self.ended_by_local = False
        self.declined_by_local = False
        self.progress_codes: set[int] = set()

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802 - pjsua2 API
        try:
            self.engine._on_call_state(self)
        except Exception:
            log.exception("error in onCallState for call %s", self.engine_id)


class _Account(pj.Account):
    def __init__(self, engine: TelephonyEngine) -> None:
        super().__init__()
        self.engine = engine

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # noqa: N802 - pjsua2 API
        received_ns = time.monotonic_ns()  # first thing: the ring-path latency starts here
        try:
            self.engine._on_incoming(self, prm, received_ns)
        except Exception:
            log.exception("error in onIncomingCall")

    def onRegState(self, prm: pj.OnRegStateParam) -> None:  # noqa: N802 - pjsua2 API
        try:
            registered = bool(self.getInfo().regIsActive)
            self.engine._emit(RegistrationChanged(registered, int(prm.code), str(prm.reason)))
        except Exception:
            log.exception("error in onRegState")


class TelephonyEngine:
    """pjsua2 on its own thread for one account. See the module docstring."""

    def __init__(self, account: AccountConfig, on_event: Callable[[EngineEvent], None], *,
                 user_agent: str = "ucdesk") -> None:
        self._account = account
        self._on_event = on_event
        self._user_agent = user_agent
        self._lock = threading.Lock()
        self._commands: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._ready: EngineReady | None = None
        self._failure: str | None = None
        self._stop_requested = threading.Event()
        # SIP thread only:
        self._ep: pj.Endpoint | None = None
        self._acc: _Account | None = None
        self._calls: dict[int, _Call] = {}
        self._refused: list[_Call] = []
        self._finished: list[_Call] = []
        self._ids = itertools.count(1)
        self._proxy_hosts: set[str] = set()

    # ---- any thread --------------------------------------------------------------------

    @property
    def account(self) -> AccountConfig:
        """The current account config (``dial_domain`` included)."""
        with self._lock:
            return self._account

    @property
    def ready(self) -> EngineReady | None:
        return self._ready

    def set_dial_domain(self, host_port: str | None) -> None:
        """Where bare numbers are dialled from now on (``host[:port]``); thread-safe."""
        with self._lock:
            self._account = dataclasses.replace(self._account, dial_domain=host_port)
        event(log, "sip_dial_domain_set", dial_domain=host_port)

    def start(self, timeout: float = 10) -> EngineReady:
        """Start the SIP thread; block until the library is up and the transport is bound.

        Raises RuntimeError with the reason when it fails or does not finish in time.
        Calling it again after success returns the same EngineReady.
        """
        if self._thread is None:
            if self._stop_requested.is_set():
                raise RuntimeError("telephony engine already stopped")
            self._thread = threading.Thread(target=self._run, name="ucdesk-sip", daemon=True)
            _LIVE_ENGINES.add(self)
            self._thread.start()
        if not self._started.wait(timeout):
            self._stop_requested.set()
            raise RuntimeError(f"telephony engine did not start within {timeout} s")
        if self._ready is None:
            raise RuntimeError(f"telephony engine failed to start: {self._failure}")
        return self._ready

    def submit(self, command: Command) -> None:
        """Queue a command for the SIP thread (thread-safe; queued until the engine is up)."""
        if self._stop_requested.is_set():
            event(log, "sip_command_after_stop", logging.WARNING, command=type(command).__name__)
            return
        self._commands.put(command)

    def stop(self, timeout: float = 10) -> None:
        """Hang up everything and destroy the library. Idempotent; never aborts the process."""
        self._stop_requested.set()
        self._commands.put(_STOP)
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        thread.join(timeout)
        if thread.is_alive():
            event(log, "sip_engine_stop_timeout", logging.ERROR, timeout=timeout)

    # ---- SIP thread --------------------------------------------------------------------

    def _emit(self, ev: EngineEvent) -> None:
        try:
            self._on_event(ev)
        except Exception:
            log.exception("on_event raised for %s", type(ev).__name__)

    def _run(self) -> None:
        try:
            self._ready = self._init_library()
        except Exception as exc:
            self._failure = describe_error(exc)
            event(log, "sip_engine_failed", logging.ERROR, reason=self._failure)
            self._emit(EngineFailed(self._failure))
            self._teardown()
            self._started.set()
            return
        event(log, "sip_engine_ready", uri=self._ready.local_uri, port=self._ready.listen_port,
              transport=self._ready.transport.value)
        self._emit(self._ready)
        self._started.set()
        try:
            while not self._stop_requested.is_set():
                self._drain_commands()
                assert self._ep is not None
                self._ep.libHandleEvents(10)
                self._drop_finished()
        except Exception:
            log.exception("telephony loop failed")
        finally:
            self._teardown()

    def _init_library(self) -> EngineReady:
        acc_cfg = self.account
        self._ep = pjsetup.create_endpoint(self._user_agent)
        bound = pjsetup.create_transport(self._ep, acc_cfg.transport, acc_cfg.listen_host,
                                         acc_cfg.listen_port)
        pjsetup.start_library(self._ep)
        rtp_port = acc_cfg.rtp_port or pjsetup.free_rtp_port(acc_cfg.listen_host)
        if acc_cfg.proxy:
            self._proxy_hosts = _resolve(host_of(acc_cfg.proxy))
        self._acc = _Account(self)
        self._acc.create(pjsetup.account_config(
            acc_cfg.sip_uri, bound, rtp_port=rtp_port, registrar=acc_cfg.registrar,
            proxy=acc_cfg.proxy, user=acc_cfg.user, password=acc_cfg.password), True)
        return EngineReady(acc_cfg.sip_uri, bound.host, bound.port, acc_cfg.transport)

    def _teardown(self) -> None:
        ep, self._ep = self._ep, None
        if ep is None:
            return
        self._mark_all_ended_by_local()
        accounts = [self._acc] if self._acc is not None else []
        try:
            pjsetup.destroy_library(
                ep, lambda: [*self._calls.values(), *self._refused], self._forget_calls,
                accounts,
                on_leak=lambda n: event(log, "sip_calls_leaked", logging.ERROR, count=n),
                wait_for_unregister=bool(self.account.registrar))
        except Exception:
            log.exception("error while destroying the SIP library")
        self._acc = None
        event(log, "sip_engine_stopped")

    def _mark_all_ended_by_local(self) -> None:
        # A separate function: a loop variable left in _teardown's frame would keep the last
        # call alive past libDestroy, and freeing it then aborts the process.
        for call in self._calls.values():
            if not call.disconnected:
                call.ended_by_local = True

    def _forget_calls(self) -> None:
        self._calls.clear()
        self._refused.clear()
        self._finished.clear()

    def _drain_commands(self) -> None:
        for _ in range(100):
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            if cmd is _STOP:
                self._stop_requested.set()
                return
            try:
                self._handle(cmd)
            except Exception as exc:
                event(log, "sip_command_failed", logging.ERROR,
                      command=type(cmd).__name__, reason=describe_error(exc))
                if isinstance(cmd, Dial):   # the agent's side must hear that nothing is ringing
                    self._emit(OutgoingCallFailed(cmd.request_id, cmd.target,
                                                  describe_error(exc), utcnow()))

    def _drop_finished(self) -> None:
        """Drop calls that reached DISCONNECTED (outside their own onCallState)."""
        if not self._finished:
            return
        finished, self._finished = self._finished, []
        for call in finished:
            self._calls.pop(call.engine_id, None)
            if call in self._refused:
                self._refused.remove(call)
        del finished

    def _handle(self, cmd: object) -> None:
        if isinstance(cmd, Dial):
            self._dial(cmd)
            return
        if not isinstance(cmd, (Answer, Decline, HangUp)):
            event(log, "sip_unknown_command", logging.WARNING, command=type(cmd).__name__)
            return
        call = self._calls.get(cmd.call_id)
        if call is None or call.disconnected:
            event(log, "sip_command_unknown_call", logging.WARNING,
                  command=type(cmd).__name__, call_id=cmd.call_id)
            return
        if isinstance(cmd, Answer):
            if not call.incoming or call.answered:
                event(log, "sip_answer_ignored", logging.WARNING, call_id=cmd.call_id)
                return
            call.answer(call_op(200))
        elif isinstance(cmd, Decline) and call.incoming and not call.answered:
            code = cmd.code if 400 <= cmd.code <= 699 else 603
            call.declined_by_local = call.ended_by_local = True
            call.hangup(call_op(code))
        else:  # HangUp (or Decline of an answered call): CANCEL, BYE, or 603 when ringing
            call.ended_by_local = True
            if call.incoming and not call.answered:
                call.declined_by_local = True
            call.hangup(pj.CallOpParam())
        event(log, "sip_command", command=type(cmd).__name__, call_id=cmd.call_id)

    def _dial(self, cmd: Dial) -> None:
        try:
            uri = request_uri(cmd.target, self.account)
        except ValueError as exc:
            self._emit(OutgoingCallFailed(cmd.request_id, cmd.target, str(exc), utcnow()))
            return
        assert self._acc is not None
        call = _Call(self, self._acc, pj.PJSUA_INVALID_ID, engine_id=next(self._ids),
                     incoming=False)
        self._calls[call.engine_id] = call
        try:
            call.makeCall(uri, pj.CallOpParam(True))
        except Exception as exc:
            self._calls.pop(call.engine_id, None)
            reason = describe_error(exc)
            event(log, "sip_dial_failed", logging.WARNING, target=uri, reason=reason)
            self._emit(OutgoingCallFailed(cmd.request_id, cmd.target, reason, utcnow()))
            return
        if not call.disconnected:
            call.sip_call_id = call.getInfo().callIdString
        event(log, "sip_dial", call_id=call.engine_id, target=uri, sip_call_id=call.sip_call_id)
        self._emit(OutgoingCallStarted(call.engine_id, cmd.request_id, uri, call.sip_call_id,
                                       utcnow()))
        call.announced = True
        pending, call.pending = call.pending, []
        for ev in pending:
            self._emit(ev)

    def _on_incoming(self, acc: _Account, prm: pj.OnIncomingCallParam, received_ns: int) -> None:
        call = _Call(self, acc, prm.callId, engine_id=next(self._ids), incoming=True)
        self._calls[call.engine_id] = call           # strong reference before anything else
        summary = summarize_invite(prm.rdata.wholeMsg)
        source = str(prm.rdata.srcAddress)
        call.sip_call_id = summary.call_id
        from_proxy = bool(self._proxy_hosts) and host_of(source) in self._proxy_hosts
        busy = any(not c.disconnected for c in self._calls.values() if c is not call)
        refusal: tuple[int, str] | None = None
        if self._proxy_hosts and not from_proxy:
            refusal = (403, "not from proxy")
        elif busy:
            refusal = (486, "busy")
        if refusal is not None:
            code, reason = refusal
            del self._calls[call.engine_id]
            call.refused = True
            self._refused.append(call)
            call.hangup(call_op(code))
            event(log, "sip_call_refused", sip_call_id=summary.call_id, source=source,
                  status_code=code, reason=reason)
            self._emit(CallRefused(summary.call_id, summary.from_header,
                                   summary.p_asserted_identity, summary.privacy, source,
                                   code, reason, utcnow()))
            return
        call.answer(call_op(180))
        event(log, "sip_incoming_call", call_id=call.engine_id, sip_call_id=summary.call_id,
              source=source, from_proxy=from_proxy)
        self._emit(IncomingCall(call.engine_id, summary.call_id, summary.from_header,
                                summary.p_asserted_identity, summary.privacy, source,
                                from_proxy, received_ns, utcnow()))

    def _on_call_state(self, call: _Call) -> None:
        ci = call.getInfo()
        state = ci.state
        if ci.callIdString:
            call.sip_call_id = ci.callIdString
        if state == pj.PJSIP_INV_STATE_DISCONNECTED:
            call.disconnected = True
            self._finished.append(call)          # dropped by the loop, not in this callback
        if call.refused:
            return
        ev: EngineEvent | None = None
        code = int(ci.lastStatusCode)
        if state == pj.PJSIP_INV_STATE_EARLY and not call.incoming:
            if code in (180, 183) and code not in call.progress_codes:
                call.progress_codes.add(code)
                ev = CallProgress(call.engine_id, code, str(ci.lastReason))
        elif state == pj.PJSIP_INV_STATE_CONFIRMED and not call.answered:
            call.answered = True
            ev = CallAnswered(call.engine_id, utcnow())
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            event(log, "sip_call_ended", call_id=call.engine_id, status_code=code,
                  answered=call.answered, ended_by_local=call.ended_by_local)
            ev = CallEnded(call.engine_id, code, str(ci.lastReason), call.answered,
                           call.ended_by_local, call.declined_by_local, utcnow())
        if ev is None:
            return
        if call.announced:
            self._emit(ev)
        else:
            call.pending.append(ev)


def _resolve(host: str) -> set[str]:
    """The host and every address it resolves to (for matching INVITE sources)."""
    hosts = {host.lower()}
    try:
        for info in socket.getaddrinfo(host, None):
            hosts.add(str(info[4][0]).lower())
    except OSError:
        pass
    return hosts


@atexit.register
def _stop_live_engines() -> None:
    for engine in list(_LIVE_ENGINES):
        engine.stop(timeout=5)
