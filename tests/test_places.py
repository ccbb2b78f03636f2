"""Places (issue 11): a ZIP code is a locality wherever one is accepted, through CMS's
ZIP-to-locality file; localities show their counties and anesthesia conversion factors; every
shipped row equals the official file it came from (../shared/cms, skipped where absent)."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.payment import match_localities, price, resolve_locality
from cpt_analysis.reference import places, store
from cpt_analysis.reference.loaders import load_gpci
from cpt_analysis.validation import validate

ARKRVU = "arkrvu-2020-2024"
IN_FILE = "by CMS's ZIP-to-locality file (October 2025, ZIP5_OCT2025.txt)"


def _err(capsys) -> str:
    return capsys.readouterr().err


def _name(locality_id: str, year: int = 2025) -> str:
    gpci = load_gpci(year)
    return gpci.loc[gpci["locality_id"] == locality_id, "locality_name"].iloc[0]


def _table(out: str) -> dict[str, list[str]]:
    """{locality_id: the words of its row} of the table `localities` prints, and its header."""
    lines = [line for line in out.splitlines() if not line.startswith("ZIP ")]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    return {"header": lines[0].split(), **rows}


# --- what a ZIP is -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zip_code"),
    [
        ("94110", "94110"),
        (" 94110 ", "94110"),
        ("94110-1234", "94110"),
        ("941101234", "94110"),
        ("01112-05", None),  # MAC-NN
        ("0111205", None),  # MAC and locality written together: seven digits
        ("9411", None),
        ("94110-12", None),
        ("SAN FRAN", None),
    ],
)
def test_a_zip_is_five_digits_or_a_zip_plus_four_never_a_mac_nn_id(text, zip_code):
    assert places.zip_code(text) == zip_code


def test_a_compact_mac_locality_id_is_never_taken_for_a_zip_nor_a_zip_for_one():
    gpci = load_gpci(2025)
    assert match_localities(gpci, "0111205")["locality_id"].tolist() == ["01112-05"]
    assert match_localities(gpci, "01112-05")["locality_id"].tolist() == ["01112-05"]
    # five digits are a ZIP, even where a MAC has the same digits: 13202 is Syracuse's ZIP
    assert match_localities(gpci, "13202")["locality_id"].tolist() == ["13282-99"]
    # 01112 is only a MAC: said so, with one of its ids
    with pytest.raises(WorkbookError) as info:
        match_localities(gpci, "01112")
    assert str(info.value) == (
        "ZIP 01112 is not in CMS's ZIP-to-locality file (October 2025): 01112 is a MAC (a "
        "Medicare contractor): give MAC-NN such as 01112-05; `cpt-workbook localities` lists "
        "them."
    )


# --- a ZIP wherever a locality is accepted ---------------------------------------------------


def test_a_zip_prices_as_its_locality(capsys):
    assert resolve_locality("94110", 2025)["locality_id"] == "01112-05"
    assert resolve_locality("94110-1234", 2025)["locality_id"] == "01112-05"
    by_zip = price("97012", year=2025, locality="94110")
    by_id = price("97012", year=2025, locality="01112-05")
    assert by_zip.locality_id == "01112-05" and by_zip.amount == by_id.amount
    assert by_zip.amount != price("97012", year=2025).amount  # not the national amount
    assert main(["lookup", "97012", "--year", "2025", "--locality", "94110"]) == 0
    assert "(01112-05), conversion factor 32.3465" in capsys.readouterr().out


def test_a_zip_passes_the_notebooks_locality_check():
    assert validate(locality="10001", year=2025)["locality"] == "10001"
    with pytest.raises(WorkbookError, match=r"^ZIP 00000 is not in CMS's ZIP-to-locality file"):
        validate(locality="00000", year=2025)


def test_an_unknown_zip_is_one_line(capsys):
    assert main(["lookup", "97012", "--year", "2025", "--locality", "00000"]) == 2
    assert _err(capsys) == (
        "cpt-workbook: error: ZIP 00000 is not in CMS's ZIP-to-locality file (October 2025): "
        "give the MAC-NN id of the place of service (01112-05) or words of its locality's name; "
        "`cpt-workbook localities` lists them.\n"
    )


def test_a_zip_split_by_zip_plus_four_is_refused_naming_its_locality(capsys):
    assert places.zip_place("90265")["plus_four"]  # Malibu
    message = (
        f"ZIP 90265 is split by ZIP+4 (CMS's plus-four flag): CMS's ZIP file (October 2025) "
        f"gives 01182-18 {_name('01182-18')}, but parts of the ZIP may lie in another locality, "
        "which only CMS's ZIP+4 file tells (the workbook does not have it): give the MAC-NN id "
        "of the place of service, such as 01182-18 if it lies there."
    )
    for text in ("90265", "90265-4321"):
        with pytest.raises(WorkbookError) as info:
            resolve_locality(text, 2025)
        assert str(info.value) == message
    assert main(["lookup", "97012", "--year", "2025", "--locality", "90265"]) == 2
    assert _err(capsys) == f"cpt-workbook: error: {message}\n"


# --- a ZIP of October 2025 in another year -----------------------------------------------------


def test_a_zip_maps_to_another_year_only_where_its_locality_covered_the_same_counties():
    # Fresno and Alabama kept their counties; Manhattan too
    assert resolve_locality("93721", 2023)["locality_id"] == "01112-56"
    assert resolve_locality("35201", 2023)["locality_id"] == "10112-00"
    assert resolve_locality("10001", 2023)["locality_id"] == "13202-01"
    # 2024 drew California as October 2025 does
    assert resolve_locality("94110", 2024)["locality_id"] == "01112-05"
    assert resolve_locality("95501", 2024)["locality_id"] == "01112-75"
    # San Francisco's locality took in Alameda, Contra Costa and San Mateo in 2024
    with pytest.raises(WorkbookError) as info:
        resolve_locality("94110", 2023)
    assert str(info.value) == (
        "ZIP 94110 is in 01112-05 by CMS's ZIP file (October 2025), but its counties in 2023 "
        "(SAN FRANCISCO) were not those of October 2025 (SAN FRANCISCO/ALAMEDA/CONTRA COSTA/SAN "
        "MATEO): give the 2023 MAC-NN id; `cpt-workbook localities --year 2023` lists them."
    )
    # the rest of California is all other counties: the whole state's list must be the same
    with pytest.raises(WorkbookError) as info:
        resolve_locality("95501", 2023)
    assert str(info.value) == (
        "ZIP 95501 is in 01112-75 by CMS's ZIP file (October 2025), but the localities of "
        "California were drawn otherwise in 2023: give the 2023 MAC-NN id; `cpt-workbook "
        "localities --year 2023` lists them."
    )


def test_an_imported_county_list_replaces_its_year_and_is_checked(tmp_path):
    assert places.locality_counties(2026).empty
    assert places.drawn_otherwise("01112-05", 2026) == ""  # no list: by the id alone
    rows = places.locality_counties(2025).drop(columns="locality_id").assign(year=2026)
    rows.loc[rows["mac"].eq("01112") & rows["locality_number"].eq("05"), "counties"] = "MARIN"
    source = tmp_path / "26LOCCO.csv"
    source.write_text("a locality file")
    store.save("locality", rows, source)
    assert len(places.locality_counties(2026)) == 109  # Missouri's rest of state once
    assert places.drawn_otherwise("01112-05", 2026) == (
        "its counties in 2026 (MARIN) were not those of October 2025 (SAN FRANCISCO/ALAMEDA/"
        "CONTRA COSTA/SAN MATEO)"
    )
    assert places.drawn_otherwise("01112-56", 2026) == ""


# --- the localities command ------------------------------------------------------------------


def test_localities_zip_answers_with_the_locality_its_counties_and_anesthesia_factor(capsys):
    assert main(["localities", "--zip", "94110"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"ZIP 94110: 01112-05 {_name('01112-05')}, urban, {IN_FILE}"
    table = _table(out)
    assert table["header"][-2:] == ["anesthesia_cf", "counties"]
    assert table.keys() == {"header", "01112-05"}
    assert " ".join(table["01112-05"]).endswith(
        "22.37 SAN FRANCISCO/ALAMEDA/CONTRA COSTA/SAN MATEO"
    )  # ANES2025.csv and 25LOCCO.csv


def test_localities_zip_of_a_split_zip_says_so_and_shows_its_locality(capsys):
    assert main(["localities", "--zip", "35958"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"ZIP 35958: 10112-00 ALABAMA, rural, {IN_FILE}"
    assert lines[1].startswith("ZIP 35958 is split by ZIP+4 (CMS's plus-four flag)")
    assert lines[1].endswith("; a price by this ZIP is refused: give the MAC-NN id")
    assert lines[3].split()[0] == "10112-00"


def test_localities_search_shows_counties_and_anesthesia_factor(capsys):
    assert main(["localities", "--search", "MANHATTAN"]) == 0
    table = _table(capsys.readouterr().out)
    assert " ".join(table["13202-01"]).endswith("MANHATTAN 1.065 1.166 1.656 22.76 NEW YORK")


def test_localities_of_a_year_with_two_anesthesia_periods_show_both(capsys):
    assert main(["localities", "--year", "2024", "--search", "01112-05"]) == 0
    table = _table(capsys.readouterr().out)
    assert table["header"][-3:] == ["anesthesia_cf_jan01", "anesthesia_cf_mar09", "counties"]
    assert " ".join(table["01112-05"]).endswith(
        "22.49 22.86 SAN FRANCISCO/ALAMEDA/CONTRA COSTA/SAN MATEO"
    )


def test_localities_refuses_zip_and_search_together(capsys):
    with pytest.raises(SystemExit) as info:
        main(["localities", "--zip", "94110", "--search", "CA"])
    assert info.value.code == 2
    assert _err(capsys) == (
        "cpt-workbook: error: argument --search: not allowed with argument --zip: see "
        "`cpt-workbook localities --help`\n"
    )


# --- anesthesia conversion factors -----------------------------------------------------------


def test_anesthesia_cf_by_year_and_date_of_service():
    assert places.anesthesia_cf("01112-05", 2025)["anesthesia_cf"] == 22.37
    assert places.anesthesia_cf("01112-05", 2024)["anesthesia_cf"] == 22.49  # first period
    assert places.anesthesia_cf("01112-05", date_of_service="2024-03-08")["anesthesia_cf"] == 22.49
    after = places.anesthesia_cf("01112-05", date_of_service="2024-03-09")
    assert after["anesthesia_cf"] == 22.86
    assert after["source"].startswith("anes_rvu24ar.csv to anes_rvu24c.csv")
    assert places.anesthesia_cf("national", 2025) is None
    assert places.anesthesia_cf(None, 2025) is None
    assert places.anesthesia_cf("01112-05", 2026) is None


def test_anesthesia_periods_cover_each_year_once_for_every_locality():
    table = places.load_anesthesia_cfs()
    for (year, locality), rows in table.groupby(["year", "locality_id"]):
        rows = rows.sort_values("effective_from")
        assert rows["effective_from"].iloc[0] == pd.Timestamp(year, 1, 1), locality
        assert rows["effective_to"].iloc[-1] == pd.Timestamp(year, 12, 31), locality
        gaps = (
            rows["effective_from"].iloc[1:].to_numpy() - rows["effective_to"].iloc[:-1].to_numpy()
        )
        assert (gaps == pd.Timedelta(days=1)).all(), (year, locality)


def test_every_locality_of_every_year_has_counties_and_an_anesthesia_factor():
    for year in (2023, 2024, 2025):
        ids = set(load_gpci(year)["locality_id"])
        assert set(places.locality_counties(year)["locality_id"]) == ids, year
        assert set(places.load_anesthesia_cfs(year)["locality_id"]) == ids, year
    assert set(places._zips()["locality_id"]) == set(load_gpci(2025)["locality_id"])


# --- every shipped row equals the official file ----------------------------------------------


def test_shipped_zips_equal_cms_zip_file(cms_dir):
    lines = (cms_dir / "2025" / places.ZIP_FILE).read_text(encoding="ascii").splitlines()
    official = pd.DataFrame(
        {
            "zip": [line[2:7] for line in lines],
            "state": [line[0:2] for line in lines],
            "mac": [line[7:12] for line in lines],
            "locality_number": [line[12:14] for line in lines],
            "rural": [line[14].strip() for line in lines],
            "plus_four": [line[20] == "1" for line in lines],
        }
    )
    shipped = places._zips().drop(columns="locality_id").reset_index(drop=True)
    assert len(shipped) == len(lines) == 42956
    assert shipped.astype(str).equals(official.astype(str))
    assert shipped["plus_four"].sum() == 580


def _csv_rows(path, first_cell=r"\d+") -> list[list[str]]:
    with path.open(encoding="latin-1", newline="") as handle:
        return [
            [c.strip() for c in r]
            for r in csv.reader(handle)
            if r and re.fullmatch(first_cell, r[0].strip())
        ]


def _releases(cms_dir, year: int) -> list[tuple[str, pd.Timestamp]]:
    table = pd.read_csv(cms_dir / ARKRVU / f"rvu{year % 100}" / "release_table.csv", dtype=str)
    return [
        (r[3:].lower(), pd.Timestamp(d))
        for r, d in zip(table["file_html"], table["date_effective"], strict=True)
    ]


def test_shipped_counties_equal_the_locality_county_files(cms_dir):
    shipped = pd.read_csv(
        places.config.shipped_table("locality_counties"), dtype=str, keep_default_na=False
    )
    columns = ["mac", "locality_number", "state", "fee_schedule_area", "counties"]
    for year in range(2020, 2025):
        mine = shipped.loc[shipped["year"] == str(year), columns].to_numpy().tolist()
        for release, _ in _releases(cms_dir, year):
            path = cms_dir / ARKRVU / f"rvu{year % 100}" / f"locco_rvu{release}.csv"
            assert mine == [r[:5] for r in _csv_rows(path)], path.name
    # 2025: the CSV drops leading zeros and writes a state on its first row only
    rows, state = [], ""
    for r in _csv_rows(cms_dir / "2025" / "25LOCCO.csv"):
        state = r[2] or state
        rows.append([r[0].zfill(5), r[1].zfill(2), state, r[3], r[4]])
    assert shipped.loc[shipped["year"] == "2025", columns].to_numpy().tolist() == rows
    text = (cms_dir / "2025" / "25LOCCO.txt").read_text(encoding="latin-1")
    ids = re.findall(r"^\s+(\d{5})\s+(\d{2})\s", text, flags=re.MULTILINE)
    assert [r[:2] for r in rows] == [list(i) for i in ids]


def test_shipped_anesthesia_factors_equal_every_release_they_stand_for(cms_dir):
    shipped = places.load_anesthesia_cfs()

    def in_force(day: pd.Timestamp) -> list[list]:
        rows = shipped[(shipped["effective_from"] <= day) & (shipped["effective_to"] >= day)]
        return (
            rows[["mac", "locality_number", "locality_name", "anesthesia_cf"]].to_numpy().tolist()
        )

    def official(path) -> list[list]:
        return [
            [r[0].zfill(5), r[1].zfill(2), r[2].rstrip("*").strip(), float(r[3])]
            for r in _csv_rows(path)
        ]

    for year in range(2020, 2025):
        for release, day in _releases(cms_dir, year):
            path = cms_dir / ARKRVU / f"rvu{year % 100}" / f"anes_rvu{release}.csv"
            assert in_force(day) == official(path), path.name
    rows_2025 = official(cms_dir / "2025" / "ANES2025.csv")
    assert in_force(pd.Timestamp(2025, 1, 1)) == in_force(pd.Timestamp(2025, 12, 31)) == rows_2025
    cents = re.findall(
        r"^(\d{5})\s+(\d{2})\s.*?(\d+)\s*$",
        (cms_dir / "2025" / "ANES2025.txt").read_text(encoding="latin-1"),
        flags=re.MULTILINE,
    )
    assert [[m, n, int(c)] for m, n, c in cents] == [
        [m, n, round(cf * 100)] for m, n, _, cf in rows_2025
    ]
