import datetime as dt

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
    assert after["billable_children"] == "M54.50, M54.51, M54.59"
    assert icd10.check("M54.50", "2021-09-30")["status"] == "not yet created"
    # 2021-09-30 is in the January 2021 code set's time; 2021-10-01 falls between two sets held
    assert (before["basis"], before["code_set"], before["evidence"]) == (
        "FY2021 code set (January 2021 update, simple-icd-10-cm)",
        "FY2021 code set (January 2021 update)",
        "known",
    )
    assert after["evidence"] == "inferred"
    assert after["detail"] == (
        "inferred header: a header from 2021-10-01 (CMS FY2022 ICD-10-CM addenda (M54.5 low back "
        "pain expanded to M54.50/M54.51/M54.59)) and a header in the FY2025 code set (April 2025 "
        "update)"
    )


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


def order_file(path, lines=ORDER_LINES):
    """A made-up order file that looks complete: ``lines`` plus filler codes in every chapter."""
    filler = [
        f"{10 + n:05d} {code:<7} 1 {'Condition ' + code:<60} Condition {code}"
        for n, code in enumerate(f"{c}{i:04d}" for c in icd10.CHAPTER_LETTERS for i in range(2100))
    ]
    path.write_text("\n".join(lines + filler) + "\n")
    return filler


def test_a_user_adds_a_fiscal_year_file(tmp_path):
    path = tmp_path / "icd10cm_order_2027.txt"
    filler = order_file(path)
    result = import_file(path).imported[0]
    assert (result.kind, result.year, result.rows) == ("icd10", 2027, 5 + len(filler))
    table = icd10.check_many(["M54.2", "M54.5", "M54.60", "M54.51", "Z99.9999"], "2026-11-01")
    assert table["status"].astype(str).tolist() == [
        "billable",
        "header",
        "billable",
        "deleted",  # in the shipped FY2026 set, not in this FY2027 file
        "unknown",
    ]
    assert table["billable_children"].iloc[1] == "M54.50"
    assert table["basis"].iloc[0] == "FY2027 code set added from a CMS file"
    assert table["evidence"].astype(str).eq("known").all()
    assert table["description"].iloc[2] == "Pain in thoracic spine, unspecified"
    assert table["detail"].iloc[3] == (
        "deleted: not in the FY2027 code set added from a CMS file; billable in the FY2026 code "
        "set (April 2026 update)"
    )
    assert not icd10.newer_than_known(2027) and icd10.newer_than_known(2028)
    # other years are untouched
    assert icd10.check("M54.51", "2026-01-01")["status"] == "billable"


def test_a_wrong_file_is_refused(tmp_path):
    path = tmp_path / "icd10cm_order_2027.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(DataFileError, match="is not a CMS ICD-10-CM order or codes file"):
        import_file(path)


def test_u07_1_was_not_yet_created_on_a_2019_claim():
    verdict = icd10.check("U07.1", "2019-06-01")
    assert (verdict["status"], verdict["evidence"], verdict["billable"]) == (
        "not yet created",
        "known",
        False,
    )
    assert verdict["detail"] == (
        "not yet created: created 2020-04-01 (ICD-10-CM April 1, 2020 addenda (CDC/NCHS "
        "emergency update): COVID-19)"
    )
    # from its creation to the oldest code set held, the two agree: billable, inferred
    after = icd10.check("U07.1", "2020-06-01")
    assert (after["status"], after["evidence"]) == ("billable", "inferred")


def test_before_the_oldest_code_set_a_verdict_is_unverified():
    table = icd10.check_many(["M54.5", "D75.84", "Z99.9999"], "2019-06-01").set_index("input")
    assert table["basis"].iloc[0] == (
        "judged on the FY2021 code set (January 2021 update), the oldest the workbook holds: "
        "unverified, except where a dated change says otherwise; add CMS's FY2019 code set "
        "(cpt-workbook import-cms) to judge it on its own"
    )
    assert table.loc["M54.5", ["status", "evidence"]].tolist() == ["billable", "unverified"]
    assert table.loc["D75.84", "status"] == "not yet created"  # first in the FY2025 set
    assert table.loc["Z99.9999", ["status", "evidence"]].tolist() == ["unknown", "unverified"]
    assert table.loc["Z99.9999", "detail"].endswith(
        "; in no code set the workbook holds (FY2021 to FY2026)"
    )


def test_between_two_code_sets_what_agrees_is_inferred_and_the_rest_uncertain():
    table = icd10.check_many(["A00.0", "D75.84", "G20", "G20.A1"], "2023-06-01")
    assert table["code_set"].iloc[0] == (
        "FY2021 code set (January 2021 update) to FY2025 code set (April 2025 update)"
    )
    assert table[["status", "evidence"]].astype(str).values.tolist() == [
        ["billable", "inferred"],
        ["uncertain", "unverified"],  # not in FY2021, billable in FY2025: created in between
        ["billable", "inferred"],  # a header only from 2023-10-01 (a dated change)
        ["not yet created", "known"],
    ]
    assert table["detail"].iloc[1] == (
        "uncertain: absent from the FY2021 code set (January 2021 update), but billable in the "
        "FY2025 code set (April 2025 update); it changed in between, on a date the workbook does "
        "not know"
    )
    assert not table["billable"].iloc[1]


