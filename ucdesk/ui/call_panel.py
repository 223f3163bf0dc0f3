"""The current call: who, which way, what state, how long, and what they are worth."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ucdesk.domain.customer import CustomerCard, CustomerStatus
from ucdesk.ui import formatting as fmt
from ucdesk.ui import theme
from ucdesk.ui.icons import icon, pixmap
from ucdesk.ui.theme import ElidedLabel, plain_label, set_kind

__all__ = ["CallPanel", "CallState"]


class CallState(StrEnum):
    IDLE = "idle"
    RINGING = "ringing"        # incoming, not yet answered
    CALLING = "calling"        # outgoing, not yet answered
    CONNECTED = "connected"
    ENDED = "ended"


IDLE_TEXT = "No call — dial a number or wait for a call"


class CallPanel(QWidget):
    """Shows one call at a time and offers the buttons that make sense for its state.

    Signals:
        answer_requested(call_id), hangup_requested(call_id), decline_requested(call_id)
            (from the buttons, or :meth:`answer_current`, :meth:`hang_up_current` and
            :meth:`decline_current`)
        state_changed(state): a :class:`CallState` value string, after every transition.
    """

    answer_requested = Signal(int)
    hangup_requested = Signal(int)
    decline_requested = Signal(int)
    state_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self._call_id: int | None = None
        self._state = CallState.IDLE
        self._connected_at: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self._build()
        self.clear()

    # ---- construction ------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        frame = QFrame(self)
        frame.setObjectName("card")
        outer.addWidget(frame)
        self.stack = QStackedWidget(frame)
        QVBoxLayout(frame).addWidget(self.stack)

        self.idle_page = QWidget()
        idle = QVBoxLayout(self.idle_page)
        idle.setContentsMargins(12, 22, 12, 22)
        idle_icon = plain_label()
        idle_icon.setPixmap(pixmap("phone", 40, "#94a3b8"))
        idle_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_label = plain_label(IDLE_TEXT, "value")
        self.idle_label.setWordWrap(True)
        self.idle_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = plain_label("Ctrl+L to type a number · Ctrl+Shift+D for a demo call", "muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        idle.addStretch(1)
        for w in (idle_icon, self.idle_label, hint):
            idle.addWidget(w)
        idle.addStretch(1)
        self.stack.addWidget(self.idle_page)

        self.call_page = QWidget()
        lay = QVBoxLayout(self.call_page)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        top = QHBoxLayout()
        self.direction_icon = plain_label()
        self.direction_icon.setFixedSize(36, 36)
        self.state_label = plain_label("", "pill-ok")
        top.addWidget(self.direction_icon)
        top.addStretch(1)
        top.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addLayout(top)
        self.name_label = plain_label("", "title")
        self.name_label.setWordWrap(True)
        self.number_label = plain_label("", "muted")
        # The caller's own SIP display name: unverified, so labelled as such, never a headline.
        self.caller_id_label = ElidedLabel("", "muted", mode=Qt.TextElideMode.ElideRight)
        self.timer_label = plain_label("00:00", "timer")
        for w in (self.name_label, self.number_label, self.caller_id_label, self.timer_label):
            lay.addWidget(w)

        self.customer_box = QFrame(self.call_page)
        cust = QHBoxLayout(self.customer_box)
        cust.setContentsMargins(0, 8, 0, 0)
        person = plain_label()
        person.setPixmap(pixmap("person", 20, theme.ACCENT))
        who = QVBoxLayout()
        who.setSpacing(0)
        self.customer_label = plain_label("", "value")
        self.customer_label.setWordWrap(True)
        self.company_label = plain_label("", "muted")
        who.addWidget(self.customer_label)
        who.addWidget(self.company_label)
        worth = QVBoxLayout()
        worth.setSpacing(0)
        self.ltv_caption = plain_label("LIFETIME VALUE", "caption")
        self.ltv_label = plain_label("", "value")
        self.ltv_label.setStyleSheet(f"color: {theme.ACCENT}; font-size: 18px;")
        for w in (self.ltv_caption, self.ltv_label):
            w.setAlignment(Qt.AlignmentFlag.AlignRight)
            worth.addWidget(w)
        cust.addWidget(person, 0, Qt.AlignmentFlag.AlignTop)
        cust.addLayout(who, 1)
        cust.addLayout(worth)
        lay.addWidget(self.customer_box)

        # Like the screen pop (and phones): Decline on the left in red, Answer on the right.
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 10, 0, 0)
        self.decline_button = QPushButton(icon("phone-hangup", "#ffffff"), "Decline")
        set_kind(self.decline_button, "danger")
        self.hangup_button = QPushButton(icon("phone-hangup", "#ffffff"), "Hang up")
        set_kind(self.hangup_button, "danger")
        self.answer_button = QPushButton(icon("phone", "#ffffff"), "Answer")
        set_kind(self.answer_button, "answer")
        self.close_button = QPushButton("Close")
        for b in (self.decline_button, self.hangup_button, self.answer_button, self.close_button):
            b.setIconSize(QSize(18, 18))
            b.setMinimumHeight(36)
            buttons.addWidget(b, 1)
        self.decline_button.clicked.connect(self.decline_current)
        self.answer_button.clicked.connect(self.answer_current)
        self.hangup_button.clicked.connect(self.hang_up_current)
        self.close_button.clicked.connect(self.clear)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.stack.addWidget(self.call_page)

    # ---- public API ------------------------------------------------------------------
    @property
    def call_id(self) -> int | None:
        """The call shown, or None when idle."""
        return self._call_id

    @property
    def state(self) -> CallState:
        return self._state

    def show_incoming(self, call_id: int, display_name: str, number_text: str,
                      card: CustomerCard | None) -> None:
        """A call is ringing here: show Decline and Answer.

        The title is the matched customer's name, else the number; the caller's SIP display
        name is unverified, so it is only shown beneath, labelled "Caller ID name".
        """
        title = card.name if card else number_text or "Unknown caller"
        self._start(call_id, card, title, number_text, display_name.strip())
        self.direction_icon.setPixmap(pixmap("phone-incoming", 32, theme.ACCENT))
        self._set_state(CallState.RINGING, "Ringing…", "pill-warn")

    def show_outgoing(self, call_id: int, target_text: str, card: CustomerCard | None) -> None:
        """The agent is calling out: show Hang up."""
        self._start(call_id, card, card.name if card else target_text,
                    target_text if card else "")
        self.direction_icon.setPixmap(pixmap("phone-outgoing", 32, theme.ACCENT))
        self._set_state(CallState.CALLING, "Calling…", "pill-warn")

    def set_progress(self, call_id: int, text: str) -> None:
        """Update the state text of an unanswered call (e.g. "Ringing at their end…")."""
        if call_id == self._call_id and self._state in (CallState.RINGING, CallState.CALLING):
            self.state_label.setText(text)

    def set_connected(self, call_id: int) -> None:
        """The call was answered: start the timer."""
        if call_id != self._call_id or self._state is CallState.CONNECTED:
            return
        self._connected_at = self._clock()
        self.timer_label.setText(fmt.clock(0))
        self.timer_label.show()
        self.timer.start()
        self._set_state(CallState.CONNECTED, "Connected", "pill-ok")

    def set_ended(self, call_id: int, outcome_text: str) -> None:
        """The call is over; the panel keeps showing it until :meth:`clear` or the next call."""
        if call_id != self._call_id:
            return
        self.timer.stop()
        self._tick()
        self.timer_label.setVisible(self._connected_at is not None)
        kind = "pill-ok" if outcome_text.lower() == "answered" else "pill-bad"
        self._set_state(CallState.ENDED, f"Ended: {outcome_text}", kind)

    def clear(self) -> None:
        """Back to idle."""
        self.timer.stop()
        self._call_id = None
        self._connected_at = None
        self.stack.setCurrentWidget(self.idle_page)
        self._set_state(CallState.IDLE, "", "pill-ok")

    def elapsed(self) -> float:
        """Seconds since the call connected (0 before)."""
        if self._connected_at is None:
            return 0.0
        return max(0.0, self._clock() - self._connected_at)

    def answer_current(self) -> None:
        """Answer the ringing incoming call, if there is one."""
        if self._state is CallState.RINGING and self._call_id is not None:
            self.answer_requested.emit(self._call_id)

    def can_hang_up(self) -> bool:
        """True while there is a connected call or an outgoing one being set up."""
        return self._call_id is not None and self._state in (CallState.CALLING,
                                                             CallState.CONNECTED)

    def hang_up_current(self) -> None:
        """Cancel a dialling call or hang up a connected one; never declines a ringing call."""
        if self._call_id is not None and self.can_hang_up():
            self.hangup_requested.emit(self._call_id)

    def decline_current(self) -> None:
        """Decline the ringing incoming call, if there is one."""
        if self._state is CallState.RINGING and self._call_id is not None:
            self.decline_requested.emit(self._call_id)

    # ---- internals ---------------------------------------------------------------------
    def _start(self, call_id: int, card: CustomerCard | None, name: str, number: str,
               caller_id_name: str = "") -> None:
        self.timer.stop()
        self._call_id = call_id
        self._connected_at = None
        self.name_label.setText(name)
        self.number_label.setText(number)
        self.number_label.setVisible(bool(number) and number != name)
        self.caller_id_label.setText(f'Caller ID name: "{caller_id_name}"')
        self.caller_id_label.setVisible(bool(caller_id_name) and caller_id_name != name)
        self.timer_label.setText(fmt.clock(0))
        self.timer_label.hide()
        self.customer_box.setVisible(card is not None)
        if card is not None:
            churned = card.status is CustomerStatus.CHURNED
            status = "Churned customer" if churned else "Active customer"
            if name == card.name:  # already the headline: show the company instead
                first, second = card.company or status, status if card.company else ""
            else:
                first, second = card.name, card.company
            self.customer_label.setText(first)
            self.company_label.setText(second)
            self.company_label.setVisible(bool(second))
            self.ltv_caption.setText("CHURNED · VALUE LEFT" if churned else "LIFETIME VALUE")
            self.ltv_label.setText(fmt.money(card.lifetime_value_minor, card.currency))
        self.stack.setCurrentWidget(self.call_page)

    def _set_state(self, state: CallState, text: str, kind: str) -> None:
        self._state = state
        self.state_label.setText(text)
        set_kind(self.state_label, kind)
        ringing = state is CallState.RINGING
        self.decline_button.setVisible(ringing)
        self.answer_button.setVisible(ringing)
        self.hangup_button.setVisible(state in (CallState.CALLING, CallState.CONNECTED))
        self.close_button.setVisible(state is CallState.ENDED)
        self.state_changed.emit(state.value)

    def _tick(self) -> None:
        if self._connected_at is not None:
            self.timer_label.setText(fmt.clock(round(self.elapsed())))
