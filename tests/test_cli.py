import re
import subprocess
import sys

import pytest

from cpt_analysis.cli import main

SEED_FACTS = [
    "Spinal Traction",
    "Mechanical Traction Therapy",
    "Traction Treatment",
    "Operating room schedule name: Mechanical Traction",
    "Surgical consent form name: Mechanical Traction Therapy",
    "herniated disc",
    "non-invasive",
    "RVU25D",
    "RVU26C",
]


def test_lookup_97012_shows_the_seed_and_flags_the_stale_diagnoses(capsys):
    assert main(["lookup", "97012", "--date", "2025-06-01"]) == 0
    out = capsys.readouterr().out
    for fact in SEED_FACTS:
        assert fact in out, fact
    assert "  2025  RVU25D     0.25       0.18    0.18  0.01       32.3465" in out
    assert "  2026  RVU26C     0.24       0.18    0.18  0.01       33.4009" in out
    assert (
        "- M51.2: Other thoracic, thoracolumbar and lumbosacral intervertebral disc "
        "displacement -> NOT BILLABLE (header)" in out
    )
    assert "use a billable child: M51.24, M51.25, M51.26, M51.27" in out
    assert "- M54.5: Low back pain -> NOT BILLABLE (header)" in out
    assert "use a billable child: M54.50, M54.51, M54.59" in out
    assert "- M54.2: Cervicalgia -> billable" in out
    assert re.search(r"global +nonfacility +\$14\.36", out)  # 0.43 x 33.4009


def test_lookup_in_a_locality_with_26_and_tc(capsys):
    assert main(["lookup", "72148", "--year", "2025", "--locality", "01112-05"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"26 +nonfacility +\$77\.88", out)
    # NA is a note: CMS's payment files price the setting, with the PE RVU the file shows
    assert re.search(r"TC +facility +\$170\.58 +\(NA: rarely done here\)", out)
    # what is owed, under the chosen setting: 80% less 2% sequestration, 20%, 109.25%
    assert "Medicare pays $61.05, the patient $15.58; limiting charge $85.08" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lookup", "9701"], "'9701' is not a CPT/HCPCS code"),
        (["lookup", "ABCDE"], "'ABCDE' is not a CPT/HCPCS code"),
        (["lookup", "97012-"], "'97012-' is not a CPT/HCPCS code"),
        (
            ["lookup", "99999"],
            "99999 is not in the workbook's tables (no CMS RVU file of 2020-2026 lists it): "
            "check the code, or import the official CMS RVU file",
        ),
        (["lookup", "97012", "--year", "2031"], "no RVUs for 2031"),
        (
            ["lookup", "97012", "--year", "2025", "--locality", "Atlantis"],
            "'Atlantis' is not a Medicare locality in 2025",
        ),
        (["import-cms", "missing/PPRRVU2025.csv"], "missing/PPRRVU2025.csv does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cpt-workbook: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_icd10_command(capsys):
    assert main(["icd10", "M54.5", "m542", "--date", "2021-09-30"]) == 0
    out = capsys.readouterr().out
    assert "M54.5      billable   Low back pain" in out
    assert main(["icd10", "M54.5", "--strict", "--date", "2022-01-01"]) == 1


def test_console_script_with_a_truncated_file_has_no_traceback(tmp_path):
    bad = tmp_path / "PPRRVU2025_Oct.csv"
    bad.write_text("HCPCS,MOD,DESCRIPTION\n97012,,x\n")
    run = subprocess.run(
        [sys.executable, "-m", "cpt_analysis.cli", "import-cms", str(bad)],
        capture_output=True,
        text=True,
        env={"CPT_WORKBOOK_STORE": str(tmp_path / "s"), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2
    assert run.stderr.startswith("cpt-workbook: error: PPRRVU2025_Oct.csv: column")
    assert "Traceback" not in run.stderr


def test_help_everywhere(capsys):
    for argv in (
        ["--help"],
        ["lookup", "--help"],
        ["import-cms", "--help"],
        ["icd10", "--help"],
        ["localities", "--help"],
        ["practice", "--help"],
        ["run", "--help"],
        ["notebooks", "--help"],
        ["store", "--help"],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        assert "usage: cpt-workbook" in capsys.readouterr().out


def test_practice_command_on_the_sample(capsys, tmp_path):
    rejected = tmp_path / "rejected.csv"
    assert main(["practice", "--rejected", str(rejected), "--excel", str(tmp_path / "t.xlsx")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2,000 claim lines of 2025 for all providers (sample_encounters.csv)")
    assert "rows in the file  2000" in out
    assert len(rejected.read_text().strip().splitlines()) == 1  # the header: the sample is clean
    for finding in (
        "NCCI procedure-to-procedure        53",
        "therapy threshold without KX         8",
    ):
        assert finding in out
    assert main(["practice", str(tmp_path / "none.csv")]) == 2
    assert "none.csv does not exist: check the path." in capsys.readouterr().err


def test_lookup_one_modifier_row(capsys):
    assert main(["lookup", "72148-26", "--year", "2025", "--locality", "MANHATTAN"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\n  26 +A +1\.48 +0\.54 +0\.54 +0\.07 +2\.09 +2\.09\n", out)
    assert not re.search(r"\n  TC +A", out)
    assert main(["lookup", "97012-26", "--year", "2025"]) == 2
    assert (
        "97012 has no row for modifier 26 in 2025: its rows are: global (no modifier)."
        in capsys.readouterr().err
    )
