"""Productivity: wRVUs and Medicare payment, hand-checked against data/rvus.csv and
data/gpci.csv (2025 conversion factor 32.3465; 2024: 32.7442 to Mar 8, 33.2875 from Mar 9).

RVUs used (data/rvus.csv, 2025, global rows): code work / PE non-facility / PE facility / MP
  97110  0.45 / 0.43 / 0.43 NA / 0.01   MULT PROC 5, status A
  97140  0.43 / 0.40 / 0.40 NA / 0.01   MULT PROC 5
  97012  0.25 / 0.18 / 0.18 NA / 0.01   MULT PROC 5
  99213  1.30 / 1.35 / 0.57    / 0.10   MULT PROC 0
  97010  0.06 / 0.13 / 0.13 NA / 0.01   status B (bundled): not paid, RVUs not counted
2024: 97110 0.45 / 0.42 / - / 0.01.  GPCI 2025 01112-05: work 1.088, PE 1.419, MP 0.445.
"""

import pandas as pd
import pytest
from cms_samples import write_pprrvu_2025

from cpt_analysis.errors import WorkbookError
from cpt_analysis.export import refuse_identifiers
from cpt_analysis.practice.intake import read_encounters
from cpt_analysis.practice.productivity import (
    FROM_FILE,
    STATUS_T_UNPAID,
    by_code,
    explain,
    productivity,
    provider_month,
)
from cpt_analysis.reference.importer import import_file

HEADER = "DOS,Provider,Patient ID,CPT,Mod1,Units,Dx1,POS\n"


def lines(tmp_path, body: str, header: str = HEADER) -> pd.DataFrame:
    path = tmp_path / "enc.csv"
    path.write_text(header + body)
    result = read_encounters(path)
    assert result.counts["rejected"] == 0, result.rejected
    return result.accepted


def row(frame: pd.DataFrame, source_row: int) -> pd.Series:
    return frame.set_index("source_row").loc[source_row]


def test_97110_national_nonfacility(tmp_path):
    out = explain(lines(tmp_path, "2025-03-04,Dr A,P1,97110,GP,1,M54.50,11\n"))
    r = row(out, 2)
    # (0.45 + 0.43 + 0.01) x 32.3465 = 0.89 x 32.3465 = 28.788385 -> $28.79
    assert r["base_amount"] == 28.79 and r["final_amount"] == 28.79
    assert r["mppr_reduction"] == 0.0
    assert r["wrvus"] == 0.45 and r["total_rvus"] == 0.89
    assert (r["setting"], r["locality"], r["year"], r["status"]) == (
        "nonfacility",
        "national",
        2025,
        "A",
    )
    assert r["conversion_factor"] == 32.3465


def test_locality_gpcis(tmp_path):
    out = explain(lines(tmp_path, "2025-03-04,Dr A,P1,97110,GP,1,M54.50,11\n"), "01112-05")
    # 0.45 x 1.088 + 0.43 x 1.419 + 0.01 x 0.445 = 0.4896 + 0.61017 + 0.00445 = 1.10422
    # 1.10422 x 32.3465 = 35.71765... -> $35.72
    assert row(out, 2)["final_amount"] == 35.72
    assert row(out, 2)["locality"] == "01112-05"


def test_place_of_service_decides_the_setting(tmp_path):
    body = (
        "2025-03-04,Dr A,P1,99213,,1,I10,11\n"
        "2025-03-04,Dr A,P2,99213,,1,I10,22\n"
        "2025-03-04,Dr A,P3,97110,GP,1,M54.50,22\n"
        "2025-03-04,Dr A,P4,97110,GP,1,M54.50,21\n"
    )
    out = explain(lines(tmp_path, body))
    # office (11): (1.30 + 1.35 + 0.10) x 32.3465 = 2.75 x 32.3465 = 88.952875 -> $88.95
    assert row(out, 2)["final_amount"] == 88.95 and row(out, 2)["setting"] == "nonfacility"
    # outpatient hospital (22): facility PE 0.57: 1.97 x 32.3465 = 63.722605 -> $63.72
    assert row(out, 3)["final_amount"] == 63.72 and row(out, 3)["setting"] == "facility"
    # 97110 is NA in the facility setting (22 and 21, inpatient): priced all the same, with the
    # PE the file shows (0.43), as CMS's payment files do: (0.45 + 0.43 + 0.01) x 32.3465 =
    # 0.89 x 32.3465 = 28.788385 -> $28.79; the reason says NA
    for source_row in (4, 5):
        r = row(out, source_row)
        assert r["base_amount"] == r["final_amount"] == 28.79
        assert r["reason"] == (
            "paid; CMS marks the facility setting NA; therapy reduction: full PE, highest PE of "
            "the visit (per patient per day)"
        )
        assert r["wrvus"] == 0.45


