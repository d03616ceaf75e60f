"""Money as whole minor units (cents) with a currency; never floats."""

from __future__ import annotations

import attrs


@attrs.frozen(order=True)
class Money:
    cents: int = attrs.field(validator=attrs.validators.instance_of(int))
    currency: str = "USD"

    def __attrs_post_init__(self) -> None:
        if isinstance(self.cents, bool):
            raise TypeError("cents must be an int")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents - other.cents, self.currency)

    def percent(self, pct: int) -> Money:
        """``pct`` percent of this amount, rounded half up to the cent."""
        return Money((self.cents * pct + 50) // 100, self.currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(0, currency)

    def __str__(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, cents = divmod(abs(self.cents), 100)
        return f"{sign}{whole:,}.{cents:02d} {self.currency}"
