"""The practice's own mix against its payers, and its charges.

:func:`payer_mix` weights each payer's rates by the practice's volume: what the practice's mix
of codes (units of a year from its encounter export) would earn from that payer, as a percent
of what Medicare pays for the same units. :func:`fee_schedule` sets charges at a percent of
Medicare with a rounding rule (:data:`ROUNDING`); :func:`left_on_table` lists every code whose
current charge (from the export's charge column, :func:`current_charges`, or a charge file,
:func:`read_charges`) is below some payer's allowed amount: payers pay the lower of the charge
and the contract, so the difference is never paid, nor shown on any remittance.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..presentation import register_many
from ..validation import register
from .contracts import medicare_amounts, percent_of
from .rate_files import CHARGES, Checks, read_table

# rounding rule: (step in dollars, rounding) -- "5" is the nearest $5, "5-up" the next $5 up
ROUNDING = {
    "cents": (Decimal("0.01"), ROUND_HALF_UP),
    "dollar": (Decimal("1"), ROUND_HALF_UP),
    "dollar-up": (Decimal("1"), ROUND_CEILING),
    "5": (Decimal("5"), ROUND_HALF_UP),
    "5-up": (Decimal("5"), ROUND_CEILING),
    "10": (Decimal("10"), ROUND_HALF_UP),
    "10-up": (Decimal("10"), ROUND_CEILING),
}
register_many(
    {
        "medicare_total": ("Medicare for the units", "money", "units x the Medicare amount"),
        "contract_total": ("Payer for the units", "money", "units x the payer's allowed amount"),
        "codes_rated": ("Codes of the mix with a rate", "count"),
        "units_rated": ("Units of the mix with a rate", "count"),
        "medicare_rated": ("Medicare for those units", "money"),
        "contract_rated": ("Payer for those units", "money"),
        "mix_medicare": ("Medicare for the whole mix", "money"),
        "coverage_pct": ("% of the mix rated", "percent", "of the mix's Medicare dollars"),
        "percent": ("% of Medicare", "percent"),
        "highest_allowed": ("Highest allowed", "money"),
        "highest_payer": ("Highest payer", "text"),
        "below_a_payer": ("Below a payer's allowed", "flag", "charge < highest allowed"),
        "gap_per_unit": ("Left on the table per unit", "money", "allowed - charge"),
        "gap_at_volume": ("Left on the table at the mix's units", "money",
                          "per unit x the practice's units of the code"),
        "charges_seen": ("Distinct charges seen", "count"),
    }
)  # fmt: skip
MAX_PERCENT = 1000.0  # of Medicare: above it a percent is a typing slip


def round_charge(amount: float, rule: str = "cents") -> float:
    """Round an amount in dollars by a :data:`ROUNDING` rule: ``cents`` (halves up),
    ``dollar`` (nearest dollar), ``dollar-up`` (the next whole dollar), ``5`` or ``10`` (nearest
    $5 or $10), ``5-up`` or ``10-up`` (the next $5 or $10). NaN stays NaN."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return math.nan
    step, how = ROUNDING[check_rounding(rule)]
    steps = (Decimal(str(amount)) / step).quantize(Decimal("1"), rounding=how)
    return float(steps * step)


@register("charge_rounding")
def check_rounding(value: object) -> str:
    """A rounding rule of :data:`ROUNDING`, in lower case."""
    text = str(value).strip().lower()
    if text not in ROUNDING:
        raise WorkbookError(
            f"'{value}' is not a rounding rule", f"use one of {', '.join(ROUNDING)}"
        )
    return text


@register("charge_percent")
def check_percent(value: object) -> float:
    """A percent of Medicare for charges, from 1 to 1000."""
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        number = math.nan
    if not 1 <= number <= MAX_PERCENT:
        raise WorkbookError(
            f"percent {value} is not a number from 1 to {MAX_PERCENT:,.0f}",
            "give the charges' percent of Medicare, such as 200",
        )
    return number


