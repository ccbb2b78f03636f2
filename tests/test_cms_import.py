"""Importing the official CMS files: every format, every shipped code, every error."""

import zipfile

import pandas as pd
import pytest
from cms_samples import pprrvu_2025_lines, write_pprrvu_2025

from cpt_analysis import config
from cpt_analysis.errors import DataFileError, WorkbookError
from cpt_analysis.fees.payment import conversion_factor, price
from cpt_analysis.reference import cms, store
from cpt_analysis.reference.importer import import_file
from cpt_analysis.reference.loaders import load_gpci, load_rvus

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
    from cpt_analysis.reference.loaders import _shipped

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


def _description(year: int, code: str) -> object:
    rvus = load_rvus(year)
    return rvus.loc[(rvus["hcpcs"] == code) & (rvus["modifier"] == ""), "description"].iloc[0]


def test_imported_codes_show_on_top_of_shipped_tables(cms_dir):
    # shipped: every code, no descriptor; an import brings CMS's short descriptors for its year
    assert pd.isna(_description(2025, "0001F"))
    official = cms.read_pprrvu(cms_dir / "2025/PPRRVU2025_Oct.csv").set_index("hcpcs")
    import_file(cms_dir / "2025/PPRRVU2025_Oct.csv")
    assert _description(2025, "0001F") == official.loc["0001F", "description"] != ""
    assert pd.isna(_description(2024, "0001F"))


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


# --- the same on a small CMS-shaped file (tests/cms_samples.py): these run everywhere -------


def test_a_cms_shaped_csv_imports_the_official_figures(tmp_path):
    (result,) = import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv")).imported
    assert (result.kind, result.year, result.release, result.rows) == (
        "rvus",
        2025,
        "RVU25D",
        5000,
    )
    from cpt_analysis.reference.loaders import _shipped

    ours = _shipped("rvus").query("year == 2025").set_index(KEY)
    theirs = store.load("rvus", 2025).set_index(KEY)
    # the rows the sample copies from the official file (the rest of its 5,000 are made up)
    both = [("0001F", ""), ("00100", ""), ("72148", ""), ("72148", "26"), ("72148", "TC"),
            ("94760", ""), ("97010", ""), ("97012", ""), ("97110", ""), ("99213", "")]  # fmt: skip
    for key in both:
        for col in FIGURES:
            assert str(theirs.loc[key, col]) == str(ours.loc[key, col]), (key, col)
    assert theirs.loc[("0001F", ""), "status"] == "I"  # leading zeros and letters kept
    assert theirs.loc[("72148", "TC"), "pe_na_facility"]
    assert theirs.loc[("94760", ""), "description"] == "Pulse oximetry"
    assert theirs["conversion_factor"].eq(32.3465).all()
    assert price("97012", year=2025).amount == round(0.44 * 32.3465, 2) == 14.23


def test_imported_codes_show_on_top_of_shipped_tables_everywhere(tmp_path):
    assert pd.isna(_description(2025, "0001F"))
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"))
    assert load_rvus(2025).query("hcpcs == '0001F'")["status"].tolist() == ["I"]
    assert _description(2025, "0001F") == "Heart failure quality measure"
    assert pd.isna(_description(2024, "0001F"))


def test_a_cms_shaped_zip_as_cms_ships_it(tmp_path):
    archive = tmp_path / "RVU25D.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"), "PPRRVU25_OCT.csv")
        z.writestr("RVU25D.pdf", b"%PDF")
    frame = cms.read_pprrvu(archive)
    assert len(frame) == 5000 and frame["release"].iloc[0] == "RVU25D"
    assert frame["source"].iloc[0] == "RVU25D.zip:PPRRVU25_OCT.csv"


def test_a_truncated_cms_shaped_csv_is_refused_and_the_store_kept(tmp_path):
    good = write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv")
    import_file(good)
    before = store.table_path("rvus", 2025).read_bytes()
    cut = tmp_path / "cut" / "PPRRVU2025_Oct.csv"
    cut.parent.mkdir()
    data = good.read_bytes()
    cut.write_bytes(data[: data.index(b"A2500,") + 20])  # A2500,,Made-up servi
    with pytest.raises(DataFileError) as info:
        import_file(cut)
    assert str(info.value) == (
        "PPRRVU2025_Oct.csv ends in the middle of a row (3 of 31 fields); the file looks "
        "truncated: download the PPRRVU file of the RVU release from CMS and import that."
    )
    cut.write_bytes(data[: data.index(b"A2500,")])  # at the end of a row: too few rows
    with pytest.raises(DataFileError, match="holds only 2,509 rows where a national RVU file"):
        import_file(cut)
    assert store.table_path("rvus", 2025).read_bytes() == before


