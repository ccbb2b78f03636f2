"""Coding audit: stale and header diagnoses by date of service, pairings, 8-minute rule."""

import numpy as np
import pandas as pd
import pytest

from cpt_analysis.export import refuse_identifiers
from cpt_analysis.fees.timed_units import units_for_minutes
from cpt_analysis.practice.audit import (
    FINDINGS,
    HEADER,
    INVALID,
    UNITS,
    UNPAIRED,
    audit,
    summary,
)
from cpt_analysis.reference.loaders import load_pairings


def claim_lines(rows: list[tuple], patients: list[str] | None = None) -> pd.DataFrame:
    """Lines shaped like read_encounters().accepted: (date, cpt, units, minutes, dx_1, dx_2),
    all of patient P1 unless ``patients`` gives one per line."""
    frame = pd.DataFrame(
        rows, columns=["date_of_service", "cpt", "units", "minutes", "dx_1", "dx_2"]
    )
    frame.insert(0, "source_row", np.arange(2, len(rows) + 2))
    frame.insert(1, "provider", pd.Categorical(["Dr A"] * len(rows)))
    frame["patient_id"] = pd.Categorical(patients or ["P1"] * len(rows))
    frame["date_of_service"] = pd.to_datetime(frame["date_of_service"])
    for col in ("cpt", "dx_1", "dx_2"):
        frame[col] = frame[col].astype("category")
    frame["minutes"] = frame["minutes"].astype(float)
    return frame


@pytest.mark.parametrize(
    "minutes, units",
    [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4),
     (68, 5), (82, 5), (83, 6), (97, 6), (98, 7)],
)  # fmt: skip
def test_eight_minute_rule(minutes, units):
    assert units_for_minutes([minutes]).tolist() == [units]


def test_units_that_disagree_with_minutes_at_the_boundaries():
    rows = [
        ("2025-03-04", "97110", 1, 7, "M54.50", None),  # 7 min bills nothing: finding
        ("2025-03-04", "97110", 1, 8, "M54.50", None),  # 8 min = 1 unit: fine
        ("2025-03-04", "97110", 1, 22, "M54.50", None),  # 22 min = 1 unit: fine
        ("2025-03-04", "97110", 1, 23, "M54.50", None),  # 23 min = 2 units: finding
        ("2025-03-04", "97110", 2, 37, "M54.50", None),  # 37 min = 2 units: fine
        ("2025-03-04", "97110", 2, 38, "M54.50", None),  # 38 min = 3 units: finding
        ("2025-03-04", "97012", 1, 40, "M54.2", None),  # untimed: one unit whatever the time
        ("2025-03-04", "97110", 3, None, "M54.50", None),  # no minutes: not checked
    ]
    found = audit(claim_lines(rows, [f"P{i}" for i in range(len(rows))]))  # a visit each
    units = found[found["finding"] == UNITS].set_index("line_ref")
    assert units.index.tolist() == [2, 5, 7]
    assert units.loc[2, "detail"] == (
        "the visit's 7 timed minutes bill 0 unit(s) under the 8-minute rule; its timed lines bill 1"
    )
    assert units.loc[2, "suggestion"] == (
        "under 8 timed minutes in the visit bills nothing: remove its timed lines"
    )
    assert units.loc[5, "suggestion"] == "bill 2 unit(s) in all across the visit's timed codes"
    assert units.loc[7, "suggestion"] == "bill 3 unit(s) in all across the visit's timed codes"
    assert set(found["finding"]) == {UNITS}


def _units_found(rows, patients=None):
    found = audit(claim_lines(rows, patients))
    units = found[found["finding"] == UNITS]
    return list(zip(units["line_ref"], units["detail"], strict=True))


def test_the_rule_counts_the_visits_minutes_not_each_line():
    # CMS: 33 min of 97110 and 7 of 97140 are 40 timed minutes, 3 units: 2 + 1 is right,
    # although 7 minutes alone would bill nothing
    ok = [
        ("2025-03-04", "97110", 2, 33, "M54.50", None),
        ("2025-03-04", "97140", 1, 7, "M54.50", None),
        ("2025-03-04", "97012", 1, 15, "M54.50", None),  # untimed: its minutes do not count
    ]
    assert _units_found(ok) == []
    # the same minutes billed 2 + 2 is one unit too many for the visit
    over = [ok[0], ("2025-03-04", "97140", 2, 7, "M54.50", None)]
    assert _units_found(over) == [
        (2, "the visit's 40 timed minutes bill 3 unit(s) under the 8-minute rule; its timed "
            "lines bill 4"),
        (3, "7 minutes of this code carry at most 1 unit(s); the line bills 2"),
    ]  # fmt: skip
    # another patient, or another day, is another visit
    apart = [ok[0], ("2025-03-04", "97140", 1, 7, "M54.50", None)]
    assert [r for r, _ in _units_found(apart, ["P1", "P2"])] == [3]
    assert [r for r, _ in _units_found([ok[0], ("2025-03-05", *ok[1][1:])])] == [3]


