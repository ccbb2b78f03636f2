"""Hostile input to `cpt-workbook run`: each mistake is one line and exit 2, before any kernel
starts; a batch splits only what cannot hold a comma; report names never collide."""

import json

import pytest

from cpt_analysis import config
from cpt_analysis.cli import main
from cpt_analysis.reports import runner
from cpt_analysis.reports.notebook import resolve_notebook
from cpt_analysis.reports.run_params import parse_params
from cpt_analysis.reports.runner import output_stem, run_many

LOCALITY_FIX = (
    "use MAC-locality such as 01112-05, a state such as CA, or words of a name; "
    "`cpt-workbook localities` lists them."
)


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if a kernel (papermill) or a pool of kernels would start."""

    def started(*args, **kwargs):
        pytest.fail("a kernel was started")

    monkeypatch.setattr("papermill.execute_notebook", started)
    monkeypatch.setattr(runner, "ProcessPoolExecutor", started)
    monkeypatch.setattr(runner, "max_jobs", lambda: 2)


def _refused(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2 and out == "", (argv, out, err)
    assert err.count("\n") == 1 and err.startswith("cpt-workbook: error: "), err
    return err.removeprefix("cpt-workbook: error: ").removesuffix("\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["01_code_card", "-p", "locality=ATLANTIS"],
            f"'ATLANTIS' is not a Medicare locality in 2025: {LOCALITY_FIX}",
        ),
        (
            ["01_code_card", "-p", "year=2026", "-p", "locality=ATLANTIS"],
            "'ATLANTIS' is not a Medicare locality in 2026: "
            + LOCALITY_FIX,
        ),
        (
            ["04", "-p", "locality=ATLANTIS"],
            f"'ATLANTIS' is not a Medicare locality in 2025: {LOCALITY_FIX}",
        ),
        (
            ["01_code_card", "-p", "cpt_code="],
            'parameter cpt_code has no value: give one, or leave it out to use its default "97012".',
        ),
        (
            ["04", "-p", "provider=  "],
            'parameter provider has no value: give one, or leave it out to use its default "".',
        ),
        (
            ["01_code_card", "-p", "cpt_code=97010,,97012"],
            "parameter cpt_code has an empty value in '97010,,97012': remove the extra comma.",
        ),
        (
            ["01_code_card", "-p", "cpt_code=97010,"],
            "parameter cpt_code has an empty value in '97010,': remove the extra comma.",
        ),
        (
            ["01_code_card", "-p", "locality=A\nB"],
            "parameter locality has a line break or another control character in 'A\\nB': "
            "give the value on one line, without tabs.",
        ),
        (
            ["04", "-p", "provider=Emily\tDavis"],
            "parameter provider has a line break or another control character in "
            "'Emily\\tDavis': give the value on one line, without tabs.",
        ),
        (
            ["01_code_card", "-p", "year=2024", "-p", "year=2025"],
            "parameter year is given twice, as 2024 and as 2025: give it once; for a batch list "
            "the values in one: -p year=A,B.",
        ),
        (
            ["04", "-p", "provider=Ann", "-p", "provider=Bob"],
            "parameter provider is given twice, as Ann and as Bob: give it once.",
        ),
        (
            ["02", "-p", "codes=97012", "-p", "codes=97110,97140"],
            "parameter codes is given twice, as 97012 and as 97110,97140: give it once.",
        ),
        (["01_code_card", "--jobs", "0"], "--jobs 0 is not between 1 and 2 (the processor cores "
         "of this computer): give --jobs 1 to 2."),
        (["01_code_card", "--jobs", "-3"], "--jobs -3 is not between 1 and 2 (the processor "
         "cores of this computer): give --jobs 1 to 2."),
        (["01_code_card", "-j", "1000"], "--jobs 1000 is not between 1 and 2 (the processor "
         "cores of this computer): give --jobs 1 to 2."),
        (
            ["99_nothing"],
            "'99_nothing' is not one of the workbook's notebooks: use one of 00_training_tour, "
            "01_code_card, 02_rvu_explorer, 03_diagnosis_pairings, 04_practice_productivity, "
            "05_payer_contracts, 06_year_over_year, 07_wrvu_compensation, 08_em_levels.",
        ),
        (
            ["01_code_card", "-p", "=97012"],
            "'=97012' is not NAME=VALUE: write e.g. --param cpt_code=97012.",
        ),
        (
            ["01_code_card", "--param-file", "cpt_code"],
            "'cpt_code' is not NAME=FILE: write e.g. --param-file cpt_code=codes.txt.",
        ),
        (
            ["01_code_card", "-p", "Year=2025"],
            "01_code_card has no parameter 'Year': its parameters are cpt_code, year, locality, "
            "setting, date_of_service.",
        ),
        (["02", "-p", "years="], "no years given: list years such as 2024,2025."),
        (
            ["02", "-p", "codes="],
            "no codes given: pass codes such as '97012,97110' or a family.",
        ),
        (["02", "-p", "volumes="], "no volumes given: write volumes as 97110:120,97140:80."),
        (
            ["02", "-p", "volumes=97110:1,97110:2"],
            "97110 is given twice in the volumes: give each once.",
        ),
        (
            ["02", "-p", "volumes=97110:1,g0283:2,G0283:3"],
            "G0283 is given twice in the volumes: give each once.",
        ),
        (
            ["04", "-p", "provider=\udcff"],
            "parameter provider has characters that are not UTF-8 text in '\\udcff': type the "
            "value again, or set the terminal to UTF-8.",
        ),
        (["01", "--out", ""], "--out is empty: give a folder, or leave --out out for reports/."),
        (
            ["01_code_card", "-p", "year=2031"],
            "no RVUs for 2031 (the workbook has 2020, 2021, 2022, 2023, 2024, 2025, 2026): import the official CMS "
            "file with `cpt-workbook import-cms PATH`.",
        ),
    ],
)  # fmt: skip
def test_mistakes_are_refused_in_one_line_before_a_kernel(no_kernel, capsys, args, message):
    assert _refused(["run", *args], capsys) == message


def test_param_files_that_cannot_give_values(no_kernel, capsys, tmp_path):
    folder = tmp_path / "codes"
    folder.mkdir()
    binary = tmp_path / "codes.bin"
    binary.write_bytes(b"97012\n\x00\x01\x02")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Jos\xe9\n".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    blank = tmp_path / "blank.txt"
    blank.write_text("97010\n\n97012\n")
    text = "give a text file with one value per line."
    for path, message in [
        (folder, f"{folder} is a folder: {text}"),
        (tmp_path / "missing.txt", f"{tmp_path / 'missing.txt'} does not exist: check the path."),
        (binary, f"{binary} is not a text file (or not in UTF-8): {text}"),
        (latin, f"{latin} is not a text file (or not in UTF-8): {text}"),
        (empty, f"{empty} lists no values: {text}"),
        (blank, f"line 2 of {blank} is blank: remove it: one value per line."),
        ("/dev/zero", f"/dev/zero is not a regular file: {text}"),
    ]:
        argv = ["run", "01_code_card", "--param-file", f"cpt_code={path}"]
        assert _refused(argv, capsys) == message


def test_out_must_be_a_folder_other_than_the_notebooks(no_kernel, capsys, tmp_path):
    file = tmp_path / "report.html"
    file.write_text("kept")
    fix = "give a folder for the reports; it is created when missing."
    assert _refused(["run", "01", "--out", str(file)], capsys) == (
        f"--out {file} is a file, not a folder: {fix}"
    )
    assert _refused(["run", "01", "--out", f"{file}/sub"], capsys) == (
        f"--out {file}/sub is inside {file}, which is a file: {fix}"
    )
    assert file.read_text() == "kept"
    taken = tmp_path / "01_code_card__cpt_code-97010.html"
    taken.mkdir()
    assert _refused(["run", "01", "-p", "cpt_code=97010", "--out", str(tmp_path)], capsys) == (
        f"{taken} is a folder, where a report would go: rename that folder, or give another --out."
    )
    for out in (config.NOTEBOOKS_DIR, config.NOTEBOOKS_DIR / ".." / "notebooks"):
        assert _refused(["run", "01", "--out", str(out)], capsys) == (
            f"--out {out} is the notebooks' own folder, where a report could replace a "
            "notebook: give another folder, such as reports/."
        )


def test_a_notebook_of_ones_own_and_a_file_that_is_none(no_kernel, capsys, tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": 3}')
    assert _refused(["run", str(broken)], capsys) == (
        f"{broken} cannot be read as a notebook: give a notebook (.ipynb) saved by Jupyter."
    )
    (tmp_path / "folder.ipynb").mkdir()
    assert _refused(["run", str(tmp_path / "folder.ipynb")], capsys).startswith(
        f"'{tmp_path / 'folder.ipynb'}' is not one of the workbook's notebooks"
    )
    mine = _notebook(tmp_path / "mine.ipynb", "raise ValueError(label)")
    assert _refused(["run", str(mine), "--out", str(tmp_path)], capsys) == (
        f"--out {tmp_path} is the notebooks' own folder, where a report could replace a "
        "notebook: give another folder, such as reports/."
    )


def test_only_values_that_cannot_hold_a_comma_make_a_batch(tmp_path):
    assert parse_params("04", ["provider=Emily Davis, PT, DPT"]) == [
        {"provider": "Emily Davis, PT, DPT"}
    ]
    export = tmp_path / "claims, March.csv"
    export.write_text("x")
    assert parse_params("04", [f"encounters_path={export}"]) == [{"encounters_path": str(export)}]
    assert parse_params("03", ["family=Physical medicine: supervised modalities"]) == [
        {"family": "Physical medicine: supervised modalities"}
    ]
    assert parse_params("01", ["cpt_code=97012,97012, 97010", "locality=01112-05,national"]) == [
        {"cpt_code": "97012", "locality": "01112-05"},
        {"cpt_code": "97012", "locality": "national"},
        {"cpt_code": "97010", "locality": "01112-05"},
        {"cpt_code": "97010", "locality": "national"},
    ]
    assert parse_params("01", ["year=2024", "year= 2024"]) == [{"year": 2024}]
    assert parse_params("02", ["codes=", "family=supervised modalities"]) == [
        {"codes": [], "family": "supervised modalities"}
    ]


def test_a_param_file_gives_one_value_per_line(tmp_path):
    names = tmp_path / "providers.txt"
    names.write_text("\ufeffEmily Davis, PT, DPT\r\nJohn Roe, PTA\r\n")
    assert parse_params("04", [], [f"provider={names}"]) == [
        {"provider": "Emily Davis, PT, DPT"},
        {"provider": "John Roe, PTA"},
    ]
    codes = tmp_path / "codes.txt"
    codes.write_text("97110\n97140\n")
    assert parse_params("02", [], [f"codes={codes}"]) == [{"codes": ["97110", "97140"]}]
    assert parse_params("01", ["year=2025"], [f"cpt_code={codes}"]) == [
        {"year": 2025, "cpt_code": "97110"},
        {"year": 2025, "cpt_code": "97140"},
    ]


def test_a_comma_in_a_param_file_line_is_part_of_the_value(no_kernel, capsys, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("97010,97012\n")
    assert _refused(["run", "01", "--param-file", f"cpt_code={codes}"], capsys) == (
        "'97010,97012' is not a CPT/HCPCS code: use 5 characters such as 97012, 00100, 0001F "
        "or G0283."
    )


def test_report_names_stay_unique_when_cut_or_changed():
    card = resolve_notebook("04")
    folder = "/claims/" + "a" * 200
    jan = output_stem(card, {"encounters_path": f"{folder}/january.csv"})
    feb = output_stem(card, {"encounters_path": f"{folder}/february.csv"})
    assert jan != feb and len(jan) == len(feb) == 150
    assert jan.startswith("04_practice_productivity__encounters_path-claims-aaaa")
    spaced = output_stem(card, {"provider": "Emily Davis"})
    dashed = output_stem(card, {"provider": "Emily-Davis"})
    assert dashed == "04_practice_productivity__provider-Emily-Davis"
    assert spaced != dashed and spaced.startswith(dashed + "-")
    plain = output_stem(resolve_notebook("02"), {"codes": ["00100", "97012"], "years": [2025]})
    assert plain == "02_rvu_explorer__codes-00100,97012__years-2025"


def test_a_batch_never_writes_one_name_twice(no_kernel, tmp_path):
    with pytest.raises(runner.WorkbookError) as info:
        run_many("01", [{"cpt_code": "97012"}, {"cpt_code": "97012"}], tmp_path)
    assert (
        str(info.value)
        == "the batch runs 01_code_card__cpt_code-97012 twice: give each value once."
    )


def test_help_states_the_out_rule_with_the_full_default(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    out = " ".join(text.split())
    assert (
        f"a relative DIR is relative to the current folder (default: {config.REPORTS_DIR})" in out
    )
    assert str(config.REPORTS_DIR) in text  # on one line, never cut at a hyphen of the path
    assert "other text (a provider, a path, a family) is taken whole, commas included" in out


def test_a_relative_out_is_relative_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.output_folder("batch", "01") == tmp_path / "batch"
    assert runner.output_folder(None, "01") == config.REPORTS_DIR


def _notebook(path, *cells):
    source = ['label: str = "x"  # a label', *cells]
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{n}",
                "metadata": {"tags": ["parameters"]} if n == 0 else {},
                "outputs": [],
                "source": text,
            }
            for n, text in enumerate(source)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.slow
def test_the_kernel_log_stays_off_the_console_but_a_failing_cell_does_not(tmp_path, capfd):
    """A value with quotes reaches the kernel whole; the kernel's own ERROR log (such as the
    "KeyboardInterrupt caught in kernel" line papermill's shutdown can cause) is not printed;
    the failing cell's error is, in one line."""
    mine = _notebook(
        tmp_path / "mine.ipynb",
        'get_ipython().kernel.log.error("kernel log line")',
        "raise ValueError(label)",
    )
    out = tmp_path / "out"
    label = 'O\'Brien "Bob"'
    status = main(["run", str(mine), "-p", f"label={label}", "--out", str(out)])
    captured = capfd.readouterr()
    executed = out / (output_stem(mine, {"label": label}) + ".ipynb")
    assert executed.exists() and not executed.with_suffix(".html").exists()
    assert status == 1 and captured.out == ""
    assert captured.err == (
        'cpt-workbook: error: mine (label=O\'Brien "Bob"): ValueError: O\'Brien "Bob"; '
        f"partial notebook kept at {executed}\n"
    )


@pytest.mark.slow
def test_the_training_tour_says_it_writes_no_excel(tmp_path, capfd):
    assert main(["run", "00_training_tour", "-p", "topic=codes", "--out", str(tmp_path)]) == 0
    captured = capfd.readouterr()
    assert captured.out == (
        f"{tmp_path}/00_training_tour__topic-codes.html  (no result tables, so no Excel)\n"
    )
    # stderr names the page of all reports, which the run updated beside the report
    assert captured.err == f"all reports: {tmp_path / 'index.html'}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "00_training_tour__topic-codes.html",
        "00_training_tour__topic-codes.ipynb",
        "index.html",
    ]


def test_help_never_cuts_a_path_at_its_hyphens(capsys, monkeypatch):
    from pathlib import Path

    from cpt_analysis.cli import reports as run_command

    folder = Path("/srv/ci-runner/a-clone-with-many-hyphens-in-its-name/reports")
    monkeypatch.setattr(run_command, "REPORTS_DIR", folder)
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert str(folder) in capsys.readouterr().out
