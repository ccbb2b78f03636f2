"""Multiple-procedure reductions across the lines of one visit (the same patient, day and
provider), by the code's multiple-procedure indicator (MULT PROC) in CMS's RVU file:

- 2, standard multiple surgery: the highest-paid procedure at 100%, every further procedure (and
  every further unit) at 50%; CMS prices the sixth and later by report, which the workbook
  cannot do: it prices them at 50% and says so.
- 4, diagnostic imaging: the technical component of the highest-paid procedure in full and 50%
  of the technical component of every further one; the professional component of every further
  one at 95% (the highest in full). A global line is reduced in both parts, each part ranked on
  its own. The day stands for CMS's "same session".
- 6, diagnostic cardiovascular: the technical component of further procedures at 75%;
  7, diagnostic ophthalmology: at 80%; their professional components are not reduced.
- 5, therapy: per patient per day, half the practice expense of every unit but the one with the
  highest practice expense (see :mod:`practice.productivity`, which applies it).
- 3, endoscopy families: not applied (CMS prices endoscopies of one family from the family's
  base code, which the workbook does not model); the line keeps its full amount and says so.
- 0 and 9: no reduction.

Ranking is by the amount after the line's own modifiers (bilateral 150% counts as one
procedure at 150%); ties go to the earlier line. Each reduction is rounded to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .money import cents_array

SURGERY_RATE = 0.5
TC_RATES = {"4": 0.5, "6": 0.25, "7": 0.2}
PC_RATES = {"4": 0.05}
RANKED = frozenset({"2", "3", *TC_RATES})
KIND = {"4": "imaging", "6": "cardiovascular", "7": "ophthalmology"}
ENDOSCOPY = "endoscopy (indicator 3): CMS's family rule is not applied, full amount"


def _cut(value: pd.Series, rate: float | pd.Series) -> pd.Series:
    """What a reduction takes off one unit: the amount less the reduced amount, that one
    rounded to the cent as CMS pays it (50% of 43.99 is paid 22.00: 21.99 off)."""
    return (value - cents_array(value * (1 - rate))).round(2)


def _ranked(part: pd.DataFrame, value: str, keys: list[str]) -> pd.DataFrame:
    """Sort ``part`` highest ``value`` first within ``keys`` (ties: earlier line), adding the
    0-based rank and the units reduced (all of them but the top line's first)."""
    part = part.sort_values([*keys, value, "order"], ascending=[True] * len(keys) + [False, True])
    groups = part.groupby(keys, sort=False)
    part = part.assign(rank=groups.cumcount(), size=groups["order"].transform("size"))
    return part.assign(reduced=part["units"] - (part["rank"] == 0))


def reductions(lines: pd.DataFrame) -> pd.DataFrame:
    """Return, for each line (same index), ``reduction`` (dollars taken off, >= 0) and ``rule``
    (the words, empty where none applies).

    ``lines`` columns: group (the visit: patient, day and provider), order (the source row),
    mult_proc, modifier (``""``, 26 or TC), units, amount (per unit, after the OPPS cap and the
    line's own modifiers; NaN where unpaid), tc_amount and pc_amount (per unit, of the code's TC
    and 26 rows after the same modifiers; NaN where the code has none).
    """
    out = pd.DataFrame({"reduction": 0.0, "rule": ""}, index=lines.index)
    paid = lines[lines["amount"].notna() & (lines["amount"] > 0)]
    _surgery(paid[paid["mult_proc"] == "2"], out)
    out.loc[paid.index[paid["mult_proc"] == "3"], "rule"] = ENDOSCOPY
    diag = paid[paid["mult_proc"].isin(list(TC_RATES))]
    if not diag.empty:
        _diagnostic(diag, out)
    return out


def _ordinals(ranks: pd.Series) -> pd.Series:
    """1-based ordinals of 0-based ranks: 2nd, 3rd, 11th..."""
    n = ranks + 1
    tens, last = n % 100, n % 10
    suffix = np.where((tens >= 10) & (tens <= 20), "th",
                      np.select([last == 1, last == 2, last == 3], ["st", "nd", "rd"], "th"))  # fmt: skip
    return n.astype(str) + suffix


def _surgery(part: pd.DataFrame, out: pd.DataFrame) -> None:
    """Indicator 2: words only where the visit has more than one such procedure or unit."""
    if part.empty:
        return
    part = _ranked(part, "amount", ["group"])
    out.loc[part.index, "reduction"] = _cut(part["amount"], SURGERY_RATE) * part["reduced"]
    shared = (part["size"] > 1) | (part["units"] > 1)
    head = "multiple procedures (indicator 2): "
    top = (
        head
        + "highest-paid procedure of the visit, 100%"
        + np.where(
            part["units"] > 1,
            "; its " + (part["units"] - 1).astype(str) + " further unit(s) at 50%",
            "",
        )
    )
    rest = (
        head
        + _ordinals(part["rank"])
        + " procedure of the visit, 50%"
        + np.where(part["rank"] >= 5, " (CMS prices the 6th and later by report: 50% shown)", "")
    )
    words = pd.Series(np.where(part["rank"] == 0, top, rest), index=part.index)
    out.loc[words.index[shared], "rule"] = words[shared]


def _part_value(lines: pd.DataFrame, own: str, column: str) -> pd.Series:
    """Per-unit amount of one component: the line's own amount on a 26 or TC line, else the
    component row's; NaN where the line has no such part."""
    value = lines[column].where(lines["modifier"] == "", np.nan)
    return value.where(lines["modifier"] != own, lines["amount"])


def _diagnostic(lines: pd.DataFrame, out: pd.DataFrame) -> None:
    """Indicators 4, 6, 7: each component ranked within the visit and indicator; words only
    where the visit has more than one such procedure or unit."""
    words = pd.Series("", index=lines.index, dtype=object)
    total = pd.Series(0.0, index=lines.index)
    parts = [("TC", "tc_amount", TC_RATES, "technical component"),
             ("26", "pc_amount", PC_RATES, "professional component")]  # fmt: skip
    for own, column, rates, name in parts:
        value = _part_value(lines, own, column)
        part = lines.assign(value=value)[value.notna() & lines["mult_proc"].isin(list(rates))]
        if part.empty:
            continue
        part = _ranked(part, "value", ["group", "mult_proc"])
        rate = part["mult_proc"].map(rates).astype(float)
        total.loc[part.index] += _cut(part["value"], rate) * part["reduced"]
        kind = part["mult_proc"].map(KIND)
        text = pd.Series(np.where(
            part["rank"] == 0,
            name + " of the highest-paid " + kind + " procedure, 100%",
            name + " of the " + _ordinals(part["rank"]) + " " + kind + " procedure at "
            + (100 - 100 * rate).map("{:g}".format) + "%",
        ), index=part.index)  # fmt: skip
        text = text[(part["size"] > 1) | (part["units"] > 1)]
        words.loc[text.index] = np.where(
            words.loc[text.index] == "", text, words.loc[text.index] + "; " + text
        )
    out.loc[lines.index, "reduction"] = total
    said = words != ""
    head = "multiple " + lines["mult_proc"].map(KIND) + " (indicator " + lines["mult_proc"] + "): "
    out.loc[words.index[said], "rule"] = (head + words)[said]
