"""Run the demo line (:mod:`ucdesk.telephony.demo_line`) as a child process (stdlib only).

    demo = DemoLineProcess()
    demo.start(f"sip:agent@127.0.0.1:{ready.listen_port}")   # -> "sip:demo@127.0.0.1:PORT"
    engine.set_dial_domain(f"127.0.0.1:{demo.port}")
    demo.call("0115551234", "Thandi Example")                # the agent's phone rings
    demo.stop()                                              # by pid; killed if it hangs

Events the child prints are parsed into dicts on :attr:`events` (a queue);
:meth:`wait_for_event` picks one by name. When the child dies without its ``stopped`` line (a
pjsip assert aborts it, or it is killed), the reader adds an ``error`` event itself
(``"fatal": true``, ``"exit_code"``), then the private ``_eof``. :meth:`running` is a cheap
poll of the pid for the app's watchdog.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import ucdesk

_REPO_ROOT = Path(ucdesk.__file__).resolve().parent.parent


MAX_KEPT_EVENTS = 500


class DemoLineProcess:
    """The demo line child process. Not thread-safe: drive it from one thread."""

    def __init__(self, *, listen_host: str = "127.0.0.1", answer_after_ms: int = 800,
                 hangup_after_s: float = 0.0, give_up_after_s: float = 30.0,
                 python: str = sys.executable, stderr: TextIO | int | None = None) -> None:
        _check_seconds(give_up_after_s)
        self.listen_host = listen_host
        self.answer_after_ms = answer_after_ms
        self.hangup_after_s = hangup_after_s
        self.give_up_after_s = give_up_after_s
        self.python = python
        self.stderr = stderr
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self.uri: str | None = None
        self.port: int | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """The child's exit code once it has exited (negative: killed by that signal)."""
        return self._proc.poll() if self._proc is not None else None

    def running(self) -> bool:
        """True while the child process is alive (a non-blocking ``waitpid``; cheap)."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, agent_uri: str, timeout: float = 10) -> str:
        """Start the child, wait for its ``ready`` line and return its URI."""
        if self._proc is not None:
            raise RuntimeError("demo line already started")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [self.python, "-m", "ucdesk.telephony.demo_line",
               "--listen", f"{self.listen_host}:0", "--agent", agent_uri,
               "--answer-after-ms", str(self.answer_after_ms),
               "--hangup-after-s", str(self.hangup_after_s),
               "--give-up-after-s", str(self.give_up_after_s)]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self.stderr, text=True, encoding="utf-8",
                                      env=env, close_fds=True)
        self._reader = threading.Thread(target=self._read, args=(self._proc, self._proc.stdout),
                                        name="demo-line-reader", daemon=True)
        self._reader.start()
        try:
            ready = self.wait_for_event("ready", timeout)
        except (TimeoutError, RuntimeError) as exc:
            code = self._proc.poll()
            self.stop()
            raise RuntimeError(f"demo line did not start (exit code {code}): {exc}") from exc
        self.uri = str(ready["uri"])
        self.port = int(ready["port"])
        return self.uri

    def call(self, from_number: str, display: str = "", *,
             give_up_after_s: float | None = None) -> None:
        """Make the demo line call the agent from ``from_number`` (shown as ``display``).

        The demo line cancels the call if the agent has not answered it after
        ``give_up_after_s`` (None: the process default; 0: never). Raises RuntimeError
        ("the demo line is not running") when the child is gone.
        """
        msg: dict[str, Any] = {"v": 1, "cmd": "call", "from": from_number, "display": display}
        if give_up_after_s is not None:
            _check_seconds(give_up_after_s)
            msg["give_up_after_s"] = give_up_after_s
        self._send(msg)

    def hangup(self) -> None:
        """Hang up every call of the demo line."""
        self._send({"v": 1, "cmd": "hangup"})

    def wait_for_event(self, name: str, timeout: float = 10) -> dict[str, Any]:
        """The next event called ``name`` (others before it are dropped).

        Raises TimeoutError, or RuntimeError when the child exits first.
        """
        deadline = time.monotonic() + timeout
        last_fatal = ""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {name!r} event from the demo line in {timeout} s")
            try:
                ev = self.events.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
            if ev.get("event") == name:
                return ev
            if ev.get("event") == "error" and ev.get("fatal"):
                last_fatal = str(ev.get("reason"))
            if ev.get("event") == "_eof":
                self.events.put(ev)          # later waits fail fast too
                raise RuntimeError(f"demo line exited before {name!r}"
                                   + (f": {last_fatal}" if last_fatal else ""))

    def stop(self, timeout: float = 5) -> int | None:
        """Ask the child to quit (stdin EOF), then SIGTERM, then SIGKILL, by its pid.

        Returns the exit code (None when it was never started). Idempotent.
        """
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()      # EOF: the child hangs up and exits
            except OSError:
                pass
            try:
                proc.wait(timeout / 2)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout / 2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        if self._reader is not None:
            self._reader.join(2)
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        return proc.returncode

    def _send(self, msg: dict[str, Any]) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.closed or proc.poll() is not None:
            raise RuntimeError("the demo line is not running")
        try:
            proc.stdin.write(json.dumps(msg) + "\n")
            proc.stdin.flush()
        except (OSError, ValueError) as exc:     # it died between poll() and write
            raise RuntimeError("the demo line is not running") from exc

    def _read(self, proc: subprocess.Popen[str], stream: TextIO) -> None:
        stopped = False
        try:
            for line in stream:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if isinstance(ev, dict):
                    stopped = stopped or ev.get("event") == "stopped"
                    while self.events.qsize() >= MAX_KEPT_EVENTS:   # nobody reads them in the
                        try:                                        # app: keep the newest only
                            self.events.get_nowait()
                        except queue.Empty:
                            break
                    self.events.put(ev)
        except (OSError, ValueError):
            pass
        if not stopped:
            try:
                code: int | None = proc.wait(2)
            except subprocess.TimeoutExpired:
                code = None                      # stdout closed, process still there
            self.events.put({"v": 1, "event": "error", "fatal": True, "exit_code": code,
                             "reason": f"the demo line died: {_describe_exit(code)}"})
        self.events.put({"event": "_eof"})

    def __enter__(self) -> DemoLineProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _check_seconds(value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
            or value == float("inf"):
        raise ValueError(f"expected seconds >= 0, got {value!r}")


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it closed its output but is still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}" + (" (an assert inside pjsip?)" if -code == signal.SIGABRT
                                      else "")
    return f"exit code {code} without a 'stopped' event"
