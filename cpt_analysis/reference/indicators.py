"""What the fee schedule's indicator values mean, in plain words (our own wording).

Sources: the CMS PFS relative value file record layout (status codes, global days, PCTC and
multiple-procedure indicators), as summarised in notes/cms-files.md.
"""

from __future__ import annotations

PAYABLE_STATUSES = frozenset({"A", "R", "T"})

STATUS_MEANINGS = {
    "A": "active: paid under the fee schedule",
    "B": "bundled: payment is included in other services, never paid on its own",
    "C": "contractor priced: the Medicare contractor sets the amount",
    "D": "deleted code",
    "E": "excluded from the fee schedule by regulation",
    "F": "deleted code, no grace period",
    "G": "not valid for Medicare; another code is used instead",
    "H": "deleted modifier for this code",
    "I": "not valid for Medicare; another code is used instead",
    "J": "anesthesia service: paid by base and time units, not RVUs",
    "M": "measurement code: reported for quality programmes, not paid",
    "N": "not covered by Medicare",
    "P": "bundled or excluded: no separate payment",
    "R": "restricted coverage: paid only in special circumstances",
    "T": "paid only when no other fee-schedule service is billed that day",
    "X": "excluded from the fee schedule by statute",
}

GLOBAL_DAYS_MEANINGS = {
    "000": "minor procedure: same-day care included, no follow-up days",
    "010": "minor procedure: 10 days of follow-up care included",
    "090": "major surgery: the day before and 90 days after included",
    "MMM": "maternity care: the global concept does not apply",
    "XXX": "the global period does not apply",
    "YYY": "the contractor sets the global period",
    "ZZZ": "add-on code: falls within the global period of its primary service",
}

PCTC_MEANINGS = {
    "0": "physician service: no professional/technical split",
    "1": "split into a professional part (modifier 26) and a technical part (TC)",
    "2": "professional-only code",
    "3": "technical-only code",
    "4": "global test only: its parts are billed under other codes",
    "5": "incident-to code: no professional/technical split",
    "6": "laboratory physician interpretation code",
    "7": "therapy: not paid to an independent therapist for hospital patients",
    "8": "physician interpretation code",
    "9": "the professional/technical concept does not apply",
}

MULT_PROC_MEANINGS = {
    "0": "no payment adjustment for multiple procedures",
    "1": "standard multiple-procedure rules before 1995",
    "2": "standard multiple-surgery reduction (100%, then 50%)",
    "3": "endoscopy family rules",
    "4": "diagnostic imaging reduction on the technical and professional parts",
    "5": "therapy reduction: full practice expense for the highest unit, 50% for the rest that day",
    "6": "diagnostic cardiovascular reduction",
    "7": "diagnostic ophthalmology reduction",
    "9": "the concept does not apply",
}


def meaning(table: dict[str, str], value: object) -> str:
    """Return the plain-language meaning of an indicator value, or say it is not known."""
    return table.get(str(value).strip(), f"indicator '{value}' is not in the workbook's list")
