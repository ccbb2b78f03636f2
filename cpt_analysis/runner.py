"""Run a notebook with papermill and export it: executed notebook, HTML report (code hidden,
charts drawn offline with plotly.js inlined once) and the result tables as an Excel workbook.

Parameter values arrive as text (``--param cpt_code=00100``) and are converted by the type the
notebook declares, so codes stay strings; unknown names and bad values are refused before a
kernel starts. A scalar parameter given several values (``cpt_code=97010,97012``) makes a batch,
run in up to N kernels in parallel with a progress bar.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from . import config
from .errors import WorkbookError
from .export import write_excel
from .files import atomic_write
from .notebook import (
    TABLES_ENV,
    Parameter,
    parameters,
    published_tables,
    resolve_notebook,
    skip_slow_imports,
    validate,
)

TRUE_WORDS = {"true", "yes", "1", "on"}
FALSE_WORDS = {"false", "no", "0", "off"}


@dataclass
class RunResult:
    """What one run produced, or the one-line error that stopped it."""

    notebook: str
    params: dict
    executed: Path
    html: Path | None = None
    excel: Path | None = None
    error: str | None = None
    tables: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the notebook ran to the end."""
        return self.error is None


def _convert(param: Parameter, text: str) -> object:
    kind = param.type.replace(" ", "").lower()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text.lower() in TRUE_WORDS | FALSE_WORDS:
                return text.lower() in TRUE_WORDS
            raise ValueError(text)
    except ValueError:
        raise WorkbookError(
            f"parameter {param.name} wants {param.type}, not '{text}'", f"help: {param.help}"
        ) from None
    if kind.startswith("list"):
        return [v for v in text.replace(" ", "").split(",") if v]
    if param.name.endswith("_path") and text:  # the kernel runs in notebooks/: make it absolute
        return str(Path(text).expanduser().resolve())
    if kind.startswith("dict"):  # CODE:UNITS,CODE:UNITS; values checked by notebook.validate
        pairs = [v.replace("=", ":").partition(":") for v in text.replace(" ", "").split(",") if v]
        return {k: v for k, _, v in pairs}
    return text


def parse_params(notebook: str | Path, pairs: list[str]) -> list[dict]:
    """Turn ``NAME=VALUE`` pairs into the parameter sets to run (several when a scalar
    parameter has comma-separated values), each converted by the declared types.

    Raises WorkbookError for a pair without ``=``, an unknown name or a value of the wrong type.
    """
    declared = {p.name: p for p in parameters(notebook)}
    choices: dict[str, list[object]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep:
            raise WorkbookError(f"'{pair}' is not NAME=VALUE", "write e.g. --param cpt_code=97012")
        if name not in declared:
            known = ", ".join(declared)
            raise WorkbookError(
                f"{resolve_notebook(notebook).stem} has no parameter '{name}'",
                f"its parameters are {known}",
            )
        param = declared[name]
        if param.type.lower().startswith(("list", "dict")):
            choices[name] = [_convert(param, value)]
        else:
            choices[name] = [_convert(param, v.strip()) for v in value.split(",") if v.strip()]
    names = list(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices.values())]


def read_values_file(path: str | Path) -> str:
    """Return the values listed in a file (one per line or comma-separated) joined by commas.

    Raises WorkbookError when the file cannot be read or lists nothing.
    """
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise WorkbookError(f"cannot read {path} ({exc.strerror})", "check the path") from None
    values = [v.strip() for v in re.split(r"[,\n]", text) if v.strip() and not v.startswith("#")]
    if not values:
        raise WorkbookError(f"{path} lists no values", "write one code per line")
    return ",".join(values)


def output_stem(notebook: Path, params: dict) -> str:
    """Return a file-name stem from the notebook and its parameters: letters, digits, ``-``,
    ``_`` and ``.`` only, so an output can never leave its folder."""
    parts = [notebook.stem]
    for name, value in sorted(params.items()):
        text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{name}-{text}")
    stem = re.sub(r"[^A-Za-z0-9._-]+|\.{2,}", "-", "__".join(parts))
    stem = re.sub(r"-{2,}", "-", stem).strip(".-")[:150]
    return stem or "report"


