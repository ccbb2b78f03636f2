"""Column schemas of every table the workbook loads, and the validating reader.

Each table is a list of :class:`Column`; :func:`read_table` reads a CSV with every cell as text,
then converts column by column, so a bad cell is reported by file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataFileError
from ..identifiers import HCPCS_PATTERN, ICD10_PATTERN, MODIFIER_PATTERN

STATUS_CODES = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "M", "N", "P", "R", "T", "X"]


@dataclass(frozen=True)
class Column:
    """One column: its name, kind (how it is parsed and typed) and whether blanks are allowed."""

    name: str
    kind: str
    blank_ok: bool = False


def _cols(spec: str) -> list[Column]:
    """Parse ``name:kind[?]`` words into columns (``?`` allows blanks)."""
    out = []
    for word in spec.split():
        name, kind = word.split(":")
        out.append(Column(name, kind.rstrip("?"), kind.endswith("?")))
    return out


SCHEMAS: dict[str, list[Column]] = {
    "codes": _cols(
        "code:hcpcs name:text family:category timed:bool explanation:text "
        "or_schedule_name:text consent_form_name:text typical_patients:text source:text"
    ),
    "common_names": _cols("code:hcpcs common_name:text source:text"),
    "rvus": _cols(
        "year:int release:category hcpcs:hcpcs modifier:modifier? status:status "
        "work_rvu:float pe_rvu_nonfacility:float pe_na_nonfacility:na_flag? "
        "pe_rvu_facility:float pe_na_facility:na_flag? mp_rvu:float "
        "total_rvu_nonfacility:float total_rvu_facility:float pctc:category "
        "global_days:category mult_proc:category conversion_factor:float source:text"
    ),
    # the further columns of the national RVU file, stored with the rvus: the indicators a biller
    # needs to price modifiers and the PE and MP used for the OPPS cap; an imported file lacking
    # one leaves it blank (PRIC IND is new in 2026)
    "rvu_details": _cols(
        "not_used_for_medicare:plus_flag? pre_op:float? intra_op:float? post_op:float? "
        "bilat_surg:category? asst_surg:category? co_surg:category? team_surg:category? "
        "pricing_indicator:category? endo_base:hcpcs? physician_supervision:category? "
        "calculation_flag:category? imaging_family:category? opps_pe_rvu_nonfacility:float? "
        "opps_pe_rvu_facility:float? opps_mp_rvu:float?"
    ),
    "rvu_releases": _cols(
        "year:int release:text effective_from:date conversion_factor:float rows:int source:text"
    ),
    "conversion_factors": _cols(
        "year:int effective_from:date effective_to:date apm_status:category "
        "conversion_factor:float source:text"
    ),
    "gpci": _cols(
        "year:int release:text mac:digits5 state:text locality_number:digits2 locality_name:text "
        "gpci_work:float gpci_pe:float gpci_mp:float source:text"
    ),
    "pairings": _cols("cpt:hcpcs icd10:icd10 relationship:category source:text note:text?"),
    "icd10_changes": _cols("icd10:icd10 effective_date:date change:category source:text"),
    # places (reference/places.py): ZIP codes, localities' counties, anesthesia factors
    "zip_localities": _cols(
        "zip:digits5 state:text mac:digits5 locality_number:digits2 rural:category? plus_four:bool"
    ),
    "locality_counties": _cols(
        "year:int mac:digits5 locality_number:digits2 state:text fee_schedule_area:text "
        "counties:text source:text"
    ),
    "anesthesia_conversion_factors": _cols(
        "year:int effective_from:date effective_to:date mac:digits5 locality_number:digits2 "
        "locality_name:text anesthesia_cf:float source:text"
    ),
}


def columns_of(table: str, *kinds: str) -> list[str]:
    """Return the names of the columns of ``table`` of the given kinds, in the table's order."""
    return [c.name for c in SCHEMAS[table] if c.kind in kinds]


