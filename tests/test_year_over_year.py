"""Next year on our own mix (issue 13): the same lines re-dated into two years, the change split
work -> PE -> MP -> GPCI -> conversion factor, adding up to the cent.

Figures used (data/rvus, global rows; GPCIs of 01112-05 San Francisco):
  2025 (32.3465)  99213 1.30 / PE nonfac 1.35 / MP 0.10    71046 0.22 / 0.77 / 0.02
  2026 (33.4009)  99213 1.30 / PE nonfac 1.46 / MP 0.09    71046 0.21 / 0.76 / 0.02
  GPCI 2025 1.088 / 1.419 / 0.445; 2026 1.095 / 1.410 / 0.425
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.export import refuse_identifiers
from cpt_analysis.fees.explorer import explain_changes
from cpt_analysis.practice.intake import read_encounters
from cpt_analysis.practice.report import SAMPLE
from cpt_analysis.practice.year_over_year import EFFECTS, Side, compare_years, redate

HEADER = "DOS,Provider,Patient ID,CPT,Mod1,Units,Dx1,POS\n"


def lines(tmp_path, body: str) -> pd.DataFrame:
    path = tmp_path / "enc.csv"
    path.write_text(HEADER + body)
    result = read_encounters(path)
    assert result.counts["rejected"] == 0, result.rejected
    return result.accepted


def _row(table: pd.DataFrame, key: str, value: str) -> pd.Series:
    return table.set_index(key).loc[value]


def test_a_two_code_mix_splits_to_the_cent_in_the_stated_order(tmp_path):
    mix = lines(
        tmp_path,
        "2025-05-06,Dr A,P1,99213,,1,M54.50,11\n2025-05-07,Dr B,P2,71046,,1,R05.9,11\n",
    )
    result = compare_years(mix, 2025, 2026, "01112-05")
    e = _row(result.by_code, "cpt", "99213")
    # 2025: (1.30x1.088 + 1.35x1.419 + 0.10x0.445) x 32.3465 = 3.37455 x 32.3465 = 109.1549
    # 2026: (1.30x1.095 + 1.46x1.410 + 0.09x0.425) x 33.4009 = 3.52035 x 33.4009 = 117.5829
    assert (e["payment_from"], e["payment_to"], e["change"]) == (109.15, 117.58, 8.43)
    # work 0; PE 0.11 x 1.419 x 32.3465 = 5.0490; MP -0.01 x 0.445 x 32.3465 = -0.1439;
    # GPCI (1.30x0.007 - 1.46x0.009 - 0.09x0.02) x 32.3465 = -0.1889; CF 3.52035 x 1.0544 = 3.7119
    got = [e[k] for k in EFFECTS]
    assert got == [0.0, 5.05, -0.14, -0.19, 3.71, 0.0, 0.0]
    c = _row(result.by_code, "cpt", "71046")
    # 2025: 1.34089 x 32.3465 = 43.3731; 2026: 1.31005 x 33.4009 = 43.7568
    assert (c["payment_from"], c["payment_to"], c["change"]) == (43.37, 43.76, 0.39)
    # work -0.01 x 1.088 x 32.3465 = -0.3519; PE -0.01 x 1.419 x 32.3465 = -0.4590; MP 0;
    # GPCI (0.21x0.007 - 0.76x0.009 + 0) x 32.3465 = -0.1866; CF 1.31005 x 1.0544 = 1.3813;
    # the rounding cent: 0.39 - (-0.35 - 0.46 - 0.19 + 1.38) = +0.01
    assert [c[k] for k in EFFECTS] == [-0.35, -0.46, 0.0, -0.19, 1.38, 0.0, 0.01]
    t = result.total
    assert t["cpt"] == "total" and t["change"] == 8.82
    assert [t[k] for k in EFFECTS] == [-0.35, 4.59, -0.14, -0.38, 5.09, 0.0, 0.01]
    assert round(sum(t[k] for k in EFFECTS), 2) == t["change"]
    assert (t["wrvus_from"], t["wrvus_to"], t["wrvu_change"]) == (1.52, 1.51, -0.01)
    p = _row(result.by_provider, "provider", "Dr B")
    assert p["change"] == 0.39 and p["by_work"] == -0.35
    assert result.effects["dollars"].tolist() == [t[k] for k in EFFECTS]
    assert "$152.52 -> $161.34 (+$8.82)" in result.headline


def test_every_line_adds_up_and_no_patient_id_leaves(tmp_path):
    mix = lines(
        tmp_path,
        "2025-01-02,Dr A,P1,97110,GP,3,M54.50,11\n2025-01-02,Dr A,P1,97140,GP,2,M54.50,11\n"
        "2025-03-09,Dr A,P2,99214,,1,M54.50,22\n2025-12-31,Dr A,P3,97010,GP,1,M54.50,11\n",
    )
    result = compare_years(mix, 2020, 2026, "manhattan")
    parts = result.lines[list(EFFECTS)].sum(axis=1).round(2)
    assert (parts == result.lines["change"]).all()
    for sheet in result.sheets().values():
        refuse_identifiers(sheet)
        assert "patient_id" not in sheet


def test_the_therapy_reduction_counts_half_a_unit_of_pe(tmp_path):
    # 2 units of 97110 in one visit: one keeps its PE, one has 50%: 1.5 units of PE count
    # PE 0.43 (2025) -> 0.41 (2026), national: 1.5 x -0.02 x 32.3465 = -0.9704
    mix = lines(tmp_path, "2025-02-03,Dr A,P1,97110,GP,2,M54.50,11\n")
    e = _row(compare_years(mix, 2025, 2026).by_code, "cpt", "97110")
    assert e["by_pe"] == -0.97 and e["by_rules"] == round(e["change"] - sum(
        e[k] for k in EFFECTS if k != "by_rules"), 2)  # fmt: skip


def test_one_code_matches_the_explorer_split(tmp_path):
    mix = lines(tmp_path, "2025-06-10,Dr A,P1,99213,,1,M54.50,11\n")
    mine = _row(compare_years(mix, 2025, 2026).by_code, "cpt", "99213")
    theirs = explain_changes(["99213"], [2025, 2026]).iloc[0]
    for part in ("work", "pe", "mp", "conversion_factor"):
        assert mine[f"by_{part}"] == theirs[f"by_{part}"], part
    assert mine["change"] == theirs["change"] and mine["by_gpci"] == 0.0


def test_2024_is_priced_by_date_with_its_two_factors(tmp_path):
    mix = lines(
        tmp_path,
        "2023-03-08,Dr A,P1,99213,,1,M54.50,11\n2023-03-09,Dr A,P2,99213,,1,M54.50,11\n",
    )
    f = compare_years(mix, 2023, 2024).factors
    after = f[f["side"] == "2024"]
    assert after["conversion_factor"].tolist() == [32.7442, 33.2875]
    assert after["dates_of_service"].tolist() == [
        "2024-03-08 to 2024-03-08",
        "2024-03-09 to 2024-03-09",
    ]


def test_the_2026_apm_factor_is_a_conversion_factor_effect(tmp_path):
    mix = lines(tmp_path, "2025-06-10,Dr A,P1,99213,,1,M54.50,11\n")
    t = compare_years(mix, Side(2026), Side(2026, apm=True)).total
    # (1.30 + 1.46 + 0.09) = 2.85 RVUs: 2.85 x 33.4009 = 95.19; x 33.5675 = 95.67
    assert (t["payment_from"], t["payment_to"]) == (95.19, 95.67)
    assert t["by_conversion_factor"] == 0.47 and t["by_rules"] == 0.01
    assert t["by_work"] == t["by_pe"] == t["by_gpci"] == 0.0


def test_a_code_paid_in_one_year_only_moves_whole_into_coverage(tmp_path):
    # 99201 (2020: 0.48 + 0.76 + 0.05 = 1.29 x 36.0896 = 46.5556) was deleted for 2021
    mix = lines(tmp_path, "2020-06-10,Dr A,P1,99201,,1,M54.50,11\n")
    t = compare_years(mix, 2020, 2021).total
    assert (t["payment_from"], t["payment_to"], t["change"]) == (46.56, 0.0, -46.56)
    assert t["by_coverage"] == -46.56 and t["by_rules"] == 0.0
    assert (t["wrvus_from"], t["wrvus_to"]) == (0.48, 0.0)
    back = compare_years(mix, 2021, 2020).total
    assert back["by_coverage"] == 46.56 and back["by_work"] == 0.0


def test_redate_keeps_month_and_day_and_moves_february_29():
    frame = pd.DataFrame({"date_of_service": pd.to_datetime(["2024-02-29", "2024-12-31"])})
    moved = redate(frame, 2025)["date_of_service"].dt.strftime("%Y-%m-%d").tolist()
    assert moved == ["2025-02-28", "2025-12-31"]
    assert redate(frame, 2028)["date_of_service"].dt.day.tolist() == [29, 31]


def test_the_same_side_twice_is_refused(tmp_path):
    mix = lines(tmp_path, "2025-06-10,Dr A,P1,99213,,1,M54.50,11\n")
    with pytest.raises(WorkbookError, match="both sides are 2025: nothing to compare"):
        compare_years(mix, 2025, 2025)
    with pytest.raises(WorkbookError, match="2019"):
        compare_years(mix, 2019, 2025)


def test_cli_compare_years_on_the_sample(capsys, tmp_path):
    out = tmp_path / "yoy.xlsx"
    argv = ["compare-years", "--from", "2025", "--to", "2026", "--locality", "01112-05"]
    assert main([*argv, "--excel", str(out)]) == 0
    text = capsys.readouterr().out
    n = len(read_encounters(SAMPLE).accepted)
    assert text.startswith(f"{n:,} claim lines (dates of service in 2025) re-dated into 2025 ")
    # the sample's amounts follow the pricing rules; the split always adds up to the change
    found = re.search(r"Medicare payment \$[\d,.]+ -> \$[\d,.]+ \(([+-])\$([\d,.]+)\)", text)
    signed = float(found[2].replace(",", "")) * (1 if found[1] == "+" else -1)
    sheets = pd.read_excel(out, sheet_name=None)
    assert [s for s in sheets if s != "About"] == [
        "Effects",
        "By code",
        "By provider",
        "Conversion factors",
        "Lines",
    ]
    assert round(sheets["Effects"].iloc[:, 1].sum(), 2) == signed  # the dollars column
    assert len(sheets["Lines"]) == n


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2025", "--to", "2025"], "both sides are 2025: nothing to compare"),
        (["--from", "2012", "--to", "2025"], "2012"),
        (["--from", "2025", "--to", "2026", "--locality", "ATLANTIS"], "'ATLANTIS' is not a"),
        (["--from", "2025", "--to", "2026", "--excel", "x.csv"], "is not a .xlsx file"),
    ],
)
def test_cli_compare_years_mistakes_are_one_line(capsys, argv, message):
    assert main(["compare-years", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_notebook_06_refuses_the_same_side_before_a_kernel_starts():
    from cpt_analysis.reports.notebook import check_params

    with pytest.raises(WorkbookError, match="both sides are 2026: nothing to compare"):
        check_params("06", {"from_year": 2026})
    assert check_params("06", {"from_year": 2026, "to_apm": True})["to_apm"] is True
    with pytest.raises(WorkbookError, match="'maybe' is not yes or no"):
        check_params("06", {"from_apm": "maybe"})


@pytest.mark.slow
def test_notebook_06_runs_2023_to_2024_with_papermill(tmp_path):
    from cpt_analysis.reports.runner import run_one

    result = run_one("06_year_over_year", {"from_year": 2023, "to_year": 2024}, tmp_path)
    assert result.ok, result.error
    factors = pd.read_excel(result.excel, sheet_name="Conversion factors")
    assert factors.iloc[:, 1].tolist() == [33.8872, 32.7442, 33.2875]  # 2024's two by date
    effects = pd.read_excel(result.excel, sheet_name="Effects")
    by_code = pd.read_excel(result.excel, sheet_name="By code")
    assert round(effects.iloc[:, 1].sum(), 2) == round(by_code.iloc[-1]["Change"], 2)


def test_split_takes_the_effects_at_the_share_the_payment_rules_leave():
    import numpy as np

    from cpt_analysis.practice.year_over_year import split

    def side(work, cf, amount, rule):
        return {"work": np.array([work]), "pe": np.array([1.0]), "mp": np.array([0.1]),
                "gw": 1.0, "gp": 1.0, "gm": 1.0, "cf": np.array([cf]), "rule": np.array([rule]),
                "paid": np.array([True]), "amount": np.array([amount])}  # fmt: skip

    # a second procedure paid at 50% both years: (2.0 + 1.0 + 0.1) x 30 = 93 -> 46.50;
    # (2.5 + 1.0 + 0.1) x 31 = 111.60 -> 55.80. Work: 0.5 x 30 x 50% = 7.50;
    # conversion factor: 3.6 x 1 x 50% = 1.80; together the change of 9.30 (in cents)
    parts = split(side(2.0, 30.0, 4650, 0.5), side(2.5, 31.0, 5580, 0.5))
    assert parts["change"].tolist() == [930]
    assert (parts["by_work"][0], parts["by_conversion_factor"][0]) == (750, 180)
    assert parts["by_rules"].tolist() == [0]
    # the rule dropped the next year (paid in full: 111.60): the 55.80 more is the rules' part
    parts = split(side(2.0, 30.0, 4650, 0.5), side(2.5, 31.0, 11160, 1.0))
    assert parts["by_rules"].tolist() == [11160 - 4650 - 750 - 180]


def test_two_releases_of_one_year(tmp_path, capsys):
    # RVU24A and RVU24AR list the same RVUs (99213: 1.30 / 1.33 / 0.10, 2.73 in all) at
    # 32.7442 and 33.2875: national 2.73 x 32.7442 = 89.3917 -> 89.39; x 33.2875 = 90.8749
    # -> 90.87; the whole change is the conversion factor's
    mix = lines(tmp_path, "2024-05-06,Dr A,P1,99213,,1,M54.50,11\n")
    result = compare_years(mix, Side(2024, release="RVU24A"), Side(2024, release="rvu24ar"))
    e = _row(result.by_code, "cpt", "99213")
    assert (e["payment_from"], e["payment_to"], e["change"]) == (89.39, 90.87, 1.48)
    assert [e[k] for k in EFFECTS] == [0.0, 0.0, 0.0, 0.0, 1.48, 0.0, 0.0]
    assert (result.before.label, result.after.label) == ("RVU24A", "RVU24AR")
    with pytest.raises(WorkbookError, match="RVU25D is not a release of 2024: the workbook has "
                       "RVU24A, RVU24AR, RVU24B, RVU24C for 2024"):  # fmt: skip
        compare_years(mix, Side(2024, release="RVU25D"), Side(2024))
    argv = ["compare-years", "--from", "2024", "--to", "2024", "--from-release", "RVU24C"]
    assert main([*argv, "--to-release", "RVU24C"]) == 2
    assert capsys.readouterr().err == (
        "cpt-workbook: error: both sides are RVU24C: nothing to compare: give two years, two "
        "releases of a year, or a year with and without the APM factor.\n"
    )
