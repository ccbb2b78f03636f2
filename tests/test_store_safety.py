"""A bad file never damages the store: every refusal is one line, and after it the store (its
manifest and every table file) is byte for byte what it was. Small synthetic files only, so
these run without ../shared/cms."""

import os
import time
import zipfile

import pytest

from cpt_analysis import config
from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.reference import cms_files, icd10, store
from cpt_analysis.reference.importer import import_file, import_files
from cpt_analysis.reference.loaders import load_gpci, load_rvus

TITLE_2025 = "2025 National Physician Fee Schedule Relative Value File October Release"
COLUMNS = [
    "HCPCS", "MOD", "DESCRIPTION", "STATUS CODE", "WORK RVU", "NON-FAC PE RVU",
    "NON-FAC NA INDICATOR", "FACILITY PE RVU", "FACILITY NA INDICATOR", "MP RVU",
    "NON-FACILITY TOTAL", "FACILITY TOTAL", "PCTC IND", "GLOB DAYS", "MULT PROC", "CONV FACTOR",
]  # fmt: skip
KEEP = "download it from CMS again"


def rvu_rows(n=5000, factor="32.3465"):
    """A national RVU file's rows: 97012 first, then n - 1 made-up codes A0001..."""
    first = ["97012", "", "Traction service", "A", "0.25", "0.19", "", "0.19", "", "0.01"]
    rows = [first + ["0.45", "0.45", "0", "XXX", "5", factor]]
    for i in range(1, n):
        rows.append([f"A{i:04d}", "", f"Service {i}", "A", "0.50", "0.40", "", "0.30", ""])
        rows[-1] += ["0.02", "0.92", "0.82", "0", "XXX", "0", factor]
    return rows


def write_rvu(path, rows=None, title=TITLE_2025, encoding="latin-1", newline="\r\n"):
    """Write an RVU file shaped like CMS's CSV: title and RELEASED banner, header, rows."""
    lines = [f",,{title}", ",,RELEASED 09/11/2025"] if title else []
    lines += [",".join(COLUMNS)] + [",".join(r) for r in (rows or rvu_rows())]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def gpci_lines(year=2025, n=100):
    lines = [
        f"ADDENDUM E. FINAL CY {year} GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND "
        "MEDICARE LOCALITY,,,,,,",
        ",,,,,,",
        "Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,"
        f"{year} PW GPCI (with 1.0 Floor),{year} PE GPCI,{year} MP GPCI",
        "01112,CA,05,SAN FRANCISCO,1.1,1.3,0.5",
    ]
    return lines + [f"{10000 + i},AL,00,PLACE {i},1,0.9,0.6" for i in range(1, n)]


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def locco_lines(year=2025, n=100):
    lines = [
        f"COUNTIES INCLUDED IN {year} LOCALITIES. (ALPHABETICALLY BY STATE),,,,",
        "Medicare Adminstrative Contractor,Locality Number,State ,Fee Schedule Area ,Counties",
        "10112,0,ALABAMA,STATEWIDE,ALL COUNTIES",
        "2102,1,ALASKA,STATEWIDE,ALL COUNTIES",
    ]
    return lines + [f"{10000 + i},2,,AREA {i},COUNTY {i}" for i in range(2, n)]


def order_lines(letters=icd10.CHAPTER_LETTERS, per_letter=2100):
    """An ICD-10-CM order file of len(letters) x per_letter billable codes (A0000, A0001...)."""
    lines, n = [], 0
    for letter in letters:
        for i in range(per_letter):
            n += 1
            code = f"{letter}{i:04d}"
            lines.append(f"{n:05d} {code:<7} 1 {'Condition ' + code:<60} Condition {code}")
    return lines


def make_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def snapshot():
    """Every file of the store, byte for byte."""
    root = config.store_dir()
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def good_store(tmp_path):
    """A store holding a good 2025 RVU import and a 2025 GPCI import; returns its snapshot."""
    import_file(write_rvu(tmp_path / "PPRRVU2025_Oct.csv"))
    import_file(write_lines(tmp_path / "GPCI2025.csv", gpci_lines()))
    return snapshot()


def refused(path_or_paths, message, **options):
    """Assert the import is refused with exactly ``message`` and the store is unchanged."""
    before = snapshot()
    paths = path_or_paths if isinstance(path_or_paths, list) else [path_or_paths]
    with pytest.raises(WorkbookError) as info:
        import_files(paths, **options)
    assert str(info.value) == message
    assert snapshot() == before


# --- what the file says wins ------------------------------------------------------------


