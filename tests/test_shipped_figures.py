"""Every shipped figure equals the official CMS file it came from (../shared/cms): every row and
column of every RVU release, every GPCI, every conversion factor.

The official files are read here without the workbook's reader, by their own column names
(arkrvu's snake_case CSVs) or positions (CMS's CSVs of 2025 and 2026), so a reader that took a
wrong column would be caught.
"""

import csv
import io
import re

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.reference import cms
from cpt_analysis.reference.loaders import (
    load_conversion_factors,
    load_gpci,
    load_rvu_releases,
    load_rvus,
)
from cpt_analysis.reference.schema import RVU_TABLE_COLUMNS

ARKRVU = "arkrvu-2020-2024"
RELEASES = [f"RVU{y}{q}" for y in (20, 21, 22, 23) for q in "ABCD"]
RELEASES += ["RVU24A", "RVU24AR", "RVU24B", "RVU24C", "RVU25D", "RVU26C"]
CMS_FILES = {"RVU25D": "2025/PPRRVU2025_Oct.csv", "RVU26C": "2026/PPRRVU2026_Jul_nonQPP.csv"}
# canonical column -> arkrvu's column name
ARKRVU_NAMES = {
    "hcpcs": "hcpcs",
    "modifier": "mod",
    "status": "status_code",
    "work_rvu": "work_rvu",
    "pe_rvu_nonfacility": "non_fac_pe_rvu",
    "pe_na_nonfacility": "non_fac_indicator",
    "pe_rvu_facility": "facility_pe_rvu",
    "pe_na_facility": "facility_indicator",
    "mp_rvu": "mp_rvu",
    "total_rvu_nonfacility": "non_facility_total",
    "total_rvu_facility": "facility_total",
    "pctc": "pctc_ind",
    "global_days": "glob_days",
    "mult_proc": "mult_proc",
    "conversion_factor": "conv_factor",
    "not_used_for_medicare": "not_used_for_medicare_payment",
    "pre_op": "pre_op",
    "intra_op": "intra_op",
    "post_op": "post_op",
    "bilat_surg": "bilat_surg",
    "asst_surg": "asst_surg",
    "co_surg": "co_surg",
    "team_surg": "team_surg",
    "endo_base": "endo_base",
    "physician_supervision": "physician_supervision_of_diagnostic_procedures",
    "calculation_flag": "calculation_flag",
    "imaging_family": "diagnostic_imaging_family_indicator",
    "opps_pe_rvu_nonfacility": "non_facility_pe_used_for_opps_payment_amount",
    "opps_pe_rvu_facility": "facility_pe_used_for_opps_payment_amount",
    "opps_mp_rvu": "mp_used_for_opps_payment_amount",
}
# CMS's CSV of 2025 has the columns in arkrvu's order (its DESCRIPTION third); 2026 inserts
# PRIC IND before ENDO BASE
ORDER_2025 = ["hcpcs", "modifier", "description", "status", "not_used_for_medicare"]
ORDER_2025 += ["work_rvu", "pe_rvu_nonfacility", "pe_na_nonfacility", "pe_rvu_facility"]
ORDER_2025 += ["pe_na_facility", "mp_rvu", "total_rvu_nonfacility", "total_rvu_facility", "pctc"]
ORDER_2025 += ["global_days", "pre_op", "intra_op", "post_op", "mult_proc", "bilat_surg"]
ORDER_2025 += ["asst_surg", "co_surg", "team_surg", "endo_base", "conversion_factor"]
ORDER_2025 += ["physician_supervision", "calculation_flag", "imaging_family"]
ORDER_2025 += ["opps_pe_rvu_nonfacility", "opps_pe_rvu_facility", "opps_mp_rvu"]
ORDER_2026 = ORDER_2025[:23] + ["pricing_indicator"] + ORDER_2025[23:]
FLOATS = [c for c in RVU_TABLE_COLUMNS if "rvu" in c or c.endswith("_op")] + ["conversion_factor"]
# arkrvu's RVU20D parse lost leading zeros; their fixed widths (data/README.md)
WIDTHS = {"hcpcs": 5, "global_days": 3, "physician_supervision": 2}


def _arkrvu_file(cms_dir, release, kind="pprrvu"):
    folder = cms_dir / ARKRVU / f"rvu{release[3:5]}"
    (path,) = folder.glob(f"{kind}_{release.lower()}[_.]*csv")
    return path