def test_a_visit_with_a_timed_line_without_minutes_is_not_judged():
    rows = [
        ("2025-03-04", "97110", 4, 20, "M54.50", None),
        ("2025-03-04", "97140", 1, None, "M54.50", None),
    ]
    # the visit total cannot be known; the line with 20 minutes still cannot carry 4 units
    assert _units_found(rows) == [
        (2, "20 minutes of this code carry at most 2 unit(s); the line bills 4")
    ]


def test_header_diagnoses_by_date_of_service():
    rows = [
        ("2021-09-30", "97012", 1, None, "M54.5", None),  # M54.5 was billable until then
        ("2021-10-01", "97012", 1, None, "M54.5", None),  # a header from FY2022
        ("2025-03-04", "97012", 1, None, "M54.2", "M51.2"),  # M51.2: header, second position
        ("2025-03-04", "97012", 1, None, "M54.2", None),  # billable: nothing to say
    ]
    found = audit(claim_lines(rows))
    headers = found[found["finding"] == HEADER]
    assert headers["line_ref"].tolist() == [3, 4]
    first, second = headers.iloc[0], headers.iloc[1]
    assert first["icd10"] == "M54.5"
    assert first["detail"] == "M54.5 is a category header, not billable in FY2022"
    assert first["suggestion"] == "use a billable code: M54.50, M54.51, M54.59"
    assert second["icd10"] == "M51.2"
    assert second["suggestion"] == "use a billable code: M51.24, M51.25, M51.26, M51.27"
    assert HEADER not in set(found.loc[found["line_ref"] == 2, "finding"])


def test_codes_not_in_the_code_set_are_invalid():
    found = audit(claim_lines([("2025-03-04", "99213", 1, None, "R52.9", "I10")]))
    invalid = found[found["finding"] == INVALID]
    assert invalid["icd10"].tolist() == ["R52.9"]
    assert invalid["detail"].iloc[0] == "R52.9 is not in the FY2025 ICD-10-CM code set (unknown)"


def test_pairings_outside_the_reference_table():
    rows = [
        ("2025-03-04", "97110", 1, None, "I10", "E11.9"),  # no typical diagnosis of 97110
        ("2025-03-04", "97110", 1, None, "I10", "M54.50"),  # the second one is typical
        ("2025-03-04", "97012", 1, None, "M51.26", None),  # a child of the listed M51.2
        ("2025-03-04", "97012", 1, None, "M54.5", None),  # listed (and a header)
        ("2025-03-04", "99999", 1, None, "I10", None),  # no pairings for the code: not judged
        ("2025-03-04", "J1030", 1, None, "I10", None),  # a drug: no pairings, not judged
        # E/M visits have curated pairings (99213: I10, E11.9, E78.5, M54.50) but any diagnosis may
        # bring a patient in: never "not a typical pairing"
        ("2025-03-04", "99213", 1, None, "M17.11", None),
        ("2025-03-04", "99202", 1, None, "M17.11", None),
        ("2025-03-04", "99215", 1, None, "S83.241A", None),
    ]
    assert {"99202", "99213", "99215"} <= set(load_pairings()["cpt"])
    found = audit(claim_lines(rows))
    unpaired = found[found["finding"] == UNPAIRED]
    assert unpaired["line_ref"].tolist() == [2]
    assert unpaired["detail"].iloc[0] == (
        "97110 billed with I10 (and 1 more): none is among its typical pairings"
    )
    assert unpaired["suggestion"].iloc[0] == (
        "typical for 97110: M62.81, M54.50, M17.11, Z47.1 (guidance, not a coverage rule)"
    )


def test_findings_are_sorted_summarised_and_identifier_free():
    rows = [
        ("2025-03-04", "97110", 1, 23, "M54.5", None),  # header + units
        ("2025-03-04", "97110", 1, 15, "M54.50", None),  # clean
        ("2025-03-04", "97110", 1, 15, "I10", "R52.9"),  # invalid + unpaired
    ]
    found = audit(claim_lines(rows))
    assert list(found.columns) == [
        "line_ref",
        "provider",
        "date_of_service",
        "cpt",
        "finding",
        "icd10",
        "detail",
        "suggestion",
    ]
    assert list(zip(found["line_ref"], found["finding"], strict=True)) == [
        (2, HEADER),
        (2, UNITS),
        (4, INVALID),
        (4, UNPAIRED),
    ]
    refuse_identifiers(found)  # the lines had patient ids; the findings do not
    table = summary(found, n_lines=3)
    assert table["finding"].tolist() == FINDINGS
    assert table["findings"].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    assert table["share_of_lines"].tolist() == [33.33] * 4 + [0.0] * 4
    notes = table.set_index("finding")["note"]
    assert notes[UNPAIRED].startswith("Typical pairings are guidance for coding practice")
    assert notes[HEADER] == ""
    assert notes["NCCI procedure-to-procedure"] == "Medicare's NCCI 2024Q3 practitioner edits"


