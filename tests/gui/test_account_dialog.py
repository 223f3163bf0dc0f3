"""Settings > SIP account…: the dialog, its checks, the Ctrl+, action, and where the password goes."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from ucdesk import cli
from ucdesk import log as ucdesk_log
from ucdesk.app.context import Context
from ucdesk.ipc import InstanceServer
from ucdesk.paths import resolve
from ucdesk.secrets import SecretStore
from ucdesk.settings import SPECS, SettingError
from ucdesk.ui.account_dialog import INSECURE_NOTE, AccountDialog, AccountForm
from ucdesk.ui.main_window import MainWindow

PASSWORD = "Tr0ub4dor&3-gui"
CURRENT = {"sip.uri": "sip:alice@pbx.example.com", "sip.registrar": "sip:pbx.example.com",
           "sip.proxy": None, "sip.user": "alice", "sip.transport": "udp",
           "sip.listen": "127.0.0.1:0"}





def make_dialog(qtbot, values: dict[str, Any] | None = None, *, secure: bool = True,
                has_password: bool = False) -> AccountDialog:
    dialog = AccountDialog(None, CURRENT if values is None else values,
                           secure_keyring=secure, has_password=has_password)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def shown_error(dialog: AccountDialog, key: str) -> str:
    label = dialog.error_labels[key]
    assert label.textFormat() == Qt.TextFormat.PlainText
    return label.text() if label.isVisible() else ""


def expected_parse_error(key: str, text: str) -> str:
    with pytest.raises(SettingError) as info:
        SPECS[key].parse(text)
    return str(info.value)


# ---- the dialog --------------------------------------------------------------------------

def test_prefilled_from_the_settings(qtbot) -> None:
    d = make_dialog(qtbot)
    assert d.windowTitle() == "SIP account"
    assert not d.use_demo.isChecked()
    assert d.sip_uri.text() == "sip:alice@pbx.example.com"
    assert d.registrar.text() == "sip:pbx.example.com"
    assert d.proxy.text() == "" and d.user.text() == "alice"
    assert d.transport.currentData() == "udp" and d.listen.text() == "127.0.0.1:0"
    assert d.password.text() == ""
    assert d.password.echoMode() == QLineEdit.EchoMode.Password
    assert d.errors() == {}
    assert [d.transport.itemText(i) for i in range(d.transport.count())] == ["UDP", "TCP"]


def test_insecure_note_only_without_a_secure_keyring(qtbot) -> None:
    insecure = make_dialog(qtbot, secure=False)
    assert insecure.insecure_note.isVisible()
    assert insecure.insecure_note.text() == INSECURE_NOTE
    assert INSECURE_NOTE == "No secure keyring found: the password is kept for this session only."
    assert insecure.insecure_note.textFormat() == Qt.TextFormat.PlainText
    secure = make_dialog(qtbot, secure=True)
    assert not secure.insecure_note.isVisible()


def test_stored_password_is_not_shown_and_empty_keeps_it(qtbot) -> None:
    d = make_dialog(qtbot, has_password=True)
    assert d.password.text() == ""
    assert "leave empty to keep" in d.password.placeholderText()
    assert d.form().password is None


def test_validation_messages_use_the_settings_parsers(qtbot) -> None:
    d = make_dialog(qtbot)
    d.listen.setText("nonsense")
    assert shown_error(d, "sip.listen") == expected_parse_error("sip.listen", "nonsense")
    d.listen.setText("0.0.0.0:5060")
    assert shown_error(d, "sip.listen") == expected_parse_error("sip.listen", "0.0.0.0:5060")
    assert "0.0.0.0:5060" in shown_error(d, "sip.listen")
    d.listen.setText("127.0.0.1:5070")
    assert shown_error(d, "sip.listen") == ""

    d.sip_uri.setText("")
    assert shown_error(d, "sip.uri") == "Enter your SIP address, or use the demo line."
    d.sip_uri.setText("<b>alice</b>")       # no host: and shown literally, never as rich text
    assert shown_error(d, "sip.uri") == expected_parse_error("sip.uri", "<b>alice</b>")
    assert "'<b>alice</b>'" in shown_error(d, "sip.uri")
    d.registrar.setText("sip:pbx example.com")
    assert "is not a SIP address" in shown_error(d, "sip.registrar")
    assert set(d.errors()) == {"sip.uri", "sip.registrar"}

    d.accept()                              # refused: stays open, nothing accepted
    assert d.isVisible() and d.result() != QDialog.DialogCode.Accepted
    with pytest.raises(ValueError):
        d.form()

    d.sip_uri.setText("bob@pbx.example.com")
    d.registrar.setText("pbx.example.com")
    assert d.errors() == {}
    d.accept()
    assert d.result() == QDialog.DialogCode.Accepted


def test_form_values_are_parsed_and_the_password_kept_apart(qtbot) -> None:
    d = make_dialog(qtbot, values={})
    assert d.use_demo.isChecked()           # no sip.uri: the demo line is in use
    d.use_demo.setChecked(False)
    d.sip_uri.setText(" bob@pbx.example.com ")
    d.registrar.setText("pbx.example.com")
    d.proxy.setText("sip:proxy.example.com;lr")
    d.user.setText("  ")
    d.password.setText(PASSWORD)
    d.transport.setCurrentIndex(d.transport.findData("tcp"))
    d.listen.setText("192.0.2.10:5062")
    form = d.form()
    assert form == AccountForm(
        sip_uri="sip:bob@pbx.example.com", registrar="sip:pbx.example.com",
        proxy="sip:proxy.example.com;lr", user=None, transport="tcp", listen="192.0.2.10:5062",
        password=PASSWORD, use_demo=False)
    assert PASSWORD not in repr(form)
    settings = form.settings()
    assert settings == {"sip.uri": "sip:bob@pbx.example.com", "sip.registrar": "sip:pbx.example.com",
                        "sip.proxy": "sip:proxy.example.com;lr", "sip.user": None,
                        "sip.transport": "tcp", "sip.listen": "192.0.2.10:5062"}
    assert PASSWORD not in repr(settings)


def test_use_the_demo_line_clears_the_address(qtbot) -> None:
    d = make_dialog(qtbot)
    d.sip_uri.setText("")                   # would be an error for an account...
    d.password.setText(PASSWORD)
    d.use_demo.setChecked(True)             # ...but not for the demo line
    assert not d.sip_uri.isEnabled() and not d.password.isEnabled()
    assert d.listen.isEnabled() and d.transport.isEnabled()
    assert d.errors() == {}
    form = d.form()
    assert form.use_demo and form.sip_uri is None and form.password is None
    assert form.settings() == {"sip.uri": None, "demo.enabled": True, "sip.transport": "udp",
                               "sip.listen": "127.0.0.1:0"}
    d.listen.setText("bad")                 # the demo line still binds the listen address
    assert "sip.listen" in d.errors()


# ---- the main window ---------------------------------------------------------------------

def test_ctrl_comma_asks_for_the_account_settings(qtbot) -> None:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()                      # window shortcuts reach the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    assert w.account_action.shortcut() == QKeySequence("Ctrl+,")
    settings_menu = next(a.menu() for a in w.menuBar().actions()
                         if a.text().replace("&", "") == "Settings")
    assert [a.text().replace("&", "") for a in settings_menu.actions()] == ["SIP account…"]
    with qtbot.waitSignal(w.account_requested, timeout=2000):
        qtbot.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(w.account_requested, timeout=2000):
        w.account_action.trigger()


# ---- where the password goes --------------------------------------------------------------

def test_the_password_reaches_no_file_after_an_account_change(
        qtbot, no_keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The pieces Desk puts together: the dialog's form into settings, the password into the
    secret store; then ``ucdesk password`` over the instance socket. Neither password may be in
    settings.json, the SQLite store, the log or anything else under the base directory."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    base = tmp_path / "base"
    paths = resolve(base).ensure()
    ucdesk_log.setup(json_lines=True, log_file=paths.log_file, stream=io.StringIO())
    ctx = Context.create(paths)
    store = SecretStore()
    server: InstanceServer | None = None
    try:
        d = make_dialog(qtbot, secure=store.secure)
        assert d.insecure_note.isVisible()
        d.password.setText(PASSWORD)
        d.accept()
        form = d.form()
        for key, value in form.settings().items():
            ctx.set_setting(key, value)
        assert form.sip_uri is not None and form.password == PASSWORD
        assert store.set(form.sip_uri, form.password) is False   # memory: no secure keyring
        assert store.get("sip:alice@pbx.example.com") == PASSWORD

        seen: list[str] = []

        def handler(cmd: str, args: dict, reply) -> None:   # as Desk.set_password
            assert cmd == "set_password"
            uri = ctx.settings.get("sip.uri")
            store.set(uri, args["password"])
            seen.append(uri)
            reply({"ok": True, "message": f"ucdesk keeps the password of {uri}"})

        server = InstanceServer(paths.socket_path, handler)
        server.listen()
        other = PASSWORD + "-cli"
        monkeypatch.setattr(sys, "stdin", io.StringIO(other + "\n"))
        # the CLI is its own process in real use: here it must not re-point this process's log
        monkeypatch.setattr(cli, "_log_to_file", lambda gopts: None)
        codes: list[int] = []
        t = threading.Thread(target=lambda: codes.append(
            cli.main(["--basedir", str(base), "password"])))
        t.start()
        qtbot.waitUntil(lambda: bool(codes), timeout=10000)
        t.join()
        out, err = capsys.readouterr()
        assert codes == [0], err
        assert seen == ["sip:alice@pbx.example.com"]
        assert store.get("sip:alice@pbx.example.com") == other
        assert other not in out + err
    finally:
        if server is not None:
            server.close()
        ctx.close()
        ucdesk_log.shutdown()
    log_text = paths.log_file.read_text()
    assert '"cmd": "set_password"' in log_text and "secret_stored" in log_text
    assert "sip:alice@pbx.example.com" in paths.settings_file.read_text()
    for secret in (PASSWORD, PASSWORD + "-cli"):
        holding = [p for p in list(base.rglob("*")) + list(runtime.rglob("*"))
                   if p.is_file() and secret.encode() in p.read_bytes()]
        assert holding == []