def test_a_year_that_contradicts_the_title_is_refused(tmp_path, good_store):
    path = write_rvu(tmp_path / "rvus.csv")
    refused(
        path,
        "rvus.csv says its year is 2025, not 2026 as --year says: leave out --year: it is used "
        "only where a file does not say.",
        kind="rvus",
        year=2026,
    )
    refused(
        path,
        "rvus.csv says its release is D, not A as --release says: leave out --release: it is "
        "used only where a file does not say.",
        kind="rvus",
        release="A",
    )
    assert good_store == snapshot()


def test_the_file_name_speaks_where_the_content_is_silent(tmp_path, good_store):
    path = write_rvu(tmp_path / "PPRRVU2025_Oct.csv", title="")
    refused(
        path,
        "PPRRVU2025_Oct.csv says its year is 2025, not 2024 as --year says: leave out --year: "
        "it is used only where a file does not say.",
        year=2024,
    )
    (result,) = import_file(path, year=2025, release="D").imported  # agreeing options are fine
    assert (result.year, result.release) == (2025, "RVU25D")


def test_options_are_used_where_the_file_is_silent(tmp_path):
    path = write_rvu(tmp_path / "rvus.csv", title="")
    with pytest.raises(WorkbookError, match="rvus.csv: cannot tell which year and release"):
        import_file(path, kind="rvus")
    (result,) = import_file(path, kind="rvus", year=2025, release="B").imported
    assert (result.kind, result.year, result.release, result.rows) == ("rvus", 2025, "RVU25B", 5000)
    assert str(result) == "imported 5,000 rvus rows for 2025 (RVU25B) from rvus.csv"
    assert load_rvus(2025).query("hcpcs == 'A0001'")["release"].astype(str).tolist() == ["RVU25B"]


def test_a_gpci_year_that_contradicts_the_title_is_refused(tmp_path, good_store):
    path = write_lines(tmp_path / "gpci.csv", gpci_lines(2025))
    refused(
        path,
        "gpci.csv says its year is 2025, not 2024 as --year says: leave out --year: it is used "
        "only where a file does not say.",
        kind="gpci",
        year=2024,
    )


@pytest.mark.parametrize("year", [99999, 1999, -5, 2031])
def test_years_without_a_conversion_factor_are_refused(tmp_path, good_store, year):
    path = write_rvu(tmp_path / "rvus.csv", title="")
    refused(
        path,
        f"rvus.csv would be imported as {year}, a year without a conversion factor in the "
        "workbook (2019 to 2026): import a file of 2019 to 2026, or check --year.",
        kind="rvus",
        year=year,
        release="A",
    )
    gpci = write_lines(tmp_path / "gpci.csv", [line.replace("2025", "") for line in gpci_lines()])
    with pytest.raises(WorkbookError, match=f"would be imported as {year}, a year without"):
        import_file(gpci, kind="gpci", year=year)
    assert snapshot() == good_store


def test_a_file_that_says_a_year_the_workbook_does_not_know_is_refused(tmp_path, good_store):
    path = write_rvu(tmp_path / "PPRRVU2031_Jan.csv", title=TITLE_2025.replace("2025", "2031"))
    with pytest.raises(WorkbookError, match="PPRRVU2031_Jan.csv would be imported as 2031"):
        import_file(path)
    assert snapshot() == good_store


def test_rvus_whose_conversion_factor_is_another_years_are_refused(tmp_path, good_store):
    path = write_rvu(tmp_path / "rvus.csv", title="")
    refused(
        path,
        "rvus.csv: its conversion factor 32.3465 is 2025's, not 2026's (33.4009, 33.5675); the "
        "file is not of 2026: leave out --year, or import the file of the year you mean.",
        kind="rvus",
        year=2026,
        release="A",
    )
    odd = write_rvu(tmp_path / "odd.csv", rows=rvu_rows(factor="40.0000"), title="")
    with pytest.raises(WorkbookError, match="its conversion factor 40 is no year's, not 2025's"):
        import_file(odd, kind="rvus", year=2025, release="A")


# --- impossible figures -----------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value, shown",
    [(4, "1e308", "1e+308"), (9, "-0.01", "-0.01"), (10, "inf", "inf"), (15, "0", "0")],
)
def test_impossible_rvus_are_refused_naming_row_and_column(
    tmp_path, good_store, column, value, shown
):
    rows = rvu_rows()
    rows[7][column] = value  # A0007
    rows[7][1] = "26"
    label = {4: "WORK RVU", 9: "MP RVU", 10: "NON FACILITY TOTAL", 15: "CONV FACTOR"}[column]
    bounds = "10 to 100" if column == 15 else "0 to 1000"
    refused(
        write_rvu(tmp_path / "PPRRVU2025_Oct.csv", rows),
        f"PPRRVU2025_Oct.csv: A0007-26, {label} is {shown}, outside the plausible {bounds}; no "
        f"CMS file holds such a figure, so the file is damaged: {KEEP}.",
    )


