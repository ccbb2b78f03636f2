"""Every shipped figure equals the official CMS file it came from (../shared/cms)."""

import re

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.reference import cms
from cpt_analysis.reference.loaders import load_conversion_factors, load_gpci, load_rvus

RVU_FILES = {
    2023: ("2023-2024-derived/pprrvu_rvu23a_jan_from_arkrvu.csv", "A"),
    2024: ("2023-2024-derived/pprrvu_rvu24a_jan_from_arkrvu.csv", "A"),
    2025: ("2025/PPRRVU2025_Oct.csv", "D"),
    2026: ("2026/PPRRVU2026_Jul_nonQPP.csv", "C"),
}
GPCI_FILES = {
    2023: "2023-2024-derived/gpci_rvu23a_from_arkrvu.csv",
    2024: "2023-2024-derived/gpci_rvu24a_from_arkrvu.csv",
    2025: "2025/GPCI2025.csv",
}
FIGURES = [
    "status",
    "work_rvu",
    "pe_rvu_nonfacility",
    "pe_na_nonfacility",
    "pe_rvu_facility",
    "pe_na_facility",
    "mp_rvu",
    "total_rvu_nonfacility",
    "total_rvu_facility",
    "pctc",
    "global_days",
    "mult_proc",
    "conversion_factor",
]


@pytest.mark.parametrize("year", sorted(RVU_FILES))
def test_shipped_rvus_equal_the_official_file(cms_dir, year):
    path, release = RVU_FILES[year]
    official = cms.read_pprrvu(cms_dir / path, year=year, release=release)
    official = official.set_index(["hcpcs", "modifier"])
    shipped = load_rvus(year).set_index(["hcpcs", "modifier"])
    assert shipped["release"].astype(str).eq(f"RVU{year % 100}{release}").all()
    assert len(shipped) > 50
    for key, row in shipped.iterrows():
        assert key in official.index, key
        want = official.loc[key]
        for col in FIGURES:
            assert str(row[col]) == str(want[col]), (year, key, col, row[col], want[col])


@pytest.mark.parametrize("year", sorted(GPCI_FILES))
def test_shipped_gpcis_equal_the_official_file(cms_dir, year):
    official = cms.read_gpci(cms_dir / GPCI_FILES[year], year=year)
    shipped = load_gpci(year)
    merged = shipped.merge(official, on=["mac", "state", "locality_number"], suffixes=("", "_cms"))
    assert len(merged) == len(shipped) == len(official)
    for col in ("gpci_work", "gpci_pe", "gpci_mp"):
        assert (merged[col] == merged[f"{col}_cms"]).all(), col


def test_conversion_factors_equal_the_official_files(cms_dir):
    cf = load_conversion_factors().set_index(["year", "apm_status"])
    files = {
        (2023, "all"): "2023-2024-derived/pprrvu_rvu23a_jan_from_arkrvu.csv",
        (2025, "all"): "2025/PPRRVU2025_Oct.csv",
        (2026, "non-qualifying"): "2026/PPRRVU2026_Jul_nonQPP.csv",
    }
    for key, path in files.items():
        official = cms.read_pprrvu(cms_dir / path)  # the file says its year and release
        assert official["conversion_factor"].nunique() == 1
        assert cf.loc[key, "conversion_factor"] == official["conversion_factor"].iloc[0]
    by_date = load_conversion_factors().query("year == 2024").sort_values("effective_from")
    for path, value in zip(
        ["pprrvu_rvu24a_jan_from_arkrvu.csv", "pprrvu_rvu24b_apr_from_arkrvu.csv"],
        by_date["conversion_factor"],
        strict=True,
    ):
        official = cms.read_pprrvu(cms_dir / "2023-2024-derived" / path)
        assert official["conversion_factor"].iloc[0] == value


def test_factors_without_a_cms_file_equal_the_notes():
    notes = config.shared_cms_dir().parent / "notes" / "cms-files.md"
    if not notes.exists():
        pytest.skip(f"{notes} not found (it lives outside the repository)")
    text = notes.read_text()
    cf = load_conversion_factors()
    for year in (2019, 2020, 2021, 2022):
        value = cf.loc[cf["year"] == year, "conversion_factor"].iloc[0]
        assert re.search(rf"{year} {value:.4f}", text), year
    qualifying = cf.loc[cf["apm_status"] == "qualifying", "conversion_factor"].iloc[0]
    assert f"{qualifying:.4f} (qualifying APM participant)" in text


def test_no_official_descriptor_is_shipped(cms_dir):
    official = cms.read_pprrvu(cms_dir / "2025/PPRRVU2025_Oct.csv")
    descriptors = set(official["description"].str.lower())
    shipped = [config.shipped_table(n).read_text().lower() for n in ("codes", "common_names")]
    codes = pd.read_csv(config.shipped_table("codes"), dtype=str)
    for _, row in codes.iterrows():
        assert row["name"].lower() not in descriptors, row["code"]
    assert not any("only are copyright" in t for t in shipped)
    assert "description" not in pd.read_csv(config.shipped_table("rvus"), nrows=1).columns