def _official(cms_dir, release) -> pd.DataFrame:
    """The release's official file as text, with the canonical column names."""
    if release in CMS_FILES:
        lines = (cms_dir / CMS_FILES[release]).read_text(encoding="latin-1").splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("HCPCS,"))
        order = ORDER_2026 if release == "RVU26C" else ORDER_2025
        rows = list(csv.reader(lines[start + 1 :]))
        assert {len(r) for r in rows} == {len(order)}
        return pd.DataFrame(rows, columns=order)
    raw = pd.read_csv(_arkrvu_file(cms_dir, release), dtype=str, keep_default_na=False)
    return raw.rename(columns={v: k for k, v in ARKRVU_NAMES.items()})


def _expected(official: pd.DataFrame, column: str) -> list:
    text = official[column].str.strip()
    if column in FLOATS:
        return pd.to_numeric(text).tolist()
    if column in ("pe_na_nonfacility", "pe_na_facility"):
        return text.eq("NA").tolist()
    if column == "not_used_for_medicare":
        return text.eq("+").tolist()
    if column in WIDTHS:
        short = text.str.fullmatch(rf"\d{{1,{WIDTHS[column] - 1}}}")
        text = text.where(~short, text.str.zfill(WIDTHS[column]))
    return text.tolist()


@pytest.mark.parametrize("release", RELEASES)
def test_every_row_and_column_of_a_release_equals_its_official_file(cms_dir, release):
    year = 2000 + int(release[3:5])
    shipped = load_rvus(year, release=release)
    official = _official(cms_dir, release)
    official = official.sort_values(["hcpcs", "modifier"], key=lambda s: s.str.strip().str.zfill(5))
    assert len(shipped) == len(official) > 17000
    assert shipped["release"].astype(str).eq(release).all()
    assert shipped["year"].eq(year).all()
    assert shipped["description"].isna().all()  # never the official descriptor
    for column in ARKRVU_NAMES:
        assert shipped[column].astype(object).tolist() == _expected(official, column), column
    pricing = shipped["pricing_indicator"].astype(str)
    assert pricing.tolist() == (
        _expected(official, "pricing_indicator") if year == 2026 else [""] * len(shipped)
    )
    source = shipped["source"].iloc[0]
    path = cms_dir / CMS_FILES[release] if release in CMS_FILES else _arkrvu_file(cms_dir, release)
    name = path.name
    assert source.startswith(name) and shipped["source"].eq(source).all()


def test_rvu20d_codes_have_their_leading_zeros_back(cms_dir):
    raw = pd.read_csv(_arkrvu_file(cms_dir, "RVU20D"), dtype=str, keep_default_na=False)
    short = raw["hcpcs"].str.fullmatch(r"\d{1,4}")
    assert short.sum() == 272 and raw.loc[short, "hcpcs"].iloc[0] == "100"
    d, c = load_rvus(2020, release="RVU20D"), load_rvus(2020, release="RVU20C")
    assert d["hcpcs"].str.len().eq(5).all()
    restored = set(raw.loc[short, "hcpcs"].str.zfill(5))
    assert {"00100", "01996", "0001F"} & restored == {"00100", "01996"}
    assert restored <= set(c["hcpcs"])  # every restored code is a code of RVU20C
    key = ["hcpcs", "modifier", "global_days", "physician_supervision"]
    both = d[key].merge(c[key], on=["hcpcs", "modifier"], suffixes=("_d", "_c"))
    assert len(both) > 17000
    assert (both["global_days_d"] == both["global_days_c"]).mean() > 0.999
    assert (both["physician_supervision_d"] == both["physician_supervision_c"]).mean() > 0.999
    assert set(d["global_days"].astype(str)) == {"000", "010", "090", "MMM", "XXX", "YYY", "ZZZ"}


def test_the_release_table_equals_the_files_and_arkrvus_effective_dates(cms_dir):
    table = load_rvu_releases().set_index("release")
    assert table.index.tolist() == RELEASES
    assert sorted(p.stem for p in (config.DATA_DIR / "rvus").glob("*.parquet")) == RELEASES
    for release, row in table.iterrows():
        if release in CMS_FILES:
            official = cms.read_pprrvu(cms_dir / CMS_FILES[release])
            assert len(official) == row["rows"]
            assert official["conversion_factor"].unique().tolist() == [row["conversion_factor"]]
            continue
        raw = pd.read_csv(_arkrvu_file(cms_dir, release), dtype=str, keep_default_na=False)
        assert len(raw) == row["rows"], release
        assert pd.to_numeric(raw["conv_factor"]).unique().tolist() == [row["conversion_factor"]]
        dates = pd.read_csv(_arkrvu_file(cms_dir, release).parent / "release_table.csv")
        effective = dates.set_index("file_html").loc[release, "date_effective"]
        assert str(row["effective_from"].date()) == effective, release
    assert str(table.loc["RVU25D", "effective_from"].date()) == "2025-10-01"
    assert str(table.loc["RVU26C", "effective_from"].date()) == "2026-07-01"


