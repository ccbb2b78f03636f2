"""reports/index.html lists every report of its folder, and `run` keeps a quiet console."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cpt_analysis.reports.gallery import entries, write_gallery


def fake_run(folder: Path, stem: str, notebook: str, end: str, params: dict, excel=True):
    """The files of one run as the runner leaves them: executed notebook, HTML and Excel."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Title of {notebook}\n\nText.")]
    nb.metadata["papermill"] = {
        "input_path": f"/somewhere/notebooks/{notebook}.ipynb",
        "parameters": params,
        "end_time": end,
    }
    nbformat.write(nb, folder / f"{stem}.ipynb")
    (folder / f"{stem}.html").write_text("<html></html>")
    if excel:
        (folder / f"{stem}.xlsx").write_bytes(b"PK")


def test_every_report_is_listed_grouped_by_notebook_newest_first(tmp_path):
    fake_run(tmp_path, "01_code_card", "01_code_card", "2026-11-30T04:39:00+00:00", {})
    fake_run(tmp_path, "01_code_card__cpt_code-72148", "01_code_card",
             "2026-11-30T06:00:00+00:00", {"cpt_code": "72148"})  # fmt: skip
    fake_run(tmp_path, "00_training_tour", "00_training_tour", "2026-11-30T05:00:00+00:00", {},
             excel=False)  # fmt: skip
    (tmp_path / "97012_article.html").write_text("<html></html>")  # no notebook: not a report
    (tmp_path / "broken.ipynb").write_text("{}")  # a failed run left no HTML: not listed
    page = write_gallery(tmp_path)
    assert page == tmp_path / "index.html"
    assert [(e.notebook, e.html.name) for e in entries(tmp_path)] == [
        ("00_training_tour", "00_training_tour.html"),
        ("01_code_card", "01_code_card__cpt_code-72148.html"),  # newest first
        ("01_code_card", "01_code_card.html"),
    ]
    text = page.read_text()
    assert text.count("<h2>") == 2 and "Title of 01_code_card" in text
    links = re.findall(r'href="([^"]+)"', text)
    assert links == [
        "00_training_tour.html", "00_training_tour.ipynb",
        "01_code_card__cpt_code-72148.html", "01_code_card__cpt_code-72148.xlsx",
        "01_code_card__cpt_code-72148.ipynb",
        "01_code_card.html", "01_code_card.xlsx", "01_code_card.ipynb",
    ]  # fmt: skip
    assert all((tmp_path / link).is_file() for link in links)
    assert "2026-11-30 06:00 UTC" in text and "cpt_code=72148" in text
    assert "default parameters" in text
    assert not re.search(r"<(script|link)\b", text)  # offline: nothing to fetch or run


def test_a_hostile_file_name_or_parameter_is_escaped(tmp_path):
    fake_run(tmp_path, "01_code_card__cpt_code-x", "01_code_card", "2026-11-30T06:00:00+00:00",
             {"cpt_code": "<script>alert(1)</script>"})  # fmt: skip
    text = write_gallery(tmp_path).read_text()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_a_users_own_index_html_is_never_replaced(tmp_path):
    fake_run(tmp_path, "01_code_card", "01_code_card", "2026-11-30T04:39:00+00:00", {})
    mine = tmp_path / "index.html"
    mine.write_text("<html>my own page</html>")
    assert write_gallery(tmp_path) is None
    assert mine.read_text() == "<html>my own page</html>"
    mine.unlink()
    mine.mkdir()  # a folder of that name: left alone too
    assert write_gallery(tmp_path) is None and mine.is_dir()
    mine.rmdir()
    first = write_gallery(tmp_path)  # the workbook's own page is rewritten each time
    fake_run(tmp_path, "02_rvu_explorer", "02_rvu_explorer", "2026-11-30T05:00:00+00:00", {})
    assert write_gallery(tmp_path) == first and "02_rvu_explorer.html" in first.read_text()


def test_an_empty_folder_says_how_to_make_a_report(tmp_path):
    assert "No reports yet: run <code>cpt-workbook run NOTEBOOK</code>." in (
        write_gallery(tmp_path).read_text()
    )


NOISY = [
    "import os, sys",
    'os.write(2, b"[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel\\n")',
    'print("KeyboardInterrupt caught in kernel", file=sys.__stdout__, flush=True)',
    'print("the cell output")',
]


@pytest.mark.slow
def test_run_keeps_kernel_noise_off_the_console_and_names_the_gallery(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("label: str = 'x'  # help: a label")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Noisy"), params,
                nbformat.v4.new_code_cell("\n".join(NOISY))]  # fmt: skip
    source = tmp_path / "noisy.ipynb"
    nbformat.write(nb, source)
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "cpt_analysis.cli", "run", str(source), "--out", str(out)]
    env = os.environ | {"PYTHONWARNINGS": "ignore"}
    done = subprocess.run(cli, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out / 'noisy.html'}  (no result tables, so no Excel)\n"
    assert done.stderr == f"all reports: {out / 'index.html'}\n"  # no kernel line at all
    executed = json.loads((out / "noisy.ipynb").read_text())
    assert "the cell output" in json.dumps(executed["cells"][-1]["outputs"])
    assert 'href="noisy.html"' in (out / "index.html").read_text()