def test_a_changed_cms_layout_is_named(tmp_path):
    lines = pprrvu_2025_lines()
    lines[5] = lines[5].replace("MULT,", "MULTIPLE,", 1)
    with pytest.raises(DataFileError, match="column 'MULT PROC' not found; the layout has changed"):
        import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv", lines))
    assert store.years("rvus") == []


def test_a_cms_shaped_csv_without_its_banner_rows(tmp_path):
    lines = pprrvu_2025_lines()
    no_banner = write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv", lines[2:])  # header kept
    (result,) = import_file(no_banner).imported  # the name tells 2025 October
    assert (result.year, result.release, result.rows) == (2025, "RVU25D", 5000)
    last_header_only = write_pprrvu_2025(tmp_path / "PPRRVU2025_Jan.csv", lines[6:])
    with pytest.raises(DataFileError) as info:
        import_file(last_header_only)
    assert str(info.value) == (
        "PPRRVU2025_Jan.csv: column 'AMOUNT' appears twice in the header; the header rows above "
        "HCPCS are incomplete: download the PPRRVU file of the RVU release from CMS and import "
        "that."
    )


def test_an_option_never_relabels_a_cms_shaped_file(tmp_path):
    path = write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv")
    for options, says, option in [
        ({"year": 2026}, "its year is 2025, not 2026 as --year says", "--year"),
        ({"release": "A"}, "its release is D, not A as --release says", "--release"),
    ]:
        with pytest.raises(WorkbookError) as info:
            import_file(path, **options)
        assert str(info.value) == (
            f"PPRRVU2025_Oct.csv says {says}: leave out {option}: it is used only where a file "
            "does not say."
        )
    assert store.years("rvus") == []


# --- hostile input with the real files (issue 9) ------------------------------------------

ARKRVU = "arkrvu-2020-2024"


def _snapshot():
    root = config.store_dir()
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in members.items():
            archive.writestr(name, source.read_bytes() if hasattr(source, "read_bytes") else source)
    return path


def test_an_option_never_relabels_a_real_file(cms_dir):
    import_file(cms_dir / "2026/PPRRVU2026_Jul_nonQPP.csv")
    import_file(cms_dir / "2025/GPCI2025.csv")
    before = _snapshot()
    cases = [
        ("2025/PPRRVU2025_Oct.csv", {"year": 2026}, "its year is 2025, not 2026 as --year says"),
        ("2025/PPRRVU2025_Oct.csv", {"release": "A"}, "its release is D, not A as --release says"),
        ("2025/PPRRVU2025_Oct.txt", {"year": 2026}, "its year is 2025, not 2026 as --year says"),
        ("2025/GPCI2025.csv", {"year": 2024}, "its year is 2025, not 2024 as --year says"),
        ("2025/GPCI2025.txt", {"year": 2026}, "its year is 2025, not 2026 as --year says"),
    ]
    for path, options, says in cases:
        with pytest.raises(WorkbookError) as info:
            import_file(cms_dir / path, **options)
        option = "--year" if "year" in options else "--release"
        assert str(info.value) == (
            f"{path.split('/')[1]} says {says}: leave out {option}: it is used only where a file "
            "does not say."
        )
    assert _snapshot() == before
    assert load_rvus(2026)["release"].astype(str).eq("RVU26C").all()


def test_a_real_year_without_a_name_or_title_is_checked_by_its_conversion_factor(cms_dir, tmp_path):
    renamed = tmp_path / "rvus.txt"  # the fixed-width file has no title: only the name spoke
    renamed.write_bytes((cms_dir / "2025/PPRRVU2025_Oct.txt").read_bytes())
    with pytest.raises(WorkbookError) as info:
        import_file(renamed, kind="rvus", year=2026, release="D")
    assert str(info.value) == (
        "rvus.txt: its conversion factor 32.3465 is 2025's, not 2026's (33.4009, 33.5675); the "
        "file is not of 2026: leave out --year, or import the file of the year you mean."
    )
    (result,) = import_file(renamed, kind="rvus", year=2025, release="D").imported
    assert (result.year, result.release, result.rows) == (2025, "RVU25D", 19090)