def test_a_figure_that_is_not_a_number_names_the_row(tmp_path):
    rows = rvu_rows()
    rows[3][5] = "n/a"
    with pytest.raises(WorkbookError) as info:
        import_file(write_rvu(tmp_path / "PPRRVU2025_Oct.csv", rows))
    assert str(info.value).startswith(
        "PPRRVU2025_Oct.csv: A0003 (no modifier), NON FAC PE RVU has 'n/a', not a number"
    )


@pytest.mark.parametrize("value, shown", [("0", "0"), ("9.9", "9.9"), ("nan", "nan")])
def test_impossible_gpcis_are_refused_naming_the_locality(tmp_path, good_store, value, shown):
    lines = gpci_lines()
    lines[3] = f"01112,CA,05,SAN FRANCISCO,1.1,1.3,{value}"
    message = (
        f"GPCI2025.csv: locality 01112-05, MP GPCI is {shown}, outside the plausible 0.1 to 5; "
        f"no CMS file holds such a figure, so the file is damaged: {KEEP}."
    )
    if value == "nan":
        message = (
            "GPCI2025.csv: locality 01112-05, MP GPCI has 'nan', not a number: import the "
            "official GPCI file (GPCI20xx.csv or .txt)."
        )
    refused(write_lines(tmp_path / "GPCI2025.csv", lines), message)
    assert load_gpci(2025).query("locality_id == '01112-05'")["gpci_mp"].tolist() == [0.5]


def test_rows_listed_twice_are_refused(tmp_path, good_store):
    rows = rvu_rows()
    rows[9] = list(rows[8])
    refused(
        write_rvu(tmp_path / "PPRRVU2025_Oct.csv", rows),
        "PPRRVU2025_Oct.csv: A0008 (no modifier) appears twice: download the PPRRVU file of the "
        "RVU release from CMS and import that.",
    )
    lines = gpci_lines() + ["01112,CA,05,SAN FRANCISCO AGAIN,1.1,1.3,0.5"]
    refused(
        write_lines(tmp_path / "GPCI2025.csv", lines),
        "GPCI2025.csv: locality 01112-05 appears twice: import the official GPCI file "
        "(GPCI20xx.csv or .txt).",
    )


def test_a_gpci_file_with_few_localities_is_refused(tmp_path, good_store):
    refused(
        write_lines(tmp_path / "GPCI2025.csv", gpci_lines(n=3)),
        "GPCI2025.csv holds 3 localities where a GPCI file has about 110; it looks truncated: "
        "import the official GPCI file (GPCI20xx.csv or .txt).",
    )


# --- ICD-10-CM code sets ------------------------------------------------------------------


def test_a_three_line_code_set_is_refused(tmp_path):
    lines = order_lines()[:3]
    path = write_lines(tmp_path / "icd10cm_order_2027.txt", lines)
    refused(
        path,
        "icd10cm_order_2027.txt holds 3 codes where a complete ICD-10-CM code set has over "
        "70,000; it looks truncated or is only part of the code set: use the whole "
        "icd10cm_order_YYYY.txt from the CMS ICD-10-CM tabular download.",
    )
    assert icd10.check("M54.50", "2026-11-01")["status"] == "billable"  # the bundled set still


def test_a_code_set_missing_chapters_is_refused(tmp_path):
    lines = order_lines(letters="ABCDEFGHIJKLMNOPQRST", per_letter=3000)
    refused(
        write_lines(tmp_path / "icd10cm_order_2027.txt", lines),
        "icd10cm_order_2027.txt has no codes starting with V, W, X, Y, Z: whole chapters are "
        "missing, so it is not the complete code set: use the whole icd10cm_order_YYYY.txt from "
        "the CMS ICD-10-CM tabular download.",
    )


def test_a_complete_code_set_is_added_and_a_damaged_line_refused(tmp_path):
    lines = order_lines()
    damaged = lines[:100] + ["00101 ??? broken"] + lines[100:]
    refused(
        write_lines(tmp_path / "icd10cm_order_2027.txt", damaged),
        "icd10cm_order_2027.txt: line 101 ('00101 ??? broken') is not a line of a CMS ICD-10-CM "
        "order file; the file is damaged: use the whole icd10cm_order_YYYY.txt from the CMS "
        "ICD-10-CM tabular download.",
    )
    path = write_lines(tmp_path / "icd10cm_order_2027.txt", lines)
    (result,) = import_file(path).imported
    assert str(result) == (
        "imported 52,500 icd10 rows for 2027 (FY2027) from icd10cm_order_2027.txt"
    )
    assert icd10.check("Z0042", "2026-11-01")["status"] == "billable"
    # in the shipped FY2026 set, absent from this made-up FY2027 set: deleted by then
    assert icd10.check("M54.50", "2026-11-01")["status"] == "deleted"


