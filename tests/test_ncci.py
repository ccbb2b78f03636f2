"""The shipped NCCI tables equal CMS's 2024Q3 practitioner files row for row; the loaders,
the lookup and the import of a newer quarter (on small CMS-shaped files)."""

import gzip

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.errors import WorkbookError
from cpt_analysis.reference import ncci
from cpt_analysis.reference.ncci_files import derive, quarter_start


@pytest.fixture(scope="module")
def ncci_dir():
    path = config.shared_cms_dir().parent / "ncci" / "2024q3"
    if not (path / "ncci_mue_prac_2024q3.csv").exists():
        pytest.skip(f"official NCCI files not found at {path} (they live outside the repository)")
    return path


def test_shipped_ptp_is_every_active_pair_of_the_official_file(ncci_dir):
    raw = pd.read_csv(ncci_dir / "ncci_ptp_prac_2024q3_all.csv.gz", dtype=str)
    # deleted before July 1 2024 (the file's latest deletion is 20240630) or indicator 9: out
    active = raw[(raw["deletion_date"] == "*") & raw["modifier_indicator"].isin(["0", "1"])]
    shipped = ncci.load_ptp("2024Q3")
    assert len(shipped) == len(active) == 1_669_820
    want = active.sort_values(["column_1", "column_2"]).reset_index(drop=True)
    assert (shipped["column_1"].to_numpy() == want["column_1"].to_numpy()).all()
    assert (shipped["column_2"].to_numpy() == want["column_2"].to_numpy()).all()
    assert (shipped["modifier_indicator"].astype(str).to_numpy() ==
            want["modifier_indicator"].to_numpy()).all()  # fmt: skip
    assert (shipped["rationale"].astype(str).to_numpy() == want["rationale"].to_numpy()).all()
    assert set(shipped["source"].astype(str)) == {
        "CMS NCCI practitioner PTP edits 2024Q3 (ncci_ptp_prac_2024q3_all.csv.gz)"
    }


def test_shipped_mue_and_aoc_equal_the_official_files(ncci_dir):
    raw = pd.read_csv(ncci_dir / "ncci_mue_prac_2024q3.csv", dtype=str)
    mue = ncci.load_mue("2024Q3")
    assert len(mue) == len(raw) == 14_677
    want = raw.sort_values("hcpcs_code").reset_index(drop=True)
    assert mue["hcpcs"].tolist() == want["hcpcs_code"].tolist()
    assert mue["mue_units"].astype(str).tolist() == want["mue_units"].tolist()
    assert mue["mai"].astype(str).tolist() == want["mue_mai"].tolist()
    raw = pd.read_csv(ncci_dir / "ncci_aoc_2024q3.csv", dtype=str)
    aoc = ncci.load_aoc("2024Q3")
    want = raw.sort_values(["add_on_code", "primary_code"]).reset_index(drop=True)
    assert len(aoc) == len(want) == 7_465
    assert aoc["add_on"].tolist() == want["add_on_code"].tolist()
    assert aoc["primary"].tolist() == want["primary_code"].tolist()
    assert aoc["aoc_edit_type"].astype(str).tolist() == want["aoc_edit_type"].tolist()


def test_known_edits():
    found = ncci.lookup(["97012", "97140"])
    assert found["quarter"] == "2024Q3"
    pair = found["pairs"].iloc[0]
    assert (pair["column_1"], pair["column_2"], pair["modifier_indicator"]) == ("97012", "97140", 1)
    assert len(found["pairs"]) == 1
    mue = found["mue"].set_index("hcpcs")
    assert mue.loc["97012", "mue_units"] == 1 and mue.loc["97140", "mue_units"] == 6
    assert mue.loc["97140", "applies"] == "per day (clinical)"
    aoc = ncci.lookup(["64484"])["add_on"]
    assert aoc[["primary", "aoc_edit_type"]].values.tolist() == [["64483", 1]]
    with pytest.raises(WorkbookError, match="NCCI quarter 2025Q1 is not available"):
        ncci.load_ptp("2025Q1")
    with pytest.raises(WorkbookError, match="'spring' is not a quarter"):
        ncci.check_quarter("spring")


