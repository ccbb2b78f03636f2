"""RVU explorer: pick codes, compare them side by side, follow them over the years, explain why
their payment moved and what that means for a practice's volumes.

Pure functions, DataFrames in and out; amounts come from :func:`payment.price_frame` (national
amounts unless a locality is given) and conversion factors from :func:`payment.conversion_factor`.
Codes are strings everywhere.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import IMPORT_HINT, WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference.loaders import load_codes, load_conversion_factors, load_rvus, rvu_years
from ..validation import register, register_check
from .owed import owed_columns
from .payment import (
    cents,
    conversion_factor,
    money,
    price_frame,
    resolve_locality,
    resolve_setting,
)

EFFICIENCY_YEAR = 2026
EFFICIENCY_FACTOR = 0.975  # CY2026: -2.5% on work RVUs of non-time-based services
PARTS = ["work", "pe", "mp"]
PART_WORDS = {"work": "work RVU", "pe": "practice-expense RVU", "mp": "malpractice RVU"}
SIDE_COLUMNS = ["code", "name", "status", "work_rvu", "pe_rvu", "mp_rvu", "total_rvu", "amount"]
TREND_COLUMNS = ["code", "year", "release", "work_rvu", "pe_rvu", "mp_rvu", "total_rvu"]
TREND_COLUMNS += ["conversion_factor", "amount", "status", "reason"]


def _split(codes: str | list | tuple | None) -> list[str]:
    if codes is None:
        return []
    items = re.split(r"[,;\s]+", codes) if isinstance(codes, str) else list(codes)
    return [normalize_hcpcs(c) for c in items if str(c).strip()]


def _family_codes(family: str) -> list[str]:
    table = load_codes()
    families = sorted(table["family"].unique().tolist())
    wanted = str(family).strip().lower()
    hits = [f for f in families if f.lower() == wanted]
    hits = hits or [f for f in families if wanted and wanted in f.lower()]
    if not hits:
        raise WorkbookError(
            f"no family of codes matches '{family}'", f"the families are: {'; '.join(families)}"
        )
    if len(hits) > 1:
        raise WorkbookError(
            f"'{family}' matches several families ({'; '.join(hits)})", "use more of the name"
        )
    return table.loc[table["family"] == hits[0], "code"].tolist()


def select_codes(codes: str | list | None = None, family: str | None = None) -> list[str]:
    """Return the codes to explore, normalised, de-duplicated, in the order given.

    ``codes`` is "97010,97012" (commas or spaces) or a list; ``family`` a family name of
    :func:`tables.load_codes` (case-insensitive; a unique part of it is enough); with both, the
    family's codes follow the listed ones. Raises WorkbookError for nothing to select, a value
    that is not a code, a code absent from every RVU year, an unknown or ambiguous family.
    """
    chosen = _split(codes) + (_family_codes(family) if family is not None else [])
    if not chosen:
        raise WorkbookError("no codes given", "pass codes such as '97012,97110' or a family")
    chosen = list(dict.fromkeys(chosen))
    known = set(load_rvus()["hcpcs"])
    missing = [c for c in chosen if c not in known]
    if missing:
        years = rvu_years()
        raise WorkbookError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in the workbook's "
            f"RVUs ({years[0]}-{years[-1]})",
            f"check the code, or {IMPORT_HINT}",
        )
    return chosen


@register("codes")
def _codes(value: object) -> list[str]:
    """The codes to explore (see :func:`select_codes`); none given is an empty list."""
    return select_codes(value) if value not in (None, "", []) else []


@register("family")
def _family(value: object) -> str:
    """A family of codes named by a unique part of its name, as given; empty for none."""
    text = str(value or "").strip()
    if text:
        select_codes(family=text)
    return text


@register_check
def _codes_or_family(params: dict) -> None:
    """The explorer needs codes, or a family when the codes are left empty."""
    if "codes" in params and "family" in params:
        select_codes(params["codes"] or None, family=params["family"] or None)


def _names(rvus: pd.DataFrame) -> pd.Series:
    """Plain-language names by code, falling back on the imported CMS short descriptor."""
    plain = load_codes().set_index("code")["name"]
    official = rvus.dropna(subset=["description"]).drop_duplicates("hcpcs")
    official = official.set_index("hcpcs")["description"]
    return plain.combine_first(official)


def _priced(codes: list[str], year: int, setting: str, locality: object, apm: bool):
    """Global rows of ``codes`` in ``year`` (its latest release), priced with that release's
    conversion factor (2024: RVU24C's 33.2875); RVU total per the setting."""
    kind = resolve_setting(setting)[0]
    rvus = load_rvus(year)
    rows = rvus[rvus["hcpcs"].isin(codes) & (rvus["modifier"] == "")]
    in_file = float(rvus["conversion_factor"].iloc[0])
    cf = float(conversion_factor(year, None, apm, in_file=in_file)["conversion_factor"])
    out = price_frame(rows, resolve_locality(locality, year), cf, kind)
    out["total_rvu"] = (out["work_rvu"] + out["pe_rvu"] + out["mp_rvu"]).round(4)
    out["conversion_factor"] = cf
    return out.rename(columns={"hcpcs": "code"}), rvus


def side_by_side(
    codes: str | list,
    year: int,
    setting: str = "nonfacility",
    locality: object = None,
    apm: bool = False,
) -> pd.DataFrame:
    """Return one row per code (global row, modifier ``""``) for ``year``, in the order given.

    Columns: code, name, status, work_rvu, pe_rvu (of the setting), mp_rvu, total_rvu, amount
    (dollars, after the OPPS cap; NaN when unpaid or when the code has no RVUs that year),
    medicare_pays (80% after the 2% sequestration), coinsurance (the patient's 20%), reason
    (an NA setting or the OPPS cap said in words). ``frame.attrs``
    holds year, setting and locality. Raises WorkbookError for bad codes, a year without RVUs,
    a bad setting, or a locality unknown or without GPCIs that year.
    """
    codes = select_codes(codes)
    kind = resolve_setting(setting)[0]
    priced, rvus = _priced(codes, int(year), kind, locality, apm)
    frame = pd.DataFrame({"code": codes}).merge(priced, on="code", how="left")
    frame["name"] = frame["code"].map(_names(rvus)).fillna("").astype("str")
    absent = frame["status"].isna()
    frame["reason"] = frame["reason"].astype("str")
    frame.loc[absent, "reason"] = f"no RVUs in {int(year)}"
    frame["status"] = frame["status"].astype("str").where(~absent, "")
    frame = frame.assign(**owed_columns(frame["amount"].to_numpy(dtype="float64")))
    out = frame[[*SIDE_COLUMNS, "medicare_pays", "coinsurance", "reason"]].reset_index(drop=True)
    out.attrs.update(year=int(year), setting=kind, locality=str(locality or "national"))
    return out


def _years(years: list[int] | None) -> list[int]:
    have = rvu_years()
    if years is None:
        return have
    chosen = sorted({int(y) for y in ([years] if isinstance(years, int | str) else years)})
    if not chosen:
        raise WorkbookError("no years given", f"pick among {', '.join(map(str, have))}")
    for y in chosen:
        load_rvus(y)  # raises WorkbookError naming the years the workbook has
    return chosen


def trends(
    codes: str | list,
    years: list[int] | None = None,
    setting: str = "nonfacility",
    apm: bool = False,
) -> pd.DataFrame:
    """Return national RVUs and amounts per code and year (default: every year with RVUs).

    Columns: code, year, release, work_rvu, pe_rvu, mp_rvu, total_rvu, conversion_factor,
    amount (dollars, NaN when unpaid), status, reason; rows by code (order given), then year. A
    year in which a code has no RVUs has no row. Each year is its latest release priced with
    that release's conversion factor (2024: RVU24C at 33.2875, the factor from March 9).
    Raises WorkbookError for bad codes, years or setting.
    """
    codes = select_codes(codes)
    kind = resolve_setting(setting)[0]
    parts = [_priced(codes, y, kind, None, apm)[0] for y in _years(years)]
    frame = pd.concat(parts, ignore_index=True)
    frame["code"] = pd.Categorical(frame["code"], categories=codes, ordered=True)
    frame = frame.sort_values(["code", "year"], ignore_index=True)
    frame["code"] = frame["code"].astype("str")
    for col in ("release", "status"):
        frame[col] = frame[col].astype("str")
    out = frame[TREND_COLUMNS]
    out.attrs.update(setting=kind)
    return out


def _cents(value: float) -> float:
    return float("nan") if pd.isna(value) else cents(value) + 0.0  # no -0.0


def _efficiency(code: str, year_from: int, year_to: int, w0: float, w1: float) -> bool:
    """True when a work-RVU fall matches CMS's CY2026 efficiency adjustment (-2.5%, rounded)."""
    timed = load_codes().set_index("code")["timed"].get(code, False)
    return (
        (year_from, year_to) == (EFFICIENCY_YEAR - 1, EFFICIENCY_YEAR)
        and w1 < w0
        and not bool(timed)
        and abs(w1 - w0 * EFFICIENCY_FACTOR) <= 0.0051
    )


def _cf_note(side: pd.Series) -> str:
    """Name the periods of a year with two conversion factors and the one its release prices
    with (2024: RVU24C's 33.2875)."""
    table = load_conversion_factors()
    year = int(side["year"])
    rows = table[(table["year"] == year) & (table["apm_status"] != "qualifying")]
    if len(rows) < 2:
        return ""
    periods = [f"{r.conversion_factor:.4f} to {r.effective_to:%b %-d}" for r in rows.itertuples()]
    used = f"{side['release']}'s {side['conversion_factor']:.4f} is used"
    return f" ({year}: {', then '.join(periods)}; {used})"


def _driver_text(part: str, row: pd.Series, before: pd.Series, after: pd.Series) -> str:
    if part == "conversion_factor":
        cf0, cf1 = before["conversion_factor"], after["conversion_factor"]
        text = f"conversion factor {cf0:.4f} -> {cf1:.4f}"
        text += _cf_note(before) + _cf_note(after)
    else:
        v0, v1 = before[f"{part}_rvu"], after[f"{part}_rvu"]
        text = f"{PART_WORDS[part]} {v0:.2f} -> {v1:.2f}"
        if part == "work" and _efficiency(row["code"], row["year_from"], row["year_to"], v0, v1):
            text += (
                f": CMS's CY{EFFICIENCY_YEAR} efficiency adjustment cut work RVUs of "
                "non-time-based services by 2.5%"
            )
        elif part == "pe" and row["year_to"] == EFFICIENCY_YEAR:
            text += f" (CMS changed the practice-expense method for CY{EFFICIENCY_YEAR})"
    return f"{text} ({money(row[f'by_{part}'], sign=True)})"


def _explain(row: pd.Series, before: pd.Series, after: pd.Series) -> str:
    span = f"{row['year_from']} -> {row['year_to']}"
    if pd.isna(row["change"]):
        if pd.isna(row["amount_from"]) and pd.isna(row["amount_to"]):
            return f"{span}: no fee-schedule amount in either year ({after['reason']})"
        side = before if pd.isna(row["amount_from"]) else after
        return f"{span}: no fee-schedule amount in {side['year']} ({side['reason']})"
    parts = [p for p in (*PARTS, "conversion_factor") if abs(row[f"by_{p}"]) >= 0.005]
    parts.sort(key=lambda p: -abs(row[f"by_{p}"]))
    head = f"{span}: {money(row['amount_from'])} -> {money(row['amount_to'])}"
    if not parts:
        return f"{head}, no change in RVUs or conversion factor worth a cent"
    return f"{head} ({money(row['change'], sign=True)}): " + "; ".join(
        _driver_text(p, row, before, after) for p in parts
    )


def explain_changes(
    codes: str | list,
    years: list[int] | None = None,
    setting: str = "nonfacility",
    apm: bool = False,
) -> pd.DataFrame:
    """Return why each code's national amount moved between consecutive years (of ``years``).

    Columns: code, year_from, year_to, amount_from, amount_to, change, by_work, by_pe, by_mp,
    by_conversion_factor, rounding, explanation. RVU deltas are priced at the earlier year's
    conversion factor, the conversion-factor move on the later year's total RVUs; every part is
    in cents and ``change == by_work + by_pe + by_mp + by_conversion_factor + rounding`` to the
    cent. Parts are NaN where either year has no amount (the explanation says why). Raises
    WorkbookError for bad codes, years or setting.
    """
    table = trends(codes, years, setting, apm)
    rows = []
    for code, group in table.groupby("code", sort=False):
        group = group.reset_index(drop=True)
        for i in range(1, len(group)):
            before, after = group.iloc[i - 1], group.iloc[i]
            cf0, cf1 = before["conversion_factor"], after["conversion_factor"]
            row = {"code": code, "year_from": int(before["year"]), "year_to": int(after["year"])}
            row |= {"amount_from": before["amount"], "amount_to": after["amount"]}
            row["change"] = _cents(after["amount"] - before["amount"])
            paid = not pd.isna(row["change"])
            for part in PARTS:
                delta = after[f"{part}_rvu"] - before[f"{part}_rvu"]
                row[f"by_{part}"] = _cents(delta * cf0) if paid else float("nan")
            cf_effect = (after["total_rvu"] * (cf1 - cf0)) if paid else float("nan")
            row["by_conversion_factor"] = _cents(cf_effect)
            parts = sum(row[f"by_{p}"] for p in (*PARTS, "conversion_factor"))
            row["rounding"] = _cents(row["change"] - parts)
            row["explanation"] = _explain(pd.Series(row), before, after)
            rows.append(row)
    columns = ["code", "year_from", "year_to", "amount_from", "amount_to", "change"]
    columns += [f"by_{p}" for p in (*PARTS, "conversion_factor")] + ["rounding", "explanation"]
    out = pd.DataFrame(rows, columns=columns)
    out["explanation"] = out["explanation"].astype("str")
    return out


def _units(volumes: dict) -> dict[str, int]:
    if not isinstance(volumes, dict) or not volumes:
        raise WorkbookError("no volumes given", "pass a dict of code to units, e.g. {'97012': 120}")
    units: dict[str, int] = {}
    for key, value in volumes.items():
        code = normalize_hcpcs(key)
        try:
            number = int(value)
            ok = number == value and number >= 0 and not isinstance(value, bool)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise WorkbookError(
                f"volume of {code} is '{value}'", "give a whole number of units, 0 or more"
            )
        if code in units:
            raise WorkbookError(f"{code} is listed twice in the volumes", "give it once")
        units[code] = number
    return units


@register("volumes")
def parse_volumes(value: object) -> dict[str, int]:
    """Return volumes typed as ``97110:120,97140:80`` (``=`` works as ``:`` too), or given as a
    dict, as {code: units}: codes normalised, units whole numbers of 0 or more.

    Raises WorkbookError for an item that is not CODE:UNITS, a bad code, a code given twice or
    no volumes at all.
    """
    items = (
        value.items()
        if isinstance(value, dict)
        else (
            item.replace("=", ":").partition(":")[::2]
            for item in str(value).split(",")
            if item.strip()
        )
    )
    out: dict[str, int] = {}
    for code, units in items:
        units = str(units).strip()
        if not units.isdecimal():  # digits int() reads; "²" is a digit it does not
            raise WorkbookError(
                f"'{code}:{units}' is not CODE:UNITS", "write volumes as 97110:120,97140:80"
            )
        code = normalize_hcpcs(code)
        if code in out:
            raise WorkbookError(f"{code} is given twice in the volumes", "give each once")
        out[code] = int(units)
    if not out:
        raise WorkbookError("no volumes given", "write volumes as 97110:120,97140:80")
    return out


def volume_impact(
    volumes: dict[str, int],
    from_year: int,
    to_year: int,
    setting: str = "nonfacility",
    apm: bool = False,
) -> pd.DataFrame:
    """Return what a year's volumes earn at ``from_year`` and at ``to_year`` national amounts.

    Columns: code, units, amount_from, amount_to (dollars per unit, NaN when unpaid or absent),
    dollars_from, dollars_to (units x amount, 0 when unpaid), difference, reason; one row per
    code in the order given, then a row with code ``"total"`` summing units and dollars.
    Raises WorkbookError for an empty dict, a bad or unknown code, a negative or fractional
    volume, a code listed twice, a year without RVUs or a bad setting.
    """
    units = _units(volumes)
    codes = select_codes(list(units))
    table = trends(codes, [from_year, to_year], setting, apm)
    frame = pd.DataFrame({"code": codes, "units": [units[c] for c in codes]})
    reasons = pd.Series("", index=frame.index, dtype="str")
    for side, year in (("from", int(from_year)), ("to", int(to_year))):
        part = table[table["year"] == year].set_index("code")
        frame[f"amount_{side}"] = frame["code"].map(part["amount"]).astype("float64")
        frame[f"dollars_{side}"] = [
            0.0 if pd.isna(a) else cents(u * a)
            for u, a in zip(frame["units"], frame[f"amount_{side}"], strict=True)
        ]
        why = frame["code"].map(part["reason"]).fillna(f"no RVUs in {year}").astype("str")
        unpaid = frame[f"amount_{side}"].isna()
        note = f"{year}: " + why + ", counted as 0 dollars"
        reasons = reasons.where(~unpaid, reasons.where(reasons == "", reasons + "; ") + note)
    frame["difference"] = [
        cents(b - a) for a, b in zip(frame["dollars_from"], frame["dollars_to"], strict=True)
    ]
    frame["reason"] = reasons.astype("str")
    total = {"code": "total", "units": int(frame["units"].sum()), "reason": ""}
    for col in ("dollars_from", "dollars_to", "difference"):
        total[col] = cents(frame[col].sum())
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["units"] = frame["units"].astype("int64")
    frame.attrs.update(from_year=int(from_year), to_year=int(to_year))
    return frame


def waterfall_code(explained: pd.DataFrame, codes: list[str]) -> str | None:
    """Return the first of ``codes`` whose payment changes can be drawn (a paid amount in two
    consecutive years of ``explained``), or None when none can."""
    paid = explained.dropna(subset=["change"])
    return next((c for c in codes if (paid["code"] == c).any()), None)


def explanations_markdown(explained: pd.DataFrame) -> str:
    """Return the explanations of :func:`explain_changes` as a Markdown list, one line per code
    and pair of years, easier to read than a wide table column."""
    return "\n".join(
        f"- **{code}** {text}"
        for code, text in zip(explained["code"], explained["explanation"], strict=True)
    )
