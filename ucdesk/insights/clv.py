"""Customer lifetime value for subscription customers.

A customer pays a monthly margin ``m`` (monthly revenue x gross margin), the first payment now,
and is still a customer after each month with probability ``r = 1 - churn`` (monthly churn).
With the annual discount rate ``a``, the monthly discount rate is ``d = (1 + a)^(1/12) - 1``.

=============  ==========================================  =================================
model          value                                       closed form
=============  ==========================================  =================================
undiscounted   sum over t >= 0 of m r^t                    m / (1 - r)
discounted     sum over t >= 0 of m (r / (1 + d))^t        m (1 + d) / (1 + d - r)
capped         sum over t < H of m (r / (1 + d))^t         m (1 - q^H) / (1 - q), q = r/(1+d)
=============  ==========================================  =================================

The capped model uses the team's discount rate too; with discount 0 it is "H months, no
discount". Everything is computed in minor units (cents) as floats and rounded half-even to a
whole minor unit once, at the end.

:func:`value_for` is what the store keeps per customer:

- an *active* customer's lifetime value is the model named by the ``clv.model`` setting;
- a *churned* customer's remaining value is 0;
- ``revenue_to_date`` is monthly revenue x the whole months from the start date to the end date
  (churned) or to today (active); see :func:`whole_months` for how months are counted. It is
  ``None`` when the start date, or a churned customer's end date, is unknown;
- the acquisition cost is *not* subtracted: the screen pop shows it beside the value as the
  cost of replacing the customer.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from ucdesk.domain.customer import Customer, CustomerStatus
from ucdesk.domain.team import TeamSettings

MODELS = ("discounted", "undiscounted", "capped")


@dataclass(frozen=True, slots=True)
class Valuation:
    lifetime_value_minor: int
    revenue_to_date_minor: int | None


def monthly_discount_rate(annual: float) -> float:
    """The monthly rate equivalent to ``annual`` compounded over 12 months."""
    if annual < 0:
        raise ValueError(f"discount rate {annual} is negative")
    return (1.0 + annual) ** (1.0 / 12.0) - 1.0


def _check(margin: float, churn: float) -> None:
    if margin < 0:
        raise ValueError(f"monthly margin {margin} is negative")
    if not 0.0 < churn <= 1.0:
        raise ValueError(f"monthly churn {churn} is outside (0, 1]")


def undiscounted_value(margin: float, churn: float) -> float:
    """``m / (1 - r)``: expected total margin, first payment now, no discounting."""
    _check(margin, churn)
    return margin / churn


def discounted_value(margin: float, churn: float, annual_discount: float) -> float:
    """``m (1 + d) / (1 + d - r)``: the same, each month discounted at ``d``."""
    _check(margin, churn)
    d = monthly_discount_rate(annual_discount)
    return margin * (1.0 + d) / (d + churn)


def capped_value(margin: float, churn: float, annual_discount: float, months: int) -> float:
    """``sum_{t=0}^{H-1} m q^t`` with ``q = r / (1 + d)``: at most ``months`` payments."""
    _check(margin, churn)
    if months < 0:
        raise ValueError(f"horizon {months} is negative")
    q = (1.0 - churn) / (1.0 + monthly_discount_rate(annual_discount))
    if q == 1.0:  # unreachable with churn > 0; kept for the formula's sake
        return margin * months
    return margin * (1.0 - q**months) / (1.0 - q)


def model_value(model: str, margin: float, team: TeamSettings) -> float:
    """The value under ``model`` ("discounted", "undiscounted" or "capped")."""
    if model == "discounted":
        return discounted_value(margin, team.churn, team.discount)
    if model == "undiscounted":
        return undiscounted_value(margin, team.churn)
    if model == "capped":
        return capped_value(margin, team.churn, team.discount, team.horizon_months)
    raise ValueError(f"unknown lifetime-value model {model!r}; known: {', '.join(MODELS)}")


def whole_months(start: date, end: date) -> int:
    """Complete months from ``start`` to ``end`` (0 when ``end`` is not after ``start``).

    A month is complete on the same day-of-month as the start, or on the last day of a shorter
    month: 15 Jan -> 14 Feb is 0 months, 15 Jan -> 15 Feb is 1; 31 Jan -> 28 Feb (29 in a leap
    year) is 1; 1 Jan -> 31 Dec is 11, 1 Jan -> 1 Jan next year is 12.
    """
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day and end.day != calendar.monthrange(end.year, end.month)[1]:
        months -= 1
    return max(months, 0)


def _round(value: float) -> int:
    # round() on a float is exact half-even on its binary value
    return int(round(value))


def value_for(customer: Customer, team: TeamSettings, today: date) -> Valuation:
    """What the store keeps for ``customer``: lifetime value and revenue to date, minor units."""
    monthly = customer.monthly_revenue_minor
    if customer.status is CustomerStatus.CHURNED:
        end = customer.end_date
        if customer.start_date is None or end is None:
            return Valuation(0, None)
        return Valuation(0, monthly * whole_months(customer.start_date, end))
    lifetime = _round(model_value(team.clv_model, monthly * team.margin, team))
    if customer.start_date is None:
        return Valuation(lifetime, None)
    return Valuation(lifetime, monthly * whole_months(customer.start_date, today))