PTP_TXT = (
    "CPT codes, descriptions and other data only are copyright 2024 American Medical Association.\n"
    "\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t"
    "Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n"
    "97012\t97140\t\t20020101\t*\t1\tMutually exclusive procedures\n"
    "11111\t22222\t\t20020101\t20241231\t0\tStandards of practice\n"  # deleted at the end of 2024
    "33333\t44444\t\t20020101\t*\t9\tNot applicable\n"  # 9: does not apply
)
MUE_CSV = (
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    "97012,1,3 Date of Service Edit: Clinical,Clinical: Data\n"
    "97110,6,3 Date of Service Edit: Clinical,Clinical: Data\n"
)
AOC_CSV = "Add-on Code,Primary Code,AOC Edit Type\n64484,64483,1\n"


def write_quarter(folder, ptp=PTP_TXT):
    folder.mkdir()
    (folder / "ptp_2025q1.txt").write_text(ptp)
    with gzip.open(folder / "mue_2025q1.csv.gz", "wt") as handle:
        handle.write(MUE_CSV)
    (folder / "aoc_2025q1.csv").write_text(AOC_CSV)
    (folder / "notes.pdf").write_bytes(b"%PDF")  # ignored
    return folder


def test_cms_shaped_files_derive_by_their_headers(tmp_path):
    tables = derive(write_quarter(tmp_path / "q"))
    ptp = tables["ptp"]
    # 2025Q1 starts on Jan 1 2025: the pair deleted on Dec 31 2024 is gone, and so is the 9
    assert ptp[["column_1", "column_2", "modifier_indicator"]].values.tolist() == [
        ["97012", "97140", 1]
    ]
    assert set(ptp["quarter"]) == {"2025Q1"}
    assert tables["mue"]["mai"].tolist() == [3, 3]
    assert tables["aoc"][["add_on", "primary"]].values.tolist() == [["64484", "64483"]]
    # in 2024Q4 the pair deleted on Dec 31 2024 is still in force (files whose names say no
    # quarter: the names of these say 2025Q1, which a --quarter may not contradict)
    older = tmp_path / "older"
    older.mkdir()
    for path in (tmp_path / "q").iterdir():
        (older / path.name.replace("_2025q1", "")).write_bytes(path.read_bytes())
    assert len(derive(older, "2024Q4")["ptp"]) == 2
    assert quarter_start("2024q3").isoformat() == "2024-07-01"


def test_import_a_newer_quarter_into_the_store(tmp_path, tmp_store):
    rows = ncci.import_quarter(write_quarter(tmp_path / "q"))
    assert rows == {"ptp": 1, "mue": 2, "aoc": 1, "quarter": "2025Q1"}
    assert ncci.quarters() == ["2024Q3", "2025Q1"]
    assert ncci.latest_quarter() == "2025Q1"
    assert (tmp_store / "ncci" / "ptp_2025q1.parquet").is_file()
    assert ncci.load_mue()["hcpcs"].tolist() == ["97012", "97110"]
    assert len(ncci.load_ptp("2024Q3")) == 1_669_820  # the shipped quarter is still there


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: p / "none", "none is not a folder"),
        (lambda p: (p / "f.csv").write_text("x") and p / "f.csv", "f.csv is not a folder"),
        (lambda p: p, "has no NCCI PTP, MUE, AOC file"),
    ],
)
def test_import_refuses_what_is_not_a_quarter(tmp_path, setup, message):
    with pytest.raises(WorkbookError, match=message):
        ncci.import_quarter(setup(tmp_path))


def test_import_refuses_a_bad_cell_and_writes_nothing(tmp_path, tmp_store):
    bad = PTP_TXT.replace("\t*\t1\t", "\tsoon\t1\t")
    with pytest.raises(WorkbookError, match="deletion date 'soon' is not a date"):
        ncci.import_quarter(write_quarter(tmp_path / "q", bad))
    assert not (tmp_store / "ncci").exists()
    folder = write_quarter(tmp_path / "q2")
    (folder / "ptp_2025q1.txt").rename(folder / "ptp.txt")
    (folder / "aoc_2025q1.csv").rename(folder / "aoc.csv")
    (folder / "mue_2025q1.csv.gz").rename(folder / "mue.csv.gz")
    with pytest.raises(WorkbookError, match="do not say one quarter"):
        ncci.import_quarter(folder)
    assert ncci.import_quarter(folder, "2025Q2")["ptp"] == 1


