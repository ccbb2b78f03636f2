"""Read an encounter export (CSV or .xlsx): find its fields by column name, read its cells
as text, one dictionary per column, and type such columns once per distinct value.

Each column comes back as ``(codes, categories)``: ``codes`` (int32, one per row) index
``categories`` (a str Series of the distinct texts), so later checks run once per distinct
value. The checks of each field live in :mod:`encounters`.
"""

from __future__ import annotations

import csv
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .errors import WorkbookError

_N = (1, 2, 3, 4)
# field: accepted column names; {n} stands for 1-4; indented lines continue the line above
_SPEC = """
date_of_service: Date of Service | DOS | Service Date | Svc Date | Date of Svc | Service Dt
    | DOS From | From Date | Visit Date | Encounter Date | Date
provider: Provider | Rendering Provider | Rendering Provider Name | Rendering Physician
    | Provider Name | Rendering | Physician | Clinician | Therapist | Practitioner
cpt: CPT | CPT Code | CPT/HCPCS | HCPCS | HCPCS Code | Procedure Code | Procedure | Proc Code
    | Service Code | Code
modifier_{n}: Modifier {n} | Mod {n} | Modifier{n}
modifier_1: Modifier | Mod
modifiers: Modifiers | Mods
units: Units | Unit | Service Units | Units Billed | Billed Units | Qty | Quantity
    | Days or Units | Days/Units
minutes: Minutes | Mins | Min | Timed Minutes | Total Timed Minutes | Treatment Minutes | Duration
dx_{n}: Dx{n} | Dx {n} | Diagnosis {n} | Diagnosis Code {n} | Diag {n} | ICD10_{n} | ICD-10 {n}
    | ICD {n} | ICD10CM {n} | Dx Code {n}
dx_1: Dx | Diagnosis | Diagnosis Code | Primary Diagnosis | ICD10 | ICD-10 Code
place_of_service: Place of Service | POS | POS Code | Place of Svc
locality: Locality | Locality ID | Medicare Locality | MAC Locality
charge: Charge | Charges | Charge Amount | Billed Amount | Billed Charge | Amount Billed
    | Line Charge | Total Charge | Fee
patient_id: Patient ID | Patient | Patient Number | Patient No | MRN | Medical Record Number
    | Chart Number | Patient Account | Account Number
encounter_id: Encounter ID | Encounter | Encounter Number | Visit ID | Visit Number | Claim ID
    | Claim Number | Ticket Number
"""


def _fields(spec: str) -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {}
    for line in spec.replace("\n    |", " |").strip().splitlines():
        name, aliases = line.split(":", 1)
        for n in _N if "{n}" in name else (None,):
            key = name.format(n=n)
            more = tuple(a.strip().format(n=n) for a in aliases.split("|"))
            fields[key] = fields.get(key, ()) + more
    order = ["date_of_service", "provider", "cpt", *(f"modifier_{n}" for n in _N), "modifiers",
             "units", "minutes", *(f"dx_{n}" for n in _N), "place_of_service", "locality",
             "charge", "patient_id", "encounter_id"]  # fmt: skip
    return {k: fields[k] for k in order}


FIELDS = _fields(_SPEC)
REQUIRED = ("date_of_service", "provider", "cpt", "units", "dx_1", "place_of_service")
MODIFIERS = tuple(f"modifier_{n}" for n in _N)
DIAGNOSES = tuple(f"dx_{n}" for n in _N)
IDS = ("patient_id", "encounter_id")
_ALIAS = {re.sub(r"[^0-9a-z]", "", a.lower()): (f, i) for f, al in FIELDS.items()
          for i, a in enumerate(al)}  # fmt: skip
BLOCK_BYTES = 8 << 20  # CSV bytes per parsing block: enough blocks to keep every core busy


