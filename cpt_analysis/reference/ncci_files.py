"""Reading CMS's NCCI files for practitioners into the compact tables the workbook ships.

Three files make a quarter (e.g. 2024Q3, in force from July 1): procedure-to-procedure (PTP)
edits, medically unlikely edits (MUE) and add-on code (AOC) edits. A file is recognised by its
header row, found among its first lines (CMS's text files open with copyright lines), whatever
its delimiter (comma or tab) and compression (``.gz``); column names are compared without case,
spaces or punctuation, so both the tidy names (``column_1``, ``mue_mai``, ``add_on_code``) and
CMS's printed ones (``Column 1``, ``MUE Adjudication Indicator``, ``Add-on Code``) are read.
Zip archives are not opened: unpack CMS's zip first.

What is kept:

- PTP: the pairs active in the quarter (no deletion date, or one on or after the quarter's first
  day) whose modifier indicator is 0 or 1 (9 means the edit does not apply): column_1, column_2,
  modifier_indicator, rationale;
- MUE: hcpcs, mue_units, mai (1 per line, 2 and 3 per day), rationale;
- AOC: add_on, primary (``CCCCC``: any primary the contractor accepts), aoc_edit_type.

Every row carries ``quarter`` and ``source`` (the official file's name).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError

QUARTER = re.compile(r"(20\d\d)\s*[qQ]([1-4])")
KINDS = ("ptp", "mue", "aoc")
# per kind: our column -> the normalised header names that mean it
ALIASES = {
    "ptp": {
        "column_1": ("column1",),
        "column_2": ("column2",),
        "deletion_date": ("deletiondate", "deletiondatenodata"),
        "modifier_indicator": ("modifierindicator", "modifier0notallowed1allowed9notapplicable"),
        "rationale": ("rationale", "ptpeditrationale"),
    },
    "mue": {
        "hcpcs": ("hcpcscode", "hcpcscptcode", "hcpcs"),
        "mue_units": ("mueunits", "practitionerservicesmuevalues", "muevalues", "muevalue"),
        "mai": ("muemai", "mueadjudicationindicator", "mai"),
        "rationale": ("muerationale", "rationale"),
    },
    "aoc": {
        "primary": ("primarycode", "primary"),
        "add_on": ("addoncode", "addon"),
        "aoc_edit_type": ("aocedittype", "edittype"),
    },
}
REQUIRED = {
    "ptp": ("column_1", "column_2", "deletion_date", "modifier_indicator"),
    "mue": ("hcpcs", "mue_units", "mai"),
    "aoc": ("primary", "add_on", "aoc_edit_type"),
}
HEADER_SEARCH = 30  # lines read to find the header row


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def quarter_start(quarter: str) -> date:
    """Return the first day of ``quarter`` (``2024Q3`` -> 2024-07-01); raises WorkbookError."""
    match = QUARTER.fullmatch(str(quarter).strip())
    if not match:
        raise WorkbookError(f"'{quarter}' is not a quarter", "write it as 2024Q3")
    return date(int(match[1]), 3 * int(match[2]) - 2, 1)


def quarter_of(path: Path) -> str | None:
    """Return the quarter a file's name says (``ncci_mue_prac_2024q3.csv`` -> ``2024Q3``)."""
    match = QUARTER.search(path.name)
    return f"{match[1]}Q{match[2]}" if match else None


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            raise WorkbookError(f"{path} is a damaged gzip file", "download it again") from None
    if raw[:2] == b"PK":
        raise WorkbookError(f"{path} is a zip archive", "unpack CMS's zip and give the folder")
    return io.StringIO(raw.decode("utf-8-sig", errors="replace"), newline="")


def _header(path: Path) -> tuple[str, int, list[str], str] | None:
    """Return (kind, header line number, header cells, delimiter) of a NCCI file, else None."""
    with _open_text(path) as handle:
        for number in range(HEADER_SEARCH):
            line = handle.readline()
            if not line:
                return None
            delimiter = "\t" if line.count("\t") > line.count(",") else ","
            cells = next(csv.reader([line], delimiter=delimiter), [])
            keys = {_key(c) for c in cells}
            for kind in KINDS:
                found = _columns(kind, cells)
                if all(c in found for c in REQUIRED[kind]) and keys:
                    return kind, number, cells, delimiter
    return None


def _columns(kind: str, cells: list[str]) -> dict[str, str]:
    """Map our columns of ``kind`` to the header cells that hold them."""
    out = {}
    for ours, names in ALIASES[kind].items():
        for cell in cells:
            key = _key(cell)
            if key in names or any(key.startswith(n) for n in names if len(n) > 8):
                out.setdefault(ours, cell)
    return out


def _read(path: Path, kind: str, skip: int, cells: list[str], delimiter: str) -> pd.DataFrame:
    columns = _columns(kind, cells)
    with _open_text(path) as handle:
        try:
            frame = pd.read_csv(
                handle, sep=delimiter, skiprows=skip, dtype=str, keep_default_na=False,
                usecols=list(columns.values()),
            )  # fmt: skip
        except (ValueError, pd.errors.ParserError) as exc:
            raise WorkbookError(f"{path} cannot be read as a NCCI {kind} file ({exc})") from None
    frame = frame.rename(columns={v: k for k, v in columns.items()})
    return frame.apply(lambda c: c.str.strip())


