"""The exported HTML report in a real headless Chromium, with no network: every chart renders."""

import re
import subprocess

import pytest

from cpt_analysis.reports.runner import run_one

pytestmark = pytest.mark.slow  # a kernel per report, then Chromium

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--virtual-time-budget=15000",
    "--dump-dom",
]


@pytest.mark.parametrize(
    "name, params",
    [("00_training_tour", {}), ("01_code_card", {"cpt_code": "72148"}), ("02_rvu_explorer", {})],
)
def test_every_chart_renders_offline(chromium, tmp_path, name, params):
    result = run_one(name, params, tmp_path)
    assert result.ok, result.error
    html = result.html.read_text()
    charts = html.count('class="plotly-graph-div"')
    assert charts >= 2
    assert html.count("plotly.js v") == 1  # inlined once
    assert not re.search(r"<script[^>]+src=\"https?:", html)  # nothing fetched from a network
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", result.html.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert dom.count('class="main-svg"') >= charts  # each chart draws at least one SVG layer
    rendered = dom.count('class="plot-container plotly"')
    assert rendered == charts


@pytest.fixture(scope="module")
def productivity_report(tmp_path_factory):
    """Notebook 04's report of the shipped sample: its provider-by-month table has 96 rows."""
    result = run_one("04_practice_productivity", {}, tmp_path_factory.mktemp("reports"))
    assert result.ok, result.error
    return result.html


def _numbers(texts):
    return [float(t.replace("$", "").replace(",", "")) for t in texts]


def _sorted_column(page, table, index: int, direction: str) -> list[float]:
    """Click the header of column ``index`` and read its numbers once DataTables says the
    column is sorted in ``direction`` (it re-draws after the click, not during it)."""
    head = table.locator("thead th").nth(index)
    head.click()
    head.and_(page.locator(f"[aria-sort={direction}]")).wait_for(timeout=10_000)
    return _numbers(table.locator(f"tbody tr td:nth-child({index + 1})").all_inner_texts())


def test_long_table_sorts_and_searches_offline_without_console_errors(
    chromium, productivity_report
):
    html = productivity_report.read_text()
    # nothing is fetched: no script or stylesheet from a network, DataTables inlined once
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", html)
    assert (
        html.count("_itables_") >= 1 and html.count('class="cpt-table cpt-long"') == 2
    )  # month, code
    sync_api = pytest.importorskip("playwright.sync_api")
    problems, fetched = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))

        def block(route):  # the network is cut: only the file itself (and blob:/data:) load
            if route.request.url.startswith(("http://", "https://")):
                fetched.append(route.request.url)
                return route.abort()
            return route.continue_()

        page.route("**/*", block)
        page.goto(productivity_report.as_uri())
        page.wait_for_selector("table.cpt-long.dataTable", timeout=20_000)
        month = page.locator("thead th", has_text="Month")  # the provider-by-month table
        wrapper = page.locator(".dt-container").filter(has=month)
        table = wrapper.locator("table.cpt-long")
        assert "of 96 entries" in wrapper.locator(".dt-info").inner_text()
        headers = table.locator("thead th").all_inner_texts()
        work = headers.index("Work RVUs")
        cells = table.locator(f"tbody tr td:nth-child({work + 1})")
        assert len(cells.all_inner_texts()) == 25  # a page of 25 rows
        up = _sorted_column(page, table, work, "ascending")
        down = _sorted_column(page, table, work, "descending")
        assert up == sorted(up) and down == sorted(down, reverse=True) and down[0] > up[0]
        paid = headers.index("Medicare pays")
        dollars = _sorted_column(page, table, paid, "ascending")
        assert dollars == sorted(dollars)  # "$1,197.46" sorts as a number, not as text
        wrapper.locator("input[type=search]").fill("2025-03")
        months = table.locator(f"tbody tr td:nth-child({headers.index('Month') + 1})")
        assert months.count() > 1 and set(months.all_inner_texts()) == {"2025-03"}
        assert "filtered from 96 total entries" in wrapper.locator(".dt-info").inner_text()
        browser.close()
    assert problems == [] and fetched == []
