"""Take the README's screenshot of an HTML report in headless Chromium, offline: the page is
opened with every http(s) request refused, the long tables made sortable, then the first long
table (notebook 04's productivity table) is shown sorted by its work RVUs, largest first.

    .venv/bin/python docs/screenshot.py reports/04_practice_productivity.html docs/report.png
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main(report: str, target: str) -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed: no screenshot (sudo make chromium installs it)")
        return 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 760}, device_scale_factor=1)
        page.route(
            "**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_()
        )
        page.goto(Path(report).resolve().as_uri())
        page.wait_for_selector("table.cpt-long.dataTable", timeout=20_000)
        box = page.locator(".dt-container").first
        header = box.locator("thead th", has_text="Work RVUs").first
        header.click()
        header.click()  # largest first
        box.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -40)")
        page.screenshot(path=target)
        browser.close()
    print(f"screenshot written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
