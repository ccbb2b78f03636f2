"""wRVU compensation: a plan (:mod:`comp_plan`) applied to a practice's export, month by month.

Work RVUs come from :func:`productivity.explain` (the RVUs Medicare pays, by the release in force
on each date of service). A plan frozen at a year (``rvu_year: 2020``) counts that year's RVUs:
each line is re-dated into it, same month and day (:func:`year_over_year.redate`), and priced
as a line of that date. The plan's credit rules then weigh each line: modifier 26 by
``professional_component``, TC by ``technical_component``, a line with 80, 81, 82 or AS by
``assistant_at_surgery``, an excluded code by 0.

Accrual is per provider and calendar year of service: the year-to-date credited wRVUs, the
year-to-date bonus the tiers give them (the annual threshold, not prorated: no bonus accrues
until the year-to-date wRVUs pass it), the month's bonus (the change in the year-to-date bonus)
and the base salary accrued at 1/12 a month of the year. No benchmark is shipped: the plan's
``benchmarks`` are figures the user holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config
from ..errors import WorkbookError
from ..fees.payment import money
from ..plotting import HOVER, layout, plain_values
from ..presentation import register_many
from ..validation import register, register_check
from .comp_plan import Plan, read_plan
from .productivity import explain
from .year_over_year import redate

register_many(
    {
        "credited_wrvus": ("Credited work RVUs", "rvu", "after the plan's credit rules"),
        "credited": ("Credited work RVUs", "rvu", "after the plan's credit rules"),
        "share": ("Share credited", "number"),
        "rule": ("Credit rule", "text"),
        "ytd_wrvus": ("Credited wRVUs, year to date", "rvu"),
        "bonus": ("Bonus of the month", "money", "change of the year-to-date bonus"),
        "ytd_bonus": ("Bonus, year to date", "money", "the tiers on the year-to-date wRVUs"),
        "base_salary": ("Base salary of the month", "money"),
        "ytd_base_salary": ("Base salary, year to date", "money"),
        "ytd_total": ("Total, year to date", "money"),
        "through_month": ("Through month", "count"),
        "ytd_wrvus_plan": ("Credited wRVUs, plan's RVU year", "rvu"),
        "ytd_bonus_plan": ("Bonus, plan's RVU year", "money"),
        "ytd_wrvus_other": ("Credited wRVUs, other RVU year", "rvu"),
        "ytd_bonus_other": ("Bonus, other RVU year", "money"),
        "wrvu_difference": ("Difference in wRVUs", "rvu", "other minus the plan's"),
        "bonus_difference": ("Difference in bonus", "money", "other minus the plan's"),
    }
)
SAMPLE_PLAN = config.DATA_DIR / "sample_comp_plan.yaml"
ASSISTANT = frozenset({"80", "81", "82", "AS"})
ACCRUAL = ["provider", "year", "month", "lines", "wrvus", "credited_wrvus", "ytd_wrvus"]
ACCRUAL += ["bonus", "ytd_bonus", "base_salary", "ytd_base_salary", "ytd_total"]


def of_year(lines: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Return the lines of calendar year ``year`` (None: every line). Raises WorkbookError when
    none is of that year, naming the years there are."""
    if year is None:
        return lines
    years = lines["date_of_service"].dt.year
    kept = lines[years == int(year)]
    if kept.empty:
        have = ", ".join(map(str, sorted(years.unique().tolist()))) or "none"
        raise WorkbookError(f"no lines of {year} (the lines are of {have})", "check the year")
    return kept


