"""The diagnosis pairings page: a code, an ICD-10-CM code or prefix, a family and a date of
service; the typical diagnoses, the procedures of a diagnosis, the family's heatmap and the
pairings to replace, as notebook 03 shows them."""

from __future__ import annotations

from IPython.display import HTML, Markdown

from ..fees import charts, explorer, pairings
from . import pickers as pk
from .page import Page, Runner, table

FAMILY = "Physical medicine: supervised modalities"


def draw_pairings(values: dict) -> list:
    """The pairings' tables and heatmap for the checked values."""
    day = values["date_of_service"]
    dx = pairings.diagnoses_for(values["cpt_code"], day)
    px = pairings.procedures_for(values["icd10_code"], day)
    codes = explorer.select_codes(family=values["family"])
    return [
        HTML(f'<h3 class="cpt-headline">Diagnoses of {values["cpt_code"]} on {day}</h3>'),
        table(dx[["cpt", "icd10", "status", "description", "billable_children", "source"]]),
        table(
            px[["cpt", "procedure", "icd10", "status", "billable_children"]],
            f"Procedures paired with {values['icd10_code']}",
        ),
        charts.pairing_heatmap(pairings.pairing_matrix(codes, day)),
        table(pairings.stale_pairings(codes, day), "Pairings to replace"),
        Markdown(pairings.GUIDANCE_NOTE),
    ]


def pairings_params(values: dict) -> dict:
    """Notebook 03's parameters for the checked values."""
    return {k: values[k] for k in ("cpt_code", "icd10_code", "family", "date_of_service")}


def pairings_page(run: Runner | None = None) -> Page:
    """The pairings page (``run``: :func:`reports.runner.run_one`, for the downloads)."""
    family = pk.family_picker(FAMILY)
    family.widget.options = family.widget.options[1:]  # the heatmap needs a family
    return Page(
        "diagnosis_pairings",
        [
            pk.code_picker("97012", modifiers=False),
            pk.text_picker("icd10_code", "M54", "ICD-10-CM", pk.check_icd10, "M54.50 or M54"),
            family,
            pk.date_picker(),
        ],
        draw_pairings,
        "03_diagnosis_pairings",
        pairings_params,
        run,
    )
