"""The options several commands share, each declared once as an argparse parent parser.

``--date`` (lookup, icd10, article, ingest) is the date of service ICD-10-CM codes are judged
on; ``--year`` of lookup and article is the fee-schedule year. The other ``--year`` options
mean other things and stay with their command: the file's own year (import-cms), the GPCI year
(localities), the year of the dates of service (practice).
"""

from __future__ import annotations

import argparse
from typing import NamedTuple

from .. import config


class Shared(NamedTuple):
    """Parent parsers to name in ``parents=`` of a command, and the store's folder as the help
    names it."""

    date: argparse.ArgumentParser
    fee_year: argparse.ArgumentParser
    store: str


def shared_options() -> Shared:
    """Return the shared options; the store's folder is read from the environment now."""
    date = argparse.ArgumentParser(add_help=False)
    date.add_argument(
        "--date", help="date of service for ICD-10-CM checks, YYYY-MM-DD (default today)"
    )
    fee_year = argparse.ArgumentParser(add_help=False)
    fee_year.add_argument("--year", type=int, help="fee-schedule year (default: latest)")
    store = f"{config.store_dir()}; set {config.STORE_ENV} to use another folder"
    return Shared(date=date, fee_year=fee_year, store=store)