def test_icd10_fiscal_years_are_checked(tmp_path):
    path = write_lines(tmp_path / "icd10cm_order_2027.txt", order_lines())
    refused(
        path,
        "icd10cm_order_2027.txt says its fiscal year is 2027, not 2026 as --year says: leave "
        "out --year: it is used only where a file does not say.",
        year=2026,
    )
    unnamed = write_lines(tmp_path / "codes.txt", order_lines())
    last = icd10.fiscal_year() + 1
    for year in (2015, last + 1):
        refused(
            unnamed,
            f"FY{year} is not an ICD-10-CM fiscal year the workbook can use (2016 to {last}): "
            "check --year or the file name.",
            kind="icd10",
            year=year,
        )
    refused(
        unnamed,
        "cannot tell the fiscal year of codes.txt: pass --year YYYY.",
        kind="icd10",
    )


def test_an_icd10_zip_reads_the_order_file(tmp_path):
    lines = "\n".join(order_lines())
    codes = "\n".join(f"{line[6:13].strip()} {line[77:]}" for line in order_lines())
    members = {
        "icd10cm_codes_2027.txt": codes,
        "icd10cm_order_2027.txt": lines,
        "icd10cm_order_addenda_2027.txt": "00001 A000    1 x",
        "icd10cm_tabular_2027.pdf": b"%PDF",
    }
    report = import_file(make_zip(tmp_path / "2027-code-descriptions.zip", members))
    assert str(report).splitlines() == [
        "imported 52,500 icd10 rows for 2027 (FY2027) from "
        "2027-code-descriptions.zip:icd10cm_order_2027.txt",
        "skipped 2027-code-descriptions.zip:icd10cm_order_addenda_2027.txt: ICD-10-CM addenda, "
        "changes only, not the whole code set",
        "skipped 2027-code-descriptions.zip:icd10cm_tabular_2027.pdf: documentation, not data",
        "skipped 2027-code-descriptions.zip:icd10cm_codes_2027.txt: the same code set as the "
        "order file, which also marks headers",
    ]
    codes_only = {"icd10cm_codes_2027.txt": codes}
    (result,) = import_file(make_zip(tmp_path / "codes.zip", codes_only)).imported
    assert (result.year, result.rows) == (2027, 52500)
    assert icd10.check("A0001", "2026-12-01")["status"] == "billable"


# --- killed imports, encodings, line endings --------------------------------------------


def test_temporary_files_of_a_killed_import_are_cleaned_on_the_next_start(tmp_path, good_store):
    root = config.store_dir()
    stale = [root / ".rvus_2025.parquet.k3j2l1.tmp", root / ".manifest.json.q8w7e6.tmp"]
    for path in stale:
        path.write_bytes(b"")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    running = root / ".gpci_2025.parquet.a1b2c3.tmp"  # another import writing it right now
    running.write_bytes(b"PAR1")
    mine = root / "notes.tmp"  # not the store's pattern: never touched
    mine.write_text("keep")
    assert main(["store"]) == 0  # opening the store cleans
    assert [p.exists() for p in stale] == [False, False]
    assert running.exists() and mine.read_text() == "keep"
    stale[0].write_bytes(b"")
    os.utime(stale[0], (time.time() - 3600, time.time() - 3600))
    import_file(write_rvu(tmp_path / "PPRRVU2025_Oct.csv"))  # and so does an import
    assert not stale[0].exists()


@pytest.mark.parametrize(
    "encoding, text",
    [("utf-8", "Naïve façade"), ("utf-8-sig", "Crème brûlée"), ("cp1252", "Smart “quotes” – dash")],
)
def test_the_encoding_is_detected(tmp_path, encoding, text):
    rows = rvu_rows()
    rows[1][2] = text
    import_file(write_rvu(tmp_path / "PPRRVU2025_Oct.csv", rows, encoding=encoding))
    row = load_rvus(2025).query("hcpcs == 'A0001'").iloc[0]
    assert row["description"] == text


