import pandas as pd
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.identifiers import (
    icd10_keys,
    normalize_hcpcs,
    normalize_icd10,
    normalize_modifier,
    split_code_modifier,
)

HCPCS_ERROR = "is not a CPT/HCPCS code: use 5 characters such as 97012, 00100, 0001F or G0283."


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("97012", "97012"),
        ("00100", "00100"),
        (" 0001f ", "0001F"),
        ("g0283", "G0283"),
        ("GXXX1", "GXXX1"),
    ],
)
def test_hcpcs_keeps_its_form(raw, expected):
    assert normalize_hcpcs(raw) == expected


@pytest.mark.parametrize("raw", ["9701", "ABCDE", "97012-", "970123", "", None, "97 12"])
def test_hcpcs_of_the_wrong_shape_is_refused_in_one_line(raw):
    with pytest.raises(WorkbookError) as info:
        normalize_hcpcs(raw)
    assert str(info.value) == f"'{raw}' {HCPCS_ERROR}"


def test_code_with_modifier_splits():
    assert split_code_modifier("72148-26") == ("72148", "26")
    assert split_code_modifier("72148 tc") == ("72148", "TC")
    assert split_code_modifier("97012") == ("97012", "")
    with pytest.raises(WorkbookError, match="'97012-' is not a CPT/HCPCS code"):
        split_code_modifier("97012-")


def test_modifiers():
    assert normalize_modifier(None) == ""
    assert normalize_modifier(float("nan")) == ""
    assert normalize_modifier("tc") == "TC"
    with pytest.raises(
        WorkbookError,
        match="'2' is not a modifier: a modifier is two letters or digits, such as 26, TC, 50 or "
        "59; or leave it empty.",
    ):
        normalize_modifier("2")


@pytest.mark.parametrize("raw", ["M54.50", "m5450", " M54.50 ", "M5450"])
def test_icd10_with_or_without_dot_any_case(raw):
    assert normalize_icd10(raw) == "M54.50"


def test_icd10_malformed():
    with pytest.raises(WorkbookError, match="'54.5' is not an ICD-10-CM code"):
        normalize_icd10("54.5")
    keys = icd10_keys(pd.Series(["M54.5", "x", "S93.401D", "M5"]))
    assert keys.tolist()[0] == "M545" and keys.tolist()[2] == "S93401D"
    assert pd.isna(keys.iloc[1]) and pd.isna(keys.iloc[3])
