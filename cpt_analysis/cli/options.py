"""The options several commands share, each declared once as an argparse parent parser.

``--date`` (lookup, icd10, article, ingest) is the date of service ICD-10-CM codes are judged
on; ``--year`` of lookup and article is the fee-schedule year. The other ``--year`` options
mean other things and stay with their command: the file's own year (import-cms), the GPCI year
(localities), the year of the dates of service (practice). Every command on an encounter export
(practice, em-levels, therapy-threshold, compare-years, compensation) takes the export and its
``--map`` from one parent, and reads it with :func:`read_export`.
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
    export: argparse.ArgumentParser  # an encounter export and its --map, for every practice command


def shared_options() -> Shared:
    """Return the shared options; the store's folder is read from the environment now."""
    date = argparse.ArgumentParser(add_help=False)
    date.add_argument(
        "--date", help="date of service for ICD-10-CM checks, YYYY-MM-DD (default today)"
    )
    fee_year = argparse.ArgumentParser(add_help=False)
    fee_year.add_argument("--year", type=int, help="fee-schedule year (default: latest)")
    store = f"{config.store_dir()}; set {config.STORE_ENV} to use another folder"
    return Shared(date=date, fee_year=fee_year, store=store, export=_export())


def _export() -> argparse.ArgumentParser:
    export = argparse.ArgumentParser(add_help=False)
    export.add_argument("path", nargs="?", help="CSV or Excel export (default: the shipped sample)")
    export.add_argument(
        "--map",
        action="append",
        metavar='"COLUMN=FIELD"',
        help="read the file's COLUMN as FIELD (repeatable), for a column not recognised by "
        'name, e.g. --map "Service Date From=date_of_service"; fields: date_of_service, provider, '
        "cpt, modifier_1..modifier_4 or modifiers, units, minutes, dx_1..dx_4, place_of_service, "
        "locality, charge, patient_id, encounter_id. `cpt-workbook practice` shows every column "
        "read in its `columns:` line, ready to paste back",
    )
    return export


def read_export(args: argparse.Namespace, **outputs: str | None):
    """Check the command's output files against its export (one line, exit 2, before any work),
    then read the export (``args.path``, default the shipped sample) with ``args.map``; return
    the :class:`EncounterImport`."""
    from ..practice.intake import parse_mapping, read_encounters
    from ..practice.report import SAMPLE, check_outputs

    path = args.path or SAMPLE
    check_outputs(path, **outputs)
    return read_encounters(path, parse_mapping(args.map or []))
