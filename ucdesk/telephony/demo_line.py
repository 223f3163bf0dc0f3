"""The demo line: a second SIP process that plays the agent's peer while no PBX is configured.

Run it as::

    python -m ucdesk.telephony.demo_line --listen 127.0.0.1:0 --agent sip:agent@127.0.0.1:PORT \
        [--answer-after-ms 800] [--hangup-after-s 0]

It has its own pjsua2 Endpoint (one per process) on UDP, the null audio device, and plays
nothing. It auto-answers every call it receives (any user part) after ``--answer-after-ms`` of
ringing, and hangs up answered calls after ``--hangup-after-s`` (0: never; the agent hangs up).

Protocol: one JSON object per line, ``"v": 1``.

stdin (commands)::

    {"v":1,"cmd":"call","from":"0115551234","display":"Thandi Example"}   # call the agent
    {"v":1,"cmd":"hangup"}                                                # hang up every call
    {"v":1,"cmd":"quit"}

stdout (events): first ``{"v":1,"event":"ready","uri":...,"host":...,"port":...}`` once the
transport is bound, then ``incoming``, ``calling``, ``call_answered``, ``call_ended``,
``error`` (each with ``"call"``, the demo line's own call number, where it applies), and
``stopped`` last. pjsip's own log goes to stderr (stdout is the protocol channel).

Stdin EOF, ``quit``, SIGTERM and SIGINT all hang up every call and exit 0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import re
import signal
import sys
import threading
import time
from typing import Any, TextIO

import pjsua2 as pj

from ucdesk.domain.telephony import Transport
from ucdesk.telephony import pjsetup
from ucdesk.telephony.pjsetup import call_op, describe_error

_USER_PART = re.compile(r"^[0-9A-Za-z+*._\-]{1,64}$")


class _DemoCall(pj.Call):
    def __init__(self, line: DemoLine, account: pj.Account, pj_call_id: int, *, number: int,
                 direction: str) -> None:
        super().__init__(account, pj_call_id)
        self.line = line
        self.number = number
        self.direction = direction
        self.disconnected = False
        self.answered = False
        self.answer_at: float | None = None
        self.hangup_at: float | None = None

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802 - pjsua2 API
        try:
            self.line.on_call_state(self)
        except Exception as exc:
            self.line.emit("error", reason=describe_error(exc))


class _DemoAccount(pj.Account):
    def __init__(self, line: DemoLine) -> None:
        super().__init__()
        self.line = line

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # noqa: N802 - pjsua2 API
        try:
            self.line.on_incoming(self, prm)
        except Exception as exc:
            self.line.emit("error", reason=describe_error(exc))


class DemoLine:
    """The demo line's state; everything runs on the main thread except the stdin reader."""

    def __init__(self, host: str, port: int, agent_uri: str, *, answer_after_ms: int,
                 hangup_after_s: float, out: TextIO) -> None:
        self.host = host
        self.port = port
        self.agent_uri = agent_uri
        self.answer_after = answer_after_ms / 1000
        self.hangup_after = hangup_after_s
        self.out = out
        self.quit = threading.Event()
        self.commands: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self.calls: dict[int, _DemoCall] = {}
        self.finished: list[_DemoCall] = []
        self.accounts: dict[tuple[str, str], _DemoAccount] = {}
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
            self._account(uri, key=("demo", ""))
        except Exception as exc:
            self.emit("failed", reason=describe_error(exc))
            if self.ep is not None:
                self.ep.libDestroy()
            return 1
        self.emit("ready", uri=uri, host=self.host, port=self.transport.port)
        threading.Thread(target=self._read_stdin, name="demo-stdin", daemon=True).start()
        try:
            while not self.quit.is_set():
                self._drain()
                self.ep.libHandleEvents(10)
                self._timers()
                self.finished.clear()
        except Exception as exc:
            self.emit("error", reason=describe_error(exc))
        finally:
            self._shutdown()
        return 0

    def _shutdown(self) -> None:
        if self.ep is None:
            return
        ep, self.ep = self.ep, None

        def drop() -> None:
            self.calls.clear()
            self.finished.clear()

        pjsetup.destroy_library(ep, lambda: list(self.calls.values()), drop,
                                list(self.accounts.values()))
        self.accounts.clear()
        self.emit("stopped")

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
            self._call_agent(str(msg.get("from", "demo")), str(msg.get("display", "")))
        elif cmd == "hangup":
            for call in list(self.calls.values()):
                if not call.disconnected:
                    call.hangup(pj.CallOpParam())
        elif cmd == "_invalid":
            self.emit("error", reason="not a JSON object line")
        else:
            self.emit("error", reason=f"unknown command {cmd!r}")

    def _account(self, id_uri: str, key: tuple[str, str]) -> _DemoAccount:
        acc = self.accounts.get(key)
        if acc is None:
            assert self.transport is not None
            acc = _DemoAccount(self)
            acc.create(pjsetup.account_config(id_uri, self.transport, rtp_port=self.rtp_port),
                       not self.accounts)
            self.accounts[key] = acc
        return acc

    def _call_agent(self, user: str, display: str) -> None:
        if not _USER_PART.match(user):
            self.emit("error", reason=f"bad caller number {user!r}")
            return
        assert self.transport is not None
        quoted = display.replace("\\", "\\\\").replace('"', '\\"')
        addr = f"sip:{user}@{self.host}:{self.transport.port}"
        acc = self._account(f'"{quoted}" <{addr}>' if display else addr, key=(user, display))
        call = _DemoCall(self, acc, pj.PJSUA_INVALID_ID, number=next(self.numbers),
                         direction="out")
        self.calls[call.number] = call
        try:
            call.makeCall(self.agent_uri, pj.CallOpParam(True))
        except Exception as exc:
            self.calls.pop(call.number, None)
            self.emit("error", reason=describe_error(exc))
            return
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
            if call.answer_at is not None and now >= call.answer_at:
                call.answer_at = None
                call.answer(call_op(200))
            elif call.hangup_at is not None and now >= call.hangup_at:
                call.hangup_at = None
                call.hangup(pj.CallOpParam())


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected host:port, got {text!r}")
    return host.strip("[]"), int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ucdesk.telephony.demo_line",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--listen", type=_host_port, default=("127.0.0.1", 0),
                        help="host:port to bind (port 0: a free port); default 127.0.0.1:0")
    parser.add_argument("--agent", required=True, help="the agent's SIP URI, with its port")
    parser.add_argument("--answer-after-ms", type=int, default=800)
    parser.add_argument("--hangup-after-s", type=float, default=0.0)
    args = parser.parse_args(argv)
    # pjsip logs to fd 1: keep a private copy of stdout for the protocol, send fd 1 to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    host, port = args.listen
    line = DemoLine(host, port, args.agent, answer_after_ms=args.answer_after_ms,
                    hangup_after_s=args.hangup_after_s, out=out)
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
