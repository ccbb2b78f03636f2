"""ICD-10-CM verdicts by date of service: billable (a leaf), header (with its billable children),
unknown, or malformed.

The bundled code set is the one simple-icd-10-cm ships (CMS tabular data; loaded once per
process, about 2 s). A user can add another fiscal year's CMS order file with
:func:`add_fiscal_year`; it is kept in the local store. For an earlier year that was not added,
the bundled set is used with the known changes in data/icd10_changes.csv (M54.5 was billable
until 2021-09-30), and the verdict says so in its ``basis`` column.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..dates import as_date, fiscal_year
from ..errors import DataFileError, WorkbookError
from ..files import atomic_write
from ..identifiers import ICD10_PATTERN, dotted, icd10_keys
from ..reference import store
from ..validation import register
from .cms_files import names_say, open_text, settle
from .loaders import load_icd10_changes

STATUSES = ["billable", "header", "unknown", "malformed", "not in use"]
ICD10_START = dt.date(2015, 10, 1)  # claims used ICD-9-CM before this date of service
BEFORE_ICD10 = (
    "ICD-10-CM was not in use before 2015-10-01: claims for earlier dates of service use "
    "ICD-9-CM codes, which the workbook does not check"
)
MAX_CHILDREN_SHOWN = 8


@register("date_of_service")
def _date_of_service(value: object) -> str:
    """The date of service of the ICD-10-CM checks, as YYYY-MM-DD."""
    return as_date(value).isoformat()


def _bundled_source() -> tuple[str, str]:
    """Return (package version, name of its code-list file) without importing the package."""
    from importlib import metadata

    files = metadata.files("simple-icd-10-cm") or []
    names = [f.name for f in files if f.name.startswith("code-list")]
    return metadata.version("simple-icd-10-cm"), (names[0] if names else "")


def _build_bundled() -> pd.DataFrame:
    with warnings.catch_warnings():
        # simple-icd-10-cm reads its data with importlib.resources' legacy API on import
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm

    keys = [c for c in cm.get_all_codes(with_dots=False) if ICD10_PATTERN.match(c)]
    return pd.DataFrame(
        {
            "key": keys,
            "leaf": [cm.is_leaf(k) for k in keys],
            "description": [cm.get_description(k) for k in keys],
        }
    )


@lru_cache(maxsize=1)
def _bundled() -> tuple[int, str, pd.DataFrame]:
    """Return (fiscal year, label, code set) of the code set bundled with simple-icd-10-cm.

    The code set is built once from the package (about 3 s) and cached as Parquet in
    ``config.cache_dir()``, keyed by the package version, so later processes load it at once.
    """
    version, name = _bundled_source()
    match = re.search(r"(January|April|July|October)-(\d{4})", name)
    month, year = (match[1], int(match[2])) if match else ("October", 2025)
    fy = year + 1 if month == "October" else year
    cache = config.cache_dir() / f"icd10cm_simple-{version}.parquet"
    frame = None
    if cache.exists():
        try:
            frame = pd.read_parquet(cache)
        except Exception:  # a damaged cache is rebuilt
            frame = None
    if frame is None:
        frame = _build_bundled()
        try:
            atomic_write(cache, lambda tmp: frame.to_parquet(tmp, index=False))
        except OSError:
            pass  # a read-only install still works, only slower
    return fy, f"FY{fy} code set ({month} {year} update, simple-icd-10-cm)", _index(frame)


def _index(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort a code set by key and index it by an object-dtype key index: its searchsorted (used
    for the children of a header) is 10x faster than an Arrow-backed string index's."""
    frame = frame.astype({"key": "str", "description": "str", "leaf": "bool"})
    frame = frame.sort_values("key").drop_duplicates("key")
    return frame.set_index(
        pd.Index(frame["key"].to_numpy(dtype=object), dtype=object, name="key")
    ).drop(columns="key")


def bundled_fiscal_year() -> int:
    """Return the fiscal year of the code set bundled with simple-icd-10-cm."""
    return _bundled()[0]


# A complete code set: FY2026 has 98,166 codes in the order file (74,706 billable: the codes
# file), in chapters A to Z; U holds a handful of codes for emergency use, and only since FY2020.
MIN_ICD10_CODES = 50_000
CHAPTER_LETTERS = "ABCDEFGHIJKLMNOPQRSTVWXYZ"
GET_ORDER = "use the whole icd10cm_order_YYYY.txt from the CMS ICD-10-CM tabular download"


