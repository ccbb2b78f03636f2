"""Provider productivity: work RVUs, total RVUs and Medicare payment of a practice's claim lines.

Pure functions, DataFrames in and out. :func:`explain` prices every line: the RVUs of the year
of its date of service, the conversion factor in force that day (2024 had two), the facility or
non-facility rate by place of service, the chosen locality's GPCIs (None = national), the status
rules (only A, R, T are paid, and only their RVUs are counted; an NA setting has no amount) and
the therapy multiple-procedure payment reduction (MULT PROC 5: per patient per day, the unit
with the highest practice expense keeps its full PE, every further unit gets 50% of its PE;
work and malpractice are never reduced). :func:`provider_month` and :func:`by_code` (from
:mod:`totals`) aggregate the explained lines.

Prices are computed once per (year, conversion-factor period, locality, setting, code) with
:func:`payment.price_frame` and gathered onto the lines, so millions of lines price in seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..fees.payment import conversion_factor, price_frame, resolve_locality, resolve_setting
from ..reference.indicators import PAYABLE_STATUSES
from ..reference.loaders import load_rvu_releases, load_rvus
from ..reference.store import years as imported_years
from . import payment_rules
from .intake import LEVEL_II, OUTSIDE
from .totals import by_code, provider_month, tables
from .visits import visit_keys

__all__ = ["FROM_FILE", "STATUS_T_UNPAID", "by_code", "explain", "outside", "productivity",
           "provider_month"]  # fmt: skip

STATUS_T_UNPAID = (
    "status T: not paid, the same provider is paid for another fee-schedule service for the "
    "patient that day"
)
FROM_FILE = "from file"  # locality argument: use each line's own locality column
MODIFIERS = ["", "26", "TC"]
SETTINGS = ["nonfacility", "facility"]
NEEDED = ("source_row", "date_of_service", "provider", "cpt", "units", "place_of_service")


def _release_period(years: np.ndarray, apm: bool, release: str) -> pd.DataFrame:
    """One price period for every date: the named shipped ``release`` (RVU24A) with the
    conversion factor it prints (the APM factor where asked and the year has one). Raises
    WorkbookError for a release the workbook lacks or lines of another year."""
    releases = load_rvu_releases()
    row = releases[releases["release"] == str(release).strip().upper()]
    if row.empty:
        have = ", ".join(releases["release"])
        raise WorkbookError(f"'{release}' is not a shipped RVU release", f"use one of {have}")
    name, year = str(row["release"].iloc[0]), int(row["year"].iloc[0])
    other = sorted(set(years.tolist()) - {year})
    if other:
        raise WorkbookError(
            f"{name} prices {year}, but the lines are of {', '.join(map(str, other))}",
            "re-date the lines into its year, or price them by date without a release",
        )
    in_file = float(load_rvus(year, release=name)["conversion_factor"].iloc[0])
    cf = float(
        conversion_factor(year, apm=apm, in_file=None if apm else in_file)["conversion_factor"]
    )
    start = pd.Timestamp(year=year, month=1, day=1)
    return pd.DataFrame(
        [(start, year, name, cf)], columns=["start", "year", "release", "conversion_factor"]
    )


def _periods(years: np.ndarray, apm: bool) -> pd.DataFrame:
    """Price periods covering ``years``, each starting where a conversion factor or a shipped RVU
    release takes effect: start, year, release (blank for a year a user imported, whose file
    prices every date of it) and conversion_factor. 2024: RVU24A at 32.7442 from January 1,
    RVU24AR at 33.2875 from March 9, then RVU24B and RVU24C from April 1 and July 1."""
    releases = load_rvu_releases()
    imported = set(imported_years("rvus"))
    rows = []
    for year in sorted(set(years.tolist())):
        mine = releases[releases["year"] == year]
        starts, day = set(), pd.Timestamp(year=int(year), month=1, day=1)
        while day.year == year:
            starts.add(day)
            cf = conversion_factor(date_of_service=day.date(), apm=apm)
            day = pd.Timestamp(cf["effective_to"]) + pd.Timedelta(days=1)
        if year not in imported:
            starts |= {d for d in mine["effective_from"] if d.year == year}
        for start in sorted(starts):
            cf = conversion_factor(date_of_service=start.date(), apm=apm)
            started = mine[mine["effective_from"] <= start]
            release = (
                ""
                if year in imported or mine.empty
                else (started if not started.empty else mine).iloc[-1 if not started.empty else 0][
                    "release"
                ]
            )
            row = (start, int(year), release, float(cf["conversion_factor"]))
            if not rows or rows[-1][1:] != row[1:]:  # a new release or factor starts here
                rows.append(row)
    return pd.DataFrame(rows, columns=["start", "year", "release", "conversion_factor"])


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
    t["credited"] = np.zeros(size, dtype=bool)  # RVUs counted: a status Medicare pays
    t["status"] = np.zeros(size, dtype=np.int16)
    for name in payment_rules.INDICATORS:  # the indicators of payment_rules, as digits
        t[name] = np.full(size, 9, dtype=np.int8)
    # a code its year does not list: outside the fee schedule (Level II) or no RVUs
    reasons = ["no RVUs for this code in the year", f"{OUTSIDE}: no RVUs, no amount"]
    statuses = [""]
    cat_index = pd.Index(cpt_cats, dtype="str")
    level_ii = np.asarray(cat_index.str.fullmatch(LEVEL_II.pattern), dtype=np.int16)
    t["reason"][:] = np.broadcast_to(level_ii[:, None], shape).ravel()
    keys = zip(periods["year"], periods["release"], strict=True)
    rvus_of = {(y, r): load_rvus(y, release=r or None) for y, r in dict.fromkeys(keys)}
    for p, (year, release, cf) in enumerate(
        zip(periods["year"], periods["release"], periods["conversion_factor"], strict=True)
    ):
        rvus = rvus_of[(year, release)]
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
                credited = priced["status"].astype(str).isin(PAYABLE_STATUSES)
                t["credited"][at] = credited.to_numpy()
                for name, values in payment_rules.indicator_codes(priced).items():
                    t[name][at] = values
                priced["reason"] = priced["reason"].where(
                    credited, priced["reason"] + ", RVUs not counted"
                )
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


def _dense(values: np.ndarray, limit: int = 1 << 22) -> tuple[np.ndarray, np.ndarray]:
    """Return (int32 codes, sorted uniques) of integers: by counting (no hash, no sort) when
    they are non-negative and below ``limit``, else by sorting."""
    if not len(values):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    if values.min() >= 0 and values.max() < limit:
        present = np.bincount(values) > 0
        rank = (np.cumsum(present) - 1).astype(np.int32)
        return rank[values], np.flatnonzero(present)
    uniq, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int32).ravel(), uniq


def _full_pe(visit: np.ndarray, pe: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Return True for the line holding its visit's full-PE unit: the highest PE; on a tie,
    the lowest ``order`` (the source row), then the first line."""
    ids = pd.factorize(visit)[0]
    groups = int(ids.max(initial=-1)) + 1
    top = np.full(groups, -np.inf)
    np.fmax.at(top, ids, pe)  # a NaN PE never wins
    cand = np.flatnonzero(pe == top[ids])
    best = np.full(groups, np.iinfo(np.int64).max)
    np.minimum.at(best, ids[cand], order[cand])
    cand = cand[order[cand] == best[ids[cand]]]
    first = np.full(groups, len(pe))
    np.minimum.at(first, ids[cand], cand)
    full = np.zeros(len(pe), dtype=bool)
    full[first[first < len(pe)]] = True
    return full


