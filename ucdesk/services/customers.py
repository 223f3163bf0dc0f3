"""Customer use cases: importing a customer book from CSV, the demo book, stored values.

CSV rules (what :func:`read_customer_csv` accepts)
---------------------------------------------------
- UTF-8, with or without a byte-order mark. The first non-blank line is the header.
- Delimiter: ``;`` when the header line has more semicolons than commas (tabs likewise), else
  ``,``. Quoting is standard CSV; a quoted cell may span lines.
- Columns (any order, case-insensitive, spaces around names ignored): ``customer_id, name,
  company, phone, monthly_revenue, start_date, end_date, status, acquisition_cost``. ``name`` and
  ``phone`` are required; unknown columns are ignored.
- ``phone``: one or more numbers separated by ``;`` (in a semicolon file the cell must then be
  quoted). Each must be a valid number for the ``region`` setting or in international form; a
  number that is not (``1234``, Excel's ``2.71156E+10``) rejects the row, naming the value.
  A national number with no region set makes the whole file unusable (:class:`ImportUnusable`).
- Amounts are in currency units, not negative, an optional leading currency symbol/code and
  spaces allowed. Comma files: ``.`` is the decimal point, ``,`` groups thousands (``1,234.50``).
  Semicolon files: a single ``,`` or ``.`` is the decimal separator (``300,50``); with both,
  the last one is. More decimals than the currency has (``1.234`` for ZAR) are refused as
  ambiguous rather than guessed.
- Dates are ISO 8601 (``2024-03-01``).
- ``status``: ``active`` or ``churned``; empty means churned when ``end_date`` is given, else
  active. ``active`` together with an ``end_date`` is contradictory and rejects the row.
- ``customer_id`` (optional) must be unique within the file.

A bad row becomes a :class:`RowError` (``record N (line L): reason``, N counting data records
from 1, L the physical line where the record starts) and the other rows are imported.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ucdesk.domain.customer import Customer, CustomerStatus, PhoneEntry
from ucdesk.domain.money import Money, exponent
from ucdesk.domain.phone import NumberKind, RegionRequired, parse_number
from ucdesk.insights.clv import value_for
from ucdesk.log import event
from ucdesk.settings import Settings, TeamSettings
from ucdesk.store import CustomerRepository, Database

log = logging.getLogger(__name__)

COLUMNS = ("customer_id", "name", "company", "phone", "monthly_revenue", "start_date",
           "end_date", "status", "acquisition_cost")
REQUIRED = ("name", "phone")
VALUE_BATCH = 5000
_MAX_LEN = {"customer_id": 128, "name": 200, "company": 200}


class ImportUnusable(Exception):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RowError:
    record: int       # 1-based data record number
    line: int         # physical line where the record starts
    reason: str

    def __str__(self) -> str:
        return f"record {self.record} (line {self.line}): {self.reason}"


@dataclass(frozen=True, slots=True)
class CsvReadResult:
    customers: list[Customer]
    errors: list[RowError]
    records: int      # data records read (good + bad; blank lines not counted)


@dataclass(frozen=True, slots=True)
class ImportReport:
    inserted: int
    updated: int
    rejected: int
    errors: list[RowError] = field(default_factory=list)


class _Bad(ValueError):
    """One row's problem; becomes a RowError."""


# ---- reading -------------------------------------------------------------------------------

def _read_text(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportUnusable(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportUnusable(
            f"{Path(path).name} is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as 'CSV UTF-8' and import again"
        ) from exc


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


_SYMBOL_RE = re.compile(r"^(?:[A-Za-z]{3}|R|\$|€|£)\s*(?=[\d.,])")
_SPACES_RE = re.compile(r"[\s\u00a0\u202f\u2009]+")


def parse_amount(text: str, currency: str, *, decimal_comma: bool) -> int | None:
    """Minor units for an amount cell (rules: module docstring); None when empty."""
    raw = text.strip()
    if not raw:
        return None
    t = _SPACES_RE.sub("", _SYMBOL_RE.sub("", raw))
    if t.startswith("-") or t.startswith("(") or t.endswith("-"):
        raise _Bad(f"amount {raw!r} is negative")
    if "," in t and "." in t:
        decimal, group = (",", ".") if t.rfind(",") > t.rfind(".") else (".", ",")
    elif "," in t:
        decimal, group = (",", ".") if decimal_comma and t.count(",") == 1 else (".", ",")
    else:
        decimal, group = (".", ",") if t.count(".") <= 1 else (",", ".")
    whole, _, frac = t.partition(decimal)
    if group in whole:
        if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})+", whole):
            raise _Bad(f"amount {raw!r} has misplaced thousands separators")
        whole = whole.replace(group, "")
    if not re.fullmatch(r"\d+", whole) or (decimal in t and not re.fullmatch(r"\d+", frac)):
        raise _Bad(f"amount {raw!r} is not a number")
    if len(frac) > exponent(currency):
        raise _Bad(f"amount {raw!r} has more decimals than {currency} has; "
                   "is a thousands separator mistaken for a decimal point?")
    return Money.from_major(Decimal(f"{whole}.{frac or 0}"), currency).minor


