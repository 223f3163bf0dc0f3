"""CustomerRepository: upsert matching rules, values, the ring-index loaders, renormalising."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ucdesk.domain.call import CallRecord, Direction
from ucdesk.domain.customer import Customer, CustomerStatus, PhoneEntry
from ucdesk.domain.phone import RegionRequired, parse_number
from ucdesk.store.calls import CallRepository
from ucdesk.store.customers import CustomerRepository
from ucdesk.store.database import Database


@pytest.fixture
def db(tmp_path):
    database = Database.open(str(tmp_path / "store.sqlite3"))
    yield database
    database.close()


def phone(raw: str, region: str | None = "ZA") -> PhoneEntry:
    p = parse_number(raw, region)
    return PhoneEntry(raw, p.e164, p.ext, p.kind.value)


def cust(name: str, *phones: str, ext: str | None = None, revenue: int = 30000,
         **kw) -> Customer:
    return Customer(id=None, external_id=ext, name=name, monthly_revenue_minor=revenue,
                    phones=tuple(phone(p) for p in phones), **kw)


def test_insert_then_read_back(db):
    repo = CustomerRepository(db)
    c = cust("Lerato Mokoena", "011 555 1234", "082 555 0101 x7", ext="C1", company="Mokoena",
             start_date=date(2022, 3, 1), acquisition_cost_minor=120000)
    result = repo.upsert_many([c])
    assert (result.inserted, result.updated) == (1, 0)
    (cid,) = result.ids
    got = repo.get(cid)
    assert got is not None
    assert got.external_id == "C1" and got.company == "Mokoena" and got.currency == "ZAR"
    assert got.start_date == date(2022, 3, 1) and got.status is CustomerStatus.ACTIVE
    assert got.acquisition_cost_minor == 120000
    assert got.phones == (PhoneEntry("011 555 1234", "+27115551234", None, "e164"),
                          PhoneEntry("082 555 0101 x7", "+27825550101", "7", "e164"))
    assert repo.count() == 1 and repo.all() == [got]
    assert repo.get(cid + 100) is None


def test_external_id_match_updates_even_with_new_name_and_phone(db):
    repo = CustomerRepository(db)
    first = repo.upsert_many([cust("Lerato Mokoena", "011 555 1234", ext="C1")])
    again = repo.upsert_many([cust("Lerato M. Dlamini", "021 555 0100", ext="C1", revenue=45000)])
    assert (again.inserted, again.updated) == (0, 1)
    assert again.ids == first.ids
    (stored,) = repo.all()
    assert stored.name == "Lerato M. Dlamini" and stored.monthly_revenue_minor == 45000
    assert [p.e164 for p in stored.phones] == ["+27215550100"]  # phones replaced


def test_name_and_shared_phone_match_without_ids(db):
    repo = CustomerRepository(db)
    first = repo.upsert_many([cust("Sipho Ndlovu", "072 555 0199", "011 555 1234")])
    again = repo.upsert_many([cust("  sipho   NDLOVU ", "+27 11 555 1234", revenue=99900)])
    assert (again.inserted, again.updated) == (0, 1)
    assert again.ids == first.ids
    assert repo.get(first.ids[0]).monthly_revenue_minor == 99900


def test_two_customers_sharing_a_number_stay_two(db):
    repo = CustomerRepository(db)
    result = repo.upsert_many([
        cust("Johan Botha", "021 555 0100", "084 555 0166"),
        cust("Fatima Adams", "021 555 0100", "076 555 0188"),
    ])
    assert result.inserted == 2 and len(set(result.ids)) == 2
    again = repo.upsert_many([cust("Fatima Adams", "021 555 0100", revenue=1)])
    assert (again.inserted, again.updated) == (0, 1)
    assert again.ids == (result.ids[1],)
    assert repo.count() == 2
    assert sorted(repo.phone_index()["+27215550100"]) == sorted(result.ids)


def test_same_name_different_number_is_a_different_customer(db):
    repo = CustomerRepository(db)
    repo.upsert_many([cust("Thabo Molefe", "012 555 0190")])
    result = repo.upsert_many([cust("Thabo Molefe", "073 555 0155")])
    assert (result.inserted, result.updated) == (1, 0)
    assert repo.count() == 2


def test_different_external_ids_never_merge_on_name_and_phone(db):
    repo = CustomerRepository(db)
    repo.upsert_many([cust("Anele Zulu", "079 555 0177", ext="A")])
    result = repo.upsert_many([cust("Anele Zulu", "079 555 0177", ext="B")])
    assert (result.inserted, result.updated) == (1, 0)


def test_id_less_customer_adopts_an_external_id_and_keeps_it(db):
    repo = CustomerRepository(db)
    first = repo.upsert_many([cust("Anele Zulu", "079 555 0177")])
    adopted = repo.upsert_many([cust("Anele Zulu", "079 555 0177", ext="Z-9")])
    assert adopted.ids == first.ids and adopted.updated == 1
    without = repo.upsert_many([cust("Anele Zulu", "079 555 0177")])
    assert without.ids == first.ids
    assert repo.get(first.ids[0]).external_id == "Z-9"


def test_duplicates_within_one_batch_collapse_last_wins(db):
    repo = CustomerRepository(db)
    result = repo.upsert_many([
        cust("Naledi Sithole", "073 555 0155", ext="N1", revenue=100),
        cust("Naledi Sithole", "073 555 0155", ext="N1", revenue=200),
        cust("Vusi Nkosi", "082 555 0186", revenue=300),
        cust("Vusi Nkosi", "082 555 0186", revenue=400),
    ])
    assert result.inserted == 2 and result.updated == 0
    assert result.ids[0] == result.ids[1] and result.ids[2] == result.ids[3]
    assert sorted(c.monthly_revenue_minor for c in repo.all()) == [200, 400]


def test_an_id_taken_on_in_a_batch_still_blocks_other_ids(db):
    repo = CustomerRepository(db)
    result = repo.upsert_many([
        cust("Anele Zulu", "079 555 0177", ext="A"),
        cust("Anele Zulu", "079 555 0177"),            # same person, no id: merges into A
        cust("Anele Zulu", "079 555 0177", ext="B"),   # a different customer B
    ])
    assert result.ids[0] == result.ids[1] != result.ids[2]
    assert sorted(c.external_id for c in repo.all()) == ["A", "B"]


def test_set_values_and_cards(db):
    repo = CustomerRepository(db)
    ids = repo.upsert_many([
        cust("Low Value", "021 555 0100", ext="L"),
        cust("High Value", "021 555 0100", ext="H", status=CustomerStatus.CHURNED,
             start_date=date(2020, 1, 1), end_date=date(2021, 1, 1)),
        cust("No Value", "011 555 1234", ext="N"),
    ]).ids
    repo.set_values({ids[0]: (1_000_00, 5_000_00), ids[1]: (9_000_00, None)})
    cards = {c.customer_id: c for c in repo.cards()}
    assert cards[ids[0]].lifetime_value_minor == 1_000_00
    assert cards[ids[0]].revenue_to_date_minor == 5_000_00
    assert cards[ids[1]].status is CustomerStatus.CHURNED
    assert cards[ids[1]].end_date == date(2021, 1, 1)
    assert cards[ids[2]].lifetime_value_minor == 0  # not computed yet
    assert cards[ids[2]].last_call_at is None
    assert repo.phone_index() == {"+27215550100": [ids[1], ids[0]], "+27115551234": [ids[2]]}


def test_cards_carry_the_last_call(db):
    repo = CustomerRepository(db)
    (cid,) = repo.upsert_many([cust("Lerato Mokoena", "011 555 1234")]).ids
    calls = CallRepository(db)
    for hour in (8, 11, 9):
        calls.start(CallRecord(
            id=None, direction=Direction.INCOMING, agent="sip:a@x", sip_call_id=None,
            raw_identity="sip:+27115551234@x", display_name="", number_e164="+27115551234",
            number_raw="+27115551234", customer_id=cid, customer_name="Lerato Mokoena",
            started_at=datetime(2025, 3, 1, hour, tzinfo=UTC)))
    (card,) = repo.cards()
    assert card.last_call_at == datetime(2025, 3, 1, 11, tzinfo=UTC)


def test_iter_for_valuation(db):
    repo = CustomerRepository(db)
    ids = repo.upsert_many([cust("A", "011 555 1234", start_date=date(2024, 1, 1)),
                            cust("B", "021 555 0100")]).ids
    everyone = list(repo.iter_for_valuation())
    assert [c.id for c in everyone] == list(ids)
    assert everyone[0].start_date == date(2024, 1, 1) and everyone[0].phones == ()
    assert [c.name for c in repo.iter_for_valuation([ids[1]])] == ["B"]


def test_renormalise_after_region_change(db):
    repo = CustomerRepository(db)
    entry = PhoneEntry("020 7946 0000", None, None, "invalid")  # national UK, stored as ZA
    (cid,) = repo.upsert_many([Customer(id=None, external_id=None, name="London Office",
                                        phones=(entry, phone("+27 11 555 1234")))]).ids
    assert repo.renormalise("GB") == 1
    stored = repo.get(cid)
    assert [(p.e164, p.kind) for p in stored.phones] == [("+442079460000", "e164"),
                                                         ("+27115551234", "e164")]
    assert repo.renormalise("GB") == 0
    assert repo.phone_index()["+442079460000"] == [cid]


def test_renormalise_without_region_changes_nothing(db):
    repo = CustomerRepository(db)
    repo.upsert_many([cust("A", "011 555 1234")])
    with pytest.raises(RegionRequired):
        repo.renormalise(None)
    assert repo.all()[0].phones[0].e164 == "+27115551234"
