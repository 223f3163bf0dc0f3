"""Money in minor units with a currency. Never floats in storage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents that are not 2
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3,
              "JOD": 3, "TND": 3}
_SYMBOLS = {"ZAR": "R", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "NGN": "₦",
            "KES": "KSh", "INR": "₹"}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    minor: int
    currency: str = "ZAR"

    @classmethod
    def from_major(cls, amount: Decimal | float | int | str, currency: str) -> Money:
        try:
            value = Decimal(str(amount))
        except InvalidOperation as exc:
            raise ValueError(f"{amount!r} is not an amount") from exc
        if not value.is_finite():
            raise ValueError(f"{amount!r} is not an amount")
        scaled = (value * (10 ** exponent(currency))).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return cls(int(scaled), currency.upper())

    @property
    def major(self) -> Decimal:
        return Decimal(self.minor) / (10 ** exponent(self.currency))

    def as_float(self) -> float:
        return float(self.major)

    def format(self, *, cents: bool = False) -> str:
        """``R10,810`` (whole units, grouped) or ``R10,810.42`` with cents=True."""
        sym = _SYMBOLS.get(self.currency, self.currency + " ")
        exp = exponent(self.currency)
        sign = "-" if self.minor < 0 else ""
        if cents and exp:
            body = f"{abs(self.major):,.{exp}f}"
        else:
            body = f"{abs(self.major).quantize(Decimal(1), rounding=ROUND_HALF_EVEN):,.0f}"
        return f"{sign}{sym}{body}"

    def __str__(self) -> str:
        return self.format()