def _parse_date(text: str, column: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise _Bad(f"{column} {text!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def _parse_phones(cell: str, region: str | None, where: str) -> tuple[PhoneEntry, ...]:
    phones: dict[str, PhoneEntry] = {}
    for raw in (p.strip() for p in cell.split(";")):
        if not raw:
            continue
        try:
            parsed = parse_number(raw, region)
        except RegionRequired:
            raise ImportUnusable(
                f"{where}: phone {raw!r} is a national number and the 'region' setting is not "
                "set; set it with: ucdesk config set region XX (e.g. ZA), or write numbers "
                "in international form (+27...)"
            ) from None
        if parsed.kind is not NumberKind.E164 or parsed.e164 is None:
            why = parsed.reason or {
                NumberKind.INTERNAL: "too short: an internal extension?",
            }.get(parsed.kind, f"read as {parsed.kind.value}")
            raise _Bad(f"phone {raw!r} is not a valid phone number ({why})")
        phones.setdefault(parsed.e164, PhoneEntry(raw, parsed.e164, parsed.ext, "e164"))
    if not phones:
        raise _Bad("phone is empty")
    return tuple(phones.values())


def _status(text: str, end: date | None) -> CustomerStatus:
    value = text.strip().lower()
    if not value:
        return CustomerStatus.CHURNED if end else CustomerStatus.ACTIVE
    if value not in ("active", "churned"):
        raise _Bad(f"status {text.strip()!r} is not active or churned")
    if value == "active" and end:
        raise _Bad(f"status is active but end_date is {end.isoformat()}")
    return CustomerStatus(value)


def _customer(cells: dict[str, str], region: str | None, currency: str, decimal_comma: bool,
              where: str) -> Customer:
    for col, limit in _MAX_LEN.items():
        if len(cells[col]) > limit:
            raise _Bad(f"{col} is longer than {limit} characters")
    if not cells["name"]:
        raise _Bad("name is empty")
    phones = _parse_phones(cells["phone"], region, where)
    start = _parse_date(cells["start_date"], "start_date")
    end = _parse_date(cells["end_date"], "end_date")
    if start and end and end < start:
        raise _Bad(f"end_date {end.isoformat()} is before start_date {start.isoformat()}")
    return Customer(
        id=None,
        external_id=cells["customer_id"] or None,
        name=" ".join(cells["name"].split()),
        company=" ".join(cells["company"].split()),
        monthly_revenue_minor=parse_amount(cells["monthly_revenue"], currency,
                                           decimal_comma=decimal_comma) or 0,
        currency=currency,
        start_date=start,
        end_date=end,
        status=_status(cells["status"], end),
        acquisition_cost_minor=parse_amount(cells["acquisition_cost"], currency,
                                            decimal_comma=decimal_comma),
        phones=phones,
    )


def _header(row: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, name in enumerate(row):
        key = name.strip().lstrip("\ufeff").strip().lower()
        if key in COLUMNS:
            if key in positions:
                raise ImportUnusable(f"the header names the column {key!r} twice")
            positions[key] = i
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        found = ", ".join(c.strip() for c in row if c.strip()) or "nothing"
        raise ImportUnusable(
            f"the header has no {' or '.join(missing)} column (found: {found}); "
            f"expected columns: {', '.join(COLUMNS)}"
        )
    return positions


def _cell(row: Sequence[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def read_customer_csv(path: str | Path, region: str | None, *,
                      currency: str = "ZAR") -> CsvReadResult:
    """Read a customer CSV into domain customers plus the rows it had to reject.

    Raises :class:`ImportUnusable` when the file as a whole cannot be used.
    """
    text = _read_text(path)
    header_line = next((ln for ln in text.splitlines() if ln.strip()), None)
    if header_line is None:
        raise ImportUnusable(f"{Path(path).name} is empty: no header row")
    delimiter = _sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    customers: list[Customer] = []
    errors: list[RowError] = []
    seen_ids: dict[str, int] = {}
    positions: dict[str, int] | None = None
    record, prev_end, width = 0, 0, 0
    try:
        for row in reader:
            line, prev_end = prev_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if positions is None:
                positions = _header(row)
                width = len(row)
                continue
            record += 1
            try:
                extra = [c for c in row[width:] if c.strip()]
                if extra:
                    hint = (" (quote a phone cell that holds several numbers)"
                            if delimiter == ";" else "")
                    raise _Bad(f"{len(row)} cells where the header has {width}{hint}")
                cells = {c: _cell(row, positions.get(c)) for c in COLUMNS}
                ext = cells["customer_id"]
                if ext and ext in seen_ids:
                    raise _Bad(f"customer_id {ext!r} is already used by record {seen_ids[ext]}")
                customer = _customer(cells, region, currency, delimiter == ";",
                                     f"record {record} (line {line})")
            except _Bad as bad:
                errors.append(RowError(record, line, str(bad)))
                continue
            if ext:
                seen_ids[ext] = record
            customers.append(customer)
    except csv.Error as exc:
        raise ImportUnusable(f"line {reader.line_num}: not readable as CSV: {exc}") from exc
    return CsvReadResult(customers, errors, record)


# ---- storing -------------------------------------------------------------------------------

def _store_values(repo: CustomerRepository, ids: Iterable[int] | None, team: TeamSettings,
                  today: date) -> int:
    """Compute and store lifetime values in batches (short write transactions)."""
    done = 0
    batch: dict[int, tuple[int | None, int | None]] = {}
    for customer in repo.iter_for_valuation(None if ids is None else list(ids)):
        v = value_for(customer, team, today)
        batch[customer.id or 0] = (v.lifetime_value_minor, v.revenue_to_date_minor)
        if len(batch) >= VALUE_BATCH:
            repo.set_values(batch)
            done += len(batch)
            batch = {}
    repo.set_values(batch)
    return done + len(batch)


def import_customers(path: str | Path, db: Database, settings: Settings, *,
                     today: date | None = None) -> ImportReport:
    """Import a customer CSV: store the good rows, report the bad ones, value the customers."""
    result = read_customer_csv(path, settings.get("region"), currency=settings.get("currency"))
    repo = CustomerRepository(db)
    stored = repo.upsert_many(result.customers)
    _store_values(repo, stored.ids, settings.team(), today or date.today())
    report = ImportReport(stored.inserted, stored.updated, len(result.errors), result.errors)
    event(log, "customers_imported", file=Path(path).name, records=result.records,
          inserted=report.inserted, updated=report.updated, rejected=report.rejected)
    return report


def recompute_all_values(db: Database, settings: Settings, *,
                         today: date | None = None) -> int:
    """Recompute every customer's stored values (after a model setting changed)."""
    count = _store_values(CustomerRepository(db), None, settings.team(), today or date.today())
    event(log, "customer_values_recomputed", customers=count)
    return count


# ---- the demo book -------------------------------------------------------------------------

# (id, name, company, phones, monthly revenue in rand, start, end, acquisition cost in rand)
# The first customer is on +27115551234 (the number the demo line rings from). DEMO-006 and
# DEMO-007 share a switchboard number, DEMO-012 has churned, DEMO-003 is the big account.
_DEMO: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("DEMO-001", "Lerato Mokoena", "Mokoena Logistics", "011 555 1234", "300", "2022-03-01", "", "1200"),
    ("DEMO-002", "Pieter van der Merwe", "Karoo Agri Supplies", "021 555 0143;082 555 0101", "1450", "2020-07-15", "", "3500"),
    ("DEMO-003", "Ayesha Patel", "Durban Harbour Freight (Pty) Ltd", "031 555 0172;083 555 0123", "48500", "2019-02-01", "", "95000"),
    ("DEMO-004", "Sipho Ndlovu", "Ndlovu & Sons Builders", "072 555 0199", "650", "2023-01-09", "", "900"),
    ("DEMO-005", "Nomvula Khumalo", "Khumalo Beauty Studio", "060 555 0147", "220", "2024-05-20", "", "400"),
    ("DEMO-006", "Johan Botha", "Cape Fresh Produce", "021 555 0100;084 555 0166", "2100", "2021-11-01", "", "5000"),
    ("DEMO-007", "Fatima Adams", "Cape Fresh Produce", "021 555 0100;076 555 0188", "1750", "2022-02-14", "", "5000"),
    ("DEMO-008", "Thabo Molefe", "Molefe Security Services", "012 555 0190", "3200", "2021-06-01", "", "6500"),
    ("DEMO-009", "Zanele Dube", "Dube Legal Practice", "010 555 0111;071 555 0140", "980", "2023-08-01", "", "1500"),
    ("DEMO-010", "Riaan Steyn", "Steyn Motor Spares", "041 555 0110", "540", "2022-09-12", "", "800"),
    ("DEMO-011", "Busisiwe Mthembu", "Mthembu Catering", "061 555 0104", "410", "2024-01-15", "", ""),
    ("DEMO-012", "Gerhard Pretorius", "Highveld Printing", "051 555 0133", "760", "2020-04-01", "2023-10-31", "1100"),
    ("DEMO-013", "Naledi Sithole", "Sithole Travel", "073 555 0155", "330", "2023-03-03", "", "600"),
    ("DEMO-014", "Mohammed Essop", "Essop Pharmacy Group", "031 555 0188;081 555 0142", "5600", "2020-10-01", "", "12000"),
    ("DEMO-015", "Anele Zulu", "Zulu Tech Repairs", "079 555 0177", "180", "2024-09-02", "", "250"),
    ("DEMO-016", "Chantelle Jacobs", "Jacobs Dental Care", "021 555 0161", "1250", "2021-03-18", "", "2200"),
    ("DEMO-017", "Kagiso Sebola", "Sebola Mining Consultants", "018 555 0129;074 555 0162", "7400", "2019-08-05", "", "15000"),
    ("DEMO-018", "Marietjie de Wet", "De Wet Guesthouse", "044 555 0117", "290", "2022-12-01", "", "450"),
    ("DEMO-019", "Lindiwe Mahlangu", "Mahlangu Accounting", "013 555 0108", "890", "2021-01-11", "", "1300"),
    ("DEMO-020", "Vusi Nkosi", "Nkosi Transport", "082 555 0186", "1980", "2023-05-22", "", "3000"),
    ("DEMO-021", "Priya Naidoo", "Naidoo Textiles", "031 555 0135", "1320", "2020-02-28", "", "2500"),
    ("DEMO-022", "Hendrik Visser", "Visser Boerdery", "053 555 0121", "620", "2022-07-07", "", "700"),
    ("DEMO-023", "Palesa Mofokeng", "Mofokeng Events", "083 555 0197", "450", "2024-02-01", "", ""),
    ("DEMO-024", "Sarah Cohen", "Atlantic Seaboard Property", "021 555 0175 x12", "2650", "2021-09-15", "", "4000"),
    ("DEMO-025", "Themba Shabalala", "Shabalala Plumbing", "087 555 0123", "370", "2023-11-06", "", "500"),
)


def demo_customers() -> list[Customer]:
    """A demo book of 25 South African customers (region ZA, ZAR). Numbers are fictitious
    (the 555 range). The first one, Lerato Mokoena, is on +27115551234."""
    out = []
    for ext, name, company, phones, monthly, start, end, acq in _DEMO:
        out.append(Customer(
            id=None, external_id=ext, name=name, company=company,
            monthly_revenue_minor=Money.from_major(monthly, "ZAR").minor, currency="ZAR",
            start_date=date.fromisoformat(start),
            end_date=date.fromisoformat(end) if end else None,
            status=CustomerStatus.CHURNED if end else CustomerStatus.ACTIVE,
            acquisition_cost_minor=Money.from_major(acq, "ZAR").minor if acq else None,
            phones=_parse_phones(phones, "ZA", ext),
        ))
    return out


def seed_demo(db: Database, settings: Settings, *, today: date | None = None) -> int:
    """Fill an empty store with the demo book; returns how many customers were added.

    Does nothing when the store already has customers. Sets the region to ZA unless a region
    was set explicitly (the locale's guess does not count).
    """
    repo = CustomerRepository(db)
    if repo.count():
        return 0
    if not settings.is_set("region"):
        settings.set("region", "ZA")
    stored = repo.upsert_many(demo_customers())
    _store_values(repo, stored.ids, settings.team(), today or date.today())
    event(log, "demo_customers_seeded", customers=stored.inserted)
    return stored.inserted
