"""The ``compare-years`` command: a practice's own lines priced in two years (or with and without
the qualifying-APM conversion factor), the change split by cause."""

from __future__ import annotations

import argparse

import pandas as pd

from .options import read_export


def add_compare_years(sub: argparse._SubParsersAction, shared) -> None:
    p = sub.add_parser(
        "compare-years",
        parents=[shared.export],
        help="next year on your own mix: payment and wRVU change by cause",
        description="Hold a practice's volume fixed: every accepted line of the export is "
        "re-dated into each year (same month and day) and priced as any line of that date "
        "(the release and conversion factor in force, so 2024's two factors come by date). The "
        "change per code, per provider and in total is split work -> PE -> MP -> GPCI -> "
        "conversion factor (in that order), plus lines paid in one year only and rounding, "
        "adding up to the change to the cent. No output holds a patient or encounter id.",
    )
    p.add_argument("--from", dest="year_from", type=int, required=True, help="earlier year")
    p.add_argument("--to", dest="year_to", type=int, required=True, help="later year")
    p.add_argument(
        "--from-apm",
        action="store_true",
        help="price the earlier year with the qualifying-APM conversion factor",
    )
    p.add_argument(
        "--to-apm",
        action="store_true",
        help="price the later year with the qualifying-APM factor (--from 2026 --to 2026 "
        "--to-apm compares 2026's two factors)",
    )
    p.add_argument(
        "--from-release",
        default="",
        metavar="RELEASE",
        help="price the earlier year with this one shipped RVU release (RVU24A) rather than the "
        "release in force on each date",
    )
    p.add_argument(
        "--to-release",
        default="",
        metavar="RELEASE",
        help="the same for the later year (--from 2024 --to 2024 --from-release RVU24A "
        "--to-release RVU24C compares two releases of 2024)",
    )
    p.add_argument("--locality", help="Medicare locality for payment (default national)")
    p.add_argument("--excel", help="write the tables to this .xlsx file")
    p.set_defaults(func=_compare_years)


def _compare_years(args: argparse.Namespace) -> None:
    from ..export import write_excel
    from ..practice.year_over_year import Side, compare_years

    imported = read_export(args, excel=args.excel)
    result = compare_years(
        imported.accepted,
        Side(args.year_from, args.from_apm, args.from_release),
        Side(args.year_to, args.to_apm, args.to_release),
        args.locality,
    )
    written = write_excel(args.excel, result.sheets()) if args.excel else None
    print(result.headline)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(result.effects.to_string(index=False))
        print(result.factors.to_string(index=False))
        print(result.by_code.drop(columns=["name"]).head(11).to_string(index=False))
    if len(result.by_code) > 11:
        print(f"... {len(result.by_code) - 11} more codes (and the total) in --excel")
    if written:
        print(f"tables written to {written}")
