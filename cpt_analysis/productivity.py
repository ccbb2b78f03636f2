"""Provider productivity: work RVUs, total RVUs and Medicare payment of a practice's claim lines.

Pure functions, DataFrames in and out. :func:`explain` prices every line: the RVUs of the year
of its date of service, the conversion factor in force that day (2024 had two), the facility or
non-facility rate by place of service, the chosen locality's GPCIs (None = national), the status
rules (only A, R, T are paid; an NA setting has no amount) and the therapy multiple-procedure
payment reduction (MULT PROC 5: per patient per day, the unit with the highest practice expense
keeps its full PE, every further unit gets 50% of its PE; work and malpractice are never
reduced). :func:`provider_month` and :func:`by_code` aggregate the explained lines.

Prices are computed once per (year, conversion-factor period, locality, setting, code) with
:func:`payment.price_frame` and gathered onto the lines, so millions of lines price in seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import WorkbookError
from .payment import conversion_factor, price_frame, resolve_locality, resolve_setting
from .tables import load_codes, load_rvus

FROM_FILE = "from file"  # locality argument: use each line's own locality column
MODIFIERS = ["", "26", "TC"]
SETTINGS = ["nonfacility", "facility"]
NEEDED = ("source_row", "date_of_service", "provider", "cpt", "units", "place_of_service")
SUMS = ["lines", "units", "wrvus", "total_rvus", "base_amount", "mppr_reduction", "payment"]


def _periods(years: np.ndarray, apm: bool) -> pd.DataFrame:
    """Conversion-factor periods covering ``years``: start, year, conversion_factor."""
    rows = []
    for year in sorted(set(years.tolist())):
        day = pd.Timestamp(year=int(year), month=1, day=1)
        while day.year == year:
            cf = conversion_factor(date_of_service=day.date(), apm=apm)
            rows.append((day, int(year), float(cf["conversion_factor"])))
            day = pd.Timestamp(cf["effective_to"]) + pd.Timedelta(days=1)
    return pd.DataFrame(rows, columns=["start", "year", "conversion_factor"])


def _localities(lines: pd.DataFrame, locality: object, years: list[int]):
    """Return (per-line locality index, labels, {(index, year): GPCI row or None})."""
    if locality is None or str(locality).strip().lower() in ("", "national"):
        return np.zeros(len(lines), dtype=np.int64), ["national"], {}
    if str(locality) == FROM_FILE:
        if "locality" not in lines:
            raise WorkbookError("the lines have no locality column", "pass locality=None or one")
        col = lines["locality"].astype("category")
        labels = ["national", *col.cat.categories.astype(str)]
        gpci = {(i + 1, y): resolve_locality(name, y) for i, name in enumerate(labels[1:])
                for y in years}  # fmt: skip
        return col.cat.codes.to_numpy().astype(np.int64) + 1, labels, gpci
    gpci = {(0, y): resolve_locality(locality, y) for y in years}
    first = next(iter(gpci.values()))
    label = "national" if first is None else str(first["locality_id"])
    return np.zeros(len(lines), dtype=np.int64), [label], gpci


def _price_table(periods, n_loc, gpci, cpt_cats) -> dict[str, np.ndarray]:
    """Dense per-unit prices, indexed by (period, locality, setting, code, modifier)."""
    shape = (len(periods), n_loc, 2, len(cpt_cats), 3)
    size = int(np.prod(shape))
    t = {k: np.full(size, np.nan) for k in ("work", "pe", "mp", "unit", "reduced")}
    t["reason"] = np.zeros(size, dtype=np.int16)  # index into t["reasons"]; 0 = not in file
    t["therapy"] = np.zeros(size, dtype=bool)
    t["status"] = np.zeros(size, dtype=np.int16)
    reasons, statuses = ["no RVUs for this code in the year"], [""]
    cat_index = pd.Index(cpt_cats)
    rvus_by_year = {y: load_rvus(y) for y in periods["year"].unique().tolist()}
    for p, (year, cf) in enumerate(zip(periods["year"], periods["conversion_factor"], strict=True)):
        rvus = rvus_by_year[year]
        c = cat_index.get_indexer(rvus["hcpcs"])
        m = pd.Index(MODIFIERS).get_indexer(rvus["modifier"])
        rvus, c, m = rvus[(c >= 0) & (m >= 0)], c[(c >= 0) & (m >= 0)], m[(c >= 0) & (m >= 0)]
        # the same services with half their practice expense: the price of a reduced unit
        halved = rvus.assign(pe_rvu_nonfacility=rvus["pe_rvu_nonfacility"] * 0.5,
                             pe_rvu_facility=rvus["pe_rvu_facility"] * 0.5)  # fmt: skip
        for loc in range(n_loc):
            place = gpci.get((loc, year))
            for s, setting in enumerate(SETTINGS):
                priced = price_frame(rvus, place, cf, setting)
                reduced = price_frame(halved, place, cf, setting)["amount"]
                at = np.ravel_multi_index((p, loc, s, c, m), shape) if len(c) else []
                t["work"][at] = priced["work_rvu"].to_numpy()
                t["pe"][at] = priced["pe_rvu"].to_numpy()
                t["mp"][at] = priced["mp_rvu"].to_numpy()
                t["unit"][at] = priced["amount"].to_numpy()
                t["reduced"][at] = reduced.to_numpy()
                t["therapy"][at] = priced["mult_proc"].astype(str).eq("5").to_numpy()
                for name, store, out in (
                    ("reason", reasons, "reason"),
                    ("status", statuses, "status"),
                ):
                    values = priced[name].astype(str)
                    for v in values.unique():
                        if v not in store:
                            store.append(v)
                    t[out][at] = values.map({v: i for i, v in enumerate(store)}).to_numpy()
    t["reasons"], t["statuses"], t["shape"] = reasons, statuses, shape
    return t


def _visit_keys(lines: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """Return one int64 key per patient and day (per line where no patient is known), and
    whether a patient or encounter id was found."""
    n = len(lines)
    day = lines["date_of_service"].to_numpy().astype("datetime64[D]").view(np.int64)
    for name in ("patient_id", "encounter_id"):
        if name in lines and lines[name].notna().any():
            codes = lines[name].astype("category").cat.codes.to_numpy().astype(np.int64)
            key = (codes << 20) | (day - day.min(initial=0))
            return np.where(codes >= 0, key, -np.arange(1, n + 1, dtype=np.int64)), True
    return -np.arange(1, n + 1, dtype=np.int64), False


def _mppr(visit: np.ndarray, pe: np.ndarray, eligible: np.ndarray, order: np.ndarray):
    """Return 1 for the line holding the visit's full-PE unit among the eligible lines (the
    highest PE; on a tie, the lowest ``order``, the source row), else 0."""
    full = np.zeros(len(pe), dtype=np.int64)
    rows = np.flatnonzero(eligible)
    if not len(rows):
        return full
    top = pd.Series(pe[rows]).groupby(visit[rows]).transform("max").to_numpy()
    candidates = rows[pe[rows] == top]
    candidates = candidates[np.argsort(order[candidates], kind="stable")]
    first = ~pd.Series(visit[candidates]).duplicated().to_numpy()
    full[candidates[first]] = 1
    return full


def explain(lines: pd.DataFrame, locality: object = None, apm: bool = False) -> pd.DataFrame:
    """Return one priced row per claim line, with every adjustment visible.

    ``lines`` are accepted lines of :func:`encounters.read_encounters` (at least source_row,
    date_of_service, provider, cpt, units, place_of_service; pricing_modifier, patient_id and
    locality when present). ``locality``: None for national, a locality (``01112-05`` or part of
    a name) or :data:`FROM_FILE`. wrvus and total_rvus count every line at its published RVUs,
    paid by Medicare or not (productivity plans credit non-covered services too). Columns: source_row, provider, date_of_service, month, cpt,
    modifier, units, place_of_service, setting, locality, year, status, work_rvu, pe_rvu,
    mp_rvu (per unit), wrvus, total_rvus, conversion_factor, base_amount (NaN where not paid),
    mppr_reduction, final_amount, reason. Raises WorkbookError for a missing column, an unknown
    locality or a year without conversion factor or GPCIs.
    """
    missing = [c for c in NEEDED if c not in lines]
    if missing:
        raise WorkbookError(
            f"the lines lack {', '.join(missing)}", "pass read_encounters().accepted"
        )
    if lines[["date_of_service", "cpt", "units"]].isna().any().any():
        raise WorkbookError(
            "some lines have no date, code or units", "import them with read_encounters"
        )
    dates = lines["date_of_service"].to_numpy().astype("datetime64[D]")
    years = (dates.astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int16)
    year_list = sorted(pd.unique(years).tolist())
    periods = _periods(np.asarray(year_list), apm)
    starts = periods["start"].to_numpy().astype("datetime64[D]")
    p = (np.searchsorted(starts, dates, "right") - 1).astype(np.int16)
    loc, loc_labels, gpci = _localities(lines, locality, year_list)
    pos = lines["place_of_service"].astype("category")
    facility = np.array([resolve_setting(v)[0] == "facility" for v in pos.cat.categories])
    s = np.append(facility, False)[pos.cat.codes.to_numpy()].astype(np.int8)
    cpt = lines["cpt"].astype("category")
    m = np.zeros(len(lines), dtype=np.int8)  # pricing modifier: "", 26 or TC
    if "pricing_modifier" in lines:
        mod = lines["pricing_modifier"].astype("category")
        known = np.maximum(pd.Index(MODIFIERS).get_indexer(mod.cat.categories.astype(str)), 0)
        m = np.append(known, 0).astype(np.int8)[mod.cat.codes.to_numpy()]
    t = _price_table(periods, len(loc_labels), gpci, list(cpt.cat.categories.astype(str)))
    at = np.ravel_multi_index((p, loc, s, cpt.cat.codes.to_numpy(), m), t["shape"])
    units = lines["units"].to_numpy().astype(np.int64, copy=False)
    out = {"source_row": lines["source_row"].to_numpy(), "provider": lines["provider"].array,
           "date_of_service": lines["date_of_service"].to_numpy(), "month": _months(dates),
           "cpt": cpt.array, "modifier": pd.Categorical.from_codes(m, categories=MODIFIERS),
           "units": units, "place_of_service": pos.array,
           "setting": pd.Categorical.from_codes(s, categories=SETTINGS),
           "locality": pd.Categorical.from_codes(loc.astype(np.int32), categories=loc_labels),
           "year": years,
           "status": pd.Categorical.from_codes(t["status"][at], categories=t["statuses"])}  # fmt: skip
    work, pe, mp, unit = t["work"][at], t["pe"][at], t["mp"][at], t["unit"][at]
    out |= {"work_rvu": work, "pe_rvu": pe, "mp_rvu": mp,
            "wrvus": np.round(np.nan_to_num(work) * units, 4),
            "total_rvus": np.round(np.nan_to_num(work + pe + mp) * units, 4)}  # fmt: skip
    cf, cf_of = np.unique(periods["conversion_factor"].to_numpy(), return_inverse=True)
    out["conversion_factor"] = pd.Categorical.from_codes(cf_of[p].astype(np.int8), categories=cf)
    del dates, loc, s, m, p
    eligible = ~np.isnan(unit) & t["therapy"][at]
    visit, by_patient = _visit_keys(lines)
    full = _mppr(visit, pe, eligible, out["source_row"])
    del visit
    reduced_units = np.where(eligible, units - full, 0)
    reduction = np.round(reduced_units * (unit - t["reduced"][at]), 2)
    out["base_amount"] = np.round(unit * units, 2)
    out["mppr_reduction"] = np.where(eligible, reduction, 0.0)
    out["final_amount"] = np.round(out["base_amount"] - out["mppr_reduction"], 2)
    del reduction, unit
    # reason: price_frame's reason, then the therapy reduction of the line
    combo = t["reason"][at].astype(np.int64) * 1000
    combo += np.where(eligible, 1 + full + 2 * np.minimum(reduced_units, 99), 0)
    del full, reduced_units, eligible, at
    inverse, uniq = _small_factorize(combo)
    texts = [_reason(t["reasons"][k // 1000], k % 1000, by_patient) for k in uniq.tolist()]
    out["reason"] = pd.Categorical.from_codes(inverse.astype(np.int32), categories=texts)
    return pd.DataFrame(out, copy=False)


def _months(dates: np.ndarray) -> pd.Categorical:
    """Return "YYYY-MM" of each date as a categorical, formatting each month once."""
    month = dates.astype("datetime64[M]").astype(np.int64)
    low = month.min(initial=0)
    inverse, uniq = _small_factorize(month - low)
    labels = (uniq + low).astype("datetime64[M]").astype(str)
    return pd.Categorical.from_codes(inverse, categories=labels)


def _small_factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, sorted uniques) of small non-negative integers, by counting (no hash)."""
    if not len(values):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    present = np.bincount(values) > 0
    rank = (np.cumsum(present) - 1).astype(np.int32)
    return rank[values], np.flatnonzero(present)


