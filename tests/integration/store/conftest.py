"""A throwaway PostgreSQL server on loopback, for the team-store tests.

Team mode keeps one store in PostgreSQL; these tests run the store against a real server that
they start themselves from Debian's ``postgresql`` package (``scripts/test`` installs it):
``initdb`` into a private temporary directory, ``pg_ctl -w start`` listening on 127.0.0.1 and a
free port only (its Unix socket inside that directory), trust authentication, and
``pg_ctl stop -m fast`` at the end (the postmaster is killed by pid if that fails).
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user.

One server serves the whole session and every test gets a fresh database of its own
(``pg_url``). ``tests/integration`` runs under ``pytest --forked``, where every test's fixtures
are set up *and torn down* in a child process, so a session fixture would start a server per
test; the server is therefore started by the controlling process once collection has found a
test that needs it (``pytest_collection_finish``) and stopped when the session ends. The same
happens without ``--forked``.

When PostgreSQL is missing or does not start, every test that needs it FAILS with the reason
(and the server log); it is never skipped.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SUPERUSER = "postgres"
# not UTC on purpose: timestamps must round-trip as UTC whatever the server's zone is, and a
# zone with a half-hour offset and daylight saving time shows any slip
SERVER_TIMEZONE = "America/St_Johns"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 20
COMMAND_TIMEOUT_S = 60
INSTALL_HINT = "install it with: apt-get install -y postgresql (scripts/test does)"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed or would not start; the message says why."""


def _bindir() -> Path:
    """``$UCDESK_TEST_PG_BINDIR``, else the newest ``/usr/lib/postgresql/N/bin`` (Debian), else
    the directory of ``pg_ctl`` on the PATH."""
    override = os.environ.get("UCDESK_TEST_PG_BINDIR")
    if override:
        d = Path(override)
        if not ((d / "initdb").is_file() and (d / "pg_ctl").is_file()):
            raise PostgresUnavailable(f"UCDESK_TEST_PG_BINDIR={override} has no initdb/pg_ctl")
        return d
    candidates = []
    for d in Path("/usr/lib/postgresql").glob("*/bin"):
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            try:
                candidates.append((float(d.parent.name), d))
            except ValueError:
                continue
    if candidates:
        return max(candidates)[1]
    found = shutil.which("pg_ctl")
    if found:
        d = Path(found).resolve().parent
        if (d / "initdb").is_file():
            return d
    raise PostgresUnavailable(
        f"PostgreSQL server binaries (initdb, pg_ctl) not found; {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One ``initdb``-ed cluster in a temporary directory, run by ``pg_ctl``."""

    def __init__(self) -> None:
        self.owner_pid = os.getpid()  # only the process that started it stops it
        self.bindir = _bindir()
        self.tmp = Path(tempfile.mkdtemp(prefix="ucdesk-pg-"))
        self.data = self.tmp / "data"
        self.log = self.tmp / "server.log"
        self.port = 0
        self.running = False
        self._as: dict[str, object] = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' user to run the server as; "
                    f"{INSTALL_HINT}") from None
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
            self._as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    # ---- running commands ---------------------------------------------------------------

    def _run(self, *args: str,
             timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.tmp, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False, **self._as)  # type: ignore[arg-type]

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(text[-lines:]) or "(empty server log)"

    # ---- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                         "--encoding=UTF8", "--no-locale", "--no-sync")
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        last = ""
        for _attempt in range(3):  # the free port may be taken between the probe and the bind
            self.port = _free_port()
            options = " ".join((
                "-c listen_addresses=127.0.0.1", f"-c port={self.port}",
                f"-c unix_socket_directories={self.tmp}", f"-c timezone={SERVER_TIMEZONE}",
                # a throwaway cluster: no durability needed, and CREATE DATABASE gets cheap
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            ))
            try:
                done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w",
                                 "-t", str(START_TIMEOUT_S), "-o", options, "start",
                                 timeout=START_TIMEOUT_S + 10)
            except subprocess.TimeoutExpired:
                self._kill()
                raise PostgresUnavailable(
                    f"pg_ctl start did not return within {START_TIMEOUT_S + 10}s; server log:\n"
                    f"{self._log_tail()}") from None
            if done.returncode == 0:
                self.running = True
                return
            last = f"{done.stdout}{done.stderr}"
            self._kill()
        raise PostgresUnavailable(f"pg_ctl start failed:\n{last}\nserver log:\n{self._log_tail()}")

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def _kill(self) -> None:
        pid = self._postmaster_pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)  # the postmaster's children exit when it is gone
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except (ProcessLookupError, PermissionError):
                break
            time.sleep(0.05)

    def stop(self) -> None:
        if os.getpid() != self.owner_pid:
            return
        if self.running:
            self.running = False
            try:
                done = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w",
                                 "-t", str(STOP_TIMEOUT_S), "stop", timeout=STOP_TIMEOUT_S + 10)
                stopped = done.returncode == 0
            except subprocess.TimeoutExpired:
                stopped = False
            if not stopped:
                self._kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- databases ------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) as the superuser."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


# ---- one server per session, owned by the controlling process ------------------------------

_server: PostgresServer | None = None
_error: str | None = None


def _needs_server(session: pytest.Session) -> bool:
    return any("pg_server" in getattr(item, "fixturenames", ()) for item in session.items)


def pytest_collection_finish(session: pytest.Session) -> None:
    global _server, _error
    if session.config.option.collectonly or _server is not None or _error is not None:
        return
    if not _needs_server(session):
        return
    server = None
    try:
        server = PostgresServer()
        atexit.register(server.stop)  # also when the session ends abnormally
        server.start()
        _server = server
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        _error = f"{type(exc).__name__}: {exc}"
        if server is not None:
            server.stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _server is not None:
        _server.stop()


@pytest.fixture(scope="session")
def pg_server() -> PostgresServer:
    """The running server; fails (never skips) when PostgreSQL is unavailable."""
    if _server is None:
        pytest.fail(f"no PostgreSQL server for the team-store tests: "
                    f"{_error or 'it was not started (collection hook did not run)'}",
                    pytrace=False)
    return _server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the server, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    pg_server.admin(f'CREATE DATABASE "{name}"')
    yield pg_server.url(name)
    pg_server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
