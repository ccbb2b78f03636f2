"""Next year on our own mix: the practice's volume held fixed, priced in two years (or with and
without the qualifying-APM conversion factor), and the change in payment and work RVUs per code,
per provider and in total, split into effects that add up to the change to the cent.

Holding volume fixed: every accepted line of the export is **re-dated** into each of the two
years, same month and day (February 29 becomes February 28 in a year that has none), and priced
by :func:`productivity.explain` as any line of that date: the RVU release and conversion factor
in force that day (2024's two factors come by date: 32.7442 to March 8, 33.2875 from March 9),
the locality's GPCIs of the year, the status rules and the therapy reduction. Nothing here prices
a line: the two priced sides are compared.

The split of a line paid in both years is the explorer's (:func:`explorer.explain_changes`), by
sequential substitution in this order: **work -> PE -> MP -> GPCI -> conversion factor**. The
RVU changes are priced at the earlier side's GPCIs and factor; the GPCI change at the earlier
factor on the later RVUs; the factor's change on the later side's GPCI-adjusted RVUs. PE counts
what the therapy reduction leaves of it (a unit at 50% PE counts half), and each effect is taken
at the share of the formula's amount that the earlier side's other payment rules leave (50% for
a second procedure, a cap), read off the priced line. A line paid on one side only (a new or
deleted code, a status that is not paid, an NA setting, status T) moves as a whole into
``by_coverage``; what remains of a line's change (a payment rule that changed between the
sides, cents of rounding) is ``by_rules``. Each part is rounded to the cent per line,
so ``change == by_work + by_pe + by_mp + by_gpci + by_conversion_factor + by_coverage +
by_rules`` exactly, per line, code, provider and in total.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..fees.payment import money, resolve_locality
from ..plotting import HOVER, layout, plain_values
from ..presentation import register_many
from ..reference.loaders import load_rvu_releases, rvu_year
from ..validation import register, register_check
from .productivity import explain
from .totals import with_names

EFFECTS = {
    "by_work": "work RVUs",
    "by_pe": "practice-expense RVUs",
    "by_mp": "malpractice RVUs",
    "by_gpci": "GPCIs of the locality",
    "by_conversion_factor": "conversion factor",
    "by_coverage": "lines paid in one year only",
    "by_rules": "rounding and other payment rules",
}
register_many(
    {
        "wrvus_from": ("Work RVUs, earlier side", "rvu"),
        "wrvus_to": ("Work RVUs, later side", "rvu"),
        "wrvu_change": ("Change in work RVUs", "rvu"),
        "payment_from": ("Medicare pays, earlier side", "money"),
        "payment_to": ("Medicare pays, later side", "money"),
        "by_gpci": ("Change from GPCIs", "money", "at the earlier factor, on the later RVUs"),
        "by_coverage": ("Change from lines paid in one year only", "money"),
        "by_rules": ("Rounding and other rules", "money", "what the other parts leave"),
        "side": ("Side", "text"),
        "dates_of_service": ("Dates of service", "text", "the first and last line priced with it"),
        "effect": ("Effect", "text"),
        "dollars": ("Dollars", "money"),
    }
)
MONEY = ["payment_from", "payment_to", "change", *EFFECTS]
WRVUS = ["wrvus_from", "wrvus_to", "wrvu_change"]


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a year, with the qualifying-APM conversion factor or not,
    and optionally one shipped release of it (RVU24A) instead of the release in force on each
    date of service."""

    year: int
    apm: bool = False
    release: str = ""

    @property
    def label(self) -> str:
        name = self.release or str(self.year)
        return f"{name} APM" if self.apm else name