# --- the edits on claim lines (cpt_analysis.practice.edits), hand-checked -------------------
HEADER = "DOS,Provider,Patient ID,CPT,Mod 1,Mod 2,Units,Minutes,Dx1,POS"


def lines_of(tmp_path, *rows):
    from cpt_analysis.practice.intake import read_encounters

    path = tmp_path / "claims.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    result = read_encounters(path)
    assert result.counts["rejected"] == 0, result.rejected
    return result.accepted


def test_ptp_pair_without_modifier_denies_the_column_two_code(tmp_path):
    from cpt_analysis.practice.edits import PTP, edit_findings

    lines = lines_of(
        tmp_path,
        "2025-03-04,Ann Lee PT,P1,97012,GP,,1,,M54.2,11",  # row 2
        "2025-03-04,Ann Lee PT,P1,97140,GP,,1,10,M54.2,11",  # row 3: denied
        "2025-03-04,Ann Lee PT,P2,97012,GP,,1,,M54.2,11",  # row 4
        "2025-03-04,Ann Lee PT,P2,97140,GP,59,1,10,M54.2,11",  # row 5: 59, paid
        "2025-03-05,Ann Lee PT,P1,97140,GP,,1,10,M54.2,11",  # row 6: another day
        "2025-03-04,Bo Diaz DC,P1,97140,GP,,1,10,M54.2,11",  # row 7: another provider
        "2025-03-04,Ann Lee PT,P3,97012,GP,,1,,M54.2,11",  # row 8
        "2025-03-04,Ann Lee PT,P3,97140,GP,XS,1,10,M54.2,11",  # row 9: XS, paid
    )
    found = edit_findings(lines)
    assert found["line_ref"].tolist() == [3]
    row = found.iloc[0]
    assert (row["finding"], row["cpt"], row["provider"]) == (PTP, "97140", "Ann Lee PT")
    assert row["detail"] == (
        "NCCI 2024Q3: 97140 billed with 97012 for the patient that day by the same provider; "
        "97140 is the column-two code, denied (mutually exclusive procedures; modifier "
        "indicator 1)"
    )
    assert row["suggestion"].startswith("if 97140 was a distinct service")


def test_ptp_indicator_zero_is_a_finding_even_with_59(tmp_path):
    from cpt_analysis.practice.edits import ptp_findings
    from cpt_analysis.reference.ncci import load_ptp

    ptp = load_ptp().set_index(["column_1", "column_2"])
    assert ptp.loc[("98941", "98940"), "modifier_indicator"] == 0  # the larger one includes it
    assert ptp.loc[("20552", "99213"), "modifier_indicator"] == 1
    lines = lines_of(
        tmp_path,
        "2025-03-04,Bo Diaz DC,P1,98941,,,1,,M54.2,11",  # row 2
        "2025-03-04,Bo Diaz DC,P1,98940,59,,1,,M54.2,11",  # row 3: 59 changes nothing
        "2025-03-04,Dr Ray,P1,20552,,,1,,M62.81,11",  # row 4
        "2025-03-04,Dr Ray,P1,99213,25,,1,,M62.81,11",  # row 5: 25 on the E/M: paid
        "2025-03-05,Dr Ray,P1,20552,,,1,,M62.81,11",  # row 6
        "2025-03-05,Dr Ray,P1,99213,,,1,,M62.81,11",  # row 7: no 25: denied
    )
    found = ptp_findings(lines)
    assert found["line_ref"].tolist() == [3, 7]
    assert found["cpt"].tolist() == ["98940", "99213"]
    assert "modifier indicator 0: never paid together" in found["detail"].iloc[0]
    assert found["suggestion"].tolist() == [
        "remove 98940, or bill it another day: no modifier lets 98941 and 98940 be paid together",
        "if 99213 was a distinct service (another session, site or encounter, documented), "
        "append 25 to 99213; otherwise 99213 is not payable",
    ]


