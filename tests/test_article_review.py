"""Checking articles against the tables, `cpt-workbook article` and `cpt-workbook ingest`."""

import datetime as dt

import pandas as pd
import pytest

from cpt_analysis import WorkbookError
from cpt_analysis.articles.review import add_to_store, review, review_file
from cpt_analysis.articles.text import parse
from cpt_analysis.cli import main
from cpt_analysis.fees.pairings import diagnoses_for
from cpt_analysis.reference import store
from cpt_analysis.reference.loaders import load_common_names, load_pairings

DAY = "2026-06-01"


def _finding(findings, part, item):
    hit = findings[(findings["part"] == part) & (findings["item"] == item)]
    assert len(hit) == 1, (part, item, findings[["part", "item"]].to_string())
    return hit.iloc[0]


def test_the_seed_is_checked_against_the_official_figures(seed_path):
    result = review_file(seed_path, DAY)
    f = result.findings
    rvu = _finding(f, "RVU", "0.25")
    assert rvu["verdict"] == "stale"
    assert rvu["detail"].startswith(
        "0.25 is the work RVU of 97012 in 2020-2025 (RVU20D, RVU21D, RVU22D, RVU23D, RVU24C, "
        "RVU25D); "
        "the latest file, RVU26C (July 2026), has 0.24"
    )
    m512 = _finding(f, "Associated ICD-10 Codes", "M51.2")
    assert m512["verdict"] == "not billable"
    assert (
        "a header (Other thoracic, thoracolumbar and lumbosacral intervertebral disc "
        in m512["detail"]
    )
    assert "bill one of M51.24, M51.25, M51.26, M51.27 instead" in m512["detail"]
    m545 = _finding(f, "Associated ICD-10 Codes", "M54.5")
    assert m545["verdict"] == "stale"
    assert m545["detail"].startswith(
        "billable until 2021-09-30, now a header (Low back pain), not billable on 2026-06-01 "
        "(FY2026): bill one of M54.50, M54.51, M54.59 instead"
    )
    assert _finding(f, "Associated ICD-10 Codes", "M54.2")["verdict"] == "agrees"
    for name in ("Spinal Traction", "Mechanical Traction Therapy", "Traction Treatment"):
        assert _finding(f, "Common Names", name)["verdict"] == "agrees"
    assert _finding(f, "Opening", "quoted descriptor")["verdict"] == "note"
    assert result.counts() == {"agrees": 6, "stale": 2, "not billable": 1, "note": 1}


def test_the_seed_ingest_command(seed_path, capsys):
    assert main(["ingest", str(seed_path), "--date", DAY]) == 0
    out = capsys.readouterr().out
    assert "CPT 97012, 8 of 8 sections, ICD-10-CM checked on 2026-06-01" in out
    assert "0.25 is the work RVU of 97012 in 2020-2025" in out
    assert "the latest file, RVU26C (July 2026), has 0.24" in out
    assert "not billable Associated ICD-10 Codes: M51.2" in out
    assert "10 findings: 6 agrees, 2 stale, 1 not billable, 1 note" in out
    assert main(["ingest", str(seed_path), "--date", DAY, "--strict"]) == 1


OURS = """\
CPT code 97012 refers to traction by machine.
Common Names:
- Spinal Traction
- Decompression Table Session
Relative Value Units (RVU):
0.31 RVUs
How This Procedure Appears:
- Operating Room Schedule Name: Machine Traction
Associated ICD-10 Codes:
- M54.16: Radiculopathy, lumbar region
- M54.99: Not a real code
- M54.2
"""


def test_every_difference_is_reported():
    f = review(parse(OURS), "ours.txt", DAY)
    rvu = _finding(f, "RVU", "0.31")
    assert rvu["verdict"] == "differs"
    assert rvu["detail"] == (
        "0.31 is not an official RVU of 97012 in any year the workbook has: work RVU 0.25 in "
        "2020-2025, 0.24 in 2026; total RVU in an office 0.43 in 2020-2021, 0.42 in 2022, 0.43 in "
        "2023, 0.42 in 2024, 0.44 in 2025, 0.43 in 2026; total RVU in a facility 0.43 in "
        "2020-2021, 0.42 in 2022, 0.43 in 2023, 0.42 in 2024, 0.44 in 2025, 0.43 in 2026"
    )
    assert _finding(f, "Common Names", "Spinal Traction")["verdict"] == "agrees"
    new = _finding(f, "Common Names", "Decompression Table Session")
    assert new["verdict"] == "new"
    assert new["detail"] == (
        "the workbook's common names are: Spinal Traction, Mechanical Traction Therapy, "
        "Traction Treatment"
    )
    orname = _finding(f, "Operating Room Schedule Name", "Machine Traction")
    assert (orname["verdict"], orname["detail"]) == (
        "differs",
        "the workbook has 'Mechanical Traction'",
    )
    m5416 = _finding(f, "Associated ICD-10 Codes", "M54.16")
    assert m5416["verdict"] == "new"
    assert m5416["detail"].endswith("the tables do not pair it with 97012")
    unknown = _finding(f, "Associated ICD-10 Codes", "M54.99")
    assert (unknown["verdict"], unknown["detail"]) == (
        "unknown",
        "not in the ICD-10-CM code set on 2026-06-01 (FY2026)",
    )
    missing = f.loc[f["verdict"] == "missing", "item"].tolist()
    assert missing == [
        "Procedure Explanation",
        "Surgical Consent Form Name",
        "Typical Patients and Diagnoses",
        "Summary",
        "Disclaimer",
    ]


