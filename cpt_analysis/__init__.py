"""CPT Analysis Workbook: CPT/HCPCS codes, Medicare RVUs, payments and ICD-10-CM pairings.

Loaders in the spirit of ``seaborn.load_dataset``::

    import cpt_analysis as cpt
    cpt.load_rvus(2025)            # RVUs by code and modifier
    cpt.icd10.check("M54.5")       # billable / header / unknown, by date of service
    cpt.payment.price("97012", year=2025, locality="01112-05")
"""

from . import cms, icd10, payment
from .errors import WorkbookError
from .tables import (
    load_codes,
    load_common_names,
    load_conversion_factors,
    load_gpci,
    load_pairings,
    load_rvus,
)

__all__ = [
    "WorkbookError",
    "cms",
    "icd10",
    "load_codes",
    "load_common_names",
    "load_conversion_factors",
    "load_gpci",
    "load_pairings",
    "load_rvus",
    "payment",
]
__version__ = "0.1.0"
