"""The ICD-10-CM code sets the workbook holds, and the state of a code in each: not in the set,
billable (a leaf) or a header.

Shipped: data/icd10_code_sets.csv (one row per code set: its fiscal year, update and the days
it was in force) and data/icd10_history.csv.gz (one row per code ever seen, with its state in
each set and its newest title), written by scripts/build_icd10_history.py from the CMS code sets
that simple-icd-10-cm's releases bundle (January 2021, April 2025, April 2026). Both are read
once per process, on first use (about 0.1 s). A fiscal year's CMS order file that a user added
with ``cpt-workbook import-cms`` is a code set too, in force for its whole fiscal year; it
replaces the shipped sets of that year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataFileError
from ..identifiers import dotted
from ..reference import store
from .schema import Column, convert_column

ABSENT, BILLABLE, HEADER = 0, 1, 2
HISTORY = "icd10_history.csv.gz"
CODE_SETS = "icd10_code_sets.csv"
SET_COLUMNS = [
    Column("set", "text"),
    Column("fiscal_year", "int"),
    Column("update", "text"),
    Column("in_force_from", "date"),
    Column("in_force_to", "date"),
    Column("codes", "int"),
    Column("billable", "int"),
    Column("source", "text"),
]
REBUILD = "restore it from git or rebuild it with scripts/build_icd10_history.py"


@dataclass(frozen=True)
class CodeSet:
    """One code set: its name (the shipped history's column, or ``fy2027`` for one added), its
    fiscal year, the update it is (``April 2026``; empty for an added file) and the first and
    last day it was in force."""

    name: str
    fiscal_year: int
    update: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """``the FY2026 code set (April 2026 update)`` or ``the FY2027 code set added from a
        CMS file``."""
        how = f"({self.update} update)" if self.update else "added from a CMS file"
        return f"the FY{self.fiscal_year} code set {how}"


def _read(name: str) -> pd.DataFrame:
    path = config.DATA_DIR / name
    try:
        return pd.read_csv(path, dtype="str", keep_default_na=False, engine="pyarrow")
    except FileNotFoundError:
        raise DataFileError(f"{path} is missing", REBUILD) from None
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as exc:  # pyarrow: ValueError
        raise DataFileError(f"{name} cannot be read ({exc})", REBUILD) from None


@cache
def shipped_sets() -> tuple[CodeSet, ...]:
    """Return the shipped code sets, oldest first. Raises DataFileError for a damaged table."""
    raw = _read(CODE_SETS)
    missing = [c.name for c in SET_COLUMNS if c.name not in raw.columns]
    if missing:
        raise DataFileError(f"{CODE_SETS} lacks the column(s) {', '.join(missing)}", REBUILD)
    path = config.DATA_DIR / CODE_SETS
    table = pd.DataFrame({c.name: convert_column(path, raw[c.name], c) for c in SET_COLUMNS})
    sets = [
        CodeSet(r.set, int(r.fiscal_year), r.update, r.in_force_from.date(), r.in_force_to.date())
        for r in table.itertuples(index=False)
    ]
    return tuple(sorted(sets, key=lambda s: s.start))


@cache
def shipped_history() -> pd.DataFrame:
    """Return one row per code ever seen, indexed by key (``M5450``; sorted, object dtype):
    one int8 column per shipped code set (ABSENT, BILLABLE, HEADER) and description.

    Raises DataFileError for a damaged table (a code set's column missing, a state other than
    billable, header or empty, a row without code).
    """
    raw = _read(HISTORY)
    names = [s.name for s in shipped_sets()]
    missing = [n for n in ["icd10", *names, "description"] if n not in raw.columns]
    if missing:
        raise DataFileError(f"{HISTORY} lacks the column(s) {', '.join(missing)}", REBUILD)
    path = config.DATA_DIR / HISTORY
    keys = convert_column(path, raw["icd10"], Column("icd10", "icd10")).str.replace(".", "")
    frame = pd.DataFrame(index=pd.Index(keys.to_numpy(dtype=object), dtype=object, name="key"))
    for name in names:
        text = raw[name].to_numpy(dtype=object)
        states = np.select([text == "billable", text == "header"], [BILLABLE, HEADER], ABSENT)
        odd = (states == ABSENT) & (text != "")
        if odd.any():
            row = int(odd.nonzero()[0][0])
            raise DataFileError(
                f"{HISTORY}: row {row + 2}, column '{name}' has {text[row]!r} "
                "(not billable, header or empty)",
                REBUILD,
            )
        frame[name] = states.astype(np.int8)
    frame["description"] = raw["description"].array
    return frame if frame.index.is_monotonic_increasing else frame.sort_index()


@cache
def added_set(fiscal_year: int) -> pd.DataFrame | None:
    """Return the code set a user added for ``fiscal_year`` (leaf, description by key), or None;
    read once per process (clear with ``added_set.cache_clear()`` after an import)."""
    frame = store.load("icd10", fiscal_year)
    if frame is None:
        return None
    frame = frame.astype({"key": "str", "description": "str", "leaf": "bool"})
    frame = frame.sort_values("key").drop_duplicates("key")
    index = pd.Index(frame["key"].to_numpy(dtype=object), dtype=object, name="key")
    return frame.set_index(index)[["leaf", "description"]]


def code_sets() -> list[CodeSet]:
    """Return every code set, oldest first: the shipped ones and the fiscal years a user added,
    an added year replacing the shipped sets of that year."""
    added = [fy for fy in store.years("icd10") if added_set(fy) is not None]
    sets = [s for s in shipped_sets() if s.fiscal_year not in added]
    sets += [CodeSet(f"fy{fy}", fy, "", dt.date(fy - 1, 10, 1), dt.date(fy, 9, 30)) for fy in added]
    return sorted(sets, key=lambda s: s.start)


def states(keys: list[str], sets: list[CodeSet]) -> np.ndarray:
    """Return the state of each key (rows) in each code set (columns) as int8."""
    out = np.zeros((len(keys), len(sets)), dtype=np.int8)
    history = shipped_history().reindex(keys)
    for j, codeset in enumerate(sets):
        added = _added_members(codeset)
        if added is None:
            out[:, j] = history[codeset.name].fillna(ABSENT).to_numpy(dtype=np.int8)
        else:
            leaf = added["leaf"].reindex(keys)
            out[:, j] = np.where(leaf.isna(), ABSENT, np.where(leaf.eq(True), BILLABLE, HEADER))
    return out


def descriptions(keys: list[str], sets: list[CodeSet]) -> pd.Series:
    """Return each key's title: from the newest added set holding it, else the shipped one."""
    out = shipped_history()["description"].reindex(keys)
    for codeset in sets:
        added = _added_members(codeset)
        if added is not None:
            out = added["description"].reindex(keys).fillna(out)
    return out


@cache
def _shipped_set(name: str) -> pd.DataFrame:
    history = shipped_history()
    held = history[history[name].to_numpy() != ABSENT]
    return pd.DataFrame({"leaf": held[name].eq(BILLABLE), "description": held["description"]})


def members(codeset: CodeSet) -> pd.DataFrame:
    """Return the codes of one code set: leaf and description, indexed by key (sorted)."""
    added = _added_members(codeset)
    return _shipped_set(codeset.name) if added is None else added


def _added_members(codeset: CodeSet) -> pd.DataFrame | None:
    return None if codeset.update else added_set(codeset.fiscal_year)


def children(codeset: CodeSet, key: str) -> list[str]:
    """Return the billable codes under ``key`` in ``codeset``, dotted, in code order."""
    frame = members(codeset)
    index = frame.index
    block = frame.iloc[index.searchsorted(key) : index.searchsorted(key + "\uffff")]
    return [dotted(k) for k in block.index[block["leaf"].to_numpy()] if k != key]
