"""Readers for the official CMS fee-schedule files, to the workbook's canonical columns.

``read_pprrvu`` takes the national RVU file as CMS ships it: the zip, the CSV (banner lines and a
stacked five-row header) or the fixed-width TXT. Columns are found by name, never by position:
2026 inserted ``PRIC IND`` and moved ``CONV FACTOR``. ``read_gpci`` and ``read_locality`` read
the GPCI and locality-to-county files. Every reader raises :class:`DataFileError` with one line
for a truncated file, a file of another kind, or a changed layout.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from .codes import HCPCS_PATTERN
from .errors import DataFileError

RELEASE_LETTERS = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}
MONTH_WORDS = {"JANUARY": "JAN", "APRIL": "APR", "JULY": "JUL", "OCTOBER": "OCT"}

# normalised official column name -> canonical column; alternatives cover the parsed xlsx names
PPRRVU_COLUMNS = {
    "hcpcs": ["hcpcs"],
    "modifier": ["mod"],
    "description": ["description"],
    "status": ["status_code"],
    "work_rvu": ["work_rvu"],
    "pe_rvu_nonfacility": ["non_fac_pe_rvu"],
    "pe_na_nonfacility": ["non_fac_na_indicator", "non_fac_indicator"],
    "pe_rvu_facility": ["facility_pe_rvu"],
    "pe_na_facility": ["facility_na_indicator", "facility_indicator"],
    "mp_rvu": ["mp_rvu"],
    "total_rvu_nonfacility": ["non_facility_total"],
    "total_rvu_facility": ["facility_total"],
    "pctc": ["pctc_ind"],
    "global_days": ["glob_days"],
    "mult_proc": ["mult_proc"],
    "conversion_factor": ["conv_factor"],
}
FLOAT_COLUMNS = [
    "work_rvu",
    "pe_rvu_nonfacility",
    "pe_rvu_facility",
    "mp_rvu",
    "total_rvu_nonfacility",
    "total_rvu_facility",
    "conversion_factor",
]
CATEGORY_COLUMNS = ["release", "status", "pctc", "global_days", "mult_proc"]

# 1-based inclusive positions in the fixed-width PPRRVU text file
TXT_FIELDS = {
    "hcpcs": (1, 5),
    "modifier": (6, 7),
    "description": (8, 57),
    "status": (58, 58),
    "work_rvu": (60, 65),
    "pe_rvu_nonfacility": (67, 72),
    "pe_na_nonfacility": (73, 74),
    "pe_rvu_facility": (76, 81),
    "pe_na_facility": (82, 83),
    "mp_rvu": (85, 89),
    "total_rvu_nonfacility": (91, 96),
    "total_rvu_facility": (97, 102),
    "pctc": (103, 103),
    "global_days": (104, 106),
    "mult_proc": (116, 116),
    "conversion_factor": (133, 140),
}
NOT_RVU = "it is not a national physician fee schedule RVU file (PPRRVU)"
GET_FILE = "download the PPRRVU file of the RVU release from CMS and import that"


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _read_bytes(path: Path, want: str) -> tuple[str, str]:
    """Return (member name, text) of the file, opening a zip and picking the member ``want``."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path} does not exist", "check the path")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if re.search(want, n, re.I)]
                names = sorted(names, key=lambda n: (not n.lower().endswith(".csv"), n))
                if not names:
                    raise DataFileError(
                        f"{path.name} holds no {want} file", f"{GET_FILE} (or unzip it yourself)"
                    )
                return names[0], archive.read(names[0]).decode("latin-1")
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
            raise DataFileError(
                f"{path.name} is not a readable zip ({exc}); it looks truncated", GET_FILE
            ) from None
    return path.name, path.read_bytes().decode("latin-1")


def release_from_name(name: str) -> tuple[int | None, str | None]:
    """Guess (year, release letter) from a CMS file name such as PPRRVU2025_Oct.csv or RVU25D."""
    upper = Path(name).name.upper()
    match = re.search(r"PPRRVU(\d{4}|\d{2})_?(JAN|APR|JUL|OCT)?", upper)
    if match:
        year = int(match[1]) + (2000 if len(match[1]) == 2 else 0)
        return year, RELEASE_LETTERS.get(match[2] or "", None)
    match = re.search(r"RVU(\d{2})([A-D])", upper)
    if match:
        return 2000 + int(match[1]), match[2]
    return None, None


def _banner_release(lines: list[str]) -> tuple[int | None, str | None]:
    for line in lines:
        match = re.search(r"(\d{4}) NATIONAL PHYSICIAN FEE SCHEDULE.*?(\w+) RELEASE", line.upper())
        if match:
            month = MONTH_WORDS.get(match[2], match[2][:3])
            return int(match[1]), RELEASE_LETTERS.get(month)
    return None, None


