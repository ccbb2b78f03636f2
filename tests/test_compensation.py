"""wRVU compensation (issue 13): the plan file, hand-checked bonuses and accruals, the credit
rules and the RVU clause.

Work RVUs used (data/rvus, global rows unless said): 99213 1.30 (2025), 0.97 (2020);
15040 2.00 (2025); 71046 0.22, 71046-26 0.22, 71046-TC 0.00 (2025); 27447 19.60 (2025).
"""

from __future__ import annotations

import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice import compensation as comp
from cpt_analysis.practice.comp_plan import read_plan
from cpt_analysis.practice.intake import read_encounters
from cpt_analysis.practice.report import SAMPLE

HEADER = "DOS,Provider,Patient ID,CPT,Mod1,Mod2,Units,Dx1,POS\n"
PLAN = """\
plan: Test plan
base_salary: 240000
threshold_wrvus: {threshold}
tiers:
  - up_to_wrvus: {upper}
    dollars_per_wrvu: 50
  - dollars_per_wrvu: 55
rvu_year: {year}
credit:
{credit}
"""


def plan_file(tmp_path, threshold=4000, upper=6000, year="current", credit="  {}", name="p"):
    path = tmp_path / f"{name}.yaml"
    text = PLAN.format(threshold=threshold, upper=upper, year=year, credit=credit)
    path.write_text(text.replace("credit:\n  {}", "credit: {}"))
    return path


def lines(tmp_path, body: str) -> pd.DataFrame:
    path = tmp_path / "enc.csv"
    path.write_text(HEADER + body)
    result = read_encounters(path)
    assert result.counts["rejected"] == 0, result.rejected
    return result.accepted


def test_5000_wrvus_against_4000_earn_1000_at_50(tmp_path):
    plan = read_plan(plan_file(tmp_path))
    assert plan.bonus(5000) == 50_000.00  # (5,000 - 4,000) x $50
    assert plan.bonus(7000) == 155_000.00  # 2,000 x $50 + 1,000 x $55
    assert plan.bonus(4000) == 0.0 and plan.bonus(3999.99) == 0.0


def test_a_provider_with_5000_wrvus_from_the_export(tmp_path):
    # 15040 carries 2.00 work RVUs in 2025: 2,500 units in March, 999 x 2 + 502 = 2,500
    body = "".join(
        f"2025-03-0{d},Dr A,P{d},15040,,,{u},L98.9,11\n" for d, u in ((3, 999), (4, 999), (5, 502))
    )
    monthly = comp.accrual(lines(tmp_path, body), read_plan(plan_file(tmp_path)))
    row = monthly.iloc[0]
    assert (row["credited_wrvus"], row["ytd_wrvus"], row["ytd_bonus"]) == (5000.0, 5000.0, 50000.0)
    assert row["ytd_base_salary"] == 60000.0  # 3 months of 240,000 / 12
    assert row["ytd_total"] == 110000.0


def test_monthly_accrual_is_the_change_of_the_year_to_date_bonus(tmp_path):
    # threshold 2 wRVUs, $50 to 3, then $55; one 99213 (1.30) each month, January to March
    body = "".join(f"2025-0{m}-10,Dr A,P1,99213,,,1,M54.50,11\n" for m in (1, 2, 3))
    plan = read_plan(plan_file(tmp_path, threshold=2, upper=3))
    monthly = comp.accrual(lines(tmp_path, body), plan)
    assert monthly["ytd_wrvus"].tolist() == [1.3, 2.6, 3.9]
    # Jan 1.30: below 2 -> 0; Feb 2.60: 0.60 x 50 = 30; Mar 3.90: 1 x 50 + 0.90 x 55 = 99.50
    assert monthly["ytd_bonus"].tolist() == [0.0, 30.0, 99.5]
    assert monthly["bonus"].tolist() == [0.0, 30.0, 69.5]
    assert monthly["bonus"].cumsum().tolist() == monthly["ytd_bonus"].tolist()
    assert monthly["ytd_base_salary"].tolist() == [20000.0, 40000.0, 60000.0]


def test_a_new_year_starts_its_year_to_date_again(tmp_path):
    body = "2024-12-10,Dr A,P1,99213,,,1,M54.50,11\n2025-01-10,Dr A,P1,99213,,,1,M54.50,11\n"
    monthly = comp.accrual(lines(tmp_path, body), read_plan(plan_file(tmp_path)))
    assert monthly[["year", "month", "ytd_wrvus"]].values.tolist() == [
        [2024, 12, 1.3],
        [2025, 1, 1.3],
    ]


