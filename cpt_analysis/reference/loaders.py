"""Loaders of the code tables, in the spirit of ``seaborn.load_dataset``.

Each ``load_*`` returns a new DataFrame with explicit dtypes (codes as ``str``, statuses and
indicators ``category``, RVUs ``float64``, flags ``bool``); the columns are documented in
data/README.md. Shipped tables come from ``data/*.csv``; RVU and GPCI years that a user imported
with ``cpt-workbook import-cms`` come from the local store and take precedence row by row.
The notebooks' year and code parameters are validated here (registered in
:mod:`cpt_analysis.validation`): a year, or a code, the RVU tables hold.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from .. import config
from ..errors import IMPORT_HINT, IMPORT_RVU_HINT, WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference import store
from ..validation import register
from .schema import RVU_CATEGORY_COLUMNS, read_table


@cache
def _shipped(name: str) -> pd.DataFrame:
    return read_table(config.shipped_table(name), name)


def load_codes() -> pd.DataFrame:
    """Return the shipped codes: one row per CPT/HCPCS code with plain-language facts.

    Columns: code, name, family, timed, explanation, or_schedule_name, consent_form_name,
    typical_patients, source. Raises DataFileError if data/codes.csv is malformed.
    """
    return _shipped("codes").copy()


def _with_additions(name: str) -> pd.DataFrame:
    added = store.load_additions(name)
    shipped = _shipped(name)
    if added is None or added.empty:
        return shipped.copy()
    frame = pd.concat([shipped, added], ignore_index=True)
    for col in frame.columns:
        if isinstance(shipped[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("str").astype("category")
    return frame


def load_common_names() -> pd.DataFrame:
    """Return the common names (several per code): code, common_name, source.

    Names a user added from articles (``cpt-workbook ingest --add``) follow the shipped ones,
    their source naming the article. Raises DataFileError for a damaged table.
    """
    return _with_additions("common_names")


def load_pairings() -> pd.DataFrame:
    """Return the CPT to ICD-10-CM pairings: cpt, icd10 (as the source wrote it), relationship,
    source, note. Typical pairings are guidance, not coverage rules.

    Pairings a user added from articles follow the shipped ones, their source naming the
    article. Raises DataFileError for a damaged table.
    """
    return _with_additions("pairings")


def load_conversion_factors() -> pd.DataFrame:
    """Return the Medicare conversion factors 2019-2026 with their effective dates.

    Columns: year, effective_from, effective_to, apm_status (all / qualifying / non-qualifying),
    conversion_factor (dollars per RVU), source.
    """
    return _shipped("conversion_factors").copy()


def load_icd10_changes() -> pd.DataFrame:
    """Return the shipped ICD-10-CM code-set changes used for dates before the bundled year."""
    return _shipped("icd10_changes").copy()


def rvu_years() -> list[int]:
    """Return every year with RVUs, shipped or imported."""
    shipped = set(_shipped("rvus")["year"].unique().tolist())
    return sorted(shipped | set(store.years("rvus")))


def _overlay(shipped: pd.DataFrame, imported: pd.DataFrame | None, keys: list[str]):
    if imported is None:
        return shipped
    marker = shipped[keys].merge(imported[keys].drop_duplicates(), how="left", indicator=True)
    kept = shipped[(marker["_merge"] == "left_only").to_numpy()]
    return pd.concat([imported, kept], ignore_index=True)


def as_year(value: object) -> int:
    """Return a year given as a whole number or its digits (2025, 2025.0, "2025", numpy ints).

    Raises WorkbookError for anything else: 2025.5, True, "20x5", "" or None are not years.
    """
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"\d{4}", text):
        if isinstance(value, float) and value.is_integer() and 1000 <= value <= 9999:
            return int(value)
        raise WorkbookError(f"'{value}' is not a year", "use a year such as 2025")
    return int(text)


def _check_year(kind: str, year: object, years: list[int]) -> int:
    year = as_year(year)
    if year not in years:
        have = ", ".join(map(str, years))
        raise WorkbookError(f"no {kind} for {year} (the workbook has {have})", IMPORT_HINT)
    return year


@register("year", "from_year", "to_year")
def rvu_year(value: object) -> int:
    """Return ``value`` as a year the workbook has RVUs for (2025, "2025", 2025.0).

    Raises WorkbookError for a value that is not a year (see :func:`as_year`) or a year without
    RVUs, naming the years there are.
    """
    return _check_year("RVUs", value, rvu_years())


@register("years")
def _rvu_year_list(value: object) -> list[int]:
    """Years with RVUs given as a list or as "2024,2025", sorted, each once."""
    items = value if isinstance(value, list | tuple) else str(value).replace(" ", "").split(",")
    years = sorted({rvu_year(v) for v in items if str(v)})
    if not years:
        raise WorkbookError("no years given", "list years such as 2024,2025")
    return years


@register("cpt_code")
def _rvu_code(value: object) -> str:
    """A CPT/HCPCS code the RVU tables hold, in any year."""
    code = normalize_hcpcs(value)
    if not (load_rvus()["hcpcs"] == code).any():
        raise WorkbookError(
            f"{code} is not in the workbook's tables", f"{IMPORT_RVU_HINT} to see every code"
        )
    return code


def load_rvus(year: int | None = None) -> pd.DataFrame:
    """Return the RVUs by year, code and modifier (modifier ``""`` is the global row).

    Columns: year, release, hcpcs, modifier, description (official short descriptor, only for
    imported years), status, work_rvu, pe_rvu_nonfacility, pe_na_nonfacility, pe_rvu_facility,
    pe_na_facility, mp_rvu, total_rvu_nonfacility, total_rvu_facility, pctc, global_days,
    mult_proc, conversion_factor, source. Raises WorkbookError for a year with no data.
    """
    shipped = _shipped("rvus")
    years = rvu_years()
    wanted = years if year is None else [_check_year("RVUs", year, years)]
    parts = []
    for y in wanted:
        part = shipped[shipped["year"] == y].assign(description=pd.NA)
        parts.append(_overlay(part, store.load("rvus", y), ["hcpcs", "modifier"]))
    frame = pd.concat(parts, ignore_index=True)
    frame["description"] = frame["description"].astype("str")
    for col in RVU_CATEGORY_COLUMNS:
        frame[col] = frame[col].astype("str").astype("category")
    columns = ["year", "release", "hcpcs", "modifier", "description"]
    columns += [c for c in shipped.columns if c not in columns]
    return frame[columns].sort_values(["year", "hcpcs", "modifier"], ignore_index=True)


def gpci_years() -> list[int]:
    """Return every year with GPCIs, shipped or imported."""
    return sorted(set(_shipped("gpci")["year"].unique().tolist()) | set(store.years("gpci")))


def load_gpci(year: int) -> pd.DataFrame:
    """Return the GPCIs of every Medicare locality for ``year``.

    Columns: year, mac, state, locality_number, locality_name, gpci_work, gpci_pe, gpci_mp,
    source, locality_id (``MAC-NN``, e.g. ``01112-05``). Raises WorkbookError for a year with no
    GPCIs.
    """
    year = _check_year("GPCIs", year, gpci_years())
    shipped = _shipped("gpci")
    frame = _overlay(
        shipped[shipped["year"] == year], store.load("gpci", year), ["mac", "locality_number"]
    )
    frame = frame.assign(locality_id=frame["mac"] + "-" + frame["locality_number"])
    return frame.sort_values(["state", "locality_id"], ignore_index=True)
