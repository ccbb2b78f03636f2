"""Commands on Medicare's edits and E/M levels: ``ncci`` (look up codes, import a quarter),
``therapy-threshold`` (the KX threshold per patient of an export) and ``em-levels`` (the E/M
level distribution of an export)."""

from __future__ import annotations

import argparse

import pandas as pd

from ..errors import WorkbookError
from .options import Shared, read_export


def add_ncci(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "ncci",
        help="Medicare's NCCI edits for codes: pairs, MUE, add-on primaries",
        description="Show what Medicare's NCCI practitioner edits say about CPT/HCPCS codes: "
        "the procedure-to-procedure pairs among them (for one code, every pair it is in), each "
        "code's medically unlikely edit (units and whether per line or per day) and the "
        "primary codes of an add-on code. The shipped quarter is 2024Q3; --import adds a newer "
        f"quarter's CMS files to the local store ({shared.store}).",
    )
    p.add_argument("codes", nargs="*", metavar="CODE", help="CPT/HCPCS codes, e.g. 97012 97140")
    p.add_argument("--quarter", help="NCCI quarter, e.g. 2024Q3 (default: the newest)")
    p.add_argument(
        "--import",
        dest="folder",
        metavar="FOLDER",
        help="import a quarter from the folder of its unzipped CMS files (PTP, MUE, add-on "
        "codes); the quarter is read from the file names unless --quarter gives it",
    )
    p.set_defaults(func=_ncci)


def _ncci(args: argparse.Namespace) -> None:
    from ..reference import ncci

    if args.folder and args.codes:
        raise WorkbookError("give codes or --import FOLDER, not both", "run them one at a time")
    if args.folder:
        rows = ncci.import_quarter(args.folder, args.quarter)
        print(
            f"imported NCCI {rows['quarter']}: {rows['ptp']:,} active pairs, {rows['mue']:,} MUE codes, "
            f"{rows['aoc']:,} add-on rows"
        )
        return
    if not args.codes:
        raise WorkbookError("no code given", "e.g. `cpt-workbook ncci 97012 97140`")
    found = ncci.lookup(args.codes, args.quarter)
    label = ncci.label(found["quarter"])
    pairs = found["pairs"]
    print(f"{label} practitioner edits")
    with pd.option_context("display.width", 160, "display.max_columns", 10):
        _print_pairs(pairs, len(args.codes))
        mue = pd.DataFrame(
            [
                (m.hcpcs, "" if pd.isna(m.mue_units) else str(int(m.mue_units)),
                 "no MUE" if pd.isna(m.mue_units) else m.applies,
                 "" if pd.isna(m.rationale) else str(m.rationale))
                for m in found["mue"].itertuples()
            ],
            columns=["hcpcs", "mue_units", "applies", "rationale"],
        )  # fmt: skip
        print("\nMedically unlikely edits:")
        print(mue.to_string(index=False))
        if len(found["add_on"]):
            print("\nAdd-on codes and their primary codes:")
            aoc = found["add_on"][["add_on", "primary", "aoc_edit_type", "edit_type"]]
            print(aoc.to_string(index=False))


def _print_pairs(pairs: pd.DataFrame, n_codes: int) -> None:
    if pairs.empty:
        print("No procedure-to-procedure pair among these codes.")
        return
    shown = pairs[["column_1", "column_2", "modifier_indicator", "rationale"]].copy()
    shown["together"] = shown["modifier_indicator"].map(
        {0: "never", 1: "with a distinct-service modifier on column 2"}
    )
    more = "" if n_codes > 1 or len(shown) <= 40 else f" (first 40 of {len(shown):,})"
    print(f"Procedure-to-procedure pairs (column 2 is denied){more}:")
    print(shown.head(40 if n_codes == 1 else len(shown)).to_string(index=False))


def add_em_levels(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "em-levels",
        parents=[shared.export],
        help="E/M office visit levels per provider and practice-wide",
        description="Show the share of each office visit level (99202-99205 new patients, "
        "99211-99215 established) per provider and for the whole practice, and the providers "
        "whose levels differ markedly from the rest of the practice. No national benchmark "
        "ships with the workbook; give one you have with --benchmark.",
    )
    p.add_argument("--year", type=int, default=2025, help="year of the dates of service")
    p.add_argument(
        "--benchmark",
        metavar="CSV",
        help="a benchmark of level shares: columns code and share (percent of its family)",
    )
    p.add_argument("--excel", help="write the tables to this .xlsx file")
    p.set_defaults(func=_em_levels)


