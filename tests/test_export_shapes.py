"""Encounter exports as practice-management systems write them: headers named in many ways,
values shaped (several codes in a cell, labels, currency), other delimiters and encodings, title
lines, odd files. Every file is small and made here."""

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice import readers as readers
from cpt_analysis.practice.columns import identifier_like, meaning, resolve_columns
from cpt_analysis.practice.formats import clean_names
from cpt_analysis.practice.intake import BAD_ROW, read_encounters

HEAD = "DOS,Provider,CPT,Units,Dx1,POS"


def write(tmp_path, text: str, name: str = "enc.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def one_line(tmp_path, header: str, line: str, **kw):
    return read_encounters(write(tmp_path, f"{header}\n{line}\n"), **kw)


# ---------------------------------------------------------------- headers read by their words


def test_a_charges_export_is_read_by_the_words_of_its_headers(tmp_path):
    text = (
        "Service Date From,Service Date To,Rendering Provider,Patient Name,Procedure Code,"
        "Modifiers,Units,Claim Primary Diagnosis,Place of Service,Charge Amount\n"
        '03/04/2025,03/04/2025,Dr A,Jane Roe,97110,"GP,59",2,"M54.50;M54.2",11 - Office,'
        '"$1,120.00"\n'
    )
    result = read_encounters(write(tmp_path, text))
    assert result.mapping == {
        "date_of_service": "Service Date From",
        "provider": "Rendering Provider",
        "cpt": "Procedure Code",
        "modifiers": "Modifiers",
        "units": "Units",
        "dx_1": "Claim Primary Diagnosis",
        "place_of_service": "Place of Service",
        "charge": "Charge Amount",
    }
    row = result.accepted.iloc[0]
    assert row["date_of_service"] == pd.Timestamp("2025-03-04")
    assert (row["modifier_1"], row["modifier_2"]) == ("GP", "59")
    assert (row["dx_1"], row["dx_2"]) == ("M54.50", "M54.2")
    assert row["place_of_service"] == "11" and row["charge"] == 1120.0 and row["units"] == 2


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            "Encounter ID,Patient ID,Patient Name,Service Start Date,Service End Date,Posting Date,"
            "Rendering Provider,Scheduling Provider,Referring Provider,Procedure Code,"
            "Procedure Name,Mod 1,Mod 2,Units,Diag 1,Diag 2,Place of Service Code,"
            "Place of Service Name,Total Charges,Insurance Payments",
            "Service Start Date,Rendering Provider,Procedure Code,Mod 1,Mod 2,Units,Diag 1,Diag 2,"
            "Place of Service Code,Total Charges,Patient ID,Encounter ID",
        ),
        (
            "Claim ID,Service Date,Rendering Provider,Procedure Code,Procedure Modifiers,Units,"
            "Primary Claim Diagnosis,Secondary Claim Diagnosis,Place of Service,Charge Amount",
            "Service Date,Rendering Provider,Procedure Code,Procedure Modifiers,Units,"
            "Primary Claim Diagnosis,Secondary Claim Diagnosis,Place of Service,Charge Amount,"
            "Claim ID",
        ),
        (
            "Visit Date,Provider,Patient Acct #,CPT,Modifiers,Qty,ICD10 Codes,POS,Fee,Charge Amount",
            "Visit Date,Provider,CPT,Modifiers,Qty,ICD10 Codes,POS,Charge Amount,Patient Acct #",
        ),
    ],
)
def test_whole_headers_of_charges_exports(header, expected):
    names = header.split(",")
    assert [names[i] for i in resolve_columns(names).values()] == expected.split(",")


