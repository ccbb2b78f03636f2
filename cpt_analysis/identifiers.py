"""Shapes and normalisation of CPT/HCPCS codes, modifiers and ICD-10-CM codes.

Codes are strings everywhere: ``00100`` keeps its zeros, ``0001F`` its letter, ``M54.50`` its dot.
"""

from __future__ import annotations

import re

import pandas as pd

from .errors import WorkbookError

# 99213, 0001F, 0042T, G0283; CMS also lists placeholders such as GXXX1 before a code is assigned
HCPCS_PATTERN = re.compile(r"^(?:\d{4}[0-9A-Z]|[A-Z]\d{4}|[A-Z]XXX\d)$")
MODIFIER_PATTERN = re.compile(r"^[0-9A-Z]{2}$")
# ICD-10-CM codes as the code sets of FY2021 to FY2026 hold them (tests/test_icd10_history.py
# checks every one): a letter, a digit, a digit or letter (C7A, M1A), then up to four digits or
# letters (S93.401A, T36.0X1A); since April 2026 also two letters, then a digit (QA0.0101).
# Words such as NONE, N/A or ABC are not codes. No look-ahead, so that pandas matches a column
# in Arrow (10x faster); reference/schema.py makes the dot optional by inserting it at each
# "](?:", which begins each branch's last four characters.
ICD10_PATTERN = re.compile(
    r"^[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?$|^[A-Z]{2}[0-9](?:[0-9A-Z]{1,4})?$"
)
HCPCS_HELP = "use 5 characters such as 97012, 00100, 0001F or G0283"


def normalize_hcpcs(value: object) -> str:
    """Return the CPT/HCPCS code in canonical form (upper case, no spaces).

    Raises WorkbookError when the value does not have the shape of a code.
    """
    text = "" if value is None else str(value).strip().upper()
    if not HCPCS_PATTERN.match(text):
        raise WorkbookError(f"'{value}' is not a CPT/HCPCS code", HCPCS_HELP)
    return text


def split_code_modifier(value: object) -> tuple[str, str]:
    """Split ``97012``, ``72148-26`` or ``72148 TC`` into (code, modifier).

    Returns the modifier as ``""`` for the global row. Raises WorkbookError on a bad shape
    (``97012-`` included).
    """
    text = "" if value is None else str(value).strip().upper()
    parts = re.split(r"[-\s]", text, maxsplit=1)
    code = normalize_hcpcs(parts[0]) if len(parts) == 1 else None
    if code is not None:
        return code, ""
    if not HCPCS_PATTERN.match(parts[0]) or not MODIFIER_PATTERN.match(parts[1].strip()):
        raise WorkbookError(
            f"'{value}' is not a CPT/HCPCS code",
            HCPCS_HELP + ", optionally with a modifier as 72148-26",
        )
    return parts[0], parts[1].strip()


def normalize_modifier(value: object) -> str:
    """Return a modifier in canonical form: ``""`` (global), ``26``, ``TC``...

    Raises WorkbookError for anything that is not two letters or digits.
    """
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.strip().upper()
    if text in ("", "GLOBAL"):
        return ""
    if not MODIFIER_PATTERN.match(text):
        raise WorkbookError(
            f"'{value}' is not a modifier",
            "a modifier is two letters or digits, such as 26, TC, 50 or 59; or leave it empty",
        )
    return text


# the dot of a dotted code, after its third character and before at least one more
# (text, not compiled: pandas hands text to Arrow, a compiled pattern to Python, 20x slower)
_ICD10_DOT = r"^([0-9A-Z]{3})\.([0-9A-Z])"


def icd10_key(value: object) -> str | None:
    """Return the ICD-10-CM code without dot, upper case (``M5450``), or None if malformed
    (a dot anywhere but after the third character included: ``M.545``)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = re.sub(_ICD10_DOT, r"\1\2", str(value).strip().upper(), count=1)
    return text if ICD10_PATTERN.match(text) else None


def dotted(key: str) -> str:
    """Return an undotted ICD-10-CM key with its dot after the third character (``M54.50``)."""
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"


def normalize_icd10(value: object) -> str:
    """Return the ICD-10-CM code in dotted canonical form (``m5450`` -> ``M54.50``).

    Raises WorkbookError when the value does not have the shape of an ICD-10-CM code.
    """
    key = icd10_key(value)
    if key is None:
        raise WorkbookError(
            f"'{value}' is not an ICD-10-CM code",
            "use a letter, two characters and up to four more, such as M54.50, m5450 or QA0.0101",
        )
    return dotted(key)


def icd10_keys(values: pd.Series) -> pd.Series:
    """Vectorised :func:`icd10_key`: a string Series of keys, NA where malformed."""
    text = values.astype("str").str.strip().str.upper().str.replace(_ICD10_DOT, r"\1\2", regex=True)
    ok = text.str.fullmatch(ICD10_PATTERN.pattern).fillna(False).astype(bool)
    return text.where(ok)


def hcpcs_valid(values: pd.Series) -> pd.Series:
    """Vectorised shape check for CPT/HCPCS codes: a boolean Series."""
    text = values.astype("str").str.strip().str.upper()
    return text.str.fullmatch(HCPCS_PATTERN.pattern).fillna(False).astype(bool)