@dataclass
class YearOverYear:
    """The comparison of one export's lines priced on two sides; money in dollars."""

    before: Side
    after: Side
    locality: str
    lines: pd.DataFrame  # one row per line: source_row, provider, cpt, units, sums and effects
    by_code: pd.DataFrame
    by_provider: pd.DataFrame
    effects: pd.DataFrame  # effect, dollars: the total split, for the waterfall
    factors: pd.DataFrame  # side, conversion_factor, lines, payment
    source_years: list[int]

    @property
    def total(self) -> pd.Series:
        return self.by_code.iloc[-1]

    @property
    def headline(self) -> str:
        t, years = self.total, ", ".join(map(str, self.source_years))
        parts = sorted(
            ((EFFECTS[k], float(t[k])) for k in EFFECTS if abs(t[k]) >= 0.005),
            key=lambda kv: -abs(kv[1]),
        )
        split = "; ".join(f"{words} {money(v, sign=True)}" for words, v in parts) or "no effect"
        return (
            f"{len(self.lines):,} claim lines (dates of service in {years}) re-dated into "
            f"{self.before.label} and {self.after.label} at {self.locality}: Medicare payment "
            f"{money(t['payment_from'])} -> {money(t['payment_to'])} "
            f"({money(t['change'], sign=True)}); work RVUs {t['wrvus_from']:,.2f} -> "
            f"{t['wrvus_to']:,.2f}. The change by cause: {split}."
        )

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables by sheet name, for :func:`export.write_excel` (no patient identifier)."""
        return {
            "Effects": self.effects,
            "By code": self.by_code,
            "By provider": self.by_provider,
            "Conversion factors": self.factors,
            "Lines": self.lines,
        }


def redate(lines: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return ``lines`` with every date of service moved into ``year``, same month and day;
    February 29 becomes February 28 in a year that has none. Other columns are untouched."""
    dates = lines["date_of_service"]
    day = dates.dt.day
    if not calendar.isleap(int(year)):
        day = day.where(~((dates.dt.month == 2) & (day == 29)), 28)
    moved = pd.to_datetime(pd.DataFrame({"year": int(year), "month": dates.dt.month, "day": day}))
    return lines.assign(date_of_service=moved.astype(dates.dtype))


def _gpci(locality: object, year: int) -> tuple[float, float, float]:
    place = resolve_locality(locality, year)
    if place is None:
        return 1.0, 1.0, 1.0
    return float(place["gpci_work"]), float(place["gpci_pe"]), float(place["gpci_mp"])


def _cents(values: np.ndarray) -> np.ndarray:
    """Dollars to whole cents, halves away from zero (as :func:`payment.cents`)."""
    scaled = np.round(np.asarray(values, dtype="float64") * 100, 6)  # 12.4999999 -> 12.5
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)


def _rvus(priced: pd.DataFrame, gpci: tuple) -> dict[str, np.ndarray]:
    """A side's RVUs of each line (per line: units x per unit), PE net of the therapy
    reduction, its GPCIs, factor and paid amount (0 where unpaid)."""
    units = priced["units"].to_numpy().astype("float64")
    cf = priced["conversion_factor"].astype("float64").to_numpy()
    per_unit = priced["pe_rvu"].to_numpy()
    # units at 50% PE: the reduction is that many halves of the unit's PE amount, in cents
    half = np.where(per_unit > 0, 0.5 * np.nan_to_num(per_unit) * gpci[1] * cf, 1.0)
    halved = np.round(np.nan_to_num(priced["mppr_reduction"].to_numpy()) / half)
    pe = per_unit * (units - 0.5 * halved)
    final = priced["final_amount"].to_numpy()
    before = priced["base_amount"].to_numpy() - np.nan_to_num(priced["mppr_reduction"].to_numpy())
    before = np.nan_to_num(before)
    return {
        "work": units * priced["work_rvu"].to_numpy(),
        "pe": pe,
        "mp": units * priced["mp_rvu"].to_numpy(),
        "gw": gpci[0],
        "gp": gpci[1],
        "gm": gpci[2],
        "cf": cf,
        # what the other payment rules leave of the formula's amount (a second procedure's 50%,
        # a cap): 1 where none applies
        "rule": np.where(before > 0, np.nan_to_num(final) / np.where(before > 0, before, 1), 1.0),
        "paid": ~np.isnan(final),
        "amount": _cents(np.nan_to_num(final)),
        "wrvus": priced["wrvus"].to_numpy(),
    }


