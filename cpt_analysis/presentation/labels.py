"""The labels of the workbook's own result columns, as a manager reads them. A concern that
adds columns registers its own with :func:`~.registry.register` or
:func:`~.registry.register_many`."""

from __future__ import annotations

from .registry import register, register_many

NA = "NA: CMS set no practice expense for this setting (the service is rarely done there)"

register_many(
    {
        # codes and what they are
        "code": ("Code", "code"),
        "cpt": ("CPT code", "code"),
        "hcpcs": ("HCPCS code", "code"),
        "modifier": ("Modifier", "code"),
        "name": ("Service", "text"),
        "procedure": ("Procedure", "text"),
        "family": ("Family", "text"),
        "description": ("Description", "text"),
        "icd10": ("ICD-10-CM code", "code"),
        "input": ("Code given", "code"),
        "billable_children": ("Billable codes under it", "text"),
        "fiscal_year": ("ICD-10-CM fiscal year", "year"),
        "status": ("Status", "code", "CMS status indicator (A: active, paid; B: bundled...)"),
        "pctc": ("PC/TC indicator", "code", "professional/technical component indicator"),
        "global_days": ("Global days", "code"),
        "mult_proc": ("Multiple procedure indicator", "code"),
        "release": ("CMS release", "code"),
        "source": ("Source", "text"),
        "year": ("Year", "year"),
        # RVUs and factors
        "work_rvu": ("Work RVU", "rvu"),
        "pe_rvu": ("PE RVU", "rvu", "practice expense RVU of the setting"),
        "pe_rvu_nonfacility": ("PE RVU (office)", "rvu", "practice expense RVU, non-facility"),
        "pe_rvu_facility": ("PE RVU (facility)", "rvu", "practice expense RVU, facility"),
        "mp_rvu": ("Malpractice RVU", "rvu"),
        "total_rvu": ("Total RVU", "rvu"),
        "total_rvu_nonfacility": ("Total RVU (office)", "rvu"),
        "total_rvu_facility": ("Total RVU (facility)", "rvu"),
        "conversion_factor": ("Conversion factor", "factor", "dollars per RVU"),
        "wrvus": ("Work RVUs", "rvu"),
        "total_rvus": ("Total RVUs", "rvu"),
        # where and how it is paid
        "locality_id": ("Locality", "code"),
        "locality_name": ("Locality name", "text"),
        "setting": ("Setting", "text", "office (non-facility) or facility"),
        "amount": ("Medicare amount", "money", "the fee schedule amount of the setting"),
        "reason": ("Why", "text"),
        "amount_from": ("Medicare amount (from)", "money"),
        "amount_to": ("Medicare amount (to)", "money"),
        "year_from": ("From year", "year"),
        "year_to": ("To year", "year"),
        "change": ("Change", "money"),
        "by_work": ("Change from work RVU", "money"),
        "by_pe": ("Change from PE RVU", "money"),
        "by_mp": ("Change from malpractice RVU", "money"),
        "by_conversion_factor": ("Change from conversion factor", "money"),
        "rounding": ("Rounding", "money"),
        "explanation": ("Explanation", "text"),
        "dollars_from": ("Dollars (from)", "money", "units x the first year's amount"),
        "dollars_to": ("Dollars (to)", "money", "units x the last year's amount"),
        "difference": ("Difference", "money"),
        # timed units
        "units": ("Units", "count"),
        "minutes": ("Minutes", "count"),
        "from_minutes": ("From minutes", "count"),
        "to_minutes": ("To minutes", "count"),
        "full_units": ("Full 15-minute units", "count"),
        "minutes_left": ("Minutes left over", "count"),
        "how": ("How", "text"),
        # a practice's productivity and audit
        "item": ("Item", "text"),
        "rows": ("Rows", "count"),
        "provider": ("Provider", "text"),
        "month": ("Month", "text"),
        "lines": ("Claim lines", "count"),
        "base_amount": ("Medicare amount before reductions", "money"),
        "mppr_reduction": (
            "Therapy reduction",
            "money",
            "what the therapy multiple-procedure reduction (MULT PROC 5) takes off the visit's "
            "further units: half their practice expense",
        ),
        "rule_adjustment": (
            "Modifiers and multiple procedures",
            "money",
            "what payment modifiers (50, 62, 66, 80-82, AS) and the multiple-procedure reductions "
            "of a visit (surgery, imaging) change",
        ),
        "final_amount": (
            "Medicare amount",
            "money",
            "the line's allowed amount after every rule: Medicare's share plus the coinsurance",
        ),
        "payment_rule": ("Payment rule", "text"),
        "dollars": ("Dollars", "money", "what the rule changed; 0 for a rule that only explains"),
        "payment": (
            "Medicare amount",
            "money",
            "the fee schedule amount after reductions and rules: Medicare's share plus the "
            "patient's coinsurance",
        ),
        "fee_schedule_amount": (
            "Fee schedule amount",
            "money",
            "the physician fee schedule amount, before any OPPS cap",
        ),
        "opps_amount": (
            "OPPS amount",
            "money",
            "the hospital outpatient (OPPS) amount that caps some imaging services",
        ),
        "limiting_charge": (
            "Limiting charge",
            "money",
            "the most a non-participating provider may charge: 109.25% of the amount",
        ),
        "medicare_pays": ("Medicare pays", "money", "Medicare's share of the amount"),
        "coinsurance": ("Patient coinsurance", "money", "the patient's share of the amount"),
        "unpaid_lines": (
            "Lines Medicare does not pay",
            "count",
            "lines with no payment amount: a status Medicare does not pay, or no RVUs",
        ),
        "finding": ("Finding", "text"),
        "findings": ("Findings", "count"),
        "providers": ("Providers", "count"),
        "share_of_lines": ("% of claim lines", "percent"),
        "note": ("Note", "text"),
        "line_ref": ("Row in the file", "count", "the row of the encounter export"),
        "source_row": ("Row in the file", "count", "the row of the encounter export"),
        "date_of_service": ("Date of service", "date"),
        "detail": ("Detail", "text"),
        "suggestion": ("Suggestion", "text"),
        "place_of_service": ("Place of service", "code"),
        "charge": ("Charge", "money"),
        **{f"modifier_{n}": (f"Modifier {n}", "code") for n in range(1, 5)},
        **{f"dx_{n}": (f"Diagnosis {n}", "code") for n in range(1, 5)},
    }
)
register("pe_na_nonfacility", "NA in the office", "flag", NA, true="NA: rarely done here", false="")
register("pe_na_facility", "NA in a facility", "flag", NA, true="NA: rarely done here", false="")
register("timed", "Timed (15-minute units)", "flag", true="yes", false="no")
register("na", "NA setting", "flag", NA, true="NA: rarely done here", false="")
register("opps_capped", "Capped at OPPS", "flag", "the OPPS amount replaced the fee schedule's",
         true="capped", false="")  # fmt: skip
