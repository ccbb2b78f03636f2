"""The training tour's exercises (those on Medicare's edits in :mod:`.edit_exercises`), built from the data of one tour: each expected answer is
computed from the shipped tables for the tour's year, locality and date of service."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pandas as pd

from ..dates import as_date
from ..fees.payment import Price
from ..fees.timed_units import allocate_units, units_for_total
from ..identifiers import HCPCS_PATTERN, dotted, icd10_key
from ..reference.icd10 import check, check_many
from ..reference.loaders import load_codes, load_icd10_changes
from .edit_exercises import edit_exercises
from .grading import (
    YES_NO,
    Exercise,
    as_code,
    as_number,
    as_units,
    money,
    numeric_judge,
    shown_code,
    word_parser,
)

EXERCISE_VISIT = {"97110": 33, "97140": 7, "97012": 30}
PARTS = {"work": "work", "pe": "practice expense", "mp": "malpractice"}
PART_WORDS = {
    "work": "work", "physician work": "work", "pe": "pe", "practice expense": "pe",
    "mp": "mp", "malpractice": "mp", "pli": "mp", "liability insurance": "mp",
    "professional liability insurance": "mp", "professional liability": "mp",
}  # fmt: skip


class TourLike(Protocol):
    """What the exercises need of a :class:`training.Tour`."""

    year: int
    date_of_service: str
    gpci: pd.Series | None
    rvus: pd.DataFrame
    place_name: str

    def price(self, code: str, setting: str = "nonfacility", national: bool = False) -> Price: ...


def exercises_for(t: TourLike) -> dict[int, Exercise]:
    """Return every exercise of a tour by number, with its expected answer from the data."""
    made = [*_code_exercises(t), *_rvu_exercises(t), *_payment_exercises(t)]
    made += [*_diagnosis_exercises(t), *_timed_exercises(t), *edit_exercises(t)]
    return {ex.number: ex for ex in made}


STATUS_WORDS = {
    "header": "a header",
    "unknown": "not in the code set",
    "malformed": "malformed",
    "not yet created": "not yet created",
    "deleted": "deleted",
    "uncertain": "of uncertain standing",
    "not in use": "not in use (ICD-9-CM era)",
}
PLACED = "(dollars and cents)"


def _code_exercises(t: TourLike) -> list[Exercise]:
    names = load_codes().set_index("code")["name"]
    options = ["97140", "M54.2", "99213", "72148"]
    dx = next(o for o in options if not HCPCS_PATTERN.match(o))
    about = check(dx, t.date_of_service)["description"]

    def which(value: str) -> tuple[bool, str]:
        if value == icd10_key(dx):
            return (
                True,
                f"{dx} ({about}) says why the patient was treated; the rest say what was done.",
            )
        if value in options:
            return (
                False,
                f"{value} is a procedure code ({names[value]}): find the one that says why.",
            )
        return False, f"{shown_code(value)} is not one of the four codes in the question."

    mri = names[names.str.contains("MRI") & names.str.contains("low-back")].index[0]

    def lookup(value: str) -> tuple[bool, str]:
        if value == mri:
            return True, f"{mri}: {names[mri]}."
        if value in names.index:
            where = "the low-back one" if "MRI" in names[value] else "an MRI: search for MRI above"
            return False, f"{value} is {names[value]}: look for {where}."
        if not HCPCS_PATTERN.match(value):
            return False, "that is a diagnosis code; the question asks for a procedure code."
        return False, f"{value} is not among the workbook's codes: search for MRI above."

    q1 = f"One of these is not a procedure code but a diagnosis code: {', '.join(options)}. Which?"
    q2 = "Which code bills an MRI of the low back with no contrast dye? Use the search cell above."
    return [
        Exercise(1, "codes", q1, as_code, which, dx),
        Exercise(2, "codes", q2, as_code, lookup, mri),
    ]


def _rvu_exercises(t: TourLike) -> list[Exercise]:
    r = t.rvus.loc["97012"]
    w, pe, mp, total = r[["work_rvu", "pe_rvu_nonfacility", "mp_rvu", "total_rvu_nonfacility"]]
    third = numeric_judge(
        total,
        f"{w:.2f} + {pe:.2f} + {mp:.2f} = {total:.2f} RVU for 97012 in {t.year}, in an office.",
        "add the three parts of 97012 in the table above: work, PE non-facility and MP.",
        [
            (w, "that is the work RVU alone: add the practice expense and malpractice RVUs."),
            (w + pe, "you left out the malpractice RVU."),
        ],
    )
    o = t.rvus.loc["97530"]
    sizes = {"work": o["work_rvu"], "pe": o["pe_rvu_nonfacility"], "mp": o["mp_rvu"]}

    def largest(part: str) -> tuple[bool, str]:
        if sizes[part] == max(sizes.values()):
            shown = ", ".join(f"{PARTS[k]} {v:.2f}" for k, v in sizes.items())
            return True, f"97530 in {t.year}, non-facility: {shown} RVU."
        return False, f"{PARTS[part]} is {sizes[part]:.2f} RVU for 97530; another part is bigger."

    q3 = f"What is the total non-facility RVU of 97012 in {t.year}? (a number)"
    q4 = f"Which part (work, practice expense or malpractice) is largest for 97530 in {t.year}?"
    parts = word_parser(PART_WORDS, "work, practice expense or malpractice")
    biggest = PARTS[max(sizes, key=sizes.get)]
    return [
        Exercise(3, "rvus", q3, as_number, third, f"{total:.2f}"),
        Exercise(4, "rvus", q4, parts, largest, biggest),
    ]


def _formula(p: Price) -> str:
    """The amount's sum written out, e.g. (0.25 x 1.088 + ...) x 32.3465 = $17.20."""
    if p.locality_id == "national":
        parts = f"{p.work_rvu:.2f} + {p.pe_rvu:.2f} + {p.mp_rvu:.2f}"
    else:
        parts = " + ".join(
            f"{rvu:.2f} × {g:g}"
            for rvu, g in ((p.work_rvu, p.gpci_work), (p.pe_rvu, p.gpci_pe), (p.mp_rvu, p.gpci_mp))
        )
    return f"({parts}) × {p.conversion_factor:.4f} = {money(p.amount)}"


