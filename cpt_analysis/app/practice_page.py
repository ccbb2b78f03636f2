"""The practice report page: an encounter export (uploaded, or a path on this computer; none
for the shipped sample), the year, a locality, a provider and a column map; the report's
reconciliation, productivity, payment and audit, as notebook 04 shows them. No patient or
encounter identifier is shown: the report's tables hold none (issue 6)."""

from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path

import ipywidgets as w
from IPython.display import HTML

from ..practice import charts
from ..practice.imported import parse_mapping
from ..practice.report import practice_report
from . import pickers as pk
from .page import Page, Runner, table

UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")


def draw_practice(values: dict) -> list:
    """The practice report's tables and charts for the checked values."""
    report = practice_report(
        values["encounters_path"] or None,
        values["year"],
        values["locality"],
        values["provider"],
        parse_mapping(values["column_map"]),
    )
    return [
        HTML(f'<h3 class="cpt-headline">{escape(report.headline)}</h3>'),
        table(report.reconciliation, "Reconciliation"),
        charts.wrvu_trend(report.provider_month),
        table(report.provider_month, "Provider by month"),
        charts.code_mix(report.by_code),
        table(report.by_code, "By code"),
        charts.payment_by_month(report.provider_month),
        charts.audit_findings(report.findings_summary),
        table(report.findings_summary, "Audit summary"),
        table(report.findings.head(20), "Findings (first 20)"),
        table(report.imported.rejected.head(10), "Rejected rows (first 10)"),
    ]


def practice_params(values: dict) -> dict:
    """Notebook 04's parameters for the checked values."""
    names = ("encounters_path", "year", "locality", "provider", "column_map")
    return {k: values[k] for k in names}


def save_upload(name: str, content: bytes, folder: Path) -> Path:
    """Save an uploaded export under ``folder`` as ``upload`` with its own suffix (the name a
    browser sends is never used as a path); return the path."""
    suffix = Path(name).suffix.lower()
    target = folder / f"upload{suffix if suffix in UPLOAD_SUFFIXES else '.csv'}"
    for old in folder.glob("upload.*"):
        old.unlink()
    target.write_bytes(content)
    return target


def practice_page(run: Runner | None = None) -> Page:
    """The practice report page (``run``: :func:`reports.runner.run_one`, for the downloads)."""
    path = pk.text_picker(
        "encounters_path",
        "",
        "Export path",
        pk.check_export,
        "empty: the shipped sample",
    )
    upload = w.FileUpload(accept=",".join(UPLOAD_SUFFIXES), description="Upload export")
    folder = Path(tempfile.mkdtemp(prefix="cpt-workbook-upload-"))

    def uploaded(_) -> None:
        if upload.value:
            item = upload.value[0]
            path.widget.value = str(save_upload(item["name"], bytes(item["content"]), folder))

    upload.observe(uploaded, names="value")
    path.extra = [upload]
    return Page(
        "practice_report",
        [
            path,
            pk.year_picker(2025, description="Year of service"),
            pk.locality_picker("01112-05"),
            pk.text_picker("provider", "", "Provider", pk.check_text, "part of a name; empty: all"),
            pk.text_picker(
                "column_map", "", "Column map", pk.check_column_map, "Their column=field; ..."
            ),
        ],
        draw_practice,
        "04_practice_productivity",
        practice_params,
        run,
    )
