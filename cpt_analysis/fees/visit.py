"""Price the lines of one visit together (the same patient, day and provider), so that the
multiple-procedure reductions rank them as CMS does (:mod:`multiple`)."""

from __future__ import annotations

import re

import pandas as pd

from ..errors import WorkbookError
from .multiple import TC_RATES, reductions
from .payment import price
from .priced import Price

MAX_LINES = 50


def parse_line(text: str) -> tuple[str, str, int]:
    """Return (code, modifiers, units) of a line written ``27447-50``, ``71046-26-51``,
    ``64484 x2`` or ``97110:3``."""
    match = re.fullmatch(
        r"\s*([^\s:x\-]+)((?:-[0-9A-Za-z]{2})*)\s*(?:(?:x|:)\s*(\d+))?\s*", str(text)
    )
    if not match:
        raise WorkbookError(
            f"'{text}' is not a line",
            "write CODE, CODE-MOD-MOD or CODE x UNITS (27447-50, 64484 x2)",
        )
    units = int(match[3] or 1)
    if not 1 <= units <= 999:
        raise WorkbookError(f"{units} units on '{text}' is out of range", "give 1 to 999 units")
    return match[1], " ".join(match[2].split("-")).strip(), units


def price_visit(lines: list[str], **where) -> pd.DataFrame:
    """Price the ``lines`` of one visit (``where``: year, date_of_service, locality, setting,
    apm as for :func:`payment.price`): each line's amount after its own modifiers, then the
    multiple-procedure reduction of the visit. Returns one row per line: line, code, modifiers,
    units, fee_schedule_amount, opps_amount, amount (per unit, after the cap and the line's
    modifiers), reduction, allowed (for all units) and rule (the words)."""
    if not lines:
        raise WorkbookError("no lines to price", "give at least one code")
    if len(lines) > MAX_LINES:
        raise WorkbookError(f"{len(lines)} lines on one visit", f"give at most {MAX_LINES}")
    rows = []
    for order, text in enumerate(lines):
        code, mods, units = parse_line(text)
        kept = " ".join(m for m in mods.split() if m != "51")  # the ranking replaces 51
        p = price(code, kept, **where)
        rows.append(_row(order, text, p, units, where))
    frame = pd.DataFrame(rows)
    cut = reductions(frame.assign(group=0))
    frame["reduction"] = cut["reduction"]
    frame["rule"] = [
        "; ".join(w for w in (line, multi) if w)
        for line, multi in zip(frame["rule"], cut["rule"], strict=True)
    ]
    frame["allowed"] = (frame["amount"] * frame["units"] - frame["reduction"]).round(2)
    return frame.drop(columns=["order", "group"], errors="ignore")


def _row(order: int, text: str, p: Price, units: int, where: dict) -> dict:
    modifier = p.modifier
    tc = pc = float("nan")
    if modifier == "" and p.mult_proc in TC_RATES:
        tc, pc = (_part(p, part, where) for part in ("TC", "26"))
    steps = [
        f"modifier {m} ({ind}): {'by report' if f is None else f'{f * 100:g}%'}"
        for m, ind, f, _ in p.adjustments
    ]
    return {
        "order": order, "line": text.strip(), "code": p.code, "modifiers": " ".join(p.modifiers),
        "units": units, "fee_schedule_amount": p.fee_schedule_amount, "opps_amount": p.opps_amount,
        "amount": float("nan") if p.amount is None else p.amount, "mult_proc": p.mult_proc,
        "modifier": modifier, "tc_amount": tc * _factor(p), "pc_amount": pc * _factor(p),
        "rule": "; ".join(steps),
    }  # fmt: skip


def _factor(p: Price) -> float:
    """The product of the line's modifier factors (1 where none)."""
    factor = 1.0
    for _, _, f, _ in p.adjustments:
        factor = float("nan") if f is None else factor * f
    return factor


def _part(p: Price, part: str, where: dict) -> float:
    try:
        other = price(p.code, part, **where)
    except WorkbookError:
        return float("nan")
    return float("nan") if other.amount is None else other.amount
