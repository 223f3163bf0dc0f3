"""One running ucdesk: builds the parts, wires them, and takes them down in order.

Start order: instance socket (single instance; requests are queued until ready) -> store and
settings -> phone metadata warmed -> demo book -> ring index -> SIP engine -> demo line -> window.
Shutdown runs the other way round: calls hung up (the peer sees BYE), demo line stopped by pid,
queued writes finished, store closed.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from pathlib import Path
from typing import Any

import phonenumbers
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ucdesk.app.bridge import Bridge
from ucdesk.app.context import Context
from ucdesk.app.ringer import Ringer
from ucdesk.domain.call import CallRecord, Outcome
from ucdesk.domain.phone import warm_up
from ucdesk.domain.telephony import (
    AccountConfig,
    EngineEvent,
    RegistrationChanged,
    Transport,
)
from ucdesk.ipc import InstanceServer, Reply
from ucdesk.log import event
from ucdesk.paths import Paths
from ucdesk.secrets import SecretStore
from ucdesk.services.calls import CallService, CallView, DialError
from ucdesk.services.customers import seed_demo
from ucdesk.services.db_worker import DbWorker
from ucdesk.services.ring_index import RingIndex
from ucdesk.telephony.demo_process import DemoLineProcess
from ucdesk.telephony.engine import TelephonyEngine
from ucdesk.ui.main_window import MainWindow
from ucdesk.ui.screen_pop import ScreenPop

log = logging.getLogger(__name__)


class Desk(QObject):
    """The running app. ``start()`` may raise; ``shutdown()`` is safe to call twice."""

    def __init__(self, paths: Paths, options: argparse.Namespace) -> None:
        super().__init__()
        self.paths = paths
        self.options = options
        self.bridge = Bridge(self)
        self.ipc = InstanceServer(paths.socket_path, self._on_ipc, self)
        self.ctx: Context | None = None
        self.worker = DbWorker()
        self.index = RingIndex()
        self.secrets = SecretStore()
        self.engine: TelephonyEngine | None = None
        self.demo: DemoLineProcess | None = None
        self.calls: CallService | None = None
        self.window: MainWindow | None = None
        self.pop: ScreenPop | None = None
        self.ringer: Ringer | None = None
        self.account: AccountConfig | None = None
        self._ready = False
        self._queued: list[tuple[str, dict[str, Any], Reply]] = []
        self.pending_confirmation: QMessageBox | None = None
        self._down = False

    # ---- start ----------------------------------------------------------------------------
    def start(self, initial: tuple[str, dict[str, Any]] | None = None) -> None:
        self.ipc.listen()                       # raises AlreadyRunning
        if initial is not None:
            self._queued.append((initial[0], initial[1], lambda _r: None))
        self.ctx = Context.create(self.paths)
        settings = self.ctx.settings
        demo = self._demo_wanted()
        if demo:
            seed_demo(self.ctx.db, settings)
        warm_up(settings.get("region") or "ZA")
        self.window = MainWindow()
        self.pop = ScreenPop()
        self.ringer = Ringer(self.window, self)
        self._wire_ui()
        if settings.get("region") is None:
            region = self.window.ask_region()
            if region:
                self.ctx.set_setting("region", region)
        self.window.set_region(settings.get("region"))
        self.reload_index()
        self._start_engine(demo)
        self.window.show()
        self._ready = True
        event(log, "app_ready", demo=demo, customers=self.index.customer_count,
              account=self.account.sip_uri if self.account else None)
        queued, self._queued = self._queued, []
        for cmd, args, reply in queued:
            self._handle(cmd, args, reply)

    def _demo_wanted(self) -> bool:
        assert self.ctx is not None
        s = self.ctx.settings
        return s.get("sip.uri") is None and bool(s.get("demo.enabled")) and not getattr(
            self.options, "no_demo", False)

    def reload_index(self) -> None:
        """Rebuild the ring index from the store (start, after imports and setting changes)."""
        assert self.ctx is not None
        t0 = time.perf_counter()
        self.index.replace(self.ctx.customers.cards(), self.ctx.customers.phone_index(),
                           self.ctx.calls.last_call_at_by_customer())
        event(log, "ring_index_built", customers=self.index.customer_count,
              numbers=len(self.index), ms=round((time.perf_counter() - t0) * 1000, 1))

    def _account(self, demo: bool) -> AccountConfig:
        assert self.ctx is not None
        s = self.ctx.settings
        listen = getattr(self.options, "sip_listen", None) or s.get("sip.listen")
        host, _, port = str(listen).rpartition(":")
        transport = Transport(s.get("sip.transport"))
        if demo:
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
        self.bridge.engine_event.connect(self._on_engine_event)
        self.engine = TelephonyEngine(account, self.bridge.emit_engine_event)
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
            self.demo.start(agent)
            self.engine.set_dial_domain(f"127.0.0.1:{self.demo.port}")
            account = AccountConfig(sip_uri=agent, listen_host=ready.listen_host,
                                    listen_port=ready.listen_port, transport=account.transport,
                                    dial_domain=f"127.0.0.1:{self.demo.port}")
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
            currency=lambda: self.ctx.settings.get("currency") if self.ctx else "ZAR",
            account=account, listener=self, post=self.bridge.post,
        )

    def _wire_ui(self) -> None:
        w, pop = self.window, self.pop
        assert w is not None and pop is not None and self.ctx is not None
        pop.answer_requested.connect(self._answer)
        pop.decline_requested.connect(self._decline)
        pop.first_painted.connect(self._pop_painted)
        w.answer_requested.connect(lambda cid: self._answer(cid, None))
        w.decline_requested.connect(self._decline)
        w.hangup_requested.connect(self._hang_up)
        w.dial_requested.connect(self._dial_from_box)
        w.call_back_requested.connect(self._dial_from_box)
        w.quit_requested.connect(app_instance().quit)
        w.import_requested.connect(lambda path: self._handle(
            "import_customers", {"path": path}, self._import_done_in_gui))
        w.demo_call_requested.connect(lambda: self._handle("demo_call", {}, lambda _r: None))
        w.history_model.set_records(self.ctx.calls.list(limit=500))

    # ---- CallListener (GUI thread) ---------------------------------------------------------
    def call_incoming(self, view: CallView) -> None:
        assert self.pop is not None and self.window is not None and self.ringer is not None
        self.pop.show_call(view.call_id, view.display_name, view.number_text, view.match,
                           view.anonymous, self.ctx.settings.get("region") if self.ctx else None)
        self.ringer.start()
        self.window.call_panel.show_incoming(view.call_id, view.display_name, view.number_text,
                                             view.match.best)
        self.window.dial_box.set_busy(True)

    def _pop_painted(self, call_id: int) -> None:
        view = self.calls.view(call_id) if self.calls else None
        if view is None or view.received_ns is None:
            return
        best = view.match.best
        event(log, "screen_pop_shown", call_id=call_id,
              customer_id=best.customer_id if best else None,
              customer_name=best.name if best else None,
              lifetime_value=(best.lifetime_value_minor / 100) if best else None,
              candidates=len(view.match.cards),
              ms_since_invite=round((time.monotonic_ns() - view.received_ns) / 1e6, 3))

    def call_outgoing(self, view: CallView) -> None:
        assert self.window is not None
        self.window.call_panel.show_outgoing(view.call_id, view.number_text, view.match.best)
        self.window.dial_box.set_busy(True)

    def call_progress(self, call_id: int, status_code: int, reason: str) -> None:
        pass  # the panel already says "Calling…"; 180/183 change nothing it shows

    def call_connected(self, call_id: int) -> None:
        assert self.window is not None and self.pop is not None and self.ringer is not None
        self.ringer.stop()
        self.pop.dismiss()
        self.window.call_panel.set_connected(call_id)

    def call_ended(self, call_id: int, outcome: Outcome) -> None:
        assert self.window is not None and self.pop is not None and self.ringer is not None
        self.ringer.stop()
        self.pop.dismiss()
        self.window.call_panel.set_ended(call_id, outcome.value)
        self.window.dial_box.set_busy(False)

    def history_changed(self, record: CallRecord) -> None:
        if self.window is not None:
            self.window.history_model.upsert(record)

    def dial_failed(self, text: str, reason: str) -> None:
        if self.window is not None:
            self.window.dial_box.set_busy(False)
            self.window.call_panel.clear()
            self.window.set_line_status(f"Could not call {text}: {reason}", False)

    # ---- agent actions ---------------------------------------------------------------------
    def _on_engine_event(self, ev: EngineEvent) -> None:
        if isinstance(ev, RegistrationChanged) and self.window is not None:
            text = (f"Registered as {self.account.sip_uri}" if ev.registered and self.account
                    else f"Not registered: {ev.status_code} {ev.reason}")
            self.window.set_line_status(text, ev.registered)
        if self.calls is not None:
            self.calls.on_engine_event(ev)

    def _answer(self, call_id: int, customer_id: Any = None) -> None:
        if self.calls is not None:
            self.calls.answer(call_id, customer_id if isinstance(customer_id, int) else None)

    def _decline(self, call_id: int) -> None:
        if self.calls is not None:
            self.calls.decline(call_id)

    def _hang_up(self, call_id: int) -> None:
        if self.calls is not None:
            self.calls.hang_up(call_id)

    def _dial_from_box(self, text: str) -> None:
        if self.calls is None or self.window is None:
            return
        try:
            self.calls.dial(text)
        except DialError as exc:
            self.window.set_line_status(f"Cannot call {text!r}: {exc}", False)

    # ---- requests from the socket (CLI, links) ---------------------------------------------
    def _on_ipc(self, cmd: str, args: dict[str, Any], reply: Reply) -> None:
        if not self._ready:
            self._queued.append((cmd, args, reply))
            return
        self._handle(cmd, args, reply)

    def _handle(self, cmd: str, args: dict[str, Any], reply: Reply) -> None:
        assert self.ctx is not None and self.window is not None
        if cmd == "show":
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()
            reply({"ok": True})
        elif cmd == "dial":
            self._request_dial(str(args.get("target", "")), reply)
        elif cmd in ("answer", "hangup"):
            reply(self._answer_or_hang_up(cmd))
        elif cmd == "demo_call":
            reply(self._demo_call(args.get("number")))
        elif cmd == "import_customers":
            self._import(Path(str(args.get("path", ""))), reply)
        elif cmd == "config_set":
            key, value = str(args.get("key")), args.get("value")
            typed = self.ctx.set_setting(key, value)
            self.reload_index()
            reply({"ok": True, "value": "" if typed is None else str(typed)})
        else:
            reply({"ok": False, "error": f"unknown command {cmd!r}"})

    def _answer_or_hang_up(self, cmd: str) -> dict[str, Any]:
        if self.calls is None or not self.calls.active_call_ids:
            return {"ok": False, "error": "there is no call"}
        call_id = self.calls.active_call_ids[-1]
        if cmd == "answer":
            self.calls.answer(call_id)
            return {"ok": True, "message": "answering"}
        view = self.calls.view(call_id)
        if view is not None and view.direction.value == "incoming" and not self.calls.is_answered(
                call_id):
            self.calls.decline(call_id)
            return {"ok": True, "message": "declining"}
        self.calls.hang_up(call_id)
        return {"ok": True, "message": "hanging up"}

    def _request_dial(self, target: str, reply: Reply) -> None:
        """Show the normalised number and the customer; dial only when the agent confirms."""
        assert self.calls is not None and self.window is not None
        try:
            number, match, shown = self.calls.resolve(target)
        except DialError as exc:
            reply({"ok": False, "error": str(exc)})
            return
        reply({"ok": True, "message": f"asking the agent to confirm a call to {shown}"})
        who = match.best.name if match.best else None
        box = QMessageBox(self.window)
        box.setWindowTitle("Place a call?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(f"Call {shown}" + (f" — {who}" if who else "") + "?")
        box.setInformativeText(f"Requested from outside ucdesk: {target}")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.pending_confirmation = box
        event(log, "dial_confirm_asked", number=number.e164 or number.dial_string())

        def done(result: int) -> None:
            self.pending_confirmation = None
            if result == QMessageBox.StandardButton.Yes:
                event(log, "dial_confirmed", number=number.e164 or number.dial_string())
                self._dial_from_box(target)
            else:
                event(log, "dial_refused_by_agent", number=number.e164 or number.dial_string())

        box.finished.connect(done)
        box.open()

    def _demo_call(self, number: str | None) -> dict[str, Any]:
        if self.demo is None:
            return {"ok": False, "error": "the demo line is not running (a SIP account is set)"}
        if not number:
            numbers = [n for n in self.index._by_e164 if n.startswith("+27")]  # noqa: SLF001
            if not numbers:
                return {"ok": False, "error": "no demo customer with a number"}
            e164 = random.choice(numbers)
            cards = self.index.lookup(e164).cards
            national = phonenumbers.format_number(phonenumbers.parse(e164, None),
                                                  phonenumbers.PhoneNumberFormat.NATIONAL)
            number = national.replace(" ", "")
            display = cards[0].name if cards else ""
        else:
            display = ""
        self.demo.call(number, display)
        event(log, "demo_call_requested", number=number)
        return {"ok": True, "message": f"the demo line is calling you from {number}"}

    def _import(self, path: Path, reply: Reply) -> None:
        assert self.ctx is not None
        ctx = self.ctx

        def done(result: dict[str, Any]) -> None:
            self.reload_index()
            reply(result)

        self.worker.submit(ctx.import_customers, path, what="import",
                           on_done=lambda r: self.bridge.post(lambda: done(r)),
                           on_error=lambda e: self.bridge.post(
                               lambda: reply({"ok": False, "exit": 2, "errors": [str(e)]})))

    def _import_done_in_gui(self, result: dict[str, Any]) -> None:
        if self.window is None:
            return
        text = result.get("summary") or "Import failed"
        errors = result.get("errors") or []
        box = QMessageBox(self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle("Import customers")
        box.setText(text)
        if errors:
            box.setIcon(QMessageBox.Icon.Warning)
            box.setDetailedText("\n".join(errors))
        box.open()

    # ---- shutdown --------------------------------------------------------------------------
    def shutdown(self) -> None:
        if self._down:
            return
        self._down = True
        if self.ringer is not None:
            self.ringer.stop()
        if self.engine is not None:
            self.engine.stop()
        if self.demo is not None:
            self.demo.stop()
        self.worker.shutdown(wait=True)
        self.ipc.close()
        if self.ctx is not None:
            self.ctx.close()
        event(log, "app_stopped")


def _host_of(uri: str) -> str:
    """host[:port] of a SIP URI: sip:alice@pbx.example.com:5070;transport=tcp -> pbx...:5070."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split("@", 1)[-1]
    return rest.split(";", 1)[0].split("?", 1)[0]


def _fields(account: AccountConfig) -> dict[str, Any]:
    return {f: getattr(account, f) for f in account.__dataclass_fields__}


def app_instance() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


__all__ = ["Desk", "QTimer"]
