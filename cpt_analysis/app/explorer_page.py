"""The RVU explorer page: codes (or a family), a year, the years of the trend, a setting, a
locality and yearly volumes; the side-by-side view, trends, changes explained and the volume
impact, as notebook 02 shows them."""

from __future__ import annotations

from IPython.display import HTML, Markdown

from ..fees import charts, explorer
from . import pickers as pk
from .page import Page, Runner, table

CODES = "97012, 97110, 97140, 97530"
VOLUMES = "97012:120, 97110:400, 97140:250"


def draw_explorer(values: dict) -> list:
    """The explorer's tables and charts for the checked values."""
    chosen = explorer.select_codes(values["codes"] or None, family=values["family"] or None)
    years, setting = values["years"], values["setting"]
    side = explorer.side_by_side(chosen, values["year"], setting, locality=values["locality"])
    trend = explorer.trends(chosen, years, setting=setting)
    changes = explorer.explain_changes(chosen, years, setting=setting)
    impact = explorer.volume_impact(values["volumes"], years[0], years[-1], setting=setting)
    shown = [
        HTML(f'<h3 class="cpt-headline">{", ".join(chosen)} in {values["year"]}</h3>'),
        charts.codes_side_by_side(side),
        table(side, "Side by side"),
        charts.trend_lines(trend),
        table(trend, "Trend"),
        table(changes.drop(columns=["explanation"]), "Changes"),
        Markdown(explorer.explanations_markdown(changes)),
    ]
    first = explorer.waterfall_code(changes, chosen)
    if first:
        shown.append(charts.change_waterfall(changes, first))
    return [*shown, table(impact, f"Volume impact, {years[0]} to {years[-1]}")]


def explorer_params(values: dict) -> dict:
    """Notebook 02's parameters for the checked values."""
    names = ("codes", "family", "year", "years", "setting", "locality", "volumes")
    return {k: values[k] for k in names}


def explorer_page(run: Runner | None = None) -> Page:
    """The RVU explorer page (``run``: :func:`reports.runner.run_one`, for the downloads)."""
    year = pk.year_picker(2025)
    locality = pk.locality_picker("national", year.widget.value)
    pk.follow_year(locality, year)
    return Page(
        "rvu_explorer",
        [
            pk.text_picker("codes", CODES, "Codes", pk.check_codes, "97012, 97110 or none"),
            pk.family_picker(),
            year,
            pk.years_picker(),
            pk.setting_picker(),
            locality,
            pk.text_picker("volumes", VOLUMES, "Yearly units", pk.check_volumes, "97110:120"),
        ],
        draw_explorer,
        "02_rvu_explorer",
        explorer_params,
        run,
    )
