"""One running ucdesk: builds the parts, wires them, and takes them down in order.

Start order: instance socket (single instance; requests are queued until ready) -> store and
settings -> phone metadata warmed -> demo book -> ring index -> SIP engine -> demo line -> window.
Shutdown runs the other way round: calls hung up (the peer sees BYE), demo line stopped by pid,
queued writes finished, store closed.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ucdesk.app.bridge import Bridge
from ucdesk.app.context import Context
from ucdesk.app.line import LineMixin
from ucdesk.app.requests import Requests
from ucdesk.app.ringer import Ringer
from ucdesk.domain.call import CallRecord, Outcome
from ucdesk.domain.customer import CustomerMatch
from ucdesk.domain.phone import warm_up
from ucdesk.domain.telephony import (
    AccountConfig,
    EngineEvent,
    RegistrationChanged,
)
from ucdesk.ipc import InstanceServer, Reply
from ucdesk.log import event
from ucdesk.paths import Paths
from ucdesk.secrets import SecretStore
from ucdesk.services.calls import CallService, CallView, DialError
from ucdesk.services.customers import seed_demo
from ucdesk.services.db_worker import DbWorker
from ucdesk.services.demo_history import seed_demo_history
from ucdesk.services.ring_index import RingIndex, RingSnapshot
from ucdesk.telephony.demo_process import DemoLineProcess
from ucdesk.telephony.engine import TelephonyEngine
from ucdesk.ui.main_window import MainWindow
from ucdesk.ui.notifier import Notifier, busy_call, missed_call
from ucdesk.ui.screen_pop import ScreenPop

log = logging.getLogger(__name__)


class Desk(LineMixin, QObject):
    """The running app. ``start()`` may raise; ``shutdown()`` is safe to call twice."""

    def __init__(self, paths: Paths, options: argparse.Namespace) -> None:
        super().__init__()
        self.paths = paths
        self.options = options
        self.bridge = Bridge(self)
        self.ipc = InstanceServer(paths.socket_path, self._on_ipc, self)
        self.requests = Requests(self)
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
        self._ringing_view: CallView | None = None
        self._followed_up: set[int] = set()
        self._generation = 0
        self.region: str | None = None     # a copy for the ring path (set at start and on change)
        self._demo_restarts: list[float] = []
        self._queued: list[tuple[str, dict[str, Any], Reply]] = []
        self.pending_confirmation: QMessageBox | None = None
        self._down = False
        self._restart_pending = False
        self.bridge.engine_event.connect(self._on_engine_event)

    # ---- start ----------------------------------------------------------------------------
    def start(self, initial: tuple[str, dict[str, Any]] | None = None) -> None:
        self.ipc.listen()                       # raises AlreadyRunning
        if initial is not None:
            self._queued.append((initial[0], initial[1], lambda _r: None))
        self.ctx = Context.create(self.paths)
        settings = self.ctx.settings
        demo = self._demo_wanted()
        if demo:
            if seed_demo(self.ctx.db, settings):
                seed_demo_history(self.ctx.db)
        # calls left open by a crash get an outcome before the history is shown
        closed = self.ctx.calls.close_interrupted(self._account(demo).sip_uri)
        if closed:
            event(log, "interrupted_calls_closed", calls=closed)
        warm_up(settings.get("region") or "ZA")
        self.window = MainWindow()
        self.pop = ScreenPop()
        self.pop.winId()      # the native window exists before the first ring, not during it
        self.ringer = Ringer(self.window, self)
        self.notifier = Notifier(self)
        self._wire_ui()
        if settings.get("region") is None:
            region = self.window.ask_region()
            if region:
                self.ctx.set_setting("region", region)
        self.region = settings.get("region")
        self.window.set_region(self.region)
        self.reload_index(now=True)
        self._start_engine(demo)
        self.window.show()
        self._watchdog = QTimer(self)
        self._watchdog.timeout.connect(self._check_demo_line)
        self._watchdog.start(2000)
        self._ready = True
        event(log, "app_ready", demo=demo, customers=self.index.customer_count,
              account=self.account.sip_uri if self.account else None)
        queued, self._queued = self._queued, []
        for cmd, args, reply in queued:
            self.requests.handle(cmd, args, reply)

    def reload_index(self, *, now: bool = False,
                     then: Callable[[], None] | None = None) -> None:
        """Rebuild the ring index from the store (start, after imports and setting changes).

        At start (``now``) it is built here, before the window shows. Later it is read and built
        on the DB worker, behind the writes that changed it, and only swapped in on the GUI thread,
        so a call that rings meanwhile is matched against the old index without waiting.
        """
        assert self.ctx is not None
        ctx = self.ctx

        def build() -> tuple[RingSnapshot, float]:
            t0 = time.perf_counter()
            snapshot = RingSnapshot.build(ctx.customers.cards(), ctx.customers.phone_index(),
                                          ctx.calls.last_call_at_by_customer())
            return snapshot, (time.perf_counter() - t0) * 1000

        def install(result: tuple[RingSnapshot, float]) -> None:
            old = self.index.install(result[0])
            if not self.worker.closed:
                self.worker.submit(lambda: old and None, what="drop_old_index")
            event(log, "ring_index_built", customers=self.index.customer_count,
                  numbers=len(self.index), ms=round(result[1], 1))
            if then is not None:
                then()

        if now:
            install(build())
        else:
            self.worker.submit(build, what="ring_index",
                               on_done=lambda r: self.bridge.post(lambda: install(r)))

    def _wire_ui(self) -> None:
        w, pop = self.window, self.pop
        assert w is not None and pop is not None and self.ctx is not None
        pop.answer_requested.connect(self._answer)
        pop.decline_requested.connect(self._decline)
        pop.first_painted.connect(self._pop_painted)
        pop.customer_picked.connect(self._customer_picked)
        w.pick_customer_requested.connect(pop.pick_next)
        w.answer_requested.connect(lambda cid: self._answer(cid, None))
        w.decline_requested.connect(self._decline)
        w.hangup_requested.connect(self._hang_up)
        w.dial_requested.connect(self.dial)
        w.call_back_requested.connect(self.dial)
        w.quit_requested.connect(app_instance().quit)
        w.import_requested.connect(lambda path: self.requests.handle(
            "import_customers", {"path": path}, self.requests.import_done_in_gui))
        w.demo_call_requested.connect(lambda: self.requests.handle("demo_call", {}, lambda _r: None))
        w.account_requested.connect(self.edit_account)
        w.history_model.set_records(self.ctx.calls.list(limit=500))

    # ---- CallListener (GUI thread) ---------------------------------------------------------
    def call_incoming(self, view: CallView) -> None:
        """The ring path's last step: show the pop, nothing else. The rest follows its paint."""
        self._ringing_view = view
        assert self.pop is not None
        if self.pending_confirmation is not None:   # a call comes first: drop the question
            self.pending_confirmation.setProperty("closed_because", "a call came in")
            QTimer.singleShot(0, self.pending_confirmation.reject)
        self.pop.show_call(view.call_id, view.display_name, view.number_text, view.match,
                           view.anonymous, self.region)
        # if the pop is not painted soon (no screen to paint on), ring anyway
        QTimer.singleShot(50, lambda: self._after_pop(view.call_id))

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
        self._after_pop(call_id)

    def _after_pop(self, call_id: int) -> None:
        """Ring tone, call panel, the call's first row and log line: after the pop is up."""
        if self.calls is None or call_id in self._followed_up:
            return
        view = self.calls.view(call_id)
        if view is None:          # it ended already (the caller gave up at once)
            return
        self._followed_up.add(call_id)
        assert self.window is not None and self.ringer is not None
        self.ringer.start()
        self.window.call_panel.show_incoming(view.call_id, view.display_name, view.number_text,
                                             view.match.best)
        self.window.dial_box.set_busy(True)
        self.calls.ring_shown(call_id)

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
        self._followed_up.discard(call_id)
        view, self._ringing_view = self._ringing_view, None
        if outcome is Outcome.MISSED and view is not None and view.call_id == call_id:
            best = view.match.best
            note = missed_call(view.display_name, view.number_text, best.name if best else None)
            self.notifier.notify(note)
            self.window.show_notice(f"{note.title}: {note.body}")
        if self._restart_pending:
            QTimer.singleShot(0, self.restart_line)

    def history_changed(self, record: CallRecord) -> None:
        if self.window is not None:
            self.window.history_model.upsert(record)

    def call_refused_busy(self, display_name: str, number_text: str,
                          match: CustomerMatch) -> None:
        best = match.best
        note = busy_call(display_name, number_text, best.name if best else None)
        self.notifier.notify(note)
        if self.window is not None:
            self.window.show_notice(f"{note.title}: {note.body}")

    def dial_failed(self, text: str, reason: str) -> None:
        if self.window is not None:
            self.window.dial_box.set_busy(False)
            self.window.call_panel.clear()
            self.window.show_notice(f"Could not call {text[:60]}: {reason}", seconds=20)

    # ---- agent actions ---------------------------------------------------------------------
    def _on_engine_event(self, tagged: tuple[int, EngineEvent]) -> None:
        generation, ev = tagged
        if generation != self._generation:
            event(log, "stale_engine_event", logging.DEBUG, kind=type(ev).__name__)
            return
        if isinstance(ev, RegistrationChanged):
            event(log, "sip_registration", logging.INFO if ev.registered else logging.WARNING,
                  registered=ev.registered, status_code=ev.status_code, reason=ev.reason)
        if isinstance(ev, RegistrationChanged) and self.window is not None:
            text = (f"Registered as {self.account.sip_uri}" if ev.registered and self.account
                    else f"Not registered: {ev.status_code} {ev.reason}")
            self.window.set_line_status(text, ev.registered)
        if self.calls is not None:
            self.calls.on_engine_event(ev)

    def _customer_picked(self, call_id: int, customer_id: int) -> None:
        """The agent chose another customer on a shared number: the call and panel follow."""
        if self.calls is None or self.window is None:
            return
        self.calls.link_customer(call_id, customer_id)
        view = self.calls.view(call_id)
        card = next((c for c in view.match.cards if c.customer_id == customer_id), None) \
            if view else None
        if view is not None and card is not None and call_id in self._followed_up:
            self.window.call_panel.show_incoming(call_id, view.display_name, view.number_text,
                                                 card)

    def _answer(self, call_id: int, customer_id: Any = None) -> None:
        if self.calls is not None:
            if not isinstance(customer_id, int) and self.pop is not None \
                    and self.pop.call_id == call_id:
                customer_id = self.pop.selected_customer_id()   # the pick, from any Answer
            self.calls.answer(call_id, customer_id if isinstance(customer_id, int) else None)

    def _decline(self, call_id: int) -> None:
        if self.calls is not None:
            self.calls.decline(call_id)

    def _hang_up(self, call_id: int) -> None:
        if self.calls is not None:
            self.calls.hang_up(call_id)

    def dial(self, text: str) -> None:
        if self.calls is None or self.window is None:
            return
        try:
            self.calls.dial(text)
        except DialError as exc:
            # a notice, not the line state: the line is fine, the number was not
            self.window.show_notice(f"Cannot call {text[:60]!r}: {exc}", seconds=20)
            return
        # the number now shows on the call panel; an empty dial box lets Esc reach Hang up
        self.window.dial_box.set_text("")

    # ---- requests from the socket (CLI, links) ---------------------------------------------
    def _on_ipc(self, cmd: str, args: dict[str, Any], reply: Reply) -> None:
        if not self._ready:
            self._queued.append((cmd, args, reply))
            return
        self.requests.handle(cmd, args, reply)

    # ---- shutdown --------------------------------------------------------------------------
    def shutdown(self) -> None:
        if self._down:
            return
        self._down = True
        if self.ringer is not None:
            self.ringer.stop()
        if self.engine is not None:
            self.engine.stop()
            # The calls it hung up end now (CallEnded is queued to this thread): record them
            # while the DB worker still runs, then drop anything later (the worker is closing).
            for receiver in (self, self.bridge):
                QCoreApplication.sendPostedEvents(receiver, QEvent.Type.MetaCall)
            self.calls = None
        if self.demo is not None:
            self.demo.stop()
        self.worker.shutdown(wait=True)
        self.ipc.close()
        if self.ctx is not None:
            self.ctx.close()
        event(log, "app_stopped")


def app_instance() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


__all__ = ["Desk", "QTimer"]
