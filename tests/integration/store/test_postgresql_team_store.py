"""The store on a real PostgreSQL server (team mode), side by side with SQLite.

Each test gets a fresh database on the throwaway server of ``conftest.py``. Where a behaviour
is not PostgreSQL-specific, the same scenario runs on a SQLite file too and the two results
must be equal, so "works on PostgreSQL" means "does what the default store does".
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, func, insert, inspect, select, text

from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.domain.customer import Customer, CustomerStatus, PhoneEntry
from ucdesk.domain.phone import RegionRequired, parse_number
from ucdesk.services.customers import import_customers, recompute_all_values
from ucdesk.settings import MemoryBackend, Settings, TeamSettings
from ucdesk.store import CallRepository, CustomerRepository, Database, TeamSettingsBackend
from ucdesk.store.calls import UnknownCall
from ucdesk.store.database import MIGRATIONS_DIR
from ucdesk.store.schema import customers, metadata, team_settings

R = TypeVar("R")

TODAY = date(2025, 6, 30)
# more than 2**31 minor units: money columns must be 64-bit on both backends
WHALE_REVENUE_MINOR = 9_876_543_210_123
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


# ---- helpers ------------------------------------------------------------------------------

def on_both(tmp_path: Path, pg_url: str, scenario: Callable[[Database], R]) -> tuple[R, R]:
    """Run ``scenario`` on a fresh SQLite store and on the fresh PostgreSQL database."""
    results = []
    for url in (str(tmp_path / "store.sqlite3"), pg_url):
        db = Database.open(url)
        try:
            results.append(scenario(db))
        finally:
            db.close()
    return results[0], results[1]


def team_settings_of(db: Database, **values: Any) -> Settings:
    settings = Settings(MemoryBackend(), TeamSettingsBackend(db))
    for key, value in values.items():
        settings.set(key, value)
    return settings


def phone(raw: str, region: str | None = "ZA") -> PhoneEntry:
    p = parse_number(raw, region)
    return PhoneEntry(raw, p.e164, p.ext, p.kind.value)


def cust(name: str, *phones: str, ext: str | None = None, revenue: int = 30_000,
         **kw: Any) -> Customer:
    return Customer(id=None, external_id=ext, name=name, monthly_revenue_minor=revenue,
                    phones=tuple(phone(p) for p in phones), **kw)


FIRST_BOOK = [
    cust("Lerato Mokoena", "011 555 1234", "082 555 0101 x7", ext="C1", company="Mokoena",
         start_date=date(2022, 3, 1), acquisition_cost_minor=120_000),
    cust("Ayesha Patel", "031 555 0172", "083 555 0123", ext="C2", revenue=4_850_000,
         start_date=date(2019, 2, 1), acquisition_cost_minor=9_500_000),
    # two people on one switchboard number, no external ids: they must stay two
    cust("Johan Botha", "021 555 0100", "084 555 0166", start_date=date(2021, 11, 1)),
    cust("Fatima Adams", "021 555 0100", "076 555 0188", revenue=175_000,
         start_date=date(2022, 2, 14)),
    cust("Gerhard Pretorius", "051 555 0133", ext="C5", revenue=76_000,
         start_date=date(2020, 4, 1), end_date=date(2023, 10, 31),
         status=CustomerStatus.CHURNED),
    cust("Whale Holdings", "+44 20 7946 0018", ext="C6", revenue=WHALE_REVENUE_MINOR,
         currency="ZAR", start_date=date(2018, 1, 1), acquisition_cost_minor=2**40),
]
SECOND_BOOK = [
    cust("Lerato M. Dlamini", "021 555 0199", ext="C1", revenue=45_000,
         start_date=date(2022, 3, 1)),                        # same external id: updated
    cust("JOHAN  botha", "084 555 0166", ext="C9",            # same name + number: updated,
         start_date=date(2021, 11, 1)),                       # and gets the external id
    cust("Naledi Sithole", "073 555 0155", revenue=33_000),  # new
]
T0 = datetime(2025, 3, 9, 5, 29, 59, 999_999, tzinfo=UTC)  # DST starts in St John's that day


def ringing(number: str | None, at: datetime) -> CallRecord:
    return CallRecord(
        id=None, direction=Direction.INCOMING, agent="sip:alice@pbx.example.com",
        sip_call_id=f"{at.timestamp()}@pbx", raw_identity=f"<sip:{number}@pbx.example.com>",
        display_name="", number_e164=number, number_raw=number or "anonymous",
        customer_id=None, customer_name=None, started_at=at)


def book_scenario(db: Database) -> dict[str, Any]:
    """Two imports, a few calls, values recomputed: what the ring path reads afterwards."""
    repo = CustomerRepository(db)
    calls = CallRepository(db)
    first = repo.upsert_many(FIRST_BOOK)
    second = repo.upsert_many(SECOND_BOOK)
    lerato, ayesha = first.ids[0], first.ids[1]
    for minutes, cid in ((0, lerato), (7, ayesha), (61, lerato), (90, None)):
        row = calls.start(ringing("+27115551234", T0 + timedelta(minutes=minutes)))
        if cid is not None:
            calls.link_customer(row, cid, "someone", 1_081_000, "ZAR")
    valued = recompute_all_values(db, team_settings_of(db, region="ZA", currency="ZAR"),
                                  today=TODAY)
    return {"first": first, "second": second, "valued": valued, "all": repo.all(),
            "cards": repo.cards(), "index": repo.phone_index(),
            "last_calls": calls.last_call_at_by_customer(), "count": repo.count()}


def money_values(snapshot: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for c in snapshot["all"]:
        out += [c.monthly_revenue_minor, c.acquisition_cost_minor]
    for card in snapshot["cards"]:
        out += [card.lifetime_value_minor, card.monthly_revenue_minor,
                card.revenue_to_date_minor, card.acquisition_cost_minor]
    return [v for v in out if v is not None]


# ---- schema -------------------------------------------------------------------------------

def test_open_migrates_a_fresh_database_to_head_and_reopens(pg_url):
    db = Database.open(pg_url)
    try:
        assert db.dialect == "postgresql"
        assert db.revision() == HEAD
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert tables == set(metadata.tables) | {"alembic_version"}
    finally:
        db.close()
    again = Database.open(pg_url)  # an agent starting later: nothing to do, nothing lost
    try:
        assert again.revision() == HEAD
        with again.read_connection() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        again.close()


def test_migrated_schema_matches_the_metadata(pg_url):
    db = Database.open(pg_url)
    try:
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
            assert compare_metadata(ctx, metadata) == []
            # autogenerate does not compare CHECK constraints: compare their names here
            insp = inspect(conn)
            for table in metadata.sorted_tables:
                wanted = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
                got = {c["name"] for c in insp.get_check_constraints(table.name)}
                assert got == wanted, table.name
                indexes = {ix["name"] for ix in insp.get_indexes(table.name)
                           if not ix.get("duplicates_constraint")}  # a UNIQUE's own index
                assert indexes == {ix.name for ix in table.indexes}, table.name
            money = {c["name"]: str(c["type"]) for c in insp.get_columns("customers")}
        assert money["monthly_revenue_minor"] == "BIGINT"
        assert money["lifetime_value_minor"] == "BIGINT"
        with db.engine.connect() as conn:
            kind = conn.execute(text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'calls' AND column_name = 'started_at'")).scalar_one()
        assert kind == "timestamp with time zone"
    finally:
        db.close()


def _open_in_child(url: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(20)
        db = Database.open(url)
        try:
            results.put(("ok", db.revision()))
        finally:
            db.close()
    except BaseException as exc:  # reported to the parent, which asserts
        results.put(("error", f"{type(exc).__name__}: {exc}"[:500]))


def test_agents_starting_together_on_a_fresh_store_all_open_it(pg_url):
    """The whole team starts ucdesk at nine (after an upgrade that brings a migration): every
    agent must open the store; one migrates, the others wait and find it at the head."""
    ctx = multiprocessing.get_context("fork")
    agents = 4
    barrier, results = ctx.Barrier(agents), ctx.Queue()
    procs = [ctx.Process(target=_open_in_child, args=(pg_url, barrier, results))
             for _ in range(agents)]
    for p in procs:
        p.start()
    try:
        got = [results.get(timeout=60) for _ in procs]
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    assert got == [("ok", HEAD)] * agents


# ---- team settings ------------------------------------------------------------------------

def test_team_settings_written_by_one_agent_are_read_by_another(pg_url):
    alice_db, bob_db = Database.open(pg_url), Database.open(pg_url)
    try:
        alice = team_settings_of(alice_db, region="za", currency="usd", churn="3%")
        alice.set("clv.horizon_months", "36")
        bob = team_settings_of(bob_db)
        assert bob.team() == TeamSettings(region="ZA", currency="USD", churn=0.03,
                                          discount=0.10, margin=1.0, clv_model="discounted",
                                          horizon_months=36)
        bob.set("churn", "0.05")
        bob.set("region", "GB")
        bob.set("currency", None)  # unset: back to the default for everyone
        alice.reload()
        assert (alice.get("churn"), alice.get("region"), alice.get("currency")) == (
            0.05, "GB", "ZAR")
        assert not alice.is_set("currency")
        with alice_db.read_connection() as conn:
            stamps = conn.execute(select(team_settings.c.updated_at)).scalars().all()
        assert stamps and all(s.tzinfo is UTC for s in stamps)
    finally:
        alice_db.close()
        bob_db.close()


# ---- customers ----------------------------------------------------------------------------

def test_customers_cards_and_phone_index_are_the_same_as_on_sqlite(tmp_path, pg_url):
    on_sqlite, on_pg = on_both(tmp_path, pg_url, book_scenario)
    assert on_pg == on_sqlite
    # and they are right, not merely equal
    first, second = on_pg["first"], on_pg["second"]
    assert (first.inserted, first.updated) == (6, 0)
    assert (second.inserted, second.updated) == (1, 2)
    assert second.ids[:2] == (first.ids[0], first.ids[2])
    assert on_pg["count"] == 7 and on_pg["valued"] == 7
    # Johan's update replaced his numbers: only Fatima is left on the switchboard
    assert on_pg["index"]["+27215550100"] == [first.ids[3]]
    assert on_pg["index"]["+27845550166"] == [first.ids[2]]
    assert on_pg["index"]["+27215550199"] == [first.ids[0]]
    assert "+27115551234" not in on_pg["index"]  # Lerato's old number was replaced
    johan = next(c for c in on_pg["all"] if c.id == first.ids[2])
    assert johan.external_id == "C9" and johan.name == "JOHAN  botha"
    assert on_pg["last_calls"] == {first.ids[0]: T0 + timedelta(minutes=61),
                                   first.ids[1]: T0 + timedelta(minutes=7)}
    cards = {c.customer_id: c for c in on_pg["cards"]}
    assert cards[first.ids[0]].last_call_at == T0 + timedelta(minutes=61)
    assert cards[first.ids[0]].last_call_at.tzinfo is UTC
    for card in on_pg["cards"]:  # churned: no future value, but revenue to date
        if card.status is CustomerStatus.CHURNED:
            assert card.lifetime_value_minor == 0 and card.revenue_to_date_minor > 0
        else:
            assert card.lifetime_value_minor > 0


def test_money_in_minor_units_stays_integer(tmp_path, pg_url):
    on_sqlite, on_pg = on_both(tmp_path, pg_url, book_scenario)
    for snapshot in (on_sqlite, on_pg):
        values = money_values(snapshot)
        assert values and all(type(v) is int for v in values), values
        whale = next(c for c in snapshot["all"] if c.external_id == "C6")
        assert whale.monthly_revenue_minor == WHALE_REVENUE_MINOR
        assert whale.acquisition_cost_minor == 2**40
    db = Database.open(pg_url)
    try:
        with db.read_connection() as conn:
            kinds = conn.execute(text(
                "SELECT pg_typeof(monthly_revenue_minor)::text, "
                "pg_typeof(lifetime_value_minor)::text FROM customers LIMIT 1")).one()
            biggest = conn.execute(select(func.max(customers.c.monthly_revenue_minor))).scalar()
        assert tuple(kinds) == ("bigint", "bigint")
        assert biggest == WHALE_REVENUE_MINOR and type(biggest) is int
    finally:
        db.close()


def test_recompute_all_values_and_renormalise_match_sqlite(tmp_path, pg_url):
    def scenario(db: Database) -> dict[str, Any]:
        repo = CustomerRepository(db)
        ids = repo.upsert_many(FIRST_BOOK).ids
        settings = team_settings_of(db, region="ZA", currency="ZAR")
        recompute_all_values(db, settings, today=TODAY)
        before = repo.cards()
        settings.set("churn", "5%")
        settings.set("clv.model", "capped")
        settings.set("clv.horizon_months", "24")
        recomputed = recompute_all_values(db, settings, today=TODAY)
        after = repo.cards()
        index_za = repo.phone_index()
        with pytest.raises(RegionRequired):
            repo.renormalise(None)  # national numbers and no region: nothing changes
        unchanged = repo.phone_index()
        to_gb = repo.renormalise("GB")
        index_gb = repo.phone_index()
        back = repo.renormalise("ZA")
        return {"ids": ids, "before": before, "after": after, "recomputed": recomputed,
                "index_za": index_za, "unchanged": unchanged, "to_gb": to_gb,
                "index_gb": index_gb, "back": back, "index_back": repo.phone_index(),
                "all": repo.all()}

    on_sqlite, on_pg = on_both(tmp_path, pg_url, scenario)
    assert on_pg == on_sqlite
    assert on_pg["recomputed"] == len(FIRST_BOOK)
    assert [c.lifetime_value_minor for c in on_pg["before"]] != [
        c.lifetime_value_minor for c in on_pg["after"]]
    assert on_pg["unchanged"] == on_pg["index_za"]
    assert on_pg["to_gb"] > 0 and on_pg["index_gb"] != on_pg["index_za"]
    assert on_pg["back"] == on_pg["to_gb"] and on_pg["index_back"] == on_pg["index_za"]
    assert "+442079460018" in on_pg["index_gb"]  # an international number keeps its E.164


CSV = """\ufeff\
customer_id,name,company,phone,monthly_revenue,start_date,end_date,status,acquisition_cost
C1,Lerato Mokoena,Mokoena Logistics,011 555 1234,"1,234.50",2022-03-01,,,1200
C2,Ayesha Patel,"Durban Harbour Freight",\
"031 555 0172;083 555 0123",R48500,2019-02-01,,active,95000
,Johan Botha,Cape Fresh Produce,021 555 0100,2100,2021-11-01,,,
,Fatima Adams,Cape Fresh Produce,"021 555 0100;076 555 0188",1750.05,2022-02-14,,,
C5,Gerhard Pretorius,Highveld Printing,051 555 0133,760,2020-04-01,2023-10-31,,1100
C6,Broken Row,Nowhere,1234,10,2024-01-01,,,
C7,Sarah Cohen,Atlantic Seaboard Property,021 555 0175 x12,2650,2021-09-15,,,4000
"""


def test_import_customers_csv_is_the_same_as_on_sqlite(tmp_path, pg_url):
    path = tmp_path / "book.csv"
    path.write_text(CSV, encoding="utf-8")

    def scenario(db: Database) -> dict[str, Any]:
        settings = team_settings_of(db, region="ZA", currency="ZAR")
        first = import_customers(path, db, settings, today=TODAY)
        again = import_customers(path, db, settings, today=TODAY)  # a re-import updates
        repo = CustomerRepository(db)
        return {"first": first, "again": again, "all": repo.all(), "cards": repo.cards(),
                "index": repo.phone_index()}

    on_sqlite, on_pg = on_both(tmp_path, pg_url, scenario)
    assert on_pg == on_sqlite
    first, again = on_pg["first"], on_pg["again"]
    assert (first.inserted, first.updated, first.rejected) == (6, 0, 1)
    assert "1234" in str(first.errors[0]) and first.errors[0].record == 6
    assert (again.inserted, again.updated, again.rejected) == (0, 6, 1)
    by_ext = {c.external_id: c for c in on_pg["all"]}
    assert by_ext["C1"].monthly_revenue_minor == 123_450
    assert by_ext["C2"].monthly_revenue_minor == 4_850_000
    assert by_ext["C7"].phones == (PhoneEntry("021 555 0175 x12", "+27215550175", "12", "e164"),)
    assert by_ext["C5"].status is CustomerStatus.CHURNED
    assert all(type(c.lifetime_value_minor) is int for c in on_pg["cards"])
    assert [c.lifetime_value_minor > 0 for c in on_pg["cards"]] == [
        c.status is CustomerStatus.ACTIVE for c in on_pg["cards"]]
    assert len(on_pg["index"]["+27215550100"]) == 2


# ---- calls --------------------------------------------------------------------------------

def test_call_lifecycle_round_trips_aware_utc_exactly(tmp_path, pg_url):
    johannesburg = timezone(timedelta(hours=2))
    st_johns = timezone(timedelta(hours=-2, minutes=-30))
    started = datetime(2025, 3, 9, 7, 29, 59, 123_457, tzinfo=johannesburg)
    answered = datetime(2025, 3, 9, 3, 0, 4, 1, tzinfo=st_johns)
    ended = datetime(2025, 3, 9, 5, 31, 34, 999_999, tzinfo=UTC)

    def scenario(db: Database) -> dict[str, Any]:
        (cid,) = CustomerRepository(db).upsert_many([FIRST_BOOK[0]]).ids
        repo = CallRepository(db)
        row = repo.start(ringing("+27115551234", started))
        ringing_rec = repo.list()
        repo.link_customer(row, cid, "Lerato Mokoena", 1_081_000, "ZAR")
        repo.answered(row, answered)
        repo.ended(row, ended, Outcome.ANSWERED, 200)
        missed = repo.start(ringing(None, ended + timedelta(microseconds=1)))
        repo.ended(missed, ended + timedelta(seconds=30), Outcome.MISSED, 487)
        with pytest.raises(UnknownCall):
            repo.answered(row + 1000, answered)
        with pytest.raises(Exception, match="naive datetime"):
            repo.answered(row, datetime(2025, 3, 9, 5, 30))
        return {"row": row, "ringing": ringing_rec, "history": repo.list(),
                "last": repo.last_call_at_by_customer(), "cid": cid}

    on_sqlite, on_pg = on_both(tmp_path, pg_url, scenario)
    assert on_pg == on_sqlite
    done, missed = on_pg["history"][1], on_pg["history"][0]
    assert on_pg["ringing"][0].outcome is None and on_pg["ringing"][0].ended_at is None
    assert done.id == on_pg["row"] and done.customer_id == on_pg["cid"]
    for got, want in ((done.started_at, started), (done.answered_at, answered),
                      (done.ended_at, ended)):
        assert got == want and got.tzinfo is UTC
        assert got.microsecond == want.astimezone(UTC).microsecond
    assert done.started_at == datetime(2025, 3, 9, 5, 29, 59, 123_457, tzinfo=UTC)
    assert done.answered_at == datetime(2025, 3, 9, 5, 30, 4, 1, tzinfo=UTC)
    assert done.ring_seconds == 4.877 and done.talk_seconds == 91.0
    assert (done.outcome, done.status_code) == (Outcome.ANSWERED, 200)
    assert (done.lifetime_value_minor, done.currency) == (1_081_000, "ZAR")
    assert type(done.lifetime_value_minor) is int
    assert missed.number_e164 is None and missed.outcome is Outcome.MISSED
    assert on_pg["last"] == {on_pg["cid"]: started}
    assert on_pg["last"][on_pg["cid"]].tzinfo is UTC


# ---- connections --------------------------------------------------------------------------

def test_read_connection_is_read_only_and_reads_one_snapshot(pg_url):
    db = Database.open(pg_url)
    now = datetime.now(UTC)
    try:
        with db.read_connection() as conn, pytest.raises(Exception, match="read-only"):
            conn.execute(insert(team_settings).values(key="x", value="1", updated_at=now))
        with db.read_connection() as conn:
            count = select(func.count()).select_from(team_settings)
            before = conn.execute(count).scalar_one()
            with db.session() as s:  # another agent commits meanwhile
                s.execute(insert(team_settings).values(key="y", value="2", updated_at=now))
            assert conn.execute(count).scalar_one() == before  # the snapshot holds ...
            conn.rollback()
            assert conn.execute(count).scalar_one() == before + 1  # ... until it ends
    finally:
        db.close()
