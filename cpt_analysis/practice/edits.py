"""Medicare's NCCI edits applied to a practice's claim lines (CMS's practitioner edits of one
quarter, named in every finding, e.g. ``NCCI 2024Q3``).

- Procedure-to-procedure: two codes billed for the same patient, day and provider that form an
  active pair. Modifier indicator 0: never paid together, whatever the modifiers; indicator 1:
  paid together only with a distinct-service modifier (59, XE, XS, XP, XU) on the column-two
  code, or another modifier the NCCI Policy Manual lets bypass the edit (25 or 57 on an E/M,
  24, 58, 78, 79, 27, 91, anatomic ones such as RT/LT or F1: :data:`ncci.BYPASS_MODIFIERS`).
  The finding sits on the column-two line, the one Medicare denies.
- Medically unlikely edits: units above the code's MUE on one line (adjudication indicator 1),
  or over the day (indicators 2 and 3: the units of the code for the patient and day by the
  same provider added up; the finding sits on the day's first line of the code).
- Add-on codes billed without any of their primary codes that day (edit type 1, whose
  primaries CMS lists in full; types 2 and 3 leave the primaries to the contractor and are not
  judged).

Visits are found by patient or encounter id (:func:`visits.visit_keys`); without one, each line
is its own visit, so only the per-line checks can find anything. Pure functions; no identifier
leaves them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..reference import ncci
from .visits import visit_keys

PTP = "NCCI procedure-to-procedure"
MUE = "NCCI medically unlikely units"
ADD_ON = "add-on code without its primary"
FINDINGS = [PTP, MUE, ADD_ON]
MODIFIER_COLUMNS = ["modifier_1", "modifier_2", "modifier_3", "modifier_4"]


def _groups(lines: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """One key per line: patient, day and provider (a line of its own without patient id)."""
    day = lines["date_of_service"].to_numpy().astype("datetime64[D]").astype(np.int64)
    if len(day):
        day = day - day.min()
    rows = np.arange(len(lines))
    visit, by_patient = visit_keys(lines, rows, day)
    provider = lines["provider"].astype("category").cat.codes.to_numpy().astype(np.int64)
    if not len(rows):
        return visit, by_patient
    visit = pd.factorize(visit)[0].astype(np.int64)  # 0..n-1, so the product stays small
    key = pd.factorize(visit * (int(provider.max()) + 2) + (provider + 1))[0]
    return np.asarray(key, dtype=np.int64), by_patient


def _codes(lines: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each line's code as a number, and the codes those numbers stand for."""
    cat = lines["cpt"].astype("category")
    return cat.cat.codes.to_numpy().astype(np.int64), [str(c) for c in cat.cat.categories]


