"""CPT <-> ICD-10-CM pairings with a billability verdict for a date of service.

A "typical diagnosis" pairing is guidance from a source (the seed article, the workbook's
editors), not a coverage rule: Medicare coverage comes from NCDs and each contractor's LCDs.
"""

from __future__ import annotations

import pandas as pd

from ..errors import WorkbookError
from ..identifiers import icd10_key, normalize_hcpcs
from ..reference.icd10 import check_many
from ..reference.loaders import load_codes, load_pairings
from ..validation import register

GUIDANCE_NOTE = (
    "Typical pairings are guidance for coding practice, not coverage rules: whether Medicare "
    "pays for a procedure with a diagnosis depends on NCDs and your contractor's LCDs."
)
VERDICT_COLUMNS = ["status", "billable", "description", "billable_children", "basis"]


def _with_verdicts(pairs: pd.DataFrame, date_of_service: object) -> pd.DataFrame:
    verdicts = check_many(pairs["icd10"], date_of_service)
    out = pairs.reset_index(drop=True).copy()
    out["icd10"] = verdicts["icd10"].where(verdicts["icd10"].notna(), out["icd10"])
    for col in VERDICT_COLUMNS:
        out[col] = verdicts[col].to_numpy()
    out["fiscal_year"] = verdicts["fiscal_year"].to_numpy()
    return out


@register("icd10_code")
def _code_or_prefix(value: object) -> str:
    """An ICD-10-CM code or prefix whose procedures to show, as given; empty for none."""
    text = str(value).strip()
    if text and icd10_key(text) is None:
        raise WorkbookError(
            f"'{value}' is not an ICD-10-CM code or prefix",
            "use a code such as M54.50 or a prefix such as M54",
        )
    return text


def diagnoses_for(cpt: str, date_of_service: object = None) -> pd.DataFrame:
    """Return the typical diagnoses of a CPT code with their ICD-10-CM verdicts.

    Columns: cpt, icd10, relationship, source, note, status, billable, description,
    billable_children, basis, fiscal_year (empty frame if the code has no pairings).
    Raises WorkbookError for a code of the wrong shape or a bad date.
    """
    cpt = normalize_hcpcs(cpt)
    pairs = load_pairings()
    return _with_verdicts(pairs[pairs["cpt"] == cpt], date_of_service)


def procedures_for(icd10: str, date_of_service: object = None) -> pd.DataFrame:
    """Return the CPT codes paired with an ICD-10-CM code or prefix (``M54`` finds M54.2,
    M54.50...), with each pairing's verdict and the procedure's plain-language name.

    Raises WorkbookError for a malformed code or prefix, or when nothing is paired with it.
    """
    key = icd10_key(icd10)
    if key is None:
        raise WorkbookError(
            f"'{icd10}' is not an ICD-10-CM code or prefix", "use a code such as M54.50 or M54"
        )
    pairs = load_pairings()
    keys = pairs["icd10"].str.replace(".", "", regex=False).str.upper()
    hits = pairs[keys.str.startswith(key)]
    if hits.empty:
        raise WorkbookError(
            f"no procedure in the workbook is paired with {icd10}",
            "try a shorter prefix such as M54",
        )
    names = load_codes().set_index("code")["name"]
    out = _with_verdicts(hits, date_of_service)
    out.insert(1, "procedure", out["cpt"].map(names).astype("str"))
    return out


def pairing_matrix(cpts: list[str], date_of_service: object = None) -> pd.DataFrame:
    """Return a CPT x ICD-10 table for a heatmap: 1 billable, 0.5 header, 0 unknown, NaN unpaired.

    Raises WorkbookError for a code of the wrong shape.
    """
    codes = [normalize_hcpcs(c) for c in cpts]
    pairs = load_pairings()
    pairs = _with_verdicts(pairs[pairs["cpt"].isin(codes)], date_of_service)
    score = pairs["status"].astype("str").map({"billable": 1.0, "header": 0.5}).fillna(0.0)
    table = pairs.assign(score=score).pivot_table(
        index="cpt", columns="icd10", values="score", aggfunc="max"
    )
    return table.reindex([c for c in codes if c in table.index])


def stale_pairings(cpts: list[str], date_of_service: object = None) -> pd.DataFrame:
    """Return the pairings of these CPT codes whose diagnosis cannot be billed on the date of
    service, with the billable codes to use instead (``billable_children``).

    Columns: cpt, icd10, status, description, billable_children, source. Raises WorkbookError
    for a code of the wrong shape.
    """
    codes = [normalize_hcpcs(c) for c in cpts]
    pairs = load_pairings()
    checked = _with_verdicts(pairs[pairs["cpt"].isin(codes)], date_of_service)
    stale = checked[~checked["billable"]]
    cols = ["cpt", "icd10", "status", "description", "billable_children", "source"]
    return stale[cols].reset_index(drop=True)