def _key(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def resolve_columns(names: list[str], mapping: dict | None = None) -> dict[str, int]:
    """Return {field: column position} for a header, from ``mapping`` then the aliases.

    Raises WorkbookError (one line) for a mapping naming an unknown column or field, or for a
    missing required field (naming the aliases it accepts).
    """
    found: dict[str, int] = {}
    for theirs, ours in (mapping or {}).items():
        if ours not in FIELDS:
            raise WorkbookError(f"'{ours}' is not a field", f"use one of {', '.join(FIELDS)}")
        if theirs not in names:
            raise WorkbookError(f"the file has no column '{theirs}'",
                                f"its columns are {', '.join(map(str, names))}")  # fmt: skip
        found[ours] = names.index(theirs)
    best: dict[str, tuple[int, int]] = {}
    for pos, name in enumerate(names):
        hit = _ALIAS.get(_key(name))
        if hit and hit[0] not in found and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], pos)
    found |= {f: pos for f, (_, pos) in best.items() if pos not in found.values()}
    if "modifiers" in found and "modifier_1" in found:
        del found["modifiers"]
    for req in REQUIRED:
        if req not in found:
            raise WorkbookError(
                f"the file has no {req} column (accepted names: {', '.join(FIELDS[req])})",
                f"rename a column or pass mapping={{'your column': '{req}'}}",
            )
    return found


def header_csv(path: Path) -> tuple[list[str], str]:
    """Return the header row of a CSV file and its encoding (utf-8-sig, else cp1252)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with path.open(newline="", encoding=encoding) as fh:
                return next(csv.reader(fh), []), encoding
        except UnicodeDecodeError:
            continue
    return [], "utf-8"


def _parse(path: Path, cols: list[str], wanted: list[int], encoding: str, newlines: bool,
           threads: bool, bad: list):  # fmt: skip
    """Parse the CSV with pyarrow: every wanted column as dictionary-encoded text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def handler(row):
        bad.append((row.number, row.text))
        return "skip"

    text = pa.dictionary(pa.int32(), pa.string())
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            column_names=cols,
            skip_rows=1,
            use_threads=threads,
            block_size=BLOCK_BYTES,
            encoding="utf8" if encoding == "utf-8-sig" else encoding,
        ),
        parse_options=pacsv.ParseOptions(
            ignore_empty_lines=False, newlines_in_values=newlines, invalid_row_handler=handler
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=[cols[i] for i in wanted],
            column_types=dict.fromkeys(cols, text),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _dictionary(column) -> tuple[np.ndarray, pd.Series]:
    """Return (codes, categories) of a dictionary-encoded column, its chunks' dictionaries
    unified."""
    column = column.combine_chunks()
    codes = column.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return codes, column.dictionary.to_pandas().astype("str")


def read_csv(path: Path, names: list[str], encoding: str, wanted: list[int], later=()):
    """Return ({position: (codes, categories)}, source rows, [(row, text)] of malformed rows,
    {position: future of (codes, categories)}).

    Only the ``wanted`` column positions are read. The columns at the positions ``later`` (a
    visit key: many distinct values, slow to unify) are unified on another thread while the
    caller checks the others. Malformed rows (a wrong number of fields) are skipped and
    listed; those with no value at all are dropped silently. Raises WorkbookError (one line)
    for a file that cannot be read as CSV.
    """
    import pyarrow as pa

    cols = [f"c{i}" for i in range(len(names))]
    # fast path first; then quoted line breaks, then Windows-1252 text, read more slowly
    tries = [(encoding, False), (encoding, True), ("cp1252", True)]
    for attempt, (enc, newlines) in enumerate(tries):
        bad: list = []
        try:
            table = _parse(path, cols, wanted, enc, newlines, True, bad)
            if bad:  # the numbers of malformed rows are only known when read on one thread
                bad = []
                table = _parse(path, cols, wanted, enc, newlines, False, bad)
            break
        except (pa.ArrowInvalid, OSError) as exc:
            if attempt == len(tries) - 1:
                raise WorkbookError(
                    f"{path.name} cannot be read as CSV ({exc})", "fix the file"
                ) from None
    n, raw, pending = table.num_rows, {}, {}
    pool = ThreadPoolExecutor(max_workers=1)
    for i in wanted:  # one column at a time: its chunks are freed once converted
        column = table.column(cols[i])
        table = table.drop_columns([cols[i]])
        if i in later:
            pending[i] = pool.submit(_dictionary, column)
        else:
            raw[i] = _dictionary(column)
    pool.shutdown(wait=False)  # the pending columns finish on the pool's thread
    del table, column
    pa.default_memory_pool().release_unused()  # hand the parser's buffers back to the system
    numbers = {int(k) for k, _ in bad}
    rows = np.arange(2, n + len(bad) + 2, dtype=np.int64)
    rows = rows[~np.isin(rows, list(numbers))] if numbers else rows
    return raw, rows, [(int(k), t) for k, t in bad if t.strip(", \t")], pending


def _excel_text(value: object, pad: bool) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):  # datetime
        return value.date().isoformat() if (value.hour, value.minute) == (0, 0) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(5) if pad else str(value)
    return str(value)


