"""The client side of the instance socket, in plain Python (no Qt: the CLI stays quick).

Protocol, version 1: one JSON object per line each way. Request ``{"v": 1, "cmd": NAME, "args":
{...}}``; reply ``{"v": 1, "ok": true, ...}`` or ``{"v": 1, "ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = 1


class NoInstance(ConnectionError):
    """No instance is listening on the socket."""


def request(socket_path: Path, cmd: str, args: dict[str, Any] | None = None,
            *, timeout: float = 10.0) -> dict[str, Any]:
    """Send one request to the running instance and return its reply."""
    message = json.dumps({"v": PROTOCOL_VERSION, "cmd": cmd, "args": args or {}}) + "\n"
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as exc:  # pragma: no cover - no AF_UNIX
        raise NoInstance(str(exc)) from exc
    with sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(socket_path))
        except (FileNotFoundError, ConnectionRefusedError, OSError) as exc:
            raise NoInstance(f"no ucdesk instance at {socket_path.name}") from exc
        sock.sendall(message.encode("utf-8"))
        buf = b""
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
    line = buf.split(b"\n", 1)[0]
    if not line:
        raise ConnectionError("the instance closed the connection without an answer")
    reply = json.loads(line.decode("utf-8"))
    if not isinstance(reply, dict) or reply.get("v") != PROTOCOL_VERSION:
        raise ConnectionError(f"unexpected reply from the instance: {line[:200]!r}")
    return reply

