"""The call history: one row per call, written when the call starts and updated as it goes.

A crash mid-call leaves a row with ``outcome`` NULL, which is how an interrupted call looks in
the history, rather than no trace at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update

from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.store.database import Database
from ucdesk.store.schema import calls

_K = calls.c
_DIRECTION = {d.value: d for d in Direction}
_OUTCOME = {o.value: o for o in Outcome}


class UnknownCall(LookupError):
    """An update named a call row that does not exist."""


class CallRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, record: CallRecord) -> int:
        """Write the row for a call that has just started; returns its id."""
        values = {
            "direction": record.direction.value,
            "agent": record.agent,
            "sip_call_id": record.sip_call_id,
            "raw_identity": record.raw_identity,
            "display_name": record.display_name,
            "number_raw": record.number_raw,
            "number_e164": record.number_e164,
            "customer_id": record.customer_id,
            "customer_name": record.customer_name,
            "started_at": record.started_at,
            "answered_at": record.answered_at,
            "ended_at": record.ended_at,
            "outcome": record.outcome.value if record.outcome else None,
            "status_code": record.status_code,
            "lifetime_value_minor": record.lifetime_value_minor,
            "currency": record.currency,
        }
        with self.db.session() as s:
            return int(s.execute(insert(calls).values(values).returning(_K.id)).scalar_one())

    def _set(self, row_id: int, **values: Any) -> None:
        with self.db.session() as s:
            result = s.execute(update(calls).where(_K.id == row_id).values(**values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise UnknownCall(f"no call row {row_id}")

    def answered(self, row_id: int, at: datetime) -> None:
        self._set(row_id, answered_at=at)

    def ended(self, row_id: int, at: datetime, outcome: Outcome, status_code: int | None) -> None:
        self._set(row_id, ended_at=at, outcome=outcome.value, status_code=status_code)

    def close_interrupted(self, agent: str) -> int:
        """Give an outcome to this agent's calls that never got one (the app died mid-call).

        Answered calls stay ``answered``; an incoming call that was still ringing is ``missed``;
        an outgoing one that was still being set up is ``failed``. ``ended_at`` stays unknown
        (NULL): nobody saw the end. Only this agent's rows: in a shared store other agents' calls
        may really be in progress. Returns how many rows it closed.
        """
        open_rows = (_K.agent == agent) & _K.outcome.is_(None)
        outcome = case(
            (_K.answered_at.is_not(None), Outcome.ANSWERED.value),
            (_K.direction == Direction.INCOMING.value, Outcome.MISSED.value),
            else_=Outcome.FAILED.value,
        )
        with self.db.session() as s:
            result = s.execute(update(calls).where(open_rows).values(outcome=outcome))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def link_customer(self, row_id: int, customer_id: int | None, customer_name: str | None,
                      lifetime_value_minor: int | None, currency: str | None) -> None:
        """Record who the caller turned out to be and the value shown for them."""
        self._set(row_id, customer_id=customer_id, customer_name=customer_name,
                  lifetime_value_minor=lifetime_value_minor, currency=currency)

    def list(self, limit: int | None = None) -> list[CallRecord]:
        """The history, newest first."""
        stmt = select(calls).order_by(_K.started_at.desc(), _K.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.db.read_connection() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [
            CallRecord(
                id=r["id"],
                direction=_DIRECTION[r["direction"]],
                agent=r["agent"],
                sip_call_id=r["sip_call_id"],
                raw_identity=r["raw_identity"],
                display_name=r["display_name"],
                number_e164=r["number_e164"],
                number_raw=r["number_raw"],
                customer_id=r["customer_id"],
                customer_name=r["customer_name"],
                started_at=r["started_at"],
                answered_at=r["answered_at"],
                ended_at=r["ended_at"],
                outcome=_OUTCOME[r["outcome"]] if r["outcome"] else None,
                status_code=r["status_code"],
                lifetime_value_minor=r["lifetime_value_minor"],
                currency=r["currency"].strip() if r["currency"] else None,
            )
            for r in rows
        ]

    def last_call_at_by_customer(self) -> dict[int, datetime]:
        """When each customer last called or was called (start time, UTC)."""
        stmt = (select(_K.customer_id, func.max(_K.started_at))
                .where(_K.customer_id.is_not(None)).group_by(_K.customer_id))
        with self.db.read_connection() as conn:
            return {cid: at for cid, at in conn.execute(stmt)}