@pytest.mark.parametrize(
    "header, field",
    [
        ("Service Date From", "date_of_service"),
        ("ServiceDateFrom", "date_of_service"),
        ("DOS (MM/DD/YYYY)", "date_of_service"),
        ("Patient Visit Date", "date_of_service"),
        ("Claim Primary Diagnosis", "dx_1"),
        ("Secondary Diagnosis", "dx_2"),
        ("ICD-10-CM Code 3", "dx_3"),
        ("Diagnosis Codes", "dx_1"),
        ("Modifier B", "modifier_2"),
        ("Servicing Provider Name", "provider"),
        ("CPT4 Code", "cpt"),
        ("Place of Service Code", "place_of_service"),
        ("Line Item Charge Amount", "charge"),
        ("Treatment Time (min)", "minutes"),
        ("Patient Acct No", "patient_id"),
        ("Chart #", "patient_id"),
        ("Acct #", "patient_id"),
    ],
)
def test_headers_recognised_by_meaning(header, field):
    assert meaning(header)[0] == field


@pytest.mark.parametrize(
    "header",
    [
        "Date of Birth",
        "Patient DOB",
        "Billed Date",
        "Posting Date",
        "Service Date To",
        "Diagnosis Description",
        "Diagnosis Pointer",
        "ICD-9 Code",
        "Provider NPI",
        "Referring Provider",
        "Primary Care Physician",
        "Primary Insurance",
        "Modifier Description",
        "Procedure Description",
        "POS Description",
        "Unit Price",
        "Anesthesia Base Units",
        "Paid Amount",
        "Untimed Minutes",
    ],
)
def test_headers_that_are_something_else_are_never_taken(header):
    assert meaning(header) is None


@pytest.mark.parametrize(
    "header",
    ["Patient Name", "MRN", "Account Number", "Member ID", "Client ID", "Client",
     "Subscriber Number", "Patient Account Charge", "Last Name", "Guarantor Diagnosis"],
)  # fmt: skip
def test_identifier_columns_are_never_a_clinical_field(header):
    assert identifier_like(header)
    assert meaning(header) in (None, ("patient_id", False))


def test_wrong_columns_leave_the_field_missing(tmp_path):
    header = "Date of Birth,Billed Date,Posting Date,Provider,CPT,Units,Dx,POS"
    with pytest.raises(WorkbookError) as info:
        one_line(tmp_path, header, "1970-01-01,2025-03-05,2025-03-06,A,97110,1,M54.2,11")
    assert str(info.value) == (
        "the file has no date of service column (its columns: Date of Birth, Billed Date, "
        'Posting Date, Provider, CPT, Units, Dx, POS): name it with --map "Your Column='
        'date_of_service".'
    )


def test_an_exact_alias_wins_over_a_meaning(tmp_path):
    header = "Service Date From,DOS,Provider,CPT,Units,Dx1,POS"
    result = one_line(tmp_path, header, "2025-01-01,2025-03-04,A,97110,1,M54.2,11")
    assert result.mapping["date_of_service"] == "DOS"
    assert result.accepted["date_of_service"].tolist() == [pd.Timestamp("2025-03-04")]


def test_two_columns_that_fit_one_field_are_refused_naming_both(tmp_path):
    header = "DOS,Provider First Name,Provider Last Name,CPT,Units,Dx1,POS"
    path = write(tmp_path, f"{header}\n2025-03-04,Ann,Lee,97110,1,M54.2,11\n")
    with pytest.raises(WorkbookError) as info:
        read_encounters(path)
    assert str(info.value) == (
        "2 columns could be the provider: 'Provider First Name' and 'Provider Last Name': "
        'name the right one with --map "Provider First Name=provider".'
    )
    result = read_encounters(path, mapping={"Provider Last Name": "provider"})
    assert result.accepted["provider"].tolist() == ["Lee"]
    assert result.mapping["provider"] == "Provider Last Name"


def test_a_mapping_names_columns_loosely_and_is_reported(tmp_path):
    header = "When Seen,Provider,CPT,Units,Dx1,POS"
    mapping = {" when seen ": "date of service"}  # spaces, case and the field in words
    result = one_line(tmp_path, header, "2025-03-04,A,97110,1,M54.2,11", mapping=mapping)
    assert result.mapping["date_of_service"] == "When Seen"
    assert result.counts["accepted"] == 1


