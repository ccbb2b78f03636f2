"""The ``practice`` command: productivity, payment and audit of an encounter export."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from ..errors import WorkbookError
from .options import Shared, read_export


def add_practice(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "practice",
        parents=[shared.export],
        help="productivity, payment and audit of an encounter export",
        description="Import a practice's encounter export (CSV or Excel): every row accepted or "
        "rejected with a reason, wRVUs and payment by provider and month, and the pairing audit. "
        "Only the columns read as a field are read; a patient or encounter id only groups visits "
        "and no output ever holds one.",
    )
    p.add_argument("--year", type=int, default=2025, help="year of the dates of service")
    p.add_argument("--locality", help="Medicare locality for payment (default national)")
    p.add_argument("--provider", help="part of a provider name to keep")
    p.add_argument("--excel", help="write the tables to this .xlsx file")
    p.add_argument(
        "--rejected",
        help="write the rejected rows (row number, the fields read and the reasons) to this .csv "
        "for correction",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="after the first line, print one JSON object for scripts (lines, work RVUs, payment, "
        "findings by kind, rows accepted and rejected, files written) instead of the tables",
    )
    p.set_defaults(func=_practice)


def _about(report, args: argparse.Namespace) -> dict:
    """The Excel About sheet's items: the file, year, locality and provider, and the RVU
    releases (with their CMS files) the year is priced with."""
    from ..reports.sources import rvu_sources

    return {
        "Report": "practice productivity, payment and audit (cpt-workbook practice)",
        "Encounter export": report.source,
        "Year of service": report.year,
        "Locality": report.locality,
        "Provider filter": args.provider or "all providers",
        "Data sources and releases": rvu_sources(report.year),
    }


def summary(report, written: dict) -> dict:
    """The practice report's figures for scripts: the headline's numbers and more."""
    pm, imported = report.provider_month, report.imported
    counts = report.findings_summary.set_index("finding")["findings"] if len(
        report.findings_summary
    ) else pd.Series(dtype=int)  # fmt: skip
    return {
        "source": report.source,
        "year": report.year,
        "locality": report.locality,
        "provider_filter": report.provider or None,
        "claim_lines": int(report.lines),
        "work_rvus": round(float(pm["wrvus"].sum()), 2),
        "total_rvus": round(float(pm["total_rvus"].sum()), 2),
        "medicare_payment": round(float(pm["payment"].sum()), 2),
        "mppr_reduction": round(float(pm["mppr_reduction"].sum()), 2),
        "rule_adjustment": round(float(pm["rule_adjustment"].sum()), 2),
        "medicare_pays": round(float(pm["medicare_pays"].sum()), 2),
        "coinsurance": round(float(pm["coinsurance"].sum()), 2),
        "unpaid_lines": int(pm["unpaid_lines"].sum()),
        "providers": int(pm["provider"].nunique()),
        "audit_findings": int(len(report.findings)),
        "findings_by_kind": {str(k): int(v) for k, v in counts.items()},
        "rows": {
            "in_file": int(imported.counts["input"] + imported.counts["blank_lines"]),
            "accepted": int(imported.counts["accepted"]),
            "rejected": int(imported.counts["rejected"]),
        },
        "written": written,
    }


def _practice(args: argparse.Namespace) -> None:
    from ..export import write_excel
    from ..practice.report import report_of

    imported = read_export(args, rejected=args.rejected, excel=args.excel)
    columns = " ".join(  # shell-quoted: the line can be pasted back
        '--map "' + "".join("\\" + c if c in '"\\$`' else c for c in f"{column}={name}") + '"'
        for name, column in imported.mapping.items()
    )
    done = []  # every file is written before anything is printed: a closed stdout loses none
    written = {}
    if args.rejected:
        written["rejected"] = str(imported.write_rejected(args.rejected))
        done.append(f"rejected rows written to {written['rejected']}")
    try:
        report = report_of(imported, args.year, args.locality, args.provider or "")
    except WorkbookError as exc:  # the one line says where the rejected rows are
        if not args.rejected:
            raise
        where = f"the rejected rows and their reasons are in {args.rejected}"
        raise WorkbookError(exc.problem, f"{exc.fix}; {where}") from None
    if args.excel:
        written["excel"] = str(write_excel(args.excel, report.sheets(), about=_about(report, args)))
        done.append(f"tables written to {written['excel']}")
    print(report.headline)
    if args.json:
        print(json.dumps(summary(report, written), ensure_ascii=False))
        return
    print(f"columns: {columns}")
    print(report.owed_line)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(report.reconciliation.to_string(index=False))
        print(
            report.findings_summary.drop(columns=["note"], errors="ignore").to_string(index=False)
        )
    for line in done:
        print(line)
