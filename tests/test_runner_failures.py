"""What a run that fails in its kernel reports: the cell's error by papermill's name and value
(a WorkbookError in its own words), or a kernel that died, each on one line."""

import nbformat
import pytest

from cpt_analysis.reports.runner import run_one


def _notebook(folder, name, code):
    cell = nbformat.v4.new_code_cell("x: int = 1  # a number")
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "code, params, error",
    [
        ('raise ValueError("bad\\nthing")', {"x": 2}, "boom (x=2): ValueError: bad\\nthing"),
        (
            "from cpt_analysis.errors import DataFileError\n"
            'raise DataFileError("t.csv: row 2 is damaged", "restore it")',
            {},
            "boom (defaults): t.csv: row 2 is damaged: restore it.",
        ),
        (
            "import os\nos._exit(1)",
            {},
            "boom (defaults): its kernel stopped before the end (Kernel died)",
        ),
    ],
)
def test_a_failing_run_says_why_in_one_line(tmp_path, code, params, error):
    path = _notebook(tmp_path, "boom", code)
    result = run_one(path, params, tmp_path / "out")
    assert not result.ok
    assert result.error == error
    assert result.executed.exists() and result.html is None
