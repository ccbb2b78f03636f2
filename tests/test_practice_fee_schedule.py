"""The practice pipeline over the whole fee schedule: every code a year lists is accepted (codes
Medicare does not pay with their status, no amount and no RVUs counted), HCPCS Level II codes
the year does not list (drugs, supplies, DME) are accepted as outside the physician fee
schedule, and only codes that are not codes are rejected, in words that say which.

The figures are those of CMS's 2025 October file (RVU25D), conversion factor 32.3465:
  code      status  work   PE non-fac  PE fac   MP    (per unit)
  99213     A       1.30   1.35        0.57     0.10
  20610     A       0.79   1.04        0.44     0.13
  27447     A      19.60   NA          15.30    3.98
  36415     X       0.00   0.00        0.00     0.00  statutory exclusion: never paid
  73562-26  A       0.18   0.08        0.08     0.01
  J1030     -       not in the 2025 file: a drug, outside the physician fee schedule
"""

import pandas as pd
import pytest
from cms_samples import FILLER, HEADER, ROW_COUNT, ROWS, write_pprrvu_2025

from cpt_analysis.fees.payment import price
from cpt_analysis.practice.intake import NOT_IN_YEAR, OUTSIDE, UNKNOWN_CODE, read_encounters
from cpt_analysis.practice.productivity import explain, outside
from cpt_analysis.practice.report import report_of
from cpt_analysis.reference.importer import import_file
from cpt_analysis.reference.loaders import load_rvus

# the official RVU25D rows of the orthopedic codes (descriptions as CMS writes them)
ORTHOPEDIC_ROWS = [
    "20610,,Drain/inj joint/bursa w/o us,A,,0.79,1.04,,0.44,,0.13,1.96,1.36,0,000,0.00,0.00,"
    "0.00,2,1,1,0,0,,32.3465,09,0,99,0.00,0.00,0.00",
    "27447,,Total knee arthroplasty,A,,19.60,15.30,NA,15.30,,3.98,38.88,38.88,0,090,0.10,0.69,"
    "0.21,2,1,2,1,0,,32.3465,09,0,99,0.00,0.00,0.00",
    "36415,,Coll venous bld venipuncture,X,,0.00,0.00,,0.00,,0.00,0.00,0.00,9,XXX,0.00,0.00,"
    "0.00,9,9,9,9,9,,32.3465,09,0,99,0.00,0.00,0.00",
    "73562,,X-ray exam of knee 3,A,,0.18,1.02,,1.02,NA,0.02,1.22,1.22,1,XXX,0.00,0.00,0.00,0,3,0,"
    "0,0,,32.3465,09,0,99,2.77,2.77,0.04",
    "73562,26,X-ray exam of knee 3,A,,0.18,0.08,,0.08,,0.01,0.27,0.27,1,XXX,0.00,0.00,0.00,0,3,0,"
    "0,0,,32.3465,09,0,99,0.00,0.00,0.00",
    "73562,TC,X-ray exam of knee 3,A,,0.00,0.94,,0.94,NA,0.01,0.95,0.95,1,XXX,0.00,0.00,0.00,0,3,0,"
    "0,0,,32.3465,09,0,99,2.69,2.69,0.03",
]
# a made-up CPT-shaped code that only this file's 2025 lists (no real file has 9999T)
MADE_UP_ROW = (
    "9999T,,Made-up category III service,C,,0.00,0.00,,0.00,,0.00,0.00,0.00,0,XXX,0.00,0.00,"
    "0.00,0,0,0,0,0,,32.3465,09,0,99,0.00,0.00,0.00"
)

