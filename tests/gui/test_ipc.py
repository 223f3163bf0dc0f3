"""The instance socket: versioned JSON lines, private to the user, one instance per basedir."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from ucdesk import ipc_client
from ucdesk.ipc import AlreadyRunning, InstanceServer
from ucdesk.paths import resolve


def _ask(path: Path, cmd: str, args: dict[str, Any] | None, out: list) -> None:
    try:
        out.append(ipc_client.request(path, cmd, args, timeout=5))
    except Exception as exc:  # noqa: BLE001
        out.append(exc)


@pytest.fixture
def server(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    p = resolve(tmp_path / "base").ensure()
    seen: list[tuple[str, dict]] = []

    def handler(cmd: str, args: dict, reply) -> None:
        seen.append((cmd, args))
        if cmd == "dial":
            reply({"ok": True, "message": f"dialling {args['target']}"})
        else:
            reply({"ok": False, "error": "nope"})

    srv = InstanceServer(p.socket_path, handler)
    srv.listen()
    yield srv, p, seen
    srv.close()


def _request(qtbot, path: Path, cmd: str, args: dict | None = None) -> Any:
    out: list = []
    t = threading.Thread(target=_ask, args=(path, cmd, args, out))
    t.start()
    qtbot.waitUntil(lambda: bool(out), timeout=5000)
    t.join()
    return out[0]


def test_request_reaches_the_handler_and_the_reply_comes_back(qtbot, server) -> None:
    srv, p, seen = server
    reply = _request(qtbot, p.socket_path, "dial", {"target": "tel:+27115551234"})
    assert reply == {"ok": True, "message": "dialling tel:+27115551234", "v": 1}
    assert seen == [("dial", {"target": "tel:+27115551234"})]


def test_ping_and_errors(qtbot, server) -> None:
    srv, p, seen = server
    assert _request(qtbot, p.socket_path, "ping") == {"ok": True, "v": 1}
    assert _request(qtbot, p.socket_path, "other")["error"] == "nope"


def test_socket_is_private_to_the_user(qtbot, server) -> None:
    srv, p, _ = server
    assert stat.S_IMODE(p.runtime_dir.stat().st_mode) == 0o700
    mode = stat.S_IMODE(os.stat(p.socket_path).st_mode)
    assert mode & 0o077 == 0


def test_a_second_instance_is_refused_and_the_first_keeps_serving(qtbot, server) -> None:
    srv, p, _ = server
    other = InstanceServer(p.socket_path, lambda c, a, r: r({"ok": True}))
    with pytest.raises(AlreadyRunning):
        other.listen()
    other.close()
    assert _request(qtbot, p.socket_path, "dial", {"target": "1"})["ok"] is True


def test_a_stale_socket_file_is_replaced(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    p = resolve(tmp_path / "stale").ensure()
    p.socket_path.write_text("")  # left by a crash
    srv = InstanceServer(p.socket_path, lambda c, a, r: r({"ok": True}))
    srv.listen()
    assert _request(qtbot, p.socket_path, "ping") == {"ok": True, "v": 1}
    srv.close()


def test_no_instance_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ipc_client.NoInstance):
        ipc_client.request(tmp_path / "none.sock", "ping")