def _payment_exercises(t: TourLike) -> list[Exercise]:
    close = "close: keep the conversion factor's four decimals; round only the final amount."
    local = t.gpci is not None
    nat = t.price("97012", national=True)
    fifth = numeric_judge(
        nat.amount,
        f"{_formula(nat)}, nationally in an office in {t.year}.",
        f"multiply the total non-facility RVU of 97012 by the conversion factor of {t.year}.",
        [
            (
                nat.work_rvu + nat.pe_rvu + nat.mp_rvu,
                "that is the RVU total: now multiply it by the conversion factor.",
            ),
            (nat.work_rvu * nat.conversion_factor, "that prices the work RVU alone."),
        ],
        close,
    )
    here = t.price("97110")
    one_gpci = (here.work_rvu + here.pe_rvu + here.mp_rvu) * here.gpci_work
    sixth = numeric_judge(
        here.amount,
        f"{_formula(here)} for 97110 {t.place_name} in {t.year}.",
        "multiply each RVU of 97110 by its GPCI, add them up, then apply the conversion factor.",
        [
            (t.price("97110", national=True).amount if local else None, NATIONAL_HINT),
            (one_gpci * here.conversion_factor, "each part has its own GPCI: work, PE, MP."),
        ],
        close,
    )
    fac, office = t.price("99213", "facility"), t.price("99213")
    seventh = numeric_judge(
        fac.amount,
        f"{_formula(fac)} in a facility {t.place_name}; an office gets {money(office.amount)}.",
        "use the facility PE RVU of 99213 in the formula.",
        [
            (office.amount, "that is the office amount: a facility uses the facility PE RVU."),
            (t.price("99213", "facility", national=True).amount if local else None, NATIONAL_HINT),
        ],
        close,
    )
    q5 = f"What does Medicare pay nationally for 97012 in an office in {t.year}? {PLACED}"
    q6 = f"What does Medicare pay for 97110 in an office {t.place_name} in {t.year}? {PLACED}"
    q7 = (
        "What does Medicare pay for 99213 in a facility such as a hospital outpatient department "
        f"(place of service 22) {t.place_name} in {t.year}? {PLACED}"
    )
    return [
        Exercise(5, "payment", q5, as_number, fifth, f"{nat.amount:.2f}"),
        Exercise(6, "payment", q6, as_number, sixth, f"{here.amount:.2f}"),
        Exercise(7, "payment", q7, as_number, seventh, f"{fac.amount:.2f}"),
    ]


NATIONAL_HINT = "that is the national amount: multiply each part by the locality's GPCI first."