# the orthopedic practice's export of the issue, line for line (header is row 1)
ORTHOPEDIC_EXPORT = """DOS,Rendering Provider,Patient ID,CPT,Modifier,Units,Dx1,POS
2025-03-04,Dr Bone,P1,99213,,1,M17.11,11
2025-03-04,Dr Bone,P1,20610,RT,1,M17.11,11
2025-03-10,Dr Bone,P1,27447,RT,1,M17.11,21
2025-03-04,Dr Bone,P1,36415,,1,M17.11,11
2025-03-04,Dr Bone,P1,73562,26,1,M17.11,11
2025-03-04,Dr Bone,P1,J1030,,1,M17.11,11
"""


def import_sample(tmp_path) -> None:
    """Import a CMS-shaped 2025 file: the synthetic sample's official rows, the orthopedic
    rows, 9999T and made-up codes up to the 5,000 rows a national file must have."""
    extra = [*ROWS, *ORTHOPEDIC_ROWS, MADE_UP_ROW]
    filler = [FILLER.format(n=n) for n in range(1, ROW_COUNT - len(extra) + 1)]
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv", HEADER + extra + filler))


@pytest.fixture
def fee_schedule(tmp_path) -> str:
    """The shipped tables when they hold the whole fee schedule (27447 among them), otherwise
    the CMS-shaped sample imported into the test's empty store; returns which."""
    if "27447" in set(load_rvus(2025)["hcpcs"]):
        return "shipped"
    import_sample(tmp_path)
    return "imported"


def read(tmp_path, text: str):
    path = tmp_path / "claims.csv"
    path.write_text(text)
    return read_encounters(path)


def test_an_orthopedic_export_is_accepted_line_for_line(tmp_path, fee_schedule):
    imported = read(tmp_path, ORTHOPEDIC_EXPORT)
    assert imported.counts == {"input": 6, "accepted": 6, "rejected": 0, "blank_lines": 0}
    acc = imported.accepted.set_index("source_row")
    assert acc["cpt"].tolist() == ["99213", "20610", "27447", "36415", "73562", "J1030"]
    # RT does not price (yet): accepted as written, the global row priced
    assert acc.loc[[3, 4], "modifier_1"].tolist() == ["RT", "RT"]
    assert acc["pricing_modifier"].tolist() == ["", "", "", "", "26", ""]

    out = explain(imported.accepted).set_index("source_row")
    assert out["status"].tolist() == ["A", "A", "A", "X", "A", ""]
    assert out["wrvus"].tolist() == [1.30, 0.79, 19.60, 0.0, 0.18, 0.0]
    # 99213 office: 2.75 x 32.3465 = 88.952875; 20610 office: 1.96 x 32.3465 = 63.39914;
    # 27447 inpatient (21), facility: 38.88 x 32.3465 = 1257.63192; 73562-26: 0.27 x 32.3465
    # = 8.733555; 36415 (status X) and J1030 (outside) have none
    amounts = out["final_amount"].tolist()
    assert amounts[:3] + amounts[4:5] == [88.95, 63.40, 1257.63, 8.73]
    assert pd.isna(amounts[3]) and pd.isna(amounts[5])
    assert out.loc[5, "reason"] == "status X: not paid, RVUs not counted"
    assert out.loc[7, "reason"] == f"{OUTSIDE}: no RVUs, no amount"
    assert out.loc[7, ["work_rvu", "pe_rvu", "mp_rvu"]].isna().all()
    assert outside(out.reset_index()).tolist() == [False] * 5 + [True]

    report = report_of(imported, 2025)
    rec = dict(zip(report.reconciliation["item"], report.reconciliation["rows"], strict=True))
    assert rec == {
        "rows in the file": 6,
        "accepted": 6,
        "  accepted, outside the physician fee schedule (drugs, supplies, DME)": 1,
        "rejected": 0,
        "skipped: blank line (no value in a column read)": 0,
    }
    # the one finding: NCCI pairs 20610 with 99213 (modifier indicator 1), and 99213 has no 25
    assert report.findings["finding"].tolist() == ["NCCI procedure-to-procedure"]
    assert report.headline == (
        "6 claim lines of 2025 for all providers (claims.csv): 21.87 work RVUs, $1,418.71 "
        "Medicare payment at national; 1 audit findings. 1 line is outside the physician fee "
        "schedule (drugs, supplies, DME), with no RVUs and no amount."
    )
    # the knee diagnosis on an office visit is no finding (E/M visits are never unpaired): the
    # only one is Medicare's edit
    assert "pairing" not in " ".join(report.findings["finding"])


