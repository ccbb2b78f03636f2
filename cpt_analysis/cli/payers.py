"""The ``payers`` command: payers' contracted rates as a percent of Medicare, the practice's mix
under each contract, charges at a percent of Medicare and money left on the table."""

from __future__ import annotations

import argparse

import pandas as pd

from ..errors import WorkbookError
from ..files import check_output

IN_EXCEL_ONLY = ("Payers vs Medicare", "Mix by code")  # long tables: written, not printed
SUFFIXES = {"--excel": (".xlsx",), "--rejected": (".csv", ".txt")}


def add_payers(sub: argparse._SubParsersAction, shared) -> None:
    p = sub.add_parser(
        "payers",
        help="payers' contracted rates as a percent of Medicare; charges at a percent of Medicare",
        description="Read a payer rates file (CSV or Excel: payer, code, modifier, allowed amount, "
        "optional effective dates) and print each rate beside the Medicare amount of the year, "
        "locality and setting, as a percent of Medicare. Every row is accepted or rejected with "
        "a reason. With --encounters, the practice's own mix under each contract; with "
        "--percent, charges at that percent of Medicare; with charges (the export's charge "
        "column or --charges), every code whose charge is below a payer's allowed amount.",
    )
    p.add_argument("path", nargs="?", help="rates file (default: the shipped synthetic sample)")
    p.add_argument("--year", type=int, default=2025, help="fee-schedule year (default 2025)")
    p.add_argument("--locality", help="Medicare locality (default national)")
    p.add_argument("--setting", default="nonfacility", help="facility, nonfacility or a POS code")
    p.add_argument(
        "--map", action="append", metavar='"COLUMN=FIELD"',
        help="read the rates file's COLUMN as FIELD (repeatable); fields: payer, cpt, modifier, "
        "allowed, effective_from, effective_to",
    )  # fmt: skip
    p.add_argument("--encounters", help="encounter export whose units weight each payer's rates")
    p.add_argument("--percent", help="build charges at this percent of Medicare, e.g. 200")
    p.add_argument("--rounding", help="rounding of built charges: cents (default), dollar, "
                   "dollar-up, 5, 5-up, 10, 10-up")  # fmt: skip
    p.add_argument("--charges", help="charge file (code, modifier, charge per unit); default: "
                   "the --encounters export's charge column")  # fmt: skip
    p.add_argument("--excel", help="write the tables to this .xlsx file")
    p.add_argument("--rejected", help="write the rejected rate rows with reasons to this .csv")
    p.set_defaults(func=_payers)


def _check(args: argparse.Namespace, rates: str) -> None:
    """Refuse contradicting options and outputs that would destroy data, before any work."""
    if args.rounding and not args.percent:
        raise WorkbookError(
            "--rounding needs --percent", "give --percent 200, say, or leave out --rounding"
        )
    inputs = [rates, args.encounters, args.charges]
    outputs = {"--excel": args.excel, "--rejected": args.rejected}
    for flag, path in outputs.items():
        if not path:
            continue
        others = [p for f, p in outputs.items() if f != flag]
        path = check_output(path, inputs=inputs, others=others, what=flag)
        if path.suffix.lower() not in SUFFIXES[flag]:
            raise WorkbookError(f"{flag} {path} is not a {' or '.join(SUFFIXES[flag])} file",
                                f"name it like x{SUFFIXES[flag][0]}")  # fmt: skip


def _payers(args: argparse.Namespace) -> None:
    from ..export import write_excel
    from ..practice.contracts import SAMPLE_RATES
    from ..practice.payer_report import payer_report

    path = args.path or str(SAMPLE_RATES)
    _check(args, path)
    report = payer_report(path, args.year, args.locality, args.setting, args.encounters,
                          args.percent, args.rounding or "cents", args.charges,
                          _mapping(args.map))  # fmt: skip
    done = []  # every file is written before anything is printed: a closed stdout loses none
    if args.rejected:
        done.append(f"rejected rows written to {report.rates.write_rejected(args.rejected)}")
    if args.excel:
        done.append(f"tables written to {write_excel(args.excel, report.sheets())}")
    print(report.headline)
    print(report.rates.summary())
    tables = report.tables()
    with pd.option_context("display.width", 200, "display.max_columns", 30,
                           "display.max_rows", 1000):  # fmt: skip
        for title, frame in tables:
            if len(frame) and title not in IN_EXCEL_ONLY:
                print(f"\n{title}:")
                print(frame.to_string(index=False, na_rep=""))
    unprinted = [title for title, _ in tables if title in IN_EXCEL_ONLY]
    if not args.excel:
        print(f"\n({', '.join(unprinted)}: with --excel)")
    for line in done:
        print(line)


def _mapping(items) -> dict:
    """{their column: field} of --map items, fields of a rates file (checked when read)."""
    out = {}
    for item in items or []:
        column, sep, name = (part.strip() for part in str(item).rpartition("="))
        if not sep or not column:
            raise WorkbookError(f"'{item}' is not COLUMN=FIELD", "write e.g. Plan=payer")
        out[column] = name.lower()
    return out
