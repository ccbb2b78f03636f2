"""The reports folder's front page: ``index.html`` lists every report of the folder, one entry
per run (its notebook's title, parameters and date, with links to its HTML report, its Excel
workbook and its executed notebook), grouped by notebook and newest first; offline (no script,
no link outside the folder).

The page is rebuilt from the folder's files each time (:func:`write_gallery`), so a report
removed by hand disappears from it at the next run, and two runs never need to agree on state.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..files import atomic_write

INDEX = "index.html"
MARK = '<meta name="generator" content="cpt-workbook reports page">'


@dataclass(frozen=True)
class Entry:
    """One report of the folder: its files (HTML always; Excel and notebook where present)."""

    notebook: str
    title: str
    params: dict = field(hash=False)
    made: dt.datetime
    html: Path
    excel: Path | None
    executed: Path | None


def _read(executed: Path) -> dict:
    try:
        return json.loads(executed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def notebook_title(nb: dict, fallback: str) -> str:
    """Return the first heading of a notebook's first markdown cells, or ``fallback``."""
    for cell in nb.get("cells", [])[:3]:
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", ""))
            found = re.search(r"^#\s+(.+)$", text, re.M)
            if found:
                return found.group(1).strip()
    return fallback


def _made(meta: dict, report: Path) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(meta["end_time"]).astimezone(dt.UTC)
    except (KeyError, TypeError, ValueError):
        return dt.datetime.fromtimestamp(report.stat().st_mtime, dt.UTC)


def entries(folder: Path) -> list[Entry]:
    """Return the reports of ``folder`` (an HTML file with its executed notebook beside it),
    grouped by notebook (in the notebooks' order), newest first within a notebook."""
    found = []
    for report in folder.glob("*.html"):
        executed = report.with_suffix(".ipynb")
        if report.name == INDEX or not executed.is_file():
            continue  # a page that is no notebook's report (an article, the index itself)
        nb = _read(executed)
        meta = nb.get("metadata", {}).get("papermill", {})
        stem = Path(str(meta.get("input_path") or report.stem.split("__")[0])).stem
        excel = report.with_suffix(".xlsx")
        found.append(
            Entry(
                notebook=stem,
                title=notebook_title(nb, stem),
                params=meta.get("parameters") or {},
                made=_made(meta, report),
                html=report,
                excel=excel if excel.is_file() else None,
                executed=executed,
            )
        )
    found.sort(key=lambda e: e.made, reverse=True)
    found.sort(key=lambda e: e.notebook)  # stable: newest first within each notebook
    return found


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:60em;
padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
ul{list-style:none;padding:0}li{margin:.6em 0}.when{color:#555;font-variant-numeric:tabular-nums}
.params{font-family:ui-monospace,monospace;font-size:.9em}a{margin-right:.8em}
"""


def _params(params: dict) -> str:
    if not params:
        return "default parameters"
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _link(path: Path | None, text: str) -> str:
    if path is None:
        return ""
    return f'<a href="{html.escape(quote(path.name))}">{text}</a>'


def page(folder: Path) -> str:
    """Return the index page of ``folder`` as HTML text."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8">{MARK}',
        "<title>CPT Analysis Workbook reports</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>CPT Analysis Workbook reports</h1>",
    ]
    found = entries(folder)
    if not found:
        parts.append("<p>No reports yet: run <code>cpt-workbook run NOTEBOOK</code>.</p>")
    current = None
    for e in found:
        if e.notebook != current:
            if current is not None:
                parts.append("</ul>")
            current = e.notebook
            parts.append(f"<h2>{html.escape(e.title)} <small>({html.escape(e.notebook)})</small>")
            parts.append("</h2><ul>")
        when = e.made.strftime("%Y-%m-%d %H:%M UTC")
        parts.append(
            f'<li><span class="when">{when}</span> &middot; '
            f'<span class="params">{html.escape(_params(e.params))}</span><br>'
            + _link(e.html, "HTML report")
            + _link(e.excel, "Excel workbook")
            + _link(e.executed, "executed notebook")
            + "</li>"
        )
    if current is not None:
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def ours(target: Path) -> bool:
    """True when ``target`` is absent or a reports page this module wrote (and may replace)."""
    if not target.exists():
        return True
    if not target.is_file():
        return False
    try:
        with target.open(encoding="utf-8", errors="replace") as fh:
            return MARK in fh.read(4096)
    except OSError:
        return False


def write_gallery(folder: str | Path) -> Path | None:
    """Write (or rewrite) ``folder``/index.html from the reports in the folder; return its path.

    An index.html that this module did not write (a user's own page, or a folder of that name)
    is left as it is, and None is returned."""
    target = Path(folder) / INDEX
    if not ours(target):
        return None
    text = page(Path(folder))
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