def test_latin1_bytes_undefined_in_cp1252_still_read(tmp_path):
    rows = rvu_rows()
    rows[1][2] = "Odd \x81 byte"
    import_file(write_rvu(tmp_path / "PPRRVU2025_Oct.csv", rows, encoding="latin-1"))
    assert load_rvus(2025).query("hcpcs == 'A0001'")["description"].iloc[0] == "Odd \x81 byte"


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
def test_any_line_ending_imports_the_same(tmp_path, newline):
    (result,) = import_file(write_rvu(tmp_path / "PPRRVU2025_Oct.csv", newline=newline)).imported
    assert (result.year, result.release, result.rows) == (2025, "RVU25D", 5000)
    assert load_rvus(2025).query("hcpcs == '97012'")["work_rvu"].tolist() == [0.25]


# --- one line, never a traceback ---------------------------------------------------------


def cli_refuses(capsys, argv, message):
    before = snapshot()
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"cpt-workbook: error: {message}\n"
    assert snapshot() == before


def test_a_folder_or_a_pipe_is_refused(tmp_path, capsys, good_store):
    cli_refuses(
        capsys,
        ["import-cms", str(tmp_path)],
        f"{tmp_path} is a folder: name the CMS file or zip in it, e.g. import-cms DIR/*.zip.",
    )
    pipe = tmp_path / "PPRRVU2026_Jan.csv"
    os.mkfifo(pipe)  # opening it would wait for a writer forever
    cli_refuses(
        capsys,
        ["import-cms", str(pipe)],
        f"{pipe} is not a regular file: name the CMS file or zip.",
    )


def test_a_csv_without_the_stacked_header_is_refused(tmp_path, capsys, good_store):
    path = tmp_path / "PPRRVU2025_Oct.csv"
    header = ["HCPCS", "MOD", "DESCRIPTION", "CODE", "RVU", "PE RVU", "INDICATOR", "PE RVU"]
    path.write_text(",".join(header) + "\n97012,,Traction,A,0.25,0.19,,0.19\n")
    cli_refuses(
        capsys,
        ["import-cms", str(path)],
        "PPRRVU2025_Oct.csv: column 'PE RVU' appears twice in the header; the header rows above "
        "HCPCS are incomplete: download the PPRRVU file of the RVU release from CMS and import "
        "that.",
    )


def test_a_huge_field_is_refused(tmp_path, capsys, good_store):
    rows = rvu_rows()
    rows[-1][2] = "X" * 300_000  # the last row, which the truncation check parses
    body = write_rvu(tmp_path / "PPRRVU2025_Oct.csv", rows).read_bytes()
    archive = make_zip(tmp_path / "RVU25D.zip", {"PPRRVU2025_Oct.csv": body})
    cli_refuses(
        capsys,
        ["import-cms", str(archive)],
        "RVU25D.zip:PPRRVU2025_Oct.csv: line 5003 is 300,057 characters long where CMS lines "
        f"have under 1,000; it is not a CMS file or it is damaged: {KEEP}.",
    )


def test_empty_binary_and_excel_files_are_refused(tmp_path, capsys, good_store):
    empty = tmp_path / "PPRRVU2025_Oct.csv"
    empty.write_bytes(b"\r\n")
    cli_refuses(capsys, ["import-cms", str(empty)], f"PPRRVU2025_Oct.csv is empty: {KEEP}.")
    binary = tmp_path / "GPCI2025.txt"
    binary.write_bytes(b"\x00\x01\x02GPCI")
    cli_refuses(
        capsys,
        ["import-cms", str(binary)],
        "GPCI2025.txt is not a text file (it holds binary data): import the CSV or TXT file as "
        "CMS ships it.",
    )
    excel = make_zip(tmp_path / "PPRRVU25_JAN.xlsx", {"xl/workbook.xml": "<x/>"})
    message = (
        "PPRRVU25_JAN.xlsx is an Excel workbook, which the workbook does not read: import the "
        "CSV or TXT file of the same name from the CMS download."
    )
    cli_refuses(capsys, ["import-cms", str(excel)], message)
    renamed = excel.rename(tmp_path / "PPRRVU25_JAN.csv")  # an Excel file saved as .csv
    cli_refuses(capsys, ["import-cms", str(renamed)], message.replace(".xlsx", ".csv", 1))


