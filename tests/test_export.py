"""Exports: formulas neutralised in CSV and Excel, atomic writes, no patient identifiers."""

import csv
import os

import pandas as pd
import pytest
from openpyxl import load_workbook

from cpt_analysis import export
from cpt_analysis.errors import WorkbookError
from cpt_analysis.export import (
    neutralise,
    refuse_identifiers,
    sheet_names,
    write_csv,
    write_excel,
)

FORMULA = '=HYPERLINK("http://x","y")'


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "provider": [FORMULA, "+1", "-x", "@SUM(A1)", "\tx", "\rx", "Dr A", "#N/A"],
            "amount": [-5.0, 3.25, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "lines": [-1, 2, 3, 4, 5, 6, 7, 8],
            "cpt": pd.Categorical(["=1+1", "97110"] * 4),
        }
    )


def test_neutralise_text_only():
    out = neutralise(table())
    assert out["provider"].tolist() == [
        "'" + FORMULA,
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Dr A",
        "#N/A",
    ]
    assert out["amount"].tolist()[0] == -5.0 and out["amount"].dtype == "float64"
    assert out["lines"].tolist()[0] == -1 and out["lines"].dtype == "int64"
    assert out["cpt"].tolist()[:2] == ["'=1+1", "97110"]
    assert table()["provider"].iloc[0] == FORMULA  # the input is not modified


def test_formula_provider_arrives_as_text_in_csv(tmp_path):
    path = write_csv(tmp_path / "out.csv", table())
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["provider", "amount", "lines", "cpt"]
    assert rows[1] == ["'" + FORMULA, "-5.0", "-1", "'=1+1"]
    # every text cell survives as one cell, a carriage return included
    assert [r[0] for r in rows[1:]] == ["'" + FORMULA, "'+1", "'-x", "'@SUM(A1)", "'\tx",
                                        "'\rx", "Dr A", "#N/A"]  # fmt: skip
    assert path.read_bytes().count(b"\r\n") == 9  # header + 8 rows


def test_formula_provider_arrives_as_text_in_excel(tmp_path):
    frame = table().assign(day=pd.Timestamp("2025-03-04"), missing=[None] * 8)
    path = write_excel(tmp_path / "out.xlsx", {"Provider month": frame, "codes": frame.head(1)})
    book = load_workbook(path)
    ws = book["Provider month"]
    cell = ws["A2"]
    assert cell.value == "'" + FORMULA and cell.data_type == "s"
    assert ws["A9"].value == "#N/A" and ws["A9"].data_type == "s"  # text, not an error value
    assert ws["B2"].value == -5 and ws["B2"].data_type == "n"  # numbers stay numbers
    assert ws["C2"].value == -1
    assert ws["D2"].value == "'=1+1" and ws["D2"].data_type == "s"
    assert ws["E2"].value.date().isoformat() == "2025-03-04"
    assert ws["F2"].value is None
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", c.coordinate
    assert book.sheetnames == ["About", "Provider month", "codes"]  # About first


def test_sheet_names_are_made_safe():
    names = sheet_names(["a" * 40, "a" * 40, "Q1/Q2: [draft]?", "", "Codes", "codes"])
    assert names[0] == "a" * 31
    assert names[1] == "a" * 29 + "~2" and len(names[1]) == 31
    assert names[2] == "Q1_Q2_ _draft__"
    assert names[3] == "Sheet"
    assert names[4:] == ["Codes", "codes~2"]


def test_written_files_get_ordinary_permissions(tmp_path):
    path = write_csv(tmp_path / "out.csv", table())
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not the 0600 of a temporary file
    path.chmod(0o640)
    write_csv(path, table())
    assert path.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its permissions


def test_failed_csv_write_keeps_the_good_file(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "out.csv", table())
    good = path.read_bytes()

    def broken(self, target, **kwargs):
        with open(target, "w") as fh:
            fh.write("half a fi")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_csv(path, table().head(1))
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # temporary file removed


def test_failed_excel_write_keeps_the_good_file(tmp_path, monkeypatch):
    path = write_excel(tmp_path / "out.xlsx", {"t": table()})
    good = path.read_bytes()

    def broken(tmp, sheets, about):
        tmp.write_bytes(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        write_excel(path, {"t": table().head(1)})
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


@pytest.mark.parametrize("column", ["patient_id", "Patient Name", "MRN", "dob", "encounter_id"])
def test_patient_identifiers_are_refused(tmp_path, column):
    frame = table().assign(**{column: "x"})
    with pytest.raises(WorkbookError, match="refusing to export patient identifier column"):
        refuse_identifiers(frame)
    with pytest.raises(WorkbookError, match=column):
        write_csv(tmp_path / "out.csv", frame)
    with pytest.raises(WorkbookError, match=column):
        write_excel(tmp_path / "out.xlsx", {"t": frame})
    assert not list(tmp_path.iterdir())  # nothing written at all
    refuse_identifiers(table().assign(patients=3))  # a count of patients is an aggregate


def test_excel_limits(tmp_path, monkeypatch):
    with pytest.raises(WorkbookError, match="nothing to write to Excel"):
        write_excel(tmp_path / "x.xlsx", {})
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 5)
    with pytest.raises(WorkbookError, match="sheet 't' has 8 rows, more than Excel holds"):
        write_excel(tmp_path / "x.xlsx", {"t": table()})
