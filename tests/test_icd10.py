import pytest

from cpt_analysis.errors import DataFileError, WorkbookError
from cpt_analysis.reference import icd10
from cpt_analysis.reference.importer import import_file


def test_the_seed_codes_today():
    table = icd10.check_many(["M51.2", "M54.2", "M54.5"], "2025-06-01").set_index("icd10")
    assert table.loc["M54.2", "status"] == "billable"
    assert table.loc["M51.2", "status"] == "header"
    assert table.loc["M51.2", "billable_children"] == "M51.24, M51.25, M51.26, M51.27"
    assert table.loc["M54.5", "status"] == "header"
    assert table.loc["M54.5", "billable_children"] == "M54.50, M54.51, M54.59"
    assert table.loc["M54.2", "description"] == "Cervicalgia"


def test_m54_5_was_billable_until_fy2022():
    before = icd10.check("M54.5", "2021-09-30")
    after = icd10.check("M54.5", "2021-10-01")
    assert (before["status"], before["fiscal_year"]) == ("billable", 2021)
    assert (after["status"], after["fiscal_year"]) == ("header", 2022)
    assert icd10.check("M54.50", "2021-09-30")["status"] == "unknown"
    assert "known changes" in before["basis"]


def test_dot_case_and_malformed():
    table = icd10.check_many(["m5450", "M54.50", "M5450", "5450", "M54.999"], "2026-01-15")
    assert table["status"].astype(str).tolist() == [
        "billable",
        "billable",
        "billable",
        "malformed",
        "unknown",
    ]
    assert table["icd10"].iloc[0] == "M54.50"
    assert table["fiscal_year"].eq(2026).all()


def test_seventh_character_codes():
    assert icd10.check("S93.401A", "2026-01-01")["status"] == "billable"
    assert icd10.check("S93.401", "2026-01-01")["status"] == "header"


def test_fiscal_year_boundaries():
    assert icd10.fiscal_year("2025-09-30") == 2025
    assert icd10.fiscal_year("2025-10-01") == 2026
    with pytest.raises(WorkbookError, match="'2025-13-01' is not a date: write it as YYYY-MM-DD."):
        icd10.fiscal_year("2025-13-01")


def test_a_later_year_says_it_was_not_added():
    verdict = icd10.check("M54.2", "2026-11-01")
    assert verdict["fiscal_year"] == 2027
    assert "FY2027 not added" in verdict["basis"]


ORDER_LINES = [
    "00001 M54     0 Dorsalgia                                                    Dorsalgia",
    "00002 M542    1 Cervicalgia                                                  Cervicalgia",
    "00003 M545    0 Low back pain                                                Low back pain",
    "00004 M5450   1 Low back pain, unsp                                          Low back pain, unspecified",
    "00005 M5460   1 Pain in thoracic spine, unsp                                 Pain in thoracic spine, unspecified",
]


def test_a_user_adds_a_fiscal_year_file(tmp_path):
    path = tmp_path / "icd10cm_order_2027.txt"
    # a code set must look complete: the five codes below, plus filler codes in every chapter
    filler = [
        f"{10 + n:05d} {code:<7} 1 {'Condition ' + code:<60} Condition {code}"
        for n, code in enumerate(f"{c}{i:04d}" for c in icd10.CHAPTER_LETTERS for i in range(2100))
    ]
    path.write_text("\n".join(ORDER_LINES + filler) + "\n")
    result = import_file(path).imported[0]
    assert (result.kind, result.year, result.rows) == ("icd10", 2027, 5 + len(filler))
    table = icd10.check_many(["M54.2", "M54.5", "M54.60", "M54.51"], "2026-11-01")
    assert table["status"].astype(str).tolist() == ["billable", "header", "billable", "unknown"]
    assert table["billable_children"].iloc[1] == "M54.50"
    assert table["basis"].iloc[0] == "FY2027 code set added from a CMS file"
    assert table["description"].iloc[2] == "Pain in thoracic spine, unspecified"
    # other years are untouched
    assert icd10.check("M54.51", "2026-01-01")["status"] == "billable"


def test_a_wrong_file_is_refused(tmp_path):
    path = tmp_path / "icd10cm_order_2027.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(DataFileError, match="is not a CMS ICD-10-CM order or codes file"):
        import_file(path)
