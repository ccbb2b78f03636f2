"""Readers for the official CMS fee-schedule files, to the workbook's canonical columns.

``read_pprrvu`` takes the national RVU file as CMS ships it: the zip, the CSV (banner lines and a
stacked five-row header) or the fixed-width TXT. Columns are found by name, never by position:
2026 inserted ``PRIC IND`` and moved ``CONV FACTOR``. ``read_gpci`` and ``read_locality`` read
the GPCI and locality-to-county files. What a file says about its year and release wins; a
year or release given that contradicts it is refused. Every reader raises
:class:`DataFileError` with one line for a truncated file, a file of another kind, a changed
layout, or a figure no CMS file could hold (naming the row and column).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import DataFileError
from ..identifiers import HCPCS_PATTERN
from .cms_files import banner_says, csv_rows, names_say, open_text, settle
from .pprrvu_layout import DETAIL_COLUMNS, PPRRVU_COLUMNS, TXT_FIELDS, ZERO_PADDED
from .schema import RVU_CATEGORY_COLUMNS, RVU_FLOAT_COLUMNS, RVU_NA_COLUMNS, columns_of

NOT_RVU = "it is not a national physician fee schedule RVU file (PPRRVU)"
GET_FILE = "download the PPRRVU file of the RVU release from CMS and import that"
GET_GPCI = "import the official GPCI file (GPCI20xx.csv or .txt)"
GET_LOCCO = "import the official LOCCO file (25LOCCO.csv or .txt)"
# Plausible figures, with a wide margin. In every national RVU file of 2020-2026 the RVUs run
# from 0 to 461.69 (the 2026 non-facility total; work at most 108.91, MP 30.01) and the
# conversion factor from 32.3465 to 36.0896; the GPCIs of 2021-2026 from 0.235 to 2.702 (both
# MP; work 1.0-1.5, PE 0.842-1.442).
RVU_BOUNDS = (0.0, 1000.0)
FACTOR_BOUNDS = (10.0, 100.0)
GPCI_BOUNDS = (0.1, 5.0)
MIN_LOCALITIES = 80  # GPCI and LOCCO files list 109 to 113 localities (89 before 2017)


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _csv_frame(text: str, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Find the header row by its HCPCS cell, join the stacked header, return (data, banners)."""
    lines = text.splitlines()
    rows = csv_rows(lines[:40], name, GET_FILE)
    start = next(
        (i for i, r in enumerate(rows) if r and r[0].strip().lower() == "hcpcs"),
        None,
    )
    if start is None:
        raise DataFileError(f"{name}: no header row with an HCPCS column; {NOT_RVU}", GET_FILE)
    header_rows = [rows[start]]
    for r in reversed(rows[max(0, start - 4) : start]):
        joined = " ".join(r).upper()
        if not joined.strip() or "RELEASED" in joined or "COPYRIGHT" in joined:
            break
        header_rows.insert(0, r)
    width = len(rows[start])
    names = [
        _normalise(" ".join(r[i] if i < len(r) else "" for r in header_rows)) for i in range(width)
    ]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise DataFileError(
            f"{name}: column '{repeated[0].upper().replace('_', ' ')}' appears twice in the header; "
            "the header rows above HCPCS are incomplete",
            GET_FILE,
        )
    try:
        data = pd.read_csv(
            io.StringIO("\n".join(lines[start + 1 :])),
            header=None,
            names=names,
            dtype="str",
            keep_default_na=False,
            na_filter=False,
            on_bad_lines="error",
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(f"{name} cannot be read as CSV ({exc})", GET_FILE) from None
    return data, lines[:start]


MIN_NATIONAL_ROWS = 5000  # a national file has about 19,000 rows


def _check_complete(text: str, width: int, rows: int, name: str) -> None:
    last = next(iter(csv_rows([text.rstrip("\n").rsplit("\n", 1)[-1]], name, GET_FILE)), [])
    if len(last) < width:
        raise DataFileError(
            f"{name} ends in the middle of a row ({len(last)} of {width} fields); "
            "the file looks truncated",
            GET_FILE,
        )
    _check_rows(rows, name)


def _check_rows(rows: int, name: str) -> None:
    if rows < MIN_NATIONAL_ROWS:
        raise DataFileError(
            f"{name} holds only {rows:,} rows where a national RVU file has about 19,000; "
            "it looks truncated",
            GET_FILE,
        )


def _pick_columns(data: pd.DataFrame, name: str) -> pd.DataFrame:
    out = {}
    for canonical, options in (PPRRVU_COLUMNS | DETAIL_COLUMNS).items():
        found = next((o for o in options if o in data.columns), None)
        if found is None and canonical in DETAIL_COLUMNS:
            out[canonical] = pd.Series("", index=data.index, dtype="str")
            continue
        if found is None:
            raise DataFileError(
                f"{name}: column '{options[0].upper().replace('_', ' ')}' not found; "
                "the layout has changed or " + NOT_RVU,
                "import an official PPRRVU file, or report the new layout",
            )
        out[canonical] = data[found]
    return pd.DataFrame(out)


def _txt_frame(text: str, name: str) -> pd.DataFrame:
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("HDR")]
    if not lines:
        raise DataFileError(f"{name} holds no records; {NOT_RVU}", GET_FILE)
    if len(lines[0]) < 140 or not HCPCS_PATTERN.match(lines[0][:5]):
        raise DataFileError(
            f"{name}: the first record is not a fixed-width RVU record; {NOT_RVU}", GET_FILE
        )
    full = len(lines[0])
    if len(lines[-1]) < full:
        raise DataFileError(
            f"{name} ends in the middle of a record (record {len(lines)}, {len(lines[-1])} of "
            f"{full} characters); the file looks truncated",
            GET_FILE,
        )
    _check_rows(len(lines), name)
    series = pd.Series(lines, dtype="str")
    return pd.DataFrame({col: series.str.slice(a - 1, b) for col, (a, b) in TXT_FIELDS.items()})