def read_order_file(
    path: str | Path, member: str | None = None, year: int | None = None
) -> pd.DataFrame:
    """Read a complete CMS ICD-10-CM code set: the order file (icd10cm_order_YYYY.txt) or the
    codes file (icd10cm_codes_YYYY.txt), or one of them in a zip (``member``).

    Returns leaf, description and year (the fiscal year the file name tells, else ``year``),
    indexed by key. Raises DataFileError for a file of another kind, a line of
    neither shape, or a code set that is not complete (under 50,000 codes, or chapters
    missing), and WorkbookError for a fiscal year that cannot be told, contradicts the file's
    name, or is not between FY2016 and next year.
    """
    path = Path(path)
    label, member, text = open_text(path, "icd10", member)
    order = re.compile(
        r"^\d{5} ([A-Z0-9]{3,7})\s+([01]) (.{1,60}?)\s{2,}(.*)$|^\d{5} ([A-Z0-9]{3,7})\s+([01]) (.*)$"
    )
    codes = re.compile(r"^([A-Z][0-9][0-9A-Z][0-9A-Z]{0,4})\s+(\S.*)$")
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    shape = order if order.match(lines[0][1]) else codes
    matches = []
    for n, line in lines:
        match = shape.match(line)
        if match is None:
            if n == lines[0][0]:
                raise DataFileError(
                    f"{label} is not a CMS ICD-10-CM order or codes file", GET_ORDER
                )
            raise DataFileError(
                f"{label}: line {n} ({line[:40].strip()!r}) is not a line of a CMS ICD-10-CM "
                f"{'order' if shape is order else 'codes'} file; the file is damaged",
                GET_ORDER,
            )
        matches.append(match)
    if shape is order:
        rows = [
            (m[1] or m[5], (m[2] or m[6]) == "1", (m[4] or m[7] or m[3] or "").strip())
            for m in matches
        ]
    else:
        keys = sorted(m[1] for m in matches)
        headers = {a for a, b in zip(keys, keys[1:], strict=False) if b.startswith(a)}
        rows = [(m[1], m[1] not in headers, m[2].strip()) for m in matches]
    frame = _index(pd.DataFrame(rows, columns=["key", "leaf", "description"]))
    if len(frame) < MIN_ICD10_CODES:
        raise DataFileError(
            f"{label} holds {len(frame):,} codes where a complete ICD-10-CM code set has over "
            "70,000; it looks truncated or is only part of the code set",
            GET_ORDER,
        )
    missing = sorted(set(CHAPTER_LETTERS) - set(frame.index.str[0]))
    if missing:
        raise DataFileError(
            f"{label} has no codes starting with {', '.join(missing)}: whole chapters are "
            "missing, so it is not the complete code set",
            GET_ORDER,
        )
    fy = settle(label, "fiscal year", names_say(path, member)[0], year, "--year")
    first, last = fiscal_year(ICD10_START), fiscal_year() + 1
    if fy is None:
        raise WorkbookError(f"cannot tell the fiscal year of {label}", "pass --year YYYY")
    if not first <= int(fy) <= last:
        raise WorkbookError(
            f"FY{fy} is not an ICD-10-CM fiscal year the workbook can use ({first} to {last})",
            "check --year or the file name",
        )
    return frame.assign(year=int(fy))


def add_fiscal_year(
    path: str | Path,
    fiscal_year: int | None = None,
    member: str | None = None,
    codeset: pd.DataFrame | None = None,
) -> int:
    """Add a fiscal year's CMS code set to the local store; returns the fiscal year added.

    The file is read with :func:`read_order_file` (which says what is refused), unless
    ``codeset`` holds what it returned for that file. The store is changed only once the whole
    file was read and found complete.
    """
    if codeset is None:
        codeset = read_order_file(path, member, fiscal_year)
    store.save("icd10", codeset.reset_index(), Path(path), member)
    _added.cache_clear()
    return int(codeset["year"].iloc[0])


@cache
def _added(fy: int) -> pd.DataFrame | None:
    frame = store.load("icd10", fy)
    return None if frame is None else _index(frame.drop(columns=["year"]))


def newer_than_known(fy: int) -> bool:
    """True when fiscal year ``fy`` comes after the bundled code set and its CMS file was not
    added: its verdicts are those of the bundled year, and codes created or retired since are
    not known (their ``basis`` says so)."""
    return _added(fy) is None and fy > _bundled()[0]


