"""The report runner: string-safe parameters, refusals before a kernel starts, outputs."""

import subprocess
import sys

import openpyxl
import pytest
from cms_samples import write_pprrvu_2025

from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.explorer import volume_impact
from cpt_analysis.presentation import label
from cpt_analysis.reference.importer import import_file
from cpt_analysis.reports.notebook import parameters, resolve_notebook
from cpt_analysis.reports.run_params import parse_params
from cpt_analysis.reports.runner import output_stem, run_one

CLI = [sys.executable, "-m", "cpt_analysis.cli"]


def test_every_notebook_declares_typed_parameters_with_help():
    for name in ("01_code_card", "02_rvu_explorer", "03_diagnosis_pairings"):
        params = parameters(name)
        assert params, name
        for p in params:
            assert p.type not in ("None", ""), (name, p.name)
            assert p.help, (name, p.name)


def test_codes_stay_strings():
    assert parse_params("01_code_card", ["cpt_code=00100"]) == [{"cpt_code": "00100"}]
    assert parse_params("01", ["cpt_code=97010", "year=2025"]) == [
        {"cpt_code": "97010", "year": 2025}
    ]
    sets = parse_params("code_card", ["cpt_code=97010,97012,97014", "year=2024,2025"])
    assert len(sets) == 6 and sets[0] == {"cpt_code": "97010", "year": 2024}
    assert parse_params("02_rvu_explorer", ["codes=00100,97012"]) == [{"codes": ["00100", "97012"]}]


@pytest.mark.parametrize(
    "pairs, message",
    [
        (
            ["colour=red"],
            "01_code_card has no parameter 'colour': its parameters are cpt_code, "
            "year, locality, setting, date_of_service.",
        ),
        (
            ["year=twenty"],
            "parameter year wants int, not 'twenty': help: fee-schedule year with "
            "RVUs: 2020 to 2026.",
        ),
        (["cpt_code"], "'cpt_code' is not NAME=VALUE: write e.g. --param cpt_code=97012."),
    ],
)
def test_unknown_names_and_bad_types_are_refused(pairs, message):
    with pytest.raises(WorkbookError) as info:
        parse_params("01_code_card", pairs)
    assert str(info.value) == message


