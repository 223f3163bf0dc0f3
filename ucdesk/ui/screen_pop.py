"""The screen pop: who is calling and what they are worth, shown the moment the phone rings.

It is a small always-on-top card at the bottom-right of the screen that never takes the keyboard
away from what the agent is typing. It is built once and reused: :meth:`ScreenPop.show_call` only
sets texts from the precomputed :class:`CustomerMatch` (no look-ups, no I/O), so its cost is a few
``setText`` calls and one paint. :attr:`ScreenPop.first_painted` lets the app measure INVITE to
first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ucdesk.domain.customer import CustomerCard, CustomerMatch, CustomerStatus
from ucdesk.ui import formatting as fmt
from ucdesk.ui import theme
from ucdesk.ui.icons import icon, pixmap
from ucdesk.ui.theme import plain_label, set_kind

__all__ = ["ScreenPop", "POP_FLAGS"]

#: A tool window above everything else, without a frame, that the window system must not focus.
POP_FLAGS = (
    Qt.WindowType.Tool
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowDoesNotAcceptFocus
)
_MARGIN = 16
_POP_STYLE = f"""
QFrame#popCard {{ background: {theme.SURFACE}; border: 1px solid #c7d0da;
    border-top: 5px solid {theme.ACCENT}; }}
QFrame#popCard[kind="unknown"] {{ border-top-color: {theme.MUTED}; }}
QFrame#popCard[kind="churned"] {{ border-top-color: {theme.DANGER}; }}
QLabel[kind="title"] {{ font-size: 20px; }}
"""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ScreenPop(QWidget):
    """An incoming-call card with the caller's value and Answer / Decline buttons.

    Signals:
        answer_requested(call_id, customer_id or None): the agent pressed Answer; the id is the
            customer picked in the list (the first, highest-value one unless another was picked).
        decline_requested(call_id): the agent pressed Decline.
        first_painted(call_id): emitted once, from the first paint after :meth:`show_call`.
    """

    answer_requested = Signal(int, object)
    decline_requested = Signal(int)
    first_painted = Signal(int)
    customer_picked = Signal(int, int)     # call_id, customer_id: the agent chose another one

    def __init__(self, parent: QWidget | None = None, *,
                 now: Callable[[], datetime] = _utcnow) -> None:
        super().__init__(parent, POP_FLAGS)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWindowTitle("Incoming call")
        self.setStyleSheet(theme.STYLESHEET + _POP_STYLE)
        self.setFixedWidth(390)
        self._now = now
        self._call_id: int | None = None
        self._cards: tuple[CustomerCard, ...] = ()
        self._paint_pending: int | None = None
        self._return_window: QWidget | None = None
        self._return_focus: QWidget | None = None
        self._build()

    # ---- construction ------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.card = QFrame(self)
        self.card.setObjectName("popCard")
        outer.addWidget(self.card)
        lay = QVBoxLayout(self.card)
        lay.setContentsMargins(18, 14, 18, 16)
        lay.setSpacing(4)

        top = QHBoxLayout()
        self.direction_icon = plain_label()
        self.direction_icon.setPixmap(pixmap("phone-incoming", 18, theme.ACCENT))
        self.caption_label = plain_label("Incoming call", "caption")
        self.status_label = plain_label("", "pill-ok")
        top.addWidget(self.direction_icon)
        top.addWidget(self.caption_label)
        top.addStretch(1)
        top.addWidget(self.status_label, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addLayout(top)
        lay.addSpacing(4)

        self.name_label = plain_label("", "title")
        self.name_label.setWordWrap(True)
        self.company_label = plain_label("", "muted")
        self.company_label.setWordWrap(True)
        self.display_name_label = plain_label("", "muted")
        self.display_name_label.setWordWrap(True)
        self.caller_id_row = QWidget(self.card)
        row = QHBoxLayout(self.caller_id_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(plain_label("Caller ID:", "muted"))
        row.addWidget(self.display_name_label, 1)
        self.number_label = plain_label("", "value")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        for w in (self.name_label, self.company_label, self.caller_id_row, self.number_label):
            lay.addWidget(w)

        self.details = QWidget(self.card)
        det = QVBoxLayout(self.details)
        det.setContentsMargins(0, 10, 0, 0)
        det.setSpacing(2)
        self.ltv_caption = plain_label("LIFETIME VALUE", "caption")
        self.ltv_label = plain_label("", "value-big")
        det.addWidget(self.ltv_caption)
        det.addWidget(self.ltv_label)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        self.revenue_caption = plain_label("MONTHLY", "caption")
        self.revenue_label = plain_label("", "value")
        self.tenure_caption = plain_label("CUSTOMER FOR", "caption")
        self.tenure_label = plain_label("", "value")
        self.last_call_caption = plain_label("LAST CALL", "caption")
        self.last_call_label = plain_label("", "value")
        for col, (cap, val) in enumerate(((self.revenue_caption, self.revenue_label),
                                          (self.tenure_caption, self.tenure_label),
                                          (self.last_call_caption, self.last_call_label))):
            grid.addWidget(cap, 0, col)
            grid.addWidget(val, 1, col)
        det.addSpacing(6)
        det.addLayout(grid)
        self.churn_label = plain_label("", "pill-bad")
        self.churn_label.setWordWrap(True)
        det.addSpacing(6)
        det.addWidget(self.churn_label)
        cost = QHBoxLayout()
        self.cost_caption = plain_label("Cost to replace", "muted")
        self.cost_label = plain_label("", "value")
        cost.addWidget(self.cost_caption)
        cost.addStretch(1)
        cost.addWidget(self.cost_label)
        self.cost_row = QWidget(self.details)
        self.cost_row.setLayout(cost)
        cost.setContentsMargins(0, 4, 0, 0)
        det.addWidget(self.cost_row)
        lay.addWidget(self.details)

        self.choices_caption = plain_label("", "caption")
        self.choices = QListWidget(self.card)
        self.choices.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.choices.setIconSize(QSize(18, 18))
        self.choices.currentRowChanged.connect(self._on_pick)
        lay.addSpacing(6)
        lay.addWidget(self.choices_caption)
        lay.addWidget(self.choices)

        self.hint_label = plain_label("", "muted")
        self.hint_label.setWordWrap(True)
        lay.addWidget(self.hint_label)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 12, 0, 0)
        self.decline_button = QPushButton(icon("phone-hangup", "#ffffff"), "Decline", self.card)
        set_kind(self.decline_button, "danger")
        self.answer_button = QPushButton(icon("phone", "#ffffff"), "Answer", self.card)
        set_kind(self.answer_button, "answer")
        for b in (self.decline_button, self.answer_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setIconSize(QSize(18, 18))
            b.setMinimumHeight(38)
            buttons.addWidget(b, 1)
        self.decline_button.clicked.connect(self._decline)
        self.answer_button.clicked.connect(self._answer)
        lay.addLayout(buttons)

    # ---- public API ------------------------------------------------------------------
    @property
    def call_id(self) -> int | None:
        """The call shown, or None when dismissed."""
        return self._call_id

    def show_call(self, call_id: int, display_name: str, number_text: str,
                  match: CustomerMatch | None, anonymous: bool, region: str | None) -> None:
        """Fill the pop for one ringing call and show it without taking focus.

        ``display_name`` (from SIP) and customer fields are shown as plain text, never markup.
        """
        self._call_id = call_id
        self._cards = match.cards if match and not anonymous else ()
        self.display_name_label.setText(display_name.strip())
        if anonymous:
            self._show_stranger("Withheld number", "", "The caller hid their number.")
        elif not self._cards:
            e164 = match.e164 if match else None
            number = fmt.display_number(e164, number_text, region)
            self._show_stranger("Unknown caller", number, "No customer has this number.")
        else:
            number = fmt.display_number(match.e164 if match else None, number_text, region)
            self.number_label.setText(number)
            self.number_label.setVisible(bool(number))
            self.hint_label.hide()
            self.details.show()
            self._fill_choices()
            self._show_card(self._cards[0])
        self._paint_pending = call_id
        self._remember_focus()
        self._place()
        self.show()
        self.update()

    def selected_customer_id(self) -> int | None:
        """The customer Answer would report: the picked one, else the first."""
        if not self._cards:
            return None
        row = self.choices.currentRow()
        return self._cards[row if 0 <= row < len(self._cards) else 0].customer_id

    def dismiss(self) -> None:
        """Hide the pop (the call was answered, declined or ended)."""
        self._call_id = None
        self._paint_pending = None
        self._return_window = self._return_focus = None
        self.hide()

    # ---- filling -----------------------------------------------------------------------
    def _show_stranger(self, headline: str, number: str, hint: str) -> None:
        set_kind(self.card, "unknown")
        self.name_label.setText(headline)
        self.company_label.hide()
        self.caller_id_row.setVisible(bool(self.display_name_label.text()))
        self.number_label.setText(number)
        self.number_label.setVisible(bool(number))
        self.status_label.hide()
        self.details.hide()
        self.choices.clear()
        self.choices.hide()
        self.choices_caption.hide()
        self.hint_label.setText(hint)
        self.hint_label.show()

    def _fill_choices(self) -> None:
        self.choices.blockSignals(True)
        self.choices.clear()
        many = len(self._cards) > 1
        if many:
            for card in self._cards:
                who = f"{card.name} · {card.company}" if card.company else card.name
                value = fmt.money(card.lifetime_value_minor, card.currency)
                item = QListWidgetItem(icon("person"), f"{who}\n{value} lifetime value")
                self.choices.addItem(item)
            self.choices.setCurrentRow(0)
            self.choices_caption.setText(
                f"{len(self._cards)} CUSTOMERS ON THIS NUMBER — PICK ONE")
            rows = min(len(self._cards), 3)
            self.choices.setFixedHeight(rows * 46 + 6)
        self.choices.setVisible(many)
        self.choices_caption.setVisible(many)
        self.choices.blockSignals(False)

    def _on_pick(self, row: int) -> None:
        if 0 <= row < len(self._cards):
            self._show_card(self._cards[row])
            self._place()  # the picked card may be taller or shorter; keep the corner
            if self._call_id is not None:
                self.customer_picked.emit(self._call_id, self._cards[row].customer_id)

    def pick_next(self, step: int = 1) -> None:
        """Keyboard choice among several customers on one number (the pop never has focus)."""
        if len(self._cards) > 1:
            row = (max(self.choices.currentRow(), 0) + step) % len(self._cards)
            self.choices.setCurrentRow(row)

    def _show_card(self, card: CustomerCard) -> None:
        now = self._now()
        churned = card.status is CustomerStatus.CHURNED
        set_kind(self.card, "churned" if churned else "known")
        self.name_label.setText(card.name)
        self.company_label.setText(card.company)
        self.company_label.setVisible(bool(card.company))
        shown_name = self.display_name_label.text()
        self.caller_id_row.setVisible(bool(shown_name) and shown_name != card.name)
        ltv = fmt.money(card.lifetime_value_minor, card.currency)
        self.ltv_label.setText(ltv)
        set_kind(self.ltv_label, "value-lost" if churned else "value-big")
        self.revenue_label.setText(f"{fmt.money(card.monthly_revenue_minor, card.currency)} / mo")
        self.tenure_caption.setText("WAS A CUSTOMER" if churned else "CUSTOMER FOR")
        self.tenure_label.setText(
            fmt.tenure(card.start_date, card.end_date, now.astimezone().date()) or "—")
        self.last_call_label.setText(fmt.relative_time(card.last_call_at, now))
        self.status_label.setText("Churned customer" if churned else "Active customer")
        set_kind(self.status_label, "pill-bad" if churned else "pill-ok")
        self.status_label.show()
        if churned:
            earned = fmt.money(card.revenue_to_date_minor, card.currency)
            self.churn_label.setText(f"Churned — {ltv} remaining; {earned} earned")
        self.churn_label.setVisible(churned)
        cost = card.acquisition_cost_minor
        self.cost_label.setText(fmt.money(cost, card.currency))
        self.cost_row.setVisible(cost is not None)

    # ---- placement, focus, paint ----------------------------------------------------------
    def _place(self) -> None:
        self._fit()
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.move(area.right() + 1 - self.width() - _MARGIN,
                  area.bottom() + 1 - self.height() - _MARGIN)

    def _fit(self) -> None:
        """Take exactly the height of what is shown now, shrinking as well as growing.

        New texts and shown or hidden rows only re-lay out on the next pass of the event loop;
        until then the window keeps its old minimum height (e.g. from a list of customers), which
        no resize can go below. So re-lay out now, inner layouts first. The height is the one for
        the fixed width (labels wrap), which is what the layout settles on later anyway.
        """
        for widget in (self.caller_id_row, self.cost_row, self.details, self.card, self):
            layout = widget.layout()
            if layout is not None:
                layout.activate()
            widget.updateGeometry()
        height = self.heightForWidth(self.width())
        self.resize(self.width(), height if height > 0 else self.sizeHint().height())

    def _remember_focus(self) -> None:
        active = QApplication.activeWindow()
        if active is not None and active is not self:
            self._return_window = active
            self._return_focus = QApplication.focusWidget()

    def event(self, event: QEvent) -> bool:
        # Some window systems (and Qt's offscreen platform) activate every new window whatever
        # its flags say. The pop holds nothing to type into, so hand activation straight back.
        if event.type() == QEvent.Type.WindowActivate and self._return_window is not None:
            window, focus = self._return_window, self._return_focus
            if window.isVisible():
                window.activateWindow()
                if focus is not None and focus.window() is window:
                    focus.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._paint_pending is not None:
            call_id, self._paint_pending = self._paint_pending, None
            self.first_painted.emit(call_id)

    # ---- buttons -----------------------------------------------------------------------
    def _answer(self) -> None:
        if self._call_id is not None:
            self.answer_requested.emit(self._call_id, self.selected_customer_id())

    def _decline(self) -> None:
        if self._call_id is not None:
            self.decline_requested.emit(self._call_id)