def test_a_code_the_workbook_lacks():
    text = "HCPCS code G0999 is made up.\nCommon Names:\n- Thing\nSummary\nNone.\n"
    f = review(parse(text), "x.txt", DAY)
    code = _finding(f, "Code", "G0999")
    assert code["verdict"] == "unknown"
    with pytest.raises(WorkbookError) as err:
        add_to_store(review_file_from_text(text))
    assert str(err.value) == (
        "G0999 has no RVUs in the workbook, so its names and pairings are not added: import the "
        "official CMS RVU file with `cpt-workbook import-cms PATH` first."
    )


def review_file_from_text(text, tmp=None):
    from cpt_analysis.articles.review import Review

    article = parse(text)
    return Review(article, "x.txt", "0" * 64, DAY, review(article, "x.txt", DAY))


def test_add_puts_new_names_and_pairings_in_the_store_with_their_source(tmp_path, tmp_store):
    path = tmp_path / "ours.txt"
    path.write_text(OURS, encoding="utf-8")
    result = review_file(path, DAY)
    added = add_to_store(result, today=dt.date(2026, 11, 27))
    assert added.names_added == ["Decompression Table Session"]
    assert added.names_present == ["Spinal Traction"]
    assert added.pairings_added == ["M54.16", "M54.99"]
    assert added.pairings_present == ["M54.2"]
    assert added.rejected == []
    source = f"article ours.txt (sha256 {result.sha256[:12]}), added 2026-11-27"
    names = load_common_names()
    row = names[names["common_name"] == "Decompression Table Session"].iloc[0]
    assert (row["code"], row["source"]) == ("97012", source)
    pairs = load_pairings()
    mine = pairs[pairs["source"] == source].set_index("icd10")
    assert mine.index.tolist() == ["M54.16", "M54.99"]
    assert mine.loc["M54.99", "note"].startswith("unknown when ingested: not in the ICD-10-CM")
    assert mine.loc["M54.16", "note"] == ""
    assert isinstance(pairs["relationship"].dtype, pd.CategoricalDtype)
    # the code card's diagnoses now show the pairing, with its source
    dx = diagnoses_for("97012", DAY).set_index("icd10")
    assert dx.loc["M54.16", "source"] == source
    # a second ingest adds nothing: every item is already there
    again = add_to_store(review_file(path, DAY))
    assert again.names_added == [] and again.pairings_added == []
    assert len(again.names_present) + len(again.pairings_present) == 2 + 3
    assert len(store.load_additions("pairings")) == 2


def test_a_failed_write_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "ours.txt"
    path.write_text(OURS, encoding="utf-8")
    add_to_store(review_file(path, DAY))
    before = store.additions_path("common_names").read_bytes()
    path.write_text(OURS.replace("Decompression Table Session", "Traction Bed"), encoding="utf-8")

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError):
        add_to_store(review_file(path, DAY))
    assert store.additions_path("common_names").read_bytes() == before
    assert list(store.additions_path("common_names").parent.glob("*.tmp*")) == []


def test_ingest_cli_add_and_bad_files(tmp_path, capsys):
    good = tmp_path / "ours.txt"
    good.write_text(OURS, encoding="utf-8")
    bad = tmp_path / "list.txt"
    bad.write_text("milk\neggs\n", encoding="utf-8")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    status = main(
        [
            "ingest",
            str(good),
            str(bad),
            str(binary),
            str(tmp_path / "nope.txt"),
            "--add",
            "--date",
            DAY,
        ]
    )
    assert status == 2
    captured = capsys.readouterr()
    assert (
        "added to the local store: 1 common name(s) (1 already there), 2 pairing(s) "
        "(1 already there), 0 rejected" in captured.out
    )
    errors = captured.err.strip().splitlines()
    assert errors == [
        f"cpt-workbook: error: {bad} is not a code article: it names no CPT or HCPCS code: a "
        "code article opens like 'CPT code 97012 refers to ...' and has headings such as Common "
        "Names:, Relative Value Units (RVU): and Associated ICD-10 Codes:.",
        f"cpt-workbook: error: {binary} is not UTF-8 text: save the article as UTF-8 text.",
        f"cpt-workbook: error: {tmp_path / 'nope.txt'} does not exist: check the path of the "
        "article file.",
    ]


