"""`practice --json`: the first line keeps its form (scripts read it), then one JSON object."""

import json
import re

import pandas as pd

from cpt_analysis.cli import main
from cpt_analysis.practice.report import SAMPLE, practice_report

HEADLINE = re.compile(
    r"^[\d,]+ claim lines of \d{4} for .+ \(.+\): [\d,.]+ work RVUs, \$[\d,.]+ Medicare payment "
    r"at .+; [\d,]+ audit findings\."
)


def test_json_summary_after_the_unchanged_first_line(tmp_path, capsys):
    rejected = tmp_path / "r.csv"
    assert main(["practice", "--year", "2025", "--json", "--rejected", str(rejected)]) == 0
    first, second, *rest = capsys.readouterr().out.splitlines()
    assert HEADLINE.match(first) and rest == []
    data = json.loads(second)
    report = practice_report(SAMPLE, year=2025)
    assert first == report.headline
    pm = report.provider_month
    assert data["claim_lines"] == report.lines == int(pm["lines"].sum())
    assert data["work_rvus"] == round(float(pm["wrvus"].sum()), 2)
    assert data["medicare_payment"] == round(float(pm["payment"].sum()), 2)
    assert f"${data['medicare_payment']:,.2f} Medicare payment" in first
    assert f"{data['work_rvus']:,.2f} work RVUs" in first
    assert data["audit_findings"] == len(report.findings)
    assert f"{data['audit_findings']:,} audit findings" in first
    assert sum(data["findings_by_kind"].values()) == data["audit_findings"]
    rows = data["rows"]
    assert rows["accepted"] + rows["rejected"] <= rows["in_file"] == 2000
    assert rows["rejected"] == len(pd.read_csv(rejected))
    assert data["written"] == {"rejected": str(rejected)}
    assert (data["year"], data["locality"], data["provider_filter"]) == (2025, "national", None)
    assert "patient" not in second.lower()  # no identifier in the summary
