"""The registry of column presentations: a column name's human label, its kind (money, RVU,
percent...) and, for a flag, the words its values stand for.

Each concern registers its own columns (:func:`register`, :func:`register_many`); a column
nobody registered is labelled from its name (``fiscal_year`` -> ``Fiscal year``) and formatted
by its dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

# kind -> Excel number format; the HTML/text form is made by :func:`Column.text`
KINDS = {
    "text": "@",
    "code": "@",
    "money": '"$"#,##0.00;-"$"#,##0.00',
    "rvu": "0.00",
    "factor": "0.0000",
    "percent": '0.00"%"',  # the value is already in percent points: 2.11 reads 2.11%
    "count": "#,##0",
    "year": "0",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
    "flag": "@",
}
NUMERIC_KINDS = frozenset({"money", "rvu", "factor", "percent", "count", "year", "number"})


@dataclass(frozen=True)
class Column:
    """How one column reads: ``label``, ``kind`` (a key of :data:`KINDS`), ``note`` (what it
    means, shown as the header's tooltip and on the Excel About sheet) and, for a flag, the
    words for true and for false."""

    label: str
    kind: str = "text"
    note: str = ""
    true: str = "yes"
    false: str = ""

    @property
    def numeric(self) -> bool:
        """True when the column holds numbers (right-aligned, number formats in Excel)."""
        return self.kind in NUMERIC_KINDS

    @property
    def excel_format(self) -> str:
        """The Excel number format of the column."""
        return KINDS[self.kind]

    def text(self, value: object) -> str:
        """``value`` as a person reads it: ``$1,234.56``, ``0.45``, ``2.11%``, words for a
        flag, the empty text for a missing value."""
        if _missing(value):
            return ""
        if self.kind == "flag" and not isinstance(value, str):
            return self.true if bool(value) else self.false
        if self.numeric and not isinstance(value, str):
            return _number(self.kind, value)
        if self.kind == "date" and hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d")
        return str(value)

    def cell(self, value: object) -> object:
        """``value`` as stored in an Excel cell: numbers stay numbers, a flag becomes words."""
        if self.kind == "flag" and not isinstance(value, str) and not _missing(value):
            return self.true if bool(value) else self.false
        return value


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _number(kind: str, value) -> str:
    v = float(value)
    if kind == "money":
        return f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"
    if kind == "rvu":
        return f"{v:,.2f}"
    if kind == "factor":
        return f"{v:,.4f}"
    if kind == "percent":
        return f"{v:,.2f}%"
    if kind == "year":
        return f"{v:.0f}"
    if kind == "count":
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
    return f"{v:,.2f}"


_REGISTRY: dict[str, Column] = {}


def register(name: str, label: str, kind: str = "text", note: str = "", **words: str) -> None:
    """Register how the column ``name`` reads (see :class:`Column`); a later registration of
    the same name replaces the earlier one. Raises ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}: use one of {', '.join(KINDS)}")
    _REGISTRY[name] = Column(label, kind, note, **words)


def register_many(columns: dict[str, tuple]) -> None:
    """Register several columns: ``{name: (label, kind[, note])}``."""
    for name, spec in columns.items():
        register(name, *spec)


def _fallback_kind(series: pd.Series | None) -> str:
    if series is None:
        return "text"
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "flag"
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    return "text"


def column(name: object, series: pd.Series | None = None) -> Column:
    """Return how the column ``name`` reads: its registration, or a label made from the name
    (``fiscal_year`` -> ``Fiscal year``; a name with a capital or a space is kept as written)
    and a kind from the dtype of ``series``."""
    found = _REGISTRY.get(str(name))
    if found is not None:
        return found
    text = str(name)
    if "_" in text or text.islower():
        text = text.replace("_", " ").strip()
        text = text[:1].upper() + text[1:]
    return Column(text, _fallback_kind(series))


def label(name: object) -> str:
    """Return the human label of the column ``name``."""
    return column(name).label