def test_only_payable_statuses_are_paid(tmp_path):
    out = explain(lines(tmp_path, "2025-03-04,Dr A,P1,97010,GP,1,M54.50,11\n"))
    r = row(out, 2)
    assert pd.isna(r["final_amount"]) and r["reason"] == "status B: not paid, RVUs not counted"
    # CMS's file gives the bundled 97010 a work RVU (0.06, shown per unit), but Medicare pays
    # nothing for status B, so it counts 0 in the wRVU and total RVU totals
    assert (r["status"], r["work_rvu"], r["wrvus"], r["total_rvus"]) == ("B", 0.06, 0.0, 0.0)


def test_therapy_reduction_per_patient_per_day(tmp_path):
    body = (
        "2025-03-04,Dr A,P1,97012,GP,1,M54.2,11\n"  # row 2: PE 0.18, listed first on purpose
        "2025-03-04,Dr A,P1,97110,GP,2,M54.50,11\n"  # row 3: PE 0.43, the highest
        "2025-03-04,Dr B,P1,97140,GP,1,M54.2,11\n"  # row 4: PE 0.40, another therapist
        "2025-03-04,Dr A,P2,97140,GP,1,M54.2,11\n"  # row 5: another patient
        "2025-03-05,Dr A,P1,97140,GP,1,M54.2,11\n"  # row 6: the same patient next day
        "2025-03-04,Dr A,P1,99213,,1,I10,11\n"  # row 7: not a therapy code
    )
    out = explain(lines(tmp_path, body))
    # 97110: 2 units; its first unit keeps full PE (0.43 is the visit's highest PE).
    # full unit 0.89 x 32.3465 = 28.79; reduced unit (0.45 + 0.43/2 + 0.01) = 0.675 x 32.3465
    # = 21.8338875 -> 21.83; reduction 28.79 - 21.83 = 6.96; 57.58 - 6.96 = 50.62
    r = row(out, 3)
    assert (r["base_amount"], r["mppr_reduction"], r["final_amount"]) == (57.58, 6.96, 50.62)
    assert "1 unit full PE (highest of the visit), 1 unit(s) at 50% PE" in r["reason"]
    # 97140: full 0.84 x 32.3465 = 27.17106 -> 27.17; reduced (0.43 + 0.20 + 0.01) = 0.64
    # x 32.3465 = 20.70176 -> 20.70; reduction 6.47
    r = row(out, 4)
    assert (r["base_amount"], r["mppr_reduction"], r["final_amount"]) == (27.17, 6.47, 20.70)
    # 97012: full 0.44 x 32.3465 = 14.23246 -> 14.23; reduced (0.25 + 0.09 + 0.01) = 0.35
    # x 32.3465 = 11.321275 -> 11.32; reduction 2.91
    r = row(out, 2)
    assert (r["base_amount"], r["mppr_reduction"], r["final_amount"]) == (14.23, 2.91, 11.32)
    assert "1 unit(s) at 50% PE (per patient per day)" in r["reason"]
    # other patient, other day: each its own highest-PE unit, no reduction
    for source_row in (5, 6):
        r = row(out, source_row)
        assert (r["mppr_reduction"], r["final_amount"]) == (0.0, 27.17)
        assert "full PE" in r["reason"]
    assert row(out, 7)["mppr_reduction"] == 0.0 and row(out, 7)["reason"] == "paid"
    # work and malpractice are never reduced: wRVUs are 2 x 0.45 and 0.25 whatever the PE
    assert row(out, 3)["wrvus"] == 0.9 and row(out, 2)["wrvus"] == 0.25
    visit = out[out["source_row"].isin([2, 3, 4])]
    assert round(visit["final_amount"].sum(), 2) == 82.64  # 50.62 + 20.70 + 11.32
    # the order of the lines does not change who keeps the full PE
    shuffled = explain(lines(tmp_path, body).iloc[::-1])
    pd.testing.assert_series_equal(
        shuffled.set_index("source_row")["final_amount"].sort_index(),
        out.set_index("source_row")["final_amount"].sort_index(),
    )


def test_without_patient_ids_the_reduction_stays_within_a_line(tmp_path):
    body = "2025-03-04,Dr A,97110,GP,2,M54.50,11\n2025-03-04,Dr A,97140,GP,1,M54.2,11\n"
    out = explain(lines(tmp_path, body, "DOS,Provider,CPT,Mod1,Units,Dx1,POS\n"))
    assert row(out, 2)["final_amount"] == 50.62  # 2 units: one reduced
    assert row(out, 3)["final_amount"] == 27.17  # alone on its line: full PE
    assert "no patient id" in row(out, 2)["reason"]


def test_2024_has_two_conversion_factors(tmp_path):
    body = "2024-03-08,Dr A,P1,97110,GP,1,M54.50,11\n2024-03-09,Dr A,P2,97110,GP,1,M54.50,11\n"
    out = explain(lines(tmp_path, body))
    # 2024 RVUs: 0.45 + 0.42 + 0.01 = 0.88
    # Mar 8: 0.88 x 32.7442 = 28.814896 -> $28.81; Mar 9: 0.88 x 33.2875 = 29.293 -> $29.29
    assert row(out, 2)["conversion_factor"] == 32.7442 and row(out, 2)["final_amount"] == 28.81
    assert row(out, 3)["conversion_factor"] == 33.2875 and row(out, 3)["final_amount"] == 29.29


