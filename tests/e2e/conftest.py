"""End-to-end tests: ucdesk as a real subprocess, driven over its CLI/socket, observed on its log.

:class:`App` starts ``python -m ucdesk --basedir BASE --json-logging --sip-listen 127.0.0.1:PORT``
on Qt's offscreen platform with a private ``XDG_RUNTIME_DIR`` (the instance socket lives there),
reads its stderr on a thread and parses the JSON log lines into events. Tests wait on events::

    app = make_app(no_demo=True)
    app.cli_ok("config", "set", "region", "ZA")       # before start: works on the store
    app.start()                                       # returns once "app_ready" is logged
    mark = app.mark()
    sipp = Sipp.uac(scenario("uac_answered_from.xml"), app.sip_port, extra=["-s", "0115551234"])
    pop = app.wait_for("screen_pop_shown", 10, since=mark, customer_name="Thandi Example")
    app.cli_ok("answer")                              # over the instance socket

``wait_for`` returns the first matching event it has not returned before (so two calls give two
``call_ended``); a field given as a callable is a predicate; ``since=app.mark()`` ignores
earlier events. Teardown always stops the app (SIGTERM by pid, then SIGKILL) and checks that
it exited cleanly and that no child process (the demo line) survives it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.sip import free_port, scenario_path

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def e2e_scenario(name: str) -> Path:
    """A scenario file from ``tests/e2e/scenarios``, else from ``tests/integration/scenarios``."""
    path = E2E_SCENARIOS / name
    return path if path.is_file() else scenario_path(name)


# ---- processes (no psutil: /proc) --------------------------------------------------------

def _proc_stat(pid: int) -> tuple[int, str, int] | None:
    """(ppid, state, start time) of ``pid`` from /proc, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name is in parentheses and may hold spaces: split after the last ')'
    rest = raw[raw.rfind(")") + 2:].split()
    return int(rest[1]), rest[0], int(rest[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def descendants(pid: int) -> dict[int, tuple[int, str]]:
    """Every live descendant of ``pid``: {pid: (start time, command line)}."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _proc_stat(int(entry))
        if st is not None:
            children.setdefault(st[0], []).append(int(entry))
    out: dict[int, tuple[int, str]] = {}
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        st = _proc_stat(child)
        if st is None or st[1] == "Z":
            continue
        out[child] = (st[2], _cmdline(child))
        todo.extend(children.get(child, []))
    return out


def still_alive(procs: dict[int, tuple[int, str]]) -> dict[int, str]:
    """Those of ``procs`` still running (same pid *and* start time: not a reused pid)."""
    alive: dict[int, str] = {}
    for pid, (start, cmd) in procs.items():
        st = _proc_stat(pid)
        if st is not None and st[2] == start and st[1] != "Z":
            alive[pid] = cmd
    return alive


# ---- the app -----------------------------------------------------------------------------

class App:
    """One ucdesk process under test, with its own base directory and runtime directory."""

    def __init__(self, base: Path, runtime: Path, *, no_demo: bool = True,
                 extra_args: Sequence[str] = ()) -> None:
        self.base = base
        self.runtime = runtime
        self.no_demo = no_demo
        self.extra_args = list(extra_args)
        self.sip_port = free_port()
        self.cwd = REPO_ROOT
        self.env = dict(os.environ)
        self.env.update({
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_RUNTIME_DIR": str(runtime),
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        })
        self.proc: subprocess.Popen[str] | None = None
        self.events: list[dict[str, Any]] = []
        self.other_lines: list[str] = []     # stderr lines that are not JSON events
        self.stdout_lines: list[str] = []
        self._returned: set[int] = set()     # indexes of events wait_for already returned
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.children_before_stop: dict[int, tuple[int, str]] = {}
        self.returncode: int | None = None

    # -- lifecycle --
    @property
    def argv(self) -> list[str]:
        args = [sys.executable, "-m", "ucdesk", "--basedir", str(self.base), "--json-logging",
                "--sip-listen", f"127.0.0.1:{self.sip_port}"]
        if self.no_demo:
            args.append("--no-demo")
        return args + self.extra_args

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the app was not started"
        return self.proc.pid

    def start(self, ready_timeout: float | None = 20) -> App:
        """Start the app; with ``ready_timeout``, wait for its ``app_ready`` event."""
        assert self.proc is None, "already started"
        self.proc = subprocess.Popen(
            self.argv, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            errors="replace", bufsize=1)
        for stream, sink in ((self.proc.stderr, self._on_stderr),
                             (self.proc.stdout, self._on_stdout)):
            t = threading.Thread(target=self._pump, args=(stream, sink), daemon=True,
                                 name=f"ucdesk-e2e-{self.proc.pid}")
            t.start()
            self._threads.append(t)
        if ready_timeout is not None:
            self.wait_for("app_ready", ready_timeout)
        return self

    def _pump(self, stream: Any, sink: Callable[[str], None]) -> None:
        try:
            for line in stream:
                sink(line.rstrip("\n"))
        except (OSError, ValueError):
            pass
        with self._cond:
            self._cond.notify_all()

    def _on_stderr(self, line: str) -> None:
        ev: Any = None
        if line.startswith("{"):
            try:
                ev = json.loads(line)
            except ValueError:
                ev = None
        with self._cond:
            if isinstance(ev, dict) and "event" in ev:
                self.events.append(ev)
            else:
                self.other_lines.append(line)
            self._cond.notify_all()

    def _on_stdout(self, line: str) -> None:
        with self._cond:
            self.stdout_lines.append(line)

    def children(self) -> dict[int, tuple[int, str]]:
        """The app's live descendants: {pid: (start time, command line)}."""
        return descendants(self.pid)

    @staticmethod
    def still_alive(procs: dict[int, tuple[int, str]]) -> dict[int, str]:
        """Those of ``procs`` (from :meth:`children`) still running."""
        return still_alive(procs)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM by pid, wait, else SIGKILL; assert a clean exit and no child left behind."""
        if self.proc is None:
            return None
        if self.returncode is not None:
            return self.returncode
        killed = False
        if self.proc.poll() is None:
            self.children_before_stop = descendants(self.proc.pid)
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                killed = True
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        for t in self._threads:
            t.join(5)
        self.returncode = self.proc.returncode
        leftovers = self._wait_children_gone(5)
        for pid in leftovers:   # do not leave them running whatever the verdict
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert not killed, f"ucdesk did not exit within {timeout} s of SIGTERM\n{self.dump()}"
        assert self.returncode in (0, -signal.SIGTERM), (
            f"ucdesk exited with {self.returncode}\n{self.dump()}")
        assert not leftovers, f"child processes outlived ucdesk: {leftovers}\n{self.dump()}"
        return self.returncode

    def _wait_children_gone(self, timeout: float) -> dict[int, str]:
        deadline = time.monotonic() + timeout
        while True:
            alive = still_alive(self.children_before_stop)
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.05)

    def kill_quietly(self) -> None:
        """Teardown after a failed stop: make sure nothing of ours keeps running."""
        if self.proc is not None and self.proc.poll() is None:
            kids = descendants(self.proc.pid)
            self.proc.kill()
            self.proc.wait(10)
            for pid in still_alive(kids):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # -- the log --
    def mark(self) -> int:
        """A position in the log: ``wait_for(..., since=mark)`` ignores what came before it."""
        with self._cond:
            return len(self.events)

    def wait_for(self, name: str, timeout: float = 10, *, since: int = 0,
                 **fields: Any) -> dict[str, Any]:
        """The first event ``name`` with ``fields`` not returned before; TimeoutError if none.

        A field value that is callable is a predicate on the event's value. ``since`` (from
        :meth:`mark`) skips earlier events.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(since, len(self.events)):
                    ev = self.events[i]
                    if i not in self._returned and ev.get("event") == name and _match(ev, fields):
                        self._returned.add(i)
                        return ev
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if self.proc is not None and self.proc.poll() is not None and not any(
                        t.is_alive() for t in self._threads):
                    break      # the app is gone and its output is read: nothing more comes
                self._cond.wait(min(remaining, 0.2))
        shown = {k: ("<predicate>" if callable(v) else v) for k, v in fields.items()}
        raise TimeoutError(f"no {name!r} event {shown} within {timeout} s\n{self.dump()}")

    def find(self, name: str, **fields: Any) -> list[dict[str, Any]]:
        """Every event ``name`` with ``fields`` seen so far (returned by wait_for or not)."""
        with self._cond:
            return [ev for ev in self.events if ev.get("event") == name and _match(ev, fields)]

    def stderr_text(self) -> str:
        """All of stderr as the app wrote it (events re-serialised, other lines kept)."""
        with self._cond:
            return "\n".join([json.dumps(e, ensure_ascii=False) for e in self.events]
                             + self.other_lines)

    def dump(self, tail: int = 60) -> str:
        with self._cond:
            events = [json.dumps(e, ensure_ascii=False)[:400] for e in self.events[-tail:]]
            other = self.other_lines[-tail:]
            out = self.stdout_lines[-20:]
        return ("--- last events\n" + "\n".join(events) + "\n--- other stderr lines\n"
                + "\n".join(other) + "\n--- stdout\n" + "\n".join(out))

    # -- the CLI --
    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """``python -m ucdesk --basedir BASE ARGS`` with the app's environment."""
        return subprocess.run(
            [sys.executable, "-m", "ucdesk", "--basedir", str(self.base), *args],
            cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, encoding="utf-8", errors="replace", timeout=timeout, check=False)

    def cli_ok(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """:meth:`cli` that must exit 0."""
        r = self.cli(*args, timeout=timeout)
        assert r.returncode == 0, (
            f"ucdesk {' '.join(args)} exited {r.returncode}\nstdout: {r.stdout}\n"
            f"stderr: {r.stderr}\n{self.dump(20) if self.proc else ''}")
        return r


def _match(ev: dict[str, Any], fields: dict[str, Any]) -> bool:
    for key, want in fields.items():
        if key not in ev:
            return False
        have = ev[key]
        if callable(want):
            try:
                if not want(have):
                    return False
            except (TypeError, ValueError):
                return False
        elif have != want:
            return False
    return True


# ---- fixtures ----------------------------------------------------------------------------

@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., App]]:
    """``make_app(no_demo=True)``: an App (not started) with its own base and runtime dirs.

    Every app made is stopped at teardown (and killed if it would not stop).
    """
    apps: list[App] = []
    runtimes: list[str] = []

    def make(*, no_demo: bool = True, extra_args: Sequence[str] = ()) -> App:
        # short path: the instance socket goes under it (Unix sockets: ~108 bytes)
        runtime = tempfile.mkdtemp(prefix="ucd-e2e-")
        os.chmod(runtime, 0o700)
        runtimes.append(runtime)
        base = tmp_path / f"base{len(apps)}"
        base.mkdir()
        app = App(base, Path(runtime), no_demo=no_demo, extra_args=extra_args)
        apps.append(app)
        return app

    yield make
    errors: list[str] = []
    for app in apps:
        try:
            app.stop()
        except AssertionError as exc:
            errors.append(str(exc))
        finally:
            app.kill_quietly()
    for runtime in runtimes:
        shutil.rmtree(runtime, ignore_errors=True)
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture
def scenario() -> Callable[[str], Path]:
    """``scenario("uac_cancel.xml")``: see :func:`e2e_scenario`."""
    return e2e_scenario


@pytest.fixture
def sipps() -> Iterator[list[Any]]:
    """A list to append Sipp processes to; each is stopped and cleaned up at teardown."""
    procs: list[Any] = []
    yield procs
    for p in procs:
        p.cleanup()