def test_files_of_another_kind_are_refused(tmp_path, capsys, good_store):
    anes = write_lines(tmp_path / "ANES2025.csv", ["Contractor,Locality,Locality Name,CF"])
    cli_refuses(
        capsys,
        ["import-cms", str(anes)],
        "ANES2025.csv holds anesthesia conversion factors, not used by the workbook yet: import "
        "the RVU zip as CMS ships it, or one PPRRVU, GPCI, LOCCO or ICD-10-CM file.",
    )
    cli_refuses(
        capsys,
        ["import-cms", str(anes), "--kind", "rvus"],
        "ANES2025.csv: no header row with an HCPCS column; it is not a national physician fee "
        "schedule RVU file (PPRRVU): download the PPRRVU file of the RVU release from CMS and "
        "import that.",
    )
    gpci = write_lines(tmp_path / "GPCI2025.csv", gpci_lines())
    cli_refuses(
        capsys,
        ["import-cms", str(gpci), "--kind", "rvus"],
        "GPCI2025.csv: no header row with an HCPCS column; it is not a national physician fee "
        "schedule RVU file (PPRRVU): download the PPRRVU file of the RVU release from CMS and "
        "import that.",
    )
    rvus = write_rvu(tmp_path / "PPRRVU2025_Oct.csv")
    cli_refuses(
        capsys,
        ["import-cms", str(rvus), "--kind", "icd10"],
        "PPRRVU2025_Oct.csv is not a CMS ICD-10-CM order or codes file: use the whole "
        "icd10cm_order_YYYY.txt from the CMS ICD-10-CM tabular download.",
    )
    cli_refuses(
        capsys,
        ["import-cms", str(rvus), "--kind", "gpci"],
        "PPRRVU2025_Oct.csv is not a GPCI file (no locality rows found): import the official "
        "GPCI file (GPCI20xx.csv or .txt).",
    )


def test_two_files_for_one_year_are_refused_and_nothing_is_saved(tmp_path, good_store):
    a = write_rvu(tmp_path / "PPRRVU2025_Oct.csv")
    b = write_rvu(tmp_path / "PPRRVU25_OCT.csv")
    gpci = write_lines(tmp_path / "GPCI2026.csv", gpci_lines(2026))
    refused(
        [gpci, a, b],
        "PPRRVU2025_Oct.csv and PPRRVU25_OCT.csv both hold the 2025 rvus: import one of them.",
    )
    assert 2026 not in store.years("gpci")


# --- zips --------------------------------------------------------------------------------


def bundle_members(tmp_path, **extra):
    rvus = write_rvu(tmp_path / "r.csv").read_bytes()
    members = {
        "PPRRVU2025_Oct.csv": rvus,
        "PPRRVU2025_Oct.txt": b"fixed width copy",
        "PPRRVU2025_Oct.xlsx": b"PK",
        "GPCI2025.csv": "\n".join(gpci_lines()),
        "25LOCCO.csv": "\n".join(locco_lines()),
        "ANES2025.csv": "Contractor,Locality,Locality Name,CF\n",
        "OPPSCAP_Oct.csv": "HCPCS,MOD,PROCSTAT\n",
        "RVU25D.pdf": b"%PDF",
        "__MACOSX/._GPCI2025.csv": b"\x00\x05",
    }
    return members | extra


