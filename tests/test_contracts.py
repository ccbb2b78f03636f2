"""Issue 13: payers' contracted rates against Medicare (cpt_analysis.compare_payers and
`cpt-workbook payers`), read with the encounter reader's machinery; hand-checked figures."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

import cpt_analysis
from cpt_analysis import config
from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.export import write_csv
from cpt_analysis.fees.payment import price
from cpt_analysis.practice.contracts import (
    SAMPLE_RATES,
    compare_payers,
    pct_by_code,
    read_rates,
)

BAD_AMOUNT = "allowed amount not an amount from $0.01 to $100,000.00"


def _rates(rows, columns=("Payer", "CPT", "Modifier", "Allowed Amount")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns), dtype=str)


def _write(tmp_path, text: str, name: str = "rates.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _reasons(imported) -> dict[int, str]:
    return dict(zip(imported.rejected["source_row"], imported.rejected["reason"], strict=True))


def test_97110_at_forty_dollars_is_138_94_percent_of_2025_national_medicare():
    # 97110 in 2025 (RVU25D): work 0.45 + non-facility PE 0.43 + MP 0.01 = 0.89 RVUs
    # x 32.3465 = 28.788 -> $28.79; 40.00 / 28.79 = 1.389371... -> 138.94%
    assert price("97110", year=2025, setting="nonfacility").amount == 28.79
    out = compare_payers(_rates([["Payer A", "97110", "", "40.00"]]), 2025, None, "nonfacility")
    assert out[
        ["payer", "code", "allowed_amount", "medicare", "pct_of_medicare"]
    ].values.tolist() == [["Payer A", "97110", 40.0, 28.79, 138.94]]
    assert out["medicare_source"].tolist() == ["RVU25D national nonfacility"]


def test_compare_payers_is_a_lazy_top_level_name():
    assert cpt_analysis.compare_payers is compare_payers
    assert "compare_payers" in cpt_analysis.__all__


def test_26_and_tc_rows_are_priced_from_their_own_rows_other_modifiers_from_the_global():
    rows = [["Payer A", "72148", "26", "80"], ["Payer A", "72148", "TC", "120.65"],
            ["Payer A", "97110", "GP", "28.79"], ["Payer A", "97012", "TC", "10"]]  # fmt: skip
    out = compare_payers(_rates(rows), 2025)
    # 72148-26 is $67.60 and 72148-TC $120.65 nationally in 2025; 80 / 67.60 = 118.34%
    assert price("72148", "26", year=2025).amount == 67.60
    got = out[["code", "modifier", "medicare", "pct_of_medicare"]].values.tolist()
    assert got == [["72148", "26", 67.60, 118.34], ["72148", "TC", 120.65, 100.0],
                   ["97110", "GP", 28.79, 100.0]]  # fmt: skip
    assert _reasons(out.attrs["rates"]) == {5: "modifier 26/TC not priced for the code"}


def test_hostile_rows_are_rejected_with_their_reasons_and_nothing_is_lost():
    rows = [["Payer A", "97110", "", "-5"], ["Payer A", "97140", "", "abc"],
            ["Payer A", "97530", "", "1e9"], ["Payer A", "99999", "", "30"],
            ["Payer A", "9711", "", "30"], ["", "97112", "", "30"],
            ["Payer A", "97116", "G", "30"], ["Payer A", "97012", "", "$1,000.50"],
            ["Payer A", "97035", "", "100000.01"]]  # fmt: skip
    imported = read_rates(_rates(rows), 2025)
    assert _reasons(imported) == {
        2: BAD_AMOUNT,
        3: BAD_AMOUNT,
        4: BAD_AMOUNT,
        5: "CPT/HCPCS code not in the 2025 fee schedule",
        6: "malformed CPT/HCPCS code",
        7: "missing payer",
        8: "malformed modifier",
        10: BAD_AMOUNT,
    }
    assert imported.accepted["allowed_amount"].tolist() == [1000.5]
    assert imported.counts == {"input": 9, "accepted": 1, "rejected": 8, "blank_lines": 0}
    assert imported.rejected.loc[0, "allowed_amount"] == "-5"  # the text as the file has it


def test_a_repeat_is_rejected_and_a_contradiction_rejects_both_rows():
    rows = [["Payer A", "97110", "", "40"], ["Payer A", "97110", "", "40.00"],
            ["Payer B", "97110", "", "41"], ["Payer B", "97110", "", "42"],
            ["Payer B", "97110", "GP", "43"]]  # fmt: skip
    imported = read_rates(_rates(rows), 2025)
    clash = ("payer, code and modifier given with different amounts in the same period "
             "(rows 4 and 5: $41.00 and $42.00)")  # fmt: skip
    assert _reasons(imported) == {
        3: "repeats an earlier row (row 2: same payer, code, modifier and amount)",
        4: clash,
        5: clash,
    }
    assert imported.accepted[["payer", "modifier", "allowed_amount"]].values.tolist() == [
        ["Payer A", "", 40.0], ["Payer B", "GP", 43.0]]  # fmt: skip
    counts = imported.reason_counts().set_index("reason")["rows"].to_dict()
    assert counts["payer, code and modifier given with different amounts in the same period"] == 2


def test_effective_dates_keep_the_rate_in_force_latest_in_the_year():
    columns = ("Payer", "CPT", "Allowed", "Effective Date", "Termination Date")
    rows = [["Payer A", "97110", "40", "2025-01-01", "2025-06-30"],
            ["Payer A", "97110", "42", "07/01/2025", ""],
            ["Payer A", "97140", "30", "2026-01-01", ""],
            ["Payer A", "97530", "30", "2025-12-31", "2025-01-01"],
            ["Payer A", "97112", "30", "soon", ""]]  # fmt: skip
    imported = read_rates(_rates(rows, columns), 2025)
    assert _reasons(imported) == {
        2: "replaced by a later rate (row 3, in force from 2025-07-01, the latest of 2025)",
        4: "not in force in 2025",
        5: "effective-from date after the effective-to date",
        6: "bad effective date",
    }
    acc = imported.accepted
    assert acc["allowed_amount"].tolist() == [42.0]
    assert acc["effective_from"].tolist() == [pd.Timestamp("2025-07-01")]
    assert acc["effective_to"].isna().all()
    assert imported.mapping["effective_to"] == "Termination Date"
    # the same file for 2026: 97110 at 42 and 97140 at 30 are both in force
    assert read_rates(_rates(rows, columns), 2026).accepted["code"].tolist() == ["97110", "97140"]


def test_column_names_are_read_as_the_encounter_reader_reads_them(tmp_path):
    text = ("Insurance Company;Procedure Code;Mod;Contracted Rate;Notes\n"
            "Payer A;97110;;40,00;x\n\n;;;;\nPayer B;97110;;35,50;y\n")  # fmt: skip
    imported = read_rates(_write(tmp_path, "Fee schedule export\n" + text), 2025)
    assert imported.mapping == {"payer": "Insurance Company", "cpt": "Procedure Code",
                                "modifier": "Mod", "allowed": "Contracted Rate"}  # fmt: skip
    assert imported.accepted["allowed_amount"].tolist() == [40.0, 35.5]  # decimal commas
    assert imported.counts == {"input": 2, "accepted": 2, "rejected": 0, "blank_lines": 2}
    assert imported.accepted["source_row"].tolist() == [3, 6]


def test_a_column_not_recognised_is_named_with_map_and_a_missing_one_in_one_line(tmp_path):
    path = _write(tmp_path, "Payer,CPT,Dollars\nPayer A,97110,40\n")
    with pytest.raises(WorkbookError) as err:
        read_rates(path, 2025)
    assert str(err.value) == (
        "the rates file has no allowed amount column (its columns: Payer, CPT, Dollars): "
        'name it with --map "Your Column=allowed".'
    )
    assert read_rates(path, 2025, {"Dollars": "allowed"}).accepted["allowed_amount"].tolist() == [
        40.0
    ]
    with pytest.raises(WorkbookError, match="'units' is not a field of a rates file"):
        read_rates(path, 2025, {"Dollars": "units"})


def test_two_columns_that_could_be_the_payer_are_refused_naming_both(tmp_path):
    path = _write(tmp_path, "Primary Insurance,Secondary Insurance,CPT,Rate\na,b,97110,40\n")
    with pytest.raises(WorkbookError) as err:
        read_rates(path, 2025)
    assert str(err.value) == (
        "2 columns could be the payer: 'Primary Insurance' and 'Secondary Insurance': "
        'name the right one with --map "Primary Insurance=payer".'
    )


def test_an_excel_rates_file_gets_its_codes_leading_zeros_back(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Payer", "HCPCS", "Allowed"])
    sheet.append(["Payer A", 97110, 40])
    sheet.append(["Payer A", 100, 50])  # 00100, as Excel keeps a number
    path = tmp_path / "rates.xlsx"
    book.save(path)
    imported = read_rates(path, 2025)
    assert imported.accepted["code"].tolist() == ["97110", "00100"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "is a folder, not a file: give the export file's path."),
        (lambda p: p / "none.csv", "does not exist: check the path."),
        (lambda p: _write(p, "", "empty.csv"), "empty.csv is empty"),
    ],
)
def test_a_folder_a_missing_or_an_empty_file_is_one_line(tmp_path, make, message):
    with pytest.raises(WorkbookError) as err:
        compare_payers(make(tmp_path), 2025)
    assert message in str(err.value)


def test_the_shipped_sample_is_rebuilt_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "build_sample_payer_rates", config.PROJECT_ROOT / "scripts" / "build_sample_payer_rates.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = write_csv(tmp_path / "rates.csv", script.build())
    assert out.read_bytes() == SAMPLE_RATES.read_bytes()


def test_the_sample_contracts_are_their_stated_percents_of_national_medicare():
    out = compare_payers(SAMPLE_RATES, 2025)
    assert out.attrs["rates"].counts == {"input": 120, "accepted": 120, "rejected": 0,
                                         "blank_lines": 0}  # fmt: skip
    row = out[(out["payer"] == "Payer C") & (out["code"] == "99213")].iloc[0]
    # 99213 nationally in 2025: $88.95; Payer C pays 240%: 213.48
    assert (row["medicare"], row["allowed_amount"], row["pct_of_medicare"]) == (
        88.95,
        213.48,
        240.0,
    )
    wide = pct_by_code(out)
    assert list(wide.columns) == ["code", "modifier", "medicare", "Payer A", "Payer B", "Payer C"]
    assert wide.set_index(["code", "modifier"]).loc[("97110", ""), "Payer A"] == 110.0


# --- the command ---------------------------------------------------------------------------
def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip()


def test_the_command_prints_the_sample_as_percents_of_medicare(capsys):
    assert main(["payers", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("120 rates of 3 payers (sample_payer_rates.csv) against Medicare 2025 "
                          "(RVU25D) at national, nonfacility; 0 rows rejected, 0 blank.")  # fmt: skip
    # Payer C's 150% of $28.79 is 43.185 -> $43.19, which is 150.02% of $28.79
    assert "97110              28.79   110.00   105.00   150.02" in out
    assert out.endswith("(Payers vs Medicare: with --excel)\n")


def test_the_command_writes_rejected_rows_and_excel(tmp_path, capsys):
    rates = _write(tmp_path, "Payer,CPT,Allowed\nPayer A,97110,40\nPayer A,97140,-5\n")
    rejected, excel = tmp_path / "fix.csv", tmp_path / "out.xlsx"
    argv = ["payers", str(rates), "--rejected", str(rejected), "--excel", str(excel)]
    assert main(argv) == 0
    assert pd.read_csv(rejected, dtype=str)["reason"].tolist() == [BAD_AMOUNT]
    sheets = pd.read_excel(excel, sheet_name=None, dtype=str)
    assert list(sheets) == ["About", "Percent of Medicare", "Payers vs Medicare", "Rejected rates"]
    table = sheets["Payers vs Medicare"]
    assert table[
        ["Payer", "Code", "Allowed", "Medicare amount", "% of Medicare"]
    ].values.tolist() == [["Payer A", "97110", "40", "28.79", "138.94"]]
    assert capsys.readouterr().out.startswith("1 rate of 1 payer (rates.csv) against Medicare 2025")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--excel", "{rates}"], "--excel {rates} is an input file, which is never overwritten"),
        (["--rejected", "{rates}"], "--rejected {rates} is an input file"),
        (["--excel", "{dir}"], "--excel {dir} is a folder"),
        (["--excel", "{dir}/x.csv"], "--excel {dir}/x.csv is not a .xlsx file"),
        (["--rounding", "5"], "--rounding needs --percent"),
        (["--percent", "abc"], "percent abc is not a number from 1 to 1,000"),
        (["--percent", "200", "--rounding", "3"], "'3' is not a rounding rule"),
        (["--setting", "moon"], "'moon' is not a setting"),
        (["--locality", "atlantis"], "'atlantis' is not a Medicare locality in 2025"),
    ],
)
def test_hostile_options_are_one_line_and_exit_2(tmp_path, capsys, extra, message):
    rates = _write(tmp_path, "Payer,CPT,Allowed\nPayer A,97110,40\n")
    fill = {"rates": str(rates), "dir": str(tmp_path)}
    argv = ["payers", str(rates), *(e.format(**fill) for e in extra)]
    before = rates.read_bytes()
    assert main(argv) == 2
    err = _err(capsys)
    assert err.count("\n") == 0 and message.format(**fill) in err
    assert rates.read_bytes() == before


def test_a_rates_folder_and_a_file_with_no_rate_accepted_are_one_line(tmp_path, capsys):
    assert main(["payers", str(tmp_path)]) == 2
    assert "is a folder, not a file" in _err(capsys)
    rates = _write(tmp_path, "Payer,CPT,Allowed\nPayer A,97110,abc\nPayer A,99999,5\n")
    assert main(["payers", str(rates)]) == 2
    assert _err(capsys) == (
        f"cpt-workbook: error: no rate of rates.csv was accepted ({BAD_AMOUNT}: 1; "
        "CPT/HCPCS code not in the 2025 fee schedule: 1): correct the rows, or check the year "
        "and the column mapping."
    )


def test_a_setting_cms_marks_na_is_priced_with_a_note():
    # 99223 has no non-facility PE in 2025 (NA): price() prices it all the same, and says so
    assert price("99223", year=2025, setting="nonfacility").amount == 167.23
    out = compare_payers(_rates([["Payer A", "99223", "", "200"]]), 2025, None, "11")
    assert out.loc[0, ["medicare", "pct_of_medicare"]].tolist() == [167.23, 119.60]  # 1.19596
    assert out.loc[0, "medicare_note"] == "paid; CMS marks the nonfacility setting NA"


@pytest.mark.parametrize(
    ("year", "locality", "setting"),
    [(2025, None, "nonfacility"), (2025, "01112-05", "22"), (2023, "PR", "11"),
     (2024, "01112-05", "facility")],
)  # fmt: skip
def test_medicare_amounts_at_once_equal_price_code_by_code(year, locality, setting):
    from cpt_analysis.practice.contracts import medicare_amounts
    from cpt_analysis.reference.loaders import load_rvus

    rvus = load_rvus(year)
    rows = rvus[rvus["modifier"].isin(["", "26", "TC"])].sample(60, random_state=year)
    keys = pd.DataFrame({"code": rows["hcpcs"].to_numpy(), "pricing_modifier": rows["modifier"]})
    got = medicare_amounts(keys, year, locality, setting)
    for code, mod, amount in got[["code", "pricing_modifier", "medicare"]].itertuples(index=False):
        p = price(code, mod, year=year, locality=locality, setting=setting)
        assert (amount, code, mod) == (p.amount, code, mod) or (
            pd.isna(amount) and p.amount is None
        )
