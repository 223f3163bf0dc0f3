"""The team's settings that the lifetime-value model and number matching use, as one value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TeamSettings:
    """A snapshot of the team settings the lifetime-value model and number matching use."""

    region: str | None
    currency: str
    churn: float
    discount: float
    margin: float
    clv_model: str
    horizon_months: int
