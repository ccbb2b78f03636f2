"""The ``compensation`` command: a wRVU compensation plan applied to a practice's export."""

from __future__ import annotations

import argparse

import pandas as pd

from .options import read_export


def add_compensation(sub: argparse._SubParsersAction, shared) -> None:
    p = sub.add_parser(
        "compensation",
        parents=[shared.export],
        help="wRVU compensation: monthly and year-to-date accrual per provider under a plan",
        description="Apply a compensation plan (a YAML file: base salary, wRVU threshold, tiers "
        "of dollars per wRVU, which year's RVUs count, credit rules for 26/TC and assistant "
        "modifiers; see data/sample_comp_plan.yaml) to an encounter export: credited wRVUs, "
        "bonus and base salary accrued month by month and year to date per provider. "
        "--other-rvu-year shows the same lines under another year's RVUs: what the plan's RVU "
        "clause is worth. No benchmark is shipped: put figures you hold under the plan's "
        "benchmarks.",
    )
    p.add_argument(
        "--plan",
        help="the plan, a .yaml file or a .csv table of item,value,dollars_per_wrvu rows "
        "(default: the shipped sample plan)",
    )
    p.add_argument("--year", type=int, help="keep the lines of this calendar year only")
    p.add_argument(
        "--other-rvu-year",
        help="also count this year's RVUs (or 'current': each line's own year) and show the "
        "difference per provider",
    )
    p.add_argument("--excel", help="write the tables to this .xlsx file")
    p.set_defaults(func=_compensation)


def _compensation(args: argparse.Namespace) -> None:
    from ..export import write_excel
    from ..practice import compensation as comp
    from ..practice.comp_plan import read_plan
    from ..reference.loaders import as_year

    plan_path = args.plan or comp.SAMPLE_PLAN
    other = args.other_rvu_year
    other = None if other is None or other.strip().lower() == "current" else as_year(other)
    plan = read_plan(plan_path)
    # --excel is .xlsx only: never the plan (.yaml) nor the export
    lines = read_export(args, excel=args.excel).accepted
    lines = comp.of_year(lines, args.year)
    monthly = comp.accrual(lines, plan)
    sheets = {"Summary": comp.summary(monthly, plan), "Monthly accrual": monthly}
    if args.other_rvu_year is not None:
        sheets["RVU clause"] = comp.rvu_clause(lines, plan, other)
    written = write_excel(args.excel, sheets) if args.excel else None
    print(comp.headline(monthly, plan))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for name, table in sheets.items():
            if name != "Monthly accrual":
                print(table.to_string(index=False))
    if written:
        print(f"tables written to {written}")
