"""Small modal dialogs the main window shows: confirm a dial from outside, pick a region.

Each is built by a function and shown separately, so tests can inspect the built dialog without
running a modal loop.
"""

from __future__ import annotations

import phonenumbers
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ucdesk import __version__
from ucdesk.ui.icons import app_icon
from ucdesk.ui.theme import plain_label

__all__ = ["confirm_dial_text", "build_confirm_dial", "RegionDialog", "build_about", "region_name"]


def confirm_dial_text(number_text: str, customer_name: str | None) -> str:
    """``Call 011 555 1234 — Thandi Example?`` (the name only when known)."""
    if customer_name:
        return f"Call {number_text} — {customer_name}?"
    return f"Call {number_text}?"


def build_confirm_dial(parent: QWidget | None, number_text: str,
                       customer_name: str | None) -> QMessageBox:
    """A Call / Cancel question for a number that came from outside the app.

    The text is plain (the number and name may come from a link or a CSV). Cancel is the default,
    so an Enter meant for another window never dials.
    """
    box = QMessageBox(parent)
    box.setWindowTitle("Place call?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(confirm_dial_text(number_text, customer_name))
    box.setInformativeText("A link outside ucdesk asked to place this call.")
    call = box.addButton("&Call", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setProperty("call_button", call)
    return box


def region_name(code: str) -> str:
    """``South Africa`` for ``ZA`` (from Qt's locale data; the code itself when unknown)."""
    territory = QLocale.codeToTerritory(code)
    if territory == QLocale.Country.AnyTerritory:
        return code
    return QLocale.territoryToString(territory)


class RegionDialog(QDialog):
    """First run: which country are national numbers (``011 555 1234``) in?"""

    def __init__(self, parent: QWidget | None = None, default: str = "ZA") -> None:
        super().__init__(parent)
        self.setWindowTitle("Your region")
        lay = QVBoxLayout(self)
        intro = plain_label(
            "Which country do you dial from? Numbers typed without a country code are read "
            "as numbers in this region.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.combo = QComboBox(self)
        entries = []
        for code in phonenumbers.SUPPORTED_REGIONS:
            prefix = phonenumbers.country_code_for_region(code)
            entries.append((region_name(code), code, prefix))
        for name, code, prefix in sorted(entries):
            self.combo.addItem(f"{name} ({code}) +{prefix}", code)
        index = self.combo.findData(default)
        self.combo.setCurrentIndex(max(index, 0))
        lay.addWidget(self.combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(420, self.sizeHint().height())

    def region(self) -> str:
        """The chosen region code, e.g. ``ZA``."""
        return str(self.combo.currentData())


def build_about(parent: QWidget | None) -> QMessageBox:
    """Help > About."""
    box = QMessageBox(parent)
    box.setWindowTitle("About ucdesk")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"ucdesk {__version__}")
    box.setInformativeText(
        "A unified-communications desk for sales and support agents: calls, a screen pop with "
        "the caller's lifetime value, and call history.\n\nFree software under the GNU GPL v3 "
        "or later.")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box
