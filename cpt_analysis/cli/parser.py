"""The argument parser of ``cpt-workbook``: one sub-command per concern's ``add_*`` function,
listed in the order ``--help`` shows them."""

from __future__ import annotations

import argparse
import textwrap
from typing import NoReturn

from . import app, articles, compensation, edits, fees, payers, practice, reference, reports, yoy
from .messages import say
from .options import shared_options

COMMANDS = (
    fees.add_lookup,
    reference.add_import_cms,
    reference.add_icd10,
    fees.add_localities,
    fees.add_check_payments,
    reports.add_run,
    practice.add_practice,
    edits.add_ncci,
    edits.add_therapy_threshold,
    edits.add_em_levels,
    payers.add_payers,
    yoy.add_compare_years,
    compensation.add_compensation,
    articles.add_article,
    articles.add_ingest,
    reference.add_store,
    reports.add_notebooks,
    app.add_app,
)


class Formatter(argparse.HelpFormatter):
    """Help text wrapped between words only: a path such as ``/home/ann/my-reports`` or a code
    such as ``72148-26`` is never cut at its hyphen."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = " ".join(text.split())
        return textwrap.fill(
            text,
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line with a pointer to ``--help``, exit 2, and
    whose help never cuts a word at a hyphen (:class:`Formatter`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        say(f"{message}: see `{self.prog} --help`")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``cpt-workbook`` with every sub-command."""
    parser = Parser(
        prog="cpt-workbook",
        description="CPT Analysis Workbook: Medicare RVUs, payments and ICD-10-CM pairings.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )
    shared = shared_options()
    for add in COMMANDS:
        add(sub, shared)
    return parser