def test_a_bundle_imports_every_file_the_workbook_knows(tmp_path, capsys):
    archive = make_zip(tmp_path / "RVU25D.zip", bundle_members(tmp_path))
    assert main(["import-cms", str(archive)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "imported 5,000 rvus rows for 2025 (RVU25D) from RVU25D.zip:PPRRVU2025_Oct.csv",
        "imported 100 gpci rows for 2025 from RVU25D.zip:GPCI2025.csv",
        "imported 100 locality rows for 2025 from RVU25D.zip:25LOCCO.csv",
        "skipped RVU25D.zip:ANES2025.csv: anesthesia conversion factors, not used by the "
        "workbook yet",
        "skipped RVU25D.zip:OPPSCAP_Oct.csv: OPPS cap prices, not used by the workbook yet",
        "skipped RVU25D.zip:RVU25D.pdf: documentation, not data",
        "skipped RVU25D.zip:__MACOSX/._GPCI2025.csv: macOS folder metadata, not data",
        "skipped RVU25D.zip:PPRRVU2025_Oct.txt: the same table as PPRRVU2025_Oct.csv, which was "
        "read",
        "skipped RVU25D.zip:PPRRVU2025_Oct.xlsx: the same table as PPRRVU2025_Oct.csv, which was "
        "read",
    ]
    assert store.years("gpci") == [2025] and store.years("locality") == [2025]
    locality = store.load("locality", 2025)
    assert locality["mac"].tolist()[:3] == ["10112", "02102", "10002"]
    assert locality["state"].tolist()[:3] == ["ALABAMA", "ALASKA", "ALASKA"]  # blank: as above
    gpci = load_gpci(2025).set_index("locality_id")
    assert gpci.loc["10001-00", "source"] == "RVU25D.zip:GPCI2025.csv"


def test_kind_keeps_one_kind_of_a_bundle(tmp_path):
    archive = make_zip(tmp_path / "RVU25D.zip", bundle_members(tmp_path))
    report = import_file(archive, kind="gpci")
    assert [str(r) for r in report.imported] == [
        "imported 100 gpci rows for 2025 from RVU25D.zip:GPCI2025.csv"
    ]
    assert ("RVU25D.zip:PPRRVU2025_Oct.csv", "national RVU file, not asked for (--kind gpci)") in (
        report.skipped
    )
    assert store.years("rvus") == []


def test_a_bundle_with_one_bad_file_saves_nothing(tmp_path, good_store):
    bad_gpci = "\n".join(gpci_lines()).replace("0.9,0.6", "0.9,60", 1)
    archive = make_zip(
        tmp_path / "RVU25D.zip", bundle_members(tmp_path, **{"GPCI2025.csv": bad_gpci})
    )
    refused(
        archive,
        "RVU25D.zip:GPCI2025.csv: locality 10001-00, MP GPCI is 60, outside the plausible 0.1 to "
        f"5; no CMS file holds such a figure, so the file is damaged: {KEEP}.",
    )


def test_two_different_rvu_files_in_a_zip_are_refused(tmp_path, good_store):
    rvus = write_rvu(tmp_path / "r.csv").read_bytes()
    archive = make_zip(
        tmp_path / "RVU25.zip", {"PPRRVU2025_Jul.csv": rvus, "PPRRVU2025_Oct.csv": rvus}
    )
    refused(
        archive,
        "RVU25.zip holds 2 different national RVU files (PPRRVU2025_Jul.csv, PPRRVU2025_Oct.csv); "
        "the workbook will not guess which one you mean: unzip it and import the one you mean.",
    )


def test_a_qpp_and_non_qpp_bundle_reads_the_non_qpp_file(tmp_path):
    title = TITLE_2025.replace("2025", "2026").replace("October", "July")
    non_qpp = write_rvu(tmp_path / "a.csv", rvu_rows(factor="33.4009"), title=title)
    qpp = write_rvu(tmp_path / "b.csv", rvu_rows(factor="33.5675"), title=title)
    members = {"PPRRVU2026_Jul_QPP.csv": qpp.read_bytes()}
    members["PPRRVU2026_Jul_nonQPP.csv"] = non_qpp.read_bytes()
    archive = make_zip(tmp_path / "RVU26C.zip", members)
    report = import_file(archive)
    assert str(report) == (
        "imported 5,000 rvus rows for 2026 (RVU26C) from RVU26C.zip:PPRRVU2026_Jul_nonQPP.csv\n"
        "skipped RVU26C.zip:PPRRVU2026_Jul_QPP.csv: the QPP variant (qualifying APM "
        "participants); the non-QPP file was read (import-cms --qpp reads this one instead)"
    )
    assert load_rvus(2026).query("hcpcs == 'A0001'")["conversion_factor"].tolist() == [33.4009]
    report = import_file(archive, qpp=True)
    assert report.imported[0].source == "RVU26C.zip:PPRRVU2026_Jul_QPP.csv"
    assert load_rvus(2026).query("hcpcs == 'A0001'")["conversion_factor"].tolist() == [33.5675]


def test_a_member_past_the_cap_is_refused_before_it_is_read(tmp_path, good_store, monkeypatch):
    monkeypatch.setattr(cms_files, "MAX_BYTES", 2**20)
    bomb = make_zip(tmp_path / "RVU25D.zip", {"PPRRVU2025_Oct.csv": b"0" * (5 * 2**20)})
    assert bomb.stat().st_size < 20_000  # 5 MB of zeros compress to a few KB
    read = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: read.append(a))
    refused(
        bomb,
        "RVU25D.zip:PPRRVU2025_Oct.csv holds more than 1 MB (unzipped) where CMS files hold "
        f"under 20 MB; it is not a CMS file or it is damaged: {KEEP}.",
    )
    assert read == []  # refused from the zip's directory, before anything was decompressed


def test_a_damaged_zip_is_refused(tmp_path, good_store):
    archive = make_zip(tmp_path / "RVU25D.zip", bundle_members(tmp_path))
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match=r"^RVU25D.zip is not a readable zip \(.*\); it looks"):
        import_file(archive)
    assert snapshot() == good_store


# --- the store command -------------------------------------------------------------------


