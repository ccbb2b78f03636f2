"""`cpt-workbook app` driven in headless Chromium with Playwright: the code card follows the
pickers (a new code, then a ZIP code), a malformed code gets the CLI's one line, the downloads
are `run`'s reports; no console error, no request leaves 127.0.0.1, Ctrl-C stops it cleanly."""

from __future__ import annotations

import csv
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a server, its kernels and Chromium

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CLI = Path(sys.executable).with_name("cpt-workbook")
LOCAL = ("http://127.0.0.1:", "data:", "blob:", "about:")


def _address(proc: subprocess.Popen, timeout: float = 60) -> str:
    """The address `cpt-workbook app` prints once it listens."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if sel.select(timeout=1):
            line = proc.stdout.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", line)
            if found:
                return found.group(1)
            if not line and proc.poll() is not None:
                break
    raise AssertionError(f"no address from cpt-workbook app: {proc.stderr.read()}")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`cpt-workbook app` on a free port; at the end, Ctrl-C must stop it in one line."""
    env = dict(os.environ, CPT_WORKBOOK_STORE=str(tmp_path_factory.mktemp("store")))
    proc = subprocess.Popen(
        [str(CLI), "app", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        yield _address(proc)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "Traceback" not in err and "Traceback" not in out
    assert err.strip().endswith("The workbook app stopped.")


@pytest.fixture(scope="module")
def browser(chromium):
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


class Watched:
    """A page with its console errors and every request that left 127.0.0.1."""

    def __init__(self, browser, url: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else 0)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request",
            lambda r: self.outside.append(r.url) if not r.url.startswith(LOCAL) else None,
        )
        started = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_selector(".cpt-headline", timeout=90_000)
        self.first = time.perf_counter() - started

    def choose(self, label: str, value: str) -> None:
        box = self.page.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Enter")


def test_the_code_card_follows_a_new_code_and_a_zip_code(app, browser):
    w = Watched(browser, app)
    page = w.page
    assert "97012 in 2025, 01112-05 SAN FRANCISCO" in page.inner_text(".cpt-headline")
    w.choose("Code", "97110")
    page.wait_for_selector(".cpt-headline:has-text('97110 in 2025')", timeout=20_000)
    w.choose("Locality or ZIP", "94110")
    page.wait_for_selector("text=ZIP 94110: 01112-05 SAN FRANCISCO", timeout=20_000)
    # (0.45 x 1.088 + 0.43 x 1.419 + 0.01 x 0.445) x 32.3465 and 0.89 x 32.3465
    headline = page.inner_text(".cpt-headline")
    assert headline.endswith("nonfacility: $35.72 (national $28.79)"), headline
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3")
    assert "$35.72" in page.inner_text("table.cpt-table >> nth=0")
    assert page.locator("text=Traceback").count() == 0
    assert w.errors == []
    assert w.outside == []
    page.close()


def test_a_malformed_code_gets_the_clis_one_line(app, browser, tmp_path):
    url = app.replace("code_card", "diagnosis_pairings")
    w = Watched(browser, url)
    w.choose("Code", "9711")
    refusal = w.page.wait_for_selector(".cpt-refusal", timeout=20_000).inner_text()
    cli = subprocess.run(
        [str(CLI), "run", "03", "-p", "cpt_code=9711", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"cpt-workbook: error: {refusal}"
    assert refusal == (
        "'9711' is not a CPT/HCPCS code: use 5 characters such as 97012, 00100, 0001F or G0283."
    )
    assert w.page.locator(".cpt-headline").count() == 0
    assert w.errors == [] and w.outside == []
    w.page.close()


def test_the_downloads_are_the_reports_of_run(app, browser):
    w = Watched(browser, app)
    w.choose("Code", "97110")
    w.page.wait_for_selector(".cpt-headline:has-text('97110 in 2025')", timeout=20_000)
    w.page.get_by_role("button", name="Make HTML and Excel").click()
    link = w.page.wait_for_selector("a:has-text('Excel report')", timeout=180_000)
    html = w.page.get_by_role("link", name="HTML report").get_attribute("href")
    assert html.startswith("/voila/files/downloads/01_code_card__cpt_code-97110__")
    with w.page.expect_download() as got:
        link.click()
    saved = got.value.path()
    assert got.value.suggested_filename == Path(html).with_suffix(".xlsx").name
    assert Path(saved).read_bytes()[:2] == b"PK"  # an .xlsx is a zip
    base = app.split("/voila/")[0]
    report = w.page.request.get(base + html)
    assert report.status == 200 and "97110" in report.text()
    assert w.page.request.get(base + "/voila/files/code_card.ipynb").status == 403  # no notebook
    assert w.errors == [] and w.outside == []
    w.page.close()


@pytest.mark.parametrize(
    "page, headline",
    [
        ("rvu_explorer", "97012, 97110, 97140, 97530 in 2025"),
        ("diagnosis_pairings", "Diagnoses of 97012 on 2026-06-01"),
        ("practice_report", "claim lines of 2025 for all providers (sample_encounters.csv)"),
    ],
)
def test_every_page_draws_offline_without_error(app, browser, page, headline):
    w = Watched(browser, app.replace("code_card", page))
    assert headline in w.page.inner_text(".cpt-headline")
    w.page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1")
    assert w.errors == [] and w.outside == []
    w.page.close()


def test_an_uploaded_export_is_reported_without_patient_ids(app, browser, tmp_path):
    from cpt_analysis.practice.report import practice_report

    sample = Path(__file__).resolve().parent.parent / "data" / "sample_encounters.csv"
    rows = list(csv.reader(sample.read_text().splitlines()))[:41]  # header and 40 claim lines
    export = tmp_path / "March export.csv"
    with export.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    (tmp_path / "upload.csv").write_bytes(export.read_bytes())
    expected = practice_report(tmp_path / "upload.csv", 2025, "01112-05").headline
    w = Watched(browser, app.replace("code_card", "practice_report"))
    with w.page.expect_file_chooser() as chooser:
        w.page.locator(".widget-upload").click()
    chooser.value.set_files(str(export))
    w.page.wait_for_selector(".cpt-headline:has-text('(upload.csv)')", timeout=60_000)
    assert w.page.inner_text(".cpt-headline") == expected
    assert expected.startswith("40 claim lines of 2025 for all providers (upload.csv)")
    text = w.page.inner_text("body")
    ids = {cell for row in rows[1:] for cell in row[2:4]}  # Patient ID, Encounter ID
    assert len(ids) >= 20 and [i for i in ids if i in text] == []
    assert w.errors == [] and w.outside == []
    w.page.close()


def test_the_address_without_a_page_opens_the_code_card_with_links_to_the_others(app, browser):
    w = Watched(browser, app.split("/voila/")[0] + "/")  # Voila's own index is never shown
    assert w.page.url == app
    for title in ("RVU explorer", "Diagnosis pairings", "Practice report"):
        w.page.get_by_role("link", name=title).click()
        w.page.wait_for_selector(".cpt-headline", timeout=90_000)
        w.page.go_back()
        w.page.wait_for_selector(".cpt-headline", timeout=90_000)
    assert w.errors == [] and w.outside == []
    w.page.close()
