"""Helpers for tests that talk SIP to real peers on 127.0.0.1 (no mocks).

* :func:`free_port` / :func:`free_ports` - ports that were free a moment ago (UDP and TCP).
* :class:`Sipp` - one ``sipp`` process started with ``Popen`` (bounded by ``-timeout`` and
  ``-m 1``), waited for or stopped by its pid; :func:`scenario_path` finds our scenario XML.
* :class:`EventCollector` - collects telephony engine events (any thread) into a queue with
  ``wait_for(EventType, timeout, **match)``.

Typical use::

    sipp = Sipp.uac(scenario_path("uac_from_number.xml"), target_port=ready.listen_port)
    incoming = events.wait_for(IncomingCall, 5)
    ...
    result = sipp.wait(10)
    assert result.returncode == 0, result.output
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

SCENARIOS = Path(__file__).resolve().parent.parent / "integration" / "scenarios"
SIPP = shutil.which("sipp") or "/usr/bin/sipp"

T = TypeVar("T")


def requires_sipp() -> Any:
    """``pytest.mark.skipif`` for tests that need the sipp binary (Debian sip-tester)."""
    import pytest

    return pytest.mark.skipif(shutil.which("sipp") is None,
                              reason="sipp (Debian sip-tester) is not installed")


def scenario_path(name: str) -> Path:
    """Path of a scenario file in ``tests/integration/scenarios``."""
    path = SCENARIOS / name
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


# ---- ports -------------------------------------------------------------------------------

def free_port(host: str = "127.0.0.1", *, even: bool = False) -> int:
    """A port free for both UDP and TCP on ``host`` a moment ago (another process may take it).

    ``even=True`` also requires ``port + 1`` to be free for UDP (an RTP/RTCP pair).
    """
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            if even and port % 2:
                continue
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                    tcp.bind((host, port))
                if even:
                    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtcp:
                        rtcp.bind((host, port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port on {host}")


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(host)
        if port not in ports:
            ports.append(port)
    return ports


# ---- sipp --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SippResult:
    returncode: int          # 0: every call succeeded; 1: a call failed; 99: no call processed
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n" \
               f"{self.stderr[-3000:]}"


class Sipp:
    """One sipp process on 127.0.0.1 with its own SIP and media ports.

    Always bounded: ``-m 1`` (one call), ``-timeout`` (whole run), ``-nostdin``. Runs in a
    private temporary directory (sipp writes log files next to itself). Use :meth:`uac` to call
    a SIP port, :meth:`uas` to answer calls on one, or the constructor for anything else.
    """

    def __init__(self, args: Sequence[str], *, port: int | None = None, timeout_s: int = 20,
                 host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.media_port = free_port(host, even=True)
        self.workdir = tempfile.mkdtemp(prefix="sipp-")
        self.cmd = [SIPP, *args, "-i", host, "-p", str(self.port), "-mp", str(self.media_port),
                    "-m", "1", "-nostdin", "-timeout", f"{timeout_s}s", "-timeout_error",
                    "-trace_msg", "-message_file", os.path.join(self.workdir, "messages.log")]
        self.proc = subprocess.Popen(self.cmd, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     errors="replace")
        self._result: SippResult | None = None

    @classmethod
    def uac(cls, scenario: Path | str, target_port: int, *, target_host: str = "127.0.0.1",
            extra: Sequence[str] = (), **kwargs: Any) -> Sipp:
        """sipp calling ``target_host:target_port`` with ``scenario`` (a file or ``"uac"``)."""
        scen = ["-sn", "uac"] if str(scenario) == "uac" else ["-sf", str(scenario)]
        return cls([*scen, f"{target_host}:{target_port}", *extra], **kwargs)

    @classmethod
    def uas(cls, scenario: Path | str = "uas", *, extra: Sequence[str] = (),
            **kwargs: Any) -> Sipp:
        """sipp answering one call on :attr:`port` with ``scenario`` (a file or ``"uas"``)."""
        scen = ["-sn", "uas"] if str(scenario) == "uas" else ["-sf", str(scenario)]
        return cls([*scen, *extra], **kwargs)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def uri_host_port(self) -> str:
        return f"{self.host}:{self.port}"

    def wait(self, timeout: float = 25) -> SippResult:
        """Wait for sipp to exit; on timeout stop it and raise TimeoutError with its output."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            result = self.stop()
            raise TimeoutError(f"sipp still running after {timeout} s\n{result.output}") from None
        self._result = SippResult(self.proc.returncode, out, err + self._messages())
        return self._result

    def stop(self) -> SippResult:
        """Stop sipp by pid (SIGTERM, then SIGKILL) and return what it printed. Idempotent."""
        if self._result is not None:
            return self._result
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            out, err = self.proc.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate(timeout=3)
        self._result = SippResult(self.proc.returncode, out, err + self._messages())
        return self._result

    def wait_for_message(self, text: str, timeout: float = 5) -> bool:
        """True once ``text`` shows up in :meth:`messages` (polled; False on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self._messages():
                return True
            time.sleep(0.02)
        return text in self._messages()

    def messages(self) -> str:
        """The SIP messages sipp sent and received so far (``-trace_msg``)."""
        return self._messages()

    def _messages(self) -> str:
        try:
            return Path(self.workdir, "messages.log").read_text(errors="replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


# ---- engine events -----------------------------------------------------------------------

class EventCollector:
    """Callable ``on_event`` sink: stores events from any thread; tests wait for them."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self.seen: list[Any] = []

    def __call__(self, ev: Any) -> None:
        self._queue.put(ev)

    def wait_for(self, kind: type[T], timeout: float = 5, **match: Any) -> T:
        """The first event of type ``kind`` whose fields equal ``match`` (earlier ones seen
        are kept in :attr:`seen`). Raises TimeoutError listing what did arrive."""
        for ev in self.seen:
            if isinstance(ev, kind) and _matches(ev, match):
                self.seen.remove(ev)
                return ev
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {kind.__name__} {match or ''} within {timeout} s; "
                                   f"seen: {self.seen!r}")
            try:
                ev = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if isinstance(ev, kind) and _matches(ev, match):
                return ev
            self.seen.append(ev)

    def drain(self, settle: float = 0.2) -> list[Any]:
        """Everything seen plus whatever arrives within ``settle`` seconds."""
        end = time.monotonic() + settle
        while (remaining := end - time.monotonic()) > 0:
            try:
                self.seen.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        out, self.seen = self.seen, []
        return out


def _matches(ev: Any, match: dict[str, Any]) -> bool:
    return all(getattr(ev, k, object()) == v for k, v in match.items())