def test_credit_rules_for_26_tc_assistant_and_excluded_codes(tmp_path):
    body = (
        "2025-05-01,Dr A,P1,71046,26,,1,R05.9,22\n2025-05-01,Dr A,P2,71046,TC,,1,R05.9,11\n"
        "2025-05-02,Dr A,P3,27447,80,,1,M17.11,21\n2025-05-02,Dr A,P4,99213,,,1,M54.50,11\n"
    )
    mix = lines(tmp_path, body)
    plain = comp.credited(mix, read_plan(plan_file(tmp_path, name="plain")))
    assert plain["credited"].tolist() == [0.22, 0.0, 19.6, 1.3]
    credit = (
        "  professional_component: 0.5\n  technical_component: 0\n"
        "  assistant_at_surgery: 0.16\n  excluded_codes: ['99213']"
    )
    ruled = comp.credited(mix, read_plan(plan_file(tmp_path, credit=credit)))
    # 26: 0.22 x 0.5 = 0.11; TC has no work RVUs; 80: 19.60 x 0.16 = 3.136; 99213 excluded
    assert ruled["credited"].tolist() == [0.11, 0.0, 3.136, 0.0]
    assert ruled["rule"].tolist() == [
        "professional component (26)",
        "technical component (TC)",
        "assistant at surgery",
        "excluded code",
    ]


def test_a_plan_frozen_at_2020_counts_2020_rvus(tmp_path):
    body = "2025-07-01,Dr A,P1,99213,,,1,M54.50,11\n"
    mix = lines(tmp_path, body)
    plan = read_plan(plan_file(tmp_path, threshold=0.5, upper=1, year=2020))
    assert plan.rvu_year == 2020
    assert comp.credited(mix, plan)["wrvus"].tolist() == [0.97]
    clause = comp.rvu_clause(mix, plan, None).iloc[0]
    # 2020: 0.97 -> 0.47 x $50 = 23.50; 2025: 1.30 -> 0.5 x 50 + 0.30 x 55 = 41.50
    assert (clause["ytd_bonus_plan"], clause["ytd_bonus_other"]) == (23.5, 41.5)
    assert (clause["wrvu_difference"], clause["bonus_difference"]) == (0.33, 18.0)
    with pytest.raises(WorkbookError, match="counts 2020 RVUs already: nothing to compare"):
        comp.rvu_clause(mix, plan, 2020)


def test_benchmarks_are_the_users_own(tmp_path):
    path = plan_file(tmp_path)
    path.write_text(path.read_text() + "benchmarks:\n  our figure: 2.6\n")
    plan = read_plan(path)
    body = "2025-01-10,Dr A,P1,99213,,,1,M54.50,11\n"
    out = comp.summary(comp.accrual(lines(tmp_path, body), plan), plan)
    assert out["% of our figure"].tolist() == [50.0]
    assert read_plan(comp.SAMPLE_PLAN).benchmarks == {}


def test_the_sample_plan_reads():
    plan = read_plan(comp.SAMPLE_PLAN)
    assert (plan.base_salary, plan.threshold, plan.rvu_year) == (250000.0, 150.0, None)
    assert [(t.lower, t.upper, t.rate) for t in plan.tiers] == [(150, 300, 50), (300, None, 55)]
    assert (plan.professional_component, plan.technical_component) == (1.0, 0.0)
    assert plan.assistant_at_surgery == 0.16


