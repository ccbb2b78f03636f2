"""The practice report, its charts and its notebook."""

import openpyxl
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice import charts as practice_charts
from cpt_analysis.practice.report import practice_report
from cpt_analysis.reports.runner import parse_params, run_one

CSV = """date_of_service,provider,cpt,units,minutes,dx1,pos,patient_id
2025-03-03,Dr. A,97110,2,30,M54.50,11,PTSECRET1
2025-03-03,Dr. A,97140,1,15,M54.50,11,PTSECRET1
2025-03-04,Dr. A,97012,1,,M54.5,11,PTSECRET2
2025-04-01,Dr. B,99213,1,,I10,11,PTSECRET3
2025-04-02,Dr. B,9701,1,,I10,11,PTSECRET3
"""


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(CSV)
    return path


def test_report_adds_up_and_hides_patients(export):
    report = practice_report(export, 2025, None)
    rec = dict(zip(report.reconciliation["item"], report.reconciliation["rows"], strict=True))
    assert (rec["rows in the file"], rec["accepted"], rec["rejected"]) == (5, 4, 1)
    pm = report.provider_month.set_index(["provider", "month"])
    # 97110 x2 (0.45 each) + 97140 (0.43) in March, 97012 (0.25): work RVUs of data/rvus.csv 2025
    assert pm.loc[("Dr. A", "2025-03"), "wrvus"] == pytest.approx(0.45 * 2 + 0.43 + 0.25)
    assert pm.loc[("Dr. B", "2025-04"), "wrvus"] == pytest.approx(1.30)
    for frame in (report.provider_month, report.by_code, report.findings):
        assert "patient_id" not in frame.columns
    assert "M54.5" in set(report.findings["icd10"].astype(str))
    assert report.headline.startswith("4 claim lines of 2025 for all providers (claims.csv)")


def test_provider_filter_and_empty_year(export):
    report = practice_report(export, 2025, None, provider="dr. b")
    assert report.lines == 1
    with pytest.raises(WorkbookError) as info:
        practice_report(export, 2024, None)
    assert str(info.value) == (
        "claims.csv has no accepted lines in 2024 (its accepted lines are of 2025): check the "
        "year and the provider filter."
    )


def test_practice_charts_carry_the_values(export):
    report = practice_report(export, 2025, None)
    trend = practice_charts.wrvu_trend(report.provider_month)
    assert [t.name for t in trend.data] == ["Dr. A", "Dr. B"]
    assert list(trend.data[0].x) == ["2025-03"]
    assert trend.data[0].y[0] == pytest.approx(1.58)
    mix = practice_charts.code_mix(report.by_code)
    assert mix.data[0].x[-1] == pytest.approx(1.30)  # 99213 has the most wRVUs, drawn on top
    assert mix.data[0].y[-1].startswith("99213")
    pay = practice_charts.payment_by_month(report.provider_month)
    assert pay.layout.barmode == "stack" and list(pay.data[0].x) == ["2025-03", "2025-04"]
    assert pay.data[0].y[1] is None  # Dr. A had no April lines
    findings = practice_charts.audit_findings(report.findings_summary)
    counts = dict(zip(findings.data[0].y, findings.data[0].x, strict=True))
    assert counts["non-billable diagnosis (header)"] == 1


@pytest.mark.slow
def test_notebook_on_a_user_file_with_relative_path(export, tmp_path, monkeypatch):
    monkeypatch.chdir(export.parent)
    params = parse_params(
        "04_practice_productivity", ["encounters_path=claims.csv", "locality=national"]
    )[0]
    assert params["encounters_path"] == str(export)
    result = run_one("04_practice_productivity", params, tmp_path / "out")
    assert result.ok, result.error
    book = openpyxl.load_workbook(result.excel)
    assert book.sheetnames[:4] == ["About", "Reconciliation", "Provider by month", "By code"]
    html = result.html.read_text()
    assert "4 claim lines of 2025" in html and "PTSECRET" not in html
    for sheet in book.worksheets:
        assert not any("PTSECRET" in str(c.value) for row in sheet.iter_rows() for c in row)


@pytest.mark.slow
def test_notebook_neutralises_formulas_in_an_export(tmp_path):
    from cpt_analysis.practice.synth import write_encounters

    # the shipped sample is clean: a copy whose provider is a formula on a few rows
    path = write_encounters(tmp_path / "formula.csv", 2000, seed=42, formula_provider=True)
    result = run_one("04_practice_productivity", {"encounters_path": str(path)}, tmp_path)
    assert result.ok, result.error
    sheet = openpyxl.load_workbook(result.excel)["Provider by month"]
    cells = [c for c in sheet["A"] if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" and str(c.value).startswith("'=") for c in cells)


def test_notebook_refuses_a_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match="nowhere.csv is not a file"):
        run_one(
            "04_practice_productivity", {"encounters_path": str(tmp_path / "nowhere.csv")}, tmp_path
        )