def credited(lines: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Return one row per line: source_row, provider, year (of service), month (1-12), cpt,
    wrvus (as priced with the plan's RVU year), share (the credit rule's weight), credited
    (wrvus x share) and rule (which rule weighed it, blank for none)."""
    if lines.empty:
        raise WorkbookError("no claim lines to credit", "import an export with accepted lines")
    dates = lines["date_of_service"]
    priced = explain(lines if plan.rvu_year is None else redate(lines, plan.rvu_year))
    share = np.ones(len(lines))
    rule = np.full(len(lines), "", dtype=object)
    modifier = lines.get("pricing_modifier", pd.Series("", index=lines.index)).astype("str")
    for value, weight, words in (
        ("26", plan.professional_component, "professional component (26)"),
        ("TC", plan.technical_component, "technical component (TC)"),
    ):
        hit = (modifier == value).to_numpy()
        share[hit] *= weight
        rule[hit] = words
    assisting = np.zeros(len(lines), dtype=bool)
    for col in (c for c in lines.columns if c.startswith("modifier_")):
        assisting |= lines[col].astype("str").isin(ASSISTANT).to_numpy()
    share[assisting] *= plan.assistant_at_surgery
    rule[assisting] = np.where(rule[assisting] == "", "assistant at surgery", rule[assisting])
    excluded = lines["cpt"].astype("str").isin(plan.excluded_codes).to_numpy()
    share[excluded] = 0.0
    rule[excluded] = "excluded code"
    wrvus = priced["wrvus"].to_numpy()
    return pd.DataFrame(
        {
            "source_row": lines["source_row"].to_numpy(),
            "provider": lines["provider"].astype("str").to_numpy(),
            "year": dates.dt.year.to_numpy(),
            "month": dates.dt.month.to_numpy(),
            "cpt": lines["cpt"].astype("str").to_numpy(),
            "wrvus": wrvus,
            "share": share,
            "credited": np.round(wrvus * share, 4),
            "rule": rule.astype(str),
        }
    )


def accrual(lines: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Return the monthly accrual per provider and calendar year (columns :data:`ACCRUAL`):
    wrvus as priced, credited_wrvus after the credit rules, their year-to-date sum, the
    year-to-date bonus of the plan's tiers and the month's share of it, the base salary of the
    month (1/12) and year to date (months elapsed x 1/12), and the year-to-date total."""
    table = credited(lines, plan)
    keys = ["provider", "year", "month"]
    out = table.groupby(keys, sort=True).agg(
        lines=("cpt", "size"), wrvus=("wrvus", "sum"), credited_wrvus=("credited", "sum")
    )
    out = out.reset_index()
    for col in ("wrvus", "credited_wrvus"):
        out[col] = out[col].round(4)
    by_year = out.groupby(["provider", "year"], sort=False)
    out["ytd_wrvus"] = by_year["credited_wrvus"].cumsum().round(4)
    out["ytd_bonus"] = out["ytd_wrvus"].map(plan.bonus)
    before = out.groupby(["provider", "year"], sort=False)["ytd_bonus"].shift(fill_value=0.0)
    out["bonus"] = (out["ytd_bonus"] - before).round(2)
    out["base_salary"] = round(plan.base_salary / 12, 2)
    out["ytd_base_salary"] = (plan.base_salary * out["month"] / 12).round(2)
    out["ytd_total"] = (out["ytd_base_salary"] + out["ytd_bonus"]).round(2)
    return out[ACCRUAL]


def summary(monthly: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Return one row per provider and year: the last month's year-to-date figures, and the
    credited wRVUs as a percent of each benchmark the plan holds."""
    last = monthly.groupby(["provider", "year"], sort=True).tail(1)
    out = last[["provider", "year", "month", "ytd_wrvus", "ytd_bonus", "ytd_base_salary"]]
    out = out.rename(columns={"month": "through_month"}).reset_index(drop=True)
    out["ytd_total"] = (out["ytd_bonus"] + out["ytd_base_salary"]).round(2)
    for label, figure in plan.benchmarks.items():
        pct = out["ytd_wrvus"] / figure * 100 if figure else np.nan
        out[f"% of {label}"] = pd.Series(pct, index=out.index).round(1)
    return out


def rvu_clause(lines: pd.DataFrame, plan: Plan, other_year: int | None) -> pd.DataFrame:
    """Return what the plan's RVU year is worth against ``other_year`` (None: each line's own
    year): per provider and year, credited wRVUs and bonus under both, and the difference
    (the other minus the plan's)."""
    other = plan.with_rvu_year(other_year)
    if other.rvu_year == plan.rvu_year:
        raise WorkbookError(
            f"the plan counts {plan.rvu_words} already: nothing to compare",
            "give another RVU year",
        )
    mine, theirs = summary(accrual(lines, plan), plan), summary(accrual(lines, other), other)
    keys = ["provider", "year"]
    both = mine[[*keys, "ytd_wrvus", "ytd_bonus"]].merge(
        theirs[[*keys, "ytd_wrvus", "ytd_bonus"]], on=keys, suffixes=("_plan", "_other")
    )
    both["wrvu_difference"] = (both["ytd_wrvus_other"] - both["ytd_wrvus_plan"]).round(4)
    both["bonus_difference"] = (both["ytd_bonus_other"] - both["ytd_bonus_plan"]).round(2)
    both.attrs.update(plan=plan.rvu_words, other=other.rvu_words)
    return both


def headline(monthly: pd.DataFrame, plan: Plan) -> str:
    """One paragraph: the plan, its RVU year and the totals of the accrual."""
    tiers = ", ".join(
        f"{money(t.rate)}/wRVU to {t.upper:,g}" if t.upper is not None else f"{money(t.rate)} above"
        for t in plan.tiers
    )
    return (
        f"{plan.name}: base {money(plan.base_salary)}, bonus above {plan.threshold:,g} wRVUs "
        f"({tiers}), counting {plan.rvu_words}. {monthly['provider'].nunique()} providers, "
        f"{monthly['credited_wrvus'].sum():,.2f} credited wRVUs, bonus accrued "
        f"{money(monthly['bonus'].sum())}."
    )


@register("plan_path")
def _plan_path(value: object) -> str:
    """The compensation plan to read (YAML), as an absolute path; empty for the shipped sample."""
    from pathlib import Path

    text = str(value or "").strip()
    if text:
        read_plan(text)  # every mistake of the plan is one line before a kernel starts
        return str(Path(text).expanduser().resolve())
    return ""


@register("other_rvu_year")
def _other_rvu_year(value: object) -> int:
    """The RVU year to compare the plan's with; 0 for each line's own year."""
    from ..reference.loaders import rvu_year

    return 0 if str(value).strip() in ("0", "") else rvu_year(value)


@register("benchmark_wrvus")
def _benchmark(value: object) -> float:
    """An annual wRVU benchmark the user holds (none is shipped); 0 for none."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not 0 <= number <= 1_000_000:
        raise WorkbookError(
            f"benchmark_wrvus is {value!r}", "give annual wRVUs from 0 to 1,000,000"
        )
    return number


@register_check
def _other_year_differs(params: dict) -> None:
    """Notebook 07 compares the plan's RVU year with another: they must differ."""
    if "plan_path" in params and "other_rvu_year" in params:
        plan = read_plan(params["plan_path"] or SAMPLE_PLAN)
        other = params["other_rvu_year"] or None
        if other == plan.rvu_year:
            raise WorkbookError(
                f"other_rvu_year counts {plan.rvu_words}, as the plan does: nothing to compare",
                "give another year, or 0 for each line's own year",
            )


def ytd_chart(monthly: pd.DataFrame) -> object:
    """Return one line per provider: year-to-date credited wRVUs by month."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for (provider, year), rows in monthly.groupby(["provider", "year"], sort=True):
        months = [f"{year}-{m:02d}" for m in rows["month"]]
        fig.add_trace(
            go.Scatter(
                x=months,
                y=plain_values(rows["ytd_wrvus"]),
                mode="lines+markers",
                name=str(provider),
                hovertext=[
                    f"{provider}<br>{m}: {w:,.2f} wRVUs, bonus {money(b)} to date"
                    for m, w, b in zip(months, rows["ytd_wrvus"], rows["ytd_bonus"], strict=True)
                ],
                hovertemplate=HOVER,
            )
        )
    return layout(fig, "Credited work RVUs, year to date", "Month of service", "wRVUs")
