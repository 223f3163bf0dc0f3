"""The one crossing from worker threads to the GUI thread.

Engine events arrive on the SIP thread and database results on the DB thread; both are re-emitted
through a queued signal so every handler runs on the GUI thread. No widget is handed to a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class Bridge(QObject):
    engine_event = Signal(object)
    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def emit_engine_event(self, ev: Any) -> None:
        """Called on the SIP thread: cheap, never blocks."""
        self.engine_event.emit(ev)

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the GUI thread (from any thread)."""
        self._call.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()
