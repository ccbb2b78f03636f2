"""A practice's report in one call: import its encounter export, keep one year (and provider),
then productivity, payment and the pairing audit, with the import's reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import audit, config, productivity
from .encounters import EncounterImport, read_encounters
from .errors import WorkbookError

SAMPLE = config.DATA_DIR / "sample_encounters.csv"


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

    @property
    def headline(self) -> str:
        """One paragraph: lines analysed, wRVUs, payment and findings (and how dates were read,
        when the file writes them day first)."""
        pm = self.provider_month
        who = f"provider matching '{self.provider}'" if self.provider else "all providers"
        text = (
            f"{self.lines:,} claim lines of {self.year} for {who} ({self.source}): "
            f"{pm['wrvus'].sum():,.2f} work RVUs, ${pm['payment'].sum():,.2f} Medicare payment "
            f"at {self.locality}; {len(self.findings):,} audit findings."
        )
        if self.imported.date_order == "day/month":
            text += " Dates were read day first (day/month), as the file writes them."
        return text


def _reconciliation(imported: EncounterImport) -> pd.DataFrame:
    counts = imported.counts
    rows = [
        ("rows in the file", counts.get("input", 0)),
        ("accepted", counts.get("accepted", 0)),
        ("rejected", counts.get("rejected", 0)),
    ]
    reasons = imported.reason_counts()
    rows += [
        (f"  rejected: {r}", int(n))
        for r, n in zip(reasons.iloc[:, 0], reasons.iloc[:, 1], strict=True)
    ]
    return pd.DataFrame(rows, columns=["item", "rows"])


def practice_report(
    path: str | Path | None = None, year: int = 2025, locality: object = None, provider: str = ""
) -> PracticeReport:
    """Return the :class:`PracticeReport` of an encounter export (default: the shipped sample).

    Keeps the accepted lines of ``year`` whose provider contains ``provider`` (any case). Raises
    WorkbookError for a missing file, a file without the required columns, a year or provider
    with no lines, or an unknown locality.
    """
    path = Path(path) if path else SAMPLE
    imported = read_encounters(path)
    lines = imported.accepted
    lines = lines[lines["date_of_service"].dt.year == int(year)]
    if provider:
        names = lines["provider"].astype(str)
        lines = lines[names.str.contains(provider, case=False, regex=False)]
    if lines.empty:
        who = f" for a provider matching '{provider}'" if provider else ""
        raise WorkbookError(
            f"{path.name} has no accepted lines in {year}{who}",
            "check the year and the provider filter",
        )
    result = productivity.productivity(lines, locality=locality)
    findings = audit.audit(lines)
    return PracticeReport(
        source=path.name,
        year=int(year),
        locality=str(locality or "national"),
        provider=provider,
        imported=imported,
        lines=len(lines),
        provider_month=result["provider_month"],
        by_code=result["code"],
        findings=findings,
        findings_summary=audit.summary(findings, n_lines=len(lines)),
        reconciliation=_reconciliation(imported),
    )
