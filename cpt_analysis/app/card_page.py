"""The code card page: a code, a year, a locality (or ZIP), a setting and a date of service; the
card's facts, RVUs, history, payments and diagnoses, as notebook 01 shows them."""

from __future__ import annotations

from html import escape

from IPython.display import HTML, Markdown

from ..fees import cardtext, charts, pairings
from ..fees.card import code_card
from ..fees.payment import money
from . import pickers as pk
from .page import Page, Runner, table


def headline(card) -> str:
    """The payment of the chosen row in the chosen place and setting, in one line with the
    national amount beside it: ``97110 in 2025, 01112-05 SAN FRANCISCO, nonfacility: $35.57
    (national $29.43)``."""
    prices = card.prices[card.prices["setting"] == card.setting]
    first = prices["modifier"].iloc[0]
    prices = prices[prices["modifier"] == first]
    here = prices.iloc[-1]
    national = prices.iloc[0]
    code = f"{card.code}-{first}" if first else card.code
    where = (
        "national"
        if here["locality_id"] == "national"
        else f"{here['locality_id']} {here['locality_name']}"
    )
    line = f"{code} in {card.year}, {where}, {card.setting}: {money(here['amount'])}"
    if here["locality_id"] != "national":
        line += f" (national {money(national['amount'])})"
    return line


def draw_card(values: dict) -> list:
    """The code card of the checked values (raises WorkbookError as ``lookup`` does)."""
    card = code_card(
        values["cpt_code"],
        year=values["year"],
        locality=values["locality"],
        setting=values["setting"],
        date_of_service=values["date_of_service"],
    )
    diagnoses = card.diagnoses[["icd10", "status", "description", "billable_children", "source"]]
    return [
        HTML(f'<h3 class="cpt-headline">{escape(headline(card))}</h3>'),
        Markdown(cardtext.facts_markdown(card)),
        charts.payment_comparison(card.prices, code=card.code),
        table(card.prices, "Payments"),
        charts.rvu_components(card.rvus, setting=card.setting),
        table(card.rvus.drop(columns=["description"]), f"RVUs ({card.release_note})"),
        charts.rvu_history(card.history, setting=card.setting, code=card.code),
        table(card.history, "RVU history"),
        Markdown(cardtext.meanings_markdown(card)),
        Markdown(cardtext.diagnoses_markdown(card)),
        table(diagnoses, "Diagnoses"),
        Markdown(pairings.GUIDANCE_NOTE + "\n\n" + cardtext.DISCLAIMER),
    ]


def card_params(values: dict) -> dict:
    """Notebook 01's parameters for the checked values."""
    return {k: values[k] for k in ("cpt_code", "year", "locality", "setting", "date_of_service")}


def card_page(run: Runner | None = None, code: str = "97012", locality: str = "01112-05") -> Page:
    """The code card page (``run``: :func:`reports.runner.run_one`, for the downloads)."""
    year = pk.year_picker(2025)
    place = pk.locality_picker(locality, year.widget.value)
    pk.follow_year(place, year)
    return Page(
        "code_card",
        [
            pk.code_picker(code),
            year,
            place,
            pk.setting_picker(),
            pk.date_picker(),
        ],
        draw_card,
        "01_code_card",
        card_params,
        run,
    )
