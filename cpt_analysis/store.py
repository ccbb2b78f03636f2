"""The local store: official CMS files a user imported, kept as Parquet outside git.

Each imported table lives in ``<store>/<kind>_<year>.parquet`` (kind: ``rvus`` or ``gpci``) with
a line in ``manifest.json`` saying which file it came from. Common names and pairings a user adds
from articles (``cpt-workbook ingest --add``) live in ``<store>/added_<kind>.csv``, each row with
its source. Writes go to a temporary file that is renamed over the old one only once complete,
so a failed import never destroys a good store.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import config
from .errors import WorkbookError
from .files import atomic_write
from .schema import read_table

KINDS = ("rvus", "gpci")


def table_path(kind: str, year: int) -> Path:
    """Return the Parquet path of an imported table of ``kind`` for ``year``."""
    return config.store_dir() / f"{kind}_{int(year)}.parquet"


def manifest() -> dict:
    """Return the store's manifest: what was imported, from which file, when ({} if none)."""
    path = config.store_dir() / "manifest.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise WorkbookError(
            f"the store manifest {path} is damaged", "delete it and import the CMS files again"
        ) from None


def save(kind: str, frame: pd.DataFrame, source: Path) -> dict:
    """Save an imported table, one file per year, and record it in the manifest.

    Returns the manifest entries written. Raises OSError if the disk refuses the write; the
    previous table for that year is then left as it was.
    """
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest() if Path(source).is_file() else ""
    entries = {}
    for year, part in frame.groupby("year", observed=True):
        path = table_path(kind, int(year))
        atomic_write(path, lambda tmp, part=part: part.to_parquet(tmp, index=False))
        entries[f"{kind}_{int(year)}"] = {
            "kind": kind,
            "year": int(year),
            "release": str(part["release"].iloc[0]) if "release" in part else None,
            "rows": len(part),
            "source_file": str(Path(source).resolve()),
            "sha256": digest,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    current = manifest() | entries
    target = config.store_dir() / "manifest.json"
    atomic_write(target, lambda tmp: tmp.write_text(json.dumps(current, indent=2)))
    return entries


def years(kind: str) -> list[int]:
    """Return the years for which a table of ``kind`` was imported."""
    return sorted(int(p.stem.split("_")[1]) for p in config.store_dir().glob(f"{kind}_*.parquet"))


def load(kind: str, year: int) -> pd.DataFrame | None:
    """Return the imported table of ``kind`` for ``year``, or None when none was imported.

    The Parquet file is read once per process and version (its modification time); each call
    returns a new copy. Raises WorkbookError for a damaged file.
    """
    path = table_path(kind, year)
    if not path.exists():
        return None
    return _read(str(path), path.stat().st_mtime_ns).copy()


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise WorkbookError(
            f"the imported table {path} cannot be read ({type(exc).__name__})",
            "import the CMS file again",
        ) from None


def additions_path(kind: str) -> Path:
    """Return the CSV path of the rows of ``kind`` (common_names or pairings) a user added."""
    return config.store_dir() / f"added_{kind}.csv"


def load_additions(kind: str) -> pd.DataFrame | None:
    """Return the rows of ``kind`` a user added, typed like the shipped table, or None if none.

    Raises DataFileError naming the row and column of a bad cell.
    """
    path = additions_path(kind)
    return read_table(path, kind) if path.exists() else None


def add_rows(kind: str, rows: pd.DataFrame) -> int:
    """Append ``rows`` (the columns of the shipped ``kind`` table) to the user's additions.

    Returns the number of rows now stored. The file is replaced only once the new one is
    complete. Raises OSError if the disk refuses the write; the old file is then left as it was.
    """
    current = load_additions(kind)
    combined = rows if current is None else pd.concat([current, rows], ignore_index=True)
    atomic_write(additions_path(kind), lambda tmp: combined.to_csv(tmp, index=False))
    return len(combined)
