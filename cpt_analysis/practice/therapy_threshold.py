"""Medicare's therapy threshold (the KX modifier) on a practice's claim lines.

Per patient and calendar year, the allowed amounts of the therapy lines (after the therapy
multiple-procedure reduction: :func:`productivity.explain`'s ``final_amount``) are added up in
date order, physical therapy and speech-language pathology together (modifiers GP and GN) and
occupational therapy apart (GO). The line that takes the running total past the year's
threshold, and every later line of the same kind that year, needs the KX modifier (which
attests that the therapy is medically necessary); a line without it is a finding. A patient
whose total passes the targeted medical-review amount ($3,000) may have the claims reviewed.

The thresholds are in ``data/kx_thresholds.csv`` with their source. Only the lines in the file
are seen: a patient's therapy elsewhere that year counts toward Medicare's total too, so the
real crossing may come earlier. Visits are grouped by patient id (or encounter id); without
one nothing can be judged. No identifier leaves this module: cases are numbered.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataFileError, WorkbookError
from ..presentation import register_many

FINDING = "therapy threshold without KX"
KINDS = {"GP": "PT/SLP", "GN": "PT/SLP", "GO": "OT"}
KIND_NAMES = ["PT/SLP", "OT"]
MODIFIER_COLUMNS = ["modifier_1", "modifier_2", "modifier_3", "modifier_4"]
CASE_COLUMNS = ["case", "year", "kind", "threshold", "targeted_review", "lines", "allowed",
                "crossed_on", "lines_from_crossing", "without_kx", "past_targeted_review",
                "targeted_review_on"]  # fmt: skip

register_many(
    {
        "case": ("Case", "count", "a number, never the patient's id"),
        "kind": ("Therapy", "text", "PT/SLP (GP, GN) together, OT (GO) apart"),
        "threshold": ("KX threshold", "money", "per patient and year"),
        "targeted_review": ("Targeted review amount", "money"),
        "allowed": ("Allowed in the year", "money", "after the therapy reduction"),
        "crossed_on": ("Threshold passed on", "date"),
        "lines_from_crossing": ("Lines from the crossing", "count"),
        "without_kx": ("Of which without KX", "count"),
        "past_targeted_review": ("Past the targeted review amount", "flag"),
        "targeted_review_on": ("Targeted review amount passed on", "date"),
    }
)


@cache
def load_thresholds() -> pd.DataFrame:
    """Return the KX thresholds: year, threshold and targeted_review (dollars, per patient and
    year, PT/SLP together and OT apart), source."""
    path = config.DATA_DIR / "kx_thresholds.csv"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return frame.astype({"year": "int64", "threshold": "float64",
                             "targeted_review": "float64"})  # fmt: skip
    except (OSError, ValueError, KeyError) as exc:
        raise DataFileError(f"{path} cannot be read ({exc})", "restore it from git") from None


def _modifiers(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each line's therapy kind (index in :data:`KIND_NAMES`, -1 for none: the first GP, GN or
    GO among its modifiers) and whether it carries KX; worked out once per distinct value."""
    kind = np.full(len(lines), -1, dtype=np.int8)
    kx = np.zeros(len(lines), dtype=bool)
    for name in MODIFIER_COLUMNS:
        if name not in lines:
            continue
        col = lines[name].astype("category")
        words = col.cat.categories.astype("str")
        per = np.append([KIND_NAMES.index(KINDS[w]) if w in KINDS else -1 for w in words], -1)
        codes = col.cat.codes.to_numpy()
        kind = np.where(kind < 0, per.astype(np.int8)[codes], kind)
        kx |= np.append(words == "KX", False)[codes]
    return kind, kx


def _patients(lines: pd.DataFrame) -> np.ndarray | None:
    for name in ("patient_id", "encounter_id"):
        if name in lines and lines[name].notna().any():
            return lines[name].astype("category").cat.codes.to_numpy().astype(np.int64)
    return None


def _therapy_lines(lines: pd.DataFrame, explained: pd.DataFrame) -> pd.DataFrame:
    """The therapy lines with their patient (a number), kind, year, amount and KX, in date
    order (then file order)."""
    patient = _patients(lines)
    if patient is None or lines.empty:
        return pd.DataFrame(columns=["row", "patient", "kind", "year", "day", "amount", "kx"])
    kind, kx = _modifiers(lines)
    if not np.array_equal(explained["source_row"].to_numpy(), lines["source_row"].to_numpy()):
        explained = explained.set_index("source_row").reindex(lines["source_row"])
    amount = explained["final_amount"].to_numpy(dtype=float, na_value=np.nan)
    day = lines["date_of_service"].to_numpy().astype("datetime64[D]")
    frame = pd.DataFrame(
        {
            "row": np.arange(len(lines)),
            "patient": patient,
            "kind": kind,
            "year": day.astype("datetime64[Y]").astype(np.int64) + 1970,
            "day": day,
            "amount": np.nan_to_num(amount),
            "kx": kx,
            "source_row": lines["source_row"].to_numpy(),
        }  # fmt: skip
    )
    frame = frame[(kind >= 0) & (patient >= 0)]
    order = np.lexsort(
        [frame[c].to_numpy() for c in ("source_row", "day", "year", "kind", "patient")]
    )
    frame = frame.iloc[order]
    return frame.assign(kind=np.array(KIND_NAMES, dtype=object)[frame["kind"].to_numpy()])


