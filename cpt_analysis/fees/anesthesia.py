"""Anesthesia services (status J): paid by units, not RVUs.

amount = (base units + time units) x the locality's anesthesia conversion factor, where time
units are the minutes of anesthesia time divided by 15, to one decimal place (Medicare Claims
Processing Manual, chapter 12, section 50). CMS publishes a code's base units in its anesthesia
base-unit file, which the workbook does not ship: the user gives them. The conversion factor is
per locality (CMS's ANES files, shipped in data/anesthesia_conversion_factors.csv); there is no
national one in those files, so a locality is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..dates import as_date
from ..errors import WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference import places
from .locality import is_national, resolve_locality
from .money import cents, money

MAX_UNITS = 1000.0  # base + time units; 1,000 units is over 200 hours of anesthesia
FORMULA = "(base units + time units) x the locality's anesthesia conversion factor"


@dataclass(frozen=True)
class AnesthesiaPrice:
    code: str
    locality_id: str
    locality_name: str
    anesthesia_cf: float
    cf_source: str
    base_units: float | None
    time_units: float | None
    amount: float | None

    @property
    def words(self) -> str:
        """The formula with this case's figures, or what is missing."""
        cf = f"${self.anesthesia_cf:.2f} ({self.locality_name})"
        if self.amount is None:
            return f"{FORMULA}: {cf} per unit; give the base units and minutes to price it"
        return (
            f"({self.base_units:g} base + {self.time_units:g} time units) x {cf} = "
            f"{money(self.amount)}"
        )


def time_units(minutes: float) -> float:
    """Minutes of anesthesia time as time units: minutes / 15, to one decimal place."""
    minutes = _number(minutes, "minutes", 0, 24 * 60)
    return math.floor(minutes / 15 * 10 + 0.5 + 1e-9) / 10


def price_anesthesia(
    code: str,
    locality: object,
    base_units: float | None = None,
    minutes: float | None = None,
    units_of_time: float | None = None,
    year: int | None = None,
    date_of_service: object = None,
) -> AnesthesiaPrice:
    """Return the anesthesia conversion factor of a locality and, when base units and time
    (minutes, or time units) are given, the amount. Raises WorkbookError for the national
    amount (no national anesthesia factor in CMS's files), an unknown locality, a year without
    factors, or an absurd number of units or minutes."""
    code = normalize_hcpcs(code)
    if is_national(locality):
        raise WorkbookError(
            "anesthesia is priced with a locality's anesthesia conversion factor",
            "give a locality (MAC-NN, a ZIP code or words of its name)",
        )
    if minutes is not None and units_of_time is not None:
        raise WorkbookError("give minutes or time units, not both", "time units are minutes / 15")
    if date_of_service is not None:
        year = as_date(date_of_service).year
    elif year is None:
        year = int(places.load_anesthesia_cfs()["year"].max())
    place = resolve_locality(locality, year)
    row = places.anesthesia_cf(
        str(place["locality_id"]), year=year, date_of_service=date_of_service
    )
    if row is None:
        raise WorkbookError(f"no anesthesia conversion factor for {place['locality_id']} in {year}",
                            "the workbook has them for 2020-2025")  # fmt: skip
    cf = float(row["anesthesia_cf"])
    base = None if base_units is None else _number(base_units, "base units", 0, MAX_UNITS)
    t = time_units(minutes) if minutes is not None else units_of_time
    t = None if t is None else _number(t, "time units", 0, MAX_UNITS)
    amount = None if base is None or t is None else cents((base + t) * cf)
    return AnesthesiaPrice(code, str(place["locality_id"]), str(place["locality_name"]), cf,
                           str(row["source"]), base, t, amount)  # fmt: skip


def _number(value: object, what: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise WorkbookError(
            f"'{value}' is not a number of {what}", f"give {low:g} to {high:g}"
        ) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise WorkbookError(f"{value} {what} is out of range", f"give {low:g} to {high:g}")
    return number
