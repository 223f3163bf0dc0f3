"""Importing customers from CSV, the demo book and stored lifetime values (real SQLite files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ucdesk.domain.customer import CustomerStatus
from ucdesk.services.customers import (
    ImportUnusable,
    RowError,
    demo_customers,
    import_customers,
    parse_amount,
    read_customer_csv,
    recompute_all_values,
    seed_demo,
)
from ucdesk.settings import MemoryBackend, Settings
from ucdesk.store.customers import CustomerRepository
from ucdesk.store.database import Database
from ucdesk.store.team_settings import TeamSettingsBackend

TODAY = date(2025, 6, 15)
HEADER = "customer_id,name,company,phone,monthly_revenue,start_date,end_date,status,acquisition_cost"


@pytest.fixture
def db(tmp_path):
    database = Database.open(str(tmp_path / "store.sqlite3"))
    yield database
    database.close()


@pytest.fixture
def settings(db):
    s = Settings(MemoryBackend(), TeamSettingsBackend(db))
    s.set("region", "ZA")
    return s


def write(tmp_path: Path, text: str, name: str = "customers.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def cards_by_name(db) -> dict:
    return {c.name: c for c in CustomerRepository(db).cards()}


def test_bom_comma_file_imports_and_values_customers(tmp_path, db, settings):
    path = write(tmp_path, f"{HEADER}\r\n"
                 "C1,Lerato Mokoena,Mokoena Logistics,011 555 1234,300,2024-01-15,,,1200\r\n"
                 'C2,Pieter van der Merwe,Karoo Agri,"021 555 0143;082 555 0101","1,450.00",'
                 "2020-07-15,,active,\r\n", bom=True)
    report = import_customers(path, db, settings, today=TODAY)
    assert (report.inserted, report.updated, report.rejected, report.errors) == (2, 0, 0, [])
    cards = cards_by_name(db)
    lerato = cards["Lerato Mokoena"]
    assert lerato.external_id == "C1"           # the BOM did not stick to "customer_id"
    assert lerato.lifetime_value_minor == 1_080_971   # R10,810 at 2 %/month, 10 %/year
    assert lerato.revenue_to_date_minor == 17 * 300_00
    assert lerato.acquisition_cost_minor == 1200_00
    assert cards["Pieter van der Merwe"].monthly_revenue_minor == 1450_00
    index = CustomerRepository(db).phone_index()
    assert index["+27825550101"] == [cards["Pieter van der Merwe"].customer_id]


def test_semicolon_file_with_decimal_comma_and_quoted_phone_list(tmp_path, db, settings):
    path = write(tmp_path, "Name ; PHONE ; Monthly_Revenue ; company\n"
                 'Zanele Dube;"010 555 0111;071 555 0140";300,50;Dube Legal\n'
                 "Riaan Steyn;041 555 0110;1.234,00;Steyn Motors\n")
    report = import_customers(path, db, settings, today=TODAY)
    assert report.errors == [] and report.inserted == 2
    (zanele, riaan) = CustomerRepository(db).all()
    assert zanele.monthly_revenue_minor == 30050
    assert [p.e164 for p in zanele.phones] == ["+27105550111", "+27715550140"]
    assert riaan.monthly_revenue_minor == 1234_00 and riaan.company == "Steyn Motors"


def test_unquoted_phone_list_in_a_semicolon_file_is_rejected_with_a_hint(tmp_path, settings):
    path = write(tmp_path, "name;phone;monthly_revenue\n"
                 "Zanele Dube;010 555 0111;071 555 0140;300\n")
    result = read_customer_csv(path, "ZA")
    (error,) = result.errors
    assert "quote a phone cell" in error.reason and error.line == 2


def test_multiline_quoted_cell_gives_record_and_line_numbers(tmp_path, db, settings):
    path = write(tmp_path, "name,company,phone,monthly_revenue\n"
                 'Sipho Ndlovu,"Ndlovu & Sons\nBuilders\nEst. 1998",072 555 0199,650\n'
                 "Bad Number,Acme,1234,100\n"
                 "\n"
                 "Excel Victim,Acme,2.71156E+10,100\n"
                 "Thabo Molefe,Molefe Security,012 555 0190,3200\n")
    report = import_customers(path, db, settings, today=TODAY)
    assert (report.inserted, report.rejected) == (2, 2)
    first, second = report.errors
    assert (first.record, first.line) == (2, 5)
    assert (second.record, second.line) == (3, 7)   # the blank line is not a record
    assert str(first).startswith("record 2 (line 5): phone '1234' is not a valid phone number")
    assert "'2.71156E+10'" in second.reason and "scientific notation" in second.reason
    assert cards_by_name(db)["Sipho Ndlovu"].company == "Ndlovu & Sons Builders Est. 1998"


def test_bad_rows_are_reported_and_the_rest_imported(tmp_path, db, settings):
    path = write(tmp_path, f"{HEADER}\n"
                 "A1,Good One,,011 555 1234,300,2024-01-01,,,\n"
                 "A2,,,011 555 1235,300,,,,\n"
                 "A3,Negative,,011 555 1236,-300,,,,\n"
                 "A4,Bad Date,,011 555 1237,300,15/01/2024,,,\n"
                 "A5,Bad Status,,011 555 1238,300,,,lapsed,\n"
                 "A6,Contradiction,,011 555 1239,300,2024-01-01,2024-05-01,active,\n"
                 "A1,Duplicate Id,,011 555 1240,300,,,,\n"
                 "A8,Backwards,,011 555 1241,300,2024-05-01,2024-01-01,,\n"
                 "A9,Ambiguous,,011 555 1242,1.234,,,,\n"
                 "A10,No Phone,,,300,,,,\n")
    report = import_customers(path, db, settings, today=TODAY)
    assert report.inserted == 1 and report.rejected == 9
    assert [str(e) for e in report.errors] == [
        "record 2 (line 3): name is empty",
        "record 3 (line 4): amount '-300' is negative",
        "record 4 (line 5): start_date '15/01/2024' is not an ISO 8601 date (YYYY-MM-DD)",
        "record 5 (line 6): status 'lapsed' is not active or churned",
        "record 6 (line 7): status is active but end_date is 2024-05-01",
        "record 7 (line 8): customer_id 'A1' is already used by record 1",
        "record 8 (line 9): end_date 2024-01-01 is before start_date 2024-05-01",
        "record 9 (line 10): amount '1.234' has more decimals than ZAR has; "
        "is a thousands separator mistaken for a decimal point?",
        "record 10 (line 11): phone is empty",
    ]
    assert isinstance(report.errors[0], RowError)


def test_end_date_without_status_means_churned(tmp_path, db, settings):
    path = write(tmp_path, "name,phone,monthly_revenue,start_date,end_date\n"
                 "Gerhard Pretorius,051 555 0133,760,2020-04-01,2023-10-31\n")
    import_customers(path, db, settings, today=TODAY)
    (card,) = CustomerRepository(db).cards()
    assert card.status is CustomerStatus.CHURNED
    assert card.lifetime_value_minor == 0
    assert card.revenue_to_date_minor == 42 * 760_00


def test_header_only_imports_nothing(tmp_path, db, settings):
    report = import_customers(write(tmp_path, HEADER + "\n"), db, settings)
    assert (report.inserted, report.updated, report.rejected) == (0, 0, 0)


@pytest.mark.parametrize(("text", "message"), [
    ("name,company,monthly_revenue\nA,B,1\n", "the header has no phone column"),
    ("customer_id;company\n", "no name or phone column"),
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("name,phone,Name\n", "names the column 'name' twice"),
])
def test_unusable_headers(tmp_path, text, message):
    with pytest.raises(ImportUnusable, match=message):
        read_customer_csv(write(tmp_path, text), "ZA")


def test_not_utf8_is_unusable(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,phone\nRen\xe9,011 555 1234\n".encode("latin-1"))
    with pytest.raises(ImportUnusable, match=r"not UTF-8 \(byte 0xe9 on line 2\)"):
        read_customer_csv(path, "ZA")


def test_missing_file_is_unusable(tmp_path):
    with pytest.raises(ImportUnusable, match="cannot read"):
        read_customer_csv(tmp_path / "nope.csv", "ZA")


def test_national_number_without_region_names_the_setting(tmp_path):
    path = write(tmp_path, "name,phone\nInternational,+44 20 7946 0000\nLocal,011 555 1234\n")
    with pytest.raises(ImportUnusable, match=r"record 2 \(line 3\).*'region' setting"):
        read_customer_csv(path, None)


def test_international_numbers_need_no_region(tmp_path):
    path = write(tmp_path, "name,phone\nLondon Office,+44 20 7946 0000\n")
    (customer,) = read_customer_csv(path, None).customers
    assert customer.phones[0].e164 == "+442079460000"


def test_reimport_updates_by_id_and_by_name_and_phone(tmp_path, db, settings):
    first = write(tmp_path, "customer_id,name,phone,monthly_revenue\n"
                  "C1,Lerato Mokoena,011 555 1234,300\n"
                  ",Johan Botha,021 555 0100,2100\n"
                  ",Fatima Adams,021 555 0100,1750\n", "a.csv")
    assert import_customers(first, db, settings, today=TODAY).inserted == 3
    second = write(tmp_path, "customer_id,name,phone,monthly_revenue\n"
                   "C1,Lerato Mokoena-Dlamini,+27 11 555 1234,450\n"
                   ",Fatima Adams,021 555 0100;076 555 0188,1800\n"
                   ",Anele Zulu,021 555 0100,180\n", "b.csv")
    report = import_customers(second, db, settings, today=TODAY)
    assert (report.inserted, report.updated, report.rejected) == (1, 2, 0)
    cards = cards_by_name(db)
    assert set(cards) == {"Lerato Mokoena-Dlamini", "Johan Botha", "Fatima Adams", "Anele Zulu"}
    assert cards["Lerato Mokoena-Dlamini"].monthly_revenue_minor == 450_00
    assert cards["Lerato Mokoena-Dlamini"].lifetime_value_minor == 1_621_456  # revalued
    assert cards["Fatima Adams"].monthly_revenue_minor == 1800_00
    assert len(CustomerRepository(db).phone_index()["+27215550100"]) == 3


def test_recompute_all_values_after_a_model_change(tmp_path, db, settings):
    path = write(tmp_path, "name,phone,monthly_revenue\nLerato Mokoena,011 555 1234,300\n")
    import_customers(path, db, settings, today=TODAY)
    settings.set("clv.model", "undiscounted")
    assert recompute_all_values(db, settings, today=TODAY) == 1
    assert cards_by_name(db)["Lerato Mokoena"].lifetime_value_minor == 1_500_000
    settings.set("clv.model", "capped")
    settings.set("discount", 0)
    recompute_all_values(db, settings, today=TODAY)
    assert cards_by_name(db)["Lerato Mokoena"].lifetime_value_minor == 1_053_670


@pytest.mark.parametrize(("text", "decimal_comma", "minor"), [
    ("300", False, 300_00),
    (" R 1 450.5 ", False, 1450_50),
    ("1,234,567.89", False, 1_234_567_89),
    ("ZAR 99", False, 99_00),
    ("300,50", True, 300_50),
    ("1.234.567,89", True, 1_234_567_89),
    ("1 234,5", True, 1234_50),
    ("", False, None),
])
def test_parse_amount(text, decimal_comma, minor):
    assert parse_amount(text, "ZAR", decimal_comma=decimal_comma) == minor


@pytest.mark.parametrize("text", ["300,50", "12,34,567", "abc", "1.2.3,4,5", "-1", "(5)"])
def test_parse_amount_refuses(text):
    with pytest.raises(ValueError):
        parse_amount(text, "ZAR", decimal_comma=False)


def test_demo_book():
    book = demo_customers()
    assert 20 <= len(book) <= 30
    assert book[0].phones[0].e164 == "+27115551234"
    all_numbers = [p.e164 for c in book for p in c.phones]
    shared = {n for n in all_numbers if all_numbers.count(n) > 1}
    assert len(shared) == 1
    assert sum(c.status is CustomerStatus.CHURNED for c in book) == 1
    assert max(c.monthly_revenue_minor for c in book) >= 40_000_00
    assert len({c.start_date for c in book}) == len(book)
    assert all(c.currency == "ZAR" for c in book)


def test_seed_demo_sets_region_values_and_is_idempotent(db):
    settings = Settings(MemoryBackend(), TeamSettingsBackend(db))
    assert not settings.is_set("region")
    added = seed_demo(db, settings, today=TODAY)
    assert added == len(demo_customers())
    assert settings.is_set("region") and settings.get("region") == "ZA"
    assert seed_demo(db, settings, today=TODAY) == 0
    repo = CustomerRepository(db)
    assert repo.count() == added
    first = repo.phone_index()["+27115551234"]
    (card,) = [c for c in repo.cards() if c.customer_id == first[0]]
    assert card.name == "Lerato Mokoena" and card.lifetime_value_minor == 1_080_971


def test_seed_demo_keeps_an_explicit_region(db):
    settings = Settings(MemoryBackend(), TeamSettingsBackend(db))
    settings.set("region", "GB")
    seed_demo(db, settings, today=TODAY)
    assert settings.get("region") == "GB"