def _check_years(years: set[int]) -> pd.DataFrame:
    limits = load_thresholds().set_index("year")
    missing = sorted(y for y in years if y not in limits.index)
    if missing:
        raise WorkbookError(
            f"no KX threshold for {', '.join(map(str, missing))} in data/kx_thresholds.csv",
            f"the table covers {limits.index.min()}-{limits.index.max()}",
        )
    return limits


def _running(frame: pd.DataFrame) -> pd.DataFrame:
    """Add each line's running total, and whether it is at or after its case's crossing."""
    limits = _check_years(set(frame["year"].tolist()))
    keys = ["patient", "kind", "year"]
    frame = frame.assign(
        total=frame.groupby(keys, sort=False)["amount"].cumsum().round(2),
        threshold=limits["threshold"].reindex(frame["year"]).to_numpy(),
        review=limits["targeted_review"].reindex(frame["year"]).to_numpy(),
    )
    frame["over"] = frame["total"] > frame["threshold"]
    frame["past_review"] = frame["total"] > frame["review"]
    return frame


def threshold_cases(lines: pd.DataFrame, explained: pd.DataFrame) -> pd.DataFrame:
    """Return one row per patient, year and kind (PT/SLP or OT) of therapy: case (a number, in
    order of crossing, never the patient's id), year, kind, threshold, targeted_review, lines,
    allowed (the total), crossed_on (the date the total passed the threshold; NaT if never),
    lines_from_crossing, without_kx (those lines lacking KX), past_targeted_review and
    targeted_review_on. ``explained`` is :func:`productivity.explain` of ``lines`` (same
    order). Empty without patient ids. Raises WorkbookError for a year without threshold."""
    frame = _therapy_lines(lines, explained)
    if frame.empty:
        return pd.DataFrame(columns=CASE_COLUMNS)
    frame = _running(frame)
    keys = ["patient", "kind", "year"]
    frame["no_kx"] = frame["over"] & ~frame["kx"]
    grouped = frame.groupby(keys, sort=False)
    out = grouped.agg(
        threshold=("threshold", "first"), targeted_review=("review", "first"),
        lines=("row", "size"), allowed=("total", "last"), lines_from_crossing=("over", "sum"),
        without_kx=("no_kx", "sum"), past_targeted_review=("past_review", "any"),
    ).reset_index()  # fmt: skip
    out["crossed_on"] = _first_day(frame, "over", keys, out)
    out["targeted_review_on"] = _first_day(frame, "past_review", keys, out)
    out = out.sort_values(["crossed_on", "year", "kind", "allowed"], ascending=[True, True, True,
                          False], na_position="last", kind="stable")  # fmt: skip
    out["case"] = np.arange(1, len(out) + 1)
    return out[CASE_COLUMNS].reset_index(drop=True)


def _first_day(frame: pd.DataFrame, flag: str, keys: list[str], out: pd.DataFrame) -> np.ndarray:
    first = frame[frame[flag]].groupby(keys, sort=False)["day"].first()
    index = pd.MultiIndex.from_frame(out[keys])
    return pd.to_datetime(first.reindex(index).to_numpy())


def kx_findings(lines: pd.DataFrame, explained: pd.DataFrame) -> pd.DataFrame:
    """Return a finding on every therapy line at or after its patient's crossing of the year's
    threshold that lacks the KX modifier; columns as :func:`audit.audit`. Lines of a year the
    thresholds table lacks are not judged."""
    frame = _therapy_lines(lines, explained)
    columns = ["line_ref", "provider", "date_of_service", "cpt", "finding", "icd10", "detail",
               "suggestion"]  # fmt: skip
    frame = frame[frame["year"].isin(load_thresholds()["year"])]  # a year without: not judged
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = _running(frame)
    bad = frame[frame["over"] & ~frame["kx"]]
    rows = bad["row"].to_numpy()
    detail = [
        f"the patient's {k} therapy allowed in {y} reaches ${t:,.2f} with this line, past the "
        f"${h:,.0f} threshold of {y}: the line needs the KX modifier"
        for k, y, t, h in zip(bad["kind"], bad["year"], bad["total"], bad["threshold"],
                              strict=True)
    ]  # fmt: skip
    suggestion = [
        "append KX if the therapy is medically necessary and documented; without KX Medicare "
        "denies the line" + (f"; past ${r:,.0f} the claims may be reviewed" if p else "")
        for r, p in zip(bad["review"], bad["past_review"], strict=True)
    ]
    return pd.DataFrame(
        {
            "line_ref": lines["source_row"].to_numpy()[rows],
            "provider": lines["provider"].iloc[rows].astype("str").to_numpy(),
            "date_of_service": lines["date_of_service"].to_numpy()[rows],
            "cpt": lines["cpt"].iloc[rows].astype("str").to_numpy(),
            "finding": FINDING,
            "icd10": "",
            "detail": detail,
            "suggestion": suggestion,
        }
    )
