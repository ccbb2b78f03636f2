"""What notebooks need from the package: their parameters, one validation of parameter values
shared by the runner and the notebooks, the set-up cell, and publishing result tables.

Parameters are read with papermill's own inspection of the cell tagged ``parameters``
(``name: type = default  # help``). Values are validated in the runner before a kernel starts,
and again in each notebook's validation cell (:func:`validate`), with the same one-line
messages as the CLI; each feature registers the validators of its own parameters.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config, presentation
from ..errors import WorkbookError

# the features whose notebooks these are: each registers the validators of its own parameters
# on import (cpt_analysis.validation), as papermill's translators register themselves
from ..fees import explorer, pairings, payment  # noqa: F401
from ..practice import compensation, contracts, em_levels, fee_builder, report, year_over_year  # noqa: F401
from ..reference import icd10, loaders  # noqa: F401
from ..training import tour  # noqa: F401
from ..validation import validate

TABLES_ENV = "CPT_WORKBOOK_TABLES_DIR"


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter: name, declared type, default (as written) and help text."""

    name: str
    type: str
    default: str
    help: str


def notebooks() -> list[Path]:
    """Return the workbook's notebooks, in order."""
    return sorted(config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def resolve_notebook(name: str | Path) -> Path:
    """Return the path of a notebook named ``01_code_card``, ``01``, ``code_card`` or a path.

    Raises WorkbookError for a name that matches no notebook, or several.
    """
    path = Path(name)
    if path.suffix == ".ipynb" and path.is_file():
        return path.resolve()
    stem = path.name.removesuffix(".ipynb")
    hits = [
        p
        for p in notebooks()
        if p.stem == stem
        or p.stem.split("_", 1) == [stem, p.stem[3:]]
        or p.stem[:2] == stem
        or p.stem[3:] == stem
    ]
    if len(hits) != 1:
        names = ", ".join(p.stem for p in notebooks())
        raise WorkbookError(
            f"'{name}' is not one of the workbook's notebooks", f"use one of {names}"
        )
    return hits[0]


def parameters(notebook: str | Path) -> list[Parameter]:
    """Return the parameters of a notebook's ``parameters`` cell, with types and help.

    Raises WorkbookError when the notebook has no cell tagged ``parameters``.
    """
    skip_slow_imports()
    import papermill

    path = resolve_notebook(notebook)
    try:
        found = papermill.inspect_notebook(str(path))
    except Exception:  # whatever went wrong reading it, the file is no notebook
        raise WorkbookError(
            f"{path} cannot be read as a notebook",
            "give a notebook (.ipynb) saved by Jupyter",
        ) from None
    if not found:
        raise WorkbookError(f"{path.name} has no cell tagged 'parameters'", "tag one")
    return [
        Parameter(p["name"], p["inferred_type_name"], p["default"], p["help"])
        for p in found.values()
    ]


def check_params(notebook: str | Path, params: dict) -> dict:
    """Return ``params`` validated together with the notebook's defaults for the others, as
    the notebook's validation cell will see them (a locality given alone is checked against the
    default year). Raises WorkbookError for the first bad value, before any kernel starts.
    """
    merged = {}
    for p in parameters(notebook):
        try:
            merged[p.name] = ast.literal_eval(p.default)  # "97012" as the text 97012
        except (ValueError, SyntaxError):
            pass  # a default computed in the notebook: its own validation cell checks it
    return validate(**(merged | params))


def skip_slow_imports() -> None:
    """Keep jsonschema (imported by nbformat, which plotly and papermill load) from building the
    optional rfc3987-syntax IRI grammar: 1.7 s per process here, for a format check the workbook
    never uses. Without it, jsonschema simply skips IRI checks."""
    sys.modules.setdefault("rfc3987_syntax", None)


def setup() -> None:
    """Prepare a notebook kernel: plotly figures as data (the runner's HTML export draws them
    offline), and pandas display settings suited to reports."""
    skip_slow_imports()
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype"
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 80)
    show_tables()


def show_tables() -> None:
    """Make every DataFrame the kernel displays read as :mod:`cpt_analysis.presentation` shows
    it: human labels, money and RVU formats, no row index; as HTML (long tables sortable in the
    HTML report) and as plain text (what nbval compares). Outside IPython nothing changes."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every kernel
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(pd.DataFrame, presentation.html_table)
    formatters["text/plain"].for_type(
        pd.DataFrame, lambda frame, printer, cycle: printer.text(presentation.text_table(frame))
    )


def publish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Record a result table for the runner's Excel export and return it for display (which
    :func:`setup` made read as :mod:`cpt_analysis.presentation` shows it).

    When the runner executes the notebook it sets ``CPT_WORKBOOK_TABLES_DIR``; the table is
    then saved there as Parquet under ``name``. Outside the runner nothing is written.
    """
    folder = os.environ.get(TABLES_ENV)
    if folder:
        index = len(list(Path(folder).glob("*.parquet")))
        path = Path(folder) / f"{index:02d}.parquet"
        frame.reset_index(drop=frame.index.name is None).to_parquet(path, index=False)
        path.with_suffix(".name").write_text(name, encoding="utf-8")
    return frame


def published_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Return the tables a notebook published into ``folder``, by name, in publishing order."""
    return {
        p.with_suffix(".name").read_text(encoding="utf-8"): pd.read_parquet(p)
        for p in sorted(folder.glob("*.parquet"))
    }
