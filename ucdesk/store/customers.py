"""Customers and their phone numbers.

Matching rules of :meth:`CustomerRepository.upsert_many` (a re-import must update, never
duplicate, and never merge two different people):

1. a customer with an ``external_id`` matches the stored customer with that ``external_id``;
2. otherwise (no external id, or an external id not stored yet) it matches a stored customer
   with the *same name* (case and spacing ignored) that has *at least one E.164 number in
   common*, provided that stored customer has no external id of its own, or the incoming one has
   none (an import without ids keeps the ids a previous import set);
3. otherwise it is new.

Two customers who only share a number (a switchboard, a family phone) stay two customers.
Later rows of the same batch win over earlier ones that match the same customer.
An update replaces the customer's phone numbers with the incoming ones; lifetime values are
left alone (the caller recomputes them, see :meth:`set_values`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from ucdesk.domain.customer import Customer, CustomerCard, CustomerStatus, PhoneEntry
from ucdesk.domain.phone import parse_number
from ucdesk.store._util import chunks, utcnow
from ucdesk.store.database import Database
from ucdesk.store.schema import calls, customers, phone_numbers

OWNER = "customer"
_STATUS = {s.value: s for s in CustomerStatus}
_C = customers.c
_UPDATED = ("name", "company", "monthly_revenue_minor", "currency", "start_date", "end_date",
            "status", "acquisition_cost_minor")
_P = phone_numbers.c


@dataclass(frozen=True, slots=True)
class UpsertResult:
    inserted: int                 # new customers stored
    updated: int                  # distinct stored customers updated
    ids: tuple[int, ...]          # the stored id for each input customer, in input order


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _row(c: Customer) -> dict[str, Any]:
    return {
        "external_id": c.external_id or None,
        "name": c.name,
        "company": c.company,
        "monthly_revenue_minor": c.monthly_revenue_minor,
        "currency": c.currency,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "status": c.status.value,
        "acquisition_cost_minor": c.acquisition_cost_minor,
    }


def _phone_rows(owner_id: int, phones: Sequence[PhoneEntry]) -> list[dict[str, Any]]:
    return [
        {"owner_kind": OWNER, "owner_id": owner_id, "raw": p.raw, "e164": p.e164,
         "ext": p.ext, "kind": p.kind, "position": i}
        for i, p in enumerate(phones)
    ]


class CustomerRepository:
    """Reads and writes customers; returns :mod:`ucdesk.domain.customer` values."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- writes ---------------------------------------------------------------------------

    def upsert_many(self, items: Sequence[Customer]) -> UpsertResult:
        """Insert or update ``items`` in one transaction (matching rules: module docstring)."""
        now = utcnow()
        with self.db.session() as s:
            by_ext, by_phone = self._match_keys(s, items)
            new_rows: list[dict[str, Any]] = []      # target -k-1 refers to new_rows[k]
            new_phones: list[Sequence[PhoneEntry]] = []
            updates: dict[int, tuple[dict[str, Any], Sequence[PhoneEntry]]] = {}
            targets: list[int] = []
            for item in items:
                target, matched_ext = self._find(item, by_ext, by_phone)
                row = _row(item)
                effective_ext = item.external_id or matched_ext
                if target is None:
                    new_rows.append(row)
                    new_phones.append(item.phones)
                    target = -len(new_rows)
                elif target < 0:
                    new_rows[-target - 1] = row | {"external_id": effective_ext}
                    new_phones[-target - 1] = item.phones
                else:
                    updates[target] = (row, item.phones)
                targets.append(target)
                if effective_ext:
                    by_ext[effective_ext] = target
                for p in item.phones:
                    if p.e164:
                        by_phone[p.e164].append((target, _norm_name(item.name), effective_ext))
            new_ids = self._insert(s, new_rows, new_phones, now)
            self._update(s, updates, now)
        ids = tuple(t if t > 0 else new_ids[-t - 1] for t in targets)
        return UpsertResult(inserted=len(new_rows), updated=len(updates), ids=ids)

    @staticmethod
    def _match_keys(
        s: Session, items: Sequence[Customer]
    ) -> tuple[dict[str, int], defaultdict[str, list[tuple[int, str, str | None]]]]:
        exts = {c.external_id for c in items if c.external_id}
        e164s = {p.e164 for c in items for p in c.phones if p.e164}
        by_ext: dict[str, int] = {}
        for batch in chunks(exts):
            stmt = select(_C.external_id, _C.id).where(_C.external_id.in_(batch))
            by_ext.update((ext, cid) for ext, cid in s.execute(stmt))
        by_phone: defaultdict[str, list[tuple[int, str, str | None]]] = defaultdict(list)
        for batch in chunks(e164s):
            stmt = (select(_P.e164, _C.id, _C.name, _C.external_id)
                    .join(customers, _C.id == _P.owner_id)
                    .where(_P.owner_kind == OWNER, _P.e164.in_(batch)))
            for row in s.execute(stmt):
                by_phone[row[0]].append((row[1], _norm_name(row[2]), row[3]))
        return by_ext, by_phone

    @staticmethod
    def _find(item: Customer, by_ext: dict[str, int],
              by_phone: dict[str, list[tuple[int, str, str | None]]]
              ) -> tuple[int | None, str | None]:
        """(the matching target or None, the external id that target already has)."""
        if item.external_id and item.external_id in by_ext:
            return by_ext[item.external_id], item.external_id
        name = _norm_name(item.name)
        for p in item.phones:
            for target, other_name, other_ext in by_phone.get(p.e164 or "", ()):
                if other_name == name and (not item.external_id or not other_ext):
                    return target, other_ext
        return None, None

    @staticmethod
    def _insert(s: Session, rows: list[dict[str, Any]],
                phones: list[Sequence[PhoneEntry]], now: datetime) -> list[int]:
        if not rows:
            return []
        if s.get_bind().dialect.name == "sqlite":
            # SQLite cannot tie RETURNING rows to parameter sets in one multi-row INSERT, so
            # SQLAlchemy would fall back to one INSERT per row. The writer holds the write lock
            # (BEGIN IMMEDIATE), so the ids after the current maximum are ours to assign.
            first = int(s.execute(select(func.coalesce(func.max(_C.id), 0))).scalar_one()) + 1
            ids = list(range(first, first + len(rows)))
            s.execute(insert(customers).values(created_at=now, updated_at=now),
                      [r | {"id": i} for r, i in zip(rows, ids, strict=True)])
        else:
            stmt = (insert(customers).values(created_at=now, updated_at=now)
                    .returning(_C.id, sort_by_parameter_order=True))
            ids = list(s.execute(stmt, rows).scalars())
        phone_rows = [r for cid, ph in zip(ids, phones, strict=True) for r in _phone_rows(cid, ph)]
        if phone_rows:
            s.execute(insert(phone_numbers), phone_rows)
        return ids

    @staticmethod
    def _update(s: Session, updates: dict[int, tuple[dict[str, Any], Sequence[PhoneEntry]]],
                now: datetime) -> None:
        if not updates:
            return
        params = [{f"b_{k}": v for k, v in row.items()} | {"b_id": cid}
                  for cid, (row, _phones) in updates.items()]
        values: dict[str, Any] = {k: bindparam(f"b_{k}") for k in _UPDATED}
        # keep an external id already stored when the incoming row has none
        values["external_id"] = func.coalesce(bindparam("b_external_id"), _C.external_id)
        values["updated_at"] = now
        s.execute(update(customers).where(_C.id == bindparam("b_id")).values(values), params)
        for batch in chunks(list(updates)):
            s.execute(delete(phone_numbers).where(_P.owner_kind == OWNER,
                                                  _P.owner_id.in_(batch)))
        phone_rows = [r for cid, (_row_, ph) in updates.items() for r in _phone_rows(cid, ph)]
        if phone_rows:
            s.execute(insert(phone_numbers), phone_rows)

    def set_values(self, values: dict[int, tuple[int | None, int | None]]) -> None:
        """Store precomputed ``(lifetime_value_minor, revenue_to_date_minor)`` per customer id."""
        if not values:
            return
        now = utcnow()
        params = [{"b_id": cid, "b_lv": lv, "b_rtd": rtd} for cid, (lv, rtd) in values.items()]
        stmt = (update(customers).where(_C.id == bindparam("b_id"))
                .values(lifetime_value_minor=bindparam("b_lv"),
                        revenue_to_date_minor=bindparam("b_rtd"), values_computed_at=now))
        with self.db.session() as s:
            s.execute(stmt, params)

    def renormalise(self, region: str | None) -> int:
        """Re-parse every stored raw phone number with ``region``; returns how many changed.

        Everything is parsed before anything is written, so a
        :class:`~ucdesk.domain.phone.RegionRequired` (no region, a national number) changes
        nothing.
        """
        with self.db.read_connection() as conn:
            rows = conn.execute(select(_P.id, _P.raw, _P.e164, _P.ext, _P.kind)).all()
        changes = []
        for pid, raw, e164, ext, kind in rows:
            parsed = parse_number(raw, region)
            new = (parsed.e164, parsed.ext, parsed.kind.value)
            if new != (e164, ext, kind):
                changes.append({"b_id": pid, "b_e164": new[0], "b_ext": new[1], "b_kind": new[2]})
        if changes:
            stmt = (update(phone_numbers).where(_P.id == bindparam("b_id"))
                    .values(e164=bindparam("b_e164"), ext=bindparam("b_ext"),
                            kind=bindparam("b_kind")))
            with self.db.session() as s:
                s.execute(stmt, changes)
        return len(changes)

    # ---- reads ----------------------------------------------------------------------------

    def count(self) -> int:
        with self.db.read_connection() as conn:
            return int(conn.execute(select(func.count()).select_from(customers)).scalar_one())

    def get(self, customer_id: int) -> Customer | None:
        found = self._load([customer_id])
        return found[0] if found else None

    def all(self) -> list[Customer]:
        """Every customer with its phone numbers, by id."""
        return self._load(None)

    def _load(self, ids: Collection[int] | None) -> list[Customer]:
        cols = (_C.id, _C.external_id, _C.name, _C.company, _C.monthly_revenue_minor,
                _C.currency, _C.start_date, _C.end_date, _C.status, _C.acquisition_cost_minor)
        with self.db.read_connection() as conn:
            if ids is None:
                rows = conn.execute(select(*cols).order_by(_C.id)).all()
                prows = conn.execute(select(_P.owner_id, _P.raw, _P.e164, _P.ext, _P.kind)
                                     .where(_P.owner_kind == OWNER)
                                     .order_by(_P.owner_id, _P.position)).all()
            else:
                rows, prows = [], []
                for batch in chunks(ids):
                    rows += conn.execute(select(*cols).where(_C.id.in_(batch))).all()
                    prows += conn.execute(select(_P.owner_id, _P.raw, _P.e164, _P.ext, _P.kind)
                                          .where(_P.owner_kind == OWNER, _P.owner_id.in_(batch))
                                          .order_by(_P.owner_id, _P.position)).all()
        phones: defaultdict[int, list[PhoneEntry]] = defaultdict(list)
        for owner, raw, e164, ext, kind in prows:
            phones[owner].append(PhoneEntry(raw, e164, ext, kind))
        return [Customer(r[0], r[1], r[2], r[3], r[4], r[5].strip(), r[6], r[7], _STATUS[r[8]],
                         r[9], tuple(phones.get(r[0], ()))) for r in sorted(rows)]

    def iter_for_valuation(self, ids: Collection[int] | None = None) -> Iterator[Customer]:
        """What the lifetime-value computation needs (no phone numbers), for all customers or
        for ``ids``. The rows are read up front, so writing values while iterating is safe."""
        cols = (_C.id, _C.external_id, _C.name, _C.monthly_revenue_minor, _C.currency,
                _C.start_date, _C.end_date, _C.status, _C.acquisition_cost_minor)
        with self.db.read_connection() as conn:
            if ids is None:
                rows = conn.execute(select(*cols).order_by(_C.id)).all()
            else:
                rows = []
                for batch in chunks(sorted(set(ids))):
                    rows += conn.execute(select(*cols).where(_C.id.in_(batch))
                                         .order_by(_C.id)).all()
        for cid, ext, name, monthly, cur, start, end, status, acq in rows:
            yield Customer(id=cid, external_id=ext, name=name, monthly_revenue_minor=monthly,
                           currency=cur.strip(), start_date=start, end_date=end,
                           status=_STATUS[status], acquisition_cost_minor=acq)

    def cards(self) -> list[CustomerCard]:
        """A precomputed screen-pop card per customer, for the in-memory ring index."""
        last = (select(calls.c.customer_id, func.max(calls.c.started_at).label("last_call"))
                .where(calls.c.customer_id.is_not(None))
                .group_by(calls.c.customer_id).subquery())
        stmt = (select(_C.id, _C.external_id, _C.name, _C.company, _C.status, _C.currency,
                       _C.lifetime_value_minor, _C.monthly_revenue_minor,
                       _C.revenue_to_date_minor, _C.acquisition_cost_minor, _C.start_date,
                       _C.end_date, last.c.last_call)
                .outerjoin(last, last.c.customer_id == _C.id).order_by(_C.id))
        with self.db.read_connection() as conn:
            rows = conn.execute(stmt).all()
        status = _STATUS
        return [CustomerCard(cid, ext, name, company, status[st], cur.strip(), lv or 0, monthly,
                             rtd or 0, acq, start, end, last_call)
                for (cid, ext, name, company, st, cur, lv, monthly, rtd, acq, start, end,
                     last_call) in rows]

    def phone_index(self) -> dict[str, list[int]]:
        """E.164 number -> ids of the customers on it, highest lifetime value first."""
        stmt = (select(_P.e164, _P.owner_id)
                .join(customers, _C.id == _P.owner_id)
                .where(_P.owner_kind == OWNER, _P.e164.is_not(None))
                .order_by(_P.e164, func.coalesce(_C.lifetime_value_minor, -1).desc(), _C.id))
        index: dict[str, list[int]] = {}
        with self.db.read_connection() as conn:
            for e164, owner in conn.execute(stmt):
                ids = index.get(e164)
                if ids is None:
                    index[e164] = [owner]
                elif ids[-1] != owner and owner not in ids:
                    ids.append(owner)
        return index