def _codeset(fy: int) -> tuple[pd.DataFrame, str, bool]:
    """Return (code set, basis, apply known changes) for a fiscal year."""
    added = _added(fy)
    if added is not None:
        return added, f"FY{fy} code set added from a CMS file", False
    bundled_fy, label, frame = _bundled()
    if fy == bundled_fy:
        return frame, label, False
    if newer_than_known(fy):
        return frame, f"{label}; FY{fy} not added, so newer changes are not known", False
    return frame, f"{label} with the known changes before FY{bundled_fy}", True


def _children(frame: pd.DataFrame, key: str) -> list[str]:
    keys = frame.index
    lo = keys.searchsorted(key)
    hi = keys.searchsorted(key + "\uffff")
    block = frame.iloc[lo:hi]
    return [dotted(k) for k in block.index[block["leaf"].to_numpy()] if k != key]


def _join(children: list[str]) -> str:
    if len(children) <= MAX_CHILDREN_SHOWN:
        return ", ".join(children)
    shown = ", ".join(children[:MAX_CHILDREN_SHOWN])
    return f"{shown} ... ({len(children)} in all)"


def check_many(codes: pd.Series | list, date_of_service: object = None) -> pd.DataFrame:
    """Return one verdict row per input code, for one date of service (default today).

    ``codes`` is a list or Series of codes, or one code as a string. Columns: input, icd10
    (dotted, NA if malformed), status (billable / header / unknown / malformed, or ``not in use``
    for a date before 2015-10-01, when ICD-9-CM was in use), billable, description, billable_children (text), n_children, fiscal_year, basis.
    Raises WorkbookError for a date that is not a date.
    """
    if isinstance(codes, str):
        codes = [codes]  # one code, not its characters
    day = as_date(date_of_service)
    fy = fiscal_year(day)
    frame, basis, apply_changes = _codeset(fy)
    inputs = pd.Series(list(codes), dtype="str")
    if day < ICD10_START:
        return _before_icd10(inputs, fy)
    keys = icd10_keys(inputs)
    unique = pd.Series(keys.dropna().unique(), dtype="str")
    found = frame.reindex(unique)
    status = pd.Series(
        [
            "unknown" if pd.isna(leaf) else ("billable" if leaf else "header")
            for leaf in found["leaf"]
        ],
        index=unique,
        dtype="str",
    )
    if apply_changes:
        changes = load_icd10_changes()
        later = changes[changes["effective_date"].dt.date > day]
        for _, change in later.iterrows():
            key = change["icd10"].replace(".", "")
            if key in status.index:
                status[key] = "billable" if change["change"] == "became header" else "unknown"
    children = {k: _children(frame, k) for k in status.index[(status == "header").to_numpy()]}
    result = pd.DataFrame({"input": inputs, "key": keys})
    result["icd10"] = keys.map(lambda k: dotted(k) if isinstance(k, str) else pd.NA).astype("str")
    result["status"] = keys.map(status).astype("object").fillna("malformed")
    result["billable"] = result["status"].eq("billable")
    result["description"] = keys.map(found["description"].set_axis(unique)).astype("str")
    kids = keys.map(lambda k: children.get(k, []) if isinstance(k, str) else [])
    result["billable_children"] = kids.map(_join).astype("str")
    result["n_children"] = kids.map(len).astype("int64")
    result["fiscal_year"] = fy
    result["basis"] = basis
    result["status"] = pd.Categorical(result["status"], categories=STATUSES)
    return result.drop(columns=["key"])


def _before_icd10(inputs: pd.Series, fy: int) -> pd.DataFrame:
    """Verdicts for a date before 2015-10-01, when claims used ICD-9-CM: none is billable."""
    keys = icd10_keys(inputs)
    return pd.DataFrame(
        {
            "input": inputs,
            "icd10": keys.map(lambda k: dotted(k) if isinstance(k, str) else pd.NA).astype("str"),
            "status": pd.Categorical(
                keys.map(lambda k: "not in use" if isinstance(k, str) else "malformed"),
                categories=STATUSES,
            ),
            "billable": False,
            "description": pd.Series(pd.NA, index=inputs.index, dtype="str"),
            "billable_children": "",
            "n_children": 0,
            "fiscal_year": fy,
            "basis": BEFORE_ICD10,
        }
    )


def check(code: str, date_of_service: object = None) -> dict:
    """Return the verdict for one ICD-10-CM code as a dict (see :func:`check_many`)."""
    return check_many([code], date_of_service).iloc[0].to_dict()