def test_a_missing_column_message_lists_at_most_20_columns(tmp_path):
    names = [f"Note {i}" for i in range(30)]
    with pytest.raises(WorkbookError) as info:
        resolve_columns(names)
    assert str(info.value).startswith("the file has no date of service column (its columns: ")
    assert "Note 18, Note 19 and 10 more): name it with --map" in str(info.value)


# ---------------------------------------------------------------- values shaped


@pytest.mark.parametrize("cell", ["GP,59", "GP 59", "gp;59", "GP-59", "GP, 59", "GP|59"])
def test_several_modifiers_in_the_one_modifier_column(tmp_path, cell):
    result = one_line(tmp_path, f"{HEAD},Modifier", f'2025-03-04,A,97110,1,M54.2,11,"{cell}"')
    acc = result.accepted
    assert result.mapping["modifier_1"] == "Modifier"
    assert (acc["modifier_1"].tolist(), acc["modifier_2"].tolist()) == (["GP"], ["59"])


def test_more_than_four_modifiers_or_a_bad_one_is_malformed(tmp_path):
    text = f"{HEAD},Modifiers\n" + "".join(
        f'2025-03-04,A,97110,1,M54.2,11,"{cell}"\n' for cell in ("GP 59 KX 76 77", "GP 5", "")
    )
    result = read_encounters(write(tmp_path, text))
    assert result.rejected["reason"].tolist() == ["malformed modifier"] * 2
    assert result.accepted["source_row"].tolist() == [4]


@pytest.mark.parametrize(
    "cell, pos",
    [("11", "11"), ("11 - Office", "11"), ("11-Office", "11"), ("11 Office", "11"),
     ("Office (11)", "11"), ("POS 22", "22"), ("2", "02"), ("11.0", "11"),
     ("02 - Telehealth Provided Other than in Patient's Home", "02")],
)  # fmt: skip
def test_places_of_service_with_labels(tmp_path, cell, pos):
    result = one_line(tmp_path, HEAD, f'2025-03-04,A,97110,1,M54.2,"{cell}"')
    assert result.accepted["place_of_service"].tolist() == [pos]


@pytest.mark.parametrize("cell", ["Office", "11 - 22", "111", "0"])
def test_places_of_service_without_a_code_are_refused(tmp_path, cell):
    result = one_line(tmp_path, HEAD, f'2025-03-04,A,97110,1,M54.2,"{cell}"')
    assert result.rejected["reason"].tolist() == ["bad place of service"]


@pytest.mark.parametrize(
    "cell, charge",
    [("$1,120.00", 1120.0), ("1120", 1120.0), ("1 120.00 USD", 1120.0), ("$ 85.5", 85.5)],
)
def test_charges_with_currency_signs_and_separators(tmp_path, cell, charge):
    result = one_line(tmp_path, f"{HEAD},Charge", f'2025-03-04,A,97110,1,M54.2,11,"{cell}"')
    assert result.accepted["charge"].tolist() == [charge]


def test_a_decimal_comma_export(tmp_path):
    text = (
        "Date of Service;Provider;CPT;Units;Dx;POS;Charge\n"
        "04/03/2025;A;97110;1;M54.2;11;1.120,00\n14/03/2025;A;97110;1;M54.2;11;85,50\n"
    )
    result = read_encounters(write(tmp_path, text))
    assert result.accepted["charge"].tolist() == [1120.0, 85.5]
    assert result.date_order == "day/month"


def test_a_comma_amount_beside_decimal_points_is_refused(tmp_path):
    text = f"{HEAD},Charge\n" + "".join(
        f'2025-03-04,A,97110,1,M54.2,11,"{c}"\n' for c in ("85.50", "1,12", "12.5.0")
    )
    result = read_encounters(write(tmp_path, text))
    assert result.accepted["charge"].tolist() == [85.5]
    assert result.rejected["source_row"].tolist() == [3, 4]
    assert all("charge" in r for r in result.rejected["reason"])


