"""Calls, from the agent's side: what rings, who it is, what gets written down.

:class:`CallService` runs on the GUI thread (Qt-free itself). It hears engine events (re-emitted
onto the GUI thread by the app), matches the caller with the in-memory :class:`RingIndex`, tells
its listener (the UI) and queues every write on the :class:`DbWorker`. A call row is written when
the call starts and updated on answer and end, so a crash mid-call still leaves it in the history.

The ring path here is: parse the caller identity (a few regexes and one ``phonenumbers`` parse of
warmed metadata), one dict lookup, one listener call. Nothing else.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ucdesk.domain.call import CallRecord, Direction, Outcome, outcome_for
from ucdesk.domain.customer import CustomerCard, CustomerMatch
from ucdesk.domain.phone import (
    CallerIdentity,
    NumberKind,
    ParsedNumber,
    RegionRequired,
    format_for_display,
    parse_identity,
    parse_number,
)
from ucdesk.domain.telephony import (
    AccountConfig,
    CallAnswered,
    CallEnded,
    CallProgress,
    CallRefused,
    Command,
    Decline,
    Dial,
    EngineEvent,
    HangUp,
    IncomingCall,
    OutgoingCallFailed,
    OutgoingCallStarted,
    utcnow,
)
from ucdesk.domain.telephony import Answer as AnswerCmd
from ucdesk.log import event
from ucdesk.services.db_worker import DbWorker
from ucdesk.services.ring_index import RingIndex
from ucdesk.store.calls import CallRepository
from ucdesk.telephony.addressing import request_uri

log = logging.getLogger(__name__)
MAX_DIAL_TEXT = 256


@dataclass(frozen=True, slots=True)
class CallView:
    """What the UI shows about one call: plain values, formatted off nothing but the index."""

    call_id: int
    direction: Direction
    display_name: str          # remote text: plain, never markup
    number_text: str           # readable number or address
    number: ParsedNumber
    match: CustomerMatch
    anonymous: bool
    received_ns: int | None = None   # incoming: monotonic ns when the engine got the INVITE
    sip_call_id: str | None = None


class CallListener(Protocol):
    def call_incoming(self, view: CallView) -> None: ...
    def call_outgoing(self, view: CallView) -> None: ...
    def call_progress(self, call_id: int, status_code: int, reason: str) -> None: ...
    def call_connected(self, call_id: int) -> None: ...
    def call_ended(self, call_id: int, outcome: Outcome) -> None: ...
    def history_changed(self, record: CallRecord) -> None: ...
    def dial_failed(self, text: str, reason: str) -> None: ...
    def call_refused_busy(self, display_name: str, number_text: str,
                          match: CustomerMatch) -> None: ...


@dataclass
class _Call:
    view: CallView
    record: CallRecord
    row: dict[str, int | None] = field(default_factory=lambda: {"id": None})
    declined: bool = False
    hung_up_by_agent: bool = False
    answered: bool = False
    start_queued: bool = False


class DialError(ValueError):
    pass


class CallService:
    def __init__(
        self,
        *,
        submit: Callable[[Command], None],
        calls: CallRepository,
        worker: DbWorker,
        ring_index: RingIndex,
        region: Callable[[], str | None],
        account: AccountConfig,
        listener: CallListener,
        post: Callable[[Callable[[], None]], None],
    ) -> None:
        self._submit = submit
        self._repo = calls
        self._worker = worker
        self._index = ring_index
        self._region = region
        self.account = account
        self._listener = listener
        self._post = post
        self._calls: dict[int, _Call] = {}
        self._pending_dials: dict[int, tuple[str, ParsedNumber, CustomerMatch]] = {}
        self._next_request = 1

    # ---- queries --------------------------------------------------------------------------
    @property
    def active_call_ids(self) -> list[int]:
        return list(self._calls)

    def in_call(self) -> bool:
        return bool(self._calls) or bool(self._pending_dials)

    def is_answered(self, call_id: int) -> bool:
        c = self._calls.get(call_id)
        return bool(c and c.answered)

    def view(self, call_id: int) -> CallView | None:
        c = self._calls.get(call_id)
        return c.view if c else None

    def resolve(self, text: str) -> tuple[ParsedNumber, CustomerMatch, str]:
        """Normalise what the agent typed or a link carried; raises DialError with a reason."""
        text = text.strip()
        if not text:
            raise DialError("nothing to dial")
        if len(text) > MAX_DIAL_TEXT:
            raise DialError(f"that is {len(text)} characters long; a number or SIP address "
                            f"is at most {MAX_DIAL_TEXT}")
        try:
            number = parse_number(text, self._region())
        except RegionRequired as exc:
            raise DialError(str(exc)) from exc
        if number.kind in (NumberKind.ANONYMOUS, NumberKind.INVALID) or not number.dial_string():
            raise DialError(number.reason or f"{text!r} is not a number or SIP address")
        match = self._index.lookup(number.e164)
        return number, match, self._number_text(number)

    def _number_text(self, number: ParsedNumber) -> str:
        if number.kind is NumberKind.E164:
            return format_for_display(number.e164, self._region())
        return number.dial_string() or number.raw

    # ---- agent requests -------------------------------------------------------------------
    def dial(self, text: str) -> int:
        """Start an outgoing call. Returns the request id; raises DialError."""
        if self.in_call():
            raise DialError("already on a call: hang up first")
        number, match, _shown = self.resolve(text)
        try:
            target = request_uri(number.dial_string() or "", self.account)
        except ValueError as exc:        # e.g. no domain to dial numbers at
            raise DialError(str(exc)) from exc
        rid = self._next_request
        self._next_request += 1
        self._pending_dials[rid] = (text, number, match)
        self._submit(Dial(rid, target, display=text))
        event(log, "call_dialing", request_id=rid, target=target)
        return rid

    def answer(self, call_id: int, customer_id: int | None = None) -> None:
        c = self._calls.get(call_id)
        if c is None:
            return
        if customer_id is not None:
            self.link_customer(call_id, customer_id)
        self._submit(AnswerCmd(call_id))

    def decline(self, call_id: int) -> None:
        c = self._calls.get(call_id)
        if c is None:
            return
        c.declined = True
        self._submit(Decline(call_id, 603))

    def hang_up(self, call_id: int) -> None:
        c = self._calls.get(call_id)
        if c is None:
            return
        c.hung_up_by_agent = True
        self._submit(HangUp(call_id))

    def link_customer(self, call_id: int, customer_id: int) -> None:
        """The agent picked one of several customers on the caller's number."""
        c = self._calls.get(call_id)
        if c is None:
            return
        card = next((k for k in c.view.match.cards if k.customer_id == customer_id), None)
        if card is None or card.customer_id == c.record.customer_id:
            return
        c.record = dataclasses.replace(
            c.record, customer_id=card.customer_id, customer_name=card.name,
            lifetime_value_minor=card.lifetime_value_minor, currency=card.currency,
        )
        self._write_start(c)
        row = c.row
        self._worker.submit(
            lambda: self._repo.link_customer(
                _row_id(row), card.customer_id, card.name, card.lifetime_value_minor, card.currency
            ),
            what="link_customer",
        )

    # ---- engine events (GUI thread) -------------------------------------------------------
    def on_engine_event(self, ev: EngineEvent) -> None:
        handler = self._handlers.get(type(ev))
        if handler is not None:
            handler(self, ev)

    def _on_incoming(self, ev: IncomingCall) -> None:
        identity = parse_identity(
            ev.from_header, self._region(), p_asserted_identity=ev.p_asserted_identity,
            privacy=ev.privacy, trust_pai=ev.from_proxy,
        )
        match = self._index.lookup(identity.number.e164)
        view = CallView(
            call_id=ev.call_id, direction=Direction.INCOMING, display_name=identity.display_name,
            number_text=self._identity_text(identity), number=identity.number, match=match,
            anonymous=identity.anonymous, received_ns=ev.received_ns, sip_call_id=ev.sip_call_id,
        )
        record = self._new_record(Direction.INCOMING, ev.sip_call_id, identity.raw,
                                  identity.display_name, identity.number, match.best, ev.at)
        call = _Call(view, record)
        self._calls[ev.call_id] = call
        self._listener.call_incoming(view)          # the pop is shown from here; nothing else
        # The log line and the call row follow in ring_shown(), after the pop is painted.

    def ring_shown(self, call_id: int) -> None:
        """The pop is up: now log the ring and queue the call's first row."""
        c = self._calls.get(call_id)
        if c is None:
            return
        self._write_start(c, pop_shown=True)

    def _identity_text(self, identity: CallerIdentity) -> str:
        if identity.anonymous:
            return "Withheld number"
        return self._number_text(identity.number)

    def _new_record(self, direction: Direction, sip_call_id: str | None, raw: str, display: str,
                    number: ParsedNumber, best: CustomerCard | None, at: datetime) -> CallRecord:
        return CallRecord(
            id=None, direction=direction, agent=self.account.sip_uri, sip_call_id=sip_call_id,
            raw_identity=raw, display_name=display, number_e164=number.e164,
            number_raw=number.dial_string() or number.raw,
            customer_id=best.customer_id if best else None,
            customer_name=best.name if best else None, started_at=at,
            lifetime_value_minor=best.lifetime_value_minor if best else None,
            currency=best.currency if best else None,
        )

    def _write_start(self, call: _Call, *, pop_shown: bool = False) -> None:
        """Queue the call's first row, once; every later update is queued after it.

        An incoming call's ``call_ringing`` line is logged here, so it comes once and before
        any other line about the call, also when the call is answered or ends before its pop
        is painted (``pop_shown`` false).
        """
        if call.start_queued:
            return
        call.start_queued = True
        view = call.view
        if view.direction is Direction.INCOMING:
            best = view.match.best
            event(log, "call_ringing", call_id=view.call_id, sip_call_id=view.sip_call_id,
                  number=view.number.e164, anonymous=view.anonymous,
                  customer_id=best.customer_id if best else None, pop_shown=pop_shown,
                  ms_since_invite=round((time.monotonic_ns() - (view.received_ns or 0)) / 1e6,
                                        3))
        row, record = call.row, call.record

        def start() -> int:
            row_id = self._repo.start(record)
            row["id"] = row_id
            return row_id

        self._worker.submit(start, what="call_start")

    def _on_outgoing_started(self, ev: OutgoingCallStarted) -> None:
        text, number, match = self._pending_dials.pop(ev.request_id, (ev.target, None, None))
        if number is None or match is None:
            return
        view = CallView(
            call_id=ev.call_id, direction=Direction.OUTGOING, display_name="",
            number_text=self._number_text(number), number=number, match=match, anonymous=False,
            sip_call_id=ev.sip_call_id,
        )
        record = self._new_record(Direction.OUTGOING, ev.sip_call_id, ev.target, "", number,
                                  match.best, ev.at)
        call = _Call(view, record)
        self._calls[ev.call_id] = call
        self._listener.call_outgoing(view)
        event(log, "call_outgoing", call_id=ev.call_id, target=ev.target,
              customer_id=record.customer_id)
        self._write_start(call)

    def _on_outgoing_failed(self, ev: OutgoingCallFailed) -> None:
        text, number, match = self._pending_dials.pop(ev.request_id, (ev.target, None, None))
        event(log, "call_failed", logging.WARNING, target=ev.target, reason=ev.reason)
        if number is not None and match is not None:
            record = dataclasses.replace(
                self._new_record(Direction.OUTGOING, None, ev.target, "", number, match.best, ev.at),
                ended_at=ev.at, outcome=Outcome.FAILED,
            )
            self._worker.submit(lambda: self._repo.start(record), what="call_failed",
                                on_done=lambda rid: self._post_history(record, rid))
        self._listener.dial_failed(text, ev.reason)

    def _on_progress(self, ev: CallProgress) -> None:
        if ev.call_id in self._calls:
            self._listener.call_progress(ev.call_id, ev.status_code, ev.reason)

    def _on_answered(self, ev: CallAnswered) -> None:
        c = self._calls.get(ev.call_id)
        if c is None:
            return
        c.answered = True
        c.record = dataclasses.replace(c.record, answered_at=ev.at)
        self._write_start(c)
        row = c.row
        self._worker.submit(lambda: self._repo.answered(_row_id(row), ev.at), what="call_answered")
        self._listener.call_connected(ev.call_id)
        event(log, "call_answered", call_id=ev.call_id, direction=c.record.direction.value,
              customer_id=c.record.customer_id)

    def _on_ended(self, ev: CallEnded) -> None:
        c = self._calls.pop(ev.call_id, None)
        if c is None:
            return
        outcome = outcome_for(
            c.record.direction, answered=ev.answered or c.answered, status_code=ev.status_code,
            ended_by_agent=ev.ended_by_local or c.hung_up_by_agent,
            declined_by_agent=ev.declined_by_local or c.declined,
        )
        answered_at = c.record.answered_at
        if answered_at is None and (ev.answered or c.answered):
            answered_at = ev.at
        c.record = dataclasses.replace(c.record, answered_at=answered_at, ended_at=ev.at,
                                       outcome=outcome, status_code=ev.status_code)
        self._write_start(c)         # a call can end before its pop was painted
        record, row = c.record, c.row
        self._worker.submit(
            lambda: self._repo.ended(_row_id(row), ev.at, outcome, ev.status_code),
            what="call_ended", on_done=lambda _r: self._post_history(record, row["id"]),
        )
        if record.customer_id is not None:
            self._index.note_call(record.customer_id, record.started_at)
        self._listener.call_ended(ev.call_id, outcome)
        event(log, "call_ended", call_id=ev.call_id, outcome=outcome.value,
              status_code=ev.status_code, talk_seconds=record.talk_seconds,
              ring_seconds=record.ring_seconds, customer_id=record.customer_id)

    def _on_refused(self, ev: CallRefused) -> None:
        identity = parse_identity(ev.from_header, self._region(),
                                  p_asserted_identity=ev.p_asserted_identity, privacy=ev.privacy,
                                  trust_pai=False)
        match = self._index.lookup(identity.number.e164)
        outcome = Outcome.BUSY if ev.status_code in (486, 600) else Outcome.FAILED
        record = dataclasses.replace(
            self._new_record(Direction.INCOMING, ev.sip_call_id, identity.raw,
                             identity.display_name, identity.number, match.best, ev.at),
            ended_at=ev.at, outcome=outcome, status_code=ev.status_code,
        )
        event(log, "call_refused", logging.WARNING, sip_call_id=ev.sip_call_id,
              status_code=ev.status_code, reason=ev.reason, number=identity.number.e164,
              source=ev.source)
        self._worker.submit(lambda: self._repo.start(record), what="call_refused",
                            on_done=lambda rid: self._post_history(record, rid))
        if outcome is Outcome.BUSY:      # someone tried while the agent was talking: say who
            self._listener.call_refused_busy(identity.display_name,
                                             self._identity_text(identity), match)

    def _post_history(self, record: CallRecord, row_id: int | None) -> None:
        final = dataclasses.replace(record, id=row_id)
        self._post(lambda: self._listener.history_changed(final))

    _handlers: dict[type, Callable[[CallService, EngineEvent], None]] = {
        IncomingCall: _on_incoming,  # type: ignore[dict-item]
        OutgoingCallStarted: _on_outgoing_started,  # type: ignore[dict-item]
        OutgoingCallFailed: _on_outgoing_failed,  # type: ignore[dict-item]
        CallProgress: _on_progress,  # type: ignore[dict-item]
        CallAnswered: _on_answered,  # type: ignore[dict-item]
        CallEnded: _on_ended,  # type: ignore[dict-item]
        CallRefused: _on_refused,  # type: ignore[dict-item]
    }


def _row_id(row: dict[str, int | None]) -> int:
    rid = row["id"]
    if rid is None:
        raise RuntimeError("the call's first row was not written")
    return rid


__all__ = ["CallService", "CallView", "CallListener", "DialError", "utcnow"]
