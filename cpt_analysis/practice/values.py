"""Cell texts of an encounter export as the workbook reads them, once per distinct value: dates in
the shapes exports write them, amounts with currency signs and separators, and several codes
in one cell (``GP,59``; ``M54.50;M54.2``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

MONTH_DAY, DAY_MONTH = "month/day", "day/month"
# a time of day after a date: 10:30, 10:30:00, 10:30:00.000, 10:30 AM
_TIME = r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?$"
# date shapes that do not depend on the order of day and month: (format, shape)
_SHAPES = [
    ("%Y/%m/%d", r"\d{4}/\d{1,2}/\d{1,2}"),
    ("%Y%m%d", r"\d{8}"),
    ("%d-%b-%Y", r"\d{1,2}-[A-Za-z]{3}-\d{4}"),
    ("%d-%b-%y", r"\d{1,2}-[A-Za-z]{3}-\d{2}"),
    ("%b %d, %Y", r"[A-Za-z]{3} \d{1,2}, \d{4}"),
    ("%B %d, %Y", r"[A-Za-z]{4,9} \d{1,2}, \d{4}"),
    ("ISO8601", r"\d{4}-\d{2}-\d{2}[T ]\S.*"),
]
_EXCEL_DAY0 = pd.Timestamp("1899-12-30")  # day 0 of Excel's date numbers (45720 = 2025-03-04)


def slash_order(values: pd.Series) -> str:
    """Return how a file writes its slash dates: ``day/month`` when one of them starts with a
    number above 12 (25/03/2025) and none has one above 12 in second place; otherwise the US
    ``month/day``. ``values``: the file's distinct date texts."""
    pattern = r"^(\d{1,2})[/-](\d{1,2})[/-]\d{2}(?:\d{2})?(?:\s.*)?$"
    parts = values.str.extract(pattern).dropna().astype("int64")
    if len(parts) and (parts[0] > 12).any() and not (parts[1] > 12).any():
        return DAY_MONTH
    return MONTH_DAY


def parse_dates(values: pd.Series, order: str = MONTH_DAY) -> np.ndarray:
    """Parse distinct date texts: 2025-03-04 or 2025/03/04; 03/04/2025, 3/4/25 or 03-04-2025
    (month first, or day first when ``order`` is ``day/month``); 20250304; 4-Mar-2025, 4-Mar-25
    or Mar 4, 2025; Excel's date number 45720; any of them with a time of day (dropped), or an
    ISO date and time. Anything else, a partial date included, is NaT."""
    text = values.str.strip().str.replace(_TIME, "", regex=True)
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    first = "%d/%m" if order == DAY_MONTH else "%m/%d"
    ordered = [(f"{first}/%Y", r"\d{1,2}/\d{1,2}/\d{4}"), (f"{first}/%y", r"\d{1,2}/\d{1,2}/\d{2}"),
               (f"{first.replace('/', '-')}-%Y", r"\d{1,2}-\d{1,2}-\d{4}")]  # fmt: skip
    for fmt, shape in ordered + _SHAPES:
        miss = out.isna() & text.str.fullmatch(shape)
        if miss.any():
            out[miss] = pd.to_datetime(text[miss], format=fmt, errors="coerce")
    serial = out.isna() & text.str.fullmatch(r"\d{5}(?:\.\d+)?")
    if serial.any():
        out[serial] = _EXCEL_DAY0 + pd.to_timedelta(text[serial].astype("float64"), unit="D")
    return out.dt.floor("D").to_numpy().astype("datetime64[s]")


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Parse a column's distinct amounts: ``1120``, ``$1,120.00``, ``1 120.00 USD``, ``(12.50)``
    or ``12.50-`` (negative). A decimal comma (``1.120,00``, ``120,50``) is read when the
    column has one and no decimal point. Anything else (``1,12`` beside ``5.00``, ``12.5.0``)
    is NaN."""
    text = values.str.replace(r"\s|US\$|USD|EUR|GBP|[$€£]", "", regex=True, flags=re.I)
    text = text.str.replace(r"^\((.*)\)$|^(.*)-$", r"-\1\2", regex=True)
    point = text.str.fullmatch(r"[-+]?[\d,]*\.\d{1,2}")
    comma = text.str.fullmatch(r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d{1,2}")
    decimal_comma = bool(comma.any() and not point.any())  # 1.120,00: dots group thousands
    if decimal_comma:
        shape = r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?"
    else:
        shape = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?"
    plain = text.where(text.str.contains(r"\d", regex=True) & text.str.fullmatch(shape))
    if decimal_comma:
        plain = plain.str.replace(".", "").str.replace(",", ".")
    plain = plain.str.replace(",", "")
    return pd.to_numeric(plain, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def split_codes(values: pd.Series, separators: str) -> tuple[pd.Series, list[pd.Series]]:
    """Split distinct cells holding several codes (``GP,59``, ``GP 59``, ``M54.50;M54.2``) at
    any of ``separators`` (a regex character class body). Return (codes per cell, [first codes,
    second codes...] upper case, "" where a cell has fewer)."""
    parts = values.str.upper().str.findall(f"[^{separators}]+")
    count = parts.str.len().fillna(0).astype("int64")
    width = int(count.max()) if len(count) else 0
    return count, [
        parts.str.get(k).astype("object").fillna("").astype("str") for k in range(max(width, 1))
    ]
