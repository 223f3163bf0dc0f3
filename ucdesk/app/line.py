"""The phone line: which account the engine runs, the demo line beside it, and restarts.

Part of :class:`ucdesk.app.desk.Desk` (a mixin, kept apart so the desk stays about wiring): it
builds the account from the settings (the demo line's local account while no real one is set),
starts the engine and the demo line, restarts both when the account changes or the demo line
dies, and keeps the password in the keyring.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any, cast

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QDialog

from ucdesk.app.bridge import Bridge
from ucdesk.app.context import Context
from ucdesk.domain.telephony import AccountConfig, Transport
from ucdesk.log import event
from ucdesk.secrets import SecretStore
from ucdesk.services.calls import CallListener, CallService
from ucdesk.services.customers import seed_demo
from ucdesk.services.db_worker import DbWorker
from ucdesk.services.ring_index import RingIndex
from ucdesk.settings import MissingSetting
from ucdesk.telephony.demo_process import DemoLineProcess
from ucdesk.telephony.engine import TelephonyEngine
from ucdesk.ui.account_dialog import ACCOUNT_KEYS, AccountDialog
from ucdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class LineMixin:
    # what the desk provides
    ctx: Context | None
    window: MainWindow | None
    engine: TelephonyEngine | None
    demo: DemoLineProcess | None
    calls: CallService | None
    account: AccountConfig | None
    secrets: SecretStore
    options: argparse.Namespace
    bridge: Bridge
    worker: DbWorker
    index: RingIndex
    _generation: int
    _down: bool
    _restart_pending: bool
    _demo_restarts: list[float]

    def reload_index(self, *, now: bool = False, then: Any = None) -> None:
        raise NotImplementedError

    def _demo_wanted(self) -> bool:
        assert self.ctx is not None
        s = self.ctx.settings
        return s.get("sip.uri") is None and bool(s.get("demo.enabled")) and not getattr(
            self.options, "no_demo", False)


    def _account(self, demo: bool) -> AccountConfig:
        assert self.ctx is not None
        s = self.ctx.settings
        listen = getattr(self.options, "sip_listen", None) or s.get("sip.listen")
        host, _, port = str(listen).rpartition(":")
        transport = Transport(s.get("sip.transport"))
        if demo or s.get("sip.uri") is None:   # demo line, or --no-demo without an account
            return AccountConfig(sip_uri="sip:agent@127.0.0.1", listen_host=host or "127.0.0.1",
                                 listen_port=int(port or 0), transport=transport)
        uri = s.get("sip.uri")
        registrar = s.get("sip.registrar")
        dial_domain = s.get("sip.dial_domain") or _host_of(registrar or uri)
        return AccountConfig(
            sip_uri=uri, registrar=registrar, proxy=s.get("sip.proxy"),
            user=s.get("sip.user"), password=self.secrets.get(uri), transport=transport,
            listen_host=host or "127.0.0.1", listen_port=int(port or 0), dial_domain=dial_domain,
        )

    def _start_engine(self, demo: bool) -> None:
        assert self.window is not None and self.ctx is not None
        account = self._account(demo)
        # events carry the engine's generation: a stopped engine's late events are dropped, not
        # taken for the new engine's calls (both number their calls from 1)
        self._generation += 1
        generation = self._generation
        self.engine = TelephonyEngine(
            account, lambda ev: self.bridge.emit_engine_event((generation, ev)))
        try:
            ready = self.engine.start()
        except RuntimeError as exc:
            self.window.set_line_status(f"SIP failed to start: {exc}", False)
            event(log, "engine_failed", logging.ERROR, reason=str(exc))
            self.account = account
            return
        if demo:
            self.demo = DemoLineProcess()
            agent = f"sip:agent@{ready.listen_host}:{ready.listen_port}"
            try:
                self.demo.start(agent)
            except (RuntimeError, OSError) as exc:
                self.demo.stop()
                self.demo = None
                event(log, "demo_line_failed", logging.ERROR, reason=str(exc))
                self.window.set_line_status(f"The demo line did not start: {exc}", False)
            dial_domain = f"127.0.0.1:{self.demo.port}" if self.demo is not None else None
            self.engine.set_dial_domain(dial_domain)
            # the agent's address in records is stable across runs (the port is not)
            account = AccountConfig(sip_uri=account.sip_uri, listen_host=ready.listen_host,
                                    listen_port=ready.listen_port, transport=account.transport,
                                    dial_domain=dial_domain)
            if self.demo is not None:
                self.window.set_line_status(
                    f"Demo line ready — you are {agent}; Ctrl+Shift+D for a demo call", True)
        else:
            account = AccountConfig(**{**_fields(account), "listen_port": ready.listen_port})
            self.window.set_line_status(f"Listening as {account.sip_uri}", True)
            if account.password is None and account.registrar and not self.secrets.secure:
                self.window.set_line_status(
                    "No secure keyring: the SIP password is kept for this session only", False)
        self.account = account
        self.calls = CallService(
            submit=self.engine.submit, calls=self.ctx.calls, worker=self.worker,
            ring_index=self.index, region=lambda: self.ctx.settings.get("region") if self.ctx else None,
            account=account, listener=cast(CallListener, self), post=self.bridge.post,
        )


    # ---- the SIP account -------------------------------------------------------------------
    def edit_account(self) -> None:
        """Settings > SIP account…: write the sip.* settings, keep the password, restart."""
        assert self.window is not None and self.ctx is not None
        s = self.ctx.settings
        uri = s.get("sip.uri")
        dialog = AccountDialog(self.window, {k: s.get(k) for k in ACCOUNT_KEYS},
                               secure_keyring=self.secrets.secure,
                               has_password=bool(uri and self.secrets.get(uri)))
        accepted = self.window.exec_dialog(dialog) == QDialog.DialogCode.Accepted
        form = dialog.form() if accepted else None
        dialog.deleteLater()
        if form is None:
            return
        for key, value in form.settings().items():
            self.ctx.set_setting(key, value)
        kept = None
        if form.password is not None and form.sip_uri is not None:
            kept = self.secrets.set(form.sip_uri, form.password)
        self._account_changed(kept)

    def set_password(self, password: Any) -> dict[str, Any]:
        """``ucdesk password``: keep the password of the configured account, then restart."""
        assert self.ctx is not None
        uri = self.ctx.settings.get("sip.uri")
        if uri is None:
            return {"ok": False,
                    "error": str(MissingSetting("sip.uri", "the password is for that account"))}
        if not isinstance(password, str) or not password:
            return {"ok": False, "error": "no password given"}
        kept = self.secrets.set(uri, password)
        QTimer.singleShot(0, lambda: self._account_changed(kept))
        where = "in the keyring" if kept else "for this session only (no secure keyring found)"
        return {"ok": True, "message": f"ucdesk keeps the password of {uri} {where}; "
                                       "the line restarts with it"}

    def _account_changed(self, kept_securely: bool | None) -> None:
        restarted = self.restart_line()
        if kept_securely is False and self.window is not None:
            self.window.set_line_status(
                "No secure keyring found: the SIP password is kept for this session only"
                + ("" if restarted else "; the new account is used when this call ends"), False)

    def restart_line(self) -> bool:
        """Stop the engine and the demo line and start again with the account in the settings.

        During a call it waits until the call ends. Returns True when it restarted now.
        """
        assert self.ctx is not None and self.window is not None
        if self._down:
            return False
        if self.calls is not None and self.calls.in_call():
            self._restart_pending = True
            self.window.set_line_status("The new SIP account is used when this call ends", True)
            return False
        self._restart_pending = False
        if self.engine is not None:
            self.engine.stop()
            # the old engine's last events, to the old calls
            for receiver in (cast(QObject, self), self.bridge):
                QCoreApplication.sendPostedEvents(receiver, QEvent.Type.MetaCall)
        if self.demo is not None:
            self.demo.stop()
        self.engine = self.demo = self.calls = None
        demo = self._demo_wanted()
        if demo and seed_demo(self.ctx.db, self.ctx.settings):
            self.reload_index()
        self._start_engine(demo)
        event(log, "line_restarted", demo=demo,
              account=self.account.sip_uri if self.account else None)
        return True

    def _check_demo_line(self) -> None:
        """The demo line is a separate process: if it dies, say so and start it again."""
        if self._down or self.demo is None or self.demo.running():
            return
        now = time.monotonic()
        self._demo_restarts = [t for t in self._demo_restarts if now - t < 60] + [now]
        event(log, "demo_line_died", logging.ERROR, exit_code=self.demo.returncode,
              restarts_this_minute=len(self._demo_restarts))
        if len(self._demo_restarts) > 3:
            self.demo = None
            if self.window is not None:
                self.window.set_line_status(
                    "The demo line keeps stopping; see the log. Restart ucdesk to try again", False)
            return
        if self.window is not None:
            self.window.set_line_status("The demo line stopped; starting it again…", False)
        self.restart_line()


def _host_of(uri: str) -> str:
    """host[:port] of a SIP URI: sip:alice@pbx.example.com:5070;transport=tcp -> pbx...:5070."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split("@", 1)[-1]
    return rest.split(";", 1)[0].split("?", 1)[0]


def _fields(account: AccountConfig) -> dict[str, Any]:
    return {f: getattr(account, f) for f in account.__dataclass_fields__}
