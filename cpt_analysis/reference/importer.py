"""Import official CMS files into the local store: read every table a download holds, check it,
then save it.

A download is an RVU file (PPRRVU), a GPCI file, a locality-to-county file (LOCCO), an
ICD-10-CM order file, or a CMS zip bundle holding several of them (RVU26C.zip): every file of a
bundle the workbook knows is read, and every other member is listed as skipped with the reason.
Nothing is saved until every table of every file given was read and checked, so a refused
import leaves the store exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from ..reference import cms, cms_files, icd10, store
from .loaders import load_conversion_factors

KINDS = store.KINDS


@dataclass(frozen=True)
class ImportResult:
    """One table imported: its kind, year, release, number of rows and source file (a zip's
    member written ``RVU26C.zip:PPRRVU2026_Jul_nonQPP.csv``)."""

    kind: str
    year: int
    release: str
    rows: int
    source: str

    def __str__(self) -> str:
        return (
            f"imported {self.rows:,} {self.kind} rows for {self.year}"
            f"{' (' + self.release + ')' if self.release else ''} from {self.source}"
        )


@dataclass
class ImportReport:
    """What an import did: the tables imported and the members of a zip skipped, with why."""

    imported: list[ImportResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [str(r) for r in self.imported]
        return "\n".join(lines + [f"skipped {name}: {why}" for name, why in self.skipped])


@dataclass
class _Table:
    kind: str
    year: int
    frame: pd.DataFrame
    path: Path
    member: str | None

    @property
    def source(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else self.path.name


def import_file(
    path: str | Path,
    kind: str | None = None,
    year: int | None = None,
    release: str | None = None,
    qpp: bool = False,
) -> ImportReport:
    """Read an official CMS file or zip bundle and save its tables in the local store.

    See :func:`import_files`.
    """
    return import_files([path], kind, year, release, qpp)


def import_files(
    paths: list,
    kind: str | None = None,
    year: int | None = None,
    release: str | None = None,
    qpp: bool = False,
) -> ImportReport:
    """Read official CMS files or zip bundles and save their tables in the local store.

    ``kind`` (rvus, gpci, locality, icd10) says what a file holds where its name does not, and
    keeps only that kind from a zip; ``year`` and ``release`` are used only where a file does
    not say (one that contradicts it is refused); ``qpp`` reads a bundle's QPP RVU file instead
    of its non-QPP one. Returns what was imported and skipped. Raises WorkbookError (one line)
    for a missing, truncated, foreign, ambiguous or implausible file, or a year the workbook
    does not know; nothing is saved then.
    """
    store.clean_temporary()
    if kind is not None and kind not in KINDS:
        raise WorkbookError(f"'{kind}' is not a kind of CMS file", f"use {', '.join(KINDS)}")
    report, tables = ImportReport(), []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            raise WorkbookError(
                f"{given} is a folder", "name the CMS file or zip in it, e.g. import-cms DIR/*.zip"
            )
        if not path.exists():
            raise WorkbookError(f"{given} does not exist", "check the path")
        if not path.is_file():  # a pipe or a device would never end or never answer
            raise WorkbookError(f"{given} is not a regular file", "name the CMS file or zip")
        plan = cms_files.plan(path, kind, qpp)
        report.skipped += [(f"{path.name}:{name}", why) for name, why in plan.skipped]
        tables += [_read(path, k, member, year, release) for k, member in plan.read]
    _check_one_per_year(tables)
    for table in tables:
        _check_year(table)
    for table in tables:
        _save(table)
        frame = table.frame
        label = str(frame["release"].iloc[0]) if "release" in frame else ""
        label = f"FY{table.year}" if table.kind == "icd10" else label
        result = ImportResult(table.kind, table.year, label, len(frame), table.source)
        report.imported.append(result)
    return report


def _read(path: Path, kind: str, member: str | None, year, release) -> _Table:
    if kind == "rvus":
        frame = cms.read_pprrvu(path, year=year, release=release, member=member)
    elif kind == "gpci":
        frame = cms.read_gpci(path, year=year, member=member)
    elif kind == "locality":
        frame = cms.read_locality(path, year=year, member=member)
    else:
        frame = icd10.read_order_file(path, member, year)  # checks the fiscal year too
    return _Table(kind, int(frame["year"].iloc[0]), frame, path, member)


def _check_one_per_year(tables: list[_Table]) -> None:
    seen: dict[tuple[str, int], str] = {}
    for table in tables:
        other = seen.setdefault((table.kind, table.year), table.source)
        if other != table.source:
            raise WorkbookError(
                f"{other} and {table.source} both hold the {table.year} {table.kind}",
                "import one of them",
            )


def _check_year(table: _Table) -> None:
    """Refuse a year without a conversion factor (the workbook could not price it), and RVUs
    whose conversion factor is another year's: the file would be labelled with a year it is
    not. (read_order_file checks the fiscal year of a code set.)"""
    if table.kind == "icd10":
        return
    factors = load_conversion_factors()
    years = sorted(set(factors["year"].tolist()))
    if table.year not in years:
        raise WorkbookError(
            f"{table.source} would be imported as {table.year}, a year without a conversion "
            f"factor in the workbook ({years[0]} to {years[-1]})",
            f"import a file of {years[0]} to {years[-1]}, or check --year",
        )
    if table.kind != "rvus":
        return
    own = factors.loc[factors["year"] == table.year, "conversion_factor"].tolist()
    for value in table.frame["conversion_factor"].unique():
        if value not in own:
            other = factors.loc[factors["conversion_factor"] == value, "year"].tolist()
            whose = f"{other[0]}'s" if other else "no year's"
            raise WorkbookError(
                f"{table.source}: its conversion factor {value:g} is {whose}, not {table.year}'s "
                f"({', '.join(f'{v:g}' for v in own)}); the file is not of {table.year}",
                "leave out --year, or import the file of the year you mean",
            )


def _save(table: _Table) -> None:
    if table.kind == "icd10":
        icd10.add_fiscal_year(table.path, member=table.member, codeset=table.frame)
    else:
        store.save(table.kind, table.frame, table.path, table.member)
