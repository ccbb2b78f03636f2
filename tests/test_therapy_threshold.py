"""The therapy threshold (KX): running totals per patient, year and kind, hand-computed."""

import numpy as np
import pandas as pd
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.practice.therapy_threshold import (
    FINDING,
    kx_findings,
    load_thresholds,
    threshold_cases,
)


def test_the_thresholds_are_the_official_figures_with_their_source():
    table = load_thresholds()
    assert table[["year", "threshold"]].values.tolist() == [
        [2020, 2080], [2021, 2110], [2022, 2150], [2023, 2230], [2024, 2330], [2025, 2410],
        [2026, 2480],
    ]  # fmt: skip
    assert set(table["targeted_review"]) == {3000}
    assert table["source"].str.contains("Physician Fee Schedule final rule").all()
    assert table.loc[5, "source"].startswith("CY2025 Physician Fee Schedule final rule")


def lines_and_prices(rows):
    """rows: (date, patient, cpt, mod_1, mod_2, final_amount) -> (lines, explained)."""
    frame = pd.DataFrame(rows, columns=["date_of_service", "patient_id", "cpt", "modifier_1",
                                        "modifier_2", "final_amount"])  # fmt: skip
    frame.insert(0, "source_row", np.arange(2, len(rows) + 2))
    frame["provider"] = "Ann Lee PT"
    frame["date_of_service"] = pd.to_datetime(frame["date_of_service"])
    explained = frame[["source_row", "final_amount"]]
    return frame.drop(columns="final_amount"), explained


ROWS = [
    ("2025-01-06", "P1", "97110", "GP", "", 1000.00),  # row 2: total 1000
    ("2025-02-03", "P1", "97140", "GP", "", 1000.00),  # row 3: 2000
    ("2025-03-03", "P1", "97110", "GP", "", 500.00),  # row 4: 2500 > 2410: crossed, no KX
    ("2025-04-01", "P1", "97110", "GP", "KX", 300.00),  # row 5: 2800 with KX: fine
    ("2025-05-01", "P1", "97110", "GP", "", 300.00),  # row 6: 3100 > 3000, no KX
    ("2025-02-10", "P1", "97530", "GO", "", 800.00),  # row 7: OT apart: 800
    ("2025-06-02", "P2", "92507", "GN", "", 2409.99),  # row 8: SLP, just under
    ("2025-06-09", "P2", "97110", "GP", "KX", 0.02),  # row 9: GN + GP together: 2410.01
    ("2025-06-09", "P3", "99213", "", "", 5000.00),  # row 10: not therapy
    ("2024-12-30", "P1", "97110", "GP", "", 2400.00),  # row 11: 2024: past its $2,330
]


def test_crossing_date_lines_without_kx_and_targeted_review():
    lines, explained = lines_and_prices(ROWS)
    cases = threshold_cases(lines, explained)
    assert "patient_id" not in cases.columns
    got = cases.set_index(["year", "kind", "case"])
    assert cases[["case", "year", "kind", "allowed", "lines", "lines_from_crossing",
                  "without_kx", "past_targeted_review"]].values.tolist() == [
        [1, 2024, "PT/SLP", 2400.00, 1, 1, 1, False],  # crossed 2024-12-30 ($2,330)
        [2, 2025, "PT/SLP", 3100.00, 5, 3, 2, True],
        [3, 2025, "PT/SLP", 2410.01, 2, 1, 0, False],  # crossed with KX: no finding
        [4, 2025, "OT", 800.00, 1, 0, 0, False],
    ]  # fmt: skip
    assert cases["crossed_on"].dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "2024-12-30",
        "2025-03-03",
        "2025-06-09",
        "",
    ]
    assert cases.loc[1, "targeted_review_on"] == pd.Timestamp("2025-05-01")
    assert got.index.is_unique
    found = kx_findings(lines, explained)
    assert found["line_ref"].tolist() == [11, 4, 6]
    assert set(found["finding"]) == {FINDING}
    assert found.set_index("line_ref").loc[4, "detail"] == (
        "the patient's PT/SLP therapy allowed in 2025 reaches $2,500.00 with this line, past "
        "the $2,410 threshold of 2025: the line needs the KX modifier"
    )
    assert (
        found.set_index("line_ref")
        .loc[6, "suggestion"]
        .endswith("past $3,000 the claims may be reviewed")
    )


def test_no_patient_ids_no_judgement_and_a_year_without_threshold():
    lines, explained = lines_and_prices(ROWS)
    assert threshold_cases(lines.drop(columns="patient_id"), explained).empty
    assert kx_findings(lines.drop(columns="patient_id"), explained).empty
    lines.loc[0, "date_of_service"] = pd.Timestamp("2019-05-01")
    with pytest.raises(WorkbookError, match="no KX threshold for 2019 in data/kx_thresholds.csv"):
        threshold_cases(lines, explained)
    assert 2 not in kx_findings(lines, explained)["line_ref"].tolist()  # 2019: not judged


def test_on_prices_from_explain(tmp_path):
    """Through the importer and the pricing: 97110 x4 at the 2025 national amount, twice a
    week, crosses $2,410 on the visit whose running total first exceeds it."""
    from cpt_analysis.practice.intake import read_encounters
    from cpt_analysis.practice.productivity import explain

    days = pd.bdate_range("2025-01-06", periods=60, freq="W-MON")
    rows = [f"{d:%Y-%m-%d},Ann Lee PT,P1,97110,GP,,4,60,M54.2,11" for d in days]
    path = tmp_path / "c.csv"
    path.write_text("DOS,Provider,Patient ID,CPT,Mod 1,Mod 2,Units,Minutes,Dx1,POS\n"
                    + "\n".join(rows) + "\n")  # fmt: skip
    lines = read_encounters(path).accepted
    explained = explain(lines)
    visit = float(explained["final_amount"].iloc[0])  # 4 units; the first keeps its full PE
    crossing = int(np.floor(2410 / visit)) + 1  # the visit that takes the total past $2,410
    cases = threshold_cases(lines, explained)
    assert cases.loc[0, "crossed_on"] == days[crossing - 1]
    assert cases.loc[0, "lines_from_crossing"] == cases.loc[0, "without_kx"] == 53 - crossing
    assert cases.loc[0, "allowed"] == pytest.approx(visit * 52, abs=0.01)


def test_the_command_on_the_sample(capsys):
    from cpt_analysis.cli import main

    assert main(["therapy-threshold"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("KX threshold 2025: $2,410 per patient (CY2025 Physician Fee Schedule")
    assert "    1  2025 PT/SLP     93  3906.04 2025-04-09                   36           8" in out
    assert "P0" not in out  # no patient id
    for argv, message in [
        (
            ["--year", "2019"],
            "no KX threshold for 2019 in data/kx_thresholds.csv: the table covers 2020-2026.",
        ),  # fmt: skip
        (["--year", "2024"], "no lines of 2024 in"),
        (["/nonexistent.csv"], "/nonexistent.csv does not exist"),
    ]:
        assert main(["therapy-threshold", *argv]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