@pytest.mark.parametrize(
    "cell, codes",
    [("M5450", ["M54.50"]), ("M54.50;M54.2", ["M54.50", "M54.2"]),
     ("M54.50, M54.2", ["M54.50", "M54.2"]),
     ("m54.50 | m54.2 | I10 | R52", ["M54.50", "M54.2", "I10", "R52"])],
)  # fmt: skip
def test_diagnoses_without_dots_or_several_in_one_cell(tmp_path, cell, codes):
    result = one_line(tmp_path, HEAD, f'2025-03-04,A,97110,1,"{cell}",11')
    acc = result.accepted
    assert [acc[f"dx_{n}"].iloc[0] for n in range(1, len(codes) + 1)] == codes
    assert f"dx_{len(codes) + 1}" not in acc


@pytest.mark.parametrize(
    "cell", ["M54.50;M54.2;I10;R52;Z00.00", "M54.50;54.2", "M54.50 - Low back pain"]
)
def test_five_diagnoses_or_a_malformed_one_in_a_cell_is_rejected(tmp_path, cell):
    result = one_line(tmp_path, HEAD, f'2025-03-04,A,97110,1,"{cell}",11')
    assert result.rejected["reason"].tolist() == ["malformed ICD-10-CM code"]


def test_several_diagnoses_in_a_cell_when_the_file_has_more_dx_columns(tmp_path):
    result = one_line(tmp_path, f"{HEAD},Dx2", '2025-03-04,A,97110,1,"M54.50;M54.2",11,I10')
    assert result.rejected["reason"].tolist() == ["malformed ICD-10-CM code"]


@pytest.mark.parametrize(
    "cell",
    ["03/04/2025 10:30", "3/4/2025 10:30:00 AM", "4-Mar-2025", "4-Mar-25", "Mar 4, 2025",
     "March 4, 2025", "2025/03/04", "03-04-2025", "45720"],
)  # fmt: skip
def test_more_date_shapes(tmp_path, cell):
    result = one_line(tmp_path, HEAD, f'"{cell}",A,97110,1,M54.2,11')
    assert result.accepted["date_of_service"].tolist() == [pd.Timestamp("2025-03-04")]


# ---------------------------------------------------------------- files shaped


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_semicolon_tab_and_pipe_delimited_exports(tmp_path, sep):
    text = f"Service Date{sep}Provider{sep}CPT{sep}Units{sep}Dx1{sep}POS{sep}Charge\n"
    text += sep.join(["2025-03-04", "Pérez, José", "97110", "1", "M54.2", "11", "$1,120.00"])
    result = read_encounters(write(tmp_path, text + "\n", "enc.txt"))
    assert result.mapping["date_of_service"] == "Service Date"
    assert result.accepted["provider"].tolist() == ["Pérez, José"]
    assert result.accepted["charge"].tolist() == [1120.0]


def test_excel_separator_hint_line(tmp_path):
    text = "sep=;\nDOS;Provider;CPT;Units;Dx1;POS\n2025-03-04;A;97110;1;M54.2;11\n"
    result = read_encounters(write(tmp_path, text))
    assert result.counts["accepted"] == 1
    assert result.accepted["source_row"].tolist() == [3]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])  # with and without the BOM
def test_excel_unicode_text_export(tmp_path, encoding):
    text = HEAD.replace(",", "\t") + "\r\n2025-03-04\tJosé Pérez\t97110\t1\tM54.2\t11\r\n"
    result = read_encounters(write(tmp_path, text, "enc.txt", encoding))
    assert result.accepted["provider"].tolist() == ["José Pérez"]
    assert result.accepted["source_row"].tolist() == [2]


def test_header_spaces_bom_quotes_and_repeated_names(tmp_path):
    text = (
        '\ufeff DOS ,"Provider, Rendering",CPT,Units,Dx1,POS ,Modifier,Modifier,\n'
        "2025-03-04,A,97110,1,M54.2,11,GP,59,\n"
    )
    result = read_encounters(write(tmp_path, text))
    assert result.mapping == {
        "date_of_service": "DOS",
        "provider": "Provider, Rendering",
        "cpt": "CPT",
        "modifier_1": "Modifier",
        "modifier_2": "Modifier (2)",
        "units": "Units",
        "dx_1": "Dx1",
        "place_of_service": "POS",
    }
    assert result.accepted["modifier_2"].tolist() == ["59"]
    assert clean_names([" a ", None, "a", "a", ""]) == [
        "a", "Column 2", "a (2)", "a (3)", "Column 5"
    ]  # fmt: skip