def _gpci_official(cms_dir, release) -> pd.DataFrame:
    if release == "RVU25D":
        return cms.read_gpci(cms_dir / "2025/GPCI2025.csv")
    if release == "RVU26C":
        return cms.read_gpci(cms_dir / "2026/GPCI2026.csv")
    raw = pd.read_csv(_arkrvu_file(cms_dir, release, "gpci"), dtype=str, keep_default_na=False)
    raw = raw[raw["mac"] != ""]  # the 2020 files end with two empty rows
    if "state" not in raw:  # 2020: the state from the locality-county file
        locco = pd.read_csv(_arkrvu_file(cms_dir, release, "locco"), dtype=str)
        first = locco.drop_duplicates(["mac", "locality_number"])
        raw = raw.merge(first[["mac", "locality_number", "state_abb"]], how="left")
        raw["state"] = raw.pop("state_abb")
    for col in ("gpci_work", "gpci_pe", "gpci_mp"):
        raw[col] = pd.to_numeric(raw[col])
    return raw


@pytest.mark.parametrize("release", RELEASES)
def test_every_gpci_of_a_release_equals_its_official_file(cms_dir, release):
    year = 2000 + int(release[3:5])
    shipped = load_gpci(year, release=release)
    official = _gpci_official(cms_dir, release)
    merged = shipped.merge(official, on=["mac", "locality_number"], suffixes=("", "_cms"))
    assert len(merged) == len(shipped) == len(official) >= 109
    for col in ("gpci_work", "gpci_pe", "gpci_mp"):
        assert merged[col].tolist() == merged[f"{col}_cms"].tolist(), col
    # the four states arkrvu's 2020 locality files leave blank are written as 2021 writes them
    blank = merged["state_cms"].isna()
    assert merged.loc[~blank, "state"].tolist() == merged.loc[~blank, "state_cms"].tolist()
    assert sorted(merged.loc[blank, "state"]) == ([] if year > 2020 else ["DC", "HI", "PR", "VI"])
    assert shipped["release"].eq(release).all()


def test_the_2026_gpcis_are_cms_file_not_the_fabricated_one(cms_dir):
    gpci = load_gpci(2026).set_index("locality_id")
    assert len(gpci) == 109 and gpci["source"].eq("GPCI2026.csv").all()
    assert gpci.loc["02102-01", ["gpci_work", "gpci_pe", "gpci_mp"]].tolist() == [
        1.5,
        1.065,
        0.551,
    ]
    text = (cms_dir / "2026/GPCI2026.csv").read_text(encoding="latin-1")
    assert "01112,CA,05," in text  # the locality numbers CMS gives, which the fake one lacks


def test_conversion_factors_equal_the_official_files(cms_dir):
    cf = load_conversion_factors()
    releases = load_rvu_releases()
    for year in range(2020, 2027):
        printed = releases.loc[releases["year"] == year, ["effective_from", "conversion_factor"]]
        for _, release in printed.iterrows():
            day = release["effective_from"]
            row = cf[
                (cf["effective_from"] <= day)
                & (cf["effective_to"] >= day)
                & cf["apm_status"].isin(["all", "non-qualifying"])
            ]
            assert row["conversion_factor"].tolist() == [release["conversion_factor"]], day
    official = cms.read_pprrvu(cms_dir / "2026/PPRRVU2026_Jul_nonQPP.csv")
    assert official["conversion_factor"].unique().tolist() == [33.4009]
    for year in (2020, 2021, 2022, 2023, 2024):
        source = cf.loc[cf["year"] == year, "source"].iloc[0]
        assert f"RVU{year % 100}A" in source and "arkrvu" in source, year


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
    codes = pd.read_csv(config.shipped_table("codes"), dtype=str)
    for _, row in codes.iterrows():
        assert row["name"].lower() not in descriptors, row["code"]
    shipped = [config.shipped_table(n).read_text().lower() for n in ("codes", "common_names")]
    assert not any("only are copyright" in t for t in shipped)
    for path in (config.DATA_DIR / "rvus").glob("*.parquet"):
        assert pd.read_parquet(path).columns.tolist() == RVU_TABLE_COLUMNS, path.name
        assert b"Mechanical traction therapy" not in path.read_bytes()
    assert "description" not in io.StringIO(config.shipped_table("gpci").read_text()).readline()
