"""Dates of service: text, dates and timestamps read as one date, and the ICD-10-CM fiscal year
(October to September) a date falls in."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .errors import WorkbookError


def fiscal_year(date_of_service: object = None) -> int:
    """Return the ICD-10-CM fiscal year of a date (FY N runs from Oct 1 of N-1 to Sep 30 of N).

    Raises WorkbookError for a value that is not a date.
    """
    day = as_date(date_of_service)
    return day.year + 1 if day.month >= 10 else day.year


def as_date(value: object = None) -> dt.date:
    """Return a date from a date, a timestamp or text such as 2025-03-14 (today if None).

    Raises WorkbookError for text that is not a date.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return dt.date.today()
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise WorkbookError(f"'{value}' is not a date", "write it as YYYY-MM-DD") from None
