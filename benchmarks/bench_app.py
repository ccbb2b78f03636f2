"""Benchmark the app's code card: how soon a new code shows after it is chosen.

* ``python``: :func:`fees.card.code_card` alone (warm), the call a notebook or the CLI makes;
* ``page``: the page's update in Python (the pickers' checks, code_card, the charts and tables
  turned into outputs), no browser;
* ``browser``: `cpt-workbook app` in headless Chromium (Playwright): the code typed, Enter,
  until the card's headline names it, charts drawn. Opening the code card (to its first card
  drawn) is reported apart: right after the start, and again once the pre-heated kernel waits.

Results go to stdout and benchmarks/out/app.md. With ``--screenshot docs/app.png`` it also
takes the README's picture (97110 at ZIP 94110). A script, not a test:

    .venv/bin/python benchmarks/bench_app.py --screenshot docs/app.png
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
CODES = ["97110", "97140", "97530", "G0283", "72148", "99213", "97012", "20552", "97035", "64483"]
GOAL_S = 1.0


def python_times() -> tuple[list[float], list[float]]:
    """Seconds per code: code_card alone, and the page's whole update, both warm."""
    from cpt_analysis.app.card_page import card_page
    from cpt_analysis.fees.card import code_card

    page = card_page()
    page.show()  # loads the tables once, as the page's first card does
    calls, updates = [], []
    for code in CODES:
        t = time.perf_counter()
        code_card(code, 2025, "01112-05", "nonfacility", "2026-06-01")
        calls.append(time.perf_counter() - t)
        page.pickers[0].widget.value = code
        assert page.values is not None, page.pickers[0].message
        updates.append(page.seconds)
        page.pickers[0].widget.value = "97012"
    return calls, updates


def start_app(store: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, CPT_WORKBOOK_STORE=store)
    cli = Path(sys.executable).with_name("cpt-workbook")
    proc = subprocess.Popen(
        [str(cli), "app", "--no-browser"], stdout=subprocess.PIPE, text=True, env=env
    )
    line = proc.stdout.readline()
    return proc, re.search(r"http://\S+", line).group(0)


def browser_times(url: str, screenshot: str | None) -> tuple[float, float, list[float]]:
    """Seconds from opening the address to the first card, right after the start and once the
    pre-heated kernel is ready, and seconds per new code."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".cpt-headline", timeout=120_000)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        first = time.perf_counter() - t
        box = page.get_by_label("Code", exact=True)
        times = []
        for code in [*CODES[1:], CODES[0]]:
            box.fill(code)
            t = time.perf_counter()
            box.press("Enter")
            page.wait_for_selector(f".cpt-headline:has-text('{code} in 2025')", timeout=30_000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            times.append(time.perf_counter() - t)
        page.wait_for_timeout(30_000)  # the pool has a kernel ready again, the page run in it
        again = browser.new_page(viewport={"width": 1200, "height": 900})
        t = time.perf_counter()
        again.goto(url)
        again.wait_for_selector(".cpt-headline", timeout=120_000)
        again.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        warm = time.perf_counter() - t
        again.close()
        if screenshot:
            zip_box = page.get_by_label("Locality or ZIP", exact=True)
            zip_box.fill("94110")
            zip_box.press("Enter")
            page.wait_for_selector("text=ZIP 94110", timeout=30_000)
            page.wait_for_timeout(1500)  # the charts' transitions
            page.screenshot(path=screenshot)
            print(f"screenshot written to {screenshot}")
        browser.close()
    return first, warm, times


def _row(name: str, times: list[float]) -> str:
    return (
        f"| {name} | {len(times)} | {statistics.median(times):.3f} | {max(times):.3f} | "
        f"{'yes' if max(times) <= GOAL_S else 'no'} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", help="also write the README's screenshot here (.png)")
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="bench-app-store-")
    os.environ["CPT_WORKBOOK_STORE"] = store
    calls, updates = python_times()
    proc, url = start_app(store)
    try:
        first, warm, clicks = browser_times(url, args.screenshot)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    lines = [
        "# App: a new code on the code card (2025, 01112-05, non-facility)",
        "",
        f"Codes: {', '.join(CODES)}; goal: shown within {GOAL_S:.0f} s of choosing it.",
        "",
        "| path | codes | median s | max s | within goal |",
        "|---|---|---|---|---|",
        _row("python: code_card() alone", calls),
        _row("page update in Python (checks, card, charts, tables)", updates),
        _row("browser: Enter to the new card drawn", clicks),
        "",
        f"Code card opened right after `cpt-workbook app` (kernel start, imports, tables, first "
        f"card drawn): {first:.1f} s; opened again once the pre-heated kernel is ready: "
        f"{warm:.1f} s.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "app.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
