"""Run a notebook with papermill and export it: executed notebook, HTML report (code hidden,
charts drawn offline with plotly.js inlined once) and, when the notebook publishes result
tables, an Excel workbook of them.

Every value (with the notebook's defaults for the others), the output folder and the output
names are checked before any kernel starts. A batch of parameter sets (see :mod:`run_params`)
runs in up to ``--jobs`` kernels in parallel with a progress bar; names stay unique per run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from .. import config
from ..errors import WorkbookError
from ..export import write_excel
from ..files import atomic_write
from .gallery import notebook_title, write_gallery
from .notebook import (
    TABLES_ENV,
    check_params,
    published_tables,
    resolve_notebook,
    skip_slow_imports,
)
from .run_params import parse_params as parse_params  # the runner's API too
from .run_params import shown
from .sources import rvu_sources

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
    gallery: Path | None = None  # the folder's index.html, rewritten after a batch

    @property
    def ok(self) -> bool:
        """True when the notebook ran to the end."""
        return self.error is None


def output_stem(notebook: Path, params: dict) -> str:
    """Return a file-name stem from the notebook and its parameters: letters, digits, ``-``,
    ``_``, ``.`` and ``,`` only, so an output can never leave its folder. Where a value had to
    be changed or the name cut at 150 characters, a short hash of the full name keeps two
    different runs from sharing a name."""
    parts = [notebook.stem]
    for name, value in sorted(params.items()):
        parts.append(f"{name}-{shown(value)}")
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
    _atomic_text(target, sortable_tables(body))
    return target


# DataTables (itables' offline bundle) made the long tables' sorting and search: the tables
# keep their labelled, formatted cells, and start in the notebook's order
SORTABLE_INIT = """<script type="module">
(async () => {
  const { ITable } = await window.%s;
  document.querySelectorAll("table.cpt-long:not(.dataTable)").forEach(table => {
    new ITable(table, {order: [], pageLength: 25, lengthMenu: [10, 25, 50, 100, -1],
                       autoWidth: false, scrollX: false});
  });
})();
</script>"""


def sortable_tables(body: str) -> str:
    """Return the report ``body`` with its long tables (class ``cpt-long``, see
    :func:`cpt_analysis.presentation.html_table`) sortable and searchable: itables' DataTables
    bundle inlined once (offline: no file is fetched), only when the report has such a table."""
    if 'class="cpt-table cpt-long"' not in body:
        return body
    from itables import javascript, options

    loader = javascript.generate_init_offline_itables_html(options.dt_bundle)
    promise = re.search(r"window\.(_itables_\w+)\s*=", loader)  # the bundle's module, loading
    if promise is None:
        raise WorkbookError(
            f"itables {getattr(__import__('itables'), '__version__', '?')} loads its tables "
            "differently from what the reports expect",
            "install itables 2.2 or later (pip install -U itables)",
        )
    script = loader + SORTABLE_INIT % promise.group(1)
    head, found, tail = body.rpartition("</body>")
    return head + script + found + tail if found else body + script


def _atomic_text(target: Path, text: str) -> None:
    atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _one_line(text: str) -> str:
    """The text on one line: line breaks (a user's value may hold one) shown, not obeyed."""
    return text.strip().replace("\r", "\\r").replace("\n", "\\n")


def _failure(ename: str, evalue: str) -> str:
    """A failing cell's error on one line: a WorkbookError in its own words, any other error
    with its name (``KeyError: 'x'``)."""
    ours = {WorkbookError.__name__} | {c.__name__ for c in WorkbookError.__subclasses__()}
    return _one_line(evalue if ename in ours else f"{ename}: {evalue}") or ename


def _shown(params: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"


def output_folder(out_dir: str | Path | None, notebook: str | Path) -> Path:
    """Return the folder the reports of ``notebook`` go to: ``out_dir`` (relative to the current
    folder) or the project's reports/ folder.

    Raises WorkbookError for a file, a path through a file, or the folder of the notebook
    itself (the executed notebook could replace the source).
    """
    if out_dir is not None and not str(out_dir).strip():
        raise WorkbookError("--out is empty", "give a folder, or leave --out out for reports/")
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


def _planned(path: Path, params: dict, out: Path) -> str:
    """Check one run's values and output names before a kernel starts; return its name stem."""
    check_params(path, params)
    stem = output_stem(path, params)
    for suffix in (".ipynb", ".html", ".xlsx"):
        target = _inside(out, stem + suffix)
        if target.is_dir():
            raise WorkbookError(
                f"{target} is a folder, where a report would go",
                "rename that folder, or give another --out",
            )
    return stem


def quiet_kernel_manager() -> type:
    """Return a kernel manager whose kernel's own stdout and stderr go nowhere: the console of
    ``run`` and ``make report`` shows no kernel noise. Cell outputs and errors travel over the
    kernel's channels, not these streams, so the report and the result lose nothing."""
    from jupyter_client import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def run_one(notebook: str | Path, params: dict, out_dir: str | Path | None = None) -> RunResult:
    """Execute one notebook with papermill and export it; return what it produced.

    The values and the output folder are checked first (WorkbookError, no kernel started). A
    failing cell does not raise: the result carries one line naming the notebook and the error,
    and the partial executed notebook is kept.
    """
    skip_slow_imports()
    import papermill
    from papermill.exceptions import PapermillExecutionError

    path = resolve_notebook(notebook)
    out = output_folder(out_dir, path)
    stem = _planned(path, params, out)
    out.mkdir(parents=True, exist_ok=True)
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
                # and whatever the kernel process prints itself (ipykernel's event loop writes
                # "KeyboardInterrupt caught in kernel" straight to its stdout) goes nowhere
                kernel_manager_class=quiet_kernel_manager(),
            )
        except PapermillExecutionError as exc:  # a cell raised: the error's name and value
            result.error = _one_line(
                f"{path.stem} ({_shown(params)}): {_failure(exc.ename, exc.evalue)}"
            )
            return result
        except RuntimeError as exc:  # the kernel died (nbclient) or never answered (jupyter)
            result.error = _one_line(
                f"{path.stem} ({_shown(params)}): its kernel stopped before the end ({exc})"
            )
            return result
        finally:
            if previous is None:
                os.environ.pop(TABLES_ENV, None)
            else:
                os.environ[TABLES_ENV] = previous
        sheets = published_tables(Path(tables_dir))
        if sheets:
            result.excel = _inside(out, f"{stem}.xlsx")
            write_excel(result.excel, sheets, about=_about(path, params, executed, sheets))
    result.html = export_html(executed, _inside(out, f"{stem}.html"))
    return result


def _about(path: Path, params: dict, executed: Path, sheets: dict) -> dict:
    """The Excel About sheet's items of a run: the notebook, its parameters, its executed
    notebook and, when no table names its source or release, the RVU releases of its year."""
    title = notebook_title(json.loads(path.read_text(encoding="utf-8")), path.stem)
    items = {
        "Report": f"{title} ({path.stem})",
        "Parameters": _shown(params) if params else "the notebook's defaults",
        "Executed notebook": executed.name,
    }
    named = any(c in f.columns for f in sheets.values() for c in ("source", "release"))
    year = check_params(path, params).get("year")
    if not named and isinstance(year, int):
        items["Data sources and releases"] = rvu_sources(year)
    return items


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
    stems: set[str] = set()
    for params in param_sets:
        stem = _planned(path, params, out)
        if stem in stems:
            raise WorkbookError(f"the batch runs {stem} twice", "give each value once")
        stems.add(stem)
    if jobs == 1 or len(param_sets) == 1:
        return _with_gallery(
            [
                run_one(path, p, out)
                for p in tqdm(param_sets, desc=path.stem, unit="run", disable=len(param_sets) == 1)
            ],
            out,
        )
    results: list[RunResult | None] = [None] * len(param_sets)
    waiting = list(enumerate(param_sets))[::-1]
    running: dict = {}
    spawn = get_context("spawn")
    with (
        ProcessPoolExecutor(jobs, mp_context=spawn, initializer=_quiet_worker) as pool,
        tqdm(total=len(param_sets), desc=path.stem, unit="run") as bar,
    ):
        while waiting or running:
            while waiting and len(running) < jobs:  # none queued: after Ctrl-C no run starts
                i, params = waiting.pop()
                running[pool.submit(run_one, path, params, out)] = i
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
                bar.update()
    return _with_gallery(results, out)  # type: ignore[arg-type]


def _with_gallery(results: list[RunResult], out: Path) -> list[RunResult]:
    """Rewrite the output folder's index.html (every report in it) and return ``results``,
    each naming it (None where the folder's index.html is someone else's page)."""
    gallery = write_gallery(out)
    for r in results:
        r.gallery = gallery
    return results


def _quiet_worker() -> None:
    """Set up a batch worker: Ctrl-C stops its run (papermill then shuts its kernel down)
    without asyncio's notes about the tasks that run left behind."""
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