def _diagnosis_exercises(t: TourLike) -> list[Exercise]:
    day = t.date_of_service
    change = load_icd10_changes().query("icd10 == 'M54.5' and change == 'became header'")
    since = change["effective_date"].iloc[0].date() if len(change) else as_date(day)
    last = (since - dt.timedelta(days=1)).isoformat()
    then = check("M54.5", last)
    m512 = check("M51.2", day)
    fy, kids = int(m512["fiscal_year"]), m512["billable_children"]

    def billable(said: bool) -> tuple[bool, str]:
        if said == bool(then["billable"]):
            if said:
                return True, f"M54.5 could be billed until {last}; from {since} it is a header."
            return True, f"on {last} M54.5 was already a header (FY{then['fiscal_year']})."
        return False, f'look M54.5 up with on="{last}": a date picks its own code set.'

    found = check_many([c for c in kids.split(", ") if c and "..." not in c], day)
    about = dict(zip(found["icd10"].map(icd10_key), found["description"], strict=True))
    lumbar = {k for k, d in about.items() if d.lower().endswith(", lumbar region")}

    def replacement(value: str) -> tuple[bool, str]:
        v = check(value, day)
        if value in lumbar:
            return True, f"{v['icd10']} ({v['description']}) can be billed on {day}."
        if icd10_key(value) != value:
            return False, "that is a procedure code; the question asks for a diagnosis code."
        if value == "M512":
            return False, "M51.2 itself is a header: pick one of its children."
        if value in about:
            return False, f"{v['icd10']} is {about[value].lower()}: look up each child of M51.2."
        if v["status"] != "billable":
            return (
                False,
                f"{v['icd10']} is {STATUS_WORDS[v['status']]} in FY{fy}: it cannot be billed.",
            )
        return False, f"{v['icd10']} ({v['description']}) is not a child of M51.2."

    q8 = (
        f"Could M54.5 be billed for a date of service of {last}? Look it up with "
        f'`on="{last}"` in the cell above. (yes or no)'
    )
    q9 = (
        "Which billable code replaces M51.2 when the displaced disc is in the lumbar region (not "
        f"lumbosacral), on {day}? Look up M51.2 and its children in the cell above."
    )
    yes_no = word_parser(YES_NO, "yes or no")
    return [
        Exercise(8, "diagnoses", q8, yes_no, billable, "yes" if then["billable"] else "no"),
        Exercise(9, "diagnoses", q9, as_code, replacement, dotted(min(lumbar)) if lumbar else ""),
    ]


def _timed_exercises(t: TourLike) -> list[Exercise]:
    visit = allocate_units(EXERCISE_VISIT).set_index("code")
    timed = visit[visit["timed"]]
    untimed = visit[~visit["timed"]].index[0]
    short = timed["minutes"].idxmin()
    lost = visit.loc[untimed, "minutes"]
    tenth = numeric_judge(
        int(timed["units"].sum()),
        f"{timed['minutes'].sum():g} timed minutes bill {int(timed['units'].sum())} units; {untimed}'s do not count.",
        "add the timed minutes of the visit, then read the units off the table above.",
        [
            (
                sum(map(units_for_total, timed["minutes"])),
                "that bills each code alone; the rule adds the timed minutes first.",
            ),
            (
                units_for_total(visit["minutes"].sum()),
                f"{untimed} is untimed: its minutes do not count.",
            ),
        ],
        exact=True,
    )
    eleventh = numeric_judge(
        int(visit.loc[short, "units"]),
        f"{short}: {visit.loc[short, 'how']}.",
        "find the visit's units, give each code its full 15-minute blocks, then hand out the rest.",
        [(0, f"{short} alone bills nothing, but the visit has a unit left: to which code?")],
        exact=True,
    )
    twelfth = numeric_judge(
        int(visit.loc[untimed, "units"]),
        f"{untimed}: {visit.loc[untimed, 'how']}.",
        f"read how untimed codes such as {untimed} are billed in the text above.",
        [
            (
                units_for_total(lost),
                f"that is what {lost:g} timed minutes would bill; is {untimed} timed?",
            ),
            (0, f"{untimed} was done, so it bills; untimed codes skip the 8-minute rule."),
        ],
        exact=True,
    )
    spent = ", ".join(f"{m:g} minutes of {c}" for c, m in visit["minutes"].items())
    q10 = f"A visit has {spent}. How many units of timed codes does Medicare pay for in all?"
    return [
        Exercise(10, "timed", q10, as_units, tenth, str(int(timed["units"].sum()))),
        Exercise(
            11,
            "timed",
            f"In that visit, how many units of {short} are billed?",
            as_units,
            eleventh,
            str(int(visit.loc[short, "units"])),
        ),
        Exercise(
            12,
            "timed",
            f"In that visit, how many units of {untimed} are billed?",
            as_units,
            twelfth,
            str(int(visit.loc[untimed, "units"])),
        ),
    ]
