"""Run a notebook with papermill and export it: executed notebook, HTML report (code hidden,
charts drawn offline with plotly.js inlined once) and the result tables as an Excel workbook.

Parameter values arrive as text (``--param cpt_code=00100``) and are converted by the type the
notebook declares, so codes stay strings; unknown names and bad values are refused before a
kernel starts. A scalar parameter given several values (``cpt_code=97010,97012``) makes a batch,
run in up to N kernels in parallel with a progress bar.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import tempfile
import unicodedata
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
    check_params,
    parameters,
    published_tables,
    resolve_notebook,
    skip_slow_imports,
)

TRUE_WORDS = {"true", "yes", "1", "on"}
FALSE_WORDS = {"false", "no", "0", "off"}
# text parameters whose values never hold a comma: comma-separated values make a batch; other
# text (a provider, a path, a family) is taken whole; numbers and yes/no always batch
BATCHED_TEXT = ("cpt_code", "icd10_code", "locality", "setting", "date_of_service", "topic")
STEM_LENGTH = 150
DEFAULT_JOBS = 2


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


def _kind(param: Parameter) -> str:
    return param.type.replace(" ", "").lower()


def _collection(param: Parameter) -> bool:
    return _kind(param).startswith(("list", "dict"))


def _batched(param: Parameter) -> bool:
    return _kind(param) in ("int", "float", "bool") or param.name in BATCHED_TEXT


def _convert(param: Parameter, text: str) -> object:
    kind = _kind(param)
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
            f"parameter {param.name} wants {param.type}, not {text!r}", f"help: {param.help}"
        ) from None
    if kind.startswith("list"):  # commas or spaces between the items
        return [v for v in re.split(r"[,\s]+", text) if v]
    if param.name.endswith("_path"):  # the kernel runs in notebooks/: make it absolute
        return str(Path(text).expanduser().resolve())
    if kind.startswith("dict"):  # CODE:UNITS,CODE:UNITS; values checked by notebook.validate
        pairs = [v.replace("=", ":").partition(":") for v in text.split(",") if v.strip()]
        return {k.strip(): v.strip() for k, _, v in pairs}
    return text


def _values(param: Parameter, text: str) -> list[object]:
    """The values of one ``-p NAME=VALUE``: several for a batch, one list for a list."""
    if _collection(param):
        return [_convert(param, text)]
    if not text.strip():
        raise WorkbookError(
            f"parameter {param.name} has no value",
            f"give one, or leave it out to use its default {param.default}",
        )
    items = text.split(",") if _batched(param) else [text]
    if any(not item.strip() for item in items):
        raise WorkbookError(
            f"parameter {param.name} has an empty value in {text!r}", "remove the extra comma"
        )
    return [_scalar(param, item.strip()) for item in items]


def _scalar(param: Parameter, text: str) -> object:
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise WorkbookError(
            f"parameter {param.name} has a line break or another control character in {text!r}",
            "give the value on one line, without tabs",
        )
    return _convert(param, text)


def _shown(value: object) -> str:
    """A value as typed: a list as 97012,97110, volumes as 97012:120."""
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def read_values_file(path: str | Path) -> list[str]:
    """Return the values a file lists, one per line (a comma is part of its value).

    Raises WorkbookError for a folder, a missing or unreadable file, a file that is not UTF-8
    text, and one that lists nothing or has a blank line.
    """
    file = Path(path).expanduser()
    fix = "give a text file with one value per line"
    if file.is_dir():
        raise WorkbookError(f"{path} is a folder", fix)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise WorkbookError(f"{path} does not exist", "check the path") from None
    except OSError as exc:
        raise WorkbookError(f"cannot read {path} ({exc.strerror})", "check the path") from None
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise WorkbookError(f"{path} is not a text file (or not in UTF-8)", fix)
    lines = [line.strip() for line in text.splitlines()]
    if not any(lines):
        raise WorkbookError(f"{path} lists no values", fix)
    if "" in lines:
        raise WorkbookError(
            f"line {lines.index('') + 1} of {path} is blank", "remove it: one value per line"
        )
    return lines


def parse_params(notebook: str | Path, pairs: list[str], files: list[str] = ()) -> list[dict]:
    """Turn ``NAME=VALUE`` pairs and ``NAME=FILE`` value files into the parameter sets to run,
    each value converted by the declared type (codes stay text).

    Comma-separated values of a number, code, year, locality, setting, date or topic make a
    batch (every combination runs); other text such as a provider or a path is taken whole. A
    file gives one value per line; for a list parameter its lines make the one list. Raises
    WorkbookError for a pair without ``=``, an unknown name, an empty value, a value of the
    wrong type, or a name given twice with different values.
    """
    declared = {p.name: p for p in parameters(notebook)}
    given = [(pair, False) for pair in pairs] + [(item, True) for item in files]
    choices: dict[str, list[object]] = {}
    for item, is_file in given:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            shape, example = (
                ("FILE", "--param-file cpt_code=codes.txt")
                if is_file
                else ("VALUE", "--param cpt_code=97012")
            )
            raise WorkbookError(f"{item!r} is not NAME={shape}", f"write e.g. {example}")
        if name not in declared:
            raise WorkbookError(
                f"{resolve_notebook(notebook).stem} has no parameter {name!r}",
                f"its parameters are {', '.join(declared)}",
            )
        param = declared[name]
        if is_file:
            lines = read_values_file(value)
            values = (
                [_convert(param, ",".join(lines))]
                if _collection(param)
                else [_scalar(param, line) for line in lines]
            )
        else:
            values = _values(param, value)
        if not _collection(param):
            values = list(dict.fromkeys(values))  # 97012,97012 runs once
        if name in choices and choices[name] != values:
            raise WorkbookError(
                f"parameter {name} is given twice, as {','.join(map(_shown, choices[name]))} "
                f"and as {','.join(map(_shown, values))}",
                f"give it once; for a batch list the values in one: -p {name}=A,B"
                if _batched(param)
                else "give it once",
            )
        choices[name] = values
    names = list(choices)
    combos = itertools.product(*choices.values())
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def output_stem(notebook: Path, params: dict) -> str:
    """Return a file-name stem from the notebook and its parameters: letters, digits, ``-``,
    ``_``, ``.`` and ``,`` only, so an output can never leave its folder. Where a value had to
    be changed or the name cut at 150 characters, a short hash of the full name keeps two
    different runs from sharing a name."""
    parts = [notebook.stem]
    for name, value in sorted(params.items()):
        parts.append(f"{name}-{_shown(value)}")
    full = "__".join(parts)
    stem = re.sub(r"[^A-Za-z0-9._,-]+|\.{2,}", "-", full)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-")
    if stem != full or len(stem) > STEM_LENGTH:
        digest = hashlib.sha256(full.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem[: STEM_LENGTH - 9].rstrip('.-')}-{digest}".lstrip("-")
    return stem


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


def _one_line(text: str) -> str:
    """The text on one line: line breaks (a user's value may hold one) shown, not obeyed."""
    return text.strip().replace("\r", "\\r").replace("\n", "\\n")


def _failure(exc: Exception) -> str:
    evalue = getattr(exc, "evalue", None) or str(exc)
    ename = getattr(exc, "ename", type(exc).__name__)
    ours = {WorkbookError.__name__} | {c.__name__ for c in WorkbookError.__subclasses__()}
    return _one_line(evalue if ename in ours else f"{ename}: {evalue}") or ename


def output_folder(out_dir: str | Path | None, notebook: str | Path) -> Path:
    """Return the folder the reports of ``notebook`` go to: ``out_dir`` (relative to the current
    folder) or the project's reports/ folder.

    Raises WorkbookError for a file, a path through a file, or the folder of the notebook
    itself (the executed notebook could replace the source).
    """
    out = Path(out_dir).expanduser().absolute() if out_dir else config.REPORTS_DIR
    shown = out_dir or out
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir():
        raise WorkbookError(
            f"--out {shown} is a file, not a folder"
            if existing == out
            else f"--out {shown} is inside {existing}, which is a file",
            "give a folder for the reports; it is created when missing",
        )
    if out.resolve() == resolve_notebook(notebook).parent:
        raise WorkbookError(
            f"--out {shown} is the notebooks' own folder, where a report could replace a notebook",
            "give another folder, such as reports/",
        )
    return out


def max_jobs() -> int:
    """Return how many kernels may run at once: the processor cores this process may use."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(cores) if cores else os.cpu_count() or 1


def check_jobs(jobs: int | None) -> int:
    """Return ``jobs`` (default 2, at most the cores); WorkbookError below 1 or above the cores."""
    most = max_jobs()
    if jobs is None:
        return min(DEFAULT_JOBS, most)
    if not 1 <= jobs <= most:
        raise WorkbookError(
            f"--jobs {jobs} is not between 1 and {most} (the processor cores of this computer)",
            f"give --jobs 1 to {most}",
        )
    return jobs


def run_one(notebook: str | Path, params: dict, out_dir: str | Path | None = None) -> RunResult:
    """Execute one notebook with papermill and export it; return what it produced.

    The values and the output folder are checked first (WorkbookError, no kernel started). A
    failing cell does not raise: the result carries one line naming the notebook and the error,
    and the partial executed notebook is kept.
    """
    skip_slow_imports()
    import papermill

    path = resolve_notebook(notebook)
    out = output_folder(out_dir, path)
    check_params(path, params)
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
                # the kernel's own log stays off the console: its TCP notice, and the
                # "KeyboardInterrupt caught" line when papermill interrupts it to shut it down
                # after a failing cell; a cell's error and a dead kernel still reach the result
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except Exception as exc:  # papermill raises its own execution error with the cell's
            shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"
            result.error = _one_line(f"{path.stem} ({shown}): {_failure(exc)}")
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
    notebook: str | Path,
    param_sets: list[dict],
    out_dir: str | Path | None = None,
    jobs: int | None = None,
) -> list[RunResult]:
    """Run a notebook over many parameter sets in up to ``jobs`` kernels at once (default 2,
    at most the cores), with a progress bar; return the results in the order given. The jobs,
    the output folder and every set are checked before any kernel starts (WorkbookError)."""
    from tqdm.auto import tqdm

    path = resolve_notebook(notebook)
    jobs = check_jobs(jobs)
    out = output_folder(out_dir, path)
    stems: dict[str, dict] = {}
    for params in param_sets:
        check_params(path, params)
        stem = output_stem(path, params)
        if stem in stems:
            raise WorkbookError(f"the batch runs {stem} twice", "give each value once")
        stems[stem] = params
    if jobs == 1 or len(param_sets) == 1:
        return [
            run_one(path, p, out)
            for p in tqdm(param_sets, desc=path.stem, unit="run", disable=len(param_sets) == 1)
        ]
    results: list[RunResult | None] = [None] * len(param_sets)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, path, p, out): i for i, p in enumerate(param_sets)}
        for future in tqdm(as_completed(futures), total=len(futures), desc=path.stem, unit="run"):
            results[futures[future]] = future.result()
    return results  # type: ignore[return-value]
