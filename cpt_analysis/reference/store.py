"""The local store: official CMS files a user imported, kept as Parquet outside git.

Each imported table lives in ``<store>/<kind>_<year>.parquet`` (kind: ``rvus``, ``gpci``,
``locality`` or ``icd10``) with an entry in ``manifest.json`` saying which file it came from;
:func:`entries` lists them and :func:`remove` undoes one import. Common names and pairings a user adds
from articles (``cpt-workbook ingest --add``) live in ``<store>/added_<kind>.csv``, each row with
its source. Writes go to a temporary file that is renamed over the old one only once complete,
so a failed import never destroys a good store; the temporary files a killed write leaves
behind are removed by :func:`clean_temporary`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import WorkbookError
from ..files import atomic_write
from .schema import read_table

KINDS = ("rvus", "gpci", "locality", "icd10")
# files.atomic_write names its temporary file .<target name>.<random>.tmp beside the target; one
# left untouched this long belongs to a write that was killed, not to one still running
TEMPORARY_PATTERN = ".*.tmp"
STALE_SECONDS = 60


def table_path(kind: str, year: int) -> Path:
    """Return the Parquet path of an imported table of ``kind`` for ``year``."""
    return config.store_dir() / f"{kind}_{int(year)}.parquet"


def manifest() -> dict:
    """Return the store's manifest: what was imported, from which file, when ({} if none)."""
    path = config.store_dir() / "manifest.json"
    if not path.exists():
        return {}
    try:
        current = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        current = None
    if not isinstance(current, dict):
        raise WorkbookError(
            f"the store manifest {path} is damaged", "delete it and import the CMS files again"
        )
    return current


def _write_manifest(current: dict) -> None:
    target = config.store_dir() / "manifest.json"
    atomic_write(target, lambda tmp: tmp.write_text(json.dumps(current, indent=2)))


def clean_temporary(now: float | None = None) -> list[Path]:
    """Remove the temporary files that killed writes left in the store (only files named as
    :func:`files.atomic_write` names them, untouched for a minute); return those removed."""
    now = time.time() if now is None else now
    removed = []
    for path in config.store_dir().glob(TEMPORARY_PATTERN):
        try:
            if path.is_file() and now - path.stat().st_mtime > STALE_SECONDS:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # another process removed it first
            continue
    return removed


def save(kind: str, frame: pd.DataFrame, source: Path, member: str | None = None) -> dict:
    """Save an imported table, one file per year, and record it in the manifest (``member``:
    the file read inside the zip ``source``).

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
            "member": member,
            "sha256": digest,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    _write_manifest(manifest() | entries)
    return entries


def entries() -> pd.DataFrame:
    """Return what is imported, one row per table: kind, year, release, rows, imported (when,
    UTC), source (file name, with the member read inside a zip). A table file the manifest does not
    list shows with an empty source; removes stale temporary files first."""
    clean_temporary()
    listed = manifest()
    rows = []
    for kind in KINDS:
        for year in years(kind):
            entry = listed.get(f"{kind}_{year}", {})
            source = Path(entry.get("source_file") or "").name
            rows.append(
                {
                    "kind": kind,
                    "year": year,
                    "release": entry.get("release") or (f"FY{year}" if kind == "icd10" else ""),
                    "rows": entry.get("rows"),
                    "imported": entry.get("imported_at", ""),
                    "source": f"{source}:{entry['member']}" if entry.get("member") else source,
                }
            )
    return pd.DataFrame(rows, columns=["kind", "year", "release", "rows", "imported", "source"])


def remove(kind: str, year: int) -> dict:
    """Remove the imported table of ``kind`` for ``year`` and its manifest entry; return the
    entry removed. The table is first moved aside, and put back if the manifest cannot be
    written. Raises WorkbookError when no such table was imported."""
    if kind not in KINDS:
        raise WorkbookError(f"'{kind}' is not a kind of import", f"use {', '.join(KINDS)}")
    path = table_path(kind, year)
    if not path.exists():
        raise WorkbookError(
            f"no {kind} import for {year} in the store {config.store_dir()}",
            "see what is imported with `cpt-workbook store`",
        )
    current = manifest()
    aside = path.with_name(f".{path.name}.removed.tmp")  # the temporary pattern: cleaned if left
    os.replace(path, aside)
    entry = current.pop(f"{kind}_{int(year)}", {})
    try:
        _write_manifest(current)
    except BaseException:
        os.replace(aside, path)
        raise
    aside.unlink()
    return entry


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
