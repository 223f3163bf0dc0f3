"""A few days of made-up calls for the demo book, so a new desk does not open on an empty list.

Written once, right after the demo customers are seeded into an empty store, as the agent
``DEMO_AGENT`` (so they can be told apart from real calls). Deterministic: the same store gets the
same history.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.domain.customer import CustomerCard
from ucdesk.log import event
from ucdesk.store.calls import CallRepository
from ucdesk.store.customers import CustomerRepository
from ucdesk.store.database import Database

log = logging.getLogger(__name__)
DEMO_AGENT = "sip:demo-history@ucdesk.invalid"

# (days ago, hour, minute, direction, outcome, ring s, talk s)
_PLAN: tuple[tuple[int, int, int, Direction, Outcome, int, int], ...] = (
    (0, 9, 12, Direction.INCOMING, Outcome.ANSWERED, 6, 254),
    (0, 8, 31, Direction.INCOMING, Outcome.MISSED, 31, 0),
    (1, 16, 44, Direction.OUTGOING, Outcome.ANSWERED, 9, 612),
    (1, 14, 19, Direction.INCOMING, Outcome.ANSWERED, 4, 95),
    (1, 11, 2, Direction.OUTGOING, Outcome.BUSY, 3, 0),
    (2, 15, 19, Direction.INCOMING, Outcome.DECLINED, 5, 0),
    (2, 10, 47, Direction.INCOMING, Outcome.ANSWERED, 3, 1340),
    (3, 13, 5, Direction.INCOMING, Outcome.MISSED, 25, 0),
    (3, 9, 58, Direction.OUTGOING, Outcome.ANSWERED, 12, 288),
    (4, 17, 21, Direction.OUTGOING, Outcome.CANCELLED, 14, 0),
)


def demo_history(cards: list[CustomerCard], numbers: dict[int, str],
                 now: datetime) -> list[CallRecord]:
    """The made-up calls, oldest first, for customers that have a number."""
    callers = [c for c in cards if c.customer_id in numbers]
    if not callers:
        return []
    rng = random.Random(20)
    local_midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    records: list[CallRecord] = []
    for days, hour, minute, direction, outcome, ring, talk in _PLAN:
        started = local_midnight - timedelta(days=days) + timedelta(hours=hour, minutes=minute)
        if started >= now:
            started = now - timedelta(hours=1 + days)
        card = rng.choice(callers)
        e164 = numbers[card.customer_id]
        answered = started + timedelta(seconds=ring) if outcome is Outcome.ANSWERED else None
        ended = (answered + timedelta(seconds=talk)) if answered else started + timedelta(
            seconds=ring)
        status = {Outcome.ANSWERED: 200, Outcome.MISSED: 487, Outcome.DECLINED: 603,
                  Outcome.BUSY: 486, Outcome.CANCELLED: 487}.get(outcome, 500)
        records.append(CallRecord(
            id=None, direction=direction, agent=DEMO_AGENT, sip_call_id=None,
            raw_identity=f"sip:{e164}@demo.invalid", display_name="", number_e164=e164,
            number_raw=e164, customer_id=card.customer_id, customer_name=card.name,
            started_at=started, answered_at=answered, ended_at=ended, outcome=outcome,
            status_code=status, lifetime_value_minor=card.lifetime_value_minor,
            currency=card.currency,
        ))
    return sorted(records, key=lambda r: r.started_at)


def seed_demo_history(db: Database, now: datetime | None = None) -> int:
    """Write the demo history into a store that has no calls yet; returns how many rows."""
    calls = CallRepository(db)
    if calls.list(limit=1):
        return 0
    customers = CustomerRepository(db)
    numbers: dict[int, str] = {}
    for e164, ids in customers.phone_index().items():
        for cid in ids:
            numbers.setdefault(cid, e164)
    records = demo_history(customers.cards(), numbers, now or datetime.now(UTC))
    for record in records:
        calls.start(record)
    event(log, "demo_history_seeded", calls=len(records))
    return len(records)
