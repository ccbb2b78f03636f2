"""Rebuild the places tables from official CMS files (a maintainer's tool).

- data/zip_localities.csv.gz: every ZIP code of CMS's ZIP-to-carrier-locality file of the
  October 2025 quarter (ZIP5_OCT2025.txt, fixed width as ZIP5lyout.txt lays it out);
- data/locality_counties.csv: the counties of each locality, 2020-2025 (the LOCCO files);
- data/anesthesia_conversion_factors.csv: the anesthesia conversion factor of each locality,
  2020-2025 (the ANES files), one row per locality and period in which the factors held.

2020-2024 come from arkrvu's parse of each quarterly release (rvuYY/locco_*.csv, anes_*.csv),
2025 from RVU25D's own files. Stops, naming the file, where a file breaks what the tables rely
on (a line of the wrong length, quarters of a year that disagree on the counties, CSV and TXT
that disagree). Usage:
    python scripts/build_places.py [CMS_DIR]   (default: ../shared/cms)
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd

from cpt_analysis import config
from cpt_analysis.reference import cms, places
from cpt_analysis.reference.schema import SCHEMAS

ARKRVU = "arkrvu-2020-2024"
ARKRVU_NOTE = " (arkrvu's parse of CMS's {release} file)"
# ZIP5lyout.txt: (column, first position, last position), 1-based; fillers left out
ZIP_FIELDS = [
    ("state", 1, 2),
    ("zip", 3, 7),
    ("mac", 8, 12),
    ("locality_number", 13, 14),
    ("rural", 15, 15),
    ("plus_four", 21, 21),
    ("year_quarter", 76, 80),
]
ZIP_QUARTER = "20254"  # YYYYQ: the fourth quarter of 2025
ANES_READ = ["mac", "locality_number", "locality_name", "anesthesia_cf"]


def _columns(table: str) -> list[str]:
    return [c.name for c in SCHEMAS[table]]


def read_zip_file(path: Path) -> pd.DataFrame:
    """The ZIP5 file as the shipped table: zip, state, mac, locality_number, rural, plus_four."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        if len(line) != 80:
            raise SystemExit(f"{path.name}: line {number} has {len(line)} characters, not 80")
        rows.append({name: line[a - 1 : b] for name, a, b in ZIP_FIELDS})
    frame = pd.DataFrame(rows)
    if set(frame["year_quarter"]) != {ZIP_QUARTER} or set(frame["plus_four"]) - {"0", "1"}:
        raise SystemExit(f"{path.name}: not all of it is quarter {ZIP_QUARTER} with flags 0/1")
    if frame["zip"].duplicated().any():
        raise SystemExit(f"{path.name}: a ZIP code is listed twice")
    frame["rural"] = frame["rural"].str.strip()
    frame["plus_four"] = frame["plus_four"].map({"0": "false", "1": "true"})
    return frame[_columns("zip_localities")]


def _releases(cms_dir: Path, year: int) -> list[tuple[str, str]]:
    """(release such as 24AR, effective date) of each release of an arkrvu year, in order."""
    table = pd.read_csv(cms_dir / ARKRVU / f"rvu{year % 100}" / "release_table.csv", dtype=str)
    pairs = zip(table["file_html"].str.removeprefix("RVU"), table["date_effective"], strict=True)
    return sorted(pairs, key=lambda pair: pair[1])


def read_counties(cms_dir: Path) -> pd.DataFrame:
    """Each year's locality-county rows (every quarter of a year must agree)."""
    parts = []
    for year in range(2020, 2025):
        folder = cms_dir / ARKRVU / f"rvu{year % 100}"
        quarters = [
            cms.read_locality(folder / f"locco_rvu{rel.lower()}.csv", year=year)
            for rel, _ in _releases(cms_dir, year)
        ]
        first = quarters[0].drop(columns="source")
        if any(not q.drop(columns="source").equals(first) for q in quarters[1:]):
            raise SystemExit(f"the quarterly locality-county files of {year} differ")
        note = ARKRVU_NOTE.format(release=f"{year % 100}LOCCO")
        parts.append(quarters[0].assign(source=quarters[0]["source"] + note))
    csv_2025 = cms.read_locality(cms_dir / "2025" / "25LOCCO.csv")
    txt_2025 = cms.read_locality(cms_dir / "2025" / "25LOCCO.txt")
    # the TXT keeps the zeros the CSV drops; its states are not compared: it leaves California's
    # blank, so a reader filling states down calls California's localities Arkansas's
    key = ["mac", "locality_number"]
    if not csv_2025[key].equals(txt_2025[key]):
        raise SystemExit("25LOCCO.csv and 25LOCCO.txt list other localities")
    return pd.concat([*parts, csv_2025], ignore_index=True)