def test_store_lists_imports_and_removes_one(tmp_path, capsys):
    assert main(["store"]) == 0
    assert capsys.readouterr().out == (
        f"nothing is imported in {config.store_dir()}: import the official CMS file with "
        "`cpt-workbook import-cms PATH`\n"
    )
    archive = make_zip(tmp_path / "RVU25D.zip", bundle_members(tmp_path))
    import_file(archive)
    assert main(["store"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"imported into {config.store_dir()}:"
    assert out[1].split() == ["kind", "year", "release", "rows", "imported", "source"]
    cells = [line.split() for line in out[2:]]
    assert [c[:-2] for c in cells] == [
        ["rvus", "2025", "RVU25D", "5,000"],
        ["gpci", "2025", "100"],
        ["locality", "2025", "100"],
    ]
    assert [c[-1] for c in cells] == [
        "RVU25D.zip:PPRRVU2025_Oct.csv",
        "RVU25D.zip:GPCI2025.csv",
        "RVU25D.zip:25LOCCO.csv",
    ]
    assert main(["store", "--remove", "rvus", "2025"]) == 0
    assert (
        capsys.readouterr().out == f"removed the 2025 rvus import (RVU25D, {archive.resolve()})\n"
    )
    assert store.years("rvus") == [] and "rvus_2025" not in store.manifest()
    assert set(store.manifest()) == {"gpci_2025", "locality_2025"}
    assert list(config.store_dir().glob(".*")) == []  # no temporary file left
    assert load_rvus(2025).query("hcpcs == '97012'")["release"].astype(str).tolist() == ["RVU25D"]
    assert (load_rvus(2025)["hcpcs"] == "A0001").sum() == 0  # back to the shipped tables


def test_store_remove_refusals(capsys, good_store):
    cli_refuses(
        capsys,
        ["store", "--remove", "rvus", "2026"],
        f"no rvus import for 2026 in the store {config.store_dir()}: see what is imported with "
        "`cpt-workbook store`.",
    )
    cli_refuses(
        capsys,
        ["store", "--remove", "prices", "2025"],
        "'prices' is not a kind of import: use rvus, gpci, locality, icd10.",
    )
    cli_refuses(
        capsys, ["store", "--remove", "rvus", "twenty"], "'twenty' is not a year: write it as 2026."
    )


def test_a_removal_that_cannot_write_the_manifest_keeps_the_table(good_store, monkeypatch):
    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "_write_manifest", refuse)
    with pytest.raises(OSError):
        store.remove("rvus", 2025)
    assert snapshot() == good_store


def test_a_damaged_manifest_is_one_line(capsys, good_store):
    (config.store_dir() / "manifest.json").write_text("[1, 2]")
    cli_refuses(
        capsys,
        ["store"],
        f"the store manifest {config.store_dir() / 'manifest.json'} is damaged: delete it and "
        "import the CMS files again.",
    )


def test_a_locality_file_must_be_whole_and_of_its_kind(tmp_path, good_store):
    refused(
        write_lines(tmp_path / "25LOCCO.csv", locco_lines(n=4)),
        "25LOCCO.csv holds 4 localities where a locality file has about 110; it looks truncated: "
        "import the official LOCCO file (25LOCCO.csv or .txt).",
    )
    refused(
        write_lines(tmp_path / "GPCI2025.csv", gpci_lines()),
        "GPCI2025.csv: MAC 01112 has locality number 'CA'; it is not a locality file: import "
        "the official LOCCO file (25LOCCO.csv or .txt).",
        kind="locality",
    )
    refused(
        write_lines(tmp_path / "25LOCCO.csv", locco_lines()),
        "25LOCCO.csv says its year is 2025, not 2026 as --year says: leave out --year: it is "
        "used only where a file does not say.",
        year=2026,
    )


def test_a_zip_with_same_named_or_two_foldered_rvu_files_is_refused(tmp_path, good_store):
    rvus = write_rvu(tmp_path / "r.csv").read_bytes()
    with zipfile.ZipFile(tmp_path / "twice.zip", "w") as archive:
        archive.writestr("PPRRVU2025_Oct.csv", rvus)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("PPRRVU2025_Oct.csv", rvus.replace(b"0.25", b"0.99"))
    refused(
        tmp_path / "twice.zip",
        "twice.zip holds two members named PPRRVU2025_Oct.csv; the workbook will not guess which "
        "one you mean: unzip it and import the one you mean.",
    )
    members = {"old/PPRRVU2025_Oct.csv": rvus, "new/PPRRVU2025_Oct.csv": rvus}
    refused(
        make_zip(tmp_path / "folders.zip", members),
        "folders.zip holds 2 different national RVU files (new/PPRRVU2025_Oct.csv, "
        "old/PPRRVU2025_Oct.csv); the workbook will not guess which one you mean: unzip it and "
        "import the one you mean.",
    )
    (result,) = import_file(
        make_zip(tmp_path / "one.zip", {"rvu25d/PPRRVU2025_Oct.csv": rvus})
    ).imported
    assert result.source == "one.zip:rvu25d/PPRRVU2025_Oct.csv"
