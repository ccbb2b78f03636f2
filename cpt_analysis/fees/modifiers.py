"""Payment modifiers of one claim line: bilateral (50), assistant at surgery (80, 81, 82, AS),
co-surgeons (62) and team surgery (66), each by the indicator CMS's RVU file gives the code.

The percentages are CMS's (Medicare Claims Processing Manual, chapter 12, sections 40.6-40.8 and
the RVU file's record layout):

- 50 with bilateral indicator 1: 150% of the fee-schedule amount; 0: the 150% rule does not
  apply, paid as one procedure (100%); 2: the RVUs already cover both sides (100%); 3: each side
  at 100% (200%); 9: the concept does not apply (100%).
- 80, 81, 82 with assistant indicator 2: 16%; 0: 16% but only with documentation of medical
  necessity; 1: not paid (statutory restriction); 9: not paid (the concept does not apply).
  AS (a physician assistant, nurse practitioner or clinical nurse specialist assisting): 85% of
  the 16%, i.e. 13.6%.
- 62 with co-surgeon indicator 2: 62.5% to each surgeon; 1: 62.5% with documentation; 0 and 9:
  not paid.
- 66 with team-surgery indicator 1 or 2: priced by the contractor by report (no amount here);
  0 and 9: not paid.

26 and TC are not adjustments: they choose the code's own professional or technical row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import WorkbookError
from ..identifiers import normalize_modifier

PRICING_MODIFIERS = ("26", "TC")
ASSISTANT = ("80", "81", "82", "AS")
PAYMENT_MODIFIERS = frozenset({"50", "51", "62", "66", *ASSISTANT})
BILATERAL = {
    "0": (1.0, "the 150% bilateral rule does not apply: paid as one procedure"),
    "1": (1.5, "bilateral: 150% of the fee-schedule amount"),
    "2": (1.0, "the RVUs already cover both sides: 100%"),
    "3": (2.0, "each side paid at 100%: 200%"),
    "9": (1.0, "the bilateral concept does not apply: 100%"),
}
ASSISTANT_RULES = {
    "0": (0.16, "assistant at surgery: 16%, paid only with documentation of medical necessity"),
    "1": (0.0, "assistant at surgery not paid: statutory restriction"),
    "2": (0.16, "assistant at surgery: 16%"),
    "9": (0.0, "assistant at surgery not paid: the concept does not apply"),
}
CO_SURGEON = {
    "0": (0.0, "co-surgeons not permitted: not paid"),
    "1": (0.625, "co-surgeons: 62.5% each, paid only with documentation"),
    "2": (0.625, "co-surgeons: 62.5% each"),
    "9": (0.0, "co-surgeons: the concept does not apply, not paid"),
}
TEAM = {
    "0": (0.0, "team surgery not permitted: not paid"),
    "1": (None, "team surgery: priced by the contractor by report, with documentation"),
    "2": (None, "team surgery: priced by the contractor by report"),
    "9": (0.0, "team surgery: the concept does not apply, not paid"),
}
NPP_ASSISTANT = 0.85


@dataclass(frozen=True)
class Rule:
    """One adjustment of a line: what caused it, the factor applied (None = no amount here)."""

    modifier: str
    indicator: str  # e.g. "bilateral indicator 1"
    factor: float | None
    words: str


def split_modifiers(value: object) -> tuple[str, tuple[str, ...]]:
    """Return (the pricing modifier: ``""``, ``26`` or ``TC``; every modifier in order) of what a
    person writes for a line's modifiers: ``26``, ``50``, ``26 51``, ``GP,59``, a list...
    Raises WorkbookError for a malformed one or for 26 with TC."""
    if value is None:
        items = []
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[\s,;/+]+", str(value).strip())
    mods = tuple(m for m in (normalize_modifier(i) for i in items if i.strip()) if m)
    mods = tuple(dict.fromkeys(mods))
    pricing = [m for m in mods if m in PRICING_MODIFIERS]
    if len(pricing) > 1:
        raise WorkbookError(
            "26 and TC on one line contradict each other",
            "bill the professional (26) and technical (TC) parts on two lines, or neither for the global service",
        )
    return (pricing[0] if pricing else ""), mods


def line_rules(mods: tuple[str, ...], row) -> list[Rule]:
    """Return the adjustments the payment modifiers of one line call for, in the order they are
    applied (bilateral, then assistant, co-surgeon or team). ``row`` holds the code's
    indicators (bilat_surg, asst_surg, co_surg, team_surg). 51 is handled with the ranking of a
    visit's procedures (:mod:`multiple`)."""
    rules = []
    if "50" in mods:
        ind = _indicator(row, "bilat_surg")
        factor, words = BILATERAL.get(ind, (1.0, f"bilateral indicator {ind} unknown: 100%"))
        rules.append(Rule("50", f"bilateral indicator {ind}", factor, words))
    assist = [m for m in ASSISTANT if m in mods]
    if assist:
        ind = _indicator(row, "asst_surg")
        factor, words = ASSISTANT_RULES.get(
            ind, (0.0, f"assistant indicator {ind} unknown: not paid")
        )
        if "AS" in assist and factor:
            factor, words = round(factor * NPP_ASSISTANT, 4), words + "; AS: 85% of it (13.6%)"
        rules.append(Rule("/".join(assist), f"assistant indicator {ind}", factor, words))
    for mod, column, table, name in (
        ("62", "co_surg", CO_SURGEON, "co-surgeon"),
        ("66", "team_surg", TEAM, "team-surgery"),
    ):
        if mod in mods:
            ind = _indicator(row, column)
            factor, words = table.get(ind, (0.0, f"{name} indicator {ind} unknown: not paid"))
            rules.append(Rule(mod, f"{name} indicator {ind}", factor, words))
    return rules


def _indicator(row, column: str) -> str:
    value = row.get(column, "") if hasattr(row, "get") else row[column]
    return str(value).strip() or "9"
