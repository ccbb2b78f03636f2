"""The presentation layer: how a result table reads in the notebooks and the HTML reports."""

import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from cpt_analysis import presentation
from cpt_analysis.presentation import column, html_table, label, register, shown, text_table
from cpt_analysis.reports import notebook


def provider_month(rows=3):
    return pd.DataFrame(
        {
            "provider": [f"Dr {chr(65 + i % 26)}" for i in range(rows)],
            "month": ["2025-01"] * rows,
            "wrvus": [9.304, 7.3, 16.16][:rows] + [1.0] * max(0, rows - 3),
            "payment": [606.56, 1197.456, -0.82][:rows] + [2.0] * max(0, rows - 3),
            "unpaid_lines": list(range(rows)),
        }
    )


def test_labels_and_formats_of_the_workbooks_columns():
    out = shown(provider_month())
    assert list(out.columns) == [
        "Provider", "Month", "Work RVUs", "Medicare amount", "Lines Medicare does not pay",
    ]  # fmt: skip
    assert out["Work RVUs"].tolist() == ["9.30", "7.30", "16.16"]  # two decimals
    assert out["Medicare amount"].tolist() == ["$606.56", "$1,197.46", "-$0.82"]
    assert out["Lines Medicare does not pay"].tolist() == ["0", "1", "2"]
    assert list(out.index) == [0, 1, 2]


def test_na_settings_read_in_words_and_the_header_says_why():
    rvus = pd.DataFrame(
        {"pe_rvu_facility": [0.18], "pe_na_facility": [True], "pe_na_nonfacility": [False]}
    )
    out = shown(rvus)
    assert out.iloc[0].tolist() == ["0.18", "NA: rarely done here", ""]
    assert list(out.columns) == ["PE RVU (facility)", "NA in a facility", "NA in the office"]
    assert 'title="NA: CMS set no practice expense for this setting' in html_table(rvus)


def test_percent_factor_year_and_missing_values():
    frame = pd.DataFrame(
        {
            "share_of_lines": [2.11],
            "conversion_factor": [32.3465],
            "year": [2025],
            "amount": [float("nan")],
            "icd10": [None],
        }
    )
    assert shown(frame).iloc[0].tolist() == ["2.11%", "32.3465", "2025", "", ""]


def test_an_unregistered_column_is_labelled_from_its_name_and_dtype():
    frame = pd.DataFrame({"fiscal_years_left": [3], "Already Human": [1.5], "x": ["a"]})
    assert list(shown(frame).columns) == ["Fiscal years left", "Already Human", "X"]
    assert shown(frame).iloc[0].tolist() == ["3", "1.50", "a"]
    assert column("fiscal_years_left", frame["fiscal_years_left"]).kind == "count"


def test_a_concern_registers_its_own_columns(monkeypatch):
    monkeypatch.setattr(presentation.registry, "_REGISTRY", dict(presentation.registry._REGISTRY))
    register("pct_of_medicare", "% of Medicare", "percent", "what the payer pays over Medicare")
    assert label("pct_of_medicare") == "% of Medicare"
    assert shown(pd.DataFrame({"pct_of_medicare": [112.5]})).iloc[0, 0] == "112.50%"
    with pytest.raises(ValueError, match="unknown column kind 'cash'"):
        register("x", "X", "cash")


def test_html_has_no_row_index_scrolls_sideways_and_escapes():
    frame = provider_month().assign(provider=["<b>Dr A</b>", "Dr B", "Dr C"])
    page = html_table(frame.set_index(pd.Index([7, 8, 9])))
    assert '<div class="cpt-table-wrap">' in page and "overflow-x:auto" in page
    assert "<th>Provider</th>" in page and ">7<" not in page  # no row numbers
    assert "&lt;b&gt;Dr A&lt;/b&gt;" in page and "<b>Dr A" not in page
    assert '<td class="num">$1,197.46</td>' in page  # numbers right-aligned
    assert page.count("<tr>") == 4  # the header and three rows


def test_a_named_index_is_kept_as_a_column():
    frame = pd.DataFrame({"rows": [3]}, index=pd.Index(["accepted"], name="item"))
    assert list(shown(frame).columns) == ["Item", "Rows"]
    assert shown(frame).iloc[0].tolist() == ["accepted", "3"]


def test_only_tables_of_more_than_20_rows_are_marked_sortable():
    assert 'class="cpt-table"' in html_table(provider_month(20))
    assert 'class="cpt-table cpt-long"' in html_table(provider_month(21))


def test_a_very_long_table_shows_its_first_rows_and_says_where_the_rest_are(monkeypatch):
    monkeypatch.setattr(presentation.tables, "MAX_HTML_ROWS", 30)
    page = html_table(provider_month(45))
    assert page.count("<tr>") == 31
    assert "The first 30 of 45 rows; the Excel workbook of the report has them all." in page
    text = text_table(provider_month(45)).splitlines()
    assert len(text) == 32 and text[-1] == "(the first 30 of 45 rows)"


def test_text_table_has_labels_and_no_index():
    assert text_table(provider_month(2)).splitlines() == [
        "Provider  Month    Work RVUs  Medicare amount  Lines Medicare does not pay",
        "Dr A      2025-01       9.30          $606.56                            0",
        "Dr B      2025-01       7.30        $1,197.46                            1",
    ]
    assert text_table(provider_month(0)).endswith("(no rows)")


def test_the_notebook_set_up_shows_every_dataframe_through_the_presentation(monkeypatch):
    class Shell:
        display_formatter = DisplayFormatter()

    shell = Shell()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    notebook.show_tables()
    data, _ = shell.display_formatter.format(provider_month(2).drop(columns=["month"]))
    assert (
        data["text/html"].startswith("<style>")
        and '<th class="num">Work RVUs</th>' in data["text/html"]
    )
    assert data["text/plain"].splitlines()[0].split() == [
        "Provider", "Work", "RVUs", "Medicare", "amount", "Lines", "Medicare", "does", "not", "pay",
    ]  # fmt: skip
