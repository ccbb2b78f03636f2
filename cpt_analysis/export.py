"""Safe exports of result tables to CSV and Excel: no patient identifiers, no formulas, no
half-written files.

* :func:`refuse_identifiers` raises a WorkbookError when a table carries a patient identifier
  column (``patient_id``, ``patient_name``, ``mrn``, ``dob``, ``encounter_id``...): reports hold
  aggregates and line references only.
* :func:`neutralise` prefixes text that a spreadsheet would run as a formula (``=``, ``+``,
  ``-``, ``@``, tab, carriage return) with a single quote; numbers are left alone.
* :func:`write_csv` and :func:`write_excel` write to a temporary file in the target folder and
  rename it over the target only once complete, so a failed write never destroys a good file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import WorkbookError
from .files import atomic_write
from .presentation.excel import about_items, about_sheet, column_notes, data_sheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
SHEET_NAME_MAX = 31
# the headers an encounter export gives a patient's id and a visit's id, best first: the reader
# takes them as the visit key, and no export carries them
PATIENT_ID_NAMES = (
    "Patient ID",
    "Patient",
    "Patient Number",
    "Patient No",
    "MRN",
    "Medical Record Number",
    "Chart Number",
    "Patient Account",
    "Account Number",
)
ENCOUNTER_ID_NAMES = (
    "Encounter ID",
    "Encounter",
    "Encounter Number",
    "Visit ID",
    "Visit Number",
    "Claim ID",
    "Claim Number",
    "Ticket Number",
)


def column_key(name: object) -> str:
    """Return a column name as compared: lower case, letters and digits only (``Patient_ID``
    and ``patient id`` are both ``patientid``)."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


# column names (compared by column_key) that identify a patient or a visit
IDENTIFIER_COLUMNS = frozenset(map(column_key, PATIENT_ID_NAMES + ENCOUNTER_ID_NAMES)) | {
    "patientname",
    "patientfirstname",
    "patientlastname",
    "patientdob",
    "patientaddress",
    "patientphone",
    "patientemail",
    "patientaccountnumber",
    "firstname",
    "lastname",
    "fullname",
    "dob",
    "dateofbirth",
    "birthdate",
    "ssn",
    "socialsecuritynumber",
    "memberid",
    "subscriberid",
    "insuranceid",
    "medicareid",
    "mbi",
    "hicn",
    "address",
    "phone",
    "email",
}


def identifier_columns(columns) -> list[str]:
    """Return the names among ``columns`` that identify a patient or a visit (may be empty)."""
    return [c for c in columns if column_key(c) in IDENTIFIER_COLUMNS]


def refuse_identifiers(df: pd.DataFrame) -> None:
    """Raise WorkbookError when ``df`` has a patient identifier column; return None otherwise.

    Reports and exports carry aggregates and line references (source row numbers) only.
    """
    found = identifier_columns(df.columns)
    if found:
        raise WorkbookError(
            f"refusing to export patient identifier column(s) {', '.join(map(str, found))}",
            "drop them first; reports carry aggregates and source row numbers only",
        )


def _neutral_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells and column names cannot run as formulas.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``;
    numbers (negative ones included), dates and missing values are unchanged.
    """
    out = df.copy()
    out.columns = [_neutral_text(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = col.cat.categories
            if cats.dtype.kind in "OUT" or pd.api.types.is_string_dtype(cats.dtype):
                new = [_neutral_text(c) for c in cats]
                if new != list(cats):
                    fixed = pd.Categorical.from_codes(
                        col.cat.codes.to_numpy(), categories=pd.Index(new, dtype=object)
                    )
                    out.isetitem(i, pd.Series(fixed, index=out.index, name=col.name))
        elif pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
            out.isetitem(i, col.map(_neutral_text, na_action="ignore"))
    return out


def write_csv(path: str | Path, df: pd.DataFrame) -> Path:
    """Write ``df`` (without its index) as UTF-8 CSV with CRLF line ends, neutralised,
    atomically; return the path.

    Raises WorkbookError for a patient identifier column; OSError if the disk refuses (an
    existing file is then unchanged).
    """
    refuse_identifiers(df)
    safe = neutralise(df)
    # CRLF line ends (RFC 4180) also make the writer quote any text holding a bare CR or LF
    return atomic_write(
        path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")
    )


def sheet_names(names) -> list[str]:
    """Return Excel-safe, unique sheet names: no ``[]:*?/\\``, at most 31 characters, not empty."""
    out: list[str] = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("' ") or "Sheet"
        base = base[:SHEET_NAME_MAX]
        candidate, n = base, 1
        while candidate.lower() in {o.lower() for o in out}:
            n += 1
            suffix = f"~{n}"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        out.append(candidate)
    return out


def _cell_value(value: object) -> object:
    """Return a value openpyxl can store: None for missing, Python scalars, naive datetimes."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, pd.Period):
        return str(value)
    return value


def _write_workbook(tmp: Path, sheets: dict[str, pd.DataFrame], about: list[tuple]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    names = sheet_names(["About", *sheets])
    about_sheet(book.create_sheet(title=names[0]), about, column_notes(sheets))
    for name, frame in zip(names[1:], sheets.values(), strict=True):
        # the labels and formats come from the column names as the notebook gave them
        data_sheet(book.create_sheet(title=name), frame, neutralise(frame), _cell_value)
    book.save(tmp)


def write_excel(
    path: str | Path, sheets: dict[str, pd.DataFrame], about: dict | None = None
) -> Path:
    """Write each DataFrame to its own sheet of an .xlsx file, atomically; return the path.

    The workbook opens ready to use: a first sheet "About" (the ``about`` items, such as the
    report and its parameters, then the data's sources and releases, the date it was made and
    what the columns mean), and on every sheet a bold, frozen header row of human column labels
    (:mod:`cpt_analysis.presentation`), an autofilter, fitting column widths and money, RVU and
    percent number formats (the cells keep their numbers).

    Sheet names are made Excel-safe (see :func:`sheet_names`); cells are neutralised and every
    text cell is stored as a string (``data_type 's'``), never as a formula. Raises WorkbookError
    for no sheets, a patient identifier column or a sheet over Excel's 1,048,576 rows; OSError
    if the disk refuses (an existing file is then unchanged).
    """
    if not sheets:
        raise WorkbookError("nothing to write to Excel", "pass at least one table")
    for name, frame in sheets.items():
        refuse_identifiers(frame)
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise WorkbookError(
                f"sheet '{name}' has {len(frame):,} rows, more than Excel holds",
                "write it with write_csv or aggregate it first",
            )
    items = about_items(sheets, about or {}, sheet_names(["About", *sheets])[1:])
    return atomic_write(path, lambda tmp: _write_workbook(tmp, sheets, items))
