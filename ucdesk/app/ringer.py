"""The ring: a tone through Qt Multimedia's default output, or a visual ring with no device.

The sound is loaded when the app starts, not when the phone rings.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl
from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
from PySide6.QtWidgets import QApplication, QWidget

from ucdesk.log import event
from ucdesk.resources import resource_path

log = logging.getLogger(__name__)


class Ringer(QObject):
    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._effect: QSoundEffect | None = None
        self.audible = bool(QMediaDevices.audioOutputs())
        if self.audible:
            self._effect = QSoundEffect(self)
            self._effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds", "ring.wav"))))
            self._effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
            self._effect.setVolume(0.8)
        event(log, "ringer_ready", audible=self.audible)

    def start(self) -> None:
        if self._effect is not None:
            self._effect.play()
        else:
            # no audio device: a visual ring (the pop is up; the taskbar entry asks for attention)
            QApplication.alert(self._window, 0)

    def stop(self) -> None:
        if self._effect is not None:
            self._effect.stop()