def split(a: dict, b: dict) -> dict[str, np.ndarray]:
    """Return the change of each line from side ``a`` to ``b`` (see :func:`_rvus`) and its
    effects, in whole cents, by sequential substitution work -> PE -> MP -> GPCI -> conversion
    factor, at the share side ``a``'s other payment rules leave (``rule``); ``change`` equals
    the sum of the effects on every line."""
    both = a["paid"] & b["paid"]
    geo_b = b["work"] * b["gw"] + b["pe"] * b["gp"] + b["mp"] * b["gm"]
    raw = {
        "by_work": (b["work"] - a["work"]) * a["gw"] * a["cf"],
        "by_pe": (b["pe"] - a["pe"]) * a["gp"] * a["cf"],
        "by_mp": (b["mp"] - a["mp"]) * a["gm"] * a["cf"],
        "by_gpci": (
            b["work"] * (b["gw"] - a["gw"])
            + b["pe"] * (b["gp"] - a["gp"])
            + b["mp"] * (b["gm"] - a["gm"])
        )
        * a["cf"],
        "by_conversion_factor": geo_b * (b["cf"] - a["cf"]),
    }
    out = {"change": b["amount"] - a["amount"]}
    out |= {k: np.where(both, _cents(np.nan_to_num(v * a["rule"])), 0) for k, v in raw.items()}
    out["by_coverage"] = np.where(a["paid"] ^ b["paid"], out["change"], 0)
    out["by_rules"] = out["change"] - sum(out[k] for k in EFFECTS if k != "by_rules")
    return out


def _line_table(lines: pd.DataFrame, a: dict, b: dict) -> pd.DataFrame:
    parts = split(a, b)
    frame = pd.DataFrame(
        {
            "source_row": lines["source_row"].to_numpy(),
            "provider": lines["provider"].astype("str").to_numpy(),
            "cpt": lines["cpt"].astype("str").to_numpy(),
            "units": lines["units"].to_numpy().astype("int64"),
            "wrvus_from": a["wrvus"],
            "wrvus_to": b["wrvus"],
            "payment_from": a["amount"],
            "payment_to": b["amount"],
        }
    )
    for key, values in parts.items():
        frame[key] = values
    return frame  # money in whole cents until :func:`_dollars`


