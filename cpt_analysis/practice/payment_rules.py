"""CMS's payment rules on a practice's priced lines, after the therapy reduction: the payment
modifiers of each line (bilateral 50, assistant 80/81/82/AS, co-surgeons 62, team 66:
:mod:`fees.modifiers`) and the multiple-procedure reductions across the lines of one visit, the
same patient, day and provider (surgery, imaging, cardiovascular, ophthalmology:
:mod:`fees.multiple`); then what is owed of each line (:mod:`fees.owed`).

Only lines that carry a payment modifier or a code with a ranked multiple-procedure indicator
are looked at again, so an export of office visits and therapy costs nothing more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fees import modifiers as mods_rules
from ..fees.money import cents_array
from ..fees.multiple import RANKED, reductions
from ..fees.owed import owed_columns
from .visits import visit_keys

INDICATORS = ("mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg")
MODIFIER_COLUMNS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")


def indicator_codes(priced: pd.DataFrame) -> dict[str, np.ndarray]:
    """The indicators of priced RVU rows as small integers (the digit; 9 where blank), for the
    dense price table of :func:`productivity._price_table`."""
    out = {}
    for name in INDICATORS:
        text = (
            priced[name].astype(str).str.strip()
            if name in priced
            else pd.Series("9", index=priced.index)
        )
        out[name] = pd.to_numeric(text.where(text.str.fullmatch(r"\d"), "9")).to_numpy(np.int8)
    return out


def _line_modifiers(lines: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Return (True where a line carries a payment modifier, each line's modifiers)."""
    present = [c for c in MODIFIER_COLUMNS if c in lines]
    if not present:
        return np.zeros(len(lines), dtype=bool), []
    flags = np.zeros(len(lines), dtype=bool)
    for column in present:  # judged once per distinct value, then gathered by code
        values = lines[column].astype("category")
        hit = values.cat.categories.astype(str).isin(mods_rules.PAYMENT_MODIFIERS)
        flags |= np.append(hit, False)[values.cat.codes.to_numpy()]
    return flags, present


def apply(frame: pd.DataFrame, lines: pd.DataFrame, t: dict, line_at: np.ndarray) -> pd.DataFrame:
    """Apply the payment modifiers and multiple-procedure reductions to ``frame`` (the lines
    :func:`productivity.explain` priced; ``t`` its price table, ``line_at`` each line's index in
    it). Adds ``rule_adjustment`` (dollars, signed), changes final_amount and reason, and adds
    medicare_pays and coinsurance."""
    frame["rule_adjustment"] = 0.0
    flagged, columns = _line_modifiers(lines)
    mult = t["mult_proc"][line_at]
    ranked = np.isin(mult, [int(i) for i in RANKED])
    final = frame["final_amount"].to_numpy()
    rows = np.flatnonzero((flagged | ranked) & ~np.isnan(final))
    if len(rows):
        _adjust(frame, lines, t, line_at, rows, columns)
    frame = frame.assign(**owed_columns(frame["final_amount"].to_numpy()))
    return frame


def _adjust(frame, lines, t, line_at, rows, columns) -> None:
    at = line_at[rows]
    unit = t["unit"][at]
    m = at % 3  # the modifier axis of the price table: "", 26, TC
    sub = pd.DataFrame({
        "order": frame["source_row"].to_numpy()[rows],
        "mult_proc": t["mult_proc"][at].astype(str),
        "modifier": np.array(["", "26", "TC"])[m],
        "units": frame["units"].to_numpy()[rows],
        "amount": unit,
        "tc_amount": t["unit"][at - m + 2],
        "pc_amount": t["unit"][at - m + 1],
    })  # fmt: skip
    mods = (
        [tuple(v for v in r if isinstance(v, str) and v) for r in lines[columns].iloc[rows].itertuples(index=False)]
        if columns else [()] * len(rows)
    )  # fmt: skip
    factors, words = _line_factors(mods, {k: t[k][at] for k in INDICATORS})
    for column in ("amount", "tc_amount", "pc_amount"):
        sub[column] = cents_array(sub[column] * factors)
    day = frame["date_of_service"].to_numpy()[rows].astype("datetime64[D]").astype(np.int64)
    visit, _ = visit_keys(lines, rows, day - day.min())
    provider = frame["provider"].astype("category").cat.codes.to_numpy()[rows].astype(np.int64)
    sub["group"] = pd.factorize(visit * (int(provider.max()) + 1) + provider)[0]
    cut = reductions(sub)
    old = frame["final_amount"].to_numpy()[rows]
    therapy = frame["mppr_reduction"].to_numpy()[rows]
    new = np.round(
        cents_array(sub["amount"].to_numpy() * sub["units"].to_numpy())
        - therapy
        - cut["reduction"].to_numpy(),
        2,
    )
    new = np.where(np.isnan(factors), np.nan, new)  # by report: no amount here
    frame.loc[frame.index[rows], "final_amount"] = new
    frame.loc[frame.index[rows], "rule_adjustment"] = np.round(np.nan_to_num(new) - old, 2)
    extra = ["; ".join(w for w in (a, b) if w) for a, b in zip(words, cut["rule"], strict=True)]
    _append_reasons(frame, rows, extra)


