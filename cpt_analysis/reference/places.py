"""Places: ZIP codes to Medicare localities, the counties of each locality, and each
locality's anesthesia conversion factor by year.

Three shipped tables, built by ``scripts/build_places.py`` and described in data/README.md:

- ``zip_localities.csv.gz``: CMS's ZIP-to-carrier-locality file of the October 2025 quarter
  (ZIP5_OCT2025.txt). A ZIP that CMS splits by ZIP+4 (its plus-four flag) may lie partly in
  another locality; which parts lie where is only in CMS's ZIP+4 file, which the workbook does
  not have, so such a ZIP is never resolved to a locality;
- ``locality_counties.csv``: the counties of each locality, 2020-2025 (a locality-county file
  a user imported with ``cpt-workbook import-cms`` replaces its year);
- ``anesthesia_conversion_factors.csv``: dollars per anesthesia unit of each locality,
  2020-2025, one row per period in which they held (2023 and 2024 have two).

A ZIP is mapped to a locality of another year than October 2025's only where that locality
covered the same counties then (a whole state's localities where it takes "all" or "all
other" counties): California's were redrawn in 2024, so a Californian ZIP in a locality that
changed is refused for 2020-2023 rather than priced in the wrong place.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from .. import config
from ..dates import as_date
from ..errors import WorkbookError
from . import store
from .schema import read_table

ZIP_FILE = "ZIP5_OCT2025.txt"
ZIP_QUARTER = "October 2025"
ZIP_YEAR = 2025
# a ZIP code, or a ZIP+4 (94110-1234 or 941101234) whose first five digits are the ZIP; a
# MAC-NN id has two digits after its dash, or seven digits written together
ZIP_TEXT = re.compile(r"(\d{5})(?:-?\d{4})?")
RURAL_WORDS = {"": "urban", "R": "rural", "B": "super rural"}
GIVE_ID = "give the MAC-NN id of the place of service (01112-05) or words of its locality's name"


def zip_table_path() -> Path:
    """Return the path of the shipped ZIP table (a gzipped CSV: 42,956 ZIPs in about 110 kB)."""
    return config.DATA_DIR / "zip_localities.csv.gz"


@cache
def _zips() -> pd.DataFrame:
    frame = read_table(zip_table_path(), "zip_localities")
    frame["locality_id"] = frame["mac"] + "-" + frame["locality_number"]
    return frame.set_index("zip", drop=False)


@cache
def _shipped(name: str) -> pd.DataFrame:
    return read_table(config.shipped_table(name), name)


def zip_code(text: object) -> str | None:
    """Return the five-digit ZIP code that ``text`` is (94110, or the ZIP+4 94110-1234), else
    None; a MAC-NN id (01112-05, 0111205) is never a ZIP."""
    found = ZIP_TEXT.fullmatch(str(text).strip())
    return found[1] if found else None


def zip_place(text: object) -> pd.Series:
    """Return CMS's row of a ZIP code (or ZIP+4): zip, state (as the file writes it: EK and WK
    are the two halves of Kansas), mac, locality_number, rural (``""`` urban, R rural, B super
    rural), plus_four (True where CMS splits the ZIP by ZIP+4) and locality_id (MAC-NN).

    Raises WorkbookError for a ZIP the file does not list.
    """
    zips = _zips()
    code = zip_code(text)
    if code is None or code not in zips.index:
        shown = code or str(text).strip()
        fix = GIVE_ID
        ids = zips.loc[zips["mac"] == code, "locality_id"]
        if len(ids):
            fix = f"{code} is a MAC (a Medicare contractor): give MAC-NN such as {ids.min()}"
        raise WorkbookError(
            f"ZIP {shown} is not in CMS's ZIP-to-locality file ({ZIP_QUARTER})",
            f"{fix}; `cpt-workbook localities` lists them",
        )
    return zips.loc[code]


def split_note(place: pd.Series, name: str) -> str:
    """Say that CMS splits a ZIP by ZIP+4, naming the locality the ZIP file gives (``name``)."""
    return (
        f"ZIP {place['zip']} is split by ZIP+4 (CMS's plus-four flag): CMS's ZIP file "
        f"({ZIP_QUARTER}) gives {place['locality_id']} {name}, but parts of the ZIP may lie in "
        "another locality, which only CMS's ZIP+4 file tells (the workbook does not have it)"
    )


def zip_gpci(gpci: pd.DataFrame, text: object, refuse_split: bool = True) -> pd.DataFrame:
    """Return the row of ``gpci`` (one year's GPCIs, with locality_id) of a ZIP's locality.

    Raises WorkbookError for a ZIP not in CMS's file, a ZIP split by ZIP+4 (unless
    ``refuse_split`` is False: then the locality CMS's ZIP file gives for the whole ZIP), and a
    locality the year did not have or that covered other counties that year.
    """
    place = zip_place(text)
    year = int(gpci["year"].iloc[0])
    hits = gpci[gpci["locality_id"] == place["locality_id"]]
    in_file = f"ZIP {place['zip']} is in {place['locality_id']} by CMS's ZIP file ({ZIP_QUARTER})"
    give = f"give the {year} MAC-NN id; `cpt-workbook localities --year {year}` lists them"
    if place["plus_four"] and refuse_split:
        name = hits["locality_name"].iloc[0] if len(hits) else _area(place["locality_id"])
        raise WorkbookError(
            split_note(place, name),
            f"give the MAC-NN id of the place of service, such as {place['locality_id']} if "
            "it lies there",
        )
    if hits.empty:
        raise WorkbookError(f"{in_file}, which is not a locality of {year}", give)
    why = drawn_otherwise(place["locality_id"], year)
    if why:
        raise WorkbookError(f"{in_file}, but {why}", give)
    return hits


def _area(locality_id: str) -> str:
    rows = locality_counties(ZIP_YEAR)
    return " ".join(rows.loc[rows["locality_id"] == locality_id, "fee_schedule_area"].head(1))


def drawn_otherwise(locality_id: str, year: int) -> str:
    """Return why a locality of October 2025 cannot stand for ``year``, or ``""`` when it can:
    its counties then and now must be the same, and the whole state's where it takes "all"
    (or "all other") counties. A year without a county list is taken by the id alone."""
    then, now = locality_counties(year), locality_counties(ZIP_YEAR)
    mine = now[now["locality_id"] == locality_id]
    if year == ZIP_YEAR or then.empty or mine.empty:
        return ""
    state, counties = mine["state"].iloc[0], mine["counties"].iloc[0]
    if re.search(r"\bALL\b", counties.upper()):
        if _listed(then, then["state"] == state) != _listed(now, now["state"] == state):
            return f"the localities of {state.title()} were drawn otherwise in {year}"
        return ""
    before = _listed(then, then["locality_id"] == locality_id)
    if before != _listed(now, now["locality_id"] == locality_id):
        was = "; ".join(c for _, c in before) or "not listed"
        return f"its counties in {year} ({was}) were not those of {ZIP_QUARTER} ({counties})"
    return ""


def _listed(frame: pd.DataFrame, rows: pd.Series) -> list[tuple[str, str]]:
    return sorted(set(frame.loc[rows, ["locality_id", "counties"]].itertuples(index=False)))


def locality_counties(year: int) -> pd.DataFrame:
    """Return the counties of each locality of ``year``: year, mac, locality_number, state
    (full name), fee_schedule_area, counties, source, locality_id (MAC-NN).

    A locality-county file the user imported for the year replaces the shipped rows; a row CMS
    lists twice (Missouri's rest of state, every year) comes once. Empty for a year with
    neither (before 2020, after 2025 unless imported).
    """
    imported = store.load("locality", int(year))
    shipped = _shipped("locality_counties")
    frame = imported if imported is not None else shipped[shipped["year"] == int(year)]
    frame = frame.drop_duplicates(["mac", "locality_number", "counties"])
    return frame.assign(locality_id=frame["mac"] + "-" + frame["locality_number"]).reset_index(
        drop=True
    )


def load_anesthesia_cfs(year: int | None = None) -> pd.DataFrame:
    """Return the anesthesia conversion factors (dollars per anesthesia unit) of every locality
    and period, or of one year's periods: year, effective_from, effective_to, mac,
    locality_number, locality_name, anesthesia_cf, source, locality_id. Empty for a year the
    workbook has none of."""
    frame = _shipped("anesthesia_conversion_factors")
    if year is not None:
        frame = frame[frame["year"] == int(year)]
    return frame.assign(locality_id=frame["mac"] + "-" + frame["locality_number"]).reset_index(
        drop=True
    )


def anesthesia_cf(
    locality_id: str | None, year: int | None = None, date_of_service: object = None
) -> pd.Series | None:
    """Return the anesthesia conversion factor row (as :func:`load_anesthesia_cfs`) of a
    locality (MAC-NN) on a date of service, or for a year (its first period: 2024's changed on
    March 9 with the conversion factor). Returns None for the national amount (None or
    ``national``) and for a locality or year the workbook has no factor for (2026)."""
    if locality_id is None or str(locality_id).lower() == "national":
        return None
    if date_of_service is not None:
        day = pd.Timestamp(as_date(date_of_service))
        rows = load_anesthesia_cfs(day.year)
        rows = rows[(rows["effective_from"] <= day) & (rows["effective_to"] >= day)]
    else:
        rows = load_anesthesia_cfs(year)
    rows = rows[rows["locality_id"] == str(locality_id)].sort_values("effective_from")
    return None if rows.empty else rows.iloc[0]
