"""Issue 13: the practice's mix under each payer, charges at a percent of Medicare and money
left on the table; figures computed by hand from 2025 national non-facility amounts
(97110 $28.79, 97140 $27.17)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.payment import price
from cpt_analysis.practice import fee_builder as fb
from cpt_analysis.practice.contracts import compare_payers
from cpt_analysis.practice.payer_report import EXPORT_CHARGES, payer_report
from cpt_analysis.practice.report import SAMPLE


def _lines(rows) -> pd.DataFrame:
    """Accepted encounter lines: (date, code, pricing modifier, units, charge)."""
    out = pd.DataFrame(rows, columns=["date_of_service", "cpt", "pricing_modifier", "units",
                                      "charge"])  # fmt: skip
    return out.assign(date_of_service=pd.to_datetime(out["date_of_service"]))


LINES = _lines([("2025-03-04", "97110", "", 2, 100.0), ("2025-03-05", "97110", "", 1, 50.0),
                ("2025-03-05", "97140", "", 2, 90.0), ("2024-12-31", "97140", "", 5, 225.0)])  # fmt: skip
RATES = pd.DataFrame(
    [["Payer X", "97110", "40.00"], ["Payer X", "97140", "30.00"], ["Payer Y", "97110", "35"],
     ["Payer Z", "97530", "50"]],
    columns=["Payer", "CPT", "Allowed"],
)  # fmt: skip


def test_the_figures_the_hand_checks_start_from():
    assert price("97110", year=2025).amount == 28.79
    assert price("97140", year=2025).amount == 27.17


def test_the_mix_of_a_year_counts_units_per_code():
    mix = fb.mix_of(LINES, 2025)
    assert mix.values.tolist() == [["97110", "", 3], ["97140", "", 2]]
    with pytest.raises(WorkbookError, match="has no accepted lines in 2023"):
        fb.mix_of(LINES, 2023)


def test_each_payer_on_the_practice_mix_by_hand():
    per, by_code = fb.payer_mix(compare_payers(RATES, 2025), fb.mix_of(LINES, 2025), 2025)
    # the mix at Medicare: 3 x 28.79 + 2 x 27.17 = 86.37 + 54.34 = 140.71
    # Payer X: 3 x 40 + 2 x 30 = 180.00 -> 180 / 140.71 = 127.92% of Medicare, all of the mix
    # Payer Y: 97110 only: 3 x 35 = 105.00 against 86.37 -> 121.57%; 86.37 / 140.71 = 61.38%
    # Payer Z: a rate for 97530 only, which the mix lacks
    got = per.set_index("payer")
    assert got.loc["Payer X"].tolist() == [2, 5, 140.71, 180.0, 127.92, 140.71, 100.0]
    assert got.loc["Payer Y"].tolist() == [1, 3, 86.37, 105.0, 121.57, 140.71, 61.38]
    assert got.loc["Payer Z", ["codes_rated", "contract_rated", "mix_medicare"]].tolist() == [
        0, 0.0, 140.71]  # fmt: skip
    assert math.isnan(got.loc["Payer Z", "pct_of_medicare"])
    x = by_code[by_code["payer"] == "Payer X"]
    assert x[["code", "units", "medicare_total", "contract_total"]].values.tolist() == [
        ["97110", 3, 86.37, 120.0], ["97140", 2, 54.34, 60.0]]  # fmt: skip


def test_a_plain_rate_wins_over_one_under_another_modifier():
    rates = pd.DataFrame([["Payer X", "97110", "GP", "50"], ["Payer X", "97110", "", "40"]],
                         columns=["Payer", "CPT", "Modifier", "Allowed"])  # fmt: skip
    per, _ = fb.payer_mix(compare_payers(rates, 2025), fb.mix_of(LINES, 2025), 2025)
    assert per["contract_rated"].tolist() == [120.0]  # 3 x 40, not 3 x 50


@pytest.mark.parametrize(
    ("amount", "rule", "charge"),
    [
        (57.58, "cents", 57.58), (57.585, "cents", 57.59), (57.58, "dollar", 58.0),
        (57.49, "dollar", 57.0), (57.01, "dollar-up", 58.0), (57.0, "dollar-up", 57.0),
        (52.5, "5", 55.0), (52.49, "5", 50.0), (50.01, "5-up", 55.0), (104.99, "10", 100.0),
        (101.0, "10-up", 110.0), (math.nan, "5", math.nan),
    ],
)  # fmt: skip
def test_rounding_rules(amount, rule, charge):
    got = fb.round_charge(amount, rule)
    assert got == charge or (math.isnan(charge) and math.isnan(got))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "percent 0 is not a number from 1 to 1,000: give the charges' percent of Medicare"),
        ("1e9", "percent 1e9 is not a number from 1 to 1,000"),
        ("abc", "percent abc is not a number from 1 to 1,000"),
        ("nan", "percent nan is not a number from 1 to 1,000"),
    ],
)
def test_an_absurd_percent_is_one_line(value, message):
    with pytest.raises(WorkbookError) as err:
        fb.check_percent(value)
    assert str(err.value).startswith(message)


def test_percent_and_rounding_words():
    assert fb.check_percent("250%") == 250.0
    assert fb.check_rounding(" Dollar-Up ") == "dollar-up"
    with pytest.raises(WorkbookError) as err:
        fb.check_rounding("up")
    assert str(err.value) == (
        "'up' is not a rounding rule: use one of cents, dollar, dollar-up, 5, 5-up, 10, 10-up."
    )


def test_charges_at_200_percent_rounded_up_to_the_dollar_and_below_a_payer():
    comparison = compare_payers(pd.DataFrame([["Payer X", "97110", "60"]],
                                             columns=["Payer", "CPT", "Allowed"]), 2025)  # fmt: skip
    built = fb.fee_schedule(fb.mix_of(LINES, 2025), 2025, 200, "dollar-up", comparison=comparison)
    # 2 x 28.79 = 57.58 -> $58, under Payer X's $60; 2 x 27.17 = 54.34 -> $55
    assert built[
        ["code", "medicare", "charge", "highest_allowed", "below_a_payer"]
    ].values.tolist()[0] == ["97110", 28.79, 58.0, 60.0, True]
    assert built.loc[1, ["code", "charge", "below_a_payer"]].tolist() == ["97140", 55.0, False]
    assert math.isnan(built.loc[1, "highest_allowed"])


def test_a_code_medicare_does_not_pay_gets_no_built_charge():
    codes = pd.DataFrame({"code": ["97010"], "pricing_modifier": [""]})  # status B: bundled
    built = fb.fee_schedule(codes, 2025, 200)
    assert math.isnan(built.loc[0, "medicare"]) and math.isnan(built.loc[0, "charge"])


def test_current_charges_are_the_commonest_per_unit_charge():
    lines = _lines([("2025-01-02", "97110", "", 2, 100.0), ("2025-01-03", "97110", "", 1, 50.0),
                    ("2025-01-04", "97110", "", 1, 45.0), ("2025-01-04", "97140", "", 1, None)])  # fmt: skip
    got = fb.current_charges(lines)
    assert got.values.tolist() == [["97110", "", 50.0, 2, 3]]
    with pytest.raises(WorkbookError, match="the encounter export has no charges"):
        fb.current_charges(lines.drop(columns="charge"))


def test_money_left_on_the_table_by_hand():
    comparison = compare_payers(RATES, 2025)
    charges = pd.DataFrame({"code": ["97110", "97140"], "pricing_modifier": ["", ""],
                            "charge": [36.0, 45.0]})  # fmt: skip
    gaps = fb.left_on_table(charges, comparison, fb.mix_of(LINES, 2025))
    # 97110 charged $36: Payer X allows $40 (gap $4 x 3 units = $12), Payer Y $35 (no gap);
    # 97140 charged $45, above Payer X's $30
    assert gaps[["code", "payer", "charge", "allowed_amount", "gap_per_unit", "units",
                 "gap_at_volume"]].values.tolist() == [["97110", "Payer X", 36.0, 40.0, 4.0, 3,
                                                        12.0]]  # fmt: skip


def test_a_charge_file_is_read_like_a_rates_file(tmp_path):
    path = tmp_path / "charges.csv"
    path.write_text("Procedure Code,Fee\n97110,36\n97140,45\n97140,46\n97530,-1\n97112,\n")
    charges, rejected = fb.read_charges(path, 2025)
    assert charges.values.tolist() == [["97110", "", 36.0]]
    assert dict(zip(rejected["source_row"], rejected["reason"], strict=True)) == {
        3: "code given with different charges (rows 3 and 4)",
        4: "code given with different charges (rows 3 and 4)",
        5: "charge not an amount from $0.01 to $100,000.00",
        6: "charge not an amount from $0.01 to $100,000.00",
    }


def test_the_report_of_the_shipped_samples():
    report = payer_report(encounters=SAMPLE, percent=200, rounding="dollar-up")
    per = report.by_payer.set_index("payer")
    pct = per["pct_of_medicare"]
    # the sample's contracts: Payer A 110% of every code; B 130% of E/M, 105% of the others; C
    # 240% of E/M and therapy evaluations, 150% of the others; each rate to the cent, so on any
    # mix A is 110% within a hundredth, B between 105% and 130%, C between 150% and 240%
    assert abs(pct["Payer A"] - 110) <= 0.01
    assert 105 < pct["Payer B"] < 130 and 150 < pct["Payer C"] < 240
    assert (per["medicare_rated"] <= per["mix_medicare"]).all()
    assert report.charges_source == EXPORT_CHARGES
    # the sample's charges are about 210% of national Medicare: only Payer C's 240% rates pass
    gaps = report.left_on_table
    assert gaps["payer"].unique().tolist() == ["Payer C"]
    assert gaps["code"].str.match(r"99\d{3}$|9716\d$").all()
    first = gaps.iloc[0]
    assert first["gap_per_unit"] == round(first["allowed_amount"] - first["charge"], 2)
    assert first["gap_at_volume"] == round(first["gap_per_unit"] * first["units"], 2)
    assert report.headline.startswith(
        "120 rates of 3 payers (sample_payer_rates.csv) against Medicare 2025 (RVU25D) at "
        "national, nonfacility; 0 rows rejected, 0 blank. On the practice's mix, Payer C pays "
        f"the most: {pct['Payer C']:.2f}% of Medicare."
    )
    assert [name for name, _ in report.tables()] == [
        "Percent of Medicare", "Payers vs Medicare", "Mix by payer", "Mix by code",
        "Fee schedule", "Left on the table", "Rejected rates"]  # fmt: skip


def test_the_command_with_encounters_percent_and_a_charge_file(tmp_path, capsys):
    charges = tmp_path / "charges.csv"
    charges.write_text("CPT,Charge\n97110,30\n97140,abc\n")
    excel = tmp_path / "out.xlsx"
    argv = ["payers", "--encounters", str(SAMPLE), "--percent", "200", "--rounding", "5",
            "--charges", str(charges), "--excel", str(excel)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Left on the table:" in out and "Rejected charges:" in out
    sheets = pd.read_excel(excel, sheet_name=None, dtype=str)
    assert list(sheets)[-3:] == ["Left on the table", "Rejected rates", "Rejected charges"]
    # 97110 charged $30 is under Payer A's 31.67, B's 30.23 and C's 43.19
    gaps = sheets["Left on the table"]
    assert sorted(gaps["Payer"]) == ["Payer A", "Payer B", "Payer C"]


def test_the_command_refuses_an_output_equal_to_the_encounters_or_charges(tmp_path, capsys):
    charges = tmp_path / "charges.xlsx"
    charges.write_bytes(b"")
    assert main(["payers", "--charges", str(charges), "--excel", str(charges)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"cpt-workbook: error: --excel {charges} is an input file, which is "
                           "never overwritten: write to another file name.")  # fmt: skip


# --- notebook 05 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"charge_rounding": "7"}, "'7' is not a rounding rule"),
        ({"charge_percent": 0}, "percent 0 is not a number from 1 to 1,000"),
        ({"rates_path": "/nowhere/rates.csv"}, "/nowhere/rates.csv is not a file"),
        ({"setting": "moon"}, "'moon' is not a setting"),
        ({"locality": "atlantis"}, "'atlantis' is not a Medicare locality in 2025"),
    ],
)
def test_notebook_05_refuses_bad_values_before_a_kernel_starts(params, message):
    from cpt_analysis.reports.notebook import check_params

    with pytest.raises(WorkbookError, match=message):
        check_params("05_payer_contracts", params)


def test_notebook_05_has_typed_parameters_with_help():
    from cpt_analysis.reports.notebook import parameters

    found = {p.name: (p.type, p.default) for p in parameters("05")}
    assert found == {
        "rates_path": ("str", '""'), "encounters_path": ("str", '""'), "year": ("int", "2025"),
        "locality": ("str", '"national"'), "setting": ("str", '"nonfacility"'),
        "charge_percent": ("float", "200.0"), "charge_rounding": ("str", '"dollar-up"'),
    }  # fmt: skip
    assert all(p.help for p in parameters("05"))


@pytest.mark.slow
def test_notebook_05_runs_with_a_users_rates_and_exports_excel(tmp_path):
    from cpt_analysis.reports.runner import run_one

    rates = tmp_path / "rates.csv"
    rates.write_text("Plan,Procedure Code,Contract Rate\nAcme,97110,40\nAcme,97140,-5\n")
    params = {"rates_path": str(rates), "charge_percent": 150.0, "charge_rounding": "5"}
    result = run_one("05_payer_contracts", params, tmp_path / "out")
    assert result.ok, result.error
    sheets = pd.read_excel(result.excel, sheet_name=None, dtype=str)
    assert list(sheets)[1:] == ["Percent of Medicare", "Payers vs Medicare", "Mix by payer",
                                "Mix by code", "Fee schedule", "Left on the table",
                                "Rejected rates"]  # fmt: skip
    assert sheets["Payers vs Medicare"]["% of Medicare"].tolist() == ["138.94"]
    assert sheets["Rejected rates"]["Why"].tolist() == [
        "allowed amount not an amount from $0.01 to $100,000.00"
    ]
    # 150% of 97110's $28.79 is 43.185: the nearest $5 is $45
    fees = sheets["Fee schedule"].set_index("Code")
    assert fees.loc["97110", "Charge"] == "45"
    assert "Acme" in result.html.read_text()


def test_the_charts_hold_the_tables_figures():
    from cpt_analysis.practice import payer_charts
    from cpt_analysis.practice.contracts import pct_by_code

    comparison = compare_payers(RATES, 2025)
    per, _ = fb.payer_mix(comparison, fb.mix_of(LINES, 2025), 2025)
    bars = payer_charts.mix_by_payer(per).data[0]
    assert list(bars.x) == ["Payer Y", "Payer X"] and list(bars.y) == [121.57, 127.92]
    heat = payer_charts.pct_heatmap(pct_by_code(comparison)).data[0]
    assert list(heat.x) == ["97110", "97140", "97530"]
    assert list(heat.y) == ["Payer X", "Payer Y", "Payer Z"]
    assert heat.z[0][0] == 138.94 and heat.z[1][1] is None  # Payer Y has no 97140 rate
    charges = pd.DataFrame({"code": ["97110"], "pricing_modifier": [""], "charge": [36.0]})
    gaps = fb.left_on_table(charges, comparison)
    assert list(payer_charts.left_on_table(gaps).data[0].x) == [4.0]
    assert payer_charts.left_on_table(None).data == ()
