"""Issue 9: what a careless or hostile user types at the command line and the Python API gets one
line and exit status 2, never a traceback and never a silently wrong answer."""

from __future__ import annotations

import re
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpt_analysis import load_codes, load_rvus
from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.payment import is_national, match_localities, price, resolve_locality
from cpt_analysis.reference import icd10
from cpt_analysis.reference.loaders import load_gpci


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --- one definition of "national" -------------------------------------------------------------
@pytest.mark.parametrize("word", ["US", "us", "National", "NATIONAL", "USA", " national ", ""])
def test_every_spelling_of_national_prices_nationally(word):
    assert is_national(word)
    assert resolve_locality(word, 2025) is None
    # 97012 in 2025: 0.44 total RVUs x 32.3465 = $14.23, whatever the spelling
    assert price("97012", year=2025, locality=word).amount == 14.23


@pytest.mark.parametrize("word", ["US", "National", "NATIONAL", "usa"])
def test_lookup_with_national_spellings_exits_0(capsys, word):
    assert main(["lookup", "97012", "--year", "2025", "--locality", word]) == 0
    out = capsys.readouterr().out
    assert "National (GPCI 1.0) (national)" in out
    assert "OXNARD" not in out


def test_usa_is_not_found_inside_thousand_oaks():
    gpci = load_gpci(2025)
    assert match_localities(gpci, "USA").empty
    assert match_localities(gpci, "THOUSAND")["locality_id"].tolist() == ["01182-17"]
    assert match_localities(gpci, "san fran")["locality_id"].tolist() == ["01112-05", "01112-52"]


def test_a_two_letter_search_is_a_state(capsys):
    assert main(["localities", "--search", "CA"]) == 0
    out = capsys.readouterr().out
    rows = [line.split()[1] for line in out.splitlines()[1:]]
    assert rows and set(rows) == {"CA"}
    assert "CHICAGO" not in out
    assert len(rows) == int((load_gpci(2025)["state"] == "CA").sum())


def test_a_search_that_finds_nothing_says_so_in_words(capsys):
    assert main(["localities", "--search", "ZZZ"]) == 2
    err = _err(capsys)
    assert err == (
        "cpt-workbook: error: no Medicare locality of 2025 matches 'ZZZ': search by words of a "
        "name (MANHATTAN), a state (CA) or a MAC-NN id (01112-05); `cpt-workbook localities` "
        "lists them all.\n"
    )
    assert "Empty DataFrame" not in err


def test_a_locality_is_checked_in_a_year_without_gpcis(capsys, monkeypatch):
    assert main(["lookup", "97012", "--year", "2026", "--locality", "ATLANTIS"]) == 2
    assert _err(capsys) == (
        "cpt-workbook: error: 'ATLANTIS' is not a Medicare locality in 2026: use MAC-locality "
        "such as 01112-05, a state such as CA, or words of a name; `cpt-workbook localities` "
        "lists them.\n"
    )
    # a year without GPCIs (an imported RVU year, say): the locality is still checked, against
    # the latest localities, and a known one gives the national amounts with a note
    from cpt_analysis.fees import locality

    monkeypatch.setattr(locality, "gpci_years", lambda: [2023, 2024, 2025])
    assert main(["lookup", "97012", "--year", "2026", "--locality", "ATLANTIS"]) == 2
    assert "'ATLANTIS' is not a Medicare locality (checked against the 2025 localities)" in _err(
        capsys
    )
    assert main(["lookup", "97012", "--year", "2026", "--locality", "01112-05"]) == 0
    assert "Locality amounts for 2026 are not shown: no GPCIs for 2026" in capsys.readouterr().out


def test_a_value_with_a_line_break_stays_on_one_line(capsys):
    assert main(["lookup", "97012", "--year", "2025", "--locality", "Atlantis\nCity"]) == 2
    err = _err(capsys)
    assert err.count("\n") == 1
    assert "'Atlantis\\nCity' is not a Medicare locality in 2025" in err


def test_a_state_with_several_localities_is_ambiguous_as_a_locality():
    with pytest.raises(WorkbookError, match=r"^'CA' matches several localities \(01112-05 "):
        resolve_locality("CA", 2025)