def test_mue_per_line_and_per_day(tmp_path):
    from cpt_analysis.practice.edits import MUE, mue_findings
    from cpt_analysis.reference.ncci import load_mue

    mue = load_mue().set_index("hcpcs")
    assert (mue.loc["99486", "mue_units"], mue.loc["99486", "mai"]) == (4, 1)  # per line
    assert (mue.loc["97110", "mue_units"], mue.loc["97110", "mai"]) == (6, 3)
    lines = lines_of(
        tmp_path,
        "2025-03-04,Ann Lee PT,P1,97110,GP,,4,60,M54.2,11",  # row 2: 4 + 3 = 7 > 6 a day
        "2025-03-04,Ann Lee PT,P1,97110,GP,,3,45,M54.2,11",  # row 3
        "2025-03-04,Ann Lee PT,P2,97110,GP,,6,90,M54.2,11",  # row 4: 6 = the MUE, fine
        "2025-03-04,Dr Ray,P1,99486,,,5,,M54.2,21",  # row 5: 5 > 4 on one line
        "2025-03-04,Dr Ray,P2,99486,,,3,,M54.2,21",  # row 6: fine
        "2025-03-04,Dr Ray,P2,99486,,,3,,M54.2,21",  # row 7: per line, two lines are fine
    )
    found = mue_findings(lines).sort_values("line_ref")
    assert found["line_ref"].tolist() == [2, 5]
    assert set(found["finding"]) == {MUE}
    assert found["detail"].tolist() == [
        "NCCI 2024Q3: 97110 billed 7 units for the patient that day by the same provider "
        "(2 lines); its MUE is 6 per day (clinical)",
        "NCCI 2024Q3: 99486 billed 5 units on one line; its MUE is 4 per line",
    ]


def test_add_on_without_its_primary(tmp_path):
    from cpt_analysis.practice.edits import ADD_ON, add_on_findings

    lines = lines_of(
        tmp_path,
        "2025-03-04,Dr Ray,P1,64484,,,1,,M54.16,22",  # row 2: no 64483 that day: finding
        "2025-03-05,Dr Ray,P1,64483,,,1,,M54.16,22",  # row 3
        "2025-03-05,Dr Ray,P1,64484,,,1,,M54.16,22",  # row 4: with its primary, fine
    )
    found = add_on_findings(lines)
    assert found["line_ref"].tolist() == [2] and set(found["finding"]) == {ADD_ON}
    assert found["detail"].iloc[0] == (
        "NCCI 2024Q3: add-on code 64484 billed without any of its primary codes (64483) for "
        "the patient that day by the same provider"
    )


def test_without_patient_ids_only_per_line_edits_are_judged(tmp_path):
    from cpt_analysis.practice.edits import edit_findings

    path = tmp_path / "c.csv"
    path.write_text(
        "DOS,Provider,CPT,Units,Dx1,POS\n2025-03-04,A,97012,1,M54.2,11\n"
        "2025-03-04,A,97140,1,M54.2,11\n2025-03-04,A,64484,1,M54.16,11\n"
        "2025-03-04,A,99486,5,M54.2,21\n"
    )
    from cpt_analysis.practice.intake import read_encounters

    found = edit_findings(read_encounters(path).accepted)
    assert found["line_ref"].tolist() == [5]  # 99486 x5 on one line
    assert "Patient" not in " ".join(found.columns)


