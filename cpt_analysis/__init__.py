"""CPT Analysis Workbook: CPT/HCPCS codes, Medicare RVUs, payments and ICD-10-CM pairings.

Loaders in the spirit of ``seaborn.load_dataset``::

    import cpt_analysis as cpt
    cpt.load_rvus(2025)            # RVUs by code and modifier
    cpt.icd10.check("M54.5")       # billable / header / unknown, by date of service
    cpt.payment.price("97012", year=2025, locality="01112-05")
    cpt.encounters.read_encounters("export.csv")   # a practice's claim lines

The package is laid out by concern (see the README's architecture): ``reference`` (tables, store,
CMS readers, ICD-10-CM), ``fees`` (payment, pairings, the code card), ``practice``, ``articles``,
``training`` and ``reports``, over a thin core (config, errors, identifiers, dates, files).
"""

from importlib import import_module

from .errors import WorkbookError
from .fees import payment
from .fees.payment import price
from .reference import cms, icd10
from .reference.loaders import (
    load_codes,
    load_common_names,
    load_conversion_factors,
    load_gpci,
    load_pairings,
    load_rvus,
)

# public names whose modules load on first use (pyarrow's CSV reader is not needed to price a code)
_LAZY = {"encounters": "cpt_analysis.practice.intake"}


def __getattr__(name: str):
    if name in _LAZY:
        module = import_module(_LAZY[name])
        globals()[name] = module
        return module
    if name == "read_encounters":
        return __getattr__("encounters").read_encounters
    if name == "compare_payers":
        return import_module("cpt_analysis.practice.contracts").compare_payers
    raise AttributeError(f"module 'cpt_analysis' has no attribute {name!r}")


__all__ = [
    "WorkbookError",
    "cms",
    "compare_payers",
    "encounters",
    "icd10",
    "load_codes",
    "load_common_names",
    "load_conversion_factors",
    "load_gpci",
    "load_pairings",
    "load_rvus",
    "payment",
    "price",
    "read_encounters",
]
__version__ = "0.1.0"