def _sheet(sheet) -> tuple[list[str] | None, list[tuple], list[int]]:
    """Return (header, rows of cell values, row numbers) of one worksheet; rows with no value are
    skipped, the first row with a value is the header (None for an empty sheet)."""
    rows, numbers, names = [], [], None
    for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if names is None:
            names = ["" if v is None else str(v).strip() for v in row]
        else:
            rows.append(row)
            numbers.append(number)
    return names, rows, numbers


def read_excel(path: Path, layout) -> tuple[list[str], list[tuple], np.ndarray, tuple]:
    """Return (header, rows of cell values, source row numbers, ``layout(header)``) of the first
    sheet of a .xlsx whose header ``layout`` accepts, so a cover or notes sheet before the data
    is passed over. Raises WorkbookError for an unreadable or empty file, or, when no sheet has
    the needed columns, the first sheet's reason with the number of sheets tried.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a foreign or damaged file
        raise WorkbookError(
            f"{path.name} cannot be read as .xlsx ({exc})", "fix the file"
        ) from None
    first: WorkbookError | None = None
    try:
        for sheet in book.worksheets:
            names, rows, numbers = _sheet(sheet)
            if names is None:
                continue
            try:
                laid = layout(names)
            except WorkbookError as exc:
                first = first or exc
                continue
            return names, rows, np.asarray(numbers, dtype=np.int64), laid
    finally:
        book.close()
    if first is None:
        raise WorkbookError(f"{path.name} is empty", "export the encounters with a header row")
    if len(book.worksheets) > 1:
        raise WorkbookError(
            f"{first.problem}, on any of its {len(book.worksheets)} sheets", first.fix
        )
    raise first


def excel_columns(rows: list[tuple], wanted: list[int], pad: int) -> dict:
    """Return {position: (codes, categories)} of cell texts; a numeric cell in column ``pad``
    (the CPT column) lost its leading zeros in Excel, so it is padded to five digits."""
    raw = {}
    for i in wanted:
        values = [_excel_text(r[i] if i < len(r) else None, i == pad) for r in rows]
        codes, cats = pd.factorize(pd.Series(values, dtype="str"))
        raw[i] = (codes.astype(np.int32), pd.Series(cats, dtype="str"))
    return raw


MONTH_DAY, DAY_MONTH = "month/day", "day/month"


def slash_order(values: pd.Series) -> str:
    """Return how a file writes its slash dates: ``day/month`` when one of them starts with a
    number above 12 (25/03/2025) and none has one above 12 in second place; otherwise the US
    ``month/day``. ``values``: the file's distinct date texts."""
    parts = values.str.extract(r"^(\d{1,2})/(\d{1,2})/\d{2}(?:\d{2})?$").dropna().astype("int64")
    if len(parts) and (parts[0] > 12).any() and not (parts[1] > 12).any():
        return DAY_MONTH
    return MONTH_DAY


def parse_dates(values: pd.Series, order: str = MONTH_DAY) -> np.ndarray:
    """Parse distinct date texts: 2025-03-04, 03/04/2025 or 3/4/25 (month first, or day first
    when ``order`` is ``day/month``), 20250304, or an ISO date with a time of day (dropped).
    Anything else, a partial date included, is NaT."""
    out = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    first = "%d/%m" if order == DAY_MONTH else "%m/%d"
    for fmt, shape in ((f"{first}/%Y", r"\d{1,2}/\d{1,2}/\d{4}"), (f"{first}/%y", r"\d{1,2}/\d{1,2}/\d{2}"),
                       ("%Y%m%d", r"\d{8}"), ("ISO8601", r"\d{4}-\d{2}-\d{2}[T ]\S.*")):  # fmt: skip
        miss = out.isna() & values.str.fullmatch(shape)
        if miss.any():
            out[miss] = pd.to_datetime(values[miss], format=fmt, errors="coerce")
    return out.dt.floor("D").to_numpy().astype("datetime64[s]")