def _dollars(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in MONEY:
        out[col] = out[col].astype("int64") / 100
    out["wrvu_change"] = (out["wrvus_to"] - out["wrvus_from"]).round(4)
    for col in ("wrvus_from", "wrvus_to"):
        out[col] = out[col].round(4)
    return out


def _grouped(cents: pd.DataFrame, key: str) -> pd.DataFrame:
    """Sums by ``key`` (cents stay whole), biggest change first, then a ``total`` row."""
    sums = ["units", "wrvus_from", "wrvus_to", *MONEY]
    grouped = cents.groupby(key, sort=True)[sums].sum()
    grouped.insert(1, "lines", cents.groupby(key, sort=True).size())
    grouped = grouped.reset_index()
    grouped = grouped.reindex(
        grouped["change"].abs().sort_values(ascending=False, kind="stable").index
    )
    total = {key: "total", "lines": len(cents)} | {c: cents[c].sum() for c in sums}
    grouped = pd.concat([grouped, pd.DataFrame([total])], ignore_index=True)
    grouped["lines"] = grouped["lines"].astype("int64")
    out = _dollars(grouped)
    return out[[key, "lines", "units", *WRVUS, *MONEY]]


def _factors(priced: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for label, frame in priced.items():
        cf = frame["conversion_factor"].astype("float64")
        for value, group in frame.groupby(cf, sort=True):
            first, last = group["date_of_service"].min(), group["date_of_service"].max()
            rows.append(
                {
                    "side": label,
                    "conversion_factor": float(value),
                    "dates_of_service": f"{first:%Y-%m-%d} to {last:%Y-%m-%d}",
                    "lines": len(group),
                    "payment": float(np.nan_to_num(group["final_amount"]).sum().round(2)),
                }
            )
    return pd.DataFrame(rows)


def compare_years(
    lines: pd.DataFrame,
    before: Side | int,
    after: Side | int,
    locality: object = None,
) -> YearOverYear:
    """Return the :class:`YearOverYear` of ``lines`` (accepted lines of
    :func:`intake.read_encounters`) re-dated into ``before`` and ``after`` (a year, or a
    :class:`Side` with ``apm`` or a ``release`` of the year: RVU24A against RVU24C), at
    ``locality`` (None: national).

    Raises WorkbookError for no lines, a year without RVUs, two sides that are the same, or
    an unknown locality or one without GPCIs in a year.
    """
    before = before if isinstance(before, Side) else Side(int(before))
    after = after if isinstance(after, Side) else Side(int(after))
    before, after = (
        Side(rvu_year(s.year), bool(s.apm), s.release.strip().upper()) for s in (before, after)
    )
    _check_sides(before, after)
    for side in (before, after):
        _check_release(side)
    if lines.empty:
        raise WorkbookError("no claim lines to compare", "import an export with accepted lines")
    priced, sides, place = {}, [], "national"
    for side in (before, after):
        gpci = _gpci(locality, side.year)
        frame = explain(
            redate(lines, side.year), locality=locality, apm=side.apm, release=side.release or None
        )
        priced[side.label] = frame
        sides.append(_rvus(frame, gpci))
        place = str(frame["locality"].iloc[0])
    cents = _line_table(lines, *sides)
    by_code = with_names(_grouped(cents, "cpt"))
    total = by_code.iloc[-1]
    effects = pd.DataFrame(
        {"effect": list(EFFECTS.values()), "dollars": [float(total[k]) for k in EFFECTS]}
    )
    return YearOverYear(
        before=before,
        after=after,
        locality=place,
        lines=_dollars(cents),
        by_code=by_code,
        by_provider=_grouped(cents, "provider"),
        effects=effects,
        factors=_factors(priced),
        source_years=sorted(lines["date_of_service"].dt.year.unique().tolist()),
    )


@register("from_apm", "to_apm")
def _apm_flag(value: object) -> bool:
    """Whether a side uses the qualifying-APM conversion factor (2026 has two factors)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "false", "no", "0"):
        return text in ("true", "yes", "1")
    raise WorkbookError(f"'{value}' is not yes or no", "give true or false")


@register("from_release", "to_release")
def _release(value: object) -> str:
    """A shipped RVU release (RVU24A) in capitals, or empty for the release in force by date."""
    text = str(value or "").strip().upper()
    names = load_rvu_releases()["release"].tolist()
    if text and text not in names:
        raise WorkbookError(
            f"'{value}' is not a shipped RVU release", f"use one of {', '.join(names)}"
        )
    return text


@register_check
def _two_sides(params: dict) -> None:
    """Notebook 06 (the only one with from_apm and to_apm) compares two different sides, each
    release (where given) of its side's year."""
    keys = ("from_year", "to_year", "from_apm", "to_apm")
    if all(k in params for k in keys):
        before = Side(params["from_year"], bool(params["from_apm"]), params.get("from_release", ""))
        after = Side(params["to_year"], bool(params["to_apm"]), params.get("to_release", ""))
        _check_sides(before, after)
        for side in (before, after):
            _check_release(side)


def _check_release(side: Side) -> None:
    """A side's release must be a shipped release of its year."""
    if not side.release:
        return
    releases = load_rvu_releases()
    mine = releases.loc[releases["year"] == side.year, "release"].tolist()
    if side.release not in mine:
        raise WorkbookError(
            f"{side.release} is not a release of {side.year}",
            f"the workbook has {', '.join(mine)} for {side.year}",
        )


def _check_sides(before: Side, after: Side) -> None:
    if before == after:
        raise WorkbookError(
            f"both sides are {before.label}: nothing to compare",
            "give two years, two releases of a year, or a year with and without the APM factor",
        )


def waterfall(result: YearOverYear) -> object:
    """Return a plotly waterfall: payment before, each effect, payment after."""
    import plotly.graph_objects as go

    t = result.total
    names = [result.before.label, *result.effects["effect"], result.after.label]
    values = [float(t["payment_from"]), *result.effects["dollars"], float(t["payment_to"])]
    measures = ["absolute", *["relative"] * len(EFFECTS), "total"]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=plain_values(pd.Series(values)),
            measure=measures,
            hovertext=[
                f"{n}: {money(v, sign=m == 'relative')}"
                for n, v, m in zip(names, values, measures, strict=True)
            ],  # fmt: skip
            hovertemplate=HOVER,
        )
    )
    title = f"Medicare payment of the same lines, {result.before.label} -> {result.after.label}"
    return layout(fig, title, "Effect", "Dollars")