def test_a_real_rvu25d_bundle_imports_rvus_gpcis_and_localities(cms_dir, tmp_path):
    names = ["PPRRVU2025_Oct.csv", "PPRRVU2025_Oct.txt", "GPCI2025.csv", "GPCI2025.txt"]
    names += ["25LOCCO.csv", "25LOCCO.txt", "ANES2025.csv", "ANES2025.txt", "OPPSCAP_Oct.csv"]
    members = {name: cms_dir / "2025" / name for name in names} | {"RVU25D.pdf": b"%PDF-1.4"}
    report = import_file(_zip(tmp_path / "rvu25d.zip", members))
    assert str(report).splitlines() == [
        "imported 19,090 rvus rows for 2025 (RVU25D) from rvu25d.zip:PPRRVU2025_Oct.csv",
        "imported 109 gpci rows for 2025 from rvu25d.zip:GPCI2025.csv",
        "imported 110 locality rows for 2025 from rvu25d.zip:25LOCCO.csv",
        "skipped rvu25d.zip:ANES2025.csv: anesthesia conversion factors, not used by the "
        "workbook yet",
        "skipped rvu25d.zip:ANES2025.txt: anesthesia conversion factors, not used by the "
        "workbook yet",
        "skipped rvu25d.zip:OPPSCAP_Oct.csv: OPPS cap prices, not used by the workbook yet",
        "skipped rvu25d.zip:RVU25D.pdf: documentation, not data",
        "skipped rvu25d.zip:PPRRVU2025_Oct.txt: the same table as PPRRVU2025_Oct.csv, which was "
        "read",
        "skipped rvu25d.zip:GPCI2025.txt: the same table as GPCI2025.csv, which was read",
        "skipped rvu25d.zip:25LOCCO.txt: the same table as 25LOCCO.csv, which was read",
    ]
    gpci = load_gpci(2025).set_index("locality_id")
    assert gpci.loc["01112-05", "gpci_pe"] == 1.419  # San Francisco (GPCI2025.csv says so)
    assert gpci.loc["01112-05", "source"] == "rvu25d.zip:GPCI2025.csv"
    assert store.load("locality", 2025).iloc[1][["mac", "locality_number"]].tolist() == [
        "02102",
        "01",
    ]


def test_a_2026_bundle_with_qpp_and_non_qpp_files_keeps_history_and_payment_agreeing(
    cms_dir, tmp_path
):
    text = (cms_dir / "2026/PPRRVU2026_Jul_nonQPP.csv").read_bytes()
    qpp = text.replace(b",33.4009,", b",33.5675,")
    members = {"PPRRVU2026_Jul_QPP.csv": qpp, "GPCI2026.csv": cms_dir / "2026/GPCI2026.csv"}
    members["PPRRVU2026_Jul_nonQPP.csv"] = text
    report = import_file(_zip(tmp_path / "RVU26C.zip", members))
    assert [r.source for r in report.imported] == [
        "RVU26C.zip:PPRRVU2026_Jul_nonQPP.csv",
        "RVU26C.zip:GPCI2026.csv",
    ]
    rvus = load_rvus(2026)
    assert rvus["conversion_factor"].eq(33.4009).all()
    assert conversion_factor(2026)["conversion_factor"] == 33.4009
    # 2026 GPCIs came too: San Francisco 1.095 / 1.410 / 0.425 (GPCI2026.csv), so
    # (0.24 x 1.095 + 0.18 x 1.410 + 0.01 x 0.425) x 33.4009 = 0.52085 x 33.4009 = 17.397 -> 17.40
    assert price("97012", year=2026, locality="01112-05").amount == 17.40


