"""Hostile encounter exports (issue 9): no patient identifier in any output, nothing lost or
overwritten, no silent wrong number, and columns named from the terminal or notebook 04."""

import io
import re
import shlex
import subprocess
import sys
import zipfile

import openpyxl
import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice import intake as encounters
from cpt_analysis.practice.intake import BAD_CHARGE, BAD_MINUTES, BAD_UNITS, BLANK, read_encounters
from cpt_analysis.practice.report import practice_report
from cpt_analysis.reports.runner import run_one

# identifier columns of real exports (the list, then more of the same kind), none of
# which the workbook maps to a field
IDENTIFIERS = ["Pt ID", "Patient MRN", "Patient Name (Last, First)", "Member #", "Acct #",
               "Med Rec #", "Client ID", "Name", "Patient Identifier", "SSN", "DOB",
               "Date of Birth", "Guarantor", "Subscriber ID", "Insurance ID", "MBI", "Phone",
               "Home Address", "Email", "Notes", "Claim #", "Chart #", "Visit #"]  # fmt: skip
FIELDS = ["DOS", "Rendering Provider", "CPT", "Mod1", "Units", "Minutes", "Dx1", "POS", "Charge"]
# two visits of 97110 + 97140 (one accepted, one with zero units), an E/M visit with a
# malformed code and a row that cannot be split
LINES = [
    ["2025-03-04", "Dr A", "97110", "GP", "2", "30", "M54.50", "11", "100"],
    ["2025-03-04", "Dr A", "97140", "GP", "1", "15", "M54.50", "11", "50"],
    ["2025-03-05", "Dr B", "99213", "", "0", "", "I10", "11", "90"],
    ["2025-03-05", "Dr B", "9921", "", "1", "", "I10", "11", "90"],
]


class ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def secret(row: int, col: int) -> str:
    return f"ZZSECRET{row}x{col}"


def hostile_frame(identifiers=IDENTIFIERS) -> pd.DataFrame:
    """The lines, each with a distinctive value in every identifier column (interleaved)."""
    rows = []
    for r, line in enumerate(LINES):
        ids = [secret(r, c) for c in range(len(identifiers))]
        rows.append(ids[:5] + line[:3] + ids[5:10] + line[3:] + ids[10:])
    names = identifiers[:5] + FIELDS[:3] + identifiers[5:10] + FIELDS[3:] + identifiers[10:]
    return pd.DataFrame(rows, columns=names)


def write_csv_export(path, frame: pd.DataFrame, bad_row: bool = True):
    text = frame.to_csv(index=False, lineterminator="\n")
    if bad_row:  # a row that cannot be split, holding identifiers too
        text += f"{secret(9, 0)},{secret(9, 1)},Dr B\n"
    path.write_text(text, encoding="utf-8")
    return path