def _em_levels(args: argparse.Namespace) -> None:
    from ..export import write_excel
    from ..files import check_output
    from ..practice import em_levels
    from ..practice.report import SAMPLE

    path = args.path or SAMPLE
    if args.excel:
        check_output(args.excel, inputs=[path, args.benchmark], what="--excel")
        if not str(args.excel).lower().endswith(".xlsx"):
            raise WorkbookError(f"--excel {args.excel} is not a .xlsx file", "name it like x.xlsx")
    bench = em_levels.load_benchmark(args.benchmark) if args.benchmark else None
    lines = read_export(args).accepted
    lines = lines[lines["date_of_service"].dt.year == int(args.year)]
    dist = em_levels.distribution(lines)
    if dist.empty:
        raise WorkbookError(f"no office visit (E/M) lines of {args.year} in {path}")
    table = em_levels.outliers(lines)
    sheets = {"EM levels": dist, "Providers compared": table}
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        for family, codes in em_levels.FAMILIES.items():
            mine = dist[dist["family"] == family]
            if mine.empty:
                continue
            wide = mine.pivot(index="provider", columns="code", values="share_percent")
            print(
                f"E/M levels, {family} office visits of {args.year}: share of each provider's (%)"
            )
            print(wide.reindex(columns=list(codes)).to_string(), end="\n\n")
        print(f"Providers compared with the rest of the practice (differs: {em_levels.MIN_LINES}+ "
              f"lines and {em_levels.MIN_DISTANCE:g}+ points apart):")  # fmt: skip
        print(table.to_string(index=False))
        if bench is not None:
            compared = em_levels.compare(dist, bench)
            sheets["Benchmark"] = compared
            print("\nThe practice against your benchmark:")
            print(compared.to_string(index=False))
    if args.excel:
        print(f"tables written to {write_excel(args.excel, sheets)}")


def add_therapy_threshold(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "therapy-threshold",
        parents=[shared.export],
        help="therapy past Medicare's yearly KX threshold, per patient (numbered, never named)",
        description="Add up, per patient and year, the Medicare allowed amounts of the therapy "
        "lines of an export (after the therapy reduction; physical and speech therapy together, "
        "occupational therapy apart, by the GP, GN and GO modifiers) and show each case past "
        "the year's KX threshold: the date it was passed, the lines after it without KX, and "
        "whether the $3,000 targeted-review amount was passed. Patients are numbered; no "
        "identifier is shown. Only the file's lines count toward a patient's total.",
    )
    p.add_argument("--year", type=int, default=2025, help="year of the dates of service")
    p.add_argument("--locality", help="Medicare locality for the amounts (default national)")
    p.add_argument("--all", action="store_true", help="show every case, not only those past")
    p.set_defaults(func=_therapy_threshold)


def _therapy_threshold(args: argparse.Namespace) -> None:
    from ..practice.productivity import explain
    from ..practice.report import SAMPLE
    from ..practice.therapy_threshold import load_thresholds, threshold_cases

    path = args.path or SAMPLE
    limits = load_thresholds().set_index("year")
    year = int(args.year)
    if year not in limits.index:
        raise WorkbookError(
            f"no KX threshold for {year} in data/kx_thresholds.csv",
            f"the table covers {limits.index.min()}-{limits.index.max()}",
        )
    lines = read_export(args).accepted
    lines = lines[lines["date_of_service"].dt.year == year]
    if lines.empty:
        raise WorkbookError(f"no lines of {year} in {path}", "check the year and the file")
    cases = threshold_cases(lines, explain(lines, locality=args.locality))
    print(
        f"KX threshold {year}: ${limits.loc[year, 'threshold']:,.0f} per patient "
        f"({limits.loc[year, 'source'].split(';')[0]}); targeted review past "
        f"${limits.loc[year, 'targeted_review']:,.0f}"
    )
    past = cases if args.all else cases[cases["crossed_on"].notna()]
    if past.empty:
        print(f"No patient's therapy passed the threshold ({len(cases):,} cases).")
        return
    shown = past.assign(crossed_on=past["crossed_on"].dt.strftime("%Y-%m-%d").fillna(""))
    shown["targeted_review_on"] = past["targeted_review_on"].dt.strftime("%Y-%m-%d").fillna("")
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        print(shown.drop(columns=["threshold", "targeted_review"]).to_string(index=False))
