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
from ..reference.loaders import (
    code_history,
    load_codes,
    load_common_names,
    load_rvus,
    release_words,
    rvu_years,
)
from ..reference.schema import RVU_DETAIL_COLUMNS, RVU_FLOAT_COLUMNS
from .anesthesia import FORMULA as ANESTHESIA_FORMULA
from .anesthesia import price_anesthesia
from .modifiers import ASSISTANT_RULES, BILATERAL, CO_SURGEON, TEAM
from .money import money
from .owed import NOT_MODELLED, limiting_charge, owed_columns
from .pairings import GUIDANCE_NOTE, diagnoses_for
from .payment import (
    conversion_factor,
    is_national,
    price,
    price_frame,
    resolve_locality,
    resolve_setting,
)

DISCLAIMER = (
    "For information only; not medical, legal or coverage advice. CPT is a registered trademark "
    "of the American Medical Association; the workbook ships codes, CMS figures and its own "
    "plain-language wording, never the official CPT descriptors."
)
HISTORY_COLUMNS = ["year", "release", "status", *RVU_FLOAT_COLUMNS]


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
    release_note: str = ""  # which of the year's releases the RVUs are
    anesthesia: str = ""  # status J: the locality's anesthesia conversion factor and formula
    steps: pd.DataFrame = field(default_factory=pd.DataFrame)  # the chosen amount step by step

    @property
    def has_entry(self) -> bool:
        """Whether the workbook has plain-language facts for the code (53 codes do)."""
        return bool(self.facts)

    @property
    def summary(self) -> str:
        """A closing paragraph in the seed article's manner, built from the card's facts."""
        good = self.diagnoses[self.diagnoses["billable"]]["icd10"].tolist()
        stale = self.diagnoses[~self.diagnoses["billable"]]["icd10"].tolist()
        text = (
            f"In summary, {self.code} is {self.name.lower()}."
            if self.has_entry or self.name != self.code
            else f"In summary, {self.code} has CMS's figures but no plain-language entry yet."
        )
        if good:
            text += f" Typical diagnoses billable on {self.date_of_service}: {', '.join(good)}."
        if stale:
            text += f" Not billable as written: {', '.join(stale)} (use a billable child code)."
        return text


INDICATORS = {
    "status": STATUS_MEANINGS,
    "global_days": GLOBAL_DAYS_MEANINGS,
    "pctc": PCTC_MEANINGS,
    "mult_proc": MULT_PROC_MEANINGS,
}
PRICE_COLUMNS = [
    "modifier",
    "locality_id",
    "locality_name",
    "setting",
    "work_rvu",
    "pe_rvu",
    "mp_rvu",
    "conversion_factor",
    "fee_schedule_amount",
    "opps_amount",
    "opps_capped",
    "na",
    "amount",
    "medicare_pays",
    "coinsurance",
    "limiting_charge",
    "reason",
]


def _rows(code: str, modifier: str, year: int) -> pd.DataFrame:
    """Return the RVU rows of a code in a year (every column): every modifier's, or the one
    asked for."""
    rvus = load_rvus(year)
    rows = rvus[rvus["hcpcs"] == code].reset_index(drop=True)
    if rows.empty:
        raise _not_in_year(code, year)
    if not modifier:
        return rows
    if not (rows["modifier"] == modifier).any():
        have = ", ".join(m or "global (no modifier)" for m in rows["modifier"])
        raise WorkbookError(
            f"{code} has no row for modifier {modifier} in {year}", f"its rows are: {have}"
        )
    return rows[rows["modifier"] == modifier].reset_index(drop=True)


def _not_in_year(code: str, year: int) -> WorkbookError:
    """The error for a code without RVUs in a year: the years it has, or how to import it."""
    years = rvu_years()
    elsewhere = [y for y in years if (load_rvus(y)["hcpcs"] == code).any()]
    if (load_codes()["code"] == code).any() or elsewhere:
        return WorkbookError(
            f"{code} has no RVUs in {year}",
            f"it has RVUs in {', '.join(map(str, elsewhere)) or 'no year'}; pick one with --year",
        )
    return WorkbookError(
        f"{code} is not in the workbook's tables (no CMS RVU file of {years[0]}-{years[-1]} "
        "lists it)",
        f"check the code, or {IMPORT_RVU_HINT}",
    )


