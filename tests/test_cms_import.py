"""Importing the official CMS files: every format, every shipped code, every error."""

import zipfile

import pytest

from cpt_analysis import cms, store
from cpt_analysis.errors import DataFileError, WorkbookError
from cpt_analysis.importer import import_file
from cpt_analysis.payment import price
from cpt_analysis.tables import load_gpci, load_rvus

KEY = ["hcpcs", "modifier"]
FIGURES = [
    "status",
    "work_rvu",
    "pe_rvu_nonfacility",
    "pe_rvu_facility",
    "mp_rvu",
    "total_rvu_nonfacility",
    "total_rvu_facility",
    "pe_na_facility",
    "global_days",
]


def _assert_matches_shipped(year, imported):
    shipped = load_rvus(year)  # the store now holds the import: compare with the CSV itself
    from cpt_analysis.tables import _shipped

    ours = _shipped("rvus").query("year == @year").set_index(KEY)
    theirs = imported.set_index(KEY)
    for key, row in ours.iterrows():
        for col in FIGURES:
            assert str(theirs.loc[key, col]) == str(row[col]), (key, col)
    assert len(shipped) == len(imported)


def test_import_2026_csv_with_the_new_pric_ind_column(cms_dir):
    (result,) = import_file(cms_dir / "2026/PPRRVU2026_Jul_nonQPP.csv").imported
    assert (result.kind, result.year, result.release, result.rows) == (
        "rvus",
        2026,
        "RVU26C",
        19356,
    )
    rvus = load_rvus(2026)
    assert rvus["conversion_factor"].eq(33.4009).all()  # a positional parser would read ENDO BASE
    _assert_matches_shipped(2026, store.load("rvus", 2026))
    traction = rvus[(rvus["hcpcs"] == "97012") & (rvus["modifier"] == "")].iloc[0]
    assert traction["work_rvu"] == 0.24 and traction["description"] == "Mechanical traction therapy"
    assert price("97012", year=2026).amount == round(0.43 * 33.4009, 2) == 14.36


def test_import_2025_fixed_width_text(cms_dir):
    (result,) = import_file(cms_dir / "2025/PPRRVU2025_Oct.txt").imported
    assert (result.year, result.release, result.rows) == (2025, "RVU25D", 19090)
    rvus = load_rvus(2025)
    _assert_matches_shipped(2025, store.load("rvus", 2025))
    mri = rvus[rvus["hcpcs"] == "72148"].set_index("modifier")
    assert mri.loc["26", "total_rvu_nonfacility"] == 2.09 and mri.loc["TC", "pe_na_facility"]
    assert {"00100", "0001F"} <= set(rvus["hcpcs"])  # leading zeros and letters kept
    assert rvus["conversion_factor"].eq(32.3465).all()


def test_csv_and_txt_of_one_release_agree(cms_dir):
    a = cms.read_pprrvu(cms_dir / "2025/PPRRVU2025_Oct.csv").drop(columns="source")
    b = cms.read_pprrvu(cms_dir / "2025/PPRRVU2025_Oct.txt").drop(columns="source")
    assert a.equals(b)


def test_import_from_the_zip_as_cms_ships_it(cms_dir, tmp_path):
    archive = tmp_path / "RVU25D.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(cms_dir / "2025/PPRRVU2025_Oct.csv", "PPRRVU25_OCT.csv")
        z.writestr("RVU25D.pdf", b"%PDF")
    frame = cms.read_pprrvu(archive)
    assert len(frame) == 19090 and frame["release"].iloc[0] == "RVU25D"


def test_imported_codes_show_on_top_of_shipped_tables(cms_dir):
    assert not (load_rvus(2025)["hcpcs"] == "0001F").any()
    import_file(cms_dir / "2025/PPRRVU2025_Oct.csv")
    assert (load_rvus(2025)["hcpcs"] == "0001F").any()
    assert not (load_rvus(2024)["hcpcs"] == "0001F").any()


def test_import_gpci_and_locality(cms_dir):
    (result,) = import_file(cms_dir / "2025/GPCI2025.txt").imported
    assert (result.kind, result.year, result.rows) == ("gpci", 2025, 109)
    assert len(load_gpci(2025)) == 109
    loc = cms.read_locality(cms_dir / "2025/25LOCCO.csv")
    assert loc.iloc[1][["mac", "locality_number", "state"]].tolist() == ["02102", "01", "ALASKA"]


def test_truncated_csv_is_refused_and_the_store_kept(cms_dir, tmp_path):
    import_file(cms_dir / "2025/PPRRVU2025_Oct.csv")
    before = store.table_path("rvus", 2025).read_bytes()
    data = (cms_dir / "2025/PPRRVU2025_Oct.csv").read_bytes()
    cut = tmp_path / "PPRRVU2025_Oct.csv"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFileError, match="the file looks truncated"):
        import_file(cut)
    assert store.table_path("rvus", 2025).read_bytes() == before


def test_truncated_text_file(cms_dir, tmp_path):
    data = (cms_dir / "2025/PPRRVU2025_Oct.txt").read_bytes()
    cut = tmp_path / "PPRRVU2025_Oct.txt"
    cut.write_bytes(data[:3_000_000])
    with pytest.raises(DataFileError) as info:
        import_file(cut)
    assert str(info.value).startswith(
        "PPRRVU2025_Oct.txt ends in the middle of a record (record 17339, 162 of 171 characters)"
    )


def test_not_an_rvu_file(cms_dir):
    with pytest.raises(DataFileError) as info:
        import_file(cms_dir / "2025/GPCI2025.csv", kind="rvus")
    assert str(info.value) == (
        "GPCI2025.csv: no header row with an HCPCS column; it is not a national physician fee "
        "schedule RVU file (PPRRVU): download the PPRRVU file of the RVU release from CMS and "
        "import that."
    )


def test_changed_layout_is_named(cms_dir, tmp_path):
    text = (cms_dir / "2026/PPRRVU2026_Jul_nonQPP.csv").read_text(encoding="latin-1")
    changed = tmp_path / "PPRRVU2026_Jul.csv"
    changed.write_text(text.replace("MULT,", "MULTIPLE,", 1), encoding="latin-1")
    with pytest.raises(DataFileError, match="column 'MULT PROC' not found; the layout has changed"):
        import_file(changed)
    assert store.years("rvus") == []


def test_unknown_kind_and_missing_file(tmp_path):
    odd = tmp_path / "notes.csv"
    odd.write_text("a,b\n")
    with pytest.raises(WorkbookError, match="cannot tell what kind of CMS file notes.csv is"):
        import_file(odd)
    with pytest.raises(WorkbookError, match="does not exist: check the path"):
        import_file(tmp_path / "PPRRVU2025.csv")
