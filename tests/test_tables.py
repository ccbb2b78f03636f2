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
        for year in range(2020 if code != "97037" else 2024, 2027):  # 97037 starts in 2024
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


def test_releases_by_year_the_latest_of_each():
    rvus = load_rvus()
    releases = rvus.groupby("year", observed=True)["release"].unique().map(list).to_dict()
    assert releases == {
        2020: ["RVU20D"],
        2021: ["RVU21D"],
        2022: ["RVU22D"],
        2023: ["RVU23D"],
        2024: ["RVU24C"],
        2025: ["RVU25D"],
        2026: ["RVU26C"],
    }
    assert len(rvus) == 17346 + 17432 + 17726 + 18168 + 18664 + 19090 + 19356
    assert rvus["release"].astype(str).eq(rvus["year"].map(lambda y: releases[y][0])).all()


def test_a_named_release_and_the_errors_for_one_the_workbook_lacks():
    b = load_rvus(2024, release="rvu24b")  # any case
    assert b["release"].astype(str).unique().tolist() == ["RVU24B"] and len(b) == 18534
    assert load_rvus(release="RVU24AR")["conversion_factor"].unique().tolist() == [33.2875]
    assert load_rvus(2024, release="RVU24A")["conversion_factor"].unique().tolist() == [32.7442]
    # the July release adds codes the January one lacks (0867T) and keeps the others' figures
    january, july = load_rvus(2024, release="RVU24A"), load_rvus(2024, release="RVU24C")
    assert "0867T" in set(july["hcpcs"]) and "0867T" not in set(january["hcpcs"])
    with pytest.raises(WorkbookError) as info:
        load_rvus(2025, release="RVU25A")
    assert str(info.value) == (
        "no release RVU25A of the 2025 RVUs (the workbook has RVU25D): name one of those, "
        "or leave out the release for the latest."
    )
    with pytest.raises(WorkbookError, match="RVU24B is not a release of 2025: use --year 2024"):
        load_rvus(2025, release="RVU24B")
    with pytest.raises(WorkbookError, match="'Q3' is not a CMS release"):
        load_rvus(2024, release="Q3")


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
    sizes = {year: len(load_gpci(year)) for year in range(2020, 2027)}
    assert sizes == {2020: 112, 2021: 112, 2022: 112, 2023: 112, 2024: 109, 2025: 109, 2026: 109}
    assert load_gpci(2024)["release"].unique().tolist() == ["RVU24C"]
    assert load_gpci(2020)["state"].str.fullmatch("[A-Z]{2}").all()  # filled from LOCCO


def test_gpcis_by_release_where_cms_revised_them_within_a_year():
    rico = [
        load_gpci(2023, release).set_index("locality_id").loc["09202-20", "gpci_pe"]
        for release in ("RVU23A", "RVU23C", "RVU23D")
    ]
    assert rico == [1.0, 1.0, 1.008]
    assert load_gpci(2023).set_index("locality_id").loc["09202-20", "gpci_pe"] == 1.008
    with pytest.raises(WorkbookError, match="no RVU24D GPCIs for 2024"):
        load_gpci(2024, "RVU24D")


def test_year_with_no_data_is_one_clear_line():
    with pytest.raises(WorkbookError) as info:
        load_rvus(2031)
    assert str(info.value) == (
        "no RVUs for 2031 (the workbook has 2020, 2021, 2022, 2023, 2024, 2025, 2026): "
        "import the official CMS file with `cpt-workbook import-cms PATH`."
    )
    with pytest.raises(WorkbookError, match="no GPCIs for 2019"):
        load_gpci(2019)


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
    gpci = config.shipped_table("gpci").read_text().splitlines()
    cells = gpci[5].split(",")
    cells[6] = "1.0x"
    gpci[5] = ",".join(cells)
    bad = tmp_path / "gpci.csv"
    bad.write_text("\n".join(gpci) + "\n")
    with pytest.raises(DataFileError, match=r"gpci.csv: row 6, column 'gpci_work' has '1.0x'"):
        read_table(bad, "gpci")
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


def test_a_damaged_release_file_is_one_line(tmp_path, monkeypatch):
    from cpt_analysis.reference import loaders

    (tmp_path / "rvus").mkdir()
    shipped = config.DATA_DIR / "rvus"
    for name in ("RVU25D", "RVU26C"):
        (tmp_path / "rvus" / f"{name}.parquet").write_bytes(
            (shipped / f"{name}.parquet").read_bytes()
        )
    damaged = tmp_path / "rvus" / "RVU26C.parquet"
    damaged.write_bytes(damaged.read_bytes()[:5000])
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    for cached in (loaders._shipped_releases, loaders._release_rows):
        cached.cache_clear()
    try:
        assert len(load_rvus(2025)) == 19090  # the good file still reads
        with pytest.raises(DataFileError) as info:
            load_rvus(2026)
        assert str(info.value) == f"{damaged} cannot be read (ArrowInvalid): restore it from git."
    finally:
        for cached in (loaders._shipped_releases, loaders._release_rows):
            cached.cache_clear()


def test_the_reader_gives_a_re_saved_file_its_leading_zeros_back(tmp_path):
    from cms_samples import pprrvu_2025_lines, write_pprrvu_2025

    from cpt_analysis.reference import cms

    lines = pprrvu_2025_lines()
    at = next(i for i, line in enumerate(lines) if line.startswith("00100,"))
    # as a spreadsheet saves it: 00100 -> 100, global days XXX kept, supervision 09 -> 9
    lines[at] = lines[at].replace("00100,", "100,", 1).replace(",09,0,99,", ",9,0,99,")
    frame = cms.read_pprrvu(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv", lines))
    row = frame[frame["hcpcs"] == "00100"].iloc[0]
    assert (row["global_days"], row["physician_supervision"]) == ("XXX", "09")
    assert "100" not in set(frame["hcpcs"])
    lines[at] = lines[at].replace("100,", "100F,", 1)  # not all digits: refused, not padded
    with pytest.raises(DataFileError, match="has HCPCS '100F'"):
        cms.read_pprrvu(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv", lines))
