"""Single instance and click-to-call: a QLocalServer only this user can open.

The socket lives in a private (0700) runtime folder under a short hashed name (see
:mod:`ucdesk.paths`), so a deep ``--basedir`` never hits the ~108-byte limit of Unix socket
paths. Messages are versioned JSON lines (see :mod:`ucdesk.ipc_client`). Handlers run on the GUI
thread and answer through a ``reply`` callback, so a long job (an import) can answer later without
blocking the event loop.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ucdesk.ipc_client import PROTOCOL_VERSION
from ucdesk.log import event

log = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], None]
Handler = Callable[[str, dict[str, Any], Reply], None]
MAX_LINE = 64 * 1024


class AlreadyRunning(RuntimeError):
    pass


class InstanceServer(QObject):
    def __init__(self, socket_path: Path, handler: Handler, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.socket_path = socket_path
        self._handler = handler
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._lock_fd: int | None = None

    def listen(self) -> None:
        """Become the instance for this base directory, or raise AlreadyRunning.

        The guard is an exclusive lock on a file beside the socket, held for the life of the
        instance: two instances starting at once cannot both win (Qt replaces an existing socket
        file when it listens, so the socket itself cannot be the guard). A socket file left by a
        crash has no lock holder and is replaced.
        """
        name = str(self.socket_path)
        lock_path = self.socket_path.with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(name) from None
        self._lock_fd = fd
        stale = self.socket_path.exists()
        QLocalServer.removeServer(name)
        if not self._server.listen(name):
            self._release()
            raise RuntimeError(f"cannot listen on the instance socket: {self._server.errorString()}")
        event(log, "ipc_listening", socket=self.socket_path.name, stale_removed=stale)

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def close(self) -> None:
        if self._server.isListening():
            self._server.close()
            QLocalServer.removeServer(str(self.socket_path))
        self._release()
        for sock in list(self._buffers):
            sock.abort()
        self._buffers.clear()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._on_ready_read(s))
            sock.disconnected.connect(lambda s=sock: self._forget(s))

    def _forget(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        sock.deleteLater()

    def _on_ready_read(self, sock: QLocalSocket) -> None:
        if sock not in self._buffers:
            return
        self._buffers[sock] += bytes(sock.readAll().data())
        data = self._buffers[sock]
        if b"\n" not in data:
            if len(data) > MAX_LINE:
                self._send(sock, {"ok": False, "error": "message too long"})
            return
        line, _, rest = data.partition(b"\n")
        self._buffers[sock] = rest
        try:
            msg = json.loads(line.decode("utf-8"))
            if not isinstance(msg, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            self._send(sock, {"ok": False, "error": f"bad message: {exc}"})
            return
        if msg.get("v") != PROTOCOL_VERSION:
            self._send(sock, {"ok": False, "error": f"unsupported protocol version {msg.get('v')!r}"})
            return
        cmd = str(msg.get("cmd", ""))
        args = msg.get("args") or {}
        if not isinstance(args, dict):
            self._send(sock, {"ok": False, "error": "args must be an object"})
            return
        event(log, "ipc_request", cmd=cmd)
        answered = False

        def reply(payload: dict[str, Any]) -> None:
            nonlocal answered
            if not answered:
                answered = True
                self._send(sock, payload)

        if cmd == "ping":
            reply({"ok": True})
            return
        try:
            self._handler(cmd, args, reply)
        except Exception as exc:  # noqa: BLE001 - report to the client, keep serving
            log.exception("ipc handler failed")
            reply({"ok": False, "error": str(exc)})

    def _send(self, sock: QLocalSocket, payload: dict[str, Any]) -> None:
        if sock not in self._buffers:      # the client went away (and the socket with it)
            return
        if sock.state() != QLocalSocket.LocalSocketState.ConnectedState:
            return
        body = dict(payload)
        body["v"] = PROTOCOL_VERSION
        sock.write((json.dumps(body) + "\n").encode("utf-8"))
        sock.flush()
        sock.disconnectFromServer()
