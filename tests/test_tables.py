import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.errors import DataFileError, WorkbookError
from cpt_analysis.reference.loaders import (
    load_codes,
    load_common_names,
    load_conversion_factors,
    load_gpci,
    load_pairings,
    load_rvus,
)
from cpt_analysis.reference.schema import read_table

REQUIRED = (
    [f"970{n:02d}" for n in (10, 12, 14, 16, 18, 22, 24, 26, 28, 32, 33, 34, 35, 36, 39)]
    + ["97110", "97112", "97113", "97116", "97124", "97140", "97150"]
    + ["97161", "97162", "97163", "97164", "97530", "97535", "97750", "98940", "98941", "98942"]
    + ["99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"]
    + ["20552", "20553", "62321", "62323", "64483", "72141", "72148"]
)


def test_every_required_code_is_shipped_with_facts_names_rvus_and_diagnoses():
    codes, names, pairs, rvus = load_codes(), load_common_names(), load_pairings(), load_rvus()
    for code in REQUIRED:
        assert code in set(codes["code"]), code
        assert (names["code"] == code).sum() >= 2, code
        assert (pairs["cpt"] == code).sum() >= 2, code
        for year in (2023, 2024, 2025, 2026):
            assert ((rvus["year"] == year) & (rvus["hcpcs"] == code)).any(), (code, year)


def test_codes_are_strings_with_their_leading_zeros():
    codes = load_codes()
    assert codes["code"].dtype == "str"
    assert "00100" in set(codes["code"])
    rvus = load_rvus(2025)
    assert rvus.loc[rvus["hcpcs"] == "00100", "status"].iloc[0] == "J"


def test_rvu_dtypes_are_explicit():
    rvus = load_rvus(2025)
    assert rvus["hcpcs"].dtype == "str" and rvus["modifier"].dtype == "str"
    for col in ("status", "pctc", "global_days", "mult_proc", "release"):
        assert isinstance(rvus[col].dtype, pd.CategoricalDtype), col
    for col in ("work_rvu", "pe_rvu_nonfacility", "pe_rvu_facility", "mp_rvu"):
        assert rvus[col].dtype == "float64"
    assert rvus["pe_na_facility"].dtype == "bool"


def test_26_and_tc_rows_are_kept_apart_from_the_global_row():
    rvus = load_rvus(2025)
    mri = rvus[rvus["hcpcs"] == "72148"].set_index("modifier")
    assert sorted(mri.index) == ["", "26", "TC"]
    assert mri.loc["", "work_rvu"] == 1.48 and mri.loc["TC", "work_rvu"] == 0.0
    assert mri.loc["26", "pe_rvu_nonfacility"] == 0.54
    assert set(rvus.loc[rvus["hcpcs"] == "72141", "modifier"]) == {"", "26", "TC"}


def test_releases_by_year():
    rvus = load_rvus()
    releases = rvus.groupby("year", observed=True)["release"].first().astype(str).to_dict()
    assert releases == {2023: "RVU23A", 2024: "RVU24A", 2025: "RVU25D", 2026: "RVU26C"}


def test_seed_pairings_are_shipped_exactly_as_the_seed_gives_them():
    pairs = load_pairings()
    seed = pairs[pairs["cpt"] == "97012"]
    assert sorted(seed["icd10"]) == ["M51.2", "M54.2", "M54.5"]
    assert set(seed["relationship"].astype(str)) == {"typical diagnosis"}


def test_seed_facts_of_97012():
    codes = load_codes().set_index("code")
    row = codes.loc["97012"]
    assert row["or_schedule_name"] == "Mechanical Traction"
    assert row["consent_form_name"] == "Mechanical Traction Therapy"
    assert not row["timed"]
    names = load_common_names()
    assert sorted(names.loc[names["code"] == "97012", "common_name"]) == [
        "Mechanical Traction Therapy",
        "Spinal Traction",
        "Traction Treatment",
    ]


def test_conversion_factors_have_both_2024_periods_and_both_2026_factors():
    cf = load_conversion_factors()
    assert cf["year"].min() == 2019 and cf["year"].max() == 2026
    periods = cf[cf["year"] == 2024].sort_values("effective_from")
    assert periods["conversion_factor"].tolist() == [32.7442, 33.2875]
    assert str(periods["effective_to"].iloc[0].date()) == "2024-03-08"
    y2026 = cf[cf["year"] == 2026].set_index("apm_status")["conversion_factor"]
    assert y2026["non-qualifying"] == 33.4009 and y2026["qualifying"] == 33.5675


def test_gpci_years_and_keys():
    g = load_gpci(2025)
    assert len(g) == 109
    assert g["locality_id"].is_unique
    assert g["mac"].str.len().eq(5).all() and g["locality_number"].str.len().eq(2).all()
    alaska = g[g["state"] == "AK"].iloc[0]
    assert (alaska["mac"], alaska["locality_number"], alaska["gpci_work"]) == ("02102", "01", 1.5)
    assert len(load_gpci(2024)) == 109


def test_year_with_no_data_is_one_clear_line():
    with pytest.raises(WorkbookError) as info:
        load_rvus(2031)
    assert str(info.value) == (
        "no RVUs for 2031 (the workbook has 2023, 2024, 2025, 2026): "
        "import the official CMS file with `cpt-workbook import-cms PATH`."
    )
    with pytest.raises(WorkbookError, match="no GPCIs for 2026"):
        load_gpci(2026)


def test_malformed_table_names_file_row_and_column(tmp_path):
    text = config.shipped_table("common_names").read_text().splitlines()
    text[3] = "9701," + text[3].split(",", 1)[1]
    bad = tmp_path / "common_names.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(DataFileError) as info:
        read_table(bad, "common_names")
    assert str(info.value) == (
        "common_names.csv: row 4, column 'code' has '9701' (not a valid hcpcs): "
        "correct that cell or restore the file from git."
    )


def test_malformed_number_and_missing_column(tmp_path):
    rvus = config.shipped_table("rvus").read_text().splitlines()
    cells = rvus[5].split(",")
    cells[5] = "0.2x"
    rvus[5] = ",".join(cells)
    bad = tmp_path / "rvus.csv"
    bad.write_text("\n".join(rvus) + "\n")
    with pytest.raises(DataFileError, match=r"rvus.csv: row 6, column 'work_rvu' has '0.2x'"):
        read_table(bad, "rvus")
    (tmp_path / "pairings.csv").write_text("cpt,icd10\n97012,M54.2\n")
    with pytest.raises(DataFileError, match="pairings.csv lacks the column"):
        read_table(tmp_path / "pairings.csv", "pairings")


def test_every_table_has_a_source_column():
    for frame in (
        load_codes(),
        load_common_names(),
        load_pairings(),
        load_rvus(),
        load_conversion_factors(),
        load_gpci(2025),
    ):
        assert "source" in frame.columns
        assert frame["source"].str.len().gt(0).all()
