"""Settings > SIP account…: the agent's SIP address, registrar, proxy, user, password, transport
and listen address.

The dialog only collects and checks values (with the same parsers as ``ucdesk config set``, from
:data:`ucdesk.settings.SPECS`); it writes nothing. :meth:`AccountDialog.form` hands back an
:class:`AccountForm`; the app writes the ``sip.*`` settings and puts the password in the keyring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ucdesk.settings import SPECS, SettingError
from ucdesk.ui.theme import plain_label

__all__ = ["ACCOUNT_KEYS", "AccountDialog", "AccountForm", "INSECURE_NOTE"]

#: The agent settings this dialog edits, in the order it shows them.
ACCOUNT_KEYS = ("sip.uri", "sip.registrar", "sip.proxy", "sip.user", "sip.transport",
                "sip.listen")
INSECURE_NOTE = "No secure keyring found: the password is kept for this session only."
TRANSPORTS = (("UDP", "udp"), ("TCP", "tcp"))



@dataclass(frozen=True, slots=True)
class AccountForm:
    """What the agent entered, already parsed. ``password`` is None when left unchanged."""

    sip_uri: str | None
    registrar: str | None
    proxy: str | None
    user: str | None
    transport: str
    listen: str | None
    password: str | None = field(default=None, repr=False)
    use_demo: bool = False

    def settings(self) -> dict[str, Any]:
        """The agent settings to write (None unsets). The password is never among them."""
        if self.use_demo:  # the account fields stay as they were, for the way back
            return {"sip.uri": None, "demo.enabled": True, "sip.transport": self.transport,
                    "sip.listen": self.listen}
        return {"sip.uri": self.sip_uri, "sip.registrar": self.registrar,
                "sip.proxy": self.proxy, "sip.user": self.user,
                "sip.transport": self.transport, "sip.listen": self.listen}


class AccountDialog(QDialog):
    """Edit the SIP account. ``values`` maps the keys in :data:`ACCOUNT_KEYS` to current values.

    ``secure_keyring`` False shows :data:`INSECURE_NOTE`; ``has_password`` says a password is
    already stored (an empty password field then keeps it).
    """

    def __init__(self, parent: QWidget | None = None, values: Mapping[str, Any] | None = None,
                 *, secure_keyring: bool, has_password: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("SIP account")
        values = values or {}
        self._errors: dict[str, str] = {}

        def text(key: str) -> str:
            value = values.get(key)
            return "" if value is None else str(value)

        self.use_demo = QCheckBox("Use the demo line (no SIP account)", self)
        self.sip_uri = self._line(text("sip.uri"), "sip:alice@pbx.example.com")
        self.registrar = self._line(text("sip.registrar"), "sip:pbx.example.com (optional)")
        self.proxy = self._line(text("sip.proxy"), "sip:proxy.example.com (optional)")
        self.user = self._line(text("sip.user"), "the user in the SIP address (optional)")
        self.password = self._line(
            "", "stored; leave empty to keep it" if has_password else "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.transport = QComboBox(self)
        for label, value in TRANSPORTS:
            self.transport.addItem(label, value)
        index = self.transport.findData(str(values.get("sip.transport") or "udp").lower())
        self.transport.setCurrentIndex(max(index, 0))
        self.listen = self._line(text("sip.listen"), str(SPECS["sip.listen"].default))

        self.error_labels: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {
            "sip.uri": self.sip_uri, "sip.registrar": self.registrar, "sip.proxy": self.proxy,
            "sip.user": self.user, "password": self.password, "sip.transport": self.transport,
            "sip.listen": self.listen,
        }
        captions = {"sip.uri": "SIP address", "sip.registrar": "Registrar",
                    "sip.proxy": "Outbound proxy", "sip.user": "User", "password": "Password",
                    "sip.transport": "Transport", "sip.listen": "Listen address"}

        lay = QVBoxLayout(self)
        intro = plain_label("The SIP account calls come in on and go out from. The password is "
                            "kept in the system keyring, never in the settings file.", "muted")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addWidget(self.use_demo)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for key, widget in self._fields.items():
            error = plain_label("", "pill-bad")
            error.setWordWrap(True)
            error.setObjectName(f"error:{key}")
            error.hide()
            self.error_labels[key] = error
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(error)
            caption = plain_label(captions[key])
            caption.setBuddy(widget)
            form.addRow(caption, box)
        lay.addLayout(form)

        self.insecure_note = plain_label(INSECURE_NOTE, "pill-warn")
        self.insecure_note.setWordWrap(True)
        self.insecure_note.setVisible(not secure_keyring)
        lay.addWidget(self.insecure_note)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

        for edit in (self.sip_uri, self.registrar, self.proxy, self.user, self.password,
                     self.listen):
            edit.textChanged.connect(self.validate)
        self.transport.currentIndexChanged.connect(self.validate)
        self.use_demo.toggled.connect(self._on_demo_toggled)
        self.use_demo.setChecked(values.get("sip.uri") is None)
        self._on_demo_toggled(self.use_demo.isChecked())
        self.resize(480, self.sizeHint().height())

    def _line(self, text: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setText(text)
        edit.setPlaceholderText(placeholder)
        return edit

    def _on_demo_toggled(self, demo: bool) -> None:
        for key in ("sip.uri", "sip.registrar", "sip.proxy", "sip.user", "password"):
            self._fields[key].setEnabled(not demo)
        self.validate()

    # ---- checking --------------------------------------------------------------------------
    def _parsed(self) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        raw = {"sip.uri": self.sip_uri.text(), "sip.registrar": self.registrar.text(),
               "sip.proxy": self.proxy.text(), "sip.user": self.user.text(),
               "sip.transport": str(self.transport.currentData()),
               "sip.listen": self.listen.text()}
        for key in ACCOUNT_KEYS:
            try:
                values[key] = SPECS[key].parse(raw[key])
            except SettingError as exc:
                errors[key] = str(exc)
                values[key] = None
        demo = self.use_demo.isChecked()
        uri = values.get("sip.uri")
        if "sip.uri" not in errors and not demo and uri is None:
            errors["sip.uri"] = "Enter your SIP address, or use the demo line."
        if demo:  # the demo line uses only the transport and the listen address
            errors = {k: v for k, v in errors.items() if k in ("sip.transport", "sip.listen")}
        return values, errors

    def validate(self) -> bool:
        """Check every field, show the messages, and say whether the form can be saved."""
        _, self._errors = self._parsed()
        for key, label in self.error_labels.items():
            message = self._errors.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
        return not self._errors

    def errors(self) -> dict[str, str]:
        """Field key (``sip.uri``…, ``password``) -> message, as last shown."""
        return dict(self._errors)

    def accept(self) -> None:
        if self.validate():
            super().accept()
        else:
            first = next(iter(self._errors))
            self._fields[first].setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- result ----------------------------------------------------------------------------
    def form(self) -> AccountForm:
        """The entered values; raises ValueError while a field is invalid."""
        values, errors = self._parsed()
        if errors:
            raise ValueError("; ".join(errors.values()))
        demo = self.use_demo.isChecked()
        password = self.password.text()
        return AccountForm(
            sip_uri=None if demo else values["sip.uri"],
            registrar=values["sip.registrar"], proxy=values["sip.proxy"],
            user=values["sip.user"], transport=values["sip.transport"] or "udp",
            listen=values["sip.listen"],
            password=password if (password and not demo) else None,
            use_demo=demo,
        )