def test_clean_lines_give_an_empty_typed_table():
    found = audit(claim_lines([("2025-03-04", "97110", 1, 15, "M54.50", None)]))
    assert found.empty and list(found.columns)[0] == "line_ref"
    assert summary(found)["findings"].tolist() == [0] * 8


def test_a_visit_billing_over_999_units_is_told_its_own_count():
    # two visits with the same 45 timed minutes (3 units), billing 1,200 and 1,500 units
    rows = [("2025-03-04", "97110", n, 15, "M54.50", None) for n in (400,) * 3 + (500,) * 3]
    found = _units_found(rows, ["P1"] * 3 + ["P2"] * 3)
    visits = [(line, text) for line, text in found if text.startswith("the visit's")]
    assert visits == [
        (2, "the visit's 45 timed minutes bill 3 unit(s) under the 8-minute rule; its timed "
            "lines bill 1200"),
        (5, "the visit's 45 timed minutes bill 3 unit(s) under the 8-minute rule; its timed "
            "lines bill 1500"),
    ]  # fmt: skip
    lines = [(line, text) for line, text in found if not text.startswith("the visit's")]
    assert lines[0] == (2, "15 minutes of this code carry at most 1 unit(s); the line bills 400")
    assert lines[-1] == (7, "15 minutes of this code carry at most 1 unit(s); the line bills 500")
    assert len(lines) == 6


def test_a_visit_of_many_lines_is_judged_on_all_its_minutes():
    # 1,200 lines of 15 minutes and one of 7: 18,007 minutes bill 1,200 units, not the 1,201 billed
    rows = [("2025-03-04", "97110", 1, 15, "M54.50", None)] * 1200
    rows.append(("2025-03-04", "97140", 1, 7, "M54.50", None))
    assert _units_found(rows) == [
        (2, "the visit's 18007 timed minutes bill 1200 unit(s) under the 8-minute rule; its "
            "timed lines bill 1201"),
    ]  # fmt: skip
    assert _units_found(rows[:-1]) == []  # 18,000 minutes: the 1,200 units are right


def test_medicare_edits_and_the_therapy_threshold_join_the_findings(tmp_path):
    """97012 + 97140 without a modifier, 97010 twice in a day (MUE 1), 64484 alone, and a
    patient past the 2025 threshold without KX: four findings, each named and counted."""
    from cpt_analysis.practice.intake import read_encounters

    rows = [
        "2025-03-04,Ann Lee PT,P1,97012,GP,,1,,M54.2,11",  # row 2
        "2025-03-04,Ann Lee PT,P1,97140,GP,,1,10,M54.2,11",  # row 3: PTP
        "2025-03-04,Ann Lee PT,P2,97010,GP,,1,,M54.2,11",  # row 4: MUE 1 a day, 2 billed
        "2025-03-04,Ann Lee PT,P2,97010,GP,,1,,M54.2,11",  # row 5
        "2025-03-04,Dr Ray,P3,64484,,,1,,M54.16,22",  # row 6: add-on alone
        "2025-05-05,Ann Lee PT,P4,97110,GP,,4,60,M54.2,11",  # row 7...
    ]
    rows += [f"2025-05-{d:02d},Ann Lee PT,P4,97110,GP,,4,60,M54.2,11" for d in range(6, 31)]
    path = tmp_path / "claims.csv"
    path.write_text("DOS,Provider,Patient ID,CPT,Mod 1,Mod 2,Units,Minutes,Dx1,POS\n"
                    + "\n".join(rows) + "\n")  # fmt: skip
    lines = read_encounters(path).accepted
    found = audit(lines)
    refuse_identifiers(found)
    table = summary(found, n_lines=len(lines)).set_index("finding")
    assert table.loc["NCCI procedure-to-procedure", "findings"] == 1
    assert table.loc["NCCI medically unlikely units", "findings"] == 1
    assert table.loc["add-on code without its primary", "findings"] == 1
    kx = found[found["finding"] == "therapy threshold without KX"]
    assert table.loc["therapy threshold without KX", "findings"] == len(kx) > 0
    assert kx["line_ref"].min() > 7 and kx["cpt"].eq("97110").all()
    by_line = found.set_index("line_ref")
    assert by_line.loc[3, "detail"].startswith("NCCI 2024Q3: 97140 billed with 97012")
    assert by_line.loc[4, "finding"] == "NCCI medically unlikely units"
    assert by_line.loc[6, "finding"] == "add-on code without its primary"
    assert found["finding"].cat.categories.tolist() == FINDINGS
