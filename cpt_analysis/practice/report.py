"""A practice's report in one call: import its encounter export, keep one year (and provider),
then productivity, payment and the pairing audit, with the import's reconciliation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import WorkbookError
from ..fees.payment import money
from ..files import check_output
from ..practice import audit, payment_rules, productivity
from ..validation import register
from .imported import BLANK, EncounterImport, parse_mapping
from .intake import OUTSIDE, read_encounters

SAMPLE = config.DATA_DIR / "sample_encounters.csv"
SUFFIXES = {"rejected": (".csv", ".txt"), "excel": (".xlsx",)}  # outputs of `practice`


@dataclass
class PracticeReport:
    """Aggregates of one practice, year and provider filter; no patient identifier anywhere."""

    source: str
    year: int
    locality: str
    provider: str
    imported: EncounterImport
    lines: int
    provider_month: pd.DataFrame
    by_code: pd.DataFrame
    findings: pd.DataFrame
    findings_summary: pd.DataFrame
    reconciliation: pd.DataFrame
    outside: int = 0  # lines outside the physician fee schedule: no RVUs, no amount
    payment_rules: pd.DataFrame | None = None  # each rule that touched the lines, and its dollars
    adjusted: pd.DataFrame | None = None  # the lines a payment modifier or the OPPS cap changed

    @property
    def headline(self) -> str:
        """One paragraph: lines analysed, wRVUs, payment and findings (and the lines outside
        the physician fee schedule, and how dates were read when the file writes them day
        first)."""
        pm = self.provider_month
        who = f"provider matching '{self.provider}'" if self.provider else "all providers"
        text = (
            f"{self.lines:,} claim lines of {self.year} for {who} ({self.source}): "
            f"{pm['wrvus'].sum():,.2f} work RVUs, {money(pm['payment'].sum())} Medicare payment "
            f"at {self.locality}; {len(self.findings):,} audit findings."
        )
        if self.outside:
            text += f" {_lines(self.outside)} {OUTSIDE}, with no RVUs and no amount."
        if self.imported.date_order == "day/month":
            text += " Dates were read day first (day/month), as the file writes them."
        return text

    @property
    def owed_line(self) -> str:
        """Who pays the payment of the headline: Medicare's 80% after the 2% sequestration and
        the patients' 20% coinsurance (each line rounded as a claim is), and what the payment
        modifiers and multiple-procedure reductions changed."""
        pm = self.provider_month
        text = (
            f"Of the {money(pm['payment'].sum())}, Medicare pays {money(pm['medicare_pays'].sum())} "
            f"after the 2% sequestration and patients owe {money(pm['coinsurance'].sum())} "
            "coinsurance (the deductible is not modelled)"
        )
        moved = pm["rule_adjustment"].sum()
        if moved:
            text += f"; payment modifiers and multiple procedures changed it by {money(moved, sign=True)}"
        return text + "."

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables of the report, by sheet name, for :func:`export.write_excel`."""
        return {
            "Reconciliation": self.reconciliation,
            "Provider by month": self.provider_month,
            "By code": self.by_code,
            "Payment rules": self.payment_rules,
            "Adjusted lines": self.adjusted,
            "Audit summary": self.findings_summary,
            "Findings": self.findings,
        }


def _reconciliation(
    imported: EncounterImport, kept: int, in_year: int, year: int, outside: int
) -> pd.DataFrame:
    """Rows of the file: accepted (with those of another year or provider, and the analysed
    lines outside the physician fee schedule), rejected (per reason) and skipped; accepted +
    rejected + skipped = rows in the file."""
    counts = imported.counts
    accepted = counts["accepted"]
    rows = [("rows in the file", counts["input"] + counts["blank_lines"]), ("accepted", accepted)]
    if accepted > in_year:
        rows.append((f"  accepted, not of {year}", accepted - in_year))
    if in_year > kept:
        rows.append(("  accepted, another provider", in_year - kept))
    if outside:
        rows.append((f"  accepted, {OUTSIDE}", outside))
    rows.append(("rejected", counts["rejected"]))
    reasons = imported.reason_counts()
    rows += [
        (f"  rejected: {r}", int(n))
        for r, n in zip(reasons["reason"], reasons["rows"], strict=True)
    ]
    rows.append((f"skipped: {BLANK}", counts["blank_lines"]))
    return pd.DataFrame(rows, columns=["item", "rows"])


