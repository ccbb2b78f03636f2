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
    p.add_argument(
        "--modifiers",
        default="",
        help="payment modifiers of the line, such as 50, 80, AS, 62 or '50 51': the step-by-step "
        "amount applies them",
    )
    p.add_argument(
        "--base-units", type=float, help="anesthesia codes (status J): the code's base units"
    )
    p.add_argument(
        "--minutes", type=float, help="anesthesia codes: minutes of anesthesia time (15 = 1 unit)"
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
        base_units=args.base_units,
        minutes=args.minutes,
        modifiers=args.modifiers,
    )
    print(render(card, width=_terminal_width()))


def _terminal_width() -> int | None:
    """The terminal's width when the card is printed to one (None for a pipe or a file, which
    get the full 96-character layout)."""
    import shutil
    import sys

    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def add_check_payments(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "check-payments",
        help="compare a CMS payment file (PFxxyyA.TXT) with the workbook's amounts",
        description="Compare every record of a CMS MAC payment file with the workbook's "
        "fee-schedule amount, OPPS price and therapy-reduced amount for its year, carrier and "
        "locality, in both settings, to the cent. Prints the counts and every difference with "
        "the PE RVU the file's amount implies; exit status 1 when any differ.",
    )
    p.add_argument("path", help="the CMS payment file, as CMS publishes it (quoted CSV)")
    p.set_defaults(func=_check_payments)


def _check_payments(args: argparse.Namespace) -> int:
    from ..fees.payment_file import compare_payment_file

    frame = compare_payment_file(args.path)
    records = len(frame) // 2
    equal = int(frame["equal"].sum())
    places = ", ".join(sorted(set(frame["locality_id"])))
    print(f"{records:,} records of {places}, both settings: {equal:,} of {len(frame):,} amounts "
          f"equal to the cent (fee schedule, OPPS price, therapy reduction)")  # fmt: skip
    for r in frame[~frame["equal"]].itertuples():
        print(f"  {r.hcpcs} {r.modifier or 'global'} {r.setting}: file {r.file_amount:.2f}, "
              f"workbook {r.amount:.2f}; {r.why}")  # fmt: skip
    return 0 if equal == len(frame) else 1


def add_localities(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "localities",
        help="list Medicare localities: GPCIs, anesthesia factors, counties; a ZIP's locality",
        description="List the Medicare localities of a year with their GPCIs, anesthesia "
        "conversion factors (dollars per anesthesia unit; one column per period where a year "
        "has two) and counties, or tell the locality of a ZIP code.",
    )
    p.add_argument("--year", type=int, default=2025, help="GPCI year (default 2025)")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--search",
        help="words that start words of a locality's name (SAN FRAN), a state (CA) or MAC-NN",
    )
    which.add_argument(
        "--zip",
        help="a ZIP code (94110): its locality by CMS's ZIP-to-locality file of October 2025",
    )
    p.set_defaults(func=_localities)


def _localities(args: argparse.Namespace) -> None:
    from ..fees.payment import match_localities
    from ..reference import places
    from ..reference.loaders import load_gpci

    gpci = load_gpci(args.year)
    if args.zip is not None:
        place = places.zip_place(args.zip)
        gpci = places.zip_gpci(gpci, args.zip, refuse_split=False)
        print(_zip_lines(place, gpci.iloc[0]["locality_name"]))
    elif args.search is not None:
        gpci = match_localities(gpci, args.search)
        if gpci.empty:
            raise WorkbookError(
                f"no Medicare locality of {args.year} matches {args.search!r}",
                "search by words of a name (MANHATTAN), a state (CA) or a MAC-NN id (01112-05); "
                "`cpt-workbook localities` lists them all",
            )
    table = gpci[["locality_id", "state", "locality_name", "gpci_work", "gpci_pe", "gpci_mp"]]
    table = table.join(_anesthesia_columns(args.year), on="locality_id")
    counties = places.locality_counties(args.year)
    if not counties.empty:
        table = table.join(
            counties.groupby("locality_id")["counties"].agg("; ".join), on="locality_id"
        )
    # counties, the last column, read from the left: padded values under a padded header
    width = int(table["counties"].str.len().max()) if "counties" in table else 0
    header = [c.ljust(width) if c == "counties" else c for c in table.columns]
    text = table.to_string(
        index=False, header=header, formatters={"counties": f"{{:<{width}}}".format}
    )
    print("\n".join(line.rstrip() for line in text.splitlines()))


def _zip_lines(place: pd.Series, name: str) -> str:
    """What CMS's ZIP file says of a ZIP, and a second line where it splits the ZIP."""
    from ..reference import places

    where = places.RURAL_WORDS.get(place["rural"], place["rural"])
    text = (
        f"ZIP {place['zip']}: {place['locality_id']} {name}, {where}, by "
        f"CMS's ZIP-to-locality file ({places.ZIP_QUARTER}, {places.ZIP_FILE})"
    )
    if place["plus_four"]:
        refused = "a price by this ZIP is refused: give the MAC-NN id"
        text += f"\n{places.split_note(place, name)}; {refused}"
    return text


def _anesthesia_columns(year: int) -> pd.DataFrame:
    """The anesthesia conversion factors of ``year`` by locality_id: one column, or one per
    period named by its first day (anesthesia_cf_jan01, anesthesia_cf_mar09)."""
    from ..reference import places

    rows = places.load_anesthesia_cfs(year)
    wide = rows.pivot(index="locality_id", columns="effective_from", values="anesthesia_cf")
    if len(wide.columns) == 1:
        return wide.set_axis(["anesthesia_cf"], axis=1)
    return wide.set_axis([f"anesthesia_cf_{d:%b%d}".lower() for d in wide.columns], axis=1)
