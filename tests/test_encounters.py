"""Encounter import: every row accepted or rejected with its reasons, aliases, mapping, Excel."""

import csv
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice.intake import (
    BAD_CHARGE,
    BAD_MINUTES,
    BAD_ROW,
    BAD_UNITS,
    UNKNOWN_CODE,
    read_encounters,
)
from cpt_analysis.practice.synth import write_encounters

HEADER = "DOS,Rendering Provider,Patient ID,CPT,Mod1,Mod2,Units,Minutes,Dx1,Dx2,POS,Charge\n"
# each line is (file row number, text); row 1 is the header
DIRTY = [
    (2, "2025-03-04,Dr A,P1,97110,GP,,2,30,M54.50,,11,100"),
    (3, "2025-03-04,Dr A,P1,97140,GP,,1,15,M5450,I10,11,50"),
    (4, "03/05/2025,Dr B,P2,00100,,,1,,K11.5,,22,"),
    (5, "2025-02-30,Dr B,P2,99213,,,1,,I10,,11,"),
    (6, "2025-03-06,,P3,99213,,,1,,I10,,11,"),
    (7, "2025-03-06,Dr B,P3,9701,,,1,,I10,,11,"),
    (8, "2025-03-06,Dr B,P3,0000F,,,1,,I10,,11,"),  # shaped like 0001F, never a code
    (9, "2025-03-06,Dr B,P3,99213,,,0,,I10,,11,"),
    (10, "2025-03-06,Dr B,P3,99213,,,two,,54.5,,11,"),
    (11, "2025-03-06,Dr B,P3,99213,,,1,,,,XX,"),
    (12, '2025-03-06,"=HYPERLINK(""http://x"",""y"")",P3,72148,26,,1,,M54.16,,22,'),
    (13, "2019-03-06,Dr B,P3,99213,,,1,,I10,,11,"),
    (14, "2025-03-06,Dr B,P3,99213,25,,1,,I10,,11,abc"),
    (15, "2025-03-06,Dr B,P3,97110,GP,,1"),
    (16, ",,,,,,,,,,,"),
    (17, ""),
    (18, "2025-03-07,Dr C,P4,97012,GP,,1,10,M54.5,M51.2,11,20"),
    (19, "2025-03-07,Dr C,P4,99213,2,,1,,I10,,11,"),
    (20, "2025-03-07,Dr C,P4,97110,26,,1,,I10,,11,"),
    (21, "2025-03-07,Dr C,P4,99213,,,-1,,I10,,11,"),
    (22, "2025-03-07,Dr C,P4,99213,,,1.5,,I10,,11,"),
    (23, "2025-03-07,Dr C,P4,99213,,,1,-5,I10,,11,"),
]
EXPECTED_REJECTED = {
    5: "bad date of service",
    6: "missing provider",
    7: "malformed CPT/HCPCS code",
    8: UNKNOWN_CODE,
    9: BAD_UNITS,
    10: f"{BAD_UNITS}; malformed ICD-10-CM code",
    11: "no diagnosis code; bad place of service",
    13: "date outside the fee-schedule years",
    14: BAD_CHARGE,
    15: BAD_ROW,
    19: "malformed modifier",
    20: "modifier 26/TC not priced for the code",
    21: BAD_UNITS,
    22: BAD_UNITS,
    23: BAD_MINUTES,
}


