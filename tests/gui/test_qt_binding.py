"""Guards against known defects in the Qt binding itself.

PySide6 6.12.0's ``Signal.emit()`` returns ``True`` without taking a reference, so every emit
from Python drops one reference to ``True``; after a few thousand signals (a day or two of calls)
the interpreter aborts with "bool_dealloc: deallocating True or False". The app emits signals
on every engine event, so this would take an agent's desk down mid-shift.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)
    bare = Signal()


def test_signal_emit_keeps_reference_counts(qapp) -> None:
    obj = _Emitter()
    received: list[object] = []
    obj.fired.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(500):
        obj.fired.emit(i)
        obj.bare.emit()
    after = sys.getrefcount(True)
    assert len(received) == 500
    assert abs(after - before) < 10, f"True lost {before - after} references over 1000 emits"