def test_rows_that_all_end_in_an_extra_empty_field(tmp_path):
    text = f"{HEAD}\n" + "2025-03-04,A,97110,1,M54.2,11,\n" * 2 + "2025-03-04,A,97110\n"
    result = read_encounters(write(tmp_path, text))
    assert result.accepted["source_row"].tolist() == [2, 3]
    assert result.rejected["reason"].tolist() == [BAD_ROW]  # a short row is still malformed
    one = read_encounters(write(tmp_path, f"{HEAD}\n2025-03-04,A,97110,1,M54.2,11,,\n"))
    assert one.counts["accepted"] == 1


@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_old_mac_and_windows_line_ends(tmp_path, end):
    text = end.join([HEAD, "2025-03-04,A,97110,1,M54.2,11", "2025-03-05,A,97110,1,M54.2,11"])
    assert read_encounters(write(tmp_path, text + end)).accepted["source_row"].tolist() == [2, 3]


def test_a_line_break_inside_a_quoted_header_name(tmp_path):
    text = '"Date of\nService",Provider,CPT,Units,Dx1,POS\n2025-03-04,A,97110,1,M54.2,11\n'
    result = read_encounters(write(tmp_path, text))
    assert result.mapping["date_of_service"] == "Date of\nService"
    assert result.accepted["source_row"].tolist() == [2] and result.counts["rejected"] == 0


def test_the_reported_mapping_reads_the_file_again(tmp_path):
    from cpt_analysis.practice.intake import parse_mapping

    text = (
        "Service Date From,Servicing Provider Name,Patient Acct No,CPT4 Code,Modifier,Modifier,"
        "Qty,Claim Primary Diagnosis,POS\n2025-03-04,A,P1,97110,GP,59,1,M54.2,11\n"
    )
    path = write(tmp_path, text)
    first = read_encounters(path)
    assert first.column_map == (
        "Service Date From=date_of_service; Servicing Provider Name=provider; CPT4 Code=cpt; "
        "Modifier=modifier_1; Modifier (2)=modifier_2; Qty=units; Claim Primary Diagnosis=dx_1; "
        "POS=place_of_service; Patient Acct No=patient_id"
    )
    again = read_encounters(path, mapping=parse_mapping(first.column_map.split(";")))
    assert again.mapping == first.mapping
    assert again.accepted.equals(first.accepted)


def test_a_header_without_rows(tmp_path):
    assert read_encounters(write(tmp_path, HEAD + "\n")).counts == {
        "input": 0, "accepted": 0, "rejected": 0, "blank_lines": 0
    }  # fmt: skip


def test_report_title_lines_above_the_header(tmp_path):
    text = (
        "Charges Detail Report\nRun: 03/05/2025, by billing\n\n"
        f"{HEAD}\n2025-03-04,A,97110,1,M54.2,11\n2025-03-04,A,97110\n2025-03-05,A,97110,1,I10,11\n"
    )
    result = read_encounters(write(tmp_path, text))
    assert result.accepted["source_row"].tolist() == [5, 7]  # the file's own line numbers
    assert result.rejected["source_row"].tolist() == [6]
    assert result.rejected["reason"].tolist() == [BAD_ROW]


