"""The app's pages without a browser: pickers refuse in the CLI's own words, take what a person
types (a ZIP, `` g0283 ``, a modifier), and the pages show the package's figures; no patient
identifier and no traceback ever reaches a page; ``--port`` is refused in one line."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.app import pickers as pk
from cpt_analysis.app.card_page import card_page
from cpt_analysis.app.explorer_page import explorer_page
from cpt_analysis.app.page import Page
from cpt_analysis.app.pairings_page import pairings_page
from cpt_analysis.app.practice_page import practice_page, save_upload
from cpt_analysis.app.server import check_port
from cpt_analysis.cli import main
from cpt_analysis.reference.loaders import rvu_years

PREFIX = "cpt-workbook: error: "


@pytest.fixture(autouse=True)
def empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv(config.STORE_ENV, str(tmp_path / "store"))


def cli_refusal(capsys, *argv: str) -> str:
    """The one line the CLI prints for ``argv``, without its prefix; it must exit 2."""
    capsys.readouterr()
    assert main(list(argv)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(PREFIX) and "\n" not in err
    return err.removeprefix(PREFIX)


@pytest.fixture(scope="module")
def card():
    page = card_page()
    page.show()
    return page


def pick(page: Page, name: str, value) -> Page:
    next(p for p in page.pickers if p.name == name).widget.value = value
    return page


def said(page: Page, name: str) -> str:
    return next(p for p in page.pickers if p.name == name).message


@pytest.mark.parametrize(
    "picker, value, argv",
    [
        ("cpt_code", "9711", ["lookup", "9711"]),
        ("cpt_code", "97012-", ["lookup", "97012-"]),
        ("cpt_code", "99999", ["lookup", "99999"]),
        ("locality", "99999", ["lookup", "97012", "--year", "2025", "--locality", "99999"]),
        ("locality", "san fran", ["lookup", "97012", "--year", "2025", "--locality", "san fran"]),
        ("setting", "xx", ["lookup", "97012", "--setting", "xx"]),
    ],
)
def test_the_code_card_refuses_as_lookup_does_beside_the_picker(card, capsys, picker, value, argv):
    pick(card, picker, value)
    try:
        assert said(card, picker) == cli_refusal(capsys, *argv)
        assert card.output.outputs == ()  # no figures of another choice stay on the page
    finally:
        pick(card, picker, {"cpt_code": "97012", "locality": "01112-05"}.get(picker, "nonfacility"))
    assert said(card, picker) in ("", pk.locality_label("01112-05", 2025))
    assert card.values is not None


def test_a_zip_code_prices_in_its_locality_and_says_which(card):
    pick(card, "cpt_code", "97110")
    pick(card, "locality", "94110")
    try:
        assert said(card, "locality").startswith("ZIP 94110: 01112-05 SAN FRANCISCO")
        # (0.45 x 1.088 + 0.43 x 1.419 + 0.01 x 0.445) x 32.3465 and 0.89 x 32.3465
        assert "97110 in 2025, 01112-05 SAN FRANCISCO" in card.text()
        assert "nonfacility: $35.72 (national $28.79)" in card.text()
        assert card.seconds < 2
    finally:
        pick(card, "locality", "01112-05")
        pick(card, "cpt_code", "97012")


@pytest.mark.parametrize(
    "typed, shown", [(" g0283 ", "G0283 in 2025"), ("72148-26", "72148-26 in 2025")]
)
def test_the_code_box_takes_what_a_person_types(card, typed, shown):
    pick(card, "cpt_code", typed)
    try:
        assert said(card, "cpt_code") == ""
        assert shown in card.text()
    finally:
        pick(card, "cpt_code", "97012")


def test_the_year_list_holds_the_years_with_rvus_and_localities_are_searchable(card):
    year = next(p for p in card.pickers if p.name == "year").widget
    assert list(year.options) == rvu_years() == list(range(2020, 2027))
    options = pk.locality_options(2025)
    assert options[0] == pk.NATIONAL and len(options) == 1 + 109
    assert "01112-05 SAN FRANCISCO-OAKLAND-BERKELEY (MARIN CNTY)" not in options
    assert [o for o in options if "MANHATTAN" in o] == ["13202-01 MANHATTAN"]
    assert pk.check_locality("13202-01 MANHATTAN") == "13202-01"
    assert pk.check_locality(pk.NATIONAL) == "national"
    locality = next(p for p in card.pickers if p.name == "locality").widget
    assert len(locality.options) == 1 + 109
    year.value = 2023  # 112 localities before 2024's changes: the list follows the year
    try:
        assert len(locality.options) == 1 + 112
        assert "97012 in 2023, 01112-05 SAN FRANCISCO" in card.text()
    finally:
        year.value = 2025
    assert len(locality.options) == 1 + 109


@pytest.mark.parametrize(
    "make, picker, value, argv",
    [
        (explorer_page, "codes", "97012, 9701", ["run", "02", "-p", "codes=97012,9701"]),
        (explorer_page, "volumes", "97012:x", ["run", "02", "-p", "volumes=97012:x"]),
        (pairings_page, "cpt_code", "97012-26", ["run", "03", "-p", "cpt_code=97012-26"]),
        (pairings_page, "icd10_code", "M5.4", ["run", "03", "-p", "icd10_code=M5.4"]),
        (practice_page, "column_map", "Foo", ["run", "04", "-p", "column_map=Foo"]),
        (practice_page, "provider", "", None),
    ],
)
def test_every_page_refuses_as_run_does(capsys, tmp_path, make, picker, value, argv):
    page = make()
    page.show()
    assert page.values is not None and page.status.value == ""
    pick(page, picker, value)
    if argv is None:
        assert said(page, picker) == "" and page.values is not None
    else:
        assert said(page, picker) == cli_refusal(capsys, *argv, "--out", str(tmp_path))
        assert page.values is None and page.output.outputs == ()


def test_the_practice_page_shows_no_patient_identifier_and_reads_an_upload(tmp_path):
    sample = config.DATA_DIR / "sample_encounters.csv"
    ids = pd.read_csv(sample, dtype=str)[["Patient ID", "Encounter ID"]].stack().unique()
    page = practice_page()
    page.show()
    shown = page.text()
    assert "claim lines of 2025" in shown
    assert [i for i in ids if i in shown] == []
    headline = shown.split("</h3>")[0].split("sample_encounters.csv")[-1]
    upload = page.pickers[0].extra[0]
    data = sample.read_bytes()
    upload.value = (  # as the browser sends a file: the name is never used as a path
        {
            "name": "../../export.CSV",
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
        },
    )
    assert page.pickers[0].widget.value.endswith("/upload.csv")
    assert headline in page.text() and "upload.csv" in page.text()
    assert save_upload("x.exe", b"a", tmp_path) == tmp_path / "upload.csv"


def test_an_unexpected_failure_is_one_line_never_a_traceback():
    def broken(values):
        return {}["missing"]

    page = Page("code_card", [pk.code_picker()], broken, "01_code_card", dict)
    page.show()
    assert page.status.value.endswith(
        "unexpected KeyError: &#x27;missing&#x27;: please report it</span>"
    )
    assert page.output.outputs == ()


@pytest.mark.parametrize(
    "port, message",
    [
        ("abc", "--port abc is not a port number"),
        ("0", "--port 0 is not a port number"),
        ("70000", "--port 70000 is not a port number"),
        ("-5", "--port -5 is not a port number"),
    ],
)
def test_an_absurd_port_is_refused_in_one_line(capsys, port, message):
    fix = "give a number from 1024 to 65535, or leave --port out for a free one."
    assert cli_refusal(capsys, "app", f"--port={port}", "--no-browser") == f"{message}: {fix}"


def test_a_taken_port_is_refused_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = cli_refusal(capsys, "app", "--port", str(port), "--no-browser")
    assert line == (
        f"port {port} of 127.0.0.1 is taken by another program: give a number from 1024 to "
        "65535, or leave --port out for a free one."
    )
    with socket.socket() as probe:  # free again: it is accepted
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert check_port(str(free)) == free


@pytest.mark.slow  # a kernel per report
@pytest.mark.parametrize("make", [explorer_page, practice_page])
def test_the_downloads_of_a_page_are_runs_reports(tmp_path, monkeypatch, make):
    from cpt_analysis.app.page import DOWNLOADS_ENV
    from cpt_analysis.reports.runner import output_stem, resolve_notebook, run_one

    monkeypatch.setenv(DOWNLOADS_ENV, str(tmp_path))
    page = make(run_one)
    page.show()
    if page.name == "practice_report":
        pick(page, "provider", "Alvarez")
    made = page.make_downloads()
    stem = output_stem(resolve_notebook(page.notebook), page.params(page.values))
    assert [p.name for p in made] == [f"{stem}.html", f"{stem}.xlsx"]
    assert page.downloads.value == f"HTML: {made[0]}{' &nbsp; '}Excel: {made[1]}"
    assert made[1].read_bytes()[:2] == b"PK"


def test_a_download_refused_by_run_says_why_beside_the_button(tmp_path, monkeypatch):
    from cpt_analysis.app.page import DOWNLOADS_ENV
    from cpt_analysis.reports.runner import run_one

    monkeypatch.setenv(DOWNLOADS_ENV, str(tmp_path / "downloads"))
    export = tmp_path / "export.csv"
    export.write_bytes((config.DATA_DIR / "sample_encounters.csv").read_bytes())
    page = practice_page(run_one)
    page.show()
    pick(page, "encounters_path", str(export))
    assert page.values is not None
    export.unlink()  # gone before the button is pressed: run refuses before any kernel starts
    assert page.make_downloads() == []
    assert page.downloads.value == (
        f'<span class="cpt-refusal" style="color:#b00020">{export} is not a file: give the '
        "path of a CSV or Excel export.</span>"
    )
    assert not page.button.disabled
    page.values = None
    assert page.make_downloads() == []
    assert "choose valid values first" in page.downloads.value


def test_the_pages_are_thin_notebooks_and_the_template_fetches_nothing_from_the_internet():
    import json

    from cpt_analysis.app.page import PAGES
    from cpt_analysis.app.server import pages_dir, templates_dir

    assert sorted(p.stem for p in pages_dir().glob("*.ipynb")) == sorted(PAGES)
    for name in PAGES:
        nb = json.loads((pages_dir() / f"{name}.ipynb").read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        [cell] = nb["cells"]
        assert cell["source"][0].startswith("from cpt_analysis.app.")
        assert cell["outputs"] == []
    template = templates_dir() / "voila" / "templates" / "cpt-offline"
    text = (template / "index.html.j2").read_text()
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}
    assert re.findall(r"(?:href|src)=\"https?:|import\(\"https?:|cdn", text) == []
    assert "{%- block html_head_js_mermaidjs -%}" in text
