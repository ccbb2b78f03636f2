"""The training tour's exercises on Medicare's NCCI edits (13-16): which code of a pair is
denied, which modifier lets both be paid, a code's medically unlikely units, and an add-on's
primary code. Every expected answer comes from the shipped NCCI tables of the newest quarter."""

from __future__ import annotations

import re

import pandas as pd

from ..reference import ncci
from .grading import Exercise, as_code, as_units, numeric_judge

PAIR = ("97012", "97140")  # traction and manual therapy: the seed article's code and its pair
MUE_CODE = "97110"
ADD_ON = "64484"
MODIFIER_HINTS = {
    "GP": "GP says the service is physical therapy; every therapy line carries it, and it "
    "bypasses no edit",
    "GO": "GO says the service is occupational therapy; it bypasses no edit",
    "KX": "KX says the therapy past the yearly threshold is medically necessary; it bypasses "
    "no NCCI edit",
    "25": "25 marks an E/M visit separate from a procedure the same day; 97140 is no E/M",
    "26": "26 is the professional part of a code with a technical part",
}


def as_modifier(answer: object) -> str:
    """A typed modifier: two letters or digits (``59``, ``"xs"``, ``-59``); raises ValueError."""
    text = str(answer).strip().upper().lstrip("-")
    if isinstance(answer, bool) or not re.fullmatch(r"[0-9A-Z]{2}", text):
        raise ValueError(f"'{answer}' is not a modifier: type two characters, such as \"GP\"")
    return text


def edit_exercises(t) -> list[Exercise]:
    """Exercises 13-16 for a tour (the edits do not depend on its year or place)."""
    quarter = ncci.latest_quarter()
    name = ncci.label(quarter)
    found = ncci.lookup(list(PAIR), quarter)
    pair = found["pairs"].iloc[0]
    first, second = str(pair["column_1"]), str(pair["column_2"])
    why = str(pair["rationale"]).lower()

    def denied(value: str) -> tuple[bool, str]:
        if value == second:
            return True, (
                f"in {name}, {first} is column one and {second} column two of a pair ({why}, "
                f"modifier indicator {int(pair['modifier_indicator'])}): billed together by the "
                f"same provider for the patient that day, the column-two code is denied."
            )
        if value == first:
            return False, f"{first} is the column-one code, the one paid: which is the other?"
        return False, f"{value} is not one of the two codes of the visit."

    def modifier(value: str) -> tuple[bool, str]:
        if value in ncci.DISTINCT_MODIFIERS:
            return True, (
                f"a distinct-service modifier on {second}, the column-two code, tells Medicare "
                "the two were separate (here another body region: XS, separate structure, is "
                "the most precise; 59 is the general one); the record must show it."
            )
        return False, MODIFIER_HINTS.get(
            value, f"{value} does not say the services were separate: look at {name}'s list."
        )

    mue = found["mue"]  # only the pair's codes: look the MUE code up on its own
    limit = int(ncci.lookup([MUE_CODE], quarter)["mue"]["mue_units"].iloc[0])
    units = numeric_judge(
        limit,
        f"the MUE of {MUE_CODE} in {name} is {limit} units a day (per day: the units of every "
        "line of the day are added up); units above it are denied.",
        f"look {MUE_CODE} up among the medically unlikely edits in the table above.",
        [(int(mue["mue_units"].iloc[0]), f"that is the MUE of {PAIR[0]}, not of {MUE_CODE}.")],
        exact=True,
    )
    primaries = sorted(set(ncci.lookup([ADD_ON], quarter)["add_on"]["primary"]))

    def primary(value: str) -> tuple[bool, str]:
        if value in primaries:
            return True, (
                f"{ADD_ON} adds a level to {', '.join(primaries)}; billed without it that day, "
                f"the add-on is denied ({name} add-on code edits)."
            )
        if value == ADD_ON:
            return False, "that is the add-on itself: which code does it add to?"
        return False, f"{value} is not the primary code of {ADD_ON}: look {ADD_ON} up above."

    q13 = (
        f"A therapist bills {PAIR[0]} (mechanical traction) and {PAIR[1]} (manual therapy) for "
        "the same patient on the same day, without a modifier. Which of the two codes does "
        "Medicare deny?"
    )
    q14 = (
        f"The manual therapy was done on the neck, the traction on the low back. Which modifier "
        f"on {second} tells Medicare the two services were distinct, so both are paid?"
    )
    q15 = f"How many units of {MUE_CODE} does Medicare pay at most for one patient on one day?"
    q16 = f"{ADD_ON} is an add-on code. Which code must be billed with it that day?"
    return [
        Exercise(13, "edits", q13, as_code, denied, second),
        Exercise(14, "edits", q14, as_modifier, modifier, "XS"),
        Exercise(15, "edits", q15, as_units, units, str(limit)),
        Exercise(16, "edits", q16, as_code, primary, primaries[0]),
    ]


def edits_table(codes) -> pd.DataFrame:
    """What the newest NCCI quarter says of ``codes``, one row per code: its MUE (units, per
    line or per day), the codes it is denied with (as column two; never, or unless a
    distinct-service modifier) and, for an add-on code, its primary codes."""
    found = ncci.lookup(list(codes))
    rows = []
    for m in found["mue"].itertuples():
        pairs = found["pairs"][found["pairs"]["column_2"] == m.hcpcs]
        aoc = found["add_on"][found["add_on"]["add_on"] == m.hcpcs]
        rows.append({
            "code": m.hcpcs,
            "MUE units": "none" if pd.isna(m.mue_units) else f"{int(m.mue_units)} {m.applies}",
            "denied with": ", ".join(
                f"{a} ({'never' if i == 0 else 'unless a distinct-service modifier'})"
                for a, i in zip(pairs["column_1"], pairs["modifier_indicator"], strict=True)
            ),
            "add-on of": ", ".join(sorted(set(aoc["primary"]))),
        })  # fmt: skip
    return pd.DataFrame(rows)