def test_codes_no_year_lists_are_rejected_in_words_that_say_so(tmp_path):
    import_sample(tmp_path)  # over whatever is shipped: 9999T is only in this 2025
    imported = read(
        tmp_path,
        "DOS,Provider,CPT,Units,Dx1,POS\n"
        "2025-03-04,Dr A,9999T,1,M17.11,11\n"  # listed in 2025: accepted (status C)
        "2024-03-04,Dr A,9999T,1,M17.11,11\n"  # 2024 does not list it, 2025 does
        "2025-03-04,Dr A,99999,1,M17.11,11\n"  # a five-digit typo: no year lists it
        "2025-03-04,Dr A,W1234,1,M17.11,11\n"  # W is no HCPCS Level II letter: not a code
        "2025-03-04,Dr A,J1030,1,M17.11,11\n"  # a drug: outside the fee schedule
        "2025-03-04,Dr A,J1030,1,M17.11,11\n",
    )
    assert imported.accepted["source_row"].tolist() == [2, 6, 7]
    got = dict(zip(imported.rejected["source_row"], imported.rejected["reason"], strict=True))
    assert got == {3: NOT_IN_YEAR, 4: UNKNOWN_CODE, 5: UNKNOWN_CODE}
    assert NOT_IN_YEAR == "CPT/HCPCS code not in the fee schedule of its year (other years list it)"
    # a file of 2024 alone: the other years are read to tell a deleted code from a typo
    alone = read(tmp_path, "DOS,Provider,CPT,Units,Dx1,POS\n2024-03-04,Dr A,9999T,1,M17.11,11\n")
    assert alone.rejected["reason"].tolist() == [NOT_IN_YEAR]
    assert UNKNOWN_CODE == "unknown CPT/HCPCS code (no fee-schedule year lists it)"
    out = explain(imported.accepted).set_index("source_row")
    # status C (contractor priced): no national amount and no RVUs in the file
    assert out.loc[2, ["status", "wrvus"]].tolist() == ["C", 0.0]
    assert outside(out.reset_index()).tolist() == [False, True, True]
    report = report_of(imported, 2025)
    assert report.outside == 2
    assert "2 lines are outside the physician fee schedule (drugs, supplies, DME)" in (
        report.headline
    )


def test_each_line_is_priced_with_the_release_in_force_on_its_date(tmp_path):
    # G2082's PE changed within 2021 (RVU21A 17.68, RVU21D 24.06): a February line is priced
    # with RVU21A, a November line with RVU21D, as price() prices a date of service
    path = tmp_path / "g2082.csv"
    path.write_text(
        "DOS,Provider,CPT,Units,Dx1,POS\n"
        "2021-02-01,Dr A,G2082,1,F32.9,11\n"
        "2021-11-01,Dr A,G2082,1,F32.9,11\n"
        "2024-03-08,Dr A,97110,1,M54.2,11\n"
        "2024-03-09,Dr A,97110,1,M54.2,11\n"
    )
    lines = read_encounters(path).accepted
    priced = explain(lines)
    expected = [
        price(code, year=int(day[:4]), date_of_service=day).amount
        for code, day in [("G2082", "2021-02-01"), ("G2082", "2021-11-01"),
                          ("97110", "2024-03-08"), ("97110", "2024-03-09")]
    ]  # fmt: skip
    assert priced["final_amount"].round(2).tolist() == expected
    assert expected[0] != expected[1]  # the two 2021 releases really differ
    assert priced["conversion_factor"].astype(float).tolist()[2:] == [32.7442, 33.2875]
