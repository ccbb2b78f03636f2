"""Commands on the reference tables: ``import-cms``, ``icd10`` and ``store``."""

from __future__ import annotations

import argparse

import pandas as pd

from .. import config
from ..errors import WorkbookError
from .options import Shared


def add_import_cms(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "import-cms",
        help="import official CMS files into the local store",
        description=f"Import CMS files into the local store ({shared.store}): an RVU zip as CMS "
        "ships it (its RVU, GPCI and locality files; other members listed as skipped, with "
        "why), a PPRRVU file (CSV or TXT), a GPCI or LOCCO file, or an ICD-10-CM order file. "
        "What a file says about its year and release wins; nothing is saved unless every file "
        "given is read whole and its figures are plausible.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="file(s) as downloaded from CMS")
    p.add_argument(
        "--kind",
        choices=["rvus", "gpci", "locality", "icd10"],
        help="kind of file when its name does not say; with a zip, import only that kind",
    )
    p.add_argument(
        "--year",
        type=int,
        help="year (or fiscal year) when the file does not say; refused if it contradicts the file",
    )
    p.add_argument(
        "--release",
        choices=list("ABCD"),
        help="RVU release letter when the file does not say (A Jan, B Apr, C Jul, D Oct)",
    )
    p.add_argument(
        "--qpp",
        action="store_true",
        help="from a bundle with both, import the QPP RVU file instead of the non-QPP one",
    )
    p.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> None:
    from ..reference.importer import import_files

    print(import_files(args.paths, args.kind, args.year, args.release, args.qpp))


def add_icd10(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "icd10",
        parents=[shared.date],
        help="check ICD-10-CM codes for billability",
        description="Say whether each ICD-10-CM code is billable, a header (with "
        "its billable children) or unknown on a date of service.",
    )
    p.add_argument("codes", nargs="+", metavar="CODE", help="codes, with or without the dot")
    p.add_argument("--strict", action="store_true", help="exit 1 if any code is not billable")
    p.set_defaults(func=_icd10)


def _icd10(args: argparse.Namespace) -> int:
    from ..reference.icd10 import check_many

    table = check_many(args.codes, args.date)
    for _, r in table.iterrows():
        desc = r["description"] if isinstance(r["description"], str) else ""
        line = f"{r['input']:<10} {r['status']:<10} {desc}"
        if r["billable_children"]:
            line += f"  -> billable children: {r['billable_children']}"
        elif r["status"] not in ("billable", "header", "malformed", "not in use") and r["detail"]:
            line += f"  ({r['detail']})"
        print(line)
    print(f"(date of service in FY{table['fiscal_year'].iloc[0]}; {table['basis'].iloc[0]})")
    return 1 if args.strict and not table["billable"].all() else 0


def add_store(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "store",
        help="list what is imported into the local store, or remove an import",
        description="List the imported tables (kind, year, release, rows, when, source file), "
        "or remove one with --remove KIND YEAR so that the shipped tables are used again. "
        f"The store: {shared.store}.",
    )
    p.add_argument(
        "--remove",
        nargs=2,
        metavar=("KIND", "YEAR"),
        help="remove one import, e.g. --remove rvus 2026 (kinds: rvus, gpci, locality, icd10)",
    )
    p.set_defaults(func=_store)


def _store(args: argparse.Namespace) -> None:
    from ..errors import IMPORT_HINT
    from ..reference import store

    if args.remove:
        kind, year = args.remove
        if not year.strip().isdigit():
            raise WorkbookError(f"'{year}' is not a year", "write it as 2026")
        entry = store.remove(kind, int(year))
        what = ", ".join(str(entry[k]) for k in ("release", "source_file") if entry.get(k))
        print(f"removed the {int(year)} {kind} import{f' ({what})' if what else ''}")
        return
    table = store.entries()
    if table.empty:
        print(f"nothing is imported in {config.store_dir()}: {IMPORT_HINT}")
        return
    table["rows"] = table["rows"].map(lambda n: f"{int(n):,}" if pd.notna(n) else "?")
    table["source"] = table["source"].replace("", "(not in the manifest)")
    print(f"imported into {config.store_dir()}:")
    print(table.to_string(index=False))