def mix_of(lines: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the practice's mix in ``year`` from accepted encounter lines: code,
    pricing_modifier and units (summed), most units first."""
    lines = lines[lines["date_of_service"].dt.year == int(year)]
    if lines.empty:
        raise WorkbookError(
            f"the encounter export has no accepted lines in {year}", "check the year"
        )
    mix = lines.assign(code=lines["cpt"].astype("str"),
                       pricing_modifier=lines["pricing_modifier"].astype("str"))  # fmt: skip
    mix = mix.groupby(["code", "pricing_modifier"], as_index=False, observed=True)["units"].sum()
    return mix.sort_values(["units", "code"], ascending=[False, True], ignore_index=True)


def _one_rate(comparison: pd.DataFrame) -> pd.DataFrame:
    """One rate per payer, code and pricing modifier: the row whose modifier is the pricing
    modifier itself (97110, 72148-26) before one under another modifier (97110-GP)."""
    plain = comparison["modifier"].eq(comparison["pricing_modifier"])
    ordered = comparison.assign(_plain=~plain).sort_values("_plain", kind="stable")
    return ordered.drop_duplicates(["payer", "code", "pricing_modifier"]).drop(columns="_plain")


def payer_mix(comparison: pd.DataFrame, mix: pd.DataFrame, year: int, locality: object = None,
              setting: object = "nonfacility") -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Return (by payer, by code) of the practice's ``mix`` (:func:`mix_of`) under each payer's
    rates (:func:`contracts.compare`), with Medicare amounts of ``year``, ``locality`` and
    ``setting``.

    By code: code, pricing_modifier, units, medicare (per unit), medicare_total, then per payer
    and code: payer, allowed, contract_total (units x allowed). By payer: codes_rated and
    units_rated (codes of the mix the payer has a rate for, and Medicare pays), medicare_rated
    and contract_rated (those units at Medicare's and the payer's amounts), pct_of_medicare
    (contract_rated / medicare_rated x 100: the mix's earnings from this payer as a percent of
    Medicare), mix_medicare (the whole mix at Medicare's amounts) and coverage_pct
    (medicare_rated / mix_medicare x 100: how much of the mix the comparison covers).
    """
    med = medicare_amounts(mix, year, locality, setting)[["code", "pricing_modifier", "medicare"]]
    by_code = mix.merge(med, on=["code", "pricing_modifier"], how="left")
    by_code["medicare_total"] = (by_code["units"] * by_code["medicare"]).round(2)
    rates = _one_rate(comparison)[["payer", "code", "pricing_modifier", "allowed_amount"]]
    rated = by_code.merge(rates, on=["code", "pricing_modifier"], how="inner")
    rated = rated[rated["medicare"].notna()]
    rated = rated.assign(contract_total=(rated["units"] * rated["allowed_amount"]).round(2))
    mix_medicare = round(float(by_code["medicare_total"].sum()), 2)
    per = rated.groupby("payer", as_index=False).agg(
        codes_rated=("code", "size"), units_rated=("units", "sum"),
        medicare_rated=("medicare_total", "sum"), contract_rated=("contract_total", "sum"),
    )  # fmt: skip
    per[["medicare_rated", "contract_rated"]] = per[["medicare_rated", "contract_rated"]].round(2)
    per["pct_of_medicare"] = percent_of(per["contract_rated"], per["medicare_rated"]).to_numpy()
    per["mix_medicare"] = mix_medicare
    per["coverage_pct"] = percent_of(per["medicare_rated"], per["mix_medicare"]).to_numpy()
    payers = pd.DataFrame({"payer": sorted(comparison["payer"].unique())})
    per = payers.merge(per, on="payer", how="left").fillna(
        {
            "codes_rated": 0,
            "units_rated": 0,
            "medicare_rated": 0.0,
            "contract_rated": 0.0,
            "mix_medicare": mix_medicare,
        }  # fmt: skip
    )
    per = per.astype({"codes_rated": "int64", "units_rated": "int64"})
    long = rated.sort_values(["payer", "units", "code"], ascending=[True, False, True])
    return per, long.reset_index(drop=True)


def fee_schedule(codes: pd.DataFrame, year: int, percent: float, rounding: str = "cents",
                 locality: object = None, setting: object = "nonfacility",
                 comparison: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Return charges at ``percent`` of Medicare for the distinct (code, pricing_modifier) of
    ``codes``: code, pricing_modifier, medicare, percent, charge (rounded by ``rounding``, see
    :func:`round_charge`; NaN where Medicare pays none) and, given a ``comparison``
    (:func:`contracts.compare`), highest_allowed, highest_payer and below_a_payer (the charge
    is below some payer's allowed amount, which would leave money on the table)."""
    percent, rounding = check_percent(percent), check_rounding(rounding)
    keys = codes[["code", "pricing_modifier"]].drop_duplicates()
    out = medicare_amounts(keys, year, locality, setting)[["code", "pricing_modifier", "medicare"]]
    out["percent"] = percent
    exact = [Decimal(str(m)) * Decimal(str(percent)) / 100 for m in out["medicare"].fillna(0)]
    out["charge"] = [round_charge(float(x), rounding) for x in exact]
    out["charge"] = out["charge"].where(out["medicare"].notna())
    if comparison is not None:
        top = _highest(comparison)
        out = out.merge(top, on=["code", "pricing_modifier"], how="left")
        out["below_a_payer"] = (out["charge"] < out["highest_allowed"]).fillna(False)
    return out.sort_values(["code", "pricing_modifier"], ignore_index=True)


def _highest(comparison: pd.DataFrame) -> pd.DataFrame:
    rates = _one_rate(comparison).sort_values(["allowed_amount", "payer"], ascending=[False, True])
    top = rates.drop_duplicates(["code", "pricing_modifier"])
    return top.rename(columns={"allowed_amount": "highest_allowed", "payer": "highest_payer"})[
        ["code", "pricing_modifier", "highest_allowed", "highest_payer"]
    ]


def current_charges(lines: pd.DataFrame) -> pd.DataFrame:
    """Return each code's current charge per unit from the export's charge column: code,
    pricing_modifier, charge (the commonest per-unit charge, line charge / units, to the cent;
    the highest of equally common ones), charges_seen (distinct per-unit charges) and lines.
    Raises WorkbookError when the export has no charge column or no charge."""
    if "charge" not in lines or lines["charge"].isna().all():
        raise WorkbookError(
            "the encounter export has no charges", "give a charge file, or export the charges"
        )
    lines = lines[lines["charge"].notna()]
    unit = (lines["charge"] / lines["units"]).round(2)
    frame = pd.DataFrame({"code": lines["cpt"].astype("str"), "unit": unit.to_numpy(),
                          "pricing_modifier": lines["pricing_modifier"].astype("str")})  # fmt: skip
    counts = frame.value_counts(["code", "pricing_modifier", "unit"]).rename("n").reset_index()
    counts = counts.sort_values(["n", "unit"], ascending=False, kind="stable")
    out = counts.groupby(["code", "pricing_modifier"], as_index=False).agg(
        charge=("unit", "first"), charges_seen=("unit", "size"), lines=("n", "sum")
    )
    return out.sort_values(["code", "pricing_modifier"], ignore_index=True)


def read_charges(
    source, year: int, mapping: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a charge file (code, optional modifier, charge per unit; CSV, text, .xlsx or a
    DataFrame) checked against ``year``'s fee schedule. Return (charges: code,
    pricing_modifier, charge; rejected rows: source_row, fields, reason). A code given twice
    with different charges is refused on both rows."""
    export = read_table(source, CHARGES, mapping)
    check = Checks(export)
    check.codes(int(year))
    check.amount("charge", "charge")
    v, ok = check.values, check.ok()
    frame = pd.DataFrame({"i": np.flatnonzero(ok), "code": v["code"][ok],
                          "pricing_modifier": v["pricing_modifier"][ok],
                          "charge": v["charge"][ok]})  # fmt: skip
    for _, group in frame.groupby(["code", "pricing_modifier"]):
        if group["charge"].nunique() > 1:
            rows = " and ".join(str(export.rows[i]) for i in group["i"][:2])
            check.flag(np.isin(np.arange(check.n), group["i"]),
                       f"code given with different charges (rows {rows})")  # fmt: skip
    ok = check.ok()
    charges = pd.DataFrame({n: v[n][ok] for n in ("code", "pricing_modifier", "charge")})
    charges = charges.drop_duplicates(["code", "pricing_modifier"], ignore_index=True)
    keep = ~ok
    rejected = pd.DataFrame({"source_row": export.rows[keep]})
    for name, pos in export.found.items():
        codes, cats = export.raw[pos]
        rejected[name] = cats.to_numpy(dtype=object)[codes[keep]]
    rejected["reason"] = ["; ".join(r) for r, k in zip(check.reasons, keep, strict=True) if k]
    return charges.astype({"code": "str", "pricing_modifier": "str"}), rejected


def left_on_table(charges: pd.DataFrame, comparison: pd.DataFrame,
                  mix: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Return every (code, payer) whose allowed amount is above the current charge: code,
    pricing_modifier, charge, payer, allowed, gap_per_unit (allowed - charge: never paid, since
    payers pay the lower of the two) and, given the practice's ``mix``, units and gap_at_volume
    (gap_per_unit x the practice's units of the code: what the year would lose if every unit
    were this payer's). Largest gap first."""
    rates = _one_rate(comparison)[["payer", "code", "pricing_modifier", "allowed_amount"]]
    out = charges[["code", "pricing_modifier", "charge"]].merge(
        rates, on=["code", "pricing_modifier"]
    )
    out = out[out["allowed_amount"] > out["charge"]].copy()
    out["gap_per_unit"] = (out["allowed_amount"] - out["charge"]).round(2)
    if mix is not None:
        out = out.merge(mix[["code", "pricing_modifier", "units"]], how="left",
                        on=["code", "pricing_modifier"])  # fmt: skip
        out["units"] = out["units"].fillna(0).astype("int64")
        out["gap_at_volume"] = (out["gap_per_unit"] * out["units"]).round(2)
    by = ["gap_at_volume" if mix is not None else "gap_per_unit", "code", "payer"]
    return out.sort_values(by, ascending=[False, True, True], ignore_index=True)


__all__ = ["ROUNDING", "current_charges", "fee_schedule", "left_on_table",
           "mix_of", "payer_mix", "read_charges", "round_charge"]  # fmt: skip
