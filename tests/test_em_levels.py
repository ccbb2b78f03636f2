"""E/M level distribution per provider and practice-wide, outliers and a user's benchmark."""

import pandas as pd
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice.em_levels import (
    PRACTICE,
    chart,
    compare,
    distribution,
    load_benchmark,
    outliers,
)


def lines():
    codes = [("Dr A", "99213")] * 6 + [("Dr A", "99214")] * 4
    codes += [("Dr B", "99214")] * 5 + [("Dr B", "99215")] * 5
    codes += [("Dr B", "99203"), ("Dr B", "97110")]  # a new patient; not an E/M
    return pd.DataFrame(codes, columns=["provider", "cpt"]).astype("category")


def test_shares_per_provider_and_practice():
    dist = distribution(lines())
    est = dist[dist["family"] == "established patient"].set_index(["provider", "code"])
    assert est.loc["Dr A", "share_percent"].tolist() == [0.0, 0.0, 60.0, 40.0, 0.0]
    assert est.loc["Dr B", "share_percent"].tolist() == [0.0, 0.0, 0.0, 50.0, 50.0]
    assert est.loc[PRACTICE, "lines"].tolist() == [0, 0, 6, 9, 5]
    assert est.loc[PRACTICE, "share_percent"].tolist() == [0.0, 0.0, 30.0, 45.0, 25.0]
    new = dist[dist["family"] == "new patient"]
    assert new[new["provider"] == "Dr B"]["share_percent"].tolist() == [0.0, 100.0, 0.0, 0.0]
    assert set(new["provider"]) == {"Dr B", PRACTICE}  # Dr A saw no new patient


def test_providers_that_differ_from_the_rest_of_the_practice():
    table = outliers(lines(), min_lines=10)
    est = table[table["family"] == "established patient"].set_index("provider")
    # Dr A 60/40 on 99213/99214 against Dr B's 50/50 on 99214/99215: half of 60+10+50 = 60
    assert est.loc["Dr A", "distance"] == 60.0 and est.loc["Dr B", "distance"] == 60.0
    assert est.loc["Dr A", "mean_level"] == 3.4 and est.loc["Dr A", "rest_mean_level"] == 4.5
    assert est["differs"].all()
    assert not outliers(lines())["differs"].any()  # under 20 lines each: not judged
    assert not outliers(lines(), min_lines=10, min_distance=61)["differs"].any()


def test_benchmark_file(tmp_path):
    path = tmp_path / "bench.csv"
    path.write_text("code,share\n99211,5\n99212,15\n99213,45\n99214,30\n99215,5%\n")
    bench = load_benchmark(path)
    assert bench["share"].tolist() == [5.0, 15.0, 45.0, 30.0, 5.0]
    table = compare(distribution(lines()), bench).set_index("code")
    assert table.loc[
        "99213", ["practice_share", "benchmark_share", "share_difference"]
    ].tolist() == [30, 45, -15]
    assert table.loc["99215", "share_difference"] == 20.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("code,share\n99213,50\n99214,40\n", "the established patient shares add up to 90"),
        ("code,pct\n99213,100\n", "needs the columns code and share"),
        ("code,share\n97110,100\n", "97110 is not an office visit code"),
        ("code,share\n99213,150\n", "every share must be a percent from 0 to 100"),
        ("code,share\n99213,lots\n", "every share must be a percent from 0 to 100"),
    ],
)
def test_a_bad_benchmark_is_one_line(tmp_path, text, message):
    path = tmp_path / "b.csv"
    path.write_text(text)
    with pytest.raises(WorkbookError, match=message):
        load_benchmark(path)


def test_missing_benchmark_and_folder(tmp_path):
    with pytest.raises(WorkbookError, match="is not a file"):
        load_benchmark(tmp_path / "none.csv")
    with pytest.raises(WorkbookError, match="is a folder"):
        load_benchmark(tmp_path)


def test_chart_stacks_each_level():
    fig = chart(distribution(lines()))
    assert [t.name for t in fig.data] == ["99211", "99212", "99213", "99214", "99215"]
    assert list(fig.data[2].y) == ["Dr A", "Dr B", PRACTICE]
    assert list(fig.data[2].x) == [60.0, 0.0, 30.0]
    assert fig.layout.barmode == "stack"


def test_no_em_lines():
    frame = pd.DataFrame({"provider": ["A"], "cpt": ["97110"]})
    assert distribution(frame).empty and outliers(frame).empty


def test_em_levels_command_on_the_sample(tmp_path, capsys):
    from cpt_analysis.cli import main

    bench = tmp_path / "bench.csv"
    bench.write_text("code,share\n99211,5\n99212,15\n99213,45\n99214,30\n99215,5\n")
    out_xlsx = tmp_path / "em.xlsx"
    assert main(["em-levels", "--benchmark", str(bench), "--excel", str(out_xlsx)]) == 0
    out = capsys.readouterr().out
    assert "Dr. James Chen, MD       0.0    7.1    9.5   57.1   26.2" in out
    assert "whole practice           2.9    8.8   47.3   30.2   10.7" in out
    assert "Dr. James Chen, MD established patient     42        4.02             3.20      53.3     True" in out  # fmt: skip
    assert "The practice against your benchmark:" in out
    sheets = pd.read_excel(out_xlsx, sheet_name=None)
    assert {"About", "EM levels", "Providers compared", "Benchmark"} <= set(sheets)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--benchmark", "{tmp}/none.csv"], "benchmark {tmp}/none.csv is not a file"),
        (["--excel", "{tmp}"], "is a folder"),
        (["--excel", "{tmp}/x.csv"], "--excel {tmp}/x.csv is not a .xlsx file"),
        (["--year", "2024"], "no office visit (E/M) lines of 2024"),
    ],
)
def test_em_levels_command_mistakes(tmp_path, capsys, argv, message):
    from cpt_analysis.cli import main

    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["em-levels", *argv]) == 2
    err = capsys.readouterr().err
    assert message.replace("{tmp}", str(tmp_path)) in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "params, message",
    [
        ({"em_min_lines": 0}, "'0' is not a number of lines"),
        ({"em_min_distance": "far"}, "'far' is not a distance in percentage points"),
        ({"em_benchmark_path": "/nonexistent.csv"}, "benchmark /nonexistent.csv is not a file"),
    ],
)
def test_notebook_parameters_are_refused_before_a_kernel_starts(params, message):
    from cpt_analysis.reports.notebook import check_params

    with pytest.raises(WorkbookError, match=message):
        check_params("08_em_levels", params)


@pytest.mark.slow
def test_notebook_runs_with_a_benchmark(tmp_path):
    import openpyxl

    from cpt_analysis.reports.runner import run_one

    bench = tmp_path / "bench.csv"
    bench.write_text("code,share\n99211,5\n99212,15\n99213,45\n99214,30\n99215,5\n")
    result = run_one("08_em_levels", {"em_benchmark_path": str(bench)}, tmp_path / "out")
    assert result.ok, result.error
    book = openpyxl.load_workbook(result.excel)
    assert {"EM levels", "Providers compared", "Benchmark"} <= set(book.sheetnames)
    assert "Dr. James Chen, MD (established patient)" in result.html.read_text()