def _append_reasons(frame: pd.DataFrame, rows: np.ndarray, extra: list[str]) -> None:
    """Add ``extra`` words to the reason of the lines at ``rows``: the new texts become
    categories and only those lines' codes change (the other lines are not touched)."""
    reason = frame["reason"].astype("category")
    old = reason.cat.categories.astype(str)[reason.cat.codes.to_numpy()[rows]]
    texts = [f"{r}; {e}" if e else r for r, e in zip(old, extra, strict=True)]
    new = pd.Index(texts).unique().difference(reason.cat.categories)
    reason = reason.cat.add_categories(new)
    codes = reason.cat.codes.to_numpy().copy()
    codes[rows] = reason.cat.categories.get_indexer(texts)
    frame["reason"] = pd.Categorical.from_codes(
        codes, dtype=reason.dtype
    ).remove_unused_categories()


def _line_factors(mods: list[tuple[str, ...]], indicators: dict) -> tuple[np.ndarray, list[str]]:
    """Each line's factor from its payment modifiers (NaN: priced by report) and the words."""
    factors = np.ones(len(mods))
    words = [""] * len(mods)
    cache: dict = {}
    for i, line in enumerate(mods):
        if not any(m in mods_rules.PAYMENT_MODIFIERS for m in line):
            continue
        row = {k: str(v[i]) for k, v in indicators.items()}
        key = (line, tuple(row.values()))
        if key not in cache:
            factor, texts = 1.0, []
            for rule in mods_rules.line_rules(line, row):
                factor = np.nan if rule.factor is None else factor * rule.factor
                texts.append(f"modifier {rule.modifier} ({rule.indicator}): {rule.words}")
            cache[key] = (factor, "; ".join(texts))
        factors[i], words[i] = cache[key]
    return factors, words


ADJUSTED_COLUMNS = ["source_row", "provider", "date_of_service", "cpt", "modifier", "units",
                    "base_amount", "mppr_reduction", "rule_adjustment", "final_amount", "reason"]  # fmt: skip


def summary(explained: pd.DataFrame) -> pd.DataFrame:
    """One row per payment rule that touched the lines: payment_rule, lines, dollars (the change it
    made, negative for a cut; 0 for a rule that only explains an amount)."""
    reason = explained["reason"].astype(str)
    amount = explained["final_amount"]
    rules = [
        ("therapy reduction (MULT PROC 5)", explained["mppr_reduction"] > 0, -explained["mppr_reduction"]),
        ("payment modifiers and multiple procedures", explained["rule_adjustment"] != 0,
         explained["rule_adjustment"]),
        ("paid at the OPPS cap", reason.str.contains("OPPS cap", regex=False), 0.0),
        ("setting CMS marks NA, priced as CMS prices it", reason.str.contains("setting NA", regex=False), 0.0),
        ("by report: no amount here", reason.str.contains("by report", regex=False) & amount.isna(), 0.0),
    ]  # fmt: skip
    rows = []
    for name, hit, dollars in rules:
        n = int(hit.sum())
        if n:
            value = float(pd.Series(dollars, index=explained.index)[hit].sum())
            rows.append((name, n, round(value, 2)))
    return pd.DataFrame(rows, columns=["payment_rule", "lines", "dollars"])


def adjusted(explained: pd.DataFrame, limit: int = 1000) -> pd.DataFrame:
    """The lines a payment modifier, a multiple-procedure reduction or the OPPS cap changed
    (at most ``limit``, in file order), with the words of each rule; no patient identifier."""
    reason = explained["reason"].astype(str)
    hit = (explained["rule_adjustment"] != 0) | reason.str.contains("OPPS cap", regex=False)
    return explained.loc[hit, ADJUSTED_COLUMNS].head(limit).reset_index(drop=True)