def _leading_int(values: pd.Series, path: Path, column: str) -> pd.Series:
    """The whole number a cell starts with (CMS writes ``3 Date of Service Edit: Clinical``)."""
    number = pd.to_numeric(values.str.extract(r"^(\d+)", expand=False), errors="coerce")
    if number.isna().any():
        row = int(number.isna().to_numpy().argmax())
        raise WorkbookError(
            f"{path}: {column} '{values.iloc[row]}' on data row {row + 1} is not a number",
            "give the official CMS file as published",
        )
    return number.astype("int64")


def _ptp(frame: pd.DataFrame, start: date, path: Path) -> pd.DataFrame:
    deletion = frame["deletion_date"]
    day = pd.to_datetime(deletion, format="%Y%m%d", errors="coerce")
    open_ended = deletion.isin(["*", ""])
    if (~open_ended & day.isna()).any():
        bad = deletion[~open_ended & day.isna()].iloc[0]
        raise WorkbookError(f"{path}: deletion date '{bad}' is not a date (yyyymmdd or *)")
    indicator = _leading_int(frame["modifier_indicator"], path, "modifier indicator")
    active = (open_ended | (day >= pd.Timestamp(start))) & indicator.isin([0, 1])
    out = pd.DataFrame(
        {
            "column_1": frame.loc[active, "column_1"],
            "column_2": frame.loc[active, "column_2"],
            "modifier_indicator": indicator[active].astype("int8"),
            "rationale": frame.loc[active, "rationale"] if "rationale" in frame else "",
        }
    )
    return out.drop_duplicates(["column_1", "column_2"]).sort_values(["column_1", "column_2"])


def _mue(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "hcpcs": frame["hcpcs"],
            "mue_units": _leading_int(frame["mue_units"], path, "MUE value"),
            "mai": _leading_int(frame["mai"], path, "MUE adjudication indicator").astype("int8"),
            "rationale": frame["rationale"] if "rationale" in frame else "",
        }
    )
    return out.drop_duplicates("hcpcs").sort_values("hcpcs")


def _aoc(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "add_on": frame["add_on"],
            "primary": frame["primary"],
            "aoc_edit_type": _leading_int(frame["aoc_edit_type"], path, "AOC edit type"),
        }
    )
    out["aoc_edit_type"] = out["aoc_edit_type"].astype("int8")
    return out.drop_duplicates(["add_on", "primary"]).sort_values(["add_on", "primary"])


def derive(folder: str | Path, quarter: str | None = None) -> dict[str, pd.DataFrame]:
    """Return the compact PTP, MUE and AOC tables of the NCCI files in ``folder``.

    ``quarter`` (``2024Q3``) defaults to the one the files' names say. Raises WorkbookError (one
    line) for a path that is not a folder, a kind missing or given twice, a quarter the names do
    not say, or a cell that is not what its column needs.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise WorkbookError(f"{folder} is not a folder", "give the folder of one quarter's files")
    found: dict[str, tuple[Path, tuple]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        header = _header(path) if path.suffix.lower() in {".csv", ".txt", ".gz"} else None
        if header is None:
            continue
        kind = header[0]
        if kind in found:
            raise WorkbookError(
                f"{folder} holds two NCCI {kind.upper()} files ({found[kind][0].name}, {path.name})",
                "keep one quarter's files in the folder",
            )
        found[kind] = (path, header)
    missing = [k.upper() for k in KINDS if k not in found]
    if missing:
        raise WorkbookError(
            f"{folder} has no NCCI {', '.join(missing)} file",
            "give the folder holding the quarter's PTP, MUE and add-on code files (unzipped)",
        )
    named = {quarter_of(p) for p, _ in found.values()} - {None}
    if quarter is None:
        if len(named) != 1:
            raise WorkbookError(
                f"the file names in {folder} do not say one quarter",
                "give the quarter, e.g. --quarter 2025Q1",
            )
        quarter = named.pop()
    start = quarter_start(quarter)
    quarter = f"{start.year}Q{(start.month + 2) // 3}"
    if named and named != {quarter}:
        raise WorkbookError(
            f"the file names in {folder} say {', '.join(sorted(named))}, not {quarter}",
            "leave out --quarter, or give the quarter the files are of",
        )
    out = {}
    for kind, (path, (_, skip, cells, delimiter)) in found.items():
        frame = _read(path, kind, skip, cells, delimiter)
        table = {"ptp": lambda f, p=path: _ptp(f, start, p), "mue": lambda f, p=path: _mue(f, p),
                 "aoc": lambda f, p=path: _aoc(f, p)}[kind](frame)  # fmt: skip
        table = table.reset_index(drop=True)
        table["quarter"] = quarter
        table["source"] = f"CMS NCCI practitioner {kind.upper()} edits {quarter} ({path.name})"
        out[kind] = table
    return out