def _row_name(hcpcs: str, modifier: str) -> str:
    return f"{hcpcs}-{modifier}" if modifier else f"{hcpcs} (no modifier)"


def _label(col: str) -> str:
    """The official column name of a canonical RVU column: work_rvu -> WORK RVU."""
    return (PPRRVU_COLUMNS | DETAIL_COLUMNS)[col][0].upper().replace("_", " ")


def _check_bounds(numbers: pd.Series, bounds: tuple[float, float], where) -> None:
    """Raise DataFileError naming the first row (``where(i)``) with a figure that is not
    finite or falls outside ``bounds``."""
    low, high = bounds
    bad = ~numbers.between(low, high)  # NaN and infinities are outside too
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        value = numbers.iloc[i]
        shown = f"{value:g}" if math.isfinite(value) else str(value)
        raise DataFileError(
            f"{where(i)} is {shown}, outside the plausible {low:g} to {high:g}; "
            "no CMS file holds such a figure, so the file is damaged",
            "download it from CMS again",
        )


DETAIL_FLOATS = columns_of("rvu_details", "float")  # pre_op ... opps_mp_rvu
DETAIL_CATEGORIES = columns_of("rvu_details", "category")  # bilat_surg ... imaging_family


def _numbers(text: pd.Series, col: str, where) -> pd.Series:
    """Return a column of figures as float64, blank as NaN only in a detail column a file may
    lack; raise DataFileError naming the row (``where(i)``) of a figure that is not a number or
    is implausible."""
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() if col in RVU_FLOAT_COLUMNS else numbers.isna() & (text != "")
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataFileError(
            f"{where(row)}, {_label(col)} has {text.iloc[row]!r}, not a number; the layout has "
            "changed or the file is damaged",
            GET_FILE,
        )
    bounds = FACTOR_BOUNDS if col == "conversion_factor" else RVU_BOUNDS
    given = numbers.dropna()
    _check_bounds(given, bounds, lambda i: f"{where(given.index[i])}, {_label(col)}")
    return numbers.astype("float64")


