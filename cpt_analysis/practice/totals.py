"""Sums of priced claim lines (:func:`productivity.explain`'s output): per provider and month,
and per code with its plain-language name. Unpaid amounts count 0; totals are exact to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference.loaders import load_codes


def sum_columns(explained: pd.DataFrame) -> dict[str, np.ndarray]:
    """The per-line values that :func:`aggregate` sums (amounts not paid count as 0)."""
    final = explained["final_amount"].to_numpy()
    base = explained["base_amount"].to_numpy()
    owed = {
        k: np.nan_to_num(explained[k].to_numpy()) if k in explained else np.zeros(len(explained))
        for k in ("rule_adjustment", "medicare_pays", "coinsurance")
    }
    return owed | {
        "units": explained["units"].to_numpy(),
        "wrvus": explained["wrvus"].to_numpy(),
        "total_rvus": explained["total_rvus"].to_numpy(),
        "base_amount": np.where(np.isnan(base), 0.0, base),
        "mppr_reduction": explained["mppr_reduction"].to_numpy(),
        "payment": np.where(np.isnan(final), 0.0, final),
        "unpaid": np.isnan(final),
    }


def _group_ids(explained: pd.DataFrame, keys: list[str]):
    """Return (one group number per line, number of groups, key columns as categoricals);
    a line with a blank key gets the number after the last group."""
    cols = [explained[k].astype("category") for k in keys]
    gid = np.zeros(len(explained), dtype=np.int64)
    blank = np.zeros(len(explained), dtype=bool)
    for col in cols:
        codes = col.cat.codes.to_numpy()
        gid *= len(col.cat.categories)
        gid += codes
        blank |= codes < 0
    size = int(np.prod([len(c.cat.categories) for c in cols]))
    if blank.any():  # left out, as groupby leaves out blank keys
        gid[blank] = size
    return gid, size, cols


def aggregate(explained: pd.DataFrame, keys: list[str], sums: dict | None = None):
    """Sum lines, units, the amounts and unpaid lines per group of ``keys`` (categoricals),
    in key order.

    Counts are exact integer sums; the amounts are summed by pandas line by line in file
    order, with the group given as one integer per line, so no total moves by a cent.
    """
    sums = sum_columns(explained) if sums is None else sums
    gid, size, cols = _group_ids(explained, keys)
    lines = np.bincount(gid, minlength=size + 1)
    used = np.flatnonzero(lines[:size])
    units = np.zeros(size + 1, dtype=np.int64)
    np.add.at(units, gid, sums["units"])
    unpaid = np.bincount(gid[sums["unpaid"]], minlength=size + 1)
    amounts = ["wrvus", "total_rvus", "base_amount", "mppr_reduction", "rule_adjustment", "payment",
               "medicare_pays", "coinsurance"]  # fmt: skip
    group = pd.Categorical.from_codes(gid, categories=np.arange(size + 1), validate=False)
    frame = pd.DataFrame({k: sums[k] for k in amounts}, copy=False)
    total = frame.groupby(group, observed=True, sort=True).sum().round(2)
    labels, rest = {}, used
    for name, col in zip(reversed(keys), reversed(cols), strict=True):
        n = len(col.cat.categories)
        labels[name] = pd.Categorical.from_codes(rest % n, dtype=col.dtype)
        rest = rest // n
    out = {k: labels[k] for k in keys} | {"lines": lines[used], "units": units[used]}
    out |= {k: total[k].to_numpy()[: len(used)] for k in amounts}
    out["unpaid_lines"] = unpaid[used]
    return pd.DataFrame(out)


def provider_month(explained: pd.DataFrame) -> pd.DataFrame:
    """Return one row per provider and month: lines, units, wrvus, total_rvus, base_amount,
    mppr_reduction (therapy), rule_adjustment (payment modifiers and multiple procedures),
    payment (allowed, after both), medicare_pays (80%, after the 2% sequestration),
    coinsurance (the patients' 20%), unpaid_lines. Input: :func:`productivity.explain`'s output."""
    return aggregate(explained, ["provider", "month"])


def by_code(explained: pd.DataFrame) -> pd.DataFrame:
    """Return one row per CPT/HCPCS code with its plain-language name and the same sums as
    :func:`provider_month`. Input: :func:`productivity.explain`'s output."""
    return with_names(aggregate(explained, ["cpt"]))


def with_names(out: pd.DataFrame) -> pd.DataFrame:
    names = load_codes().set_index("code")["name"]
    out.insert(1, "name", out["cpt"].astype(str).map(names).fillna("").astype(str))
    return out


def tables(explained: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return {"provider_month": :func:`provider_month`, "code": :func:`by_code`}, summing
    the lines' values once for both."""
    sums = sum_columns(explained)
    return {
        "provider_month": aggregate(explained, ["provider", "month"], sums),
        "code": with_names(aggregate(explained, ["cpt"], sums)),
    }