def write(tmp_path, text: str, name: str = "enc.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def dirty(tmp_path):
    return read_encounters(write(tmp_path, HEADER + "\n".join(t for _, t in DIRTY) + "\n"))


def test_dirty_file_reconciles_row_by_row(dirty):
    # 22 lines after the header; rows 16 (only commas) and 17 (empty) hold no value at all
    assert dirty.counts == {"input": 20, "accepted": 5, "rejected": 15, "blank_lines": 2}
    assert dirty.counts["accepted"] + dirty.counts["rejected"] == dirty.counts["input"]
    assert dirty.accepted["source_row"].tolist() == [2, 3, 4, 12, 18]
    got = dict(zip(dirty.rejected["source_row"], dirty.rejected["reason"], strict=True))
    assert got == EXPECTED_REJECTED


def test_reason_counts_and_summary(dirty):
    counts = dict(zip(*dirty.reason_counts().T.to_numpy(), strict=True))
    assert counts["units not a whole number from 1 to 999"] == 4
    assert counts[BAD_ROW] == 1 and counts["malformed ICD-10-CM code"] == 1
    assert sum(counts.values()) == 17  # 15 rows; rows 10 and 11 have two problems each
    text = dirty.summary()
    assert text.splitlines()[0] == "22 lines read: 5 accepted, 15 rejected, 2 skipped as blank"


def test_rejected_rows_keep_their_original_values_but_no_patient_id(dirty):
    rejected = dirty.rejected.set_index("source_row")
    # the fields read, under their field names; never the patient id
    assert list(rejected.columns) == ["date_of_service", "provider", "cpt", "modifier_1",
                                      "modifier_2", "units", "minutes", "dx_1", "dx_2",
                                      "place_of_service", "charge", "reason"]  # fmt: skip
    assert rejected.loc[8, "cpt"] == "0000F"  # the code keeps its leading zeros
    assert rejected.loc[10, "units"] == "two" and rejected.loc[10, "dx_1"] == "54.5"
    assert rejected.loc[5, "date_of_service"] == "2025-02-30"
    assert rejected.loc[15, "provider"] == ""  # a malformed row cannot be split


def test_accepted_lines_are_typed(dirty):
    acc = dirty.accepted.set_index("source_row")
    assert str(acc["date_of_service"].dtype).startswith("datetime64")
    assert acc["units"].dtype == np.int64
    for col in ("provider", "cpt", "dx_1", "place_of_service", "modifier_1"):
        assert isinstance(acc[col].dtype, pd.CategoricalDtype), col
    assert acc.loc[4, "cpt"] == "00100"  # leading zeros kept
    assert acc.loc[4, "date_of_service"] == pd.Timestamp("2025-03-05")  # US date read
    assert acc.loc[3, "dx_1"] == "M54.50"  # M5450 without the dot, dotted
    assert pd.isna(acc.loc[2, "dx_2"]) and acc.loc[3, "dx_2"] == "I10"
    assert acc.loc[12, "provider"] == '=HYPERLINK("http://x","y")'
    assert acc.loc[12, "pricing_modifier"] == "26" and acc.loc[2, "pricing_modifier"] == ""
    assert acc.loc[2, "minutes"] == 30.0 and np.isnan(acc.loc[4, "minutes"])
    assert acc.loc[2, "charge"] == 100.0
    assert acc.loc[12, "place_of_service"] == "22"


def test_write_rejected_is_neutralised_and_identifier_free(dirty, tmp_path):
    bad = tmp_path / "bad.csv"
    dirty.write_rejected(bad)
    with bad.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 15 and "Patient ID" not in rows[0] and "patient_id" not in rows[0]
    assert {r["source_row"]: r["reason"] for r in rows}["7"] == "malformed CPT/HCPCS code"
    assert not list(tmp_path.glob(".bad.csv.*"))  # no temporary file left behind


def test_aliases_map_automatically(tmp_path):
    text = (
        "Service Date,rendering_provider,PROCEDURE CODE,Mod 1,Units,ICD10_1,icd10_2,Place of "
        "Service,Encounter ID\n2025-06-02,Dr A,97110,GP,1,M54.2,M5450,11,E1\n"
    )
    result = read_encounters(write(tmp_path, text))
    assert result.mapping == {
        "date_of_service": "Service Date",
        "provider": "rendering_provider",
        "cpt": "PROCEDURE CODE",
        "modifier_1": "Mod 1",
        "units": "Units",
        "dx_1": "ICD10_1",
        "dx_2": "icd10_2",
        "place_of_service": "Place of Service",
        "encounter_id": "Encounter ID",
    }
    assert result.accepted["dx_2"].tolist() == ["M54.50"]
    # no patient id: the encounter id is read (internally) as the visit key
    assert result.accepted["encounter_id"].tolist() == ["E1"]


def test_explicit_mapping_wins(tmp_path):
    text = (
        "When,Who,What,How many,Why,Where,Code,Acct\n"
        "2025-06-02,Dr A,97110,2,M54.2,11,junk,A-17\n2025-06-02,Dr A,97110,0,M54.2,11,junk,A-18\n"
    )
    mapping = {
        "When": "date_of_service",
        "Who": "provider",
        "What": "cpt",
        "How many": "units",
        "Why": "dx_1",
        "Where": "place_of_service",
        "Acct": "patient_id",
    }
    result = read_encounters(write(tmp_path, text), mapping=mapping)
    assert result.counts["accepted"] == 1
    assert result.accepted["cpt"].tolist() == ["97110"]  # not the "Code" column
    assert result.mapping["cpt"] == "What"
    assert result.accepted["patient_id"].tolist() == ["A-17"]  # kept inside, for the reduction
    assert "Acct" not in result.rejected.columns  # but never shown, whatever its name
    assert "patient_id" not in result.rejected.columns
    assert "Code" not in result.rejected.columns  # a column mapped to no field is not read
    assert result.rejected["units"].tolist() == ["0"]


def test_mapping_mistakes_are_one_line(tmp_path):
    path = write(tmp_path, "DOS,Provider,CPT,Units,Dx1,POS\n2025-01-02,A,97110,1,M54.2,11\n")
    with pytest.raises(WorkbookError, match="the file has no column 'Nope': its columns are DOS"):
        read_encounters(path, mapping={"Nope": "cpt"})
    with pytest.raises(WorkbookError, match="'procedure' is not a field: use one of"):
        read_encounters(path, mapping={"CPT": "procedure"})


def test_missing_required_column_names_the_file_columns(tmp_path):
    path = write(tmp_path, "DOS,Provider,CPT,Units,Dx1\n2025-01-02,A,97110,1,M54.2\n")
    with pytest.raises(WorkbookError) as info:
        read_encounters(path)
    message = str(info.value)
    assert "\n" not in message
    assert message == (
        "the file has no place of service column (its columns: DOS, Provider, CPT, Units, "
        'Dx1): name it with --map "Your Column=place_of_service".'
    )


def test_missing_file_and_old_excel(tmp_path):
    with pytest.raises(WorkbookError, match="does not exist"):
        read_encounters(tmp_path / "nope.csv")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # an old workbook's start
    with pytest.raises(WorkbookError, match="old .xls workbook: save it as .xlsx or CSV"):
        read_encounters(old)


def test_excel_input(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["DOS", "Provider", "Patient Name", "CPT", "Units", "Dx1", "POS"])
    ws.append([dt.datetime(2025, 3, 4), "Dr A", "Jane Roe", 97110, 2, "M54.50", 11])
    ws.append([dt.datetime(2025, 3, 5), "Dr B", "John Doe", 100, 1.0, "K11.5", "22"])
    ws.append([None] * 7)  # blank row: skipped, not counted
    ws.append(["2025-03-06", "Dr B", "Ann Poe", "0000F", 1, "I10", 11])
    ws.append([dt.datetime(2025, 3, 7), "Dr B", "Ann Poe", 9701, 0, "I10", 11])
    path = tmp_path / "enc.xlsx"
    book.save(path)
    result = read_encounters(path)
    assert result.counts == {"input": 4, "accepted": 2, "rejected": 2, "blank_lines": 0}
    acc = result.accepted
    assert acc["source_row"].tolist() == [2, 3]  # Excel row numbers
    assert acc["cpt"].tolist() == ["97110", "00100"]  # the numeric cell 100 was 00100
    assert acc["units"].tolist() == [2, 1]
    assert acc["place_of_service"].tolist() == ["11", "22"]
    assert acc["date_of_service"].tolist() == [
        pd.Timestamp("2025-03-04"),
        pd.Timestamp("2025-03-05"),
    ]
    rejected = result.rejected.set_index("source_row")
    assert "Patient Name" not in rejected.columns  # identifiers are not even read
    assert rejected.loc[5, "reason"] == UNKNOWN_CODE
    assert rejected.loc[6, "cpt"] == "09701"  # a numeric CPT cell is padded to five digits
    assert rejected.loc[6, "reason"] == f"{UNKNOWN_CODE}; {BAD_UNITS}"


def test_excel_data_after_a_cover_sheet(tmp_path):
    book = Workbook()
    cover = book.active
    cover.title = "Read me"
    cover.append(["Encounters exported 2025-04-01"])
    cover.append(["Questions: billing office"])
    book.create_sheet("Empty")
    data = book.create_sheet("Encounters")
    data.append(["DOS", "Provider", "CPT", "Units", "Dx1", "POS"])
    data.append([dt.datetime(2025, 3, 4), "Dr A", "97110", 2, "M54.50", 11])
    path = tmp_path / "enc.xlsx"
    book.save(path)
    result = read_encounters(path)
    assert result.counts == {"input": 1, "accepted": 1, "rejected": 0, "blank_lines": 0}
    assert result.accepted["cpt"].tolist() == ["97110"]
    del book["Encounters"]
    book.save(path)
    with pytest.raises(WorkbookError) as info:
        read_encounters(path)
    assert str(info.value) == (
        "the file has no date of service column (its columns: Encounters exported 2025-04-01), "
        'on any of its 2 sheets: name it with --map "Your Column=date_of_service".'
    )


def test_combined_modifier_column(tmp_path):
    text = 'DOS,Provider,CPT,Modifiers,Units,Dx1,POS\n2025-06-02,A,72148,"26, 59",1,M54.16,22\n'
    acc = read_encounters(write(tmp_path, text)).accepted
    assert acc["modifier_1"].tolist() == ["26"] and acc["modifier_2"].tolist() == ["59"]
    assert acc["pricing_modifier"].tolist() == ["26"]


def test_locality_column_is_checked_per_year(tmp_path):
    text = (
        "DOS,Provider,CPT,Units,Dx1,POS,Locality\n"
        "2025-06-02,A,97110,1,M54.2,11,01112-05\n"
        "2025-06-02,A,97110,1,M54.2,11,manhattan\n"
        "2025-06-02,A,97110,1,M54.2,11,nowhere-at-all\n"
        "2025-06-02,A,97110,1,M54.2,11,\n"
    )
    result = read_encounters(write(tmp_path, text))
    assert result.accepted["locality"].tolist()[:2] == ["01112-05", "13202-01"]
    assert pd.isna(result.accepted["locality"].iloc[2])  # blank: national
    assert result.rejected["reason"].tolist() == ["unknown locality"]


def test_synthetic_file_reconciles(tmp_path):
    path = write_encounters(tmp_path / "synth.csv", 3000, seed=5, dirty_share=0.03)
    result = read_encounters(path)
    assert result.counts["input"] == 3000
    assert result.counts["accepted"] + result.counts["rejected"] == 3000
    assert result.counts["rejected"] == 90  # each dirty row carries exactly one defect
    assert result.reason_counts()["rows"].sum() == 90
    assert "Patient ID" not in result.rejected.columns
    assert "Encounter ID" not in result.rejected.columns


def test_windows_1252_export(tmp_path):
    # the accented name sits far past the first block a text reader would sniff
    lines = ["DOS,Provider,CPT,Units,Dx1,POS"] + ["2025-01-02,A,97110,1,M54.2,11"] * 20_000
    path = tmp_path / "latin.csv"
    path.write_text("\n".join([*lines, "2025-01-02,José Pérez,97110,1,M54.2,11"]) + "\n", "cp1252")
    result = read_encounters(path)
    assert result.counts["accepted"] == 20_001
    assert result.accepted["provider"].iloc[-1] == "José Pérez"
    assert result.accepted["source_row"].iloc[-1] == 20_002


@pytest.mark.parametrize(
    "text, day",
    [
        ("2025-03-04", "2025-03-04"),
        ("03/04/2025", "2025-03-04"),
        ("3/4/25", "2025-03-04"),
        ("20250304", "2025-03-04"),
        ("2025-03-04 10:30:00", "2025-03-04"),
        ("2025-03", None),  # a partial date is not a date of service
        ("04.03.2025", None),
        ("2025-02-29", None),  # 2025 is not a leap year
    ],
)
def test_date_forms(tmp_path, text, day):
    body = f"DOS,Provider,CPT,Units,Dx1,POS\n{text},A,97110,1,M54.2,11\n"
    result = read_encounters(write(tmp_path, body))
    if day is None:
        assert result.rejected["reason"].tolist() == ["bad date of service"]
    else:
        assert result.accepted["date_of_service"].tolist() == [pd.Timestamp(day)]


def test_day_first_dates_are_recognised_from_the_file_itself(tmp_path):
    head = "DOS,Provider,CPT,Units,Dx1,POS\n"
    day_first = head + "25/03/2025,A,97110,1,M54.2,11\n04/03/2025,A,97110,1,M54.2,11\n"
    result = read_encounters(write(tmp_path, day_first))
    assert result.date_order == "day/month"
    assert result.accepted["date_of_service"].tolist() == [
        pd.Timestamp("2025-03-25"),
        pd.Timestamp("2025-03-04"),  # 04/03 read day first, like the rest of the file
    ]
    us = head + "03/25/2025,A,97110,1,M54.2,11\n04/03/2025,A,97110,1,M54.2,11\n"
    result = read_encounters(write(tmp_path, us))
    assert result.date_order == "month/day"
    assert result.accepted["date_of_service"].tolist() == [
        pd.Timestamp("2025-03-25"),
        pd.Timestamp("2025-04-03"),
    ]
    mixed = head + "25/03/2025,A,97110,1,M54.2,11\n03/25/2025,A,97110,1,M54.2,11\n"
    result = read_encounters(write(tmp_path, mixed))  # no single reading fits: US, one rejected
    assert result.date_order == "month/day"
    assert result.rejected["reason"].tolist() == ["bad date of service"]
    assert result.counts["accepted"] + result.counts["rejected"] == 2


def test_the_practice_headline_says_when_dates_were_read_day_first(tmp_path):
    from cpt_analysis.practice.report import practice_report

    body = "DOS,Provider,Patient ID,CPT,Units,Dx1,POS\n25/03/2025,A,P1,97110,1,M54.2,11\n"
    report = practice_report(write(tmp_path, body), 2025)
    assert report.headline.endswith(
        "Dates were read day first (day/month), as the file writes them."
    )
