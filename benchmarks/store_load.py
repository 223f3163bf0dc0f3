"""How long the store takes to bulk-insert customers and to load the ring index.

    python benchmarks/store_load.py [--customers 100000] [--keep FILE]

Prints: upsert of N customers (1-2 numbers each, some shared), storing their lifetime values,
and loading ``cards()`` + ``phone_index()`` (what the in-memory ring index is built from),
cold (new process-level connection pool) and warm. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ucdesk.domain.customer import Customer, CustomerStatus, PhoneEntry  # noqa: E402
from ucdesk.store.customers import CustomerRepository  # noqa: E402
from ucdesk.store.database import Database  # noqa: E402


def book(n: int, seed: int = 1) -> list[Customer]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        number = 27_100_000_000 + i * 7                     # +2710xxxxxxx, all distinct
        phones = [PhoneEntry(f"0{str(number)[2:]}", f"+{number}")]
        if i % 3 == 0:
            mobile = 27_820_000_000 + rnd.randrange(n * 4)  # some mobiles shared
            phones.append(PhoneEntry(f"0{str(mobile)[2:]}", f"+{mobile}"))
        churned = i % 10 == 0
        start = date(2018, 1, 1) + timedelta(days=rnd.randrange(2500))
        out.append(Customer(
            id=None, external_id=f"B{i:07d}", name=f"Customer {i}", company=f"Company {i % 5000}",
            monthly_revenue_minor=rnd.randrange(10_000, 5_000_000),
            start_date=start, end_date=start + timedelta(days=400) if churned else None,
            status=CustomerStatus.CHURNED if churned else CustomerStatus.ACTIVE,
            acquisition_cost_minor=rnd.randrange(50_000, 500_000),
            phones=tuple(phones)))
    return out


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    print(f"{label:<46} {time.perf_counter() - t:7.3f} s")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="use this store file instead of a temporary one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.sqlite3"
        customers = timed(f"build {args.customers:,} domain customers", lambda: book(args.customers))
        db = Database.open(str(path))
        repo = CustomerRepository(db)
        result = timed("upsert_many (insert, empty store)", lambda: repo.upsert_many(customers))
        values = {cid: (c.monthly_revenue_minor * 36, c.monthly_revenue_minor * 12)
                  for cid, c in zip(result.ids, customers, strict=True)}
        timed("set_values (all)", lambda: repo.set_values(values))
        db.close()

        db = Database.open(str(path))
        repo = CustomerRepository(db)
        cards = timed("cards() cold (fresh Database)", repo.cards)
        index = timed("phone_index() cold", repo.phone_index)
        t = time.perf_counter()
        repo.cards()
        repo.phone_index()
        print(f"{'cards() + phone_index() warm':<46} {time.perf_counter() - t:7.3f} s")
        print(f"  -> {len(cards):,} cards, {len(index):,} numbers, "
              f"{sum(len(v) > 1 for v in index.values()):,} shared")
        again = timed("upsert_many again (all updates)", lambda: repo.upsert_many(customers))
        print(f"  -> inserted {again.inserted:,}, updated {again.updated:,}")
        db.close()


if __name__ == "__main__":
    main()