def _reason(base: str, state: int, by_patient: bool) -> str:
    if state == 0:
        return base
    full, reduced = (state - 1) % 2, (state - 1) // 2
    scope = "per patient per day" if by_patient else "within the line: no patient id"
    if full and not reduced:
        return f"{base}; therapy reduction: full PE, highest PE of the visit ({scope})"
    kept = "1 unit full PE (highest of the visit), " if full else ""
    return f"{base}; therapy reduction: {kept}{reduced} unit(s) at 50% PE ({scope})"


def _aggregate(explained: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = explained.assign(
        lines=1,
        payment=explained["final_amount"].fillna(0.0),
        base_amount=explained["base_amount"].fillna(0.0),
        unpaid_lines=explained["final_amount"].isna().astype(np.int64),
    )
    out = frame.groupby(keys, observed=True, sort=True)[[*SUMS, "unpaid_lines"]].sum()
    for col in ("wrvus", "total_rvus", "base_amount", "mppr_reduction", "payment"):
        out[col] = out[col].round(2)
    return out.reset_index()


def provider_month(explained: pd.DataFrame) -> pd.DataFrame:
    """Return one row per provider and month: lines, units, wrvus, total_rvus, base_amount,
    mppr_reduction, payment (after reduction), unpaid_lines. Input: :func:`explain`'s output."""
    return _aggregate(explained, ["provider", "month"])


def by_code(explained: pd.DataFrame) -> pd.DataFrame:
    """Return one row per CPT/HCPCS code with its plain-language name and the same sums as
    :func:`provider_month`. Input: :func:`explain`'s output."""
    out = _aggregate(explained, ["cpt"])
    names = load_codes().set_index("code")["name"]
    out.insert(1, "name", out["cpt"].astype(str).map(names).fillna("").astype(str))
    return out


def productivity(lines: pd.DataFrame, locality: object = None, apm: bool = False) -> dict:
    """Return {"provider_month", "code", "explain"} DataFrames for accepted claim lines.

    See :func:`explain` for the arguments and the errors a user can meet.
    """
    explained = explain(lines, locality=locality, apm=apm)
    return {
        "provider_month": provider_month(explained),
        "code": by_code(explained),
        "explain": explained,
    }