def test_provider_month_and_code_tables(tmp_path):
    body = (
        "2025-03-04,Dr A,P1,99213,,1,I10,11\n"
        "2025-03-20,Dr A,P2,99213,,1,I10,11\n"
        "2025-04-02,Dr A,P1,97110,GP,3,M54.50,11\n"
        "2025-04-02,Dr B,P3,97010,GP,1,M54.50,11\n"
    )
    report = productivity(lines(tmp_path, body))
    pm = report["provider_month"].set_index(["provider", "month"])
    # Dr A, March: 2 x 99213 = 2 x 1.30 wRVU, 2 x $88.95
    assert pm.loc[("Dr A", "2025-03"), ["lines", "wrvus", "payment"]].tolist() == [2, 2.6, 177.9]
    # Dr A, April: 97110 x 3: wRVU 1.35; 3 x 28.79 = 86.37 less 2 reduced units x 6.96 = 72.45
    april = pm.loc[("Dr A", "2025-04")]
    assert (april["units"], april["wrvus"], april["base_amount"]) == (3, 1.35, 86.37)
    assert (april["mppr_reduction"], april["payment"]) == (13.92, 72.45)
    # Dr B, April: 97010 (status B) alone: unpaid, and no RVUs counted
    assert pm.loc[("Dr B", "2025-04"), ["payment", "unpaid_lines", "wrvus"]].tolist() == [0, 1, 0]
    codes = report["code"].set_index("cpt")
    assert codes.loc["99213", "wrvus"] == 2.6
    assert codes.loc["99213", "name"] == "Established patient visit, low complexity"
    assert codes.loc["97110", "total_rvus"] == 2.67  # 3 x 0.89
    for table in report.values():  # no patient identifier reaches any output
        refuse_identifiers(table)
    assert by_code(report["explain"]).equals(report["code"])
    assert provider_month(report["explain"]).equals(report["provider_month"])


def test_locality_from_the_file(tmp_path):
    body = "2025-03-04,Dr A,P1,97110,GP,1,M54.50,11,01112-05\n2025-03-04,Dr A,P2,97110,GP,1,M54.50,11,\n"
    out = explain(lines(tmp_path, body, HEADER.strip() + ",Locality\n"), FROM_FILE)
    assert row(out, 2)["final_amount"] == 35.72 and row(out, 3)["final_amount"] == 28.79


def test_user_mistakes(tmp_path):
    accepted = lines(tmp_path, "2025-03-04,Dr A,P1,97110,GP,1,M54.50,11\n")
    with pytest.raises(WorkbookError, match="the lines lack place_of_service"):
        explain(accepted.drop(columns="place_of_service"))
    with pytest.raises(WorkbookError, match="'atlantis' is not a Medicare locality in 2025"):
        explain(accepted, locality="atlantis")


STATUS_T_DAYS = (
    "2025-03-04,Dr A,P1,94760,,1,R09.02,11\n"  # with 99213 by Dr A that day: not paid
    "2025-03-04,Dr A,P1,99213,,1,R09.02,11\n"
    "2025-03-05,Dr A,P1,94760,,1,R09.02,11\n"  # alone that day: paid
    "2025-03-06,Dr A,P2,94760,,1,R09.02,11\n"  # another provider's visit: paid
    "2025-03-06,Dr B,P2,99213,,1,R09.02,11\n"
)


def _check_status_t(tmp_path):
    out = explain(lines(tmp_path, STATUS_T_DAYS)).set_index("source_row")
    assert out.loc[2, "status"] == "T"
    assert pd.isna(out.loc[2, "final_amount"]) and pd.isna(out.loc[2, "base_amount"])
    assert out.loc[2, "reason"] == STATUS_T_UNPAID
    # 94760, 2025 national non-facility total 0.11 x 32.3465 = 3.558... -> $3.56
    assert out.loc[4, "final_amount"] == 3.56 and out.loc[4, "reason"] == "paid"
    assert out.loc[5, "final_amount"] == 3.56
    # 99213: 2.75 x 32.3465 = 88.952875 -> $88.95, paid with or without 94760 that day
    assert out.loc[3, "final_amount"] == out.loc[6, "final_amount"] == 88.95


def test_status_t_is_paid_only_without_another_service_that_day(tmp_path):
    """On a small CMS-shaped file with the official 2025 rows of 94760 (status T) and 99213."""
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"))
    _check_status_t(tmp_path)


def test_status_t_with_the_official_2025_file(tmp_path, cms_dir):
    import_file(cms_dir / "2025" / "PPRRVU2025_Oct.csv")  # 94760 (pulse oximetry) is status T
    _check_status_t(tmp_path)