def test_real_cms_bundle_names_of_earlier_years(cms_dir, tmp_path):
    """Member names as CMS's release tables list them (PPRRVU24_JAN, PPRRVU20_V0618); the
    arkrvu parse has no title, so the names and the zip's name tell the year and release."""
    folder = cms_dir / ARKRVU / "rvu24"
    members = {
        "PPRRVU24_JAN.csv": folder / "pprrvu_rvu24a_jan.csv",
        "GPCI2024.csv": folder / "gpci_rvu24a.csv",
        "24LOCCO.csv": folder / "locco_rvu24a.csv",
        "ANES2024.csv": folder / "anes_rvu24a.csv",
        "OPPSCAP_JAN.csv": folder / "oppscap_rvu24a_jan.csv",
    }
    report = import_file(_zip(tmp_path / "RVU24A.zip", members))
    assert [str(r) for r in report.imported] == [
        "imported 18,499 rvus rows for 2024 (RVU24A) from RVU24A.zip:PPRRVU24_JAN.csv",
        "imported 109 gpci rows for 2024 from RVU24A.zip:GPCI2024.csv",
        "imported 110 locality rows for 2024 from RVU24A.zip:24LOCCO.csv",
    ]
    june = {"PPRRVU20_V0618.csv": cms_dir / ARKRVU / "rvu20/pprrvu_rvu20c_v0618.csv"}
    (result,) = import_file(_zip(tmp_path / "RVU20C.zip", june)).imported
    assert (result.year, result.release, result.rows) == (2020, "RVU20C", 17320)


def test_a_real_file_in_utf8_keeps_its_accents(cms_dir, tmp_path):
    text = (cms_dir / "2025/PPRRVU2025_Oct.csv").read_text(encoding="latin-1")
    assert "Mechanical traction therapy" in text
    path = tmp_path / "PPRRVU2025_Oct.csv"
    path.write_text(text.replace("Mechanical traction therapy", "Traction mécanique"), "utf-8")
    import_file(path)
    rvus = load_rvus(2025).set_index(KEY)
    assert rvus.loc[("97012", ""), "description"] == "Traction mécanique"
    assert not rvus["description"].str.contains("Ã").any()


def test_a_real_file_with_cr_only_line_endings_imports_the_same(cms_dir, tmp_path):
    original = cms_dir / "2025/PPRRVU2025_Oct.csv"
    mac = tmp_path / "PPRRVU2025_Oct.csv"
    mac.write_bytes(original.read_bytes().replace(b"\r\n", b"\r"))
    assert b"\n" not in mac.read_bytes()
    a = cms.read_pprrvu(original).drop(columns="source")
    b = cms.read_pprrvu(mac).drop(columns="source")
    assert a.equals(b)


def test_a_real_csv_without_its_banner_rows(cms_dir, tmp_path):
    lines = (cms_dir / "2025/PPRRVU2025_Oct.csv").read_bytes().split(b"\r\n")
    no_banner = tmp_path / "PPRRVU2025_Oct.csv"
    no_banner.write_bytes(b"\r\n".join(lines[5:]))  # the stacked header is kept
    (result,) = import_file(no_banner).imported  # the name tells 2025 October
    assert (result.year, result.release, result.rows) == (2025, "RVU25D", 19090)
    last_header_only = tmp_path / "PPRRVU2025_Jan.csv"
    last_header_only.write_bytes(b"\r\n".join(lines[9:]))
    with pytest.raises(DataFileError) as info:
        import_file(last_header_only)
    assert str(info.value) == (
        "PPRRVU2025_Jan.csv: column 'AMOUNT' appears twice in the header; the header rows above "
        "HCPCS are incomplete: download the PPRRVU file of the RVU release from CMS and import "
        "that."
    )


def test_a_real_zip_member_with_a_huge_field(cms_dir, tmp_path):
    lines = (cms_dir / "2025/PPRRVU2025_Oct.csv").read_bytes().split(b"\r\n")
    lines[2000] = lines[2000].replace(b",,", b"," + b"9" * 250_000 + b",", 1)
    archive = _zip(tmp_path / "RVU25D.zip", {"PPRRVU2025_Oct.csv": b"\r\n".join(lines)})
    with pytest.raises(DataFileError) as info:
        import_file(archive)
    assert str(info.value).startswith("RVU25D.zip:PPRRVU2025_Oct.csv: line 2001 is 250,1") and str(
        info.value
    ).endswith("it is not a CMS file or it is damaged: download it from CMS again.")
    assert store.years("rvus") == []