def read_anes_file(path: Path) -> pd.DataFrame:
    """mac, locality_number, locality_name, anesthesia_cf of one ANES CSV (CMS's or arkrvu's)."""
    with path.open(encoding="latin-1", newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and r[0].strip().isdigit()]
    frame = pd.DataFrame([[c.strip() for c in r[:4]] for r in rows], columns=ANES_READ)
    frame["mac"] = frame["mac"].str.zfill(5)
    frame["locality_number"] = frame["locality_number"].str.zfill(2)
    frame["locality_name"] = frame["locality_name"].str.rstrip("*").str.strip()
    frame["anesthesia_cf"] = frame["anesthesia_cf"].astype(float)
    return frame


def _check_anes_txt(path: Path, frame: pd.DataFrame) -> None:
    """The TXT prints each factor in cents at the end of its line: it must equal the CSV's."""
    cents = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit() and parts[-1].isdigit():
            cents[(parts[0], parts[1])] = int(parts[-1])
    mine = {(m, n): round(cf * 100) for m, n, cf in frame[["mac", "locality_number", "anesthesia_cf"]].itertuples(index=False)}  # fmt: skip
    if cents != mine:
        raise SystemExit(f"{path.name} and the CSV disagree on the anesthesia factors")


def read_anesthesia(cms_dir: Path) -> pd.DataFrame:
    """One row per locality and period: consecutive releases with equal factors make one."""
    parts = []
    for year in range(2020, 2025):
        folder = cms_dir / ARKRVU / f"rvu{year % 100}"
        periods: list[tuple[str, list[str], pd.DataFrame]] = []
        for rel, day in _releases(cms_dir, year):
            name = f"anes_rvu{rel.lower()}.csv"
            frame = read_anes_file(folder / name)
            if periods and periods[-1][2].equals(frame):
                periods[-1][1].append(name)
            else:
                periods.append((day, [name], frame))
        ends = [pd.Timestamp(d) - pd.Timedelta(days=1) for d, _, _ in periods[1:]]
        ends.append(pd.Timestamp(year, 12, 31))
        for (day, names, frame), end in zip(periods, ends, strict=True):
            files = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"
            note = ARKRVU_NOTE.format(release=f"ANES{year}")
            parts.append(
                frame.assign(
                    year=year,
                    effective_from=day,
                    effective_to=end.date().isoformat(),
                    source=files + note,
                )
            )
    frame = read_anes_file(cms_dir / "2025" / "ANES2025.csv")
    _check_anes_txt(cms_dir / "2025" / "ANES2025.txt", frame)
    parts.append(
        frame.assign(
            year=2025,
            effective_from="2025-01-01",
            effective_to="2025-12-31",
            source="ANES2025.csv (RVU25D, the only 2025 release at hand)",
        )
    )
    return pd.concat(parts, ignore_index=True)[_columns("anesthesia_conversion_factors")]


def main(cms_dir: Path) -> None:
    zips = read_zip_file(cms_dir / "2025" / places.ZIP_FILE)
    with gzip.GzipFile(places.zip_table_path(), "wb", compresslevel=9, mtime=0) as out:
        out.write(zips.to_csv(index=False, lineterminator="\n").encode("ascii"))
    counties = read_counties(cms_dir)
    counties.to_csv(config.shipped_table("locality_counties"), index=False)
    anes = read_anesthesia(cms_dir)
    anes.to_csv(config.shipped_table("anesthesia_conversion_factors"), index=False)
    print(
        f"zip_localities: {len(zips)} ZIPs ({(zips['plus_four'] == 'true').sum()} split by "
        f"ZIP+4), {places.zip_table_path().stat().st_size:,} bytes; locality_counties: "
        f"{len(counties)} rows; anesthesia_conversion_factors: {len(anes)} rows"
    )


if __name__ == "__main__":
    from cms_folder import cms_folder  # scripts/, beside this file

    main(cms_folder(__doc__.split("\n\n")[0]))
