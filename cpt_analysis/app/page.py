"""One page of the app: its pickers on top, the tables and charts of the current choices below,
and a button that makes the same HTML and Excel reports as ``cpt-workbook run``.

A page re-draws whenever a picker changes. A refusal is the CLI's one line, shown beside the
picker it concerns (a mistake the package finds while drawing goes beside the page's main
picker); an unexpected failure is one line too. No traceback ever reaches the page.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

import ipywidgets as w
import plotly.graph_objects as go
import plotly.io as pio
from IPython.core.formatters import DisplayFormatter
from IPython.display import HTML

from .. import presentation
from ..errors import WorkbookError
from .pickers import Picker, refusal

# set by `cpt-workbook app` for its kernels: where downloads go, and the URL they are served at
DOWNLOADS_ENV = "CPT_WORKBOOK_APP_DOWNLOADS"
FILES_URL_ENV = "CPT_WORKBOOK_APP_FILES_URL"
PAGES = {
    "code_card": "Code card",
    "rvu_explorer": "RVU explorer",
    "diagnosis_pairings": "Diagnosis pairings",
    "practice_report": "Practice report",
}
Runner = Callable[..., object]  # reports.runner.run_one, given by the page notebook


def unexpected(exc: BaseException) -> str:
    """An unexpected failure in one line, as the CLI says it."""
    return f"unexpected {type(exc).__name__}: {exc}: please report it"


def nav(current: str) -> w.HTML:
    """Links to the other pages of the app."""
    links = [
        f"<b>{title}</b>"
        if name == current
        else f'<a href="../render/{name}.ipynb" style="color:#1f6fb2">{title}</a>'
        for name, title in PAGES.items()
    ]
    return w.HTML(" &nbsp;|&nbsp; ".join(links))


class Page:
    """Pickers, a drawing function and a notebook to run for downloads.

    ``draw(values)`` returns the page's tables, texts and charts for the checked values, in
    order; it may raise WorkbookError, shown beside ``pickers[main]``. ``params(values)`` gives the notebook's
    parameters for the downloads, run by ``run`` (:func:`reports.runner.run_one`).
    """

    def __init__(
        self,
        name: str,
        pickers: list[Picker],
        draw: Callable[[dict], list],
        notebook: str,
        params: Callable[[dict], dict],
        run: Runner | None = None,
        main: int = 0,
    ) -> None:
        self.name = name
        self.pickers = pickers
        self.draw = draw
        self.notebook = notebook
        self.params = params
        self.run = run
        self.main = pickers[main]
        self.output = w.Output()
        self.status = w.HTML()
        self.values: dict | None = None
        self.seconds = 0.0
        self.button = w.Button(description="Make HTML and Excel", button_style="")
        self.downloads = w.HTML()
        self.button.on_click(lambda _: self.make_downloads())
        for picker in pickers:
            picker.widget.observe(lambda _: self.update(), names="value")

    def read(self) -> dict | None:
        """The checked values of every picker, or None when one refused (shown beside it)."""
        done: dict = {}
        ok = True
        for picker in self.pickers:
            try:
                done[picker.name] = picker.read(done)
            except WorkbookError:
                ok = False
        return done if ok else None

    def update(self) -> None:
        """Check the pickers and re-draw the page for their values, in one change of the output
        (the browser swaps the old card for the new one at once)."""
        started = time.perf_counter()
        self.downloads.value = self.status.value = ""
        shown: list = []
        try:
            self.values = self.read()
            if self.values is not None:
                shown = [bundle(item) for item in self.draw(self.values)]
        except WorkbookError as exc:
            self.values = None
            self.main.refuse(exc)
        except Exception as exc:  # never a traceback on the page
            self.values = None
            self.status.value = _line(unexpected(exc))
        self.output.outputs = tuple(shown)
        self.seconds = time.perf_counter() - started

    def text(self) -> str:
        """The page's tables and texts as shown (HTML and Markdown), for tests and benchmarks."""
        return "\n".join(
            o["data"].get("text/html") or o["data"].get("text/markdown") or ""
            for o in self.output.outputs
        )

    def make_downloads(self) -> list[Path]:
        """Run the page's notebook for the current choices with ``run`` and link its HTML report
        and Excel workbook; return their paths. A refusal is shown beside the button."""
        if self.values is None or self.run is None:
            self.downloads.value = _line("choose valid values first: see the lines in red")
            return []
        self.button.disabled = True
        self.downloads.value = "making the report (a kernel runs the notebook: a few seconds)..."
        try:
            result = self.run(self.notebook, self.params(self.values), downloads_dir())
        except WorkbookError as exc:
            self.downloads.value = _line(refusal(exc))
            return []
        except OSError as exc:  # a full disk, a folder gone: as the CLI says it
            where = f" ({exc.filename})" if exc.filename else ""
            self.downloads.value = _line(f"{exc.strerror or exc}{where}: check the path")
            return []
        except Exception as exc:  # never a traceback on the page
            self.downloads.value = _line(unexpected(exc))
            return []
        finally:
            self.button.disabled = False
        if result.error:
            self.downloads.value = _line(result.error)
            return []
        made = [p for p in (result.html, result.excel) if p is not None]
        self.downloads.value = " &nbsp; ".join(_link(p) for p in made)
        return made

    def show(self) -> w.VBox:
        """Draw the page once and return its widgets to display."""
        self.update()
        return w.VBox(
            [
                nav(self.name),
                *[p.box for p in self.pickers],
                self.status,
                self.output,
                w.HBox([self.button, self.downloads]),
            ]
        )


def _line(text: str) -> str:
    return f'<span class="cpt-refusal" style="color:#b00020">{escape(text)}</span>'


def downloads_dir() -> Path:
    """Where the reports of the downloads go: the app's downloads folder (served by the app), or
    the runner's default reports folder outside the app."""
    folder = os.environ.get(DOWNLOADS_ENV)
    return Path(folder) if folder else None


def _link(path: Path) -> str:
    url = os.environ.get(FILES_URL_ENV)
    kind = "Excel" if path.suffix == ".xlsx" else "HTML"
    if not url:
        return f"{kind}: {escape(str(path))}"
    return f'<a href="{escape(url + path.name)}" download="{escape(path.name)}">{kind} report</a>'


def table(frame, caption: str = "") -> HTML:
    """A table without its index under its caption (the figures as the package gives them)."""
    head = f"<h4>{escape(caption)}</h4>" if caption else ""
    return HTML(head + presentation.html_table(frame))


_FORMATTER = DisplayFormatter()


def bundle(item: object) -> dict:
    """One output of the page as the notebook format has it: a plotly figure as its data (drawn
    by the plotly extension the app serves), anything else by IPython's formatters."""
    if isinstance(item, go.Figure):
        data = pio.renderers["plotly_mimetype"].to_mimebundle(item.to_dict())
    else:
        data = _FORMATTER.format(item)[0]
    if "text/html" in data:  # dollar amounts are money, never LaTeX for the page's typesetter
        data["text/html"] = f'<div class="tex2jax_ignore mathjax_ignore">{data["text/html"]}</div>'
    return {"output_type": "display_data", "data": data, "metadata": {}}
