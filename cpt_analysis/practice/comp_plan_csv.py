"""A compensation plan written as a CSV table instead of YAML: one item a row, in three columns
``item,value,dollars_per_wrvu``, turned into the same keys :func:`comp_plan.read_plan` checks::

    item,value,dollars_per_wrvu
    plan,Sample wRVU plan,
    base_salary,250000,
    threshold_wrvus,150,
    tier,300,50          <- a tier: up_to_wrvus in value, its dollars per wRVU
    tier,,55             <- the last tier may be open-ended
    rvu_year,current,
    professional_component,1.0,
    technical_component,0,
    assistant_at_surgery,0.16,
    excluded_code,99211,  <- one row per code; read as text, so 00100 stays 00100
    benchmark,4800,our survey median   <- a benchmark you hold: wRVUs, then its label

Every cell is read as text; numbers are converted here so that ``250,000`` (quoted) is refused
as not a number, by the same checks as YAML's.
"""

from __future__ import annotations

import csv
import io

from ..errors import WorkbookError

HEADER = ["item", "value", "dollars_per_wrvu"]
SINGLE = ("plan", "base_salary", "threshold_wrvus", "rvu_year")
CREDIT = ("professional_component", "technical_component", "assistant_at_surgery")
ITEMS = (*SINGLE, "tier", *CREDIT, "excluded_code", "benchmark")


def _value(text: str) -> object:
    """A number where the text is one, else the text (which the checks then refuse)."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _rows(name: str, text: str) -> list[list[str]]:
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        return []
    if [c.strip().lower() for c in rows[0]][:2] != HEADER[:2]:
        raise WorkbookError(
            f"{name} does not start with the header {','.join(HEADER)}",
            "write the plan one item a row under that header",
        )
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > len(HEADER):
            raise WorkbookError(
                f"row {number} of {name} has {len(row)} fields",
                f"give {len(HEADER)} at most ({','.join(HEADER)}); quote a value with a comma",
            )
    return [(r + ["", ""])[:3] for r in rows[1:]]


def _check_row(name: str, number: int, item: str, third: str) -> str:
    if item not in ITEMS:
        raise WorkbookError(
            f"unknown item '{item}' in row {number} of {name}",
            f"the items are {', '.join(ITEMS)}",
        )
    if third.strip() and item not in ("tier", "benchmark"):
        raise WorkbookError(
            f"row {number} of {name} gives {item} a third field '{third.strip()}'",
            "quote a value with a comma, or leave dollars_per_wrvu empty",
        )
    return item


def plan_dict(name: str, text: str) -> dict | None:
    """Return the plan's keys as :func:`comp_plan.read_plan` reads them from YAML, or None for
    a file with no row. Raises WorkbookError for a bad header, a row with too many fields, an
    unknown item (naming it) or an item given twice."""
    rows = _rows(name, text)
    if not rows:
        return None
    data: dict = {}
    credit: dict = {}
    for number, (item, value, third) in enumerate(rows, start=2):
        item = _check_row(name, number, item.strip(), third)
        if item == "tier":
            tier = {"dollars_per_wrvu": _value(third)}
            if value.strip():
                tier["up_to_wrvus"] = _value(value)
            data.setdefault("tiers", []).append(tier)
        elif item == "excluded_code":
            credit.setdefault("excluded_codes", []).append(value.strip())
        elif item == "benchmark":
            data.setdefault("benchmarks", {})[third.strip() or f"benchmark {number}"] = _value(
                value
            )
        else:
            into = credit if item in CREDIT else data
            if item in into:
                raise WorkbookError(f"{item} is given twice in {name}", "give it once")
            into[item] = value.strip() if item in ("plan", "rvu_year") else _value(value)
    if credit:
        data["credit"] = credit
    return data