def _history(code: str) -> pd.DataFrame:
    """The global row of the code in each year's latest release (the year's import instead)."""
    rows = code_history(code, ["modifier", *HISTORY_COLUMNS])
    history = rows.loc[rows["modifier"] == "", HISTORY_COLUMNS].reset_index(drop=True)
    return history.astype({"release": "category", "status": "category"})


def _prices(
    rows: pd.DataFrame, year: int, locality: object, apm: bool
) -> tuple[pd.DataFrame, list[str]]:
    """Return the payments of the rows, national and in the locality, in both settings, and a
    note when the year has no GPCIs for the locality."""
    in_file = float(rows["conversion_factor"].iloc[0])
    cf = float(conversion_factor(year, None, apm, in_file=in_file)["conversion_factor"])
    places = [("national", "National (GPCI 1.0)", None)]
    notes = []
    if not is_national(locality):
        try:
            gpci = resolve_locality(locality, year)
            places.append((gpci["locality_id"], gpci["locality_name"], gpci))
        except MissingGpciError as exc:
            notes.append(f"Locality amounts for {year} are not shown: {exc}")
    parts = [
        price_frame(rows, gpci, cf, setting).assign(
            locality_id=place_id, locality_name=place_name, setting=setting, conversion_factor=cf
        )
        for place_id, place_name, gpci in places
        for setting in ("nonfacility", "facility")
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.assign(**owed_columns(frame["amount"].to_numpy()))
    frame["limiting_charge"] = frame["amount"].map(
        lambda a: a if pd.isna(a) else limiting_charge(a)
    )
    notes += _price_notes(frame, rows)
    return frame[PRICE_COLUMNS], notes


def _price_notes(frame: pd.DataFrame, rows: pd.DataFrame) -> list[str]:
    """Words for the NA settings, the OPPS cap and anesthesia (status J) of the priced rows."""
    notes = []
    for setting in ("nonfacility", "facility"):
        if frame.loc[frame["setting"] == setting, "na"].any():
            notes.append(
                f"CMS marks the {setting} setting NA for this code: the service is rarely done "
                "there. CMS's payment files price it all the same, with the PE RVU the file shows, "
                "and so does the workbook."
            )
    if frame["opps_amount"].notna().any():
        capped = frame[frame["opps_capped"]]
        where = "; ".join(
            f"{r.modifier or 'global'} {r.setting} {r.locality_id}: {money(r.opps_amount)} instead of "
            f"{money(r.fee_schedule_amount)}"
            for r in capped.itertuples()
        )
        notes.append(
            "OPPS cap: Medicare pays the lower of the fee-schedule amount and the OPPS price "
            + (
                f"(the OPPS price applies to {where})."
                if where
                else "(the fee-schedule amount is the lower here)."
            )
        )
    if (rows["status"].astype(str) == "J").any():
        notes.append(
            f"Anesthesia: priced as {ANESTHESIA_FORMULA}, not by RVUs; see the anesthesia line above."
        )
    notes.append(
        f"What is owed: Medicare pays 80% of the allowed amount less the 2% sequestration; the patient owes 20% coinsurance; {NOT_MODELLED}."
    )
    return notes


def _facts(code: str, rows: pd.DataFrame) -> tuple[dict, str, list[str]]:
    """Return the workbook's plain-language facts of a code, its name, and a note when it has
    none: the name is then CMS's short descriptor where the user imported a CMS file, else the
    code (the workbook never ships the official descriptors)."""
    codes = load_codes().set_index("code")
    if code in codes.index:
        facts = codes.loc[code].to_dict()
        return facts, facts["name"], []
    official = rows["description"].dropna()
    if not official.empty:
        note = (
            f"{code} has no plain-language entry in the workbook yet; the name shown is CMS's "
            "short descriptor from the file you imported."
        )
        return {}, official.iloc[0], [note]
    note = (
        f"{code} has no plain-language entry in the workbook yet: shown are CMS's RVUs, "
        "indicators, history and payment. The workbook does not ship the official descriptor "
        "(AMA copyright); import the CMS RVU file with `cpt-workbook import-cms PATH` to see it."
    )
    return {}, code, [note]


def _meanings(rows: pd.DataFrame) -> dict[str, str]:
    """Return the status, global days, PC/TC and multiple-procedure indicators of the global row
    (or the first row), each with what it means."""
    global_row = rows[rows["modifier"] == ""]
    first = (global_row if not global_row.empty else rows).iloc[0]
    found = {k: f"{first[k]}: {meaning(table, first[k])}" for k, table in INDICATORS.items()}
    for key, table, mod in (("bilat_surg", BILATERAL, "50"), ("asst_surg", ASSISTANT_RULES, "80"),
                            ("co_surg", CO_SURGEON, "62"), ("team_surg", TEAM, "66")):  # fmt: skip
        value = str(first.get(key, "")).strip()
        if value in table:
            found[key] = f"{value}: with modifier {mod}, {table[value][1]}"
    return found


def _anesthesia(code: str, rows: pd.DataFrame, year: int, locality: object, units: dict) -> str:
    """The anesthesia line of a status-J code: the locality's factor and, with base units and
    minutes, the amount; empty for other codes."""
    if not (rows["status"].astype(str) == "J").any():
        if units:
            raise WorkbookError(
                f"base units and minutes price anesthesia codes (status J); {code} is not one",
                "leave out --base-units and --minutes",
            )
        return ""
    if is_national(locality):
        if units:
            raise WorkbookError(
                "anesthesia is priced with a locality's anesthesia conversion factor",
                "give --locality (MAC-NN, a ZIP code or words of its name)",
            )
        return (
            f"priced as {ANESTHESIA_FORMULA}; each locality has its own anesthesia conversion "
            "factor (give a locality; `cpt-workbook localities` lists them)"
        )
    try:
        return price_anesthesia(code, locality, year=year, **units).words
    except WorkbookError as exc:
        if units:
            raise
        return f"priced as {ANESTHESIA_FORMULA}: {exc}"


def _steps(code: str, rows: pd.DataFrame, year: int, where: dict, modifiers: str):
    """The amount of the first row in the chosen setting and place (national where the year
    has no GPCIs for it), with the line's payment ``modifiers`` (50, 80...), step by step down
    to what Medicare and the patient pay."""
    line = f"{rows['modifier'].iloc[0]} {modifiers or ''}".strip()
    try:
        return price(code, line, year=year, **where).explain()
    except MissingGpciError:
        return price(code, line, year=year, **{**where, "locality": None}).explain()


def code_card(
    code: str,
    year: int | None = None,
    locality: object = None,
    setting: object = "nonfacility",
    date_of_service: object = None,
    apm: bool = False,
    base_units: float | None = None,
    minutes: float | None = None,
    modifiers: str = "",
) -> CodeCard:
    """Return the :class:`CodeCard` of a code for a year (default: the latest with RVUs).

    Diagnoses are judged on ``date_of_service`` (default today). ``modifiers`` (50, 80, 62...)
    adjust the step-by-step amount of the chosen setting and place (``card.steps``); an
    anesthesia code is priced with ``base_units`` and ``minutes``. Raises WorkbookError for a code
    of the wrong shape, a code the tables lack (with how to import it), a year with no data, an
    unknown locality or setting.
    """
    code, modifier = split_code_modifier(code)
    kind = resolve_setting(setting)[0]
    year = int(year) if year is not None else rvu_years()[-1]
    rows = _rows(code, modifier, year)
    release = str(rows["release"].iloc[0])
    facts, name, notes = _facts(code, rows)
    names = load_common_names()
    meanings = _meanings(rows)
    day = as_date(date_of_service)
    diagnoses = diagnoses_for(code, day)
    if not diagnoses.empty:
        notes.append(GUIDANCE_NOTE)
    history = _history(code)
    prices, price_notes = _prices(rows, year, locality, apm)
    return CodeCard(
        code=code,
        year=year,
        setting=kind,
        locality="national" if is_national(locality) else str(locality),
        date_of_service=day.isoformat(),
        name=name,
        facts=facts,
        common_names=names.loc[names["code"] == code, "common_name"].tolist(),
        rvus=rows.drop(columns=RVU_DETAIL_COLUMNS),
        history=history,
        prices=prices,
        diagnoses=diagnoses,
        meanings=meanings,
        notes=notes + price_notes,
        release_note=release_words(year, release),
        steps=_steps(
            code, rows, year, {"locality": locality, "setting": kind, "apm": apm}, modifiers
        ),
        anesthesia=_anesthesia(
            code,
            rows,
            year,
            locality,
            {k: v for k, v in (("base_units", base_units), ("minutes", minutes)) if v is not None},
        ),
    )
