"""Read an encounter export as practice-management systems write it: a text file or an .xlsx
workbook, told apart by content (see :mod:`encounter_files`); find its fields (see
:mod:`encounter_columns`), read its cells as text, one dictionary per column, and type such
columns once per distinct value (see :mod:`encounter_values`).

Each column comes back as ``(codes, categories)``: ``codes`` (int32, one per row) index
``categories`` (a str Series of the distinct texts), so later checks run once per distinct
value. The checks of each field live in :mod:`encounters`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from .columns import (  # noqa: F401 (encounters reads them here)
    DIAGNOSES,
    FIELDS,
    IDS,
    MODIFIERS,
    REQUIRED,
    resolve_columns,
)
from .formats import HEADER_LINES, TextFormat, first_header, header_csv, sniff, widest
from .values import (  # noqa: F401 (encounters reads them here)
    DAY_MONTH,
    MONTH_DAY,
    parse_dates,
    parse_numbers,
    slash_order,
    split_codes,
)

BLOCK_BYTES = 8 << 20  # CSV bytes per parsing block: enough blocks to keep every core busy


def _parse(path: Path, cols: list[str], wanted: list[int], fmt: TextFormat, newlines: bool,
           threads: bool, bad: list):  # fmt: skip
    """Parse the CSV with pyarrow: every wanted column as dictionary-encoded text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def handler(row):
        bad.append((row.number, row.text))
        return "skip"

    text = pa.dictionary(pa.int32(), pa.string())
    source = path
    if fmt.cut:  # the whole characters only, mapped from the disk, not copied
        source = pa.BufferReader(
            pa.memory_map(str(path)).read_buffer(path.stat().st_size - fmt.cut)
        )
    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(
            column_names=cols,
            skip_rows=fmt.skip,
            skip_rows_after_names=1,  # the header, read by the CSV parser: quotes respected
            use_threads=threads,
            block_size=BLOCK_BYTES,
            encoding="utf8" if fmt.encoding == "utf-8-sig" else fmt.encoding,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=fmt.delimiter,
            ignore_empty_lines=False,
            newlines_in_values=newlines,
            invalid_row_handler=handler,
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


def read_csv(path: Path, names: list[str], fmt: TextFormat, wanted: list[int], later=()):
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
    tries = [(fmt, False)] * (not fmt.breaks) + [(fmt, True)]
    tries += [(fmt._replace(encoding="cp1252"), True)] if fmt.encoding == "utf-8-sig" else []
    for attempt, (how, newlines) in enumerate(tries):
        bad: list = []
        try:
            table = _parse(path, cols, wanted, how, newlines, True, bad)
            if bad:  # the numbers of malformed rows are only known when read on one thread
                bad = []
                table = _parse(path, cols, wanted, how, newlines, False, bad)
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
    rows = np.arange(fmt.skip + 2, fmt.skip + n + len(bad) + 2, dtype=np.int64)
    rows = rows[~np.isin(rows, list(numbers))] if numbers else rows
    # a malformed line of only delimiters or spaces is a blank line: text "" (counted, skipped)
    blank = fmt.delimiter + " \t"
    return raw, rows, [(int(k), t if t.strip(blank) else "") for k, t in bad], pending


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


def _sheet(sheet) -> tuple[list[tuple], list[int]]:
    """Return (rows of cell values, their row numbers) of one worksheet, rows with no value
    left out."""
    rows, numbers = [], []
    for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            rows.append(row)
            numbers.append(number)
    return rows, numbers


def read_excel(path: Path, layout) -> tuple[list[str], list[tuple], np.ndarray, tuple]:
    """Return (header, rows of cell values, source row numbers, ``layout(header)``) of the first
    sheet of a .xlsx whose header ``layout`` accepts, so a cover or notes sheet before the data
    is passed over; on a sheet, the header is the first of its first rows ``layout`` accepts,
    past a report's title rows. Raises WorkbookError for an unreadable or empty file, or, when
    no sheet has the needed columns, the reason of the widest row tried, with the number of
    sheets.
    """
    from openpyxl import load_workbook

    refused: list = []
    with path.open("rb") as fh:  # a file, not a name: openpyxl goes by the name's ending
        try:
            book = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a foreign or damaged file
            raise WorkbookError(
                f"{path.name} cannot be read as .xlsx ({exc})", "fix the file"
            ) from None
        try:
            for sheet in book.worksheets:
                rows, numbers = _sheet(sheet)
                found = first_header(enumerate(rows[:HEADER_LINES]), layout, refused)
                if found is not None:
                    at, names, laid = found
                    numbers = np.asarray(numbers[at + 1 :], dtype=np.int64)
                    return names, rows[at + 1 :], numbers, laid
        finally:
            book.close()
    if not refused:
        raise WorkbookError(f"{path.name} is empty", "export the encounters with a header row")
    best = widest(refused)
    if len(book.worksheets) > 1:
        raise WorkbookError(
            f"{best.problem}, on any of its {len(book.worksheets)} sheets", best.fix
        )
    raise best


def excel_columns(rows: list[tuple], wanted: list[int], pad: int) -> dict:
    """Return {position: (codes, categories)} of cell texts; a numeric cell in column ``pad``
    (the CPT column) lost its leading zeros in Excel, so it is padded to five digits."""
    raw = {}
    for i in wanted:
        values = [_excel_text(r[i] if i < len(r) else None, i == pad) for r in rows]
        codes, cats = pd.factorize(pd.Series(values, dtype="str"))
        raw[i] = (codes.astype(np.int32), pd.Series(cats, dtype="str"))
    return raw


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
    """Read an encounter export: a text file (CSV, or tab-, semicolon- or pipe-delimited; UTF-8,
    UTF-16 or Windows-1252) or an .xlsx workbook, told apart by their content, not their name.
    ``layout(header)`` returns ({field: position}, positions to read, positions of the visit
    key) and raises for a header it cannot use.

    Raises WorkbookError (one line) for a folder, a missing, empty, binary or unreadable file,
    or an old .xls workbook.
    """
    kind, encoding = sniff(path)
    if kind == "xlsx":
        names, cells, rows, (found, wanted, _) = read_excel(path, layout)
        return Export(names, excel_columns(cells, wanted, found["cpt"]), rows, found, [], {})
    names, fmt, (found, wanted, visit) = header_csv(path, encoding, layout)
    raw, rows, bad, pending = read_csv(path, names, fmt, wanted, visit)
    return Export(names, raw, rows, found, bad, pending)