# the RVU table's columns by type, for the readers and the reports that pick them
RVU_FLOAT_COLUMNS = columns_of("rvus", "float")  # work_rvu ... conversion_factor
RVU_CATEGORY_COLUMNS = columns_of("rvus", "category", "status")  # release, status, pctc...
RVU_NA_COLUMNS = columns_of("rvus", "na_flag")  # pe_na_nonfacility, pe_na_facility
# not_used_for_medicare ... opps_mp_rvu
RVU_DETAIL_COLUMNS = [c.name for c in SCHEMAS["rvu_details"]]
# the columns of a shipped release (data/rvus/RVUyyX.parquet), in order: the details before source
RVU_TABLE_COLUMNS = [c.name for c in SCHEMAS["rvus"][:-1]] + RVU_DETAIL_COLUMNS + ["source"]

_PATTERNS = {
    "hcpcs": HCPCS_PATTERN.pattern,
    "modifier": MODIFIER_PATTERN.pattern,
    "icd10": ICD10_PATTERN.pattern.replace("](?:", r"](?:\.?"),
    "status": "[" + "".join(STATUS_CODES) + "]",
    "digits5": r"\d{5}",
    "digits2": r"\d{2}",
    "na_flag": "NA",
    "plus_flag": r"\+",
    "bool": "true|false",
}


def _fail(path: Path, text: pd.Series, bad: pd.Series, col: Column, why: str) -> None:
    row = int(bad.to_numpy().nonzero()[0][0])
    raise DataFileError(
        f"{path.name}: row {row + 2}, column '{col.name}' has {text.iloc[row]!r} ({why})",
        "correct that cell or restore the file from git",
    )


def convert_column(path: Path, text: pd.Series, col: Column) -> pd.Series:
    """Convert one text column to its typed form, or raise DataFileError naming row and column."""
    blank = text.str.strip() == ""
    if not col.blank_ok and blank.any():
        _fail(path, text, blank, col, "a value is required")
    pattern = _PATTERNS.get(col.kind)
    if pattern is not None:
        checked = text.str.upper() if col.kind != "bool" else text.str.lower()
        bad = ~checked.str.fullmatch(pattern) & ~blank
        if bad.any():
            _fail(path, text, bad, col, f"not a valid {col.kind}")
    if col.kind in ("float", "int"):
        numbers = pd.to_numeric(text.where(~blank), errors="coerce")
        bad = numbers.isna() & ~blank
        if bad.any():
            _fail(path, text, bad, col, "not a number")
        return numbers.astype("float64" if col.kind == "float" else "int64")
    if col.kind == "date":
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        if dates.isna().any():
            _fail(path, text, dates.isna(), col, "not a date as YYYY-MM-DD")
        return dates.astype("datetime64[s]")
    return _TYPED.get(col.kind, lambda t: t.astype("str"))(text)


# the kinds read from text checked by their pattern alone
_TYPED = {
    "bool": lambda t: t.str.lower().eq("true").astype("bool"),
    "na_flag": lambda t: t.str.upper().eq("NA").astype("bool"),
    "plus_flag": lambda t: t.str.strip().eq("+").astype("bool"),
    "category": lambda t: t.str.strip().astype("category"),
    "status": lambda t: t.str.strip().astype("category"),
    "hcpcs": lambda t: t.str.strip().str.upper().astype("str"),
    "modifier": lambda t: t.str.strip().str.upper().astype("str"),
}


def read_table(path: Path, name: str) -> pd.DataFrame:
    """Read the table ``name`` from ``path`` and return it typed and validated.

    Raises DataFileError naming the file, row and column of the first bad cell, or the missing
    columns.
    """
    columns = SCHEMAS[name]
    try:
        raw = pd.read_csv(path, dtype="str", keep_default_na=False, na_filter=False)
    except FileNotFoundError:
        raise DataFileError(f"{path} is missing", "restore it from git") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path.name} cannot be read as CSV ({exc})", "fix the file") from None
    missing = [c.name for c in columns if c.name not in raw.columns]
    if missing:
        raise DataFileError(
            f"{path.name} lacks the column(s) {', '.join(missing)}",
            "see data/README.md for the expected columns",
        )
    return pd.DataFrame({c.name: convert_column(path, raw[c.name], c) for c in columns})