def test_article_cli_writes_the_file_and_it_checks_clean(tmp_path, capsys):
    out = tmp_path / "97110.txt"
    assert main(["article", "97110", "--year", "2025", "--date", DAY, "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"article written to {out}\n"
    result = review_file(out, DAY)
    bad = result.findings[~result.findings["verdict"].isin(["agrees"])]
    assert bad.empty, bad.to_string()
    assert _finding(result.findings, "RVU", "0.45")["detail"] == (
        "0.45 is the work RVU of 97110 in 2020-2026 (RVU20D, RVU21D, RVU22D, RVU23D, RVU24C, "
        "RVU25D, RVU26C); the latest "
        "file is RVU26C (July 2026); with practice expense and malpractice the total in an office "
        "is 0.87 in 2026"
    )
    assert main(["article", "9701"]) == 2
    assert capsys.readouterr().err == (
        "cpt-workbook: error: '9701' is not a CPT/HCPCS code: use 5 characters such as 97012, "
        "00100, 0001F or G0283.\n"
    )


@pytest.mark.parametrize(
    "figure, verdict, detail",
    [
        (
            "0.43",
            "agrees",
            "0.43 is the total RVU in an office and the total RVU in a facility of 97012 in "
            "2020-2021, 2023 and 2026 (RVU20D, RVU21D, RVU23D, RVU26C); the latest file is RVU26C "
            "(July 2026)",
        ),
        (
            "0.44 RVUs",
            "stale",
            "0.44 is the total RVU in an office and the total RVU in a facility of 97012 in 2025 "
            "(RVU25D); the latest file, RVU26C (July 2026), has 0.43",
        ),
    ],
)
def test_a_total_rvu_figure_is_recognised(figure, verdict, detail):
    text = f"CPT code 97012 is traction.\nRVUs: {figure}\nCommon Names:\n- Spinal Traction\n"
    row = review(parse(text), "x.txt", DAY).iloc[0]
    assert (row["part"], row["verdict"], row["detail"]) == ("RVU", verdict, detail)


def test_ingest_writes_the_findings_for_a_spreadsheet(tmp_path, capsys):
    good = tmp_path / "ours.txt"
    good.write_text(OURS.replace("Decompression Table Session", "=HYPERLINK(1)"), encoding="utf-8")
    out = tmp_path / "findings.csv"
    assert main(["ingest", str(good), "--date", DAY, "--out", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"findings written to {out}\n")
    table = pd.read_csv(out, dtype="str", keep_default_na=False)
    assert list(table.columns) == ["source", "code", "part", "item", "verdict", "detail"]
    assert table["code"].unique().tolist() == ["97012"]
    rvu = table[table["part"] == "RVU"].iloc[0]
    assert (rvu["item"], rvu["verdict"]) == ("0.31", "differs")
    assert "'=HYPERLINK(1)" in table["item"].tolist()  # arrives as text, not a formula
    xlsx = tmp_path / "findings.xlsx"
    assert main(["ingest", str(good), "--date", DAY, "--out", str(xlsx)]) == 0
    sheet = pd.read_excel(xlsx, sheet_name="Findings", dtype="str")
    assert len(sheet) == len(table)
    assert main(["ingest", str(good), "--out", str(tmp_path / "f.txt")]) == 2
    assert capsys.readouterr().err.endswith(
        "is neither .csv nor .xlsx: name the file x.csv or x.xlsx.\n"
    )


def test_article_cli_writes_a_folder_of_articles(tmp_path, capsys):
    folder = tmp_path / "handouts"
    assert main(["article", "97012", "00100", "--date", DAY, "--out-dir", str(folder)]) == 0
    assert capsys.readouterr().out == f"2 article(s) written to {folder}\n"
    assert sorted(p.name for p in folder.iterdir()) == ["00100.txt", "97012.txt"]
    assert parse((folder / "00100.txt").read_text(encoding="utf-8")).code == "00100"
    assert main(["article", "--all", "--date", DAY, "--out-dir", str(folder)]) == 0
    assert capsys.readouterr().out == f"53 article(s) written to {folder}\n"
    assert len(list(folder.glob("*.txt"))) == 53
    assert main(["article", "97012", "00100"]) == 2
    assert capsys.readouterr().err == (
        "cpt-workbook: error: 2 codes were given: use --out-dir DIR for several articles.\n"
    )
    assert main(["article"]) == 2
    assert capsys.readouterr().err == (
        "cpt-workbook: error: no code given: name one or more codes, or use --all.\n"
    )
    # one bad code stops the batch before anything is written
    assert main(["article", "97110", "99999", "--out-dir", str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()
