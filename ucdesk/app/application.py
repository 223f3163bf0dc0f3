"""Boot the GUI: logging, QApplication, the Desk; forward to a running instance if there is one."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from typing import Any

from ucdesk import __version__, ipc_client
from ucdesk import log as ucdesk_log
from ucdesk.errors import UcdeskError
from ucdesk.log import event
from ucdesk.paths import resolve

log = logging.getLogger(__name__)


def run(options: argparse.Namespace, initial: tuple[str, dict[str, Any]] | None = None) -> int:
    if not any(os.environ.get(k) for k in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        print("ucdesk: there is no display to show the window on (neither DISPLAY nor "
              "WAYLAND_DISPLAY is set); start ucdesk from a desktop session", file=sys.stderr)
        return 1
    paths = resolve(options.basedir)
    try:
        paths.ensure()
        ucdesk_log.setup(json_lines=bool(options.json_logging), log_file=paths.log_file)
    except OSError as exc:
        print(f"ucdesk: cannot use its folders: {exc}", file=sys.stderr)
        return 1

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ucdesk.app.desk import Desk
    from ucdesk.ipc import AlreadyRunning
    from ucdesk.resources import resource_path

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("ucdesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("ucdesk")
    app.setWindowIcon(QIcon(str(resource_path("icons", "ucdesk.svg"))))
    event(log, "app_starting", version=__version__, basedir=bool(options.basedir))

    desk = Desk(paths, options)
    try:
        desk.start(initial)
    except AlreadyRunning:
        desk.shutdown()
        if initial is None:
            initial = ("show", {})
        return _forward(paths.socket_path, initial)
    except UcdeskError as exc:
        event(log, "start_failed", logging.ERROR, reason=str(exc))
        desk.shutdown()
        ucdesk_log.shutdown()
        print(f"ucdesk: {exc}", file=sys.stderr)
        return 1
    except Exception:
        log.exception("start-up failed")
        desk.shutdown()
        raise

    # SIGTERM/SIGINT: quit the event loop so shutdown runs (calls hung up, demo line stopped)
    def _quit(*_a: Any) -> None:
        app.quit()

    signal.signal(signal.SIGTERM, _quit)
    signal.signal(signal.SIGINT, _quit)
    tick = QTimer()          # lets Python run signal handlers while Qt waits
    tick.start(200)
    tick.timeout.connect(lambda: None)
    app.aboutToQuit.connect(desk.shutdown)
    try:
        return app.exec()
    finally:
        desk.shutdown()


def _forward(socket_path: Any, request: tuple[str, dict[str, Any]]) -> int:
    """Another instance holds the lock: hand it the request (it may still be starting)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            reply = ipc_client.request(socket_path, request[0], request[1])
            break
        except ipc_client.NoInstance:
            if time.monotonic() > deadline:
                print("ucdesk: another instance is starting but does not answer", file=sys.stderr)
                return 1
            time.sleep(0.2)
    if not reply.get("ok"):
        print(f"ucdesk: {reply.get('error')}", file=sys.stderr)
        return 1
    if reply.get("message"):
        print(reply["message"])
    return 0