def _csv_frame(text: str, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Find the header row by its HCPCS cell, join the stacked header, return (data, banners)."""
    lines = text.splitlines()
    rows = list(csv.reader(lines[:40]))
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
    return data, lines[:start]


MIN_NATIONAL_ROWS = 5000  # a national file has about 19,000 rows


def _check_complete(text: str, width: int, rows: int, name: str) -> None:
    last = next(csv.reader([text.rstrip("\r\n").rsplit("\n", 1)[-1]]), [])
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
    for canonical, options in PPRRVU_COLUMNS.items():
        found = next((o for o in options if o in data.columns), None)
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


def _typed(frame: pd.DataFrame, name: str, year: int, release: str) -> pd.DataFrame:
    frame = frame.apply(lambda s: s.str.strip())
    frame["hcpcs"] = frame["hcpcs"].str.upper()
    bad = ~frame["hcpcs"].str.fullmatch(HCPCS_PATTERN.pattern)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataFileError(
            f"{name}: row {row + 1} has HCPCS {frame['hcpcs'].iloc[row]!r}; {NOT_RVU} or it is damaged",
            GET_FILE,
        )
    for col in FLOAT_COLUMNS:
        numbers = pd.to_numeric(frame[col].where(frame[col] != ""), errors="coerce")
        if numbers.isna().any():
            row = int(numbers.isna().to_numpy().nonzero()[0][0])
            raise DataFileError(
                f"{name}: row {row + 1}, column {col} has {frame[col].iloc[row]!r}, not a number; "
                "the layout has changed or the file is damaged",
                GET_FILE,
            )
        frame[col] = numbers.astype("float64")
    for col in ("pe_na_nonfacility", "pe_na_facility"):
        frame[col] = frame[col].str.upper().eq("NA").astype("bool")
    frame.insert(0, "year", year)
    frame.insert(1, "release", f"RVU{year % 100:02d}{release}")
    frame["source"] = name
    for col in CATEGORY_COLUMNS:
        frame[col] = frame[col].astype("category")
    frame["year"] = frame["year"].astype("int64")
    duplicated = frame.duplicated(["hcpcs", "modifier"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise DataFileError(
            f"{name}: ({row['hcpcs']}, {row['modifier'] or 'no modifier'}) appears twice", GET_FILE
        )
    return frame.reset_index(drop=True)


def read_pprrvu(path: str | Path, year: int | None = None, release: str | None = None):
    """Read a national PPRRVU file (zip, CSV or fixed-width TXT).

    Returns a DataFrame with the canonical RVU columns (see data/README.md) plus ``description``,
    the official short descriptor the file carries. Year and release come from the banner or the
    file name unless given. Raises DataFileError for a truncated file, another kind of file, a
    changed layout, or a year that cannot be told.
    """
    path = Path(path)
    member, text = _read_bytes(path, r"PPRRVU.*\.(csv|txt)$")
    name = path.name if member == path.name else f"{path.name}:{member}"
    file_year, file_release = release_from_name(member)
    if not file_year:
        file_year, file_release = release_from_name(path.name)
    if member.lower().endswith(".txt") or text.startswith("HDR"):
        frame = _txt_frame(text, name)
        banner_year, banner_release = None, None
    else:
        data, banners = _csv_frame(text, name)
        frame = _pick_columns(data, name)
        _check_complete(text, len(data.columns), len(data), name)
        banner_year, banner_release = _banner_release(banners)
    year = year or banner_year or file_year
    release = (release or banner_release or file_release or "").upper()
    if not year or release not in ("A", "B", "C", "D"):
        raise DataFileError(
            f"{name}: cannot tell which year and release this file is",
            "pass --year YYYY --release A|B|C|D (A = January, B = April, C = July, D = October)",
        )
    return _typed(frame, name, int(year), release)


def _gpci_rows(text: str, name: str) -> pd.DataFrame:
    lines = text.splitlines()
    rows = list(csv.reader(lines))
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
        raise DataFileError(
            f"{name}: no column with {' '.join(words).upper()}",
            "import the official GPCI file (GPCI20xx.csv)",
        )

    idx = {
        "mac": find("mac") if any("mac" in h for h in header) else find("contractor"),
        "state": find("state"),
        "locality_number": find("locality", "number"),
        "locality_name": find("locality", "name"),
        "gpci_work": find("pw") if any("pw" in h for h in header) else find("gpci", "work"),
        "gpci_pe": find("pe_gpci") if any("pe_gpci" in h for h in header) else find("gpci", "pe"),
        "gpci_mp": find("mp_gpci") if any("mp_gpci" in h for h in header) else find("gpci", "mp"),
    }
    body = [r for r in rows[start + 1 :] if r and r[0].strip().isdigit()]
    year_match = re.search(r"(20\d{2})", ",".join(rows[start]) + " ".join(lines[:2]))
    frame = pd.DataFrame({k: [r[i] if i < len(r) else "" for r in body] for k, i in idx.items()})
    frame.attrs["year"] = int(year_match[1]) if year_match else None
    return frame


def _gpci_txt(lines: list[str], name: str) -> pd.DataFrame:
    pattern = re.compile(
        r"^\s*(\d{4,5})\s+([A-Z]{2})\s+(\d{1,2})\s+(.+?)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s*$"
    )
    matches = [m.groups() for m in map(pattern.match, lines) if m]
    if not matches:
        raise DataFileError(
            f"{name} is not a GPCI file (no locality rows found)",
            "import the official GPCI file (GPCI20xx.csv or .txt)",
        )
    cols = ["mac", "state", "locality_number", "locality_name", "gpci_work", "gpci_pe", "gpci_mp"]
    frame = pd.DataFrame(matches, columns=cols)
    year_match = re.search(r"CY (20\d{2})", " ".join(lines[:3]))
    frame.attrs["year"] = int(year_match[1]) if year_match else None
    return frame


def read_gpci(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read an official GPCI file (CSV or TXT, or a zip holding one).

    Returns columns year, mac, state, locality_number, locality_name, gpci_work, gpci_pe,
    gpci_mp, source; MAC zero-padded to 5 digits and locality to 2. Raises DataFileError for
    another kind of file or a year that cannot be told.
    """
    path = Path(path)
    member, text = _read_bytes(path, r"GPCI.*\.(csv|txt)$")
    frame = _gpci_rows(text, path.name)
    year = year or frame.attrs.get("year") or release_from_name(path.name)[0]
    if frame.empty:
        raise DataFileError(f"{path.name} holds no locality rows", "check the file")
    if not year:
        raise DataFileError(f"{path.name}: cannot tell the GPCI year", "pass --year YYYY")
    frame = frame.apply(lambda s: s.str.strip())
    frame["mac"] = frame["mac"].str.zfill(5)
    frame["locality_number"] = frame["locality_number"].str.zfill(2)
    frame["locality_name"] = frame["locality_name"].str.rstrip("*").str.strip()
    for col in ("gpci_work", "gpci_pe", "gpci_mp"):
        numbers = pd.to_numeric(frame[col], errors="coerce")
        if numbers.isna().any():
            raise DataFileError(f"{path.name}: a {col} value is not a number", "check the file")
        frame[col] = numbers.astype("float64")
    frame.insert(0, "year", int(year))
    frame["source"] = path.name
    return frame.astype({c: "str" for c in ("mac", "state", "locality_number", "locality_name")})


def read_locality(path: str | Path) -> pd.DataFrame:
    """Read the official locality-to-county file (LOCCO, CSV or TXT).

    Returns columns mac, locality_number, state, fee_schedule_area, counties, source, with the
    zeros the CSV drops restored. Raises DataFileError for another kind of file.
    """
    path = Path(path)
    member, text = _read_bytes(path, r"LOCCO.*\.(csv|txt)$")
    rows: list[list[str]] = []
    if member.lower().endswith(".txt"):
        # fixed-width records: MAC 1-12, locality 13-21, state 22-44, area 45-142, counties 143-
        cuts = [(0, 12), (12, 21), (21, 44), (44, 142), (142, None)]
        for line in text.splitlines():
            if re.match(r"^\s*\d{4,5}\s+\d{1,2}\s", line):
                rows.append([line[a:b] for a, b in cuts])
    else:
        for r in csv.reader(text.splitlines()):
            if len(r) >= 5 and r[0].strip().isdigit():
                rows.append(r[:5])
    if not rows:
        raise DataFileError(
            f"{path.name} is not a locality file (no locality rows found)",
            "import the official LOCCO file (25LOCCO.csv or .txt)",
        )
    frame = pd.DataFrame(
        rows, columns=["mac", "locality_number", "state", "fee_schedule_area", "counties"]
    ).apply(lambda s: s.str.strip())
    frame["mac"] = frame["mac"].str.zfill(5)
    frame["locality_number"] = frame["locality_number"].str.zfill(2)
    frame["state"] = frame["state"].replace("", pd.NA).ffill()
    frame["source"] = path.name
    return frame.astype("str")
