"""Call records: one row per call, written when it starts and updated as it goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class Outcome(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"        # incoming, never answered: the caller gave up or it rang out
    DECLINED = "declined"    # the agent declined, or the callee answered 603
    BUSY = "busy"            # 486/600, or refused while on a call
    CANCELLED = "cancelled"  # the agent ended an outgoing call before answer
    FAILED = "failed"        # any other error


def outcome_for(
    direction: Direction,
    *,
    answered: bool,
    status_code: int,
    ended_by_agent: bool,
    declined_by_agent: bool = False,
    refused_busy: bool = False,
) -> Outcome:
    """Classify how a call ended. Pure; the engine reports facts, this names them."""
    if answered:
        return Outcome.ANSWERED
    if refused_busy:
        return Outcome.BUSY
    if declined_by_agent:
        return Outcome.DECLINED
    if direction is Direction.INCOMING:
        return Outcome.MISSED
    if status_code in (486, 600):
        return Outcome.BUSY
    if status_code == 603:
        return Outcome.DECLINED
    if ended_by_agent:
        return Outcome.CANCELLED
    return Outcome.FAILED


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: int | None
    direction: Direction
    agent: str                      # the agent's SIP address (account id)
    sip_call_id: str | None
    raw_identity: str               # From / PAI / dialled URI as seen
    display_name: str               # plain text from the remote party
    number_e164: str | None
    number_raw: str
    customer_id: int | None
    customer_name: str | None
    started_at: datetime            # UTC
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: Outcome | None = None  # None while the call is in progress
    status_code: int | None = None
    lifetime_value_minor: int | None = None   # shown at ring time
    currency: str | None = None

    @property
    def ring_seconds(self) -> float | None:
        end = self.answered_at or self.ended_at
        if end is None:
            return None
        return round(max(0.0, (end - self.started_at).total_seconds()), 3)

    @property
    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return round(max(0.0, (self.ended_at - self.answered_at).total_seconds()), 3)
