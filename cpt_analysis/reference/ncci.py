"""Medicare's NCCI edits for practitioners: procedure-to-procedure pairs, medically unlikely
edits and add-on codes, by quarter.

The shipped quarter lives in ``data/ncci/{ptp,mue,aoc}_2024q3.parquet``, built by
``scripts/build_ncci.py`` from CMS's files (see :mod:`.ncci_files`); a newer quarter a user
imports with ``cpt-workbook ncci --import FOLDER`` goes to ``<store>/ncci/`` and takes precedence
for that quarter. Every table carries its ``quarter`` and ``source``; findings name the quarter
as ``NCCI 2024Q3``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import config
from ..errors import DataFileError, WorkbookError
from ..files import atomic_write
from ..identifiers import normalize_hcpcs
from .ncci_files import KINDS, derive, quarter_start

DISTINCT_MODIFIERS = ("59", "XE", "XS", "XP", "XU")
# every modifier CMS's NCCI Policy Manual (chapter I) lets bypass a PTP edit of indicator 1 when
# the documentation supports it: the distinct-service ones, 25 and 57 on an E/M, the global
# surgery ones, 27 and 91, and the anatomic ones (sides, eyelids, fingers, toes, arteries)
BYPASS_MODIFIERS = frozenset(
    {*DISTINCT_MODIFIERS, "24", "25", "27", "57", "58", "78", "79", "91", "E1", "E2", "E3",
     "E4", "FA", *(f"F{n}" for n in range(1, 10)), "TA", *(f"T{n}" for n in range(1, 10)),
     "LT", "RT", "LC", "LD", "RC", "LM", "RI"}
)  # fmt: skip
MAI_WORDS = {1: "per line", 2: "per day (policy)", 3: "per day (clinical)"}
AOC_WORDS = {
    1: "only the primary codes listed",
    2: "the contractor decides the primary codes",
    3: "the primary codes listed and others the contractor accepts",
}


def shipped_dir() -> Path:
    return config.DATA_DIR / "ncci"


def store_dir() -> Path:
    return config.store_dir() / "ncci"


def label(quarter: str) -> str:
    """``2024Q3`` -> ``NCCI 2024Q3``, the words every finding carries."""
    return f"NCCI {quarter}"


def _file(folder: Path, kind: str, quarter: str) -> Path:
    return folder / f"{kind}_{quarter.lower()}.parquet"


def _quarters_in(folder: Path) -> set[str]:
    names = {p.stem.split("_", 1)[1].upper() for p in folder.glob("ptp_*.parquet")}
    return {q for q in names if all(_file(folder, k, q).is_file() for k in KINDS)}


def quarters() -> list[str]:
    """Return the quarters available (shipped or imported), oldest first."""
    return sorted(_quarters_in(shipped_dir()) | _quarters_in(store_dir()))


def latest_quarter() -> str:
    """Return the newest quarter available; raises WorkbookError if none is."""
    have = quarters()
    if not have:
        raise WorkbookError(
            "no NCCI edits are available", "restore data/ncci from git or import a quarter"
        )
    return have[-1]


def check_quarter(quarter: object = None) -> str:
    """Return ``quarter`` as ``2024Q3`` if available (None: the newest); else WorkbookError."""
    if quarter is None or str(quarter).strip() == "":
        return latest_quarter()
    start = quarter_start(str(quarter))
    name = f"{start.year}Q{(start.month + 2) // 3}"
    if name not in quarters():
        raise WorkbookError(
            f"NCCI quarter {name} is not available (have {', '.join(quarters()) or 'none'})",
            "import its CMS files with `cpt-workbook ncci --import FOLDER`",
        )
    return name


@cache
def _read(path: str, mtime_ns: int) -> pd.DataFrame:
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise DataFileError(
            f"{path} cannot be read ({type(exc).__name__})", "restore it from git or import again"
        ) from None
    for name in frame.columns:  # codes as text; dictionary columns come back as categoricals
        if name in ("column_1", "column_2", "hcpcs", "add_on", "primary"):
            frame[name] = frame[name].astype(str)
    return frame


def _load(kind: str, quarter: object) -> pd.DataFrame:
    name = check_quarter(quarter)
    for folder in (store_dir(), shipped_dir()):  # an import wins over the shipped copy
        path = _file(folder, kind, name)
        if path.is_file():
            return _read(str(path), path.stat().st_mtime_ns).copy()
    raise WorkbookError(f"NCCI {kind.upper()} table of {name} is missing")  # pragma: no cover


def load_ptp(quarter: object = None) -> pd.DataFrame:
    """Active procedure-to-procedure pairs: column_1, column_2 (the code denied),
    modifier_indicator (0 never together, 1 with a distinct-service modifier), rationale,
    quarter, source."""
    return _load("ptp", quarter)


def load_mue(quarter: object = None) -> pd.DataFrame:
    """Medically unlikely edits: hcpcs, mue_units, mai (1 per line, 2/3 per day), rationale,
    quarter, source."""
    return _load("mue", quarter)


def load_aoc(quarter: object = None) -> pd.DataFrame:
    """Add-on codes and their primaries: add_on, primary (``CCCCC``: contractor's choice),
    aoc_edit_type (1 only those listed, 2 contractor, 3 listed and others), quarter, source."""
    return _load("aoc", quarter)


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    """Write derived tables (:func:`ncci_files.derive`) as zstd Parquet, codes dictionary-
    encoded, atomically; return the paths by kind."""
    out = {}
    for kind, frame in tables.items():
        quarter = str(frame["quarter"].iloc[0]) if len(frame) else "unknown"
        typed = frame.copy()
        for name in typed.columns:
            if typed[name].dtype == object or str(typed[name].dtype) == "str":
                typed[name] = typed[name].astype("category")
        table = pa.Table.from_pandas(typed, preserve_index=False)
        out[kind] = atomic_write(
            _file(folder, kind, quarter),
            lambda tmp, t=table: pq.write_table(t, tmp, compression="zstd", compression_level=19),
        )
    return out


def import_quarter(folder: str | Path, quarter: str | None = None) -> dict[str, object]:
    """Import one quarter's NCCI files (PTP, MUE, AOC; unzipped) from ``folder`` into the
    user's store; return the rows kept per kind and the ``quarter``. Raises WorkbookError for a
    folder that does not hold them (nothing is written then)."""
    tables = derive(folder, quarter)  # everything read before anything is written
    write_tables(tables, store_dir())
    rows: dict[str, object] = {kind: len(frame) for kind, frame in tables.items()}
    return rows | {"quarter": str(tables["ptp"]["quarter"].iloc[0])}


def lookup(codes: list[str], quarter: object = None) -> dict[str, pd.DataFrame]:
    """Return what the edits say about ``codes``: ``pairs`` (the active PTP pairs among them,
    or, for one code, every pair it is in), ``mue`` (each code's MUE) and ``add_on`` (the
    primaries of the add-on codes among them). Raises WorkbookError for a malformed code."""
    wanted = [normalize_hcpcs(c) for c in codes]
    name = check_quarter(quarter)
    ptp = load_ptp(name)
    if len(wanted) == 1:
        pairs = ptp[(ptp["column_1"] == wanted[0]) | (ptp["column_2"] == wanted[0])]
    else:
        pairs = ptp[ptp["column_1"].isin(wanted) & ptp["column_2"].isin(wanted)]
    mue = load_mue(name).set_index("hcpcs").reindex(wanted).rename_axis("hcpcs").reset_index()
    mue = mue.astype({"mue_units": "Int64", "mai": "Int64"})  # a code without MUE: <NA>
    mue["applies"] = mue["mai"].map(MAI_WORDS)
    aoc = load_aoc(name)
    aoc = aoc[aoc["add_on"].isin(wanted)].copy()
    aoc["edit_type"] = aoc["aoc_edit_type"].map(AOC_WORDS)
    return {
        "pairs": pairs.drop(columns=["source"]).reset_index(drop=True),
        "mue": mue.drop(columns=["source", "quarter"]),
        "add_on": aoc.drop(columns=["source"]).reset_index(drop=True),
        "quarter": name,
    }
