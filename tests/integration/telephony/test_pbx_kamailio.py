"""The real PBX path: the engine registers at and calls through kamailio, baresip is the far end.

Peers (Debian ``kamailio`` and ``baresip``) run on 127.0.0.1 on free ports, started per test
from the fixtures in ``pbx/`` and stopped by pid:
kamailio's whole process group (it forks its workers), baresip by its pid.

* kamailio: registrar/proxy, usrloc in memory, ``-A WITH_AUTH``: digest auth, every password
  ``secret``, realm = From domain.
* baresip: ``bob``, registered at kamailio, auto-answers; remote-controlled over its TCP
  netstring JSON interface (``ctrl_tcp``).

Run forked (``pytest --forked``): one pjsua2 Endpoint per process.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.sip import EventCollector, free_port
from ucdesk import log as ucdesk_log
from ucdesk.domain.telephony import (
    AccountConfig,
    Answer,
    CallAnswered,
    CallEnded,
    Dial,
    EngineReady,
    HangUp,
    IncomingCall,
    OutgoingCallStarted,
    RegistrationChanged,
)
from ucdesk.telephony.engine import TelephonyEngine

PBX_DIR = Path(__file__).resolve().parent / "pbx"
HOST = "127.0.0.1"
PASSWORD = "secret"      # kamailio.cfg: every user's password

pytestmark = [
    pytest.mark.sip,
    pytest.mark.timeout(30),
    pytest.mark.usefixtures("_pbx_programs"),
]


@pytest.fixture
def _pbx_programs() -> None:
    """scripts/test installs them: missing programs are a failure to see, not a skip."""
    missing = [p for p in ("kamailio", "baresip") if shutil.which(p) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed (Debian packages; scripts/test installs "
                    "them)")


# ---- process helpers ---------------------------------------------------------------------

def _fill(template: str, **values: object) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", str(value))
    left = re.findall(r"@[A-Z_]+@", template)
    assert not left, f"unfilled placeholders {left}"
    return template


def _first_dir(patterns: list[str]) -> str:
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            if os.path.isdir(path):
                return path.rstrip("/")
    pytest.fail(f"no module directory in {patterns}")


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _stop_group(proc: subprocess.Popen[bytes], pid_file: Path | None = None) -> None:
    """SIGTERM the process group of ``proc`` (started with a new session), then SIGKILL."""
    pids = {proc.pid}
    if pid_file is not None:
        with contextlib.suppress(OSError, ValueError):
            pids.add(int(pid_file.read_text().strip()))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; its workers share the group: make sure none outlive it
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return


class Kamailio:
    """kamailio on ``127.0.0.1:port`` (UDP and TCP) with digest auth, in its own session."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port(HOST)
        self.workdir = workdir
        self.pid_file = workdir / "k.pid"
        self.log_file = workdir / "kamailio.log"
        module_path = _first_dir(["/usr/lib/x86_64-linux-gnu/kamailio/modules",
                                  "/usr/lib/*/kamailio/modules", "/usr/lib/kamailio/modules"])
        cfg = workdir / "kamailio.cfg"
        cfg.write_text(_fill((PBX_DIR / "kamailio.cfg").read_text(), SIP_PORT=self.port,
                             MODULE_PATH=module_path))
        with open(self.log_file, "wb") as out:
            self.proc = subprocess.Popen(
                ["kamailio", "-f", str(cfg), "-A", "WITH_AUTH", "-DD", "-E", "-m", "32",
                 "-M", "4", "-Y", str(workdir), "-P", str(self.pid_file)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
                start_new_session=True)
        self._wait_ready(8)

    def _wait_ready(self, timeout: float) -> None:
        """Until kamailio answers an OPTIONS over UDP (any response will do)."""
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((HOST, 0))
            sock.settimeout(0.2)
            lport = sock.getsockname()[1]
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"kamailio exited ({self.proc.returncode}):\n"
                                       f"{_tail(self.log_file)}")
                branch = "z9hG4bK" + uuid.uuid4().hex
                msg = (f"OPTIONS sip:{HOST}:{self.port} SIP/2.0\r\n"
                       f"Via: SIP/2.0/UDP {HOST}:{lport};branch={branch}\r\n"
                       f"From: <sip:probe@{HOST}>;tag=1\r\nTo: <sip:{HOST}:{self.port}>\r\n"
                       f"Call-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                       "Content-Length: 0\r\n\r\n")
                sock.sendto(msg.encode(), (HOST, self.port))
                try:
                    if sock.recv(4096).startswith(b"SIP/2.0 "):
                        return
                except OSError:
                    continue
        self.stop()
        raise RuntimeError(f"kamailio not answering within {timeout} s:\n{_tail(self.log_file)}")

    @property
    def uri(self) -> str:
        return f"sip:{HOST}:{self.port}"

    def stop(self) -> None:
        _stop_group(self.proc, self.pid_file)


class Baresip:
    """baresip as ``bob``, registered at kamailio, auto-answering; driven over ctrl_tcp."""

    def __init__(self, workdir: Path, pbx_port: int) -> None:
        self.sip_port, self.ctrl_port = free_port(HOST), free_port(HOST)
        rtp = free_port(HOST, even=True)
        self.workdir = workdir
        self.log_file = workdir / "baresip.log"
        (workdir / "config").write_text(_fill(
            (PBX_DIR / "baresip-config").read_text(), SIP_PORT=self.sip_port,
            CTRL_PORT=self.ctrl_port, RTP_FIRST=rtp, RTP_LAST=min(rtp + 19, 65535),
            MODULE_PATH=_first_dir(["/usr/lib/baresip/modules", "/usr/lib/*/baresip/modules"])))
        (workdir / "accounts").write_text(_fill((PBX_DIR / "baresip-accounts").read_text(),
                                                PBX_PORT=pbx_port))
        self.aor = f"sip:bob@{HOST}:{pbx_port}"
        with open(self.log_file, "wb") as out:
            self.proc = subprocess.Popen(
                ["baresip", "-f", str(workdir), "-t", "60"], stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
        self._sock: socket.socket | None = None
        self._buf = b""
        self.events: list[dict[str, Any]] = []
        self._tokens = iter(range(1, 1_000_000))
        try:
            self._connect(5)
            self._wait_registered(5)
        except BaseException:
            self.stop()
            raise

    # -- ctrl_tcp: netstrings "len:{json},"

    def _connect(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"baresip exited ({self.proc.returncode}):\n"
                                   f"{_tail(self.log_file)}")
            try:
                self._sock = socket.create_connection((HOST, self.ctrl_port), timeout=1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"baresip ctrl_tcp not listening:\n"
                                       f"{_tail(self.log_file)}") from None
                time.sleep(0.05)

    def _read_one(self, timeout: float) -> dict[str, Any] | None:
        assert self._sock is not None
        deadline = time.monotonic() + timeout
        while True:
            head, sep, rest = self._buf.partition(b":")
            if sep and head.isdigit() and len(rest) > int(head):
                size = int(head)
                payload, self._buf = rest[:size], rest[size + 1:]   # skip the trailing ","
                message: dict[str, Any] = json.loads(payload)
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise RuntimeError("baresip closed the control connection")
            self._buf += chunk

    def command(self, name: str, params: str | None = None, timeout: float = 3) -> dict[str, Any]:
        """Send a command; return its response (events that arrive meanwhile are kept)."""
        assert self._sock is not None
        token = f"t{next(self._tokens)}"
        body: dict[str, str] = {"command": name, "token": token}
        if params is not None:
            body["params"] = params
        data = json.dumps(body).encode()
        self._sock.sendall(str(len(data)).encode() + b":" + data + b",")
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            msg = self._read_one(remaining)
            if msg is None:
                break
            if msg.get("response") and msg.get("token") == token:
                return msg
            if msg.get("event"):
                self.events.append(msg)
        raise TimeoutError(f"no response to {name} within {timeout} s")

    def wait_event(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """The first event of type ``kind`` (e.g. CALL_ESTABLISHED, CALL_CLOSED)."""
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev.get("type") == kind:
                    self.events.remove(ev)
                    return ev
            remaining = deadline - time.monotonic()
            msg = self._read_one(remaining) if remaining > 0 else None
            if msg is None:
                raise TimeoutError(f"no baresip {kind} within {timeout} s; seen {self.events}\n"
                                   f"{_tail(self.log_file)}")
            if msg.get("event"):
                self.events.append(msg)

    def _wait_registered(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        info = ""
        while time.monotonic() < deadline:
            info = str(self.command("reginfo").get("data", ""))
            if "OK" in info:
                return
            time.sleep(0.05)
        raise RuntimeError(f"bob not registered at kamailio: {info!r}\n{_tail(self.log_file)}")

    def stop(self) -> None:
        """SIGTERM (baresip unregisters), a second SIGTERM forces it, then SIGKILL."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=1.5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)   # anything it left in its session


# ---- fixtures ----------------------------------------------------------------------------

@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    workdir = tmp_path / "kamailio"
    workdir.mkdir()
    pbx = Kamailio(workdir)
    yield pbx
    pbx.stop()


@pytest.fixture
def bob(kamailio: Kamailio, tmp_path: Path) -> Iterator[Baresip]:
    workdir = tmp_path / "baresip"
    workdir.mkdir()
    peer = Baresip(workdir, kamailio.port)
    yield peer
    peer.stop()


@pytest.fixture
def alice(kamailio: Kamailio, make_engine: Callable[..., TelephonyEngine],
          events: EventCollector) -> Callable[..., TelephonyEngine]:
    """Start the engine as alice at kamailio (stopped by make_engine before kamailio stops)."""

    def start(*, password: str = PASSWORD, proxy: bool = False,
              wait_registered: bool = True) -> TelephonyEngine:
        account = AccountConfig(
            sip_uri=f"sip:alice@{HOST}:{kamailio.port}", registrar=kamailio.uri,
            proxy=kamailio.uri if proxy else None, user="alice", password=password,
            listen_host=HOST)
        engine = make_engine(account)
        events.wait_for(EngineReady, 5)
        if wait_registered:
            reg = events.wait_for(RegistrationChanged, 5)
            assert (reg.registered, reg.status_code) == (True, 200), reg
        return engine

    return start


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything the ``ucdesk`` loggers write (the app's own log setup, at DEBUG)."""
    stream = io.StringIO()
    ucdesk_log.setup(json_lines=True, log_file=None, level=logging.DEBUG, stream=stream)
    yield stream
    ucdesk_log.shutdown()
    root = logging.getLogger("ucdesk")
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.propagate = True


# ---- tests -------------------------------------------------------------------------------

def test_registers_with_digest_auth(alice: Callable[..., TelephonyEngine],
                                    events: EventCollector, kamailio: Kamailio) -> None:
    engine = alice(wait_registered=False)
    reg = events.wait_for(RegistrationChanged, 5)
    assert (reg.registered, reg.status_code) == (True, 200), (reg, _tail(kamailio.log_file))
    assert engine.ready is not None and engine.ready.listen_host == HOST


def test_wrong_password_is_refused_and_never_logged(
        alice: Callable[..., TelephonyEngine], events: EventCollector, log_text: io.StringIO,
        capfd: pytest.CaptureFixture[str]) -> None:
    wrong = "Wr0ng-" + uuid.uuid4().hex
    engine = alice(password=wrong, wait_registered=False)
    reg = events.wait_for(RegistrationChanged, 10)
    assert reg.registered is False
    assert reg.status_code in (401, 403), reg
    engine.stop(timeout=10)
    ucdesk_log.shutdown()                       # flush the listener thread
    out, err = capfd.readouterr()               # pjsua's own console output included
    logged = log_text.getvalue()
    assert "sip_engine_ready" in logged          # the capture did see the engine's log
    for text in (logged, out, err):
        assert wrong not in text


def test_engine_calls_bob_through_kamailio(alice: Callable[..., TelephonyEngine],
                                           events: EventCollector, bob: Baresip) -> None:
    engine = alice()
    target = f"sip:bob@{HOST}:{bob.aor.rsplit(':', 1)[1]}"
    engine.submit(Dial(1, target))
    started = events.wait_for(OutgoingCallStarted, 5)
    answered = events.wait_for(CallAnswered, 5)
    assert answered.call_id == started.call_id
    established = bob.wait_event("CALL_ESTABLISHED", 5)
    assert "alice" in established.get("peeruri", ""), established

    engine.submit(HangUp(started.call_id))
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.answered, ended.ended_by_local) == (started.call_id, True, True)
    assert ended.status_code == 200
    bob.wait_event("CALL_CLOSED", 5)


@pytest.mark.parametrize("hangup_by", ["engine", "baresip"])
def test_bob_calls_alice_through_kamailio(alice: Callable[..., TelephonyEngine],
                                          events: EventCollector, bob: Baresip,
                                          kamailio: Kamailio, hangup_by: str) -> None:
    engine = alice()
    response = bob.command("dial", f"sip:alice@{HOST}:{kamailio.port}")
    assert response.get("ok") is True, response

    incoming = events.wait_for(IncomingCall, 5)
    assert "sip:bob@127.0.0.1" in incoming.from_header, incoming
    assert incoming.source == f"{HOST}:{kamailio.port}"      # routed by kamailio, not direct
    assert incoming.from_proxy is False                      # no proxy configured
    engine.submit(Answer(incoming.call_id))
    assert events.wait_for(CallAnswered, 5).call_id == incoming.call_id
    bob.wait_event("CALL_ESTABLISHED", 5)

    if hangup_by == "engine":
        engine.submit(HangUp(incoming.call_id))
    else:
        assert bob.command("hangup").get("ok") is True
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.answered) == (incoming.call_id, True)
    assert ended.ended_by_local is (hangup_by == "engine")
    assert ended.declined_by_local is False
    bob.wait_event("CALL_CLOSED", 5)


def test_invite_via_configured_proxy_is_from_proxy(alice: Callable[..., TelephonyEngine],
                                                   events: EventCollector, bob: Baresip,
                                                   kamailio: Kamailio) -> None:
    engine = alice(proxy=True)
    assert bob.command("dial", f"sip:alice@{HOST}:{kamailio.port}").get("ok") is True
    incoming = events.wait_for(IncomingCall, 5)
    assert incoming.from_proxy is True
    assert incoming.source == f"{HOST}:{kamailio.port}"
    engine.submit(HangUp(incoming.call_id))                  # ringing: declined
    ended = events.wait_for(CallEnded, 5)
    assert (ended.call_id, ended.answered, ended.declined_by_local) == (
        incoming.call_id, False, True)
    bob.wait_event("CALL_CLOSED", 5)