BASE = "base_salary: 1\nthreshold_wrvus: 10\ntiers:\n  - dollars_per_wrvu: 5\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BASE + "credit:\n  excluded_codes: [00100]\n",
            "code 00100 in credit.excluded_codes of p.yaml is not quoted (YAML reads it as the "
            "number 64): write it as '00100'.",
        ),
        (
            BASE + "credit:\n  excluded_codes: [99211]\n",
            "code 99211 in credit.excluded_codes of p.yaml is not quoted: write it as '99211'.",
        ),
        (
            BASE.replace("base_salary: 1", "base_salary: -250000"),
            "base_salary is -250000: give a number of 0 or more.",
        ),
        (
            BASE.replace("dollars_per_wrvu: 5", "dollars_per_wrvu: -5"),
            "dollars_per_wrvu of tier 1 is -5: give a number of 0 or more.",
        ),
        (
            "base_salary: 1\nthreshold_wrvus: 4000\ntiers:\n  - up_to_wrvus: 6000\n"
            "    dollars_per_wrvu: 50\n  - up_to_wrvus: 5000\n    dollars_per_wrvu: 55\n",
            "tier 2 (up to 5,000 wRVUs) overlaps: it ends at or below tier 1's 6,000: give each "
            "tier an up_to_wrvus above the one before.",
        ),
        (
            "base_salary: 1\nthreshold_wrvus: 4000\ntiers:\n  - up_to_wrvus: 3000\n"
            "    dollars_per_wrvu: 50\n",
            "tier 1 (up to 3,000 wRVUs) overlaps: it ends at or below threshold_wrvus 4,000: give "
            "each tier an up_to_wrvus above the one before.",
        ),
        (
            BASE + "treshold: 5\n",
            "unknown key 'treshold' in p.yaml: did you mean threshold_wrvus? the keys are plan, "
            "base_salary, threshold_wrvus, tiers, rvu_year, credit, benchmarks.",
        ),
        (
            BASE + "rvu_year: 2015\n",
            "rvu_year: no RVUs for 2015 (the workbook has 2020, 2021, 2022, 2023, 2024, 2025, "
            "2026): write current, or import the official CMS file with `cpt-workbook "
            "import-cms PATH`.",
        ),
        ("", "p.yaml is empty: write a plan in it; see data/sample_comp_plan.yaml."),
        (
            "# only a comment\n",
            "p.yaml is empty: write a plan in it; see data/sample_comp_plan.yaml.",
        ),
        (
            "base_salary: [1\n",
            "p.yaml is not valid YAML (line 2: expected ',' or ']', but got '<stream end>'): see "
            "data/sample_comp_plan.yaml.",
        ),
        ("- 1\n- 2\n", "p.yaml is not a plan of keys and values: see data/sample_comp_plan.yaml."),
        (
            BASE.replace("base_salary: 1", "base_salary: 250,000"),
            "base_salary is '250,000': give a number such as 4000 (no commas).",
        ),
        (
            "base_salary: 1\nthreshold_wrvus: 10\n",
            "p.yaml has no tiers: see data/sample_comp_plan.yaml.",
        ),
        (
            "base_salary: 1\nthreshold_wrvus: 10\ntiers:\n  - dollars_per_wrvu: 5\n"
            "  - dollars_per_wrvu: 6\n",
            "tier 1 has no up_to_wrvus: only the last tier may be open-ended.",
        ),
    ],
)
def test_a_bad_plan_is_one_line(tmp_path, capsys, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(WorkbookError) as caught:
        read_plan(path)
    assert str(caught.value) == message
    assert main(["compensation", "--plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_folder_a_missing_file_and_a_text_file_are_refused(tmp_path, capsys):
    cases = [
        (tmp_path, f"{tmp_path} is a folder"),
        (tmp_path / "none.yaml", "none.yaml does not exist"),
        (tmp_path / "plan.txt", "plan.txt is not a .yaml or .csv file"),
    ]
    (tmp_path / "plan.txt").write_text("base_salary: 1\n")
    for path, message in cases:
        assert main(["compensation", "--plan", str(path)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


def test_cli_compensation_on_the_sample(tmp_path, capsys):
    out = tmp_path / "comp.xlsx"
    assert main(["compensation", "--other-rvu-year", "2020", "--excel", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Sample wRVU plan (synthetic): base $250,000.00, bonus above 150 wRVUs")
    plan, lines = read_plan(comp.SAMPLE_PLAN), read_encounters(SAMPLE).accepted
    assert comp.headline(comp.accrual(lines, plan), plan) in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert [s for s in sheets if s != "About"] == ["Summary", "Monthly accrual", "RVU clause"]
    assert "patient_id" not in sheets["Monthly accrual"]


def test_cli_compensation_mistakes(tmp_path, capsys):
    plan = tmp_path / "p.yaml"
    plan.write_text(BASE)
    for argv, message in [
        (["--year", "2019"], "no lines of 2019 (the lines are of 2025)"),
        (["--plan", str(plan), "--excel", str(plan)], f"--excel {plan} is not a .xlsx file"),
        (["--other-rvu-year", "20x0"], "'20x0' is not a year"),
        (["--other-rvu-year", "2014"], "no RVUs for 2014"),
    ]:
        assert main(["compensation", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_notebook_07_parameters_are_checked_before_a_kernel_starts(tmp_path):
    from cpt_analysis.reports.notebook import check_params
    from cpt_analysis.reports.run_params import parse_params

    with pytest.raises(WorkbookError, match=f"{tmp_path} is a folder"):
        check_params("07", {"plan_path": str(tmp_path)})
    with pytest.raises(WorkbookError, match="as the plan does: nothing to compare"):
        check_params("07", {"other_rvu_year": 0})
    with pytest.raises(WorkbookError, match="benchmark_wrvus is -3"):
        check_params("07", {"benchmark_wrvus": -3})
    plan = plan_file(tmp_path)
    assert parse_params("07", [f"plan_path={plan}"]) == [{"plan_path": str(plan)}]


@pytest.mark.slow
def test_notebook_07_runs_with_a_benchmark_with_papermill(tmp_path):
    from cpt_analysis.reports.runner import run_one

    result = run_one("07_wrvu_compensation", {"benchmark_wrvus": 250.0}, tmp_path)
    assert result.ok, result.error
    summary = pd.read_excel(result.excel, sheet_name="Summary")
    top = summary.iloc[summary.iloc[:, 3].idxmax()].tolist()  # the most credited wRVUs
    ytd = top[3]
    assert ytd > 300  # the sample plan: $50 a wRVU from 150 to 300, $55 above
    assert top[4] == round(150 * 50 + (ytd - 300) * 55, 2)
    assert top[-1] == round(ytd / 250 * 100, 1)  # % of the benchmark given
    assert [s for s in pd.ExcelFile(result.excel).sheet_names if s != "About"] == [
        "Summary",
        "Monthly accrual",
        "RVU clause",
    ]


CSV_PLAN = """item,value,dollars_per_wrvu
plan,Sample wRVU plan (synthetic),
base_salary,250000,
threshold_wrvus,150,
tier,300,50
tier,,55
rvu_year,current,
professional_component,1.0,
technical_component,0,
assistant_at_surgery,0.16,
excluded_code,00100,
benchmark,4800,our survey median
"""


def test_a_csv_plan_reads_as_the_yaml_one(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(CSV_PLAN)
    plan, sample = read_plan(path), read_plan(comp.SAMPLE_PLAN)
    for key in ("name", "base_salary", "threshold", "tiers", "rvu_year", "assistant_at_surgery"):
        assert getattr(plan, key) == getattr(sample, key), key
    assert plan.excluded_codes == ("00100",)  # a CSV cell is text: the code keeps its zeros
    assert plan.benchmarks == {"our survey median": 4800.0}
    assert plan.bonus(400) == 150 * 50 + 100 * 55


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "p.csv is empty: write a plan in it; see data/sample_comp_plan.yaml."),
        (
            "base_salary,1\n",
            "p.csv does not start with the header item,value,dollars_per_wrvu: write the plan "
            "one item a row under that header.",
        ),
        (
            "item,value\nbase_salery,1\n",
            "unknown item 'base_salery' in row 2 of p.csv: the items are plan, base_salary, "
            "threshold_wrvus, rvu_year, tier, professional_component, technical_component, "
            "assistant_at_surgery, excluded_code, benchmark.",
        ),
        (
            'item,value\nbase_salary,"250,000"\nthreshold_wrvus,1\ntier,,5\n',
            "base_salary is '250,000': give a number such as 4000 (no commas).",
        ),
        (
            "item,value\nbase_salary,1\nbase_salary,2\n",
            "base_salary is given twice in p.csv: give it once.",
        ),
        (
            "item,value,dollars_per_wrvu\nbase_salary,1\nthreshold_wrvus,10\ntier,5,-2\n",
            "dollars_per_wrvu of tier 1 is -2: give a number of 0 or more.",
        ),
        (
            "item,value\nbase_salary,250,000\n",
            "row 2 of p.csv gives base_salary a third field '000': quote a value with a comma, "
            "or leave dollars_per_wrvu empty.",
        ),
        (
            "item,value\nbase_salary,250,000,0\n",
            "row 2 of p.csv has 4 fields: give 3 at most (item,value,dollars_per_wrvu); quote a "
            "value with a comma.",
        ),
    ],
)
def test_a_bad_csv_plan_is_one_line(tmp_path, text, message):
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(WorkbookError) as caught:
        read_plan(path)
    assert str(caught.value) == message