def leaks(folder) -> dict[str, list[str]]:
    """Return {file: secrets found} over every file in ``folder`` (xlsx unzipped)."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                text = "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        hits = sorted(set(re.findall(r"ZZSECRET\w*", text)))
        if hits:
            found[path.name] = hits
    return found


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_no_identifier_reaches_the_practice_command_outputs(tmp_path, capsys, suffix):
    frame = hostile_frame()
    source = tmp_path / "in" / f"export{suffix}"
    source.parent.mkdir()
    if suffix == ".csv":
        write_csv_export(source, frame)
    else:
        frame.to_excel(source, index=False)
    out = tmp_path / "out"
    argv = ["practice", str(source), "--rejected", str(out / "R.csv"), "--excel",
            str(out / "T.xlsx"), "--map", "Pt ID=patient_id"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["R.csv", "T.xlsx"]
    assert leaks(out) == {}
    assert "ZZSECRET" not in printed.out + printed.err
    rejected = pd.read_csv(out / "R.csv", dtype=str, keep_default_na=False)
    # the fields read under their field names, the row and the reasons: nothing else
    assert list(rejected.columns) == ["source_row", "date_of_service", "provider", "cpt",
                                      "modifier_1", "units", "minutes", "dx_1",
                                      "place_of_service", "charge", "reason"]  # fmt: skip
    expected = {"4": BAD_UNITS, "5": "malformed CPT/HCPCS code"}
    if suffix == ".csv":
        expected["6"] = "malformed CSV row (wrong number of fields)"
    assert dict(zip(rejected["source_row"], rejected["reason"], strict=True)) == expected
    assert printed.out.startswith("2 claim lines of 2025 for all providers")


def test_unmapped_columns_are_not_even_read():
    names = list(hostile_frame().columns)
    found, wanted, visit = encounters._layout({"Pt ID": "patient_id"})(names)
    assert sorted(names[i] for i in wanted) == sorted([*FIELDS, "Pt ID"])
    assert [names[i] for i in visit] == ["Pt ID"]


@pytest.mark.slow
def test_no_identifier_reaches_notebook_04_outputs(tmp_path):
    source = write_csv_export(tmp_path / "export.csv", hostile_frame())
    params = {"encounters_path": str(source), "locality": "national",
              "column_map": "Pt ID=patient_id"}  # fmt: skip
    result = run_one("04_practice_productivity", params, tmp_path / "out")
    assert result.ok, result.error
    made = sorted(p.suffix for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert made == [".html", ".ipynb", ".xlsx"]
    assert leaks(tmp_path / "out") == {}
    book = openpyxl.load_workbook(result.excel)
    rejected = [[c.value for c in row] for row in book["Rejected rows"].iter_rows()]
    assert rejected[0][:4] == ["Row in the file", "Date of service", "Provider", "CPT code"]
    assert [r[0] for r in rejected[1:]] == [4, 5, 6]
    html = result.html.read_text()
    assert "columns read (as column_map): " in html and "Pt ID=patient_id" in html


def test_notebook_04_refuses_a_bad_column_map_with_the_cli_message(tmp_path):
    # refused before a kernel starts, with the words of `practice --map`
    with pytest.raises(WorkbookError) as info:
        run_one("04_practice_productivity", {"column_map": "Units"}, tmp_path)
    assert str(info.value).startswith(
        "'Units' is not COLUMN=FIELD: write e.g. Service Date From=date_of_service"
    )
    assert not list(tmp_path.iterdir())  # nothing written


PT_ID = ["--map", "Pt ID=patient_id"]  # the visit key among the identifier columns


@pytest.fixture
def export(tmp_path):
    (tmp_path / "work").mkdir()
    return write_csv_export(tmp_path / "work" / "in.csv", hostile_frame(), bad_row=False)


@pytest.mark.parametrize(
    "options, message",
    [
        (["--rejected", "{in}"], "--rejected {in} is an input file, which is never overwritten"),
        (["--rejected", "{dir}/sub/../in.csv"], "is an input file, which is never overwritten"),
        (["--rejected", "{dir}/link.csv"], "is an input file, which is never overwritten"),
        (["--rejected", "{dir}/x.csv", "--excel", "{dir}/./x.csv"], "is also another output"),
        (["--excel", "{dir}"], "--excel {dir} is a folder"),
        (["--rejected", "{dir}"], "--rejected {dir} is a folder"),
        (
            ["--excel", "{dir}/t.csv"],
            "--excel {dir}/t.csv is not a .xlsx file: name it like x.xlsx",
        ),
        (["--rejected", "{dir}/r.xlsx"], "is not a .csv or .txt file: name it like x.csv"),
        (["--rejected", "{in}/r.csv"], "--rejected {in}/r.csv: {in} is not a folder"),
    ],
)
def test_outputs_never_replace_an_input_or_each_other(export, capsys, options, message):
    (export.parent / "link.csv").symlink_to(export)
    before = export.read_bytes()
    fill = {"in": str(export), "dir": str(export.parent)}
    argv = ["practice", str(export), *(o.format(**fill) for o in options)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cpt-workbook: error: ")
    assert message.format(**fill) in err
    assert export.read_bytes() == before
    assert sorted(p.name for p in export.parent.iterdir()) == ["in.csv", "link.csv"]


def test_the_shipped_sample_is_never_an_output(capsys):
    from cpt_analysis.practice.report import SAMPLE

    before = SAMPLE.read_bytes()
    assert main(["practice", "--rejected", str(SAMPLE)]) == 2
    assert "is an input file, which is never overwritten" in capsys.readouterr().err
    assert SAMPLE.read_bytes() == before


def test_a_refused_write_is_one_line_and_keeps_the_old_file(export, tmp_path, capsys, monkeypatch):
    old = tmp_path / "R.csv"
    old.write_text("keep me\n")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(old))

    monkeypatch.setattr("cpt_analysis.export.atomic_write", full)
    assert main(["practice", str(export), "--rejected", str(old), *PT_ID]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert old.read_text() == "keep me\n"


def test_every_row_rejected_still_writes_them_and_says_why(tmp_path, capsys, monkeypatch):
    text = "DOS,Provider,Pt ID,CPT,Units,Dx1,POS\n" + "".join(
        f"2025-01-0{d},A,ZZSECRET{d},{cpt},{units},M54.2,11\n"
        for d, cpt, units in [(2, "97110", "0"), (3, "97110", "x"), (4, "9711", "1")]
    )
    source = tmp_path / "allbad.csv"
    source.write_text(text)
    rejected = tmp_path / "R.csv"
    assert main(["practice", str(source), "--rejected", str(rejected)]) == 2
    printed = capsys.readouterr()
    assert printed.err == (
        "cpt-workbook: error: all 3 rows of allbad.csv were rejected (commonest reasons: "
        f"{BAD_UNITS}: 2 rows; malformed CPT/HCPCS code: 1 row): check which column is read "
        f"as each field, then correct the rows; the rejected rows and their reasons are in "
        f"{rejected}.\n"
    )
    assert printed.out == ""
    assert pd.read_csv(rejected)["source_row"].tolist() == [2, 3, 4]
    assert leaks(tmp_path) == {"allbad.csv": ["ZZSECRET2", "ZZSECRET3", "ZZSECRET4"]}
    # a closed stdout changes nothing: the status is still 2
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["practice", str(source), "--rejected", str(rejected)]) == 2
    (tmp_path / "one.csv").write_text(text.splitlines()[0] + "\n" + text.splitlines()[3] + "\n")
    with pytest.raises(WorkbookError) as info:
        practice_report(tmp_path / "one.csv")
    assert str(info.value).startswith(
        "the one row of one.csv was rejected (commonest reasons: malformed CPT/HCPCS code: 1 row)"
    )


def test_a_header_alone_and_other_years_are_named(tmp_path):
    header = "DOS,Provider,CPT,Units,Dx1,POS\n"
    (tmp_path / "empty.csv").write_text(header + ",,,,,\n")
    with pytest.raises(WorkbookError) as info:
        practice_report(tmp_path / "empty.csv")
    assert str(info.value) == "empty.csv has no claim lines: export the encounters with their rows."
    (tmp_path / "old.csv").write_text(header + "2024-05-06,A,97110,1,M54.2,11\n")
    with pytest.raises(WorkbookError) as info:
        practice_report(tmp_path / "old.csv", 2025)
    assert str(info.value) == (
        "old.csv has no accepted lines in 2025 (its accepted lines are of 2024): check the year "
        "and the provider filter."
    )


def test_a_closed_stdout_loses_no_output_file(export, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    rejected, excel = tmp_path / "R.csv", tmp_path / "T.xlsx"
    argv = ["practice", str(export), "--rejected", str(rejected), "--excel", str(excel), *PT_ID]
    assert main(argv) == 0
    assert pd.read_csv(rejected)["source_row"].tolist() == [4, 5]
    assert openpyxl.load_workbook(excel).sheetnames[:2] == ["About", "Reconciliation"]


@pytest.mark.filterwarnings("error")
def test_blank_lines_are_counted_so_the_reconciliation_adds_up(tmp_path, capsys):
    text = (
        "DOS,Provider,CPT,Units,Dx1,POS\n"
        "2025-01-02,A,97110,1,M54.2,11\n"
        ",,,,,\n"
        "\n"
        " , ,,\t,,\n"
        "2025-01-02,A,97110,0,M54.2,11\n"
        "2024-01-02,A,97110,1,M54.2,11\n"
        "2025-01-03,B,97110,1,M54.2,11\n"
    )
    (tmp_path / "gaps.csv").write_text(text)
    report = practice_report(tmp_path / "gaps.csv", 2025, provider="a")
    rec = dict(zip(report.reconciliation["item"], report.reconciliation["rows"], strict=True))
    assert rec == {
        "rows in the file": 7,
        "accepted": 3,
        "  accepted, not of 2025": 1,
        "  accepted, another provider": 1,
        "rejected": 1,
        f"  rejected: {BAD_UNITS}": 1,
        f"skipped: {BLANK}": 3,
    }
    assert (
        rec["accepted"] + rec["rejected"] + rec[f"skipped: {BLANK}"] == len(text.splitlines()) - 1
    )
    summary = report.imported.summary().splitlines()[0]
    assert summary == "7 lines read: 3 accepted, 1 rejected, 3 skipped as blank"


def test_short_lines_of_only_commas_or_spaces_are_counted(tmp_path):
    text = "DOS,Provider,CPT,Units,Dx1,POS\n2025-01-02,A,97110,1,M54.2,11\n,,\n   \n"
    (tmp_path / "short.csv").write_text(text)
    assert read_encounters(tmp_path / "short.csv").counts["blank_lines"] == 2


# text in the file: the value read, None for a blank (accepted), or the reason it is rejected
UNITS = {"1": 1, "999": 999, "007": 7, "00000000002": 2, "00001000": BAD_UNITS, "0": BAD_UNITS, "1000": BAD_UNITS, "-1": BAD_UNITS,
         "1.5": BAD_UNITS, "2.0": BAD_UNITS, "+2": BAD_UNITS, "1e3": BAD_UNITS,
         "1,000": BAD_UNITS, "99999999999999999999": BAD_UNITS, "٣": BAD_UNITS, "２": BAD_UNITS,
         "nan": BAD_UNITS, "inf": BAD_UNITS, "0x10": BAD_UNITS, "": BAD_UNITS}  # fmt: skip
MINUTES = {"": None, "0": 0.0, "1440": 1440.0, "7.5": 7.5, "0000030": 30.0, "1441": BAD_MINUTES,
           "1440.5": BAD_MINUTES, "99999999999": BAD_MINUTES,
           "1e9": BAD_MINUTES, "-5": BAD_MINUTES, "inf": BAD_MINUTES, "nan": BAD_MINUTES,
           "1,000": BAD_MINUTES, "30 min": BAD_MINUTES}  # fmt: skip
CHARGES = {"": None, "0": 0.0, "$1,234.50": 1234.5, " 12 ": 12.0, "-5": BAD_CHARGE,
           "1e400": BAD_CHARGE, "inf": BAD_CHARGE, "nan": BAD_CHARGE, "(5.00)": BAD_CHARGE,
           "abc": BAD_CHARGE}  # fmt: skip


@pytest.mark.filterwarnings("error")
def test_numbers_are_sane_or_rejected_with_their_reason(tmp_path):
    cases = [("units", text, expected) for text, expected in UNITS.items()]
    cases += [("minutes", text, expected) for text, expected in MINUTES.items()]
    cases += [("charge", text, expected) for text, expected in CHARGES.items()]
    body = ""
    for kind, text, _ in cases:
        cells = {"units": "1", "minutes": "", "charge": ""} | {kind: text}
        body += f'2025-03-04,A,97110,"{cells["units"]}","{cells["minutes"]}",M54.50,11,"{cells["charge"]}"\n'
    source = tmp_path / "numbers.csv"
    source.write_text("DOS,Provider,CPT,Units,Minutes,Dx1,POS,Charge\n" + body, "utf-8")
    result = read_encounters(source)
    reasons = dict(zip(result.rejected["source_row"], result.rejected["reason"], strict=True))
    accepted = result.accepted.set_index("source_row")
    for row, (kind, text, expected) in enumerate(cases, start=2):
        if isinstance(expected, str):
            assert reasons.get(row) == expected, (kind, text)
        else:
            assert row not in reasons, (kind, text, reasons.get(row))
            value = accepted.loc[row, kind]
            assert value == expected or (expected is None and pd.isna(value)), (kind, text)
    # the rest of the pipeline stays finite and positive, without a warning
    report = practice_report(source, 2025)
    units = 1 + 999 + 7 + 2 + 5 + 4  # the accepted units lines, then the minutes and charge lines
    assert accepted["units"].sum() == units
    assert report.provider_month["wrvus"].sum() == pytest.approx(0.45 * units)
    assert report.headline.startswith(f"{len(accepted)} claim lines of 2025 for all providers")
    assert "-" not in report.headline.split(":")[1].split(";")[0]


@pytest.mark.filterwarnings("error")
def test_excel_number_cells_are_checked_alike(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DOS", "Provider", "CPT", "Units", "Minutes", "Dx1", "POS", "Charge"])
    for units, minutes, charge in [(2.0, 30, 10), (1e20, 30, 10), (1, 1e9, 10), (1, 30, -1)]:
        sheet.append(["2025-03-04", "A", "97110", units, minutes, "M54.50", 11, charge])
    book.save(tmp_path / "numbers.xlsx")
    result = read_encounters(tmp_path / "numbers.xlsx")
    assert result.accepted["units"].tolist() == [2]
    assert result.rejected["reason"].tolist() == [BAD_UNITS, BAD_MINUTES, BAD_CHARGE]


# column names no alias or reading of a header could recognise
UNRECOGNISED = (
    "When,Who,What,How many,Why,Where,Whose\n"
    "2025-03-04,Dr A,97110,2,M54.50,11,ZZSECRET1\n"
    "2025-03-04,Dr A,97140,1,M54.50,11,ZZSECRET1\n"
)
MAP = ["When=date_of_service", "Who=provider", "What=cpt", "How many=units", "Why=dx_1",
       "Where=place_of_service", "Whose=patient_id"]  # fmt: skip


def test_map_names_columns_and_the_columns_line_can_be_pasted_back(tmp_path, capsys):
    source = tmp_path / "theirs.csv"
    source.write_text(UNRECOGNISED)
    assert main(["practice", str(source)]) == 2
    assert "the file has no" in capsys.readouterr().err
    assert main(["practice", str(source), *(f"--map={m}" for m in MAP)]) == 0
    first, columns, *_ = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"2 claim lines of 2025 for all providers \(theirs\.csv\): [\d,]+\.\d\d work RVUs, "
        r"\$[\d,]+\.\d\d Medicare payment at national; \d+ audit findings\.",
        first,
    )
    assert columns.startswith('columns: --map "')
    again = shlex.split(columns.removeprefix("columns: "))
    assert sorted(again[1::2]) == sorted(MAP)
    assert main(["practice", str(source), *again]) == 0
    assert capsys.readouterr().out.splitlines()[0] == first


def test_the_columns_line_quotes_what_a_shell_would_expand(tmp_path, capsys):
    source = tmp_path / "odd.csv"
    header = 'DOS,Provider,"Code ""$HOME""`x`",Units,Dx1,POS\n'
    source.write_text(header + "2025-03-04,A,97110,1,M54.50,11\n")
    assert main(["practice", str(source), "--map", 'Code "$HOME"`x`=cpt']) == 0
    columns = capsys.readouterr().out.splitlines()[1]
    assert '--map "Code \\"\\$HOME\\"\\`x\\`=cpt"' in columns
    shell = ["sh", "-c", "printf '%s\\n' " + columns.removeprefix("columns: ")]
    words = subprocess.run(shell, capture_output=True, text=True, check=True).stdout
    assert 'Code "$HOME"`x`=cpt' in words.splitlines()


@pytest.mark.parametrize(
    "items, message",
    [
        (
            ["Units"],
            "'Units' is not COLUMN=FIELD: write e.g. Service Date From=date_of_service; "
            "the fields are date_of_service, provider, cpt, modifier_1,",
        ),
        (["=cpt"], "'=cpt' is not COLUMN=FIELD"),
        (["What=procedure"], "'procedure' is not a field: use one of date_of_service, provider,"),
        (["What=cpt", "Who=cpt"], "the field cpt is mapped twice: map each column to one field."),
        (["What=cpt", "What=units"], "the column 'What' is mapped twice"),
    ],
)
def test_bad_map_items_are_one_line(tmp_path, capsys, items, message):
    source = tmp_path / "theirs.csv"
    source.write_text(UNRECOGNISED)
    assert main(["practice", str(source), *(f"--map={i}" for i in items)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    with pytest.raises(WorkbookError, match=re.escape(message)):
        encounters.parse_mapping("; ".join(items))


def test_parse_mapping_reads_the_notebook_text():
    text = " Service Date From = date_of_service ;; Pt ID=PATIENT_ID; A=B=cpt "
    assert encounters.parse_mapping(text) == {
        "Service Date From": "date_of_service",
        "Pt ID": "patient_id",
        "A=B": "cpt",  # a column name may hold '=': the field is after the last one
    }
    assert encounters.parse_mapping("") == {}
