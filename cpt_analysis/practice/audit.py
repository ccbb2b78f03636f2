"""Coding audit of claim lines: diagnoses that cannot be billed on the date of service,
procedure-diagnosis pairs outside the reference table, timed units that disagree with the
visit's timed minutes under the 8-minute rule, Medicare's NCCI edits (:mod:`.edits`:
procedure-to-procedure pairs, medically unlikely units, add-on codes without their primary) and
therapy lines past the year's threshold without KX (:mod:`.therapy_threshold`).

Pure functions, DataFrames in and out. ICD-10-CM verdicts come from :func:`icd10.check_many`,
called once per verdict period (fiscal year, split where a known change takes effect) on the
distinct codes of that period, never once per line. Typical pairings are guidance, not coverage
rules (see :data:`pairings.GUIDANCE_NOTE`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..fees.pairings import GUIDANCE_NOTE
from ..fees.timed_units import units_for_minutes
from ..identifiers import icd10_key
from ..reference import ncci
from ..reference.icd10 import check_many, verdict_days
from ..reference.loaders import load_codes, load_pairings
from . import edits, therapy_threshold
from .visits import visit_keys

HEADER = "non-billable diagnosis (header)"
INVALID = "diagnosis not valid on the date of service"
UNPAIRED = "diagnosis not a typical pairing"
UNITS = "units disagree with minutes (8-minute rule)"
FINDINGS = [HEADER, INVALID, UNPAIRED, UNITS, *edits.FINDINGS, therapy_threshold.FINDING]
KX_NOTE = (
    "only the lines of this file count toward the patient's yearly total; thresholds: "
    "data/kx_thresholds.csv"
)
COLUMNS = ["line_ref", "provider", "date_of_service", "cpt", "finding", "icd10", "detail",
           "suggestion"]  # fmt: skip
DX = [f"dx_{n}" for n in (1, 2, 3, 4)]
EM_CODES = (99202, 99499)  # E/M visits: any diagnosis may bring a patient in, never unpaired


def _is_em(code: str) -> bool:
    return code.isdigit() and EM_CODES[0] <= int(code) <= EM_CODES[1]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS}).assign(
        line_ref=pd.Series(dtype="int64"),
        finding=pd.Categorical([], categories=FINDINGS),
        date_of_service=pd.Series(dtype="datetime64[s]"),
    )


def _texts(keys: np.ndarray | tuple[np.ndarray, ...], make) -> pd.Categorical:
    """Return a categorical of texts built once per distinct key by ``make``: ``make(k)`` for
    an array of keys; for a tuple of arrays, whose values side by side make a key,
    ``make(k1, k2, ...)``."""
    if isinstance(keys, tuple):
        inverse, uniq = pd.MultiIndex.from_arrays(keys).factorize()
        made = [make(*k) for k in uniq.tolist()]
    else:
        inverse, uniq = pd.factorize(np.asarray(keys))
        made = [make(k) for k in uniq.tolist()]
    texts = pd.Index(made, dtype="str")
    cats = texts.unique()
    return pd.Categorical.from_codes(cats.get_indexer(texts)[inverse], categories=cats)


def _frame(lines: pd.DataFrame, rows: np.ndarray, finding: str, icd10, detail, suggestion):
    code = np.full(len(rows), FINDINGS.index(finding), dtype=np.int8)
    return pd.DataFrame(
        {
            "line_ref": lines["source_row"].to_numpy()[rows],
            "provider": lines["provider"].array.take(rows),
            "date_of_service": lines["date_of_service"].to_numpy()[rows],
            "cpt": lines["cpt"].array.take(rows),
            "finding": pd.Categorical.from_codes(code, categories=FINDINGS),
            "icd10": icd10,
            "detail": detail,
            "suggestion": suggestion,
        }
    )


def _dx_codes(lines: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """Return the union of the diagnoses in dx_1..4 and, per column, each line's index in it
    (int32, -1 where blank)."""
    cols = [lines[c].astype("category") for c in DX if c in lines]
    union = pd.Index(sorted({str(v) for c in cols for v in c.cat.categories}), dtype="str")
    codes = [
        np.append(union.get_indexer(c.cat.categories.astype(str)), -1).astype(np.int32)[
            c.cat.codes.to_numpy()
        ]
        for c in cols
    ]
    return list(union), codes


def _periods(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each line's verdict period (fiscal years from Oct 1, split at known changes)
    and the first day of each period that has lines (NaT for the others)."""
    day = day.astype("datetime64[D]")
    first = int(day.min().astype("datetime64[Y]").astype(int)) + 1970
    last = int(day.max().astype("datetime64[Y]").astype(int)) + 1970
    cuts = {np.datetime64(f"{y}-10-01", "D") for y in range(first - 1, last + 1)}
    changes = {np.datetime64(d, "D") for d in verdict_days()}  # code sets and dated changes
    bounds = np.array(sorted(cuts | changes), dtype="datetime64[D]")
    low = day.min()
    present = np.bincount((day - low).astype(np.int64)) > 0  # the distinct days, by counting
    days = low + np.flatnonzero(present)
    per_day = np.searchsorted(bounds, days, side="right")
    starts = np.full(len(bounds) + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    starts[per_day[::-1]] = days[::-1]  # the earliest day of each period wins
    rank = (np.cumsum(present) - 1).astype(np.int32)
    return per_day.astype(np.int32)[rank[(day - low).astype(np.int64)]], starts


def _verdicts(union: list[str], seen: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, dict]:
    """Return the status per (period, 1 + code) key (0 billable or blank, 1 header, 2 not
    valid) for the keys ``seen``, and their (detail, suggestion) texts."""
    width = len(union) + 1
    status = np.zeros(len(seen), dtype=np.int8)
    texts: dict[int, tuple[str, str]] = {}
    keys = np.flatnonzero(seen)
    keys = keys[keys % width > 0]
    for p in np.unique(keys // width).tolist():
        mine = keys[keys // width == p]
        which = (mine % width - 1).tolist()
        verdict = check_many([union[i] for i in which], starts[p])
        for k, i, v in zip(mine.tolist(), which, verdict.itertuples(index=False), strict=True):
            fy = f"FY{v.fiscal_year}"
            if v.status == "header":
                status[k] = 1
                texts[k] = (
                    f"{v.icd10} is a category header, not billable in {fy}",
                    f"use a billable code: {v.billable_children}",
                )
            elif v.status == "unknown" or (v.status == "malformed" and not v.detail):
                status[k] = 2
                texts[k] = (
                    f"{union[i]} is not in the {fy} ICD-10-CM code set ({v.status})",
                    "check the code against the code set in force on the date of service",
                )
            elif v.status != "billable":
                status[k] = 2
                texts[k] = (
                    f"{union[i]}: {v.detail}",
                    "check the code against the code set in force on the date of service",
                )
    return status, texts


def diagnosis_findings(lines: pd.DataFrame) -> pd.DataFrame:
    """Return findings for diagnoses that are headers (with billable replacements) or not valid
    on the line's date of service; columns as :func:`audit`."""
    return _diagnosis_findings(lines, *_dx_codes(lines))


def _diagnosis_findings(lines: pd.DataFrame, union: list[str], codes: list) -> pd.DataFrame:
    if not union or lines.empty:
        return _empty()
    period, starts = _periods(lines["date_of_service"].to_numpy())
    width = len(union) + 1
    period *= width
    # one key per line and column: (period, 1 + code); 0 + period stands for a blank
    keys = [period + (c + 1) for c in codes]
    del period
    seen = np.zeros(len(starts) * width, dtype=bool)
    for key in keys:
        seen |= np.bincount(key, minlength=len(seen)) > 0
    status, texts = _verdicts(union, seen, starts)
    parts = []
    for key, c in zip(keys, codes, strict=True):
        rows = np.flatnonzero(status[key])
        verdict = status[key[rows]]
        for kind, finding in ((1, HEADER), (2, INVALID)):
            mine = rows[verdict == kind]
            if len(mine):
                icd = _texts(c[mine], lambda i: union[i])
                detail = _texts(key[mine], lambda k: texts[k][0])
                suggestion = _texts(key[mine], lambda k: texts[k][1])
                parts.append(_frame(lines, mine, finding, icd, detail, suggestion))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def pairing_findings(lines: pd.DataFrame) -> pd.DataFrame:
    """Return findings for lines whose CPT has typical diagnoses in the reference table but
    none of whose diagnoses is one of them (a child of a listed code, or a header over one,
    counts as listed); columns as :func:`audit`. Codes without curated pairings, and E/M
    visits (99202-99499), are never flagged."""
    return _pairing_findings(lines, *_dx_codes(lines))


def _pairing_findings(lines: pd.DataFrame, union: list[str], codes: list) -> pd.DataFrame:
    if lines.empty:
        return _empty()
    cpt = lines["cpt"].astype("category")
    cpts = list(cpt.cat.categories.astype(str))
    pairs = load_pairings()
    wanted = {c for c in cpts if not _is_em(c)}
    typical = {c: g["icd10"].tolist() for c, g in pairs.groupby("cpt") if c in wanted}
    keys = [icd10_key(u) or "" for u in union]
    match = np.zeros((len(cpts) + 1, len(union) + 1), dtype=bool)
    for j, c in enumerate(cpts):
        listed = tuple(icd10_key(d) or d for d in typical.get(c, []))
        # a child of a listed code, or a header over one (its billability is another finding)
        match[j, :-1] = [any(k.startswith(x) or x.startswith(k) for x in listed) for k in keys]
    ccodes = cpt.cat.codes.to_numpy().astype(np.int32)
    has = np.append(np.array([c in typical for c in cpts], dtype=bool), False)
    rows = np.flatnonzero(has[ccodes])
    for c in codes:  # narrowed column by column: most lines are paired by their first code
        rows = rows[~match[ccodes[rows], c[rows]]]  # -1 (blank) picks the last column: False
    if not len(rows):
        return _empty()
    first = codes[0][rows] if codes else np.full(len(rows), -1)
    more = np.zeros(len(rows), dtype=np.int64)  # diagnoses after the first
    for c in codes[1:]:
        more += c[rows] >= 0

    def detail(cpt_i: int, n_more: int, dx_i: int) -> str:
        dx = union[dx_i] if dx_i >= 0 else "no first diagnosis"
        extra = f" (and {n_more} more)" if n_more else ""
        return f"{cpts[cpt_i]} billed with {dx}{extra}: none is among its typical pairings"

    def suggestion(j: int) -> str:
        listed = ", ".join(typical[cpts[j]])
        return f"typical for {cpts[j]}: {listed} (guidance, not a coverage rule)"

    ccodes = ccodes[rows]
    icd = _texts(first, lambda i: union[i] if i >= 0 else "")
    details = _texts((ccodes, more, first), detail)
    return _frame(lines, rows, UNPAIRED, icd, details, _texts(ccodes, suggestion))


def _timed_lines(lines: pd.DataFrame) -> np.ndarray:
    timed = set(load_codes().query("timed")["code"])
    cpt = lines["cpt"].astype("category")
    is_timed = np.append(cpt.cat.categories.astype(str).isin(timed), False)[cpt.cat.codes]
    return np.flatnonzero(is_timed)


def units_findings(lines: pd.DataFrame) -> pd.DataFrame:
    """Return findings for timed units that Medicare's 8-minute rule does not support.

    The rule works per visit (patient and day): the timed minutes of all timed lines are added
    up and turned into units (8-22 minutes one unit, 23-37 two...). A visit whose timed lines
    bill another number of units gets one finding, on its first timed line; a visit with a timed
    line lacking minutes is not judged. A line that bills more units than its own minutes can
    carry (one per started 15 minutes) gets a finding too. Untimed codes are never flagged.
    """
    if "minutes" not in lines or lines.empty:
        return _empty()
    rows = _timed_lines(lines)
    if not len(rows):
        return _empty()
    minutes = lines["minutes"].to_numpy(dtype=float, na_value=np.nan)[rows]
    units = lines["units"].to_numpy()[rows].astype(np.int64)
    parts = [_visit_units(lines, rows, minutes, units), _line_units(rows, minutes, units)]
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _empty()
    at = np.concatenate([p[0] for p in parts])
    detail = union_categoricals([p[1] for p in parts])
    suggestion = union_categoricals([p[2] for p in parts])
    icd = pd.Categorical([None] * len(at), categories=pd.Index([], dtype="str"))
    return _frame(lines, at, UNITS, icd, detail, suggestion)


def _visit_units(lines: pd.DataFrame, rows: np.ndarray, minutes: np.ndarray, units: np.ndarray):
    """Return the first timed line of each visit whose timed lines bill other units than its
    timed minutes carry, and the finding's detail and suggestion of each."""
    day = lines["date_of_service"].to_numpy().astype("datetime64[D]").astype(np.int64)[rows]
    day -= day.min()  # day numbers from 0, as visit_keys expects
    visit = pd.factorize(visit_keys(lines, rows, day)[0])[0]
    n = int(visit.max()) + 1
    missing = np.bincount(visit, weights=np.isnan(minutes), minlength=n) > 0
    total = np.bincount(visit, weights=np.nan_to_num(minutes), minlength=n)
    total = np.floor(total).astype(np.int64)
    billed = np.bincount(visit, weights=units, minlength=n).astype(np.int64)
    bad = np.flatnonzero(~missing & (billed != units_for_minutes(total)))
    first = np.full(n, len(rows))
    np.minimum.at(first, visit, np.arange(len(rows)))
    detail = _texts((total[bad], billed[bad]), _visit_detail)
    return rows[first[bad]], detail, _texts(total[bad], _visit_suggestion)


def _visit_detail(minutes: int, billed: int) -> str:
    expected = int(units_for_minutes(minutes))
    return (
        f"the visit's {minutes} timed minutes bill {expected} unit(s) under the 8-minute rule; "
        f"its timed lines bill {billed}"
    )


def _visit_suggestion(minutes: int) -> str:
    expected = int(units_for_minutes(minutes))
    if expected == 0:
        return "under 8 timed minutes in the visit bills nothing: remove its timed lines"
    return f"bill {expected} unit(s) in all across the visit's timed codes"


def _line_units(rows: np.ndarray, minutes: np.ndarray, units: np.ndarray):
    """Return the timed lines that bill more units than their own minutes carry (one per
    started 15 minutes), and the finding's detail and suggestion of each."""
    over = np.flatnonzero(~np.isnan(minutes) & (units > np.ceil(minutes / 15)))
    whole = np.floor(minutes[over]).astype(np.int64)
    detail = _texts((whole, units[over]), _line_detail)
    return rows[over], detail, _texts(whole, _line_suggestion)


def _line_detail(minutes: int, units: int) -> str:
    most = -(-minutes // 15)
    return f"{minutes} minutes of this code carry at most {most} unit(s); the line bills {units}"


def _line_suggestion(minutes: int) -> str:
    return f"bill at most {-(-minutes // 15)} unit(s) of this code"


def audit(
    lines: pd.DataFrame, explained: pd.DataFrame | None = None, quarter: str | None = None
) -> pd.DataFrame:
    """Return every finding on the claim lines, sorted by line then finding type.

    ``lines``: accepted lines of :func:`encounters.read_encounters` (source_row, provider,
    date_of_service, cpt, units, dx_1..4, minutes, modifier_1..4, patient_id). ``explained``:
    :func:`productivity.explain` of the same lines, whose allowed amounts the therapy threshold
    adds up (None: priced here, nationally). ``quarter``: the NCCI quarter (None: the newest).
    Columns: line_ref (source row number), provider, date_of_service, cpt, finding (one of
    :data:`FINDINGS`), icd10, detail, suggestion. No patient identifier is carried. Raises
    WorkbookError for a bad date or a year without prices or KX threshold.
    """
    dx = _dx_codes(lines)  # shared by the diagnosis and pairing checks
    parts = [_diagnosis_findings(lines, *dx), _pairing_findings(lines, *dx), units_findings(lines)]
    parts += _edit_parts(lines, explained, quarter)
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    text = ["provider", "cpt", "icd10", "detail", "suggestion"]
    out = pd.concat([p.drop(columns=[*text, "finding"]) for p in parts], ignore_index=True)
    out["date_of_service"] = out["date_of_service"].astype("datetime64[s]")
    for name in text:  # concatenated with the union of the categories
        out[name] = union_categoricals([_str_categorical(p[name]) for p in parts])
    out["finding"] = pd.Categorical(
        np.concatenate([np.asarray(p["finding"], dtype=object) for p in parts]),
        categories=FINDINGS,
    )
    out = out[COLUMNS]
    order = np.lexsort((out["finding"].cat.codes.to_numpy(), out["line_ref"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _str_categorical(column: pd.Series) -> pd.Categorical:
    """A column as a categorical whose categories are text (an all-blank one has none)."""
    cat = pd.Categorical(column)
    return cat.set_categories(cat.categories.astype("str"), rename=True)


def _edit_parts(lines: pd.DataFrame, explained: pd.DataFrame | None, quarter) -> list:
    """The NCCI and therapy-threshold findings (nothing for no lines)."""
    if lines.empty:
        return []
    parts = [edits.edit_findings(lines, quarter)]
    has_therapy = False
    for name in therapy_threshold.MODIFIER_COLUMNS:
        if name in lines:
            words = lines[name].astype("category").cat.categories.astype("str")
            has_therapy |= bool(words.isin(list(therapy_threshold.KINDS)).any())
    if has_therapy:
        if explained is None:
            from .productivity import explain

            explained = explain(lines)
        parts.append(therapy_threshold.kx_findings(lines, explained))
    return parts


def summary(
    findings: pd.DataFrame, n_lines: int | None = None, quarter: str | None = None
) -> pd.DataFrame:
    """Return one row per finding type: findings, lines (distinct lines affected), providers,
    share_of_lines (percent of ``n_lines``, when given) and note (the pairing row says that
    typical pairings are guidance, not coverage rules; the NCCI rows name the quarter; the KX
    row says only this file's lines count)."""
    grouped = findings.groupby("finding", observed=False)
    out = pd.DataFrame(
        {
            "findings": grouped.size(),
            "lines": grouped["line_ref"].nunique(),
            "providers": grouped["provider"].nunique(),
        }
    ).reindex(FINDINGS, fill_value=0)
    if n_lines:
        out["share_of_lines"] = (100.0 * out["lines"] / n_lines).round(2)
    out["note"] = ""
    out.loc[UNPAIRED, "note"] = GUIDANCE_NOTE
    said = findings.loc[findings["finding"].isin(edits.FINDINGS), "detail"].astype("str")
    used = sorted(set(said.str.extract(r"^NCCI (\d{4}Q[1-4])", expand=False).dropna()))
    if not used:  # no NCCI finding: the quarter that would have judged
        used = [ncci.latest_quarter() if quarter is None else ncci.check_quarter(quarter)]
    for name in edits.FINDINGS:
        out.loc[name, "note"] = f"Medicare's NCCI {', '.join(used)} practitioner edits"
    out.loc[therapy_threshold.FINDING, "note"] = KX_NOTE
    return out.rename_axis("finding").reset_index()
