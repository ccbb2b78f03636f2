"""Import an official CMS file into the local store: detect its kind, read it, save it.

A file is an RVU file (PPRRVU), a GPCI file, or an ICD-10-CM order file, told apart by name
and, failing that, by content. The store is replaced only when the whole file was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import cms, icd10, store
from .errors import WorkbookError


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the kind of file, the year, the release and the number of rows."""

    kind: str
    year: int
    release: str
    rows: int
    path: Path

    def __str__(self) -> str:
        return (
            f"imported {self.rows:,} {self.kind} rows for {self.year}"
            f"{' (' + self.release + ')' if self.release else ''} from {self.path.name}"
        )


def detect_kind(path: Path) -> str:
    """Return ``rvus``, ``gpci`` or ``icd10`` for a CMS file, from its name.

    Raises WorkbookError when the name does not say.
    """
    name = path.name.upper()
    if re.search(r"PPRRVU|RVU\d{2}[A-D]", name):
        return "rvus"
    if "GPCI" in name:
        return "gpci"
    if "ICD10CM" in name or "ICD-10-CM" in name:
        return "icd10"
    raise WorkbookError(
        f"cannot tell what kind of CMS file {path.name} is",
        "pass --kind rvus, gpci or icd10 (an RVU file is usually named PPRRVU...)",
    )


def import_file(
    path: str | Path, kind: str | None = None, year: int | None = None, release: str | None = None
) -> ImportResult:
    """Read an official CMS file and save it in the local store; return what was imported.

    Raises WorkbookError or DataFileError (one line each) for a missing, truncated, foreign or
    re-laid-out file; the store is left as it was.
    """
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path} does not exist", "check the path")
    kind = kind or detect_kind(path)
    if kind == "rvus":
        frame = cms.read_pprrvu(path, year=year, release=release)
        store.save("rvus", frame, path)
        return ImportResult(
            "rvus", int(frame["year"].iloc[0]), str(frame["release"].iloc[0]), len(frame), path
        )
    if kind == "gpci":
        frame = cms.read_gpci(path, year=year)
        frame["release"] = ""
        store.save("gpci", frame, path)
        return ImportResult("gpci", int(frame["year"].iloc[0]), "", len(frame), path)
    if kind == "icd10":
        fy = icd10.add_fiscal_year(path, year)
        return ImportResult("icd10", fy, f"FY{fy}", len(store.load("icd10", fy)), path)
    raise WorkbookError(f"'{kind}' is not a kind of CMS file", "use rvus, gpci or icd10")