def parse_numbers(values: pd.Series) -> np.ndarray:
    text = values.str.replace(r"[$,\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def rows_where(tests, n: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Return the rows (of ``rows``, else of all ``n``) where every per-category test holds:
    ``tests`` are (codes, boolean per category); rows are narrowed column by column, so a rare
    condition costs little."""
    for codes, per_cat in tests:
        if not per_cat.any():
            return np.zeros(0, dtype=np.int64)
        if rows is None:
            rows = np.flatnonzero(per_cat[codes])
        else:
            rows = rows[per_cat[codes[rows]]]
    return np.arange(n) if rows is None else rows


@dataclass
class Column:
    """A typed column kept per distinct raw value until the rejected rows are known: row i is
    ``values[codes[i]]``; for text, ``values`` indexes ``categories`` (-1 = NA)."""

    codes: np.ndarray
    values: np.ndarray
    categories: pd.Index | None = None

    def take(self, keep: np.ndarray) -> object:
        """Return the kept rows: numbers, or a categorical of the categories they use."""
        codes = self.codes[keep]
        if self.categories is None:
            return self.values[codes]
        used = np.bincount(codes, minlength=len(self.values)) > 0
        used_cat = np.zeros(len(self.categories) + 1, dtype=bool)
        used_cat[self.values[used]] = True  # -1 (NA) marks the extra last slot
        remap = np.append(np.cumsum(used_cat[:-1]) - 1, -1)
        dtype = pd.CategoricalDtype(self.categories[used_cat[:-1]])
        n = len(dtype.categories)  # the code type pandas keeps: no copy
        remap = remap.astype(np.int8 if n < 127 else np.int16 if n < 32767 else np.int32)
        return pd.Categorical.from_codes(remap[self.values][codes], dtype=dtype, validate=False)


def text_column(codes: np.ndarray, per_cat: pd.Series, unique: bool = False) -> Column:
    """A text column from per-category texts (blanks are NA); ``unique``: the texts are known
    to be distinct, so they need no factorizing."""
    blank = per_cat.eq("").to_numpy(dtype=bool)
    if unique:
        index = np.where(blank, -1, np.cumsum(~blank) - 1).astype(np.int32)
        return Column(codes, index, pd.Index(per_cat[~blank], dtype="str"))
    index, uniq = pd.factorize(per_cat.where(~blank), use_na_sentinel=True)
    return Column(codes, index.astype(np.int32), pd.Index(uniq, dtype="str"))


def blank_lines(raw: dict, pending: dict, n: int) -> np.ndarray:
    """Return the rows with no value in any column; a pending column (see
    :func:`encounter_readers.read_csv`) is waited for only if some row may be blank."""

    def blank(columns):
        return ((codes, cats.str.strip().eq("").to_numpy()) for codes, cats in columns)

    rows = rows_where(blank(raw.values()), n)
    if len(rows) and pending:
        resolve_pending(raw, pending)
        rows = rows_where(blank(raw[i] for i in sorted(raw)), n, rows)
    return rows


def resolve_pending(raw: dict, pending: dict) -> None:
    """Add the pending columns to ``raw``, in the file's column order."""
    raw |= {i: future.result() for i, future in pending.items()}
    pending.clear()
    for i in sorted(raw):
        raw[i] = raw.pop(i)


class Export(NamedTuple):
    """The cells of an export: header, {position: (codes, categories)}, source row numbers,
    {field: position}, malformed rows, and {position: future} of columns still being read."""

    names: list[str]
    raw: dict
    rows: np.ndarray
    found: dict[str, int]
    bad: list
    pending: dict


def read_file(path: Path, layout) -> Export:
    """Read a .csv, .txt or .xlsx export. ``layout(header)`` returns ({field: position},
    positions to read, positions of the visit key) and raises for a header it cannot use.

    Raises WorkbookError (one line) for an old .xls, an empty or an unreadable file.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        names, cells, rows, (found, wanted, _) = read_excel(path, layout)
        return Export(names, excel_columns(cells, wanted, found["cpt"]), rows, found, [], {})
    if path.suffix.lower() == ".xls":
        raise WorkbookError(f"{path.name} is an old .xls workbook", "save it as .xlsx or CSV")
    names, encoding = header_csv(path)
    if not names:
        raise WorkbookError(f"{path.name} is empty", "export the encounters with a header")
    found, wanted, visit = layout(names)
    raw, rows, bad, pending = read_csv(path, names, encoding, wanted, visit)
    return Export(names, raw, rows, found, bad, pending)