def test_bad_values_are_refused_before_a_kernel_starts(tmp_path):
    for params, message in [
        ({"cpt_code": "9701"}, "'9701' is not a CPT/HCPCS code"),
        ({"year": 2031}, "no RVUs for 2031"),
        ({"locality": "Atlantis", "year": 2025}, "'Atlantis' is not a Medicare locality in 2025"),
        ({"setting": "garage"}, "'garage' is not a setting"),
    ]:
        with pytest.raises(WorkbookError, match=message):
            run_one("01_code_card", params, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_output_names_never_leave_the_folder():
    stem = output_stem(resolve_notebook("01"), {"cpt_code": "../../etc/passwd"})
    assert "/" not in stem and not stem.startswith(".")
    assert stem.startswith("01_code_card__cpt_code-etc-passwd-") and len(stem) == 42


def test_unknown_notebook():
    with pytest.raises(WorkbookError, match="'99_nothing' is not one of the workbook's notebooks"):
        resolve_notebook("99_nothing")


def _sheet_values(path, sheet):
    book = openpyxl.load_workbook(path)
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


@pytest.mark.slow
def test_code_card_of_a_leading_zero_code(tmp_path):
    result = run_one("01_code_card", {"cpt_code": "00100", "locality": "national"}, tmp_path)
    assert result.ok, result.error
    assert result.executed.name == "01_code_card__cpt_code-00100__locality-national.ipynb"
    rvus = _sheet_values(result.excel, "RVUs")
    header = rvus[0]
    assert rvus[1][header.index(label("hcpcs"))] == "00100"
    assert rvus[1][header.index(label("status"))] == "J"
    html = result.html.read_text()
    assert "anesthesia service: paid by base and time units" in html
    assert "notebook.validate(" not in html  # code hidden for managers


@pytest.mark.slow
def test_code_card_with_26_and_tc_and_a_status_b_code(tmp_path):
    mri = run_one("01_code_card", {"cpt_code": "72148", "year": 2025}, tmp_path)
    assert mri.ok, mri.error
    payments = _sheet_values(mri.excel, "Payments")
    head = payments[0]
    rows = {
        (
            r[head.index(label("modifier"))] or "",
            r[head.index(label("locality_id"))],
            r[head.index(label("setting"))],
        ): r[head.index(label("amount"))]
        for r in payments[1:]
    }
    assert rows[("26", "01112-05", "nonfacility")] == 77.88
    bundled = run_one("01_code_card", {"cpt_code": "97010", "year": 2025}, tmp_path)
    assert bundled.ok, bundled.error
    assert "bundled: payment is included in other services" in bundled.html.read_text()


@pytest.mark.slow
def test_code_card_of_a_code_from_an_imported_cms_file(tmp_path):
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"))  # a CMS-shaped file
    result = run_one("01_code_card", {"cpt_code": "0001F", "year": 2025}, tmp_path / "out")
    assert result.ok, result.error
    assert "Heart failure quality measure" in result.html.read_text()


@pytest.mark.slow
def test_a_failing_cell_gives_one_line_and_keeps_the_partial_notebook(tmp_path):
    result = run_one("03_diagnosis_pairings", {"icd10_code": "Z99"}, tmp_path)
    assert not result.ok
    assert result.error == (
        "03_diagnosis_pairings (icd10_code=Z99): no procedure in the workbook is paired with "
        "Z99: try a shorter prefix such as M54."
    )
    assert result.executed.exists() and result.html is None


@pytest.mark.slow
def test_explorer_and_pairings_with_their_defaults(tmp_path):
    for name in ("02_rvu_explorer", "03_diagnosis_pairings"):
        result = run_one(name, {}, tmp_path)
        assert result.ok, result.error
        assert result.html.read_text().count('class="plotly-graph-div"') >= 1
    # the sheet holds volume_impact of the notebook's default volumes, 2020 to 2026
    impact = _sheet_values(tmp_path / "02_rvu_explorer.xlsx", "Volume impact")
    expected = volume_impact({"97012": 120, "97110": 400, "97140": 250}, 2020, 2026)
    assert impact[0] == [label(c) for c in expected.columns]  # Excel has the human labels
    assert [row[0] for row in impact[1:]] == ["97012", "97110", "97140", "total"]
    difference = impact[0].index(label("difference"))
    assert [row[difference] for row in impact[1:]] == expected["difference"].tolist()


@pytest.mark.slow
def test_batch_in_parallel_with_the_cli(tmp_path):
    out = tmp_path / "batch"
    codes = tmp_path / "codes.txt"
    codes.write_text("97010\n97012\n00100\n")
    run = subprocess.run(
        CLI
        + [
            "run",
            "01_code_card",
            "--param-file",
            f"cpt_code={codes}",
            "-p",
            "year=2025",
            "--out",
            str(out),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    made = [
        "01_code_card__cpt_code-00100__year-2025.html",
        "01_code_card__cpt_code-97010__year-2025.html",
        "01_code_card__cpt_code-97012__year-2025.html",
    ]
    assert sorted(p.name for p in out.glob("*.html")) == [*made, "index.html"]
    index = (out / "index.html").read_text()  # the page of all reports links each
    assert all(f'href="{name}"' in index for name in made)


def test_cli_refuses_a_bad_code_in_one_line(tmp_path):
    run = subprocess.run(
        CLI + ["run", "01_code_card", "-p", "cpt_code=9701", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr == (
        "cpt-workbook: error: '9701' is not a CPT/HCPCS code: use 5 characters such as 97012, "
        "00100, 0001F or G0283.\n"
    )


def test_notebooks_command_lists_parameters(capsys):
    from cpt_analysis.cli import main

    assert main(["notebooks"]) == 0
    out = capsys.readouterr().out
    assert '01_code_card\n  cpt_code: str = "97012"  # CPT/HCPCS code, 5 characters' in out


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, params, expected",
    [
        (
            "02_rvu_explorer",
            {"codes": ["00100", "72148", "97010"], "years": [2024, 2025]},
            "status J",
        ),
        (
            "02_rvu_explorer",
            {"family": "supervised modalities", "volumes": {"97012": "10"}},
            "97018",
        ),
        ("03_diagnosis_pairings", {"cpt_code": "00100", "icd10_code": "D11"}, "D11.0"),
        ("03_diagnosis_pairings", {"cpt_code": "97010", "date_of_service": "2021-09-30"}, "M54.5"),
    ],
)
def test_explorer_and_pairings_over_parameter_sets(tmp_path, name, params, expected):
    result = run_one(name, params, tmp_path)
    assert result.ok, result.error
    assert expected in result.html.read_text()


@pytest.mark.slow
def test_explorer_of_an_imported_code(tmp_path):
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"))  # a CMS-shaped file
    params = {"codes": ["0001F", "97012"], "years": [2025]}
    result = run_one("02_rvu_explorer", params, tmp_path / "out")
    assert result.ok, result.error
    assert "Heart failure quality measure" in result.html.read_text()


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("02_rvu_explorer", {"codes": ["ABCDE"]}, "'ABCDE' is not a CPT/HCPCS code"),
        ("02_rvu_explorer", {"family": "astrology"}, "(?i)no family of codes matches 'astrology'"),
        ("02_rvu_explorer", {"volumes": {"97110": "-3"}}, "'97110:-3' is not CODE:UNITS"),
        ("03_diagnosis_pairings", {"icd10_code": "54.5"}, "'54.5' is not an ICD-10-CM code"),
        ("03_diagnosis_pairings", {"date_of_service": "2026-02-30"}, "'2026-02-30' is not a date"),
    ],
)
def test_bad_values_for_the_other_notebooks(tmp_path, name, params, message):
    with pytest.raises(WorkbookError, match=message):
        run_one(name, params, tmp_path)
