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