def test_a_deleted_code_names_the_codes_added_under_its_heading():
    verdict = icd10.check("T40.7X1A", "2025-06-01")
    assert (verdict["status"], verdict["evidence"]) == ("deleted", "known")
    assert verdict["replaced_by"] == (
        "T40.711A, T40.712A, T40.713A, T40.714A, T40.715A, T40.716A, T40.721A, T40.722A "
        "... (12 in all)"
    )
    assert verdict["detail"].startswith(
        "deleted: not in the FY2025 code set (April 2025 update); billable in the FY2021 code set "
        "(January 2021 update); codes added under T40.7 since: T40.711A, "
    )
    assert icd10.check("T40.7X1A", "2021-06-01")["status"] == "billable"


def test_qa0_codes_of_april_2026_have_a_letter_in_second_place():
    table = icd10.check_many(["QA0.0101", "qa00101", "QA0.01"], "2026-05-01")
    assert table["icd10"].tolist() == ["QA0.0101", "QA0.0101", "QA0.01"]
    assert table["status"].astype(str).tolist() == ["billable", "billable", "header"]
    assert table["description"].iloc[0] == "SCN2A-related neurodevelopmental disorder"
    assert table["billable_children"].iloc[2] == (
        "QA0.0101, QA0.0102, QA0.0109, QA0.011, QA0.012, QA0.0131, QA0.0139, QA0.0141 "
        "... (12 in all)"
    )
    before = icd10.check("QA0.0101", "2026-03-31")
    assert (before["status"], before["evidence"]) == ("not yet created", "known")


def test_a_date_past_the_newest_code_set_says_which_set_judged_it():
    verdict = icd10.check("M54.2", "2026-11-30")
    assert verdict["fiscal_year"] == 2027
    assert verdict["code_set"] == "FY2026 code set (April 2026 update)"
    assert verdict["basis"] == (
        "judged on the FY2026 code set (April 2026 update), the newest the workbook holds; "
        "FY2027 not added, so newer changes are not known"
    )
    assert (verdict["status"], verdict["evidence"]) == ("billable", "unverified")
    assert verdict["detail"] == (
        "billable, unverified: billable in the FY2026 code set (April 2026 update), the newest "
        "the workbook holds; later changes are not known"
    )


def test_a_dated_change_of_an_unknown_kind_is_refused(monkeypatch):
    from cpt_analysis.reference import icd10_timeline

    changes = icd10_timeline.load_icd10_changes()
    changes["change"] = changes["change"].astype("str").where(changes.index > 0, "renamed")
    monkeypatch.setattr(icd10_timeline, "load_icd10_changes", lambda: changes)
    with pytest.raises(
        DataFileError,
        match=r"^icd10_changes.csv has the change\(s\) renamed: use added or became header.$",
    ):
        icd10.check("M54.2", "2023-01-01")


def test_verdicts_change_only_on_the_verdict_days():
    days = icd10.verdict_days()
    assert days[:4] == [
        dt.date(2015, 10, 1),
        dt.date(2020, 4, 1),
        dt.date(2021, 1, 1),
        dt.date(2021, 10, 1),
    ]
    assert dt.date(2025, 4, 1) in days and dt.date(2026, 10, 1) in days
    codes = ["M54.5", "M54.50", "U07.1", "D75.84", "T40.7X1A", "QA0.0101", "G20", "Z99.9999"]
    columns = ["status", "evidence", "detail", "billable_children", "basis", "code_set"]
    for first, following in zip(days, days[1:], strict=False):
        last = following - dt.timedelta(days=1)
        if icd10.fiscal_year(first) != icd10.fiscal_year(last):
            last = dt.date(first.year + (first.month >= 10), 9, 30)
        a = icd10.check_many(codes, first)[columns].astype("str")
        b = icd10.check_many(codes, last)[columns].astype("str")
        assert a.equals(b), (first, last)
    # and they do change on one: J12.82 created, the January 2021 set now in force
    before, on = (icd10.check_many(["J12.82", "M54.5"], d) for d in ("2020-12-31", "2021-01-01"))
    assert before[["status", "evidence"]].astype("str").values.tolist() == [
        ["not yet created", "known"],
        ["billable", "unverified"],
    ]
    assert on[["status", "evidence"]].astype("str").values.tolist() == [
        ["billable", "known"],
        ["billable", "known"],
    ]


def test_a_year_added_between_the_shipped_sets_is_judged_on_its_own(tmp_path):
    assert icd10.check("M54.50", "2023-06-01")["evidence"] == "inferred"
    order_file(tmp_path / "icd10cm_order_2023.txt")
    import_file(tmp_path / "icd10cm_order_2023.txt")
    table = icd10.check_many(["M54.50", "M54.2", "D75.84"], "2023-06-01")
    assert table["basis"].iloc[0] == "FY2023 code set added from a CMS file"
    assert table[["status", "evidence"]].astype("str").values.tolist() == [
        ["billable", "known"],
        ["billable", "known"],
        ["not yet created", "known"],  # not in this FY2023 file, in the FY2025 set
    ]
    # the year before it now lies between the January 2021 set and the added one
    assert icd10.check("M54.2", "2022-06-01")["code_set"] == (
        "FY2021 code set (January 2021 update) to FY2023 code set added from a CMS file"
    )
