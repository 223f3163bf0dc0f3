"""Lifetime value models with real figures (R300 a month, 2 % monthly churn)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ucdesk.domain.customer import Customer, CustomerStatus
from ucdesk.insights.clv import (
    Valuation,
    capped_value,
    discounted_value,
    model_value,
    monthly_discount_rate,
    undiscounted_value,
    value_for,
    whole_months,
)
from ucdesk.settings import TeamSettings

TEAM = TeamSettings(region="ZA", currency="ZAR", churn=0.02, discount=0.10, margin=1.0,
                    clv_model="discounted", horizon_months=60)
TODAY = date(2025, 6, 15)


def customer(**kw) -> Customer:
    base = Customer(id=1, external_id=None, name="Lerato", monthly_revenue_minor=300_00,
                    start_date=date(2024, 1, 15))
    return replace(base, **kw)


def test_undiscounted_r300_at_2_percent_is_r15000():
    assert undiscounted_value(300.0, 0.02) == pytest.approx(15_000.0)


def test_discounted_at_10_percent_a_year_is_about_r10810():
    assert monthly_discount_rate(0.10) == pytest.approx(0.0079741, abs=1e-7)
    assert discounted_value(300.0, 0.02, 0.10) == pytest.approx(10_810, abs=1)


def test_capped_60_months_no_discount_is_about_r10537():
    assert capped_value(300.0, 0.02, 0.0, 60) == pytest.approx(10_537, abs=1)


def test_capped_equals_the_sum_it_stands_for():
    d = monthly_discount_rate(0.10)
    by_sum = sum(300.0 * (0.98 / (1 + d)) ** t for t in range(60))
    assert capped_value(300.0, 0.02, 0.10, 60) == pytest.approx(by_sum, rel=1e-12)


def test_capped_approaches_discounted_for_long_horizons():
    assert capped_value(300.0, 0.02, 0.10, 1200) == pytest.approx(
        discounted_value(300.0, 0.02, 0.10), rel=1e-9)


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_churn_must_be_in_range(bad):
    with pytest.raises(ValueError, match="churn"):
        undiscounted_value(300.0, bad)


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="unknown lifetime-value model"):
        model_value("magic", 300.0, TEAM)


@pytest.mark.parametrize(("model", "discount", "expected"), [
    ("undiscounted", 0.10, 1_500_000),
    ("discounted", 0.10, 1_080_971),  # 1,080,970.63 (50-digit Decimal)
    ("capped", 0.0, 1_053_670),       # 1,053,670.29
])
def test_value_for_active_customer_in_cents(model, discount, expected):
    team = replace(TEAM, clv_model=model, discount=discount)
    v = value_for(customer(), team, TODAY)
    assert v.lifetime_value_minor == expected
    # 15 Jan 2024 -> 15 Jun 2025: 17 whole months of R300
    assert v.revenue_to_date_minor == 17 * 300_00


def test_margin_scales_the_value():
    v = value_for(customer(), replace(TEAM, clv_model="undiscounted", margin=0.4), TODAY)
    assert v.lifetime_value_minor == 600_000  # R6,000


def test_churned_customer_has_no_remaining_value_and_revenue_to_the_end_date():
    churned = customer(status=CustomerStatus.CHURNED, start_date=date(2020, 4, 1),
                       end_date=date(2023, 10, 31), monthly_revenue_minor=760_00)
    assert value_for(churned, TEAM, TODAY) == Valuation(0, 42 * 760_00)


def test_acquisition_cost_is_not_subtracted():
    with_cost = customer(acquisition_cost_minor=5_000_00)
    assert value_for(with_cost, TEAM, TODAY) == value_for(customer(), TEAM, TODAY)


def test_unknown_dates_give_unknown_revenue_to_date():
    assert value_for(customer(start_date=None), TEAM, TODAY).revenue_to_date_minor is None
    churned = customer(status=CustomerStatus.CHURNED, end_date=None)
    assert value_for(churned, TEAM, TODAY) == Valuation(0, None)


def test_rounding_is_half_even_at_the_end():
    # 1 cent a month, undiscounted at 40 % churn: 2.5 cents -> 2
    team = replace(TEAM, clv_model="undiscounted", churn=0.4)
    assert value_for(customer(monthly_revenue_minor=1), team, TODAY).lifetime_value_minor == 2


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2024, 1, 15), date(2024, 2, 14), 0),
    (date(2024, 1, 15), date(2024, 2, 15), 1),
    (date(2024, 1, 31), date(2024, 2, 29), 1),   # month end counts as a full month
    (date(2023, 1, 31), date(2023, 2, 28), 1),
    (date(2024, 1, 31), date(2024, 2, 28), 0),
    (date(2024, 1, 1), date(2024, 12, 31), 11),
    (date(2024, 1, 1), date(2025, 1, 1), 12),
    (date(2024, 5, 1), date(2024, 4, 1), 0),     # end before start
    (date(2024, 5, 1), date(2024, 5, 1), 0),
])
def test_whole_months(start, end, months):
    assert whole_months(start, end) == months
