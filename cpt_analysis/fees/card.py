"""The code card: everything the seed article says about 97012, for any code the workbook knows.

:func:`code_card` gathers the plain-language facts, common names, RVUs of the year and their
history, payments (national and in a locality, facility and non-facility, 26/TC rows) and the
typical diagnoses with their ICD-10-CM verdicts. Rendering is left to the CLI and notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..dates import as_date
from ..errors import IMPORT_RVU_HINT, MissingGpciError, WorkbookError
from ..identifiers import split_code_modifier
from ..reference.indicators import (
    GLOBAL_DAYS_MEANINGS,
    MULT_PROC_MEANINGS,
    PCTC_MEANINGS,
    STATUS_MEANINGS,
    meaning,
)
from ..reference.loaders import load_codes, load_common_names, load_rvus, rvu_years
from .pairings import GUIDANCE_NOTE, diagnoses_for
from .payment import (
    conversion_factor,
    is_national,
    price_frame,
    resolve_locality,
    resolve_setting,
)

DISCLAIMER = (
    "For information only; not medical, legal or coverage advice. CPT is a registered trademark "
    "of the American Medical Association; the workbook ships codes, CMS figures and its own "
    "plain-language wording, never the official CPT descriptors."
)
HISTORY_COLUMNS = [
    "year",
    "release",
    "status",
    "work_rvu",
    "pe_rvu_nonfacility",
    "pe_rvu_facility",
    "mp_rvu",
    "total_rvu_nonfacility",
    "total_rvu_facility",
    "conversion_factor",
]


@dataclass
class CodeCard:
    """The facts of one code for one year; DataFrames hold the tables a report shows."""

    code: str
    year: int
    setting: str
    locality: str
    date_of_service: str
    name: str
    facts: dict
    common_names: list[str]
    rvus: pd.DataFrame
    history: pd.DataFrame
    prices: pd.DataFrame
    diagnoses: pd.DataFrame
    meanings: dict
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """A closing paragraph in the seed article's manner, built from the card's facts."""
        good = self.diagnoses[self.diagnoses["billable"]]["icd10"].tolist()
        stale = self.diagnoses[~self.diagnoses["billable"]]["icd10"].tolist()
        text = f"In summary, {self.code} is {self.name.lower()}."
        if good:
            text += f" Typical diagnoses billable on {self.date_of_service}: {', '.join(good)}."
        if stale:
            text += f" Not billable as written: {', '.join(stale)} (use a billable child code)."
        return text


def _history(code: str) -> pd.DataFrame:
    rvus = load_rvus()
    rows = rvus[(rvus["hcpcs"] == code) & (rvus["modifier"] == "")]
    return rows[HISTORY_COLUMNS].reset_index(drop=True)


def _prices(
    rows: pd.DataFrame, year: int, locality: object, apm: bool, notes: list
) -> pd.DataFrame:
    cf = float(conversion_factor(year, None, apm)["conversion_factor"])
    places = [("national", "National (GPCI 1.0)", None)]
    if not is_national(locality):
        try:
            gpci = resolve_locality(locality, year)
            places.append((gpci["locality_id"], gpci["locality_name"], gpci))
        except MissingGpciError as exc:
            notes.append(f"Locality amounts for {year} are not shown: {exc}")
    parts = []
    for place_id, place_name, gpci in places:
        for setting in ("nonfacility", "facility"):
            priced = price_frame(rows, gpci, cf, setting)
            parts.append(
                priced.assign(
                    locality_id=place_id,
                    locality_name=place_name,
                    setting=setting,
                    conversion_factor=cf,
                )
            )
    cols = [
        "modifier",
        "locality_id",
        "locality_name",
        "setting",
        "work_rvu",
        "pe_rvu",
        "mp_rvu",
        "conversion_factor",
        "amount",
        "reason",
    ]
    return pd.concat(parts, ignore_index=True)[cols]


def code_card(
    code: str,
    year: int | None = None,
    locality: object = None,
    setting: object = "nonfacility",
    date_of_service: object = None,
    apm: bool = False,
) -> CodeCard:
    """Return the :class:`CodeCard` of a code for a year (default: the latest with RVUs).

    Diagnoses are judged on ``date_of_service`` (default today). Raises WorkbookError for a code
    of the wrong shape, a code the tables lack (with how to import it), a year with no data, an
    unknown locality or setting.
    """
    code, modifier = split_code_modifier(code)
    kind = resolve_setting(setting)[0]
    years = rvu_years()
    year = int(year) if year is not None else years[-1]
    rvus = load_rvus(year)
    rows = rvus[rvus["hcpcs"] == code].reset_index(drop=True)
    codes = load_codes().set_index("code")
    if rows.empty:
        elsewhere = [y for y in years if (load_rvus(y)["hcpcs"] == code).any()]
        if code in codes.index or elsewhere:
            raise WorkbookError(
                f"{code} has no RVUs in {year}",
                f"it has RVUs in {', '.join(map(str, elsewhere)) or 'no year'}; pick one with --year",
            )
        raise WorkbookError(
            f"{code} is not in the workbook's tables (it ships {len(codes)} codes)",
            f"{IMPORT_RVU_HINT} to see every code",
        )
    if modifier:
        if not (rows["modifier"] == modifier).any():
            have = ", ".join(m or "none" for m in rows["modifier"])
            raise WorkbookError(
                f"{code} has no row for modifier {modifier} in {year}", f"its rows are: {have}"
            )
        rows = rows[rows["modifier"] == modifier].reset_index(drop=True)
    notes: list[str] = []
    facts = codes.loc[code].to_dict() if code in codes.index else {}
    official = rows["description"].dropna()
    if facts:
        name = facts["name"]
    else:
        name = official.iloc[0] if not official.empty else code
        notes.append(
            f"{code} comes from an imported CMS file: the name shown is CMS's short descriptor; "
            "the workbook has no plain-language facts for it yet."
        )
    names = load_common_names()
    glob = rows[rows["modifier"] == ""]
    first = (glob if not glob.empty else rows).iloc[0]
    meanings = {
        "status": f"{first['status']}: {meaning(STATUS_MEANINGS, first['status'])}",
        "global_days": f"{first['global_days']}: {meaning(GLOBAL_DAYS_MEANINGS, first['global_days'])}",
        "pctc": f"{first['pctc']}: {meaning(PCTC_MEANINGS, first['pctc'])}",
        "mult_proc": f"{first['mult_proc']}: {meaning(MULT_PROC_MEANINGS, first['mult_proc'])}",
    }
    day = as_date(date_of_service)
    diagnoses = diagnoses_for(code, day)
    if not diagnoses.empty:
        notes.append(GUIDANCE_NOTE)
    return CodeCard(
        code=code,
        year=year,
        setting=kind,
        locality="national" if is_national(locality) else str(locality),
        date_of_service=day.isoformat(),
        name=name,
        facts=facts,
        common_names=names.loc[names["code"] == code, "common_name"].tolist(),
        rvus=rows,
        history=_history(code),
        prices=_prices(rows, year, locality, apm, notes),
        diagnoses=diagnoses,
        meanings=meanings,
        notes=notes,
    )
