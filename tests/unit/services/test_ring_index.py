from __future__ import annotations

from datetime import UTC, date, datetime

from ucdesk.domain.customer import CustomerCard, CustomerStatus
from ucdesk.services.ring_index import RingIndex


def card(cid: int, name: str, value: int) -> CustomerCard:
    return CustomerCard(cid, None, name, "", CustomerStatus.ACTIVE, "ZAR", value, 30000, 0, None,
                        date(2024, 1, 1), None, None)


def test_lookup_lists_customers_on_a_number_highest_value_first() -> None:
    idx = RingIndex()
    idx.replace([card(1, "Low", 100), card(2, "High", 900), card(3, "Other", 500)],
                {"+27115551234": [1, 2], "+27215550000": [3]})
    m = idx.lookup("+27115551234")
    assert [c.name for c in m.cards] == ["High", "Low"]
    assert m.best is not None and m.best.customer_id == 2
    assert idx.lookup("+27999999999").cards == ()
    assert idx.lookup(None).best is None
    assert idx.customer_count == 3 and len(idx) == 2


def test_last_calls_are_merged_and_noted() -> None:
    t1 = datetime(2026, 1, 1, tzinfo=UTC)
    t2 = datetime(2026, 2, 1, tzinfo=UTC)
    idx = RingIndex()
    idx.replace([card(1, "A", 1)], {"+27115551234": [1]}, {1: t1})
    assert idx.lookup("+27115551234").cards[0].last_call_at == t1
    idx.note_call(1, t2)
    assert idx.lookup("+27115551234").cards[0].last_call_at == t2
    idx.note_call(1, t1)  # an older call does not move it back
    assert idx.card(1).last_call_at == t2


def test_replace_swaps_the_whole_index() -> None:
    idx = RingIndex()
    idx.replace([card(1, "A", 1)], {"+27115551234": [1]})
    before = idx.lookup("+27115551234")
    idx.replace([], {})
    assert before.best is not None          # a lookup already made keeps its answer
    assert idx.lookup("+27115551234").best is None