# --- the setting a user chose is shown first ------------------------------------------------
def test_lookup_setting_puts_the_chosen_setting_first(capsys):
    argv = ["lookup", "97012", "--year", "2025", "--locality", "01112-05", "--setting", "22"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    block = out[out.index("Medicare payment (2025):") :].splitlines()[1:5]
    assert block[1].split()[:2] == ["*global", "facility"]
    assert block[2].split()[:2] == ["Medicare", "pays"]  # what is owed, under the chosen row
    assert block[3].split()[:3] == ["global", "nonfacility", "$14.23"]
    assert "* the chosen setting (facility), shown first" in out


# --- the API refuses or accepts odd arguments explicitly -----------------------------------
def test_check_many_takes_one_code_as_text():
    one = icd10.check_many("M54.5", "2025-06-01")
    assert one["input"].tolist() == ["M54.5"]
    assert one["status"].tolist() == ["header"]


def test_icd10_before_october_2015_is_the_icd9_era(capsys):
    verdict = icd10.check("M54.2", "2015-09-30")
    assert verdict["status"] == "not in use"
    assert not verdict["billable"]
    assert verdict["basis"].startswith("ICD-10-CM was not in use before 2015-10-01")
    assert icd10.check("M54.2", "2015-10-01")["status"] == "billable"
    assert main(["icd10", "M54.2", "--date", "2014-01-01", "--strict"]) == 1
    assert capsys.readouterr().out.startswith("M54.2      not in use")


@pytest.mark.parametrize("year", [2025.5, True, "20x5", -5, "2025-01", [2025]])
def test_load_rvus_refuses_what_is_not_a_year(year):
    with pytest.raises(WorkbookError, match=r"^'.*' is not a year: use a year such as 2025\.$"):
        load_rvus(year)


@pytest.mark.parametrize("year", [2025, "2025", np.int64(2025), 2025.0])
def test_load_rvus_accepts_a_whole_year(year):
    assert load_rvus(year)["year"].unique().tolist() == [2025]


# --- argparse and the shell -----------------------------------------------------------------
def test_no_arguments_prints_the_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: cpt-workbook")
    assert "lookup" in out and "practice" in out


@pytest.mark.parametrize(
    "argv, line",
    [
        (["frob"], "argument COMMAND: invalid choice: 'frob'"),
        (
            ["lookup"],
            "the following arguments are required: code: see `cpt-workbook lookup --help`",
        ),
        (["lookup", "97012", "--year", "abc"], "argument --year: invalid int value: 'abc'"),
        (["lookup", "97012", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_argument_errors_are_one_line_with_a_pointer_to_help(capsys, argv, line):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = _err(capsys)
    assert err.count("\n") == 1 and line in err and "--help`" in err
    assert "usage:" not in err


def test_article_out_a_folder_is_refused(capsys, tmp_path):
    assert main(["article", "97012", "--out", str(tmp_path)]) == 2
    assert _err(capsys) == (
        f"cpt-workbook: error: --out {tmp_path} is a folder: give a file name, such as out.csv.\n"
    )
    target = tmp_path / "file.txt"
    target.write_text("keep")
    assert main(["article", "97012", "--out-dir", str(target)]) == 2
    assert "is a file, not a folder: give a folder for --out-dir." in _err(capsys)
    assert target.read_text() == "keep"


def test_ingest_strict_counts_attention_not_notes(capsys, tmp_path):
    text = (
        "CPT code 97110\n\nProcedure Explanation:\nExercises.\n\nRelative Value Units:\n"
        "Work RVU: 0.45\n\nDisclaimer:\nNot advice.\n"
    )
    article = tmp_path / "a.txt"
    article.write_text(text)
    status = main(["ingest", str(article), "--date", "2025-06-01", "--strict"])
    out = capsys.readouterr().out
    verdicts = set(re.findall(r"^\s+(agrees|note|new|stale|differs|missing)\b", out, re.M))
    assert status == (1 if verdicts - {"agrees", "note"} else 0)


def test_an_unwritable_output_is_one_line(capsys):
    # /dev/null is a file, so nothing can be written under it, even by root
    assert main(["article", "97012", "--out", "/dev/null/sub/a.txt"]) == 2
    err = _err(capsys)
    assert err.count("\n") == 1
    assert err.endswith("(/dev/null/sub): check the path and its permissions\n")


# --- property: random input never gives a traceback ----------------------------------------
_text = st.text(alphabet=string.printable + "éü\u00a0", max_size=12)
_codes = st.one_of(
    _text,
    st.sampled_from(["97012", "00100", "0001F", "72148-26", " g0283 ", "97012-", "99999", ""]),
)
_years = st.one_of(st.integers(-5, 99999).map(str), _text, st.sampled_from(["2025", "2026"]))
_places = st.one_of(_text, st.sampled_from(["US", "01112-05", "CA", "MANHATTAN", "ATLANTIS"]))
_dates = st.one_of(_text, st.dates().map(str))


def _commands(tmp: str):
    return st.one_of(
        st.tuples(
            st.just("lookup"),
            _codes,
            st.just("--year"),
            _years,
            st.just("--locality"),
            _places,
            st.just("--date"),
            _dates,
        ),  # fmt: skip
        st.tuples(st.just("icd10"), _text, _text, st.just("--date"), _dates),
        st.tuples(st.just("localities"), st.just("--year"), _years, st.just("--search"), _text),
        st.tuples(
            st.just("article"),
            _codes,
            st.just("--year"),
            _years,
            st.just("--out"),
            st.sampled_from([tmp, f"{tmp}/a.txt", "/", "/dev/null/x"]),
        ),  # fmt: skip
        st.tuples(
            st.just("practice"),
            st.sampled_from([tmp, "/nonexistent.csv", "/etc"]),
            st.just("--year"),
            _years,
            st.just("--locality"),
            _places,
        ),  # fmt: skip
        st.tuples(
            st.just("run"),
            st.sampled_from(["01_code_card", "nope", ""]),
            st.just("-p"),
            st.sampled_from(["cpt_code=", "year=1999", "locality=ATLANTIS", "x=1"]),
        ),  # fmt: skip
    )


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_commands_exit_0_or_2_without_a_traceback(data, tmp_path_factory, capsys):
    tmp = str(tmp_path_factory.mktemp("fuzz"))
    argv = [a for a in data.draw(_commands(tmp)) if "\x00" not in a]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse: one line, exit 2
        status = exc.code
    out, err = capsys.readouterr()
    assert status in (0, 2), (argv, err)
    assert "Traceback" not in err and "Traceback" not in out, argv
    if status == 2:
        assert err.count("\n") == 1 and err.startswith("cpt-workbook: error: "), (argv, err)


def test_the_curated_codes_by_year():
    # 2023 lists 52 of the 53 curated codes: 97037 starts in 2024
    rvus = load_rvus()
    curated = set(load_codes()["code"])
    listed = rvus[(rvus["modifier"] == "") & rvus["hcpcs"].isin(curated)]
    per_year = listed.groupby("year")["hcpcs"].nunique()
    assert per_year.loc[2023] == 52 and per_year.loc[2024] == 53
    assert "97037" not in set(listed.loc[listed["year"] == 2023, "hcpcs"])