def test_excel_title_rows_real_dates_and_numbers(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["Encounters, March 2025"])
    ws.append([])
    ws.append(["Date of Service", "Provider", "CPT", "Modifier", "Units", "Diagnosis", "POS",
               "Charge"])  # fmt: skip
    ws.append([dt.datetime(2025, 3, 4), "A", 97110, "GP,59", 1, "M54.50;M54.2", 11, 1120.5])
    ws.append([dt.datetime(2025, 3, 4, 10, 30), "A", 97110, 59, 1.0, "M5450", "11 - Office", 80])
    ws.append([45721, "A", 97110, None, 1, "I10", 11, None])  # a date number in a General cell
    path = tmp_path / "enc.xlsx"
    book.save(path)
    result = read_encounters(path)
    acc = result.accepted
    assert acc["source_row"].tolist() == [4, 5, 6]
    assert acc["date_of_service"].tolist() == [pd.Timestamp("2025-03-04")] * 2 + [
        pd.Timestamp("2025-03-05")
    ]
    assert acc["modifier_1"].tolist()[:2] == ["GP", "59"]
    assert acc["modifier_2"].tolist()[0] == "59"
    assert acc["dx_2"].tolist()[0] == "M54.2" and acc["dx_1"].tolist()[1] == "M54.50"
    assert acc["place_of_service"].tolist() == ["11"] * 3
    assert acc["charge"].tolist()[:2] == [1120.5, 80.0] and np.isnan(acc["charge"].iloc[2])


def test_files_are_told_apart_by_content_not_name(tmp_path):
    book = Workbook()
    book.active.append(HEAD.split(","))
    book.active.append(["2025-03-04", "A", "97110", 1, "M54.2", 11])
    book.save(tmp_path / "enc.csv")  # an .xlsx named .csv
    assert read_encounters(tmp_path / "enc.csv").counts["accepted"] == 1
    tsv = HEAD.replace(",", "\t") + "\n2025-03-04\tA\t97110\t1\tM54.2\t11\n"
    assert read_encounters(write(tmp_path, tsv, "enc.xls")).counts["accepted"] == 1  # text .xls


def _message(path) -> str:
    with pytest.raises(WorkbookError) as info:
        readers.read_file(path, lambda names: ({}, [], set()))
    return str(info.value)


def test_files_that_are_no_export_say_what_they_are(tmp_path):
    assert _message(tmp_path) == f"{tmp_path} is a folder, not a file: give the export file's path."
    binary = tmp_path / "enc.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert _message(binary) == (
        "enc.csv is not a text or Excel file (it looks binary): export the encounters as CSV or "
        ".xlsx."
    )
    page = write(tmp_path, "<!DOCTYPE html>\n<html><table><tr><td>DOS</td></tr></table>", "e.xls")
    assert _message(page) == (
        "e.xls is a web page (HTML), not a spreadsheet: open it in Excel and save it as .xlsx or "
        "CSV."
    )
    assert _message(write(tmp_path, " \r\n\n", "blank.csv")) == (
        "blank.csv is empty: export the encounters with a header."
    )


def test_a_thousand_columns_read_without_a_warning(tmp_path):
    extra = [f"Note {i}" for i in range(994)]
    text = ",".join([HEAD, *extra]) + "\n"
    text += "".join(
        f"2025-03-04,A,97110,{u},M54.2,11," + ",".join(["x"] * 994) + "\n" for u in (1, 0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = read_encounters(write(tmp_path, text))
    assert result.counts == {"input": 2, "accepted": 1, "rejected": 1, "blank_lines": 0}


def test_a_truncated_file_rejects_the_cut_row(tmp_path):
    whole = f"{HEAD}\n2025-03-04,José,97110,1,M54.2,11\n2025-03-05,José,97110,1,M54.2,11\n"
    data = whole.encode("utf-8")
    for cut, at in ((-10, "mid-row"), (-28, "mid-character")):  # -28 splits the second é
        path = tmp_path / f"{at}.csv"
        path.write_bytes(data[:cut])
        result = read_encounters(path)
        assert result.accepted["provider"].tolist() == ["José"], at  # no Windows-1252 misread
        assert result.rejected["source_row"].tolist() == [3], at
        assert result.rejected["reason"].tolist() == [BAD_ROW], at
    path = write(tmp_path, whole.replace(",", "\t"), "u16.txt", "utf-16")
    path.write_bytes(path.read_bytes()[:-21])  # an odd byte count: half a character
    result = read_encounters(path)
    assert result.counts["accepted"] == 1 and result.rejected["reason"].tolist() == [BAD_ROW]
