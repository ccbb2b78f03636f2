"""Loaders of the code tables, in the spirit of ``seaborn.load_dataset``.

Each ``load_*`` returns a new DataFrame with explicit dtypes (codes as ``str``, statuses and
indicators ``category``, RVUs ``float64``, flags ``bool``); the columns are documented in
data/README.md. Shipped tables come from ``data/*.csv``, the RVUs from ``data/rvus/RVUyyX.parquet``
(one file per CMS release); RVU and GPCI years that a user imported with ``cpt-workbook
import-cms`` come from the local store and take precedence row by row.
The notebooks' year and code parameters are validated here (registered in
:mod:`cpt_analysis.validation`): a year, or a code, the RVU tables hold.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import config
from ..dates import as_date
from ..errors import IMPORT_HINT, IMPORT_RVU_HINT, DataFileError, WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference import store
from ..validation import register
from .schema import RVU_TABLE_COLUMNS, SCHEMAS, read_table

RVU_COLUMNS = ["year", "release", "hcpcs", "modifier", "description", *RVU_TABLE_COLUMNS[4:]]
CATEGORY_COLUMNS = [
    c.name for t in ("rvus", "rvu_details") for c in SCHEMAS[t] if c.kind in ("category", "status")
]


@cache
def _shipped(name: str) -> pd.DataFrame:
    if name == "rvus":  # every shipped row of every release
        return pd.concat(map(_release_rows, _shipped_releases()), ignore_index=True)
    return read_table(config.shipped_table(name), name)


@cache
def _shipped_releases() -> list[str]:
    """The shipped releases from their files' names, which sort in order of taking effect
    (RVU24A, RVU24AR, RVU24B...): a year's RVUs need no other table."""
    return sorted(p.stem for p in (config.DATA_DIR / "rvus").glob("RVU*.parquet"))


def _read_release(release: str, **options) -> pd.DataFrame:
    """Read a shipped release's file (``options`` of pyarrow's read_table: columns, filters)."""
    path = config.DATA_DIR / "rvus" / f"{release}.parquet"
    try:
        return pq.read_table(path, **options).to_pandas()
    except (OSError, pa.ArrowException) as exc:  # missing, or damaged
        raise DataFileError(
            f"{path} cannot be read ({type(exc).__name__})", "restore it from git"
        ) from None


@cache
def _release_rows(release: str) -> pd.DataFrame:
    """The shipped rows of one release (data/rvus/RVU24A.parquet), typed by the file itself."""
    frame = _read_release(release)
    if list(frame.columns) != RVU_TABLE_COLUMNS:
        path = config.DATA_DIR / "rvus" / f"{release}.parquet"
        raise DataFileError(
            f"{path.name} does not have the columns of a shipped release",
            "restore it from git or rebuild it with scripts/build_shipped_tables.py",
        )
    frame.insert(4, "description", pd.Series(pd.NA, index=frame.index, dtype="str"))
    return frame


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
    shipped = {2000 + int(r[3:5]) for r in _shipped_releases()}
    return sorted(shipped | set(store.years("rvus")))


def load_rvu_releases() -> pd.DataFrame:
    """Return the shipped CMS releases of the RVU file, one row each, in order of taking effect.

    Columns: year, release (RVU24AR), effective_from (first date of service it prices),
    conversion_factor, rows, source. 2020-2024 have every quarterly release (2024 also RVU24AR,
    the revised January file of the March 9 conversion factor); 2025 and 2026 one each.
    """
    return _shipped("rvu_releases").copy()


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
    if code_history(code, ["hcpcs"]).empty:
        raise WorkbookError(
            f"{code} is not in the workbook's tables", f"{IMPORT_RVU_HINT} to see every code"
        )
    return code


def _year_releases(year: int) -> list[str]:
    """The shipped releases of a year, in order of taking effect."""
    return [r for r in _shipped_releases() if r.startswith(f"RVU{year % 100:02d}")]


def _with_details(imported: pd.DataFrame) -> pd.DataFrame:
    """An imported table with the columns an older import or file lacks, blank."""
    blank = {"float": float("nan"), "plus_flag": False}
    for col in SCHEMAS["rvu_details"]:
        if col.name not in imported:
            imported[col.name] = blank.get(col.kind, "")
    return imported