def _distinct(lines: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """True where the line at ``rows`` carries a modifier that bypasses an indicator-1 PTP
    edit (59, XE, XS, XP, XU, and the others of :data:`ncci.BYPASS_MODIFIERS`)."""
    out = np.zeros(len(rows), dtype=bool)
    for name in MODIFIER_COLUMNS:
        if name in lines:
            col = lines[name].astype("category")
            hit = np.append(col.cat.categories.astype("str").isin(ncci.BYPASS_MODIFIERS), False)
            out |= hit[col.cat.codes.to_numpy()[rows]]
    return out


def _finding(lines: pd.DataFrame, rows, finding: str, detail, suggestion) -> pd.DataFrame:
    rows = np.asarray(rows, dtype=np.int64)
    return pd.DataFrame(
        {
            "line_ref": lines["source_row"].to_numpy()[rows],
            "provider": lines["provider"].iloc[rows].astype("str").to_numpy(),
            "date_of_service": lines["date_of_service"].to_numpy()[rows],
            "cpt": lines["cpt"].iloc[rows].astype("str").to_numpy(),
            "finding": finding,
            "icd10": "",
            "detail": list(detail),
            "suggestion": list(suggestion),
        }
    )


def _empty() -> pd.DataFrame:
    return _finding(pd.DataFrame({c: [] for c in ("source_row", "provider", "date_of_service",
                                                  "cpt")}), [], PTP, [], [])  # fmt: skip


def ptp_findings(lines: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """Return a finding on every column-two line of an active pair billed for the same patient,
    day and provider as its column-one code, unless the pair allows a modifier (indicator 1)
    and the line carries 59, XE, XS, XP or XU; columns as :func:`audit.audit`."""
    quarter = ncci.check_quarter(quarter)
    group, by_patient = _groups(lines)
    if not by_patient or lines.empty:
        return _empty()
    code, cats = _codes(lines)
    index = {c: i for i, c in enumerate(cats)}
    ptp = ncci.load_ptp(quarter)
    ptp = ptp[ptp["column_1"].isin(cats) & ptp["column_2"].isin(cats)]
    if ptp.empty:
        return _empty()
    pairs = pd.DataFrame(
        {
            "code_1": ptp["column_1"].map(index).to_numpy(dtype=np.int64),
            "code_2": ptp["column_2"].map(index).to_numpy(dtype=np.int64),
            "modifier_indicator": ptp["modifier_indicator"].to_numpy(),
            "rationale": ptp["rationale"].astype("str").to_numpy(),
        }
    )
    frame = pd.DataFrame({"group": group, "code": code, "row": np.arange(len(lines))})
    firsts = frame[np.isin(code, pairs["code_1"].unique())].drop_duplicates(["group", "code"])
    seconds = frame[np.isin(code, pairs["code_2"].unique())]
    both = seconds.merge(firsts, on="group", suffixes=("_2", "_1"))
    both = both.merge(pairs, on=["code_1", "code_2"])
    both = both[(both["modifier_indicator"].to_numpy() == 0) | ~_distinct(lines, both["row_2"])]
    both = both.sort_values(["row_2", "code_1"]).drop_duplicates("row_2")
    both["cpt_1"] = [cats[i] for i in both["code_1"]]
    both["cpt_2"] = [cats[i] for i in both["code_2"]]
    name = ncci.label(quarter)
    detail = [
        f"{name}: {b} billed with {a} for the patient that day by the same provider; "
        f"{b} is the column-two code, denied ({r.lower() if r else 'pair edit'}; modifier "
        f"indicator {m}{': never paid together' if m == 0 else ''})"
        for a, b, m, r in zip(both["cpt_1"], both["cpt_2"], both["modifier_indicator"],
                              both["rationale"].astype(str), strict=True)
    ]  # fmt: skip
    suggestion = [
        f"remove {b}, or bill it another day: no modifier lets {a} and {b} be paid together"
        if m == 0
        else f"if {b} was a distinct service (another session, site or encounter, documented), "
        f"append {'25' if b.startswith('992') else '59 or XE/XS/XP/XU'} to {b}; otherwise {b} "
        "is not payable"
        for a, b, m in zip(both["cpt_1"], both["cpt_2"], both["modifier_indicator"], strict=True)
    ]
    return _finding(lines, both["row_2"], PTP, detail, suggestion)


def mue_findings(lines: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """Return a finding on every line whose units exceed its code's MUE (indicator 1), and on
    the first line of every patient, day and provider whose units of a code add up to more than
    its MUE (indicators 2 and 3); columns as :func:`audit.audit`."""
    quarter = ncci.check_quarter(quarter)
    if lines.empty:
        return _empty()
    group, _ = _groups(lines)
    code, cats = _codes(lines)
    mue = ncci.load_mue(quarter).set_index("hcpcs")
    limit_of = mue["mue_units"].reindex(cats).to_numpy(dtype=float)  # NaN: no MUE
    mai_of = mue["mai"].reindex(cats).to_numpy(dtype=float)
    units = lines["units"].to_numpy().astype(np.int64)
    limit, mai = limit_of[code], mai_of[code]
    rows = np.flatnonzero((mai == 1) & (units > limit))
    per_line = pd.DataFrame(
        {
            "row": rows,
            "cpt": [cats[i] for i in code[rows]],
            "units": units[rows],
            "limit": limit[rows].astype(np.int64),
            "mai": 1,
        }  # fmt: skip
    )
    sel = np.flatnonzero((mai == 2) | (mai == 3))
    key, uniq = pd.factorize(group[sel] * len(cats) + code[sel])
    total = np.bincount(key, weights=units[sel], minlength=len(uniq)).astype(np.int64)
    count = np.bincount(key, minlength=len(uniq))
    first = sel[np.unique(key, return_index=True)[1]]  # the first line of each key, in order
    day_code = np.asarray(uniq) % len(cats)
    bad = np.flatnonzero(total > limit_of[day_code])
    daily = pd.DataFrame(
        {
            "row": first[bad],
            "cpt": [cats[i] for i in day_code[bad]],
            "units": total[bad],
            "lines": count[bad],
            "limit": limit_of[day_code[bad]].astype(np.int64),
            "mai": mai_of[day_code[bad]].astype(np.int64),
        }  # fmt: skip
    )
    name = ncci.label(quarter)
    rows = np.concatenate([per_line["row"].to_numpy(), daily["row"].to_numpy()])
    detail = [
        _mue_detail(name, c, u, 1, lim, 1, per_line=True)
        for c, u, lim in zip(per_line["cpt"], per_line["units"], per_line["limit"], strict=True)
    ] + [
        _mue_detail(name, c, u, n, lim, m)
        for c, u, n, lim, m in zip(daily["cpt"], daily["units"], daily["lines"],
                                   daily["limit"], daily["mai"], strict=True)
    ]  # fmt: skip
    limits = np.concatenate([per_line["limit"].to_numpy(), daily["limit"].to_numpy()])
    mais = np.concatenate([per_line["mai"].to_numpy(), daily["mai"].to_numpy()])
    suggestion = [_mue_suggestion(int(lim), int(m)) for lim, m in zip(limits, mais, strict=True)]
    return _finding(lines, rows, MUE, detail, suggestion)


def _mue_detail(name: str, code: str, units: int, n: int, limit: int, mai: int,
                per_line: bool = False) -> str:  # fmt: skip
    if limit == 0:
        return f"{name}: Medicare allows no units of {code} (its MUE is 0); {units} billed"
    if per_line:
        return f"{name}: {code} billed {units} units on one line; its MUE is {limit} per line"
    return (
        f"{name}: {code} billed {units} units for the patient that day by the same provider "
        f"({n} line{'s' if n > 1 else ''}); its MUE is {limit} {ncci.MAI_WORDS[mai]}"
    )


def _mue_suggestion(limit: int, mai: int) -> str:
    if limit == 0:
        return "Medicare pays no units of this code: bill the code Medicare uses for the service"
    if mai == 1:
        return (
            f"units above {limit} on one line are denied: if more were given (another site or "
            "session), report them on another line with the right modifier and records"
        )
    if mai == 2:
        return f"units above {limit} a day are denied by policy and an appeal does not change it"
    return (
        f"units above {limit} a day are denied: check the units, and appeal with records if "
        "more were truly given"
    )


def add_on_findings(lines: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """Return a finding on every line of an add-on code (edit type 1) billed for a patient on a
    day when the same provider billed none of its primary codes; columns as
    :func:`audit.audit`. Without patient ids nothing is judged."""
    quarter = ncci.check_quarter(quarter)
    group, by_patient = _groups(lines)
    if not by_patient or lines.empty:
        return _empty()
    code, cats = _codes(lines)
    aoc = ncci.load_aoc(quarter)
    aoc = aoc[aoc["add_on"].isin(cats)]
    judged = aoc.groupby("add_on")["aoc_edit_type"].max() == 1  # every row of type 1
    primaries = aoc[aoc["add_on"].isin(judged[judged].index)].groupby("add_on")["primary"]
    primaries = primaries.agg(lambda p: sorted(set(p)))
    if primaries.empty:
        return _empty()
    index = {c: i for i, c in enumerate(cats)}
    key = group * len(cats) + code  # patient, day, provider and code, as one number
    missing = []
    for add_on, listed_primaries in primaries.items():
        rows = np.flatnonzero(code == index[add_on])
        found = np.zeros(len(rows), dtype=bool)
        for p in listed_primaries:
            if p in index:
                billed = np.unique(key[code == index[p]])
                found |= np.isin(group[rows] * len(cats) + index[p], billed)
        missing.extend(rows[~found].tolist())
    missing.sort()
    missing_codes = {r: cats[code[r]] for r in missing}
    name = ncci.label(quarter)

    def listed(code: str) -> str:
        p = primaries[code]
        return ", ".join(p[:5]) + (f" or {len(p) - 5} others" if len(p) > 5 else "")

    detail = [
        f"{name}: add-on code {missing_codes[r]} billed without any of its primary codes "
        f"({listed(missing_codes[r])}) for the patient that day by the same provider"
        for r in missing
    ]
    suggestion = [
        f"bill {missing_codes[r]} with its primary procedure, or correct the code" for r in missing
    ]
    return _finding(lines, missing, ADD_ON, detail, suggestion)


def edit_findings(lines: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """Return the PTP, MUE and add-on findings together (columns as :func:`audit.audit`).

    ``quarter`` None judges each line by the newest quarter available that took effect on or
    before its date of service (the oldest for a line before every quarter): with only the
    shipped 2024Q3, every line; with a newer quarter imported, the lines from its start."""
    parts = []
    for name, rows in _by_quarter(lines, quarter):
        part = lines.iloc[rows] if len(rows) < len(lines) else lines
        parts += [f(part, name) for f in (ptp_findings, mue_findings, add_on_findings)]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _by_quarter(lines: pd.DataFrame, quarter: str | None) -> list[tuple[str, np.ndarray]]:
    """The quarter of each line (see :func:`edit_findings`), as (quarter, rows) pairs."""
    if quarter is not None or lines.empty:
        return [(ncci.check_quarter(quarter), np.arange(len(lines)))]
    have = ncci.quarters() or [ncci.latest_quarter()]  # raises when there is none
    starts = np.array([np.datetime64(ncci.quarter_start(q), "D") for q in have])
    day = lines["date_of_service"].to_numpy().astype("datetime64[D]")
    at = np.maximum(np.searchsorted(starts, day, side="right") - 1, 0)
    return [(have[i], np.flatnonzero(at == i)) for i in np.unique(at).tolist()]