def test_real_files_of_other_kinds_are_refused(cms_dir):
    cases = [
        ("2025/ANES2025.txt", {}, "ANES2025.txt holds anesthesia conversion factors, not used"),
        ("2025/OPPSCAP_Oct.csv", {}, "OPPSCAP_Oct.csv holds OPPS cap prices, not used"),
        (
            "2025/OPPSCAP_Oct.csv",
            {"kind": "rvus"},
            "OPPSCAP_Oct.csv: column 'DESCRIPTION' not found; the layout has changed or it is not",
        ),
        (
            "2025/ZIP5_OCT2025.txt",
            {},
            "ZIP5_OCT2025.txt holds ZIP code to locality assignments, not used",
        ),
        (
            "2025/PPRRVU2025_Oct.txt",
            {"kind": "icd10"},
            "PPRRVU2025_Oct.txt is not a CMS ICD-10-CM order or codes file",
        ),
        ("2025/25LOCCO.csv", {"kind": "gpci"}, "25LOCCO.csv: no column with LOCALITY NAME"),
        (
            "2025/GPCI2025.csv",
            {"kind": "locality"},
            "GPCI2025.csv: MAC 10112 has locality number 'AL'; it is not a locality file",
        ),
    ]
    for path, options, start in cases:
        with pytest.raises(WorkbookError) as info:
            import_file(cms_dir / path, **options)
        assert str(info.value).startswith(start), (path, str(info.value))
    assert _snapshot() == {}


def test_the_bounds_hold_every_real_file_with_a_wide_margin(cms_dir):
    """RVUs 0-1000, conversion factors 10-100 and GPCIs 0.1-5 (cms.py): every real file of
    2020-2026 fits with at least twice the room (the arkrvu RVU20D parse lost its leading zeros
    and is refused for that)."""
    paths = sorted((cms_dir / ARKRVU).glob("rvu*/pprrvu_*.csv"))
    paths += [cms_dir / "2025/PPRRVU2025_Oct.csv", cms_dir / "2026/PPRRVU2026_Jul_nonQPP.csv"]
    largest, factors = 0.0, set()
    for path in paths:
        if path.name == "pprrvu_rvu20d_oct.csv":
            continue
        frame = cms.read_pprrvu(path)
        largest = max(largest, frame[cms.RVU_FLOAT_COLUMNS[:-1]].max().max())
        factors |= set(frame["conversion_factor"])
    assert largest == 461.69 and largest * 2 < cms.RVU_BOUNDS[1]
    assert min(factors) == 32.3465 and max(factors) == 36.0896
    assert cms.FACTOR_BOUNDS[0] * 3 < min(factors) and max(factors) * 2 < cms.FACTOR_BOUNDS[1]
    gpcis = [cms_dir / "2025/GPCI2025.csv", cms_dir / "2026/GPCI2026.csv"]
    gpcis += sorted((cms_dir / ARKRVU).glob("rvu2[1-4]/gpci_*.csv"))
    values = pd.concat(cms.read_gpci(p)[["gpci_work", "gpci_pe", "gpci_mp"]] for p in gpcis)
    assert values.min().min() == 0.235 and values.max().max() == 2.702
    assert cms.GPCI_BOUNDS[0] * 2 < 0.235 and 2.702 * 1.8 < cms.GPCI_BOUNDS[1]


def test_the_real_code_set_is_accepted_and_a_cut_of_it_refused(tmp_path):
    from cpt_analysis.reference import icd10, icd10_sets

    codeset = icd10_sets.members(icd10_sets.shipped_sets()[-1])
    lines = [
        f"{n:05d} {key:<7} {int(leaf)} {desc[:60]:<60} {desc}"
        for n, (key, leaf, desc) in enumerate(
            zip(codeset.index, codeset["leaf"], codeset["description"], strict=True), 1
        )
    ]
    path = tmp_path / "icd10cm_order_2026.txt"
    path.write_text("\n".join(lines[:3]) + "\n")
    with pytest.raises(DataFileError, match="holds 3 codes where a complete ICD-10-CM code set"):
        import_file(path)
    path.write_text("\n".join(lines) + "\n")
    (result,) = import_file(path).imported
    assert (result.kind, result.year, result.rows) == ("icd10", 2026, 98186)
    verdict = icd10.check("M54.5", "2026-03-01")
    assert (verdict["status"], verdict["basis"]) == (
        "header",
        "FY2026 code set added from a CMS file",
    )
