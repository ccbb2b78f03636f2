"""Commands on the notebooks: ``run`` (a notebook into a report) and ``notebooks``."""

from __future__ import annotations

import argparse
import sys

from ..config import REPORTS_DIR
from .messages import say
from .options import Shared


def add_run(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "run",
        help="run a notebook into an HTML report (and Excel, where it has result tables)",
        description="Execute a notebook with papermill and write the executed notebook, an HTML "
        "report (code hidden) and, when the notebook publishes result tables, an Excel workbook "
        "of them; then the output folder's index.html lists every report in it (newest first, "
        "by notebook). Several values of a parameter make a batch (see --param). Every value is "
        "checked before a kernel starts; leave a parameter out for its default.",
    )
    p.add_argument("notebook", help="notebook name such as 01_code_card (see `notebooks`)")
    p.add_argument(
        "--param",
        "-p",
        action="append",
        metavar="NAME=VALUE",
        help="parameter value (repeatable); codes stay text; comma-separated codes, years, "
        "localities, settings, dates or topics make a batch; other text (a provider, a path, a "
        "family) is taken whole, commas included",
    )
    p.add_argument(
        "--param-file",
        action="append",
        metavar="NAME=FILE",
        help="batch over the values in FILE, one per line (commas are part of a value); for a "
        "list parameter such as codes, the lines make the one list",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="output folder, created when missing; a relative DIR is relative to the current "
        f"folder (default: {REPORTS_DIR})",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        help="kernels in parallel for a batch, 1 to the number of processor cores (default 2)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..reports.run_params import parse_params
    from ..reports.runner import run_many

    sets = parse_params(args.notebook, args.param or [], args.param_file or [])
    results = run_many(args.notebook, sets, args.out, jobs=args.jobs)
    for r in results:
        if r.ok:
            made = f"tables: {r.excel.name}" if r.excel else "no result tables, so no Excel"
            print(f"{r.html}  ({made})")
    if not any(r.ok for r in results):  # no report made: only the errors below
        pass
    elif results[0].gallery:  # on stderr: stdout keeps one line per report
        print(f"all reports: {results[0].gallery}", file=sys.stderr)
    else:
        folder = results[0].executed.parent
        print(
            f"cpt-workbook: {folder / 'index.html'} is not the workbook's reports page: "
            "left as it is, and no page of all reports written",
            file=sys.stderr,
        )
    failed = [r for r in results if not r.ok]
    for r in failed:
        say(f"{r.error}; partial notebook kept at {r.executed}")
    return 1 if failed else 0


def add_notebooks(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "notebooks",
        help="list the notebooks and their parameters",
        description="List the notebooks with their parameters, types, defaults and help.",
    )
    p.set_defaults(func=_notebooks)


def _notebooks(args: argparse.Namespace) -> None:
    from ..reports.notebook import notebooks, parameters

    for path in notebooks():
        print(path.stem)
        for p in parameters(path):
            print(f"  {p.name}: {p.type} = {p.default}  # {p.help}")