# --- the command -----------------------------------------------------------------------------
def test_ncci_command(capsys):
    from cpt_analysis.cli import main

    assert main(["ncci", "97012", "97140"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NCCI 2024Q3 practitioner edits\n")
    assert "97012    97140                   1 Mutually exclusive procedures" in out
    assert "97140         6 per day (clinical)" in out
    assert main(["ncci", "64484"]) == 0
    out = capsys.readouterr().out
    assert " 64484   64483              1 only the primary codes listed" in out
    assert "(first 40 of 5,638)" in out  # every pair 64484 is in, the first 40 shown


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ncci"], "no code given: e.g. `cpt-workbook ncci 97012 97140`."),
        (["ncci", "97012", "--quarter", "2031Q1"], "NCCI quarter 2031Q1 is not available"),
        (["ncci", "97012", "--quarter", "soon"], "'soon' is not a quarter: write it as 2024Q3."),
        (["ncci", "97012", "--import", "x"], "give codes or --import FOLDER, not both"),
        (["ncci", "--import", "/nonexistent"], "/nonexistent is not a folder"),
    ],
)
def test_ncci_command_mistakes_are_one_line(capsys, argv, message):
    from cpt_analysis.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_ncci_command_imports_a_quarter(tmp_path, capsys):
    from cpt_analysis.cli import main

    assert main(["ncci", "--import", str(write_quarter(tmp_path / "q"))]) == 0
    assert capsys.readouterr().out == (
        "imported NCCI 2025Q1: 1 active pairs, 2 MUE codes, 1 add-on rows\n"
    )
    assert main(["ncci", "97110"]) == 0
    assert capsys.readouterr().out.startswith("NCCI 2025Q1 practitioner edits")


def test_each_line_is_judged_by_the_quarter_in_force_on_its_date(tmp_path):
    from cpt_analysis.practice.audit import summary
    from cpt_analysis.practice.edits import edit_findings

    lines = lines_of(
        tmp_path,
        "2024-03-04,Ann Lee PT,P1,97012,GP,,1,,M54.2,11",  # before 2024Q3: the oldest judges
        "2024-03-04,Ann Lee PT,P1,97140,GP,,1,10,M54.2,11",
        "2024-12-02,Ann Lee PT,P1,97012,GP,,1,,M54.2,11",
        "2024-12-02,Ann Lee PT,P1,97140,GP,,1,10,M54.2,11",
        "2025-03-04,Ann Lee PT,P1,97012,GP,,1,,M54.2,11",
        "2025-03-04,Ann Lee PT,P1,97140,GP,,1,10,M54.2,11",
    )
    assert edit_findings(lines)["detail"].str[:11].tolist() == ["NCCI 2024Q3"] * 3
    ncci.import_quarter(write_quarter(tmp_path / "q"))  # 2025Q1, from January 1 2025
    found = edit_findings(lines).sort_values("line_ref")
    assert found["line_ref"].tolist() == [3, 5, 7]
    assert found["detail"].str[:11].tolist() == ["NCCI 2024Q3", "NCCI 2024Q3", "NCCI 2025Q1"]
    note = summary(found).set_index("finding").loc["NCCI procedure-to-procedure", "note"]
    assert note == "Medicare's NCCI 2024Q3, 2025Q1 practitioner edits"
    assert edit_findings(lines, "2025Q1")["detail"].str[:11].tolist() == ["NCCI 2025Q1"] * 3


def test_import_refuses_a_contradicting_quarter_a_damaged_gzip_and_a_bad_code(tmp_path, capsys):
    from cpt_analysis.cli import main

    folder = write_quarter(tmp_path / "q")
    with pytest.raises(WorkbookError, match="say 2025Q1, not 2024Q4: leave out --quarter"):
        ncci.import_quarter(folder, "2024Q4")
    (folder / "mue_2025q1.csv.gz").write_bytes(gzip.compress(MUE_CSV.encode())[:30])
    with pytest.raises(WorkbookError, match="mue_2025q1.csv.gz is a damaged gzip file"):
        ncci.import_quarter(folder)
    assert ncci.quarters() == ["2024Q3"]  # nothing imported
    assert main(["ncci", "97-12"]) == 2
    err = capsys.readouterr().err
    assert "97-12" in err and err.count("\n") == 1


def test_ncci_command_on_codes_without_edits(capsys):
    from cpt_analysis.cli import main

    assert main(["ncci", "00100", "0001F"]) == 0
    out = capsys.readouterr().out
    assert "No procedure-to-procedure pair among these codes." in out
    assert "0001F            no MUE" in out
