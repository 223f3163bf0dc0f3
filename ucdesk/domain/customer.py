"""Customers and what the ring path shows about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    CHURNED = "churned"


@dataclass(frozen=True, slots=True)
class PhoneEntry:
    raw: str                 # as imported/typed, kept so a region change can re-normalise
    e164: str | None         # None when the raw text is not a valid number
    ext: str | None = None
    kind: str = "e164"       # NumberKind value


@dataclass(frozen=True, slots=True)
class Customer:
    id: int | None
    external_id: str | None           # customer_id from the import file
    name: str
    company: str = ""
    monthly_revenue_minor: int = 0
    currency: str = "ZAR"
    start_date: date | None = None
    end_date: date | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    acquisition_cost_minor: int | None = None
    phones: tuple[PhoneEntry, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """Everything the screen pop shows for one matched customer, precomputed.

    Built off the ring path (on import, on settings change, when a call ends) and only looked up
    while the phone rings.
    """

    customer_id: int
    external_id: str | None
    name: str
    company: str
    status: CustomerStatus
    currency: str
    lifetime_value_minor: int          # the value the pop shows (model picked by a setting)
    monthly_revenue_minor: int
    revenue_to_date_minor: int         # for churned customers: start to end date
    acquisition_cost_minor: int | None
    start_date: date | None
    end_date: date | None
    last_call_at: datetime | None      # UTC


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """The result of a ring-path lookup: all customers on one number, highest value first."""

    e164: str | None
    cards: tuple[CustomerCard, ...] = ()

    @property
    def best(self) -> CustomerCard | None:
        return self.cards[0] if self.cards else None
