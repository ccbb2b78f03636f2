"""Benchmark what sortable, searchable tables cost a report: size, export time and load time.

Notebook 04 is run once on the shipped sample (its provider-by-month table has about 100
rows, its by-code table about 40); its executed notebook is then exported twice by
:func:`reports.runner.export_html`:

* ``static``: the presentation layer's plain HTML tables only (labels, formats, scrolling);
* ``sortable``: the same, plus itables' DataTables bundle inlined once (offline) and the long
  tables made sortable and searchable.

For each: the HTML's size, the export time (best of 3), and in headless Chromium with the
network cut, the time to the load event and until every long table is sortable (best of 3).
great-tables is not measured: it is not a dependency, and its tables are static (no sorting).
Results go to stdout and benchmarks/out/tables.md. A script, not a test:

    python benchmarks/bench_tables.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
REPEAT = 3


def export(executed: Path, target: Path, sortable: bool) -> float:
    from cpt_analysis.reports import runner

    keep = runner.sortable_tables
    if not sortable:
        runner.sortable_tables = lambda body: body
    try:
        best = float("inf")
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            runner.export_html(executed, target)
            best = min(best, time.perf_counter() - t0)
    finally:
        runner.sortable_tables = keep
    return best


def load_times(page_path: Path, chromium: str, sortable: bool) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    loads, readies = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for _ in range(REPEAT):
            page = browser.new_page()
            page.route(
                "**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_()
            )
            t0 = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="load")
            loads.append(time.perf_counter() - t0)
            if sortable:
                page.wait_for_function(
                    "[...document.querySelectorAll('table.cpt-long')]"
                    ".every(t => t.classList.contains('dataTable'))",
                    timeout=30_000,
                )
            readies.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    return min(loads), min(readies)


def main() -> int:
    os.environ.setdefault("CPT_WORKBOOK_STORE", tempfile.mkdtemp())
    sys.path.insert(0, str(ROOT))
    from cpt_analysis.reports.runner import run_one

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as tmp:
        result = run_one("04_practice_productivity", {}, tmp)
        assert result.ok, result.error
        long_tables = result.html.read_text().count('class="cpt-table cpt-long"')
        rows = []
        for sortable in (False, True):
            target = Path(tmp) / f"report-{'sortable' if sortable else 'static'}.html"
            seconds = export(result.executed, target, sortable)
            size = target.stat().st_size
            load, ready = load_times(target, chromium, sortable) if chromium else (None, None)
            rows.append((sortable, size, seconds, load, ready))
    lines = [
        f"Notebook 04's report on the shipped sample ({long_tables} long tables), best of "
        f"{REPEAT}; Chromium headless, network cut.",
        "",
        "| tables | HTML size | export | load event | tables sortable |",
        "|---|---:|---:|---:|---:|",
    ]
    for sortable, size, seconds, load, ready in rows:
        shown = f"{load:.2f} s | {ready:.2f} s" if load is not None else "no chromium | no chromium"
        name = "sortable (DataTables inlined)" if sortable else "static"
        lines.append(f"| {name} | {size / 1e6:.2f} MB | {seconds:.2f} s | {shown} |")
    added = rows[1][1] - rows[0][1]
    lines += ["", f"DataTables adds {added / 1e3:,.0f} kB to a report that has a long table "
              "(none to one that has not)."]  # fmt: skip
    text = "\n".join(lines) + "\n"
    OUT.mkdir(exist_ok=True)
    (OUT / "tables.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