def _no_lines(imported: EncounterImport, year: int, provider: str) -> WorkbookError:
    """The error for a report with no line: every row rejected (with the commonest reasons),
    no row at all, or none of the year and provider (with the years the file has)."""
    name, c = Path(imported.source).name, imported.counts
    if c["input"] == 0:
        return WorkbookError(f"{name} has no claim lines", "export the encounters with their rows")
    if c["accepted"] == 0:
        top = imported.reason_counts().head(3)
        common = "; ".join(
            f"{r}: {_rows(n)}" for r, n in zip(top["reason"], top["rows"], strict=True)
        )
        n = c["input"]
        every = f"all {_rows(n)} of {name} were" if n > 1 else f"the one row of {name} was"
        return WorkbookError(
            f"{every} rejected (commonest reasons: {common})",
            "check which column is read as each field, then correct the rows",
        )
    who = f" for a provider matching '{provider}'" if provider else ""
    years = imported.accepted["date_of_service"].dt.year.unique().tolist()
    have = f" (its accepted lines are of {', '.join(map(str, sorted(years)))})"
    return WorkbookError(
        f"{name} has no accepted lines in {year}{who}" + (have if year not in years else ""),
        "check the year and the provider filter",
    )


def _rows(n: int) -> str:
    return f"{n:,} row" + ("s" if n != 1 else "")


def _lines(n: int) -> str:
    return f"{n:,} line is" if n == 1 else f"{n:,} lines are"


def report_of(
    imported: EncounterImport, year: int = 2025, locality: object = None, provider: str = ""
) -> PracticeReport:
    """Return the :class:`PracticeReport` of an import: its accepted lines of ``year`` whose
    provider contains ``provider`` (any case). Raises WorkbookError for a year or provider with
    no lines (saying so plainly when every row was rejected) or an unknown locality."""
    year = int(year)
    lines = imported.accepted
    lines = lines[lines["date_of_service"].dt.year == year]
    in_year = len(lines)
    if provider:
        names = lines["provider"].astype(str)
        lines = lines[names.str.contains(provider, case=False, regex=False)]
    if lines.empty:
        raise _no_lines(imported, year, provider)
    result = productivity.productivity(lines, locality=locality)
    outside = int(productivity.outside(result["explain"]).sum())
    findings = audit.audit(lines, explained=result["explain"])
    return PracticeReport(
        source=Path(imported.source).name,
        year=year,
        locality=str(locality or "national"),
        provider=provider,
        imported=imported,
        lines=len(lines),
        provider_month=result["provider_month"],
        by_code=result["code"],
        findings=findings,
        findings_summary=audit.summary(findings, n_lines=len(lines)),
        reconciliation=_reconciliation(imported, len(lines), in_year, year, outside),
        outside=outside,
        payment_rules=payment_rules.summary(result["explain"]),
        adjusted=payment_rules.adjusted(result["explain"]),
    )


@register("column_map")
def _column_map(value: object) -> str:
    """Notebook 04's ``Their column=field; ...`` text, checked as ``--map`` is; kept as text."""
    text = str(value or "")
    parse_mapping(text)
    return text


@register("encounters_path")
def _export_path(value: object) -> str:
    """The encounter export to read, as an absolute path; empty for the shipped sample."""
    text = str(value or "").strip()
    if text and not Path(text).expanduser().is_file():
        raise WorkbookError(f"{text} is not a file", "give the path of a CSV or Excel export")
    return str(Path(text).expanduser().resolve()) if text else ""


def practice_report(
    path: str | Path | None = None,
    year: int = 2025,
    locality: object = None,
    provider: str = "",
    mapping: dict | None = None,
) -> PracticeReport:
    """Return the :class:`PracticeReport` of an encounter export (default: the shipped sample).

    ``mapping``: {their column: field} for columns not recognised by name (see
    :func:`encounters.parse_mapping`). Raises WorkbookError for a missing file, a file without
    the required columns or with no lines of the year and provider, or an unknown locality.
    """
    return report_of(read_encounters(path or SAMPLE, mapping), year, locality, provider)


def check_outputs(source: str | Path, **outputs: str | None) -> None:
    """Refuse, before any work, output files that would be lost or would destroy data.

    ``outputs``: {option name: path or None}, e.g. ``rejected="fix.csv", excel="t.xlsx"``.
    Raises WorkbookError (see :func:`files.check_output`) for a path that is a folder, the
    input or another output; also for the wrong suffix (.csv or .txt for rejected rows, .xlsx
    for Excel) or a folder that cannot be written.
    """
    for option, path in outputs.items():
        if not path:
            continue
        flag, suffixes = f"--{option}", SUFFIXES[option]
        others = [p for o, p in outputs.items() if o != option]
        path = check_output(path, inputs=[source], others=others, what=flag)
        if path.suffix.lower() not in suffixes:
            raise WorkbookError(
                f"{flag} {path} is not a {' or '.join(suffixes)} file",
                f"name it like x{suffixes[0]}",
            )
        folder = next(p for p in path.absolute().parents if p.exists())
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            why = "is not a folder" if not folder.is_dir() else "cannot be written to"
            raise WorkbookError(f"{flag} {path}: {folder} {why}", "choose another folder")