def _days(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (per-line index into the distinct days, the distinct days as datetime64[D])."""
    day = dates.astype("datetime64[D]").view(np.int64)
    low = int(day.min(initial=0))
    codes, uniq = _dense(day - low)
    return codes, (uniq + low).astype("datetime64[D]")


def _check(lines: pd.DataFrame) -> None:
    missing = [c for c in NEEDED if c not in lines]
    if missing:
        raise WorkbookError(
            f"the lines lack {', '.join(missing)}", "pass read_encounters().accepted"
        )
    if lines[["date_of_service", "cpt", "units"]].isna().any().any():
        raise WorkbookError(
            "some lines have no date, code or units", "import them with read_encounters"
        )


def _by_category(column: pd.Series, per_category) -> np.ndarray:
    """Return each line's value of ``per_category`` (small ints) by its category; 0 if blank."""
    table = np.append(np.asarray(per_category, dtype=np.int64), 0)
    return table[column.cat.codes.to_numpy()]


def _price_keys(lines: pd.DataFrame, p_line: np.ndarray, loc: np.ndarray, shape: tuple):
    """Return (per-line index into the distinct keys, the keys as (index into the price
    table, units)): one key per (period, locality, setting, code, modifier, units)."""
    pos = lines["place_of_service"].astype("category")
    setting = [resolve_setting(v)[0] == "facility" for v in pos.cat.categories]
    modifier = np.zeros(len(lines), dtype=np.int64)
    if "pricing_modifier" in lines:
        mod = lines["pricing_modifier"].astype("category")
        known = pd.Index(MODIFIERS).get_indexer(mod.cat.categories.astype(str))
        modifier = _by_category(mod, np.maximum(known, 0))
    cpt = lines["cpt"].astype("category").cat.codes.to_numpy()
    at = np.ravel_multi_index((p_line, loc, _by_category(pos, setting), cpt, modifier), shape)
    del modifier
    ucode, units = _dense(lines["units"].to_numpy().astype(np.int64, copy=False))
    at *= max(len(units), 1)
    at += ucode
    kcode, keys = _dense(at)
    return kcode, keys // max(len(units), 1), units[keys % max(len(units), 1)]


def _per_key(t: dict, at: np.ndarray, units: np.ndarray) -> dict:
    """Return every output column per final key (2 x price key + 1 if the line keeps its
    visit's full PE): category codes and amounts, as :func:`explain` shows them."""
    at, units = np.repeat(at, 2), np.repeat(units, 2)
    full = np.tile([0, 1], len(at) // 2)
    work, pe, mp, unit = t["work"][at], t["pe"][at], t["mp"][at], t["unit"][at]
    counted = np.where(t["credited"][at], units, 0)  # the RVUs of unpaid statuses count 0
    eligible = ~np.isnan(unit) & t["therapy"][at]
    p, loc, s, _, m = np.unravel_index(at, t["shape"])
    out = {"modifier": m, "setting": s, "locality": loc, "period": p,
           "status": t["status"][at], "work_rvu": work, "pe_rvu": pe, "mp_rvu": mp,
           "wrvus": np.round(np.nan_to_num(work) * counted, 4),
           "total_rvus": np.round(np.nan_to_num(work + pe + mp) * counted, 4)}  # fmt: skip
    reduced_units = np.where(eligible, units - full, 0)
    reduction = np.round(reduced_units * (unit - t["reduced"][at]), 2)
    out["base_amount"] = np.round(unit * units, 2)
    out["mppr_reduction"] = np.where(eligible, reduction, 0.0)
    out["final_amount"] = np.round(out["base_amount"] - out["mppr_reduction"], 2)
    # reason: price_frame's reason, then the therapy reduction of the line
    out["reason"] = t["reason"][at].astype(np.int64) * 1000 + np.where(
        eligible, 1 + full + 2 * np.minimum(reduced_units, 99), 0
    )
    return out


def explain(
    lines: pd.DataFrame, locality: object = None, apm: bool = False, release: str | None = None
) -> pd.DataFrame:
    """Return one priced row per claim line, with every adjustment visible.

    ``lines`` are accepted lines of :func:`encounters.read_encounters` (at least source_row,
    date_of_service, provider, cpt, units, place_of_service; pricing_modifier, patient_id and
    locality when present). ``locality``: None for national, a locality (``01112-05`` or part of
    a name) or :data:`FROM_FILE`. ``release`` (RVU24A) prices every line with that shipped
    release and the factor it prints, instead of the release in force on each date (the lines
    must all be of its year). wrvus and total_rvus count the RVUs of the statuses Medicare
    pays (A, R, T): CMS's file lists RVUs for some codes it never pays (status B, I, N...),
    shown per unit in work_rvu, pe_rvu and mp_rvu but counted 0 (the reason says so). A HCPCS
    Level II code that its year's fee schedule does not list (a drug, a supply) has a blank
    status, no RVUs and no amount: outside the fee schedule (see :func:`outside`). Columns:
    source_row, provider, date_of_service, month, cpt, modifier, units, place_of_service,
    setting, locality, year, status, work_rvu, pe_rvu, mp_rvu (per unit), wrvus, total_rvus,
    conversion_factor, base_amount (NaN where not paid), mppr_reduction, final_amount, reason.
    Raises WorkbookError for a missing column, an unknown locality or a year without
    conversion factor or GPCIs.

    A status-T line is left unpaid when the same provider is paid for another service for the
    patient that day.

    Each line comes down to a key (period, locality, setting, code, modifier, units, and
    whether it keeps its visit's full PE); amounts are computed once per key and gathered.
    """
    _check(lines)
    dcode, days = _days(lines["date_of_service"].to_numpy())
    year_day = (days.astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int16)
    year_list = sorted(set(year_day.tolist()))
    periods = (
        _release_period(np.asarray(year_list), apm, release)
        if release
        else _periods(np.asarray(year_list), apm)
    )
    starts = periods["start"].to_numpy().astype("datetime64[D]")
    p_day = (np.searchsorted(starts, days, "right") - 1).astype(np.int16)
    loc, loc_labels, gpci = _localities(lines, locality, year_list)
    cpt = lines["cpt"].astype("category")
    t = _price_table(periods, len(loc_labels), gpci, list(cpt.cat.categories.astype(str)))
    kcode, at, units = _price_keys(lines, p_day[dcode], loc, t["shape"])
    del loc
    line_at = at[kcode]
    rows = np.flatnonzero((~np.isnan(t["unit"][at]) & t["therapy"][at])[kcode])
    visit, by_patient = visit_keys(lines, rows, dcode[rows])
    order = lines["source_row"].to_numpy()
    key = 2 * kcode  # the final key: the price key, and 1 if the line keeps the full PE
    del kcode
    key[rows] += _full_pe(visit, t["pe"][at][key[rows] // 2], order[rows])
    del visit, rows
    per = _per_key(t, at, units)
    cf, cf_of = np.unique(periods["conversion_factor"].to_numpy(), return_inverse=True)
    month, months = _months(days)
    out = {"source_row": order, "provider": lines["provider"].array,
           "date_of_service": lines["date_of_service"].to_numpy(),
           "month": _categorical(month, dcode, months), "cpt": cpt.array,
           "modifier": _categorical(per["modifier"], key, MODIFIERS),
           "units": lines["units"].to_numpy().astype(np.int64, copy=False),
           "place_of_service": lines["place_of_service"].array,
           "setting": _categorical(per["setting"], key, SETTINGS),
           "locality": _categorical(per["locality"], key, loc_labels),
           "year": year_day[dcode],
           "status": _categorical(per["status"], key, t["statuses"])}  # fmt: skip
    del dcode
    for name in ("work_rvu", "pe_rvu", "mp_rvu", "wrvus", "total_rvus"):
        out[name] = per[name][key]
    out["conversion_factor"] = _categorical(cf_of[per["period"]], key, cf)
    for name in ("base_amount", "mppr_reduction", "final_amount"):
        out[name] = per[name][key]
    out["reason"] = _reasons(per["reason"], key, by_patient, t["reasons"])
    frame = _status_t(pd.DataFrame(out, copy=False), lines)
    return payment_rules.apply(frame, lines, t, line_at)


def outside(explained: pd.DataFrame) -> np.ndarray:
    """Return True for the lines of :func:`explain` outside the physician fee schedule: a
    HCPCS Level II code (drug, supply, DME) that the fee schedule of its year does not list."""
    cpt = explained["cpt"].astype("category")
    level_ii = np.asarray(cpt.cat.categories.astype(str).str.fullmatch(LEVEL_II.pattern))
    code = np.append(level_ii.astype(bool), False)[cpt.cat.codes.to_numpy()]
    return code & (explained["status"] == "").to_numpy()


def _status_t(frame: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Leave a status-T line unpaid when the same provider is paid for another service of the
    fee schedule for the same patient that day (CMS: T is paid only when no other such service
    is); the line's reason says so. Without a patient id, each line is a visit of its own."""
    is_t = (frame["status"] == "T").to_numpy()
    if not is_t.any():
        return frame
    day = frame["date_of_service"].to_numpy().astype("datetime64[D]").astype(np.int64)
    visit, _ = visit_keys(lines, np.arange(len(frame)), day - day.min())
    provider = frame["provider"].astype("category").cat.codes.to_numpy().astype(np.int64)
    group = pd.factorize(visit * (int(provider.max()) + 1) + provider)[0]
    amount = frame["final_amount"].to_numpy()
    other = np.bincount(group, weights=~is_t & (amount > 0)) > 0
    hit = is_t & other[group] & ~np.isnan(amount)
    if hit.any():
        frame.loc[hit, ["base_amount", "final_amount"]] = np.nan
        frame.loc[hit, "mppr_reduction"] = 0.0
        reason = frame["reason"].cat.add_categories([STATUS_T_UNPAID])
        reason[hit] = STATUS_T_UNPAID
        frame["reason"] = reason.cat.remove_unused_categories()
    return frame


def _reasons(combo: np.ndarray, key: np.ndarray, by_patient: bool, reasons: list[str]):
    """Return the reason of each line as a categorical, its text written once per kind."""
    used = np.bincount(key, minlength=len(combo)) > 0
    rank = np.zeros(len(combo), dtype=np.int32)
    rank[used], uniq = _dense(combo[used])
    texts = [_reason(reasons[k // 1000], k % 1000, by_patient) for k in uniq.tolist()]
    return _categorical(rank, key, texts)


def _categorical(table: np.ndarray, index: np.ndarray, categories) -> pd.Categorical:
    """Return the categorical of codes ``table[index]`` (all valid), gathered straight into
    the code type pandas keeps, so the codes are neither copied nor checked again."""
    n = len(categories)
    kind = np.int8 if n < 127 else np.int16 if n < 32767 else np.int32
    codes = np.asarray(table).astype(kind)[index]
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


def _months(days: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Return ("YYYY-MM" index of each day, the sorted "YYYY-MM" labels)."""
    month = days.astype("datetime64[M]").astype(np.int64)
    low = int(month.min(initial=0))
    codes, uniq = _dense(month - low)
    return codes, list((uniq + low).astype("datetime64[M]").astype(str))


def _reason(base: str, state: int, by_patient: bool) -> str:
    if state == 0:
        return base
    full, reduced = (state - 1) % 2, (state - 1) // 2
    scope = "per patient per day" if by_patient else "within the line: no patient id"
    if full and not reduced:
        return f"{base}; therapy reduction: full PE, highest PE of the visit ({scope})"
    kept = "1 unit full PE (highest of the visit), " if full else ""
    return f"{base}; therapy reduction: {kept}{reduced} unit(s) at 50% PE ({scope})"


def productivity(lines: pd.DataFrame, locality: object = None, apm: bool = False) -> dict:
    """Return {"provider_month", "code", "explain"} DataFrames for accepted claim lines.

    See :func:`explain` for the arguments and the errors a user can meet.
    """
    explained = explain(lines, locality=locality, apm=apm)
    return tables(explained) | {"explain": explained}
