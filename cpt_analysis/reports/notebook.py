"""What notebooks need from the package: their parameters, one validation of parameter values
shared by the runner and the notebooks, the set-up cell, and publishing result tables.

Parameters are read with papermill's own inspection of the cell tagged ``parameters``
(``name: type = default  # help``). Values are validated in the runner before a kernel starts,
and again in each notebook's validation cell, with the same one-line messages as the CLI.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..identifiers import icd10_key, normalize_hcpcs
from ..dates import as_date
from ..errors import IMPORT_HINT, IMPORT_RVU_HINT, MissingGpciError, WorkbookError
from ..fees.explorer import select_codes
from ..fees.payment import resolve_locality, resolve_setting
from ..reference.loaders import load_rvus, rvu_years
from ..training.tour import validate_topic

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


def _year(value: object) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise WorkbookError(f"'{value}' is not a year", "use a year such as 2025") from None
    if year not in rvu_years():
        have = ", ".join(map(str, rvu_years()))
        raise WorkbookError(
            f"no RVUs for {year} (the workbook has {have})",
            IMPORT_HINT,
        )
    return year


def _years(value: object) -> list[int]:
    items = value if isinstance(value, list | tuple) else str(value).replace(" ", "").split(",")
    years = sorted({_year(v) for v in items if str(v)})
    if not years:
        raise WorkbookError("no years given", "list years such as 2024,2025")
    return years


def _cpt(value: object) -> str:
    code = normalize_hcpcs(value)
    if not (load_rvus()["hcpcs"] == code).any():
        raise WorkbookError(
            f"{code} is not in the workbook's tables",
            f"{IMPORT_RVU_HINT} to see every code",
        )
    return code


def _icd10(value: object) -> str:
    text = str(value).strip()
    if text and icd10_key(text) is None:
        raise WorkbookError(
            f"'{value}' is not an ICD-10-CM code or prefix",
            "use a code such as M54.50 or a prefix such as M54",
        )
    return text


def _setting(value: object) -> str:
    resolve_setting(value)
    return str(value).strip().lower()


def _codes(value: object) -> list[str]:
    return select_codes(value) if value not in (None, "", []) else []


def _path(value: object) -> str:
    text = str(value or "").strip()
    if text and not Path(text).expanduser().is_file():
        raise WorkbookError(f"{text} is not a file", "give the path of a CSV or Excel export")
    return str(Path(text).expanduser().resolve()) if text else ""


def _family(value: object) -> str:
    text = str(value or "").strip()
    if text:
        select_codes(family=text)
    return text


def _volumes(value: object) -> dict[str, int]:
    out: dict[str, int] = {}
    items = (
        value.items()
        if isinstance(value, dict)
        else (
            item.replace("=", ":").partition(":")[::2]
            for item in str(value).split(",")
            if item.strip()
        )
    )
    for code, units in items:
        units = str(units).strip()
        item = f"{code}:{units}"
        if not units.isdigit():
            raise WorkbookError(
                f"'{item}' is not CODE:UNITS", "write volumes as 97110:120,97140:80"
            )
        code = normalize_hcpcs(code)
        if code in out:
            raise WorkbookError(f"{code} is given twice in the volumes", "give each code once")
        out[code] = int(units)
    if not out:
        raise WorkbookError("no volumes given", "write volumes as 97110:120,97140:80")
    return out


VALIDATORS = {
    "cpt_code": _cpt,
    "year": _year,
    "years": _years,
    "from_year": _year,
    "to_year": _year,
    "setting": _setting,
    "date_of_service": lambda v: as_date(v).isoformat(),
    "icd10_code": _icd10,
    "codes": _codes,
    "family": _family,
    "encounters_path": _path,
    "volumes": _volumes,
    "topic": validate_topic,
}


def validate(**params: object) -> dict:
    """Return the parameters validated and normalised (codes as strings, years as ints).

    Checks each known parameter, then the locality against the year's GPCIs (or the latest
    GPCIs for a year without them, whose amounts are national). Raises WorkbookError with one
    line for the first bad value.
    """
    out = {name: VALIDATORS.get(name, lambda v: v)(value) for name, value in params.items()}
    year = out.get("year") or out.get("to_year") or rvu_years()[-1]
    if "locality" in out:
        try:
            resolve_locality(out["locality"], year)
        except MissingGpciError:
            pass  # a known locality; the notebook shows national amounts and says why
    if "codes" in out and "family" in out:  # the explorer needs one or the other
        select_codes(out["codes"] or None, family=out["family"] or None)
    return out


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


def publish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Record a result table for the runner's Excel export and return it for display.

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
