"""Commands on codes and their payment: ``lookup`` (the code card) and ``localities``."""

from __future__ import annotations

import argparse

import pandas as pd

from ..errors import WorkbookError
from .options import Shared


def add_lookup(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "lookup",
        parents=[shared.fee_year, shared.date],
        help="print the code card of a CPT/HCPCS code",
        description="Print the code card: plain-language facts, RVUs, payment "
        "and typical diagnoses with their ICD-10-CM status.",
    )
    p.add_argument(
        "code", help="CPT/HCPCS code such as 97012, 00100 or 72148; 72148-26 shows one modifier row"
    )
    p.add_argument("--locality", help="Medicare locality: MAC-NN (01112-05) or part of its name")
    p.add_argument(
        "--setting",
        default="nonfacility",
        help="facility, nonfacility or a place-of-service code (default nonfacility)",
    )
    p.add_argument(
        "--apm",
        action="store_true",
        help="use the qualifying-APM conversion factor where a year has one",
    )
    p.set_defaults(func=_lookup)


def _lookup(args: argparse.Namespace) -> None:
    from ..fees.card import code_card
    from ..fees.cardtext import render

    card = code_card(
        args.code,
        year=args.year,
        locality=args.locality,
        setting=args.setting,
        date_of_service=args.date,
        apm=args.apm,
    )
    print(render(card))


def add_localities(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "localities",
        help="list Medicare localities and their GPCIs",
        description="List the Medicare localities of a year with their GPCIs.",
    )
    p.add_argument("--year", type=int, default=2025, help="GPCI year (default 2025)")
    p.add_argument(
        "--search",
        help="words that start words of a locality's name (SAN FRAN), a state (CA) or MAC-NN",
    )
    p.set_defaults(func=_localities)


def _localities(args: argparse.Namespace) -> None:
    from ..fees.payment import match_localities
    from ..reference.loaders import load_gpci

    gpci = load_gpci(args.year)
    if args.search is not None:
        gpci = match_localities(gpci, args.search)
        if gpci.empty:
            raise WorkbookError(
                f"no Medicare locality of {args.year} matches {args.search!r}",
                "search by words of a name (MANHATTAN), a state (CA) or a MAC-NN id (01112-05); "
                "`cpt-workbook localities` lists them all",
            )
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(
            gpci[
                ["locality_id", "state", "locality_name", "gpci_work", "gpci_pe", "gpci_mp"]
            ].to_string(index=False)
        )
