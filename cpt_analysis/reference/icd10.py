"""ICD-10-CM verdicts by date of service: billable (a leaf), header (with its billable
children), not yet created, deleted (with the codes added under its heading), uncertain,
unknown, malformed, or not in use (before 2015-10-01, the ICD-9-CM era).

A verdict comes from the code set in force on the date where the workbook holds it: the CMS
code sets of January 2021 (FY2021), April 2025 (FY2025) and April 2026 (FY2026) are shipped
(:mod:`.icd10_sets`), and a user can add any fiscal year's CMS order file with
:func:`add_fiscal_year`. Between two code sets, before the oldest and after the newest, the
verdict is inferred or unverified, and says so (:mod:`.icd10_timeline`); the dated changes of
data/icd10_changes.csv settle what the code sets cannot (U07.1 was created on 2020-04-01).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ..dates import as_date, fiscal_year
from ..errors import DataFileError, WorkbookError
from ..identifiers import dotted, icd10_keys
from ..reference import store
from ..validation import register
from .cms_files import names_say, open_text, settle
from .icd10_sets import added_set as _added  # tests clear its cache
from .icd10_sets import code_sets, descriptions, shipped_sets
from .icd10_timeline import changes_by_key, join_codes, judge, verdict_frame

STATUSES = [
    "billable",
    "header",
    "unknown",
    "malformed",
    "not in use",
    "not yet created",
    "deleted",
    "uncertain",
]
EVIDENCE = ["known", "inferred", "unverified"]
ICD10_START = dt.date(2015, 10, 1)  # claims used ICD-9-CM before this date of service
BEFORE_ICD10 = (
    "ICD-10-CM was not in use before 2015-10-01: claims for earlier dates of service use "
    "ICD-9-CM codes, which the workbook does not check"
)
MALFORMED = "malformed: not shaped like an ICD-10-CM code"


@register("date_of_service")
def _date_of_service(value: object) -> str:
    """The date of service of the ICD-10-CM checks, as YYYY-MM-DD."""
    return as_date(value).isoformat()


def _index(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort a code set by key and index it by an object-dtype key index: its searchsorted (used
    for the children of a header) is 10x faster than an Arrow-backed string index's."""
    frame = frame.astype({"key": "str", "description": "str", "leaf": "bool"})
    frame = frame.sort_values("key").drop_duplicates("key")
    return frame.set_index(
        pd.Index(frame["key"].to_numpy(dtype=object), dtype=object, name="key")
    ).drop(columns="key")


def bundled_fiscal_year() -> int:
    """Return the fiscal year of the newest code set shipped with the workbook."""
    return shipped_sets()[-1].fiscal_year


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


def newer_than_known(fy: int) -> bool:
    """True when fiscal year ``fy`` comes after every code set held (shipped or added): its
    verdicts are those of the newest set, and codes created or retired since are not known
    (their ``basis`` says so)."""
    return fy > max(s.fiscal_year for s in code_sets())


def verdict_days() -> list[dt.date]:
    """Return the days on which ICD-10-CM verdicts may change, in order: 2015-10-01, each code
    set's first day and the day after its last (shipped or added), and each day of a dated
    change. Within one fiscal year, every date from one of them to the next gets the same
    verdicts, so a long export can be judged once per period, on its first day."""
    days = {ICD10_START}
    for codeset in code_sets():
        days |= {codeset.start, codeset.end + dt.timedelta(days=1)}
    days |= {c.day for changes in changes_by_key().values() for c in changes}
    return sorted(days)


def check_many(codes: pd.Series | list, date_of_service: object = None) -> pd.DataFrame:
    """Return one verdict row per input code, for one date of service (default today).

    ``codes`` is a list or Series of codes, or one code as a string. Columns: input, icd10
    (dotted, NA if malformed), status (one of STATUSES), billable, description,
    billable_children (text: of a header), n_children, fiscal_year (of the date), basis (the code
    sets the date's verdicts rest on), code_set (the set, or the two, judged on), evidence
    (known / inferred / unverified), detail (the verdict in one sentence), replaced_by (text: the
    codes added under a deleted code's heading). Raises WorkbookError for a date that is not a
    date.
    """
    if isinstance(codes, str):
        codes = [codes]  # one code, not its characters
    day = as_date(date_of_service)
    fy = fiscal_year(day)
    inputs = pd.Series(list(codes), dtype="str")
    if day < ICD10_START:
        return _before_icd10(inputs, fy)
    keys = icd10_keys(inputs)
    unique = keys.dropna().unique().tolist()
    verdicts, window = judge(unique, day)
    found = verdict_frame(unique, verdicts)
    found["description"] = descriptions(unique, window.sets).to_numpy()
    known = keys.notna()
    result = pd.DataFrame({"input": inputs})
    result["icd10"] = keys.map(lambda k: dotted(k) if isinstance(k, str) else pd.NA).astype("str")
    result["status"] = keys.map(found["status"]).where(known, "malformed")
    result["billable"] = result["status"].eq("billable")
    result["description"] = keys.map(found["description"]).astype("str")
    kids = keys.map(found["children"]).map(lambda c: c if isinstance(c, list) else [])
    result["billable_children"] = kids.map(join_codes).astype("str")
    result["n_children"] = kids.map(len).astype("int64")
    result["fiscal_year"] = fy
    result["basis"] = window.basis()
    result["code_set"] = window.code_set()
    result["evidence"] = keys.map(found["evidence"]).where(known, "known")
    result["detail"] = keys.map(found["detail"]).where(known, MALFORMED).astype("str")
    replaced = keys.map(found["replaced_by"]).map(lambda c: c if isinstance(c, list) else [])
    result["replaced_by"] = replaced.map(join_codes).astype("str")
    result["status"] = pd.Categorical(result["status"], categories=STATUSES)
    result["evidence"] = pd.Categorical(result["evidence"], categories=EVIDENCE)
    return result


def _before_icd10(inputs: pd.Series, fy: int) -> pd.DataFrame:
    """Verdicts for a date before 2015-10-01, when claims used ICD-9-CM: none is billable."""
    keys = icd10_keys(inputs)
    well_formed = keys.notna()
    return pd.DataFrame(
        {
            "input": inputs,
            "icd10": keys.map(lambda k: dotted(k) if isinstance(k, str) else pd.NA).astype("str"),
            "status": pd.Categorical(
                pd.Series("not in use", index=inputs.index).where(well_formed, "malformed"),
                categories=STATUSES,
            ),
            "billable": False,
            "description": pd.Series(pd.NA, index=inputs.index, dtype="str"),
            "billable_children": "",
            "n_children": 0,
            "fiscal_year": fy,
            "basis": BEFORE_ICD10,
            "code_set": "",
            "evidence": pd.Categorical(["known"] * len(inputs), categories=EVIDENCE),
            "detail": pd.Series(BEFORE_ICD10, index=inputs.index).where(well_formed, MALFORMED),
            "replaced_by": "",
        }
    )


def check(code: str, date_of_service: object = None) -> dict:
    """Return the verdict for one ICD-10-CM code as a dict (see :func:`check_many`)."""
    return check_many([code], date_of_service).iloc[0].to_dict()