def _inside(folder: Path, name: str) -> Path:
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise WorkbookError(f"output name {name!r} would leave {folder}", "report this as a bug")
    return path


def export_html(executed: Path, target: Path) -> Path:
    """Write the executed notebook as an HTML report with the code hidden and the plotly charts
    drawn offline (plotly.js inlined once). Returns the HTML path."""
    import nbformat
    import plotly.io as pio
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    first = True
    for cell in nb.cells:
        for n, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                fig = pio.from_json(
                    __import__("json").dumps(data["application/vnd.plotly.v1+json"])
                )
                data["text/html"] = pio.to_html(
                    fig,
                    include_plotlyjs=first,
                    full_html=False,
                    div_id=f"chart-{cell.get('id', 'c')}-{n}",
                    config={"displaylogo": False},
                )
                first = False
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    # the template links MathJax and require.js from a CDN; reports need neither, and stay offline
    body = re.sub(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", "", body)
    _atomic_text(target, body)
    return target


def _atomic_text(target: Path, text: str) -> None:
    atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _one_line(exc: Exception) -> str:
    evalue = getattr(exc, "evalue", None) or str(exc)
    ename = getattr(exc, "ename", type(exc).__name__)
    text = f"{evalue}" if ename == "WorkbookError" else f"{ename}: {evalue}"
    return text.strip().splitlines()[0] if text.strip() else ename


def run_one(notebook: str | Path, params: dict, out_dir: str | Path | None = None) -> RunResult:
    """Execute one notebook with papermill and export it; return what it produced.

    The values are validated first (WorkbookError, no kernel started). A failing cell does not
    raise: the result carries one line naming the notebook and the error, and the partial
    executed notebook is kept.
    """
    skip_slow_imports()
    import papermill

    path = resolve_notebook(notebook)
    validate(**params)
    out = Path(out_dir or config.REPORTS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    stem = output_stem(path, params)
    executed = _inside(out, f"{stem}.ipynb")
    result = RunResult(path.stem, params, executed)
    with tempfile.TemporaryDirectory() as tables_dir:
        previous = os.environ.get(TABLES_ENV)
        os.environ[TABLES_ENV] = tables_dir
        try:
            papermill.execute_notebook(
                str(path),
                str(executed),
                parameters=params,
                cwd=str(path.parent),
                progress_bar=False,
                report_mode=False,
                log_output=False,
                # kernels listen on loopback only; keep ipykernel's TCP notice off the console
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except Exception as exc:  # papermill raises its own execution error with the cell's
            shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"
            result.error = f"{path.stem} ({shown}): {_one_line(exc)}"
            return result
        finally:
            if previous is None:
                os.environ.pop(TABLES_ENV, None)
            else:
                os.environ[TABLES_ENV] = previous
        sheets = published_tables(Path(tables_dir))
        result.tables = list(sheets)
        if sheets:
            result.excel = _inside(out, f"{stem}.xlsx")
            write_excel(result.excel, sheets)
    result.html = export_html(executed, _inside(out, f"{stem}.html"))
    return result


def run_many(
    notebook: str | Path, param_sets: list[dict], out_dir: str | Path | None = None, jobs: int = 2
) -> list[RunResult]:
    """Run a notebook over many parameter sets in up to ``jobs`` kernels at once, with a
    progress bar; return the results in the order given. Every set is validated before any
    kernel starts (WorkbookError)."""
    from tqdm.auto import tqdm

    path = resolve_notebook(notebook)
    for params in param_sets:
        validate(**params)
    if jobs <= 1 or len(param_sets) == 1:
        return [
            run_one(path, p, out_dir)
            for p in tqdm(param_sets, desc=path.stem, unit="run", disable=len(param_sets) == 1)
        ]
    results: list[RunResult | None] = [None] * len(param_sets)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, path, p, out_dir): i for i, p in enumerate(param_sets)}
        for future in tqdm(as_completed(futures), total=len(futures), desc=path.stem, unit="run"):
            results[futures[future]] = future.result()
    return results  # type: ignore[return-value]