def _year_rvus(year: int, release: str | None) -> pd.DataFrame:
    """The RVUs of a year: a shipped release (the latest by default) under the year's import,
    which wins row by row where it is that release or none was named."""
    shipped = _year_releases(year)
    imported = store.load("rvus", year)
    own = None if imported is None else str(imported["release"].iloc[0])
    if release is not None and release not in [*shipped, own]:
        have = ", ".join(r for r in [*shipped, own] if r)
        raise WorkbookError(
            f"no release {release} of the {year} RVUs (the workbook has {have})",
            "name one of those, or leave out the release for the latest",
        )
    chosen = release or (shipped[-1] if shipped else own)
    if imported is None or (release is not None and chosen != own):
        return _release_rows(chosen).copy()
    imported = _with_details(imported)
    if chosen in shipped:
        imported = _overlay(_release_rows(chosen), imported, ["hcpcs", "modifier"])
    frame = imported[RVU_COLUMNS].sort_values(["hcpcs", "modifier"], ignore_index=True)
    return frame.astype(dict.fromkeys(CATEGORY_COLUMNS, "category"))


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack tables of several releases, keeping category columns categories."""
    frame = pd.concat(parts, ignore_index=True)
    for col in parts[0].columns:
        if isinstance(parts[0][col].dtype, pd.CategoricalDtype):
            frame[col] = pd.api.types.union_categoricals([p[col] for p in parts])
    return frame


def load_rvus(year: int | None = None, release: str | None = None) -> pd.DataFrame:
    """Return the RVUs by year, code and modifier (modifier ``""`` is the global row): of every
    year, or of ``year``; each year's latest release, or the one named (``release="RVU24B"``).

    A year a user imported wins row by row over the shipped release. Columns: year, release,
    hcpcs, modifier, description (official short descriptor, only for imported years), status,
    work_rvu, pe_rvu_nonfacility, pe_na_nonfacility, pe_rvu_facility, pe_na_facility, mp_rvu,
    total_rvu_nonfacility, total_rvu_facility, pctc, global_days, mult_proc, conversion_factor,
    the further indicators (not_used_for_medicare ... opps_mp_rvu, see data/README.md) and
    source. Raises WorkbookError for a year or release with no data.
    """
    years = rvu_years()
    if release is not None:
        release = str(release).strip().upper()
        match = re.fullmatch(r"RVU(\d{2})[A-D]R?", release)
        if not match:
            raise WorkbookError(
                f"'{release}' is not a CMS release", "name one such as RVU24B or RVU24AR"
            )
        named = 2000 + int(match[1])
        year = _check_year("RVUs", named if year is None else year, years)
        if year != named:
            raise WorkbookError(f"{release} is not a release of {year}", f"use --year {named}")
    wanted = years if year is None else [_check_year("RVUs", year, years)]
    return _concat([_year_rvus(y, release) for y in wanted])


def code_history(code: str, columns: list[str]) -> pd.DataFrame:
    """Return the ``columns`` of a code's rows (every modifier) in each year's latest release, or
    the year's import: what load_rvus() holds for it, read without loading whole releases."""
    parts = []
    for year in rvu_years():
        shipped = _year_releases(year)
        if shipped and store.load("rvus", year) is None:
            found = [("hcpcs", "==", code)]
            parts.append(_read_release(shipped[-1], columns=columns, filters=found))
        else:
            rows = load_rvus(year)
            parts.append(rows.loc[rows["hcpcs"] == code, columns])
    return pd.concat(parts, ignore_index=True)


def release_words(year: int, release: str) -> str:
    """Say which of a year's releases ``release`` is: "RVU25D, the only 2025 release the
    workbook has", "RVU24C, the latest of RVU24A, RVU24AR, RVU24B, RVU24C", "RVU24B, one of
    ...", or "RVU25B, imported"."""
    shipped = _year_releases(int(year))
    if release not in shipped:
        return f"{release}, imported"
    if len(shipped) == 1:
        return f"{release}, the only {year} release the workbook has"
    which = "the latest" if release == shipped[-1] else "one"
    return f"{release}, {which} of {', '.join(shipped)}"


def release_on(date_of_service: object) -> tuple[pd.DataFrame, str]:
    """Return the RVUs in force on a date of service and a sentence saying which release they
    are: the latest shipped release of its year that had taken effect that day (2024-03-08:
    RVU24A; 2024-03-09: RVU24AR), else the year's first, said to be later; a year a user
    imported prices with its import. Raises WorkbookError for a year without RVUs."""
    day = pd.Timestamp(as_date(date_of_service))
    year = _check_year("RVUs", day.year, rvu_years())
    table = _shipped("rvu_releases")
    table = table[table["year"] == year]
    imported = store.load("rvus", year)
    if imported is not None:
        own = imported["release"].iloc[0]
        return load_rvus(year), f"{own} (imported; it prices every date of {year})"
    started = table[table["effective_from"] <= day]
    first = table.iloc[0]
    row = started.iloc[-1] if not started.empty else first
    said = f"{row['release']}, in force from {row['effective_from'].date()}"
    if started.empty:
        only = "the only" if len(table) == 1 else "the earliest"
        said = (
            f"{row['release']}: {only} {year} release the workbook has, in force from "
            f"{row['effective_from'].date()}; the one in force on {day.date()} is not shipped"
        )
    return load_rvus(year, row["release"]), said


def gpci_years() -> list[int]:
    """Return every year with GPCIs, shipped or imported."""
    return sorted(set(_shipped("gpci")["year"].unique().tolist()) | set(store.years("gpci")))


def gpci_releases(year: int) -> list[str]:
    """Return the shipped releases with GPCIs for ``year``, in order of taking effect."""
    shipped = _shipped("gpci")
    return shipped.loc[shipped["year"] == int(year), "release"].unique().tolist()


def load_gpci(year: int, release: str | None = None) -> pd.DataFrame:
    """Return the GPCIs of every Medicare locality for ``year``: as the year's latest release
    gives them, or ``release`` (RVU23A: Puerto Rico's changed in RVU23D); a year a user imported
    wins row by row (its release blank).

    Columns: year, release, mac, state, locality_number, locality_name, gpci_work, gpci_pe,
    gpci_mp, source, locality_id (``MAC-NN``, e.g. ``01112-05``). Raises WorkbookError for a
    year or release with no GPCIs.
    """
    year = _check_year("GPCIs", year, gpci_years())
    shipped = _shipped("gpci")
    shipped = shipped[shipped["year"] == year]
    have = gpci_releases(year)
    if release is not None and release not in have:
        raise WorkbookError(
            f"no {release} GPCIs for {year} (the workbook has {', '.join(have) or 'an import'})",
            "name one of those, or leave out the release for the latest",
        )
    chosen = shipped[shipped["release"] == (release or (have[-1] if have else None))]
    imported = store.load("gpci", year)
    if imported is not None:
        imported = imported.assign(release="")
    frame = _overlay(chosen, imported, ["mac", "locality_number"])
    frame = frame.assign(locality_id=frame["mac"] + "-" + frame["locality_number"])
    return frame.sort_values(["state", "locality_id"], ignore_index=True)
