"""Every Excel export opens ready to use: a first About sheet, a bold, frozen, filtered header
row of human labels, fitting widths, and money/RVU/percent number formats on real numbers."""

import openpyxl
import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.export import write_excel
from cpt_analysis.reports.runner import run_one

MONEY = '"$"#,##0.00;-"$"#,##0.00'


def about(book) -> dict:
    rows = list(book["About"].iter_rows(values_only=True))
    assert rows[0][0] == "About this workbook" and book["About"]["A1"].font.bold
    return {r[0]: r[1] for r in rows[1:] if r[0] and r[1] is not None}


def assert_ready(ws, labels):
    """The header row of ``ws`` is ``labels``, bold, frozen and filtered over the data."""
    header = [c for c in ws[1]]
    assert [c.value for c in header] == labels
    assert all(c.font.bold for c in header)
    assert ws.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(labels))
    assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}"
    for i, text in enumerate(labels, start=1):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        assert len(text) + 2 <= width <= 60 or width == 60, (text, width)


def formats(ws, row=2) -> dict:
    return {ws.cell(1, i).value: ws.cell(row, i).number_format for i in range(1, ws.max_column + 1)}


def test_a_table_gets_labels_formats_and_an_about_sheet(tmp_path):
    frame = pd.DataFrame(
        {
            "cpt": ["97012", "=1+1"],
            "wrvus": [0.25, 1.5],
            "payment": [1234.5, -0.82],
            "share_of_lines": [2.11, 97.89],
            "pe_na_facility": [True, False],
            "release": ["RVU25D", "RVU25D"],
        }
    )
    path = write_excel(
        tmp_path / "t.xlsx", {"By code": frame}, about={"Report": "test", "Codes": ["a", "b"]}
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "By code"]
    items = about(book)
    assert items["Report"] == "test" and items["Codes"] == "a; b"
    assert items["Data sources and releases"] == "RVU25D"  # found in the release column
    assert items["Made on"][:4].isdigit() and items["Sheet By code"] == "2 rows"
    assert items["NA in a facility"].startswith("NA: CMS set no practice expense")  # explained
    ws = book["By code"]
    labels = ["CPT code", "Work RVUs", "Medicare amount", "% of claim lines", "NA in a facility",
              "CMS release"]  # fmt: skip
    assert_ready(ws, labels)
    assert formats(ws) == {
        "CPT code": "General", "Work RVUs": "0.00", "Medicare amount": MONEY,
        "% of claim lines": '0.00"%"', "NA in a facility": "General", "CMS release": "General",
    }  # fmt: skip
    assert [c.value for c in ws[2]] == ["97012", 0.25, 1234.5, 2.11, "NA: rarely done here",
                                        "RVU25D"]  # fmt: skip
    assert ws["A3"].value == "'=1+1" and ws["A3"].data_type == "s"  # still neutralised
    assert ws["C3"].value == -0.82 and ws["E3"].value is None
    assert ws["A2"].data_type == "s"  # a code stays text


def test_practice_excel_is_ready_to_use(tmp_path, capsys):
    out = tmp_path / "practice.xlsx"
    assert main(["practice", "--year", "2025", "--excel", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:4] == ["About", "Reconciliation", "Provider by month", "By code"]
    assert {"Audit summary", "Findings"} <= set(book.sheetnames)
    items = about(book)
    assert items["Encounter export"] == "sample_encounters.csv"
    assert items["Year of service"] == "2025" and items["Locality"] == "national"
    assert items["Data sources and releases"] == (
        "CMS physician fee schedule RVU files: RVU25D (PPRRVU2025_Oct.csv, from 2025-10-01)"
    )
    ws = book["Provider by month"]
    labels = [c.value for c in ws[1]]
    assert labels[:6] == ["Provider", "Month", "Claim lines", "Units", "Work RVUs", "Total RVUs"]
    assert_ready(ws, labels)
    fmt = formats(ws)
    assert (fmt["Month"], fmt["Claim lines"], fmt["Work RVUs"]) == ("General", "#,##0", "0.00")
    assert fmt["Medicare amount"] == fmt["Therapy reduction"] == MONEY
    assert fmt["Modifiers and multiple procedures"] == fmt["Medicare pays"] == MONEY
    assert fmt["Lines Medicare does not pay"] == "#,##0"
    assert len(set(labels)) == len(labels)  # no two columns read alike
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "A2" and book[name]["A1"].font.bold
    assert isinstance(ws.cell(2, labels.index("Medicare amount") + 1).value, float | int)
    # the same tables as CSV would keep machine names: only Excel and HTML get the labels


def test_ingest_findings_excel_is_ready_to_use(tmp_path, capsys):
    article = tmp_path / "97012.txt"
    assert main(["article", "97012", "--out", str(article)]) == 0
    out = tmp_path / "findings.xlsx"
    assert main(["ingest", str(article), "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["About", "Findings"]
    assert about(book)["Sheet Findings"].endswith(" rows")
    assert_ready(book["Findings"], ["Source", "Code", "Part", "Item", "Verdict", "Detail"])


@pytest.mark.slow
def test_report_excel_is_ready_to_use(tmp_path):
    result = run_one("02_rvu_explorer", {"codes": ["97012", "97110"]}, tmp_path)
    assert result.ok, result.error
    book = openpyxl.load_workbook(result.excel)
    assert book.sheetnames == ["About", "Side by side", "Trend", "Changes", "Volume impact"]
    items = about(book)
    assert items["Report"] == "RVU explorer (02_rvu_explorer)"
    assert items["Parameters"] == "codes=['97012', '97110']"
    assert items["Executed notebook"] == result.executed.name
    assert "PPRRVU2025_Oct.csv" not in items["Data sources and releases"]  # releases, not files
    assert "RVU25D" in items["Data sources and releases"]
    ws = book["Trend"]
    labels = [c.value for c in ws[1]]
    assert labels[:3] == ["Code", "Year", "CMS release"]
    assert_ready(ws, labels)
    fmt = formats(ws)
    assert (fmt["Work RVU"], fmt["Conversion factor"], fmt["Medicare amount"]) == (
        "0.00", "0.0000", MONEY,
    )  # fmt: skip


def test_a_sheet_named_about_and_hostile_about_values_stay_data(tmp_path):
    frame = pd.DataFrame({"cpt": ["97012"]})
    path = write_excel(
        tmp_path / "t.xlsx",
        {"About": frame, "Empty": frame.head(0)},
        about={"=SUM(A1)": "@cmd", "Report": "-1+1"},
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "About~2", "Empty"]  # the table keeps its rows
    assert book["About~2"]["A2"].value == "97012"
    items = about(book)
    assert items["'=SUM(A1)"] == "'@cmd" and items["Report"] == "'-1+1"  # text, never formulas
    assert (items["Sheet About~2"], items["Sheet Empty"]) == ("1 row", "0 rows")
    for row in book["About"].iter_rows():
        assert all(c.data_type != "f" for c in row)
    empty = book["Empty"]
    assert [c.value for c in empty[1]] == ["CPT code"] and empty.auto_filter.ref == "A1:A1"