def _typed(frame: pd.DataFrame, name: str, year: int, release: str) -> pd.DataFrame:
    frame = frame.apply(lambda s: s.str.strip())
    frame["hcpcs"] = frame["hcpcs"].str.upper()
    for col, width in ZERO_PADDED.items():
        short = frame[col].str.fullmatch(rf"\d{{1,{width - 1}}}")
        frame.loc[short, col] = frame.loc[short, col].str.zfill(width)
    bad = ~frame["hcpcs"].str.fullmatch(HCPCS_PATTERN.pattern)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataFileError(
            f"{name}: row {row + 1} has HCPCS {frame['hcpcs'].iloc[row]!r}; {NOT_RVU} or it is damaged",
            GET_FILE,
        )
    codes, modifiers = frame["hcpcs"].to_numpy(), frame["modifier"].to_numpy()
    for col in RVU_FLOAT_COLUMNS + DETAIL_FLOATS:
        frame[col] = _numbers(
            frame[col], col, lambda i: f"{name}: {_row_name(codes[i], modifiers[i])}"
        )
    for col in RVU_NA_COLUMNS:
        frame[col] = frame[col].str.upper().eq("NA").astype("bool")
    frame["not_used_for_medicare"] = frame["not_used_for_medicare"].eq("+")
    for col in DETAIL_CATEGORIES:
        frame[col] = frame[col].astype("category")
    frame.insert(0, "year", year)
    frame.insert(1, "release", f"RVU{year % 100:02d}{release}")
    frame["source"] = name
    for col in RVU_CATEGORY_COLUMNS:
        frame[col] = frame[col].astype("category")
    frame["year"] = frame["year"].astype("int64")
    duplicated = frame.duplicated(["hcpcs", "modifier"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise DataFileError(
            f"{name}: {_row_name(row['hcpcs'], row['modifier'])} appears twice", GET_FILE
        )
    return frame.reset_index(drop=True)


def read_pprrvu(
    path: str | Path,
    year: int | None = None,
    release: str | None = None,
    member: str | None = None,
) -> pd.DataFrame:
    """Read a national PPRRVU file (zip, CSV or fixed-width TXT; ``member`` names the file in a
    zip, by default its one RVU file).

    Returns a DataFrame with the canonical RVU columns (see data/README.md) plus ``description``,
    the official short descriptor the file carries. Year and release come from the banner, else
    the file name; ``year`` and ``release`` are used only where the file is silent. Raises
    DataFileError for a truncated file, another kind of file, a changed layout, an impossible
    figure or a year that cannot be told, and WorkbookError for a year or release that
    contradicts the file.
    """
    path = Path(path)
    name, member, text = open_text(path, "rvus", member)
    file_year, file_release = names_say(path, member)
    if (member or path.name).lower().endswith(".txt") or text.startswith("HDR"):
        frame = _txt_frame(text, name)
    else:
        data, banners = _csv_frame(text, name)
        frame = _pick_columns(data, name)
        _check_complete(text, len(data.columns), len(data), name)
        banner_year, banner_release = banner_says(banners)
        file_year, file_release = banner_year or file_year, banner_release or file_release
    year = settle(name, "year", file_year, year, "--year")
    release = settle(name, "release", file_release, (release or "").upper() or None, "--release")
    if not year or release not in ("A", "B", "C", "D"):
        raise DataFileError(
            f"{name}: cannot tell which year and release this file is",
            "pass --year YYYY --release A|B|C|D (A = January, B = April, C = July, D = October)",
        )
    return _typed(frame, name, int(year), release)


def _gpci_rows(text: str, name: str) -> pd.DataFrame:
    lines = text.splitlines()
    rows = csv_rows(lines, name, GET_GPCI)
    start = next(
        (i for i, r in enumerate(rows) if any(_normalise(c) == "locality_number" for c in r)),
        None,
    )
    if start is None:
        return _gpci_txt(lines, name)
    header = [_normalise(c) for c in rows[start]]

    def find(*words: str) -> int:
        for i, h in enumerate(header):
            if all(w in h for w in words):
                return i
        raise DataFileError(f"{name}: no column with {' '.join(words).upper()}", GET_GPCI)

    idx = {
        "mac": find("mac") if any("mac" in h for h in header) else find("contractor"),
        # arkrvu's 2020 GPCI files have no state column: the state is then blank
        "state": find("state") if any("state" in h for h in header) else None,
        "locality_number": find("locality", "number"),
        "locality_name": find("locality", "name"),
        "gpci_work": find("pw") if any("pw" in h for h in header) else find("gpci", "work"),
        "gpci_pe": find("pe_gpci") if any("pe_gpci" in h for h in header) else find("gpci", "pe"),
        "gpci_mp": find("mp_gpci") if any("mp_gpci" in h for h in header) else find("gpci", "mp"),
    }
    body = [r for r in rows[start + 1 :] if r and r[0].strip().isdigit()]
    year_match = re.search(r"(20\d{2})", ",".join(rows[start]) + " ".join(lines[:2]))
    frame = pd.DataFrame(
        {k: [r[i] if i is not None and i < len(r) else "" for r in body] for k, i in idx.items()}
    )
    frame.attrs["year"] = int(year_match[1]) if year_match else None
    return frame


def _gpci_txt(lines: list[str], name: str) -> pd.DataFrame:
    pattern = re.compile(
        r"^\s*(\d{4,5})\s+([A-Z]{2})\s+(\d{1,2})\s+(.+?)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s*$"
    )
    matches = [m.groups() for m in map(pattern.match, lines) if m]
    if not matches:
        raise DataFileError(f"{name} is not a GPCI file (no locality rows found)", GET_GPCI)
    cols = ["mac", "state", "locality_number", "locality_name", "gpci_work", "gpci_pe", "gpci_mp"]
    frame = pd.DataFrame(matches, columns=cols)
    year_match = re.search(r"CY (20\d{2})", " ".join(lines[:3]))
    frame.attrs["year"] = int(year_match[1]) if year_match else None
    return frame


def read_gpci(path: str | Path, year: int | None = None, member: str | None = None):
    """Read an official GPCI file (CSV or TXT, or a zip holding one; ``member`` names it).

    Returns columns year, mac, state, locality_number, locality_name, gpci_work, gpci_pe,
    gpci_mp, source; MAC zero-padded to 5 digits and locality to 2. The year comes from the
    title, else the file name; ``year`` is used only where the file is silent. Raises
    DataFileError for another kind of file, too few localities, a locality listed twice, an
    impossible GPCI or a year that cannot be told, and WorkbookError for a year that
    contradicts the file.
    """
    path = Path(path)
    name, member, text = open_text(path, "gpci", member)
    frame = _gpci_rows(text, name)
    year = settle(
        name, "year", frame.attrs.get("year") or names_say(path, member)[0], year, "--year"
    )
    if len(frame) < MIN_LOCALITIES:
        raise DataFileError(
            f"{name} holds {len(frame)} localities where a GPCI file has about 110; "
            "it looks truncated",
            GET_GPCI,
        )
    if not year:
        raise DataFileError(f"{name}: cannot tell the GPCI year", "pass --year YYYY")
    frame = frame.apply(lambda s: s.str.strip())
    frame["mac"] = frame["mac"].str.zfill(5)
    frame["locality_number"] = frame["locality_number"].str.zfill(2)
    frame["locality_name"] = frame["locality_name"].str.rstrip("*").str.strip()
    ids = (frame["mac"] + "-" + frame["locality_number"]).to_numpy()
    for col, label in (("gpci_work", "work GPCI"), ("gpci_pe", "PE GPCI"), ("gpci_mp", "MP GPCI")):
        numbers = pd.to_numeric(frame[col], errors="coerce")
        if numbers.isna().any():
            i = int(numbers.isna().to_numpy().nonzero()[0][0])
            raise DataFileError(
                f"{name}: locality {ids[i]}, {label} has {frame[col].iloc[i]!r}, not a number",
                GET_GPCI,
            )
        _check_bounds(numbers, GPCI_BOUNDS, lambda i, c=label: f"{name}: locality {ids[i]}, {c}")
        frame[col] = numbers.astype("float64")
    twice = pd.Series(ids).duplicated()
    if twice.any():
        raise DataFileError(f"{name}: locality {ids[twice.idxmax()]} appears twice", GET_GPCI)
    frame.insert(0, "year", int(year))
    frame["source"] = name
    return frame.astype({c: "str" for c in ("mac", "state", "locality_number", "locality_name")})


def read_locality(
    path: str | Path, year: int | None = None, member: str | None = None
) -> pd.DataFrame:
    """Read the official locality-to-county file (LOCCO, CSV or TXT, or a zip holding one).

    Returns columns year, mac, locality_number, state, fee_schedule_area, counties, source, with
    the zeros the CSV drops restored. The year comes from the title, else the file name;
    ``year`` is used only where the file is silent. Raises DataFileError for another kind of
    file or a year that cannot be told, and WorkbookError for a year that contradicts the file.
    """
    path = Path(path)
    name, member, text = open_text(path, "locality", member)
    rows: list[list[str]] = []
    if (member or path.name).lower().endswith(".txt"):
        # fixed-width records: MAC 1-12, locality 13-21, state 22-44, area 45-142, counties 143-
        cuts = [(0, 12), (12, 21), (21, 44), (44, 142), (142, None)]
        for line in text.splitlines():
            if re.match(r"^\s*\d{4,5}\s+\d{1,2}\s", line):
                rows.append([line[a:b] for a, b in cuts])
    else:
        for r in csv_rows(text.splitlines(), name, GET_LOCCO):
            if len(r) >= 5 and r[0].strip().isdigit():
                rows.append(r[:5])
    if not rows:
        raise DataFileError(f"{name} is not a locality file (no locality rows found)", GET_LOCCO)
    title = re.search(r"INCLUDED IN (20\d{2}) LOCALITIES", text[:500].upper())
    said = int(title[1]) if title else names_say(path, member)[0]
    year = settle(name, "year", said, year, "--year")
    if not year:
        raise DataFileError(f"{name}: cannot tell the year of the localities", "pass --year YYYY")
    frame = pd.DataFrame(
        rows, columns=["mac", "locality_number", "state", "fee_schedule_area", "counties"]
    ).apply(lambda s: s.str.strip())
    bad = ~frame["locality_number"].str.fullmatch(r"\d{1,2}")
    if bad.any():
        row = frame[bad].iloc[0]
        raise DataFileError(
            f"{name}: MAC {row['mac']} has locality number {row['locality_number']!r}; it is not "
            "a locality file",
            GET_LOCCO,
        )
    if len(frame) < MIN_LOCALITIES:
        raise DataFileError(
            f"{name} holds {len(frame)} localities where a locality file has about 110; it looks "
            "truncated",
            GET_LOCCO,
        )
    frame["mac"] = frame["mac"].str.zfill(5)
    frame["locality_number"] = frame["locality_number"].str.zfill(2)
    frame["state"] = frame["state"].replace("", pd.NA).ffill()
    frame["source"] = name
    frame = frame.astype("str")
    frame.insert(0, "year", int(year))
    return frame
