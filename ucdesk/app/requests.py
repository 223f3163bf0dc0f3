"""Requests that reach the running app from outside: the CLI and links, over the socket.

Each request is answered through ``reply`` (a dict, sent back as one JSON line). A number from
outside is shown, normalised and matched, and dialled only after the agent confirms. Commands that
change data run here, in the instance, so its caches (the ring index) stay true.
"""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import phonenumbers
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ucdesk.app.context import VALUE_KEYS
from ucdesk.ipc import Reply
from ucdesk.log import event
from ucdesk.services.calls import DialError
from ucdesk.settings import SettingError
from ucdesk.ui.dialogs import build_confirm_dial

if TYPE_CHECKING:
    from ucdesk.app.desk import Desk

log = logging.getLogger(__name__)


class Requests:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def handle(self, cmd: str, args: dict[str, Any], reply: Reply) -> None:
        assert self.desk.ctx is not None and self.desk.window is not None
        if cmd == "show":
            self.desk.window.showNormal()
            self.desk.window.raise_()
            self.desk.window.activateWindow()
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
            self._config_set(str(args.get("key")), args.get("value"), reply)
        elif cmd == "set_password":
            reply(self.desk.set_password(args.get("password")))
        else:
            reply({"ok": False, "error": f"unknown command {cmd!r}"})

    def _answer_or_hang_up(self, cmd: str) -> dict[str, Any]:
        if self.desk.calls is None or not self.desk.calls.active_call_ids:
            return {"ok": False, "error": "there is no call"}
        call_id = self.desk.calls.active_call_ids[-1]
        if cmd == "answer":
            if self.desk.calls.is_answered(call_id):
                return {"ok": False, "error": "the call is already answered"}
            view = self.desk.calls.view(call_id)
            if view is not None and view.direction.value == "outgoing":
                return {"ok": False, "error": "the call is outgoing: the other side answers it"}
            self.desk.calls.answer(call_id)
            return {"ok": True, "message": "answering"}
        view = self.desk.calls.view(call_id)
        if view is not None and view.direction.value == "incoming" and not self.desk.calls.is_answered(
                call_id):
            self.desk.calls.decline(call_id)
            return {"ok": True, "message": "declining"}
        self.desk.calls.hang_up(call_id)
        return {"ok": True, "message": "hanging up"}

    def _request_dial(self, target: str, reply: Reply) -> None:
        """Show the normalised number and the customer; dial only when the agent confirms."""
        if self.desk.calls is None or self.desk.window is None:
            reply({"ok": False, "error": "the phone line is not up (see the status bar)"})
            return
        if self.desk.calls.in_call():
            reply({"ok": False, "error": "the agent is on a call; try again when it ends"})
            return
        try:
            number, match, shown = self.desk.calls.resolve(target)
        except DialError as exc:
            reply({"ok": False, "error": str(exc)})
            return
        previous = self.desk.pending_confirmation
        if previous is not None:        # one question at a time: the newest request replaces it
            previous.setProperty("closed_because", "a newer request replaced it")
            previous.reject()
        reply({"ok": True, "message": f"asking the agent to confirm a call to {shown}"})
        who = match.best.name if match.best else None
        box = build_confirm_dial(self.desk.window, shown, who)
        box.setInformativeText(f"Requested from outside ucdesk: {target}")
        self.desk.pending_confirmation = box
        event(log, "dial_confirm_asked", number=number.e164 or number.dial_string())

        def done(result: int) -> None:
            if self.desk.pending_confirmation is box:
                self.desk.pending_confirmation = None
            if box.clickedButton() is box.property("call_button"):
                event(log, "dial_confirmed", number=number.e164 or number.dial_string())
                self.desk.dial(target)
            elif box.property("closed_because"):
                event(log, "dial_question_closed", number=number.e164 or number.dial_string(),
                      why=box.property("closed_because"))
            else:
                event(log, "dial_refused_by_agent", number=number.e164 or number.dial_string())

        box.finished.connect(done)
        box.open()

    def _demo_call(self, number: str | None) -> dict[str, Any]:
        if self.desk.demo is None:
            return {"ok": False, "error": "the demo line is not running (a SIP account is set)"}
        if not number:
            numbers = [n for n in self.desk.index.numbers() if n.startswith("+27")]
            if not numbers:
                return {"ok": False, "error": "no demo customer with a number"}
            e164 = random.choice(numbers)
            cards = self.desk.index.lookup(e164).cards
            national = phonenumbers.format_number(phonenumbers.parse(e164, None),
                                                  phonenumbers.PhoneNumberFormat.NATIONAL)
            number = national.replace(" ", "")
            display = cards[0].name if cards else ""
        else:
            # what the agent typed, as a carrier would send it: digits only (a leading + kept)
            display = ""
            number = re.sub(r"[^\d+*#]", "", number)
            if not number:
                return {"ok": False, "error": "that is not a number the demo line can call from"}
        try:
            self.desk.demo.call(number, display)
        except RuntimeError as exc:       # it died: the desk's watchdog restarts it
            return {"ok": False, "error": f"{exc}; it is being restarted, try again shortly"}
        event(log, "demo_call_requested", number=number)
        return {"ok": True, "message": f"the demo line is calling you from {number}"}

    def _config_set(self, key: str, value: Any, reply: Reply) -> None:
        """Set it on the DB worker (a value setting recomputes every customer's value), then
        answer once the instance shows the new values."""
        desk = self.desk
        assert desk.ctx is not None
        ctx = desk.ctx

        def done(typed: Any) -> None:
            answer = {"ok": True, "value": "" if typed is None else str(typed)}
            if key in VALUE_KEYS or key == "region":
                if key == "region" and desk.window is not None:
                    desk.region = typed
                    desk.window.set_region(typed)
                desk.reload_index(then=lambda: reply(answer))
                return
            reply(answer)
            if key.startswith("sip.") or key == "demo.enabled":
                desk.restart_line()     # waits for the end of a call in progress

        def failed(exc: BaseException) -> None:
            reply({"ok": False, "error": str(exc) if isinstance(exc, SettingError)
                   else f"could not change {key}: {exc}"})

        desk.worker.submit(ctx.set_setting, key, value, what="config_set",
                           on_done=lambda t: desk.bridge.post(lambda: done(t)),
                           on_error=lambda e: desk.bridge.post(lambda: failed(e)))

    def _import(self, path: Path, reply: Reply) -> None:
        assert self.desk.ctx is not None
        ctx = self.desk.ctx

        def done(result: dict[str, Any]) -> None:
            self.desk.reload_index(then=lambda: reply(result))

        self.desk.worker.submit(ctx.import_customers, path, what="import",
                           on_done=lambda r: self.desk.bridge.post(lambda: done(r)),
                           on_error=lambda e: self.desk.bridge.post(
                               lambda: reply({"ok": False, "exit": 2, "errors": [str(e)]})))

    def import_done_in_gui(self, result: dict[str, Any]) -> None:
        if self.desk.window is None:
            return
        text = result.get("summary") or "Import failed"
        errors = result.get("errors") or []
        box = QMessageBox(self.desk.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowTitle("Import customers")
        box.setText(text[:1].upper() + text[1:])
        if errors:
            box.setIcon(QMessageBox.Icon.Warning)
            shown = errors[:8]
            more = f"\n… and {len(errors) - len(shown)} more (Show Details)" if len(errors) > 8 else ""
            box.setInformativeText("Rows not imported:\n" + "\n".join(shown) + more)
            box.setDetailedText("\n".join(errors))
        else:
            box.setIcon(QMessageBox.Icon.Information)
        box.open()
