"""The demo line: a second SIP process that plays the agent's peer while no PBX is configured.

Run it as::

    python -m ucdesk.telephony.demo_line --listen 127.0.0.1:0 --agent sip:agent@127.0.0.1:PORT \
        [--answer-after-ms 800] [--hangup-after-s 0] [--give-up-after-s 30]

It has its own pjsua2 Endpoint (one per process) on UDP, the null audio device, and plays
nothing. It auto-answers every call it receives (any user part) after ``--answer-after-ms`` of
ringing, and hangs up answered calls after ``--hangup-after-s`` (0: never; the agent hangs up).
A call it makes to the agent that is still unanswered after ``--give-up-after-s`` is cancelled
(CANCEL; the agent sees a missed call, 487), 0: never.

Caller identities. pjsua puts an account's idUri in From, and allows only 8 accounts per
process (``PJSUA_MAX_ACC``; one more is an assert, i.e. an abort). The demo line keeps its own
``demo`` account plus at most ``MAX_CALLER_ACCOUNTS`` caller accounts (one per From number and
display name) in least-recently-used order. Before adding one more, it deletes the least recently
used caller account that no call (live or just finished) refers to; when every one is in use
the call is refused with an ``error`` event instead.

Protocol: one JSON object per line, ``"v": 1``.

stdin (commands)::

    {"v":1,"cmd":"call","from":"0115551234","display":"Thandi Example"}   # call the agent
    {"v":1,"cmd":"call","from":"0115551234","give_up_after_s":5}          # own give-up time
    {"v":1,"cmd":"hangup"}                                                # hang up every call
    {"v":1,"cmd":"quit"}

stdout (events): first ``{"v":1,"event":"ready","uri":...,"host":...,"port":...}`` once the
transport is bound, then ``incoming``, ``calling``, ``call_answered``, ``call_ended``,
``giving_up``, ``error`` (each with ``"call"``, the demo line's own call number, where it
applies), and ``stopped`` last. pjsip's own log goes to stderr (stdout is the protocol channel).

Stdin EOF, ``quit``, SIGTERM and SIGINT all hang up every call and exit 0. Any Python exception
that escapes is reported as an ``error`` event followed by ``stopped`` (exit code 1). An assert
inside pjsip aborts the process before Python can say anything: the parent
(:class:`~ucdesk.telephony.demo_process.DemoLineProcess`) reports that death itself.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import itertools
import json
import math
import os
import queue
import re
import signal
import sys
import threading
import time
from collections import OrderedDict
from typing import Any, TextIO

import pjsua2 as pj

from ucdesk.domain.telephony import Transport
from ucdesk.telephony import pjsetup
from ucdesk.telephony.pjsetup import call_op, describe_error

_USER_PART = re.compile(r"^[0-9A-Za-z+*._\-]{1,64}$")
#: Caller accounts kept at once, besides the ``demo`` account (pjsua allows 8 in all).
MAX_CALLER_ACCOUNTS = 4
_DEMO_KEY = ("demo", "")


class _DemoCall(pj.Call):
    def __init__(self, line: DemoLine, account: _DemoAccount, pj_call_id: int, *, number: int,
                 direction: str) -> None:
        super().__init__(account, pj_call_id)
        self.line = line
        self.account_key = account.key     # the C++ Call refers to this account
        self.number = number
        self.direction = direction
        self.disconnected = False
        self.answered = False
        self.answer_at: float | None = None
        self.hangup_at: float | None = None
        self.give_up_at: float | None = None

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802 - pjsua2 API
        try:
            self.line.on_call_state(self)
        except Exception as exc:
            self.line.emit("error", reason=describe_error(exc))


class _DemoAccount(pj.Account):
    def __init__(self, line: DemoLine, key: tuple[str, str]) -> None:
        super().__init__()
        self.line = line
        self.key = key

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # noqa: N802 - pjsua2 API
        try:
            self.line.on_incoming(self, prm)
        except Exception as exc:
            self.line.emit("error", reason=describe_error(exc))


class DemoLine:
    """The demo line's state; everything runs on the main thread except the stdin reader."""

    def __init__(self, host: str, port: int, agent_uri: str, *, answer_after_ms: int,
                 hangup_after_s: float, give_up_after_s: float = 30.0, out: TextIO) -> None:
        self.host = host
        self.port = port
        self.agent_uri = agent_uri
        self.answer_after = answer_after_ms / 1000
        self.hangup_after = hangup_after_s
        self.give_up_after = give_up_after_s
        self.out = out
        self.quit = threading.Event()
        self.commands: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self.calls: dict[int, _DemoCall] = {}
        self.finished: list[_DemoCall] = []
        # least recently used first; the demo account is in it too but never evicted
        self.accounts: OrderedDict[tuple[str, str], _DemoAccount] = OrderedDict()
        self.numbers = itertools.count(1)
        self.ep: pj.Endpoint | None = None
        self.transport: pjsetup.BoundTransport | None = None
        self.rtp_port = 0

    # ---- output ----------------------------------------------------------------------
    def emit(self, name: str, **fields: Any) -> None:
        try:
            self.out.write(json.dumps({"v": 1, "event": name, **fields}) + "\n")
            self.out.flush()
        except (OSError, ValueError):
            self.quit.set()          # the parent went away

    # ---- lifecycle -------------------------------------------------------------------
    def run(self) -> int:
        try:
            self.ep = pjsetup.create_endpoint("ucdesk-demo-line")
            self.transport = pjsetup.create_transport(self.ep, Transport.UDP, self.host,
                                                      self.port)
            pjsetup.start_library(self.ep)
            self.rtp_port = pjsetup.free_rtp_port(self.host)
            uri = f"sip:demo@{self.host}:{self.transport.port}"
            self._account(uri, key=_DEMO_KEY)
        except Exception as exc:
            self.emit("failed", reason=describe_error(exc))
            if self.ep is not None:
                self.ep.libDestroy()
            return 1
        self.emit("ready", uri=uri, host=self.host, port=self.transport.port)
        threading.Thread(target=self._read_stdin, name="demo-stdin", daemon=True).start()
        code = 0
        try:
            while not self.quit.is_set():
                self._drain()
                self.ep.libHandleEvents(10)
                self._timers()
                self.finished.clear()
        except BaseException as exc:       # noqa: BLE001 - report anything, then shut down
            self.emit("error", reason=describe_error(exc), fatal=True)
            code = 1
        finally:
            if not self._shutdown():
                code = 1
        return code

    def _shutdown(self) -> bool:
        """Hang up, destroy the library, say ``stopped``. False when something went wrong."""
        if self.ep is None:
            return True
        ep, self.ep = self.ep, None

        def drop() -> None:
            self.calls.clear()
            self.finished.clear()

        ok = True
        try:
            pjsetup.destroy_library(ep, lambda: list(self.calls.values()), drop,
                                    list(self.accounts.values()))
        except BaseException as exc:       # noqa: BLE001 - still say "stopped"
            self.emit("error", reason=f"shutdown: {describe_error(exc)}")
            ok = False
        self.accounts.clear()
        self.emit("stopped")
        return ok

    def _read_stdin(self) -> None:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
                if not isinstance(msg, dict):
                    raise ValueError("not an object")
            except ValueError:
                msg = {"cmd": "_invalid"}
            self.commands.put(msg)
        self.commands.put(None)        # EOF

    # ---- commands --------------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            try:
                msg = self.commands.get_nowait()
            except queue.Empty:
                return
            if msg is None or msg.get("cmd") == "quit":
                self.quit.set()
                return
            try:
                self._command(msg)
            except Exception as exc:
                self.emit("error", reason=describe_error(exc), cmd=str(msg.get("cmd")))

    def _command(self, msg: dict[str, Any]) -> None:
        cmd = msg.get("cmd")
        if cmd == "call":
            give_up = msg.get("give_up_after_s", self.give_up_after)
            if (isinstance(give_up, bool) or not isinstance(give_up, (int, float))
                    or not math.isfinite(give_up) or give_up < 0):
                self.emit("error", reason=f"bad give_up_after_s {give_up!r}", cmd="call")
                return
            self._call_agent(str(msg.get("from", "demo")), str(msg.get("display", "")),
                             give_up_after=float(give_up))
        elif cmd == "hangup":
            for call in list(self.calls.values()):
                if not call.disconnected:
                    try:
                        call.hangup(pj.CallOpParam())
                    except Exception as exc:
                        self.emit("error", reason=describe_error(exc), call=call.number,
                                  cmd="hangup")
        elif cmd == "_invalid":
            self.emit("error", reason="not a JSON object line")
        else:
            self.emit("error", reason=f"unknown command {cmd!r}")

    def _account(self, id_uri: str, key: tuple[str, str]) -> _DemoAccount | None:
        """The account for ``key`` (created on demand, marked most recently used).

        None when a new caller account is needed but all ``MAX_CALLER_ACCOUNTS`` are in use.
        """
        acc = self.accounts.get(key)
        if acc is not None:
            self.accounts.move_to_end(key)
            return acc
        if key != _DEMO_KEY and not self._make_room():
            return None
        assert self.transport is not None
        acc = _DemoAccount(self, key)
        acc.create(pjsetup.account_config(id_uri, self.transport, rtp_port=self.rtp_port),
                   not self.accounts)
        self.accounts[key] = acc
        return acc

    def _accounts_in_use(self) -> set[tuple[str, str]]:
        return {c.account_key for c in (*self.calls.values(), *self.finished)}

    def _make_room(self) -> bool:
        """Delete least recently used idle caller accounts until one more fits."""
        callers = [k for k in self.accounts if k != _DEMO_KEY]
        if len(callers) < MAX_CALLER_ACCOUNTS:
            return True
        busy = self._accounts_in_use()
        for key in callers:                       # least recently used first
            if key not in busy:
                self._delete_account(key)
                return True
        return False

    def _delete_account(self, key: tuple[str, str]) -> None:
        # Safe order: no Call object refers to it (checked by the caller), shutdown() (which is
        # pjsua_acc_del), then drop our last reference on this (the pjsua) thread.
        acc = self.accounts.pop(key)
        try:
            acc.shutdown()
        finally:
            del acc
            gc.collect()

    def _call_agent(self, user: str, display: str, *, give_up_after: float) -> None:
        if not _USER_PART.match(user):
            self.emit("error", reason=f"bad caller number {user!r}")
            return
        assert self.transport is not None
        quoted = display.replace("\\", "\\\\").replace('"', '\\"')
        addr = f"sip:{user}@{self.host}:{self.transport.port}"
        acc = self._account(f'"{quoted}" <{addr}>' if display else addr, key=(user, display))
        if acc is None:
            self.emit("error", reason="too many calls in progress: every caller account is "
                      "in use", **{"from": user})
            return
        call = _DemoCall(self, acc, pj.PJSUA_INVALID_ID, number=next(self.numbers),
                         direction="out")
        self.calls[call.number] = call
        try:
            call.makeCall(self.agent_uri, pj.CallOpParam(True))
        except Exception as exc:
            self.calls.pop(call.number, None)
            self.finished.append(call)     # freed after this loop turn, like any other call
            self.emit("error", reason=describe_error(exc))
            return
        if give_up_after > 0 and not call.disconnected:
            call.give_up_at = time.monotonic() + give_up_after
        self.emit("calling", call=call.number, to=self.agent_uri, **{"from": user})

    # ---- pjsua2 callbacks (main thread) ---------------------------------------------
    def on_incoming(self, acc: _DemoAccount, prm: pj.OnIncomingCallParam) -> None:
        call = _DemoCall(self, acc, prm.callId, number=next(self.numbers), direction="in")
        self.calls[call.number] = call
        call.answer(call_op(180))
        call.answer_at = time.monotonic() + self.answer_after
        ci = call.getInfo()
        self.emit("incoming", call=call.number, remote=ci.remoteUri, local=ci.localUri)

    def on_call_state(self, call: _DemoCall) -> None:
        ci = call.getInfo()
        if ci.state == pj.PJSIP_INV_STATE_CONFIRMED and not call.answered:
            call.answered = True
            call.give_up_at = None
            if self.hangup_after > 0:
                call.hangup_at = time.monotonic() + self.hangup_after
            self.emit("call_answered", call=call.number, direction=call.direction)
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            call.disconnected = True
            self.calls.pop(call.number, None)
            self.finished.append(call)     # keeps it alive past this callback
            self.emit("call_ended", call=call.number, direction=call.direction,
                      status_code=int(ci.lastStatusCode), reason=str(ci.lastReason),
                      answered=call.answered)

    def _timers(self) -> None:
        now = time.monotonic()
        for call in list(self.calls.values()):
            if call.disconnected:
                continue
            try:
                self._timer(call, now)
            except Exception as exc:         # one call's failure must not end the line
                self.emit("error", reason=describe_error(exc), call=call.number)

    def _timer(self, call: _DemoCall, now: float) -> None:
        if call.answer_at is not None and now >= call.answer_at:
            call.answer_at = None
            call.answer(call_op(200))
        elif call.hangup_at is not None and now >= call.hangup_at:
            call.hangup_at = None
            call.hangup(pj.CallOpParam())
        elif call.give_up_at is not None and now >= call.give_up_at:
            call.give_up_at = None
            if not call.answered:
                self.emit("giving_up", call=call.number)
                call.hangup(pj.CallOpParam())      # CANCEL: the agent missed it


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected host:port, got {text!r}")
    return host.strip("[]"), int(port)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ucdesk.telephony.demo_line",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--listen", type=_host_port, default=("127.0.0.1", 0),
                        help="host:port to bind (port 0: a free port); default 127.0.0.1:0")
    parser.add_argument("--agent", required=True, help="the agent's SIP URI, with its port")
    parser.add_argument("--answer-after-ms", type=int, default=800)
    parser.add_argument("--hangup-after-s", type=float, default=0.0)
    parser.add_argument("--give-up-after-s", type=_seconds, default=30.0,
                        help="cancel an unanswered call to the agent after this long "
                             "(0: never); default 30")
    args = parser.parse_args(argv)
    # pjsip logs to fd 1: keep a private copy of stdout for the protocol, send fd 1 to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    host, port = args.listen
    # A pjsip assert aborts: at least leave a Python traceback on stderr.
    faulthandler.enable(file=sys.stderr, all_threads=True)
    line = DemoLine(host, port, args.agent, answer_after_ms=args.answer_after_ms,
                    hangup_after_s=args.hangup_after_s, give_up_after_s=args.give_up_after_s,
                    out=out)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: line.quit.set())
    code = line.run()
    try:
        out.close()
    except OSError:
        pass            # the parent closed our stdout first
    return code


if __name__ == "__main__":
    sys.exit(main())
