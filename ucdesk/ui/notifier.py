"""Desktop notifications: a missed call is never silent.

The text comes from outside (SIP display names, customer names from a CSV), so it is treated as
plain text everywhere: the status bar label is plain, and the desktop notification body is escaped,
because freedesktop notification servers render a subset of HTML in the body. With no system tray
(a bare X server, a kiosk), the window's status bar carries the message alone.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QSystemTrayIcon

from ucdesk.ui.icons import app_icon


@dataclass(frozen=True, slots=True)
class Notification:
    title: str
    body: str          # plain text, exactly as the agent should read it


def missed_call(display_name: str, number_text: str, customer_name: str | None) -> Notification:
    who = customer_name or display_name.strip() or number_text or "Unknown caller"
    parts = [who]
    if number_text and number_text != who:
        parts.append(number_text)
    return Notification("Missed call", " — ".join(parts))


def busy_call(display_name: str, number_text: str, customer_name: str | None) -> Notification:
    """Someone called while the agent was on another call (refused busy: call back)."""
    return Notification("Called while you were busy",
                        missed_call(display_name, number_text, customer_name).body)


class Notifier(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("ucdesk")
            self.tray.show()
        self.sent: list[Notification] = []

    def notify(self, note: Notification) -> None:
        self.sent.append(note)
        del self.sent[:-50]
        if self.tray is not None:
            # escaped: notification servers would otherwise render markup in the body
            self.tray.showMessage(note.title, html.escape(note.body, quote=False),
                                  QSystemTrayIcon.MessageIcon.Information, 10_000)
