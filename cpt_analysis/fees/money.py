"""Dollars as the fee schedule rounds and the workbook writes them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd


def cents(value: float) -> float:
    """Round dollars to cents, halves away from zero (as fee schedules print them)."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def cents_array(values) -> np.ndarray:
    """:func:`cents` of every value of an array or Series at once: halves away from zero (the
    1e-9 absorbs binary error such as 37.975 stored as 37.97499..., as the decimal text does)."""
    values = np.asarray(values, dtype="float64")
    return np.round(np.sign(values) * np.floor(np.abs(values) * 100 + 0.5 + 1e-9) / 100, 2)


def money(value: float | None, missing: str = "no amount", sign: bool = False) -> str:
    """Return dollars as the workbook writes them everywhere: ``$1,234.56``, ``-$3.20``, with
    ``+`` before a gain when ``sign``; ``missing`` where there is no amount (None or NaN)."""
    if value is None or pd.isna(value):
        return missing
    return f"{'-' if value < 0 else '+' if sign else ''}${abs(value):,.2f}"
