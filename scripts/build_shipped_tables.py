"""Rebuild the shipped fee-schedule tables from the official CMS files (a maintainer's tool).

Writes, from every national RVU release of 2020-2026 that ``CMS_DIR`` holds:

- ``data/rvus/RVUyyX.parquet``: every code and modifier row of the release with every figure and
  indicator, never the official descriptor (AMA copyright); zstd Parquet, one file per release,
  so a new release adds a file and never rewrites the others;
- ``data/rvu_releases.csv``: one row per release with its effective date and conversion factor;
- ``data/gpci.csv``: the GPCIs of every locality, as each release's GPCI file gives them.

Usage:
    python scripts/build_shipped_tables.py [CMS_DIR]   (default: ../shared/cms)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from cpt_analysis import config
from cpt_analysis.reference import cms
from cpt_analysis.reference.schema import RVU_TABLE_COLUMNS

ARKRVU = "arkrvu-2020-2024"
PARSED = "as parsed by arkrvu"
# the first day of the quarter each release letter starts (CMS: A January ... D October)
QUARTER_START = {"A": (1, 1), "B": (4, 1), "C": (7, 1), "D": (10, 1)}
# the states arkrvu's 2020 LOCCO files leave without their two letters
UNABBREVIATED = {
    "DISTRICT OF COLUMBIA": "DC",
    "HAWAII/GUAM": "HI",
    "PUERTO RICO": "PR",
    "VIRGIN ISLANDS": "VI",
}


@dataclass(frozen=True)
class Release:
    """One national RVU release: its files in CMS_DIR and what the source column says."""

    name: str  # RVU24AR
    year: int
    effective_from: date
    rvu_file: str
    gpci_file: str
    rvu_note: str = ""  # what the source column adds to the RVU file's name
    gpci_note: str = ""  # and to the GPCI file's name
    states_from: str = ""  # a LOCCO file giving the states a GPCI file lacks (arkrvu 2020)


def _arkrvu_releases(cms_dir: Path) -> list[Release]:
    """The releases of arkrvu-2020-2024, with the effective dates of its release tables."""
    out = []
    for table in sorted((cms_dir / ARKRVU).glob("rvu*/release_table.csv")):
        folder = table.parent
        with table.open(newline="") as handle:
            for row in csv.DictReader(handle):
                name = row["file_html"]  # RVU24AR
                lower = name.lower()
                (rvu_file,) = folder.glob(f"pprrvu_{lower}_*.csv")
                xlsx = {f.upper()[:4]: f for f in row["sub_files"].split(";")}  # CMS's files
                out.append(
                    Release(
                        name=name,
                        year=2000 + int(name[3:5]),
                        effective_from=date.fromisoformat(row["date_effective"]),
                        rvu_file=rvu_file.relative_to(cms_dir).as_posix(),
                        gpci_file=f"{folder.relative_to(cms_dir).as_posix()}/gpci_{lower}.csv",
                        rvu_note=f" (CMS {name} {xlsx['PPRR']}, {PARSED})",
                        gpci_note=f" (CMS {name} {xlsx['GPCI']}, {PARSED})",
                        states_from=(
                            f"{folder.relative_to(cms_dir).as_posix()}/locco_{lower}.csv"
                            if name.startswith("RVU20")
                            else ""
                        ),
                    )
                )
    return out


def releases(cms_dir: Path) -> list[Release]:
    """Every release shipped: arkrvu's 2020-2024, RVU25D and RVU26C (the only ones of their years)."""
    single = [
        Release("RVU25D", 2025, date(2025, *QUARTER_START["D"]), "2025/PPRRVU2025_Oct.csv",
                "2025/GPCI2025.csv"),
        Release("RVU26C", 2026, date(2026, *QUARTER_START["C"]), "2026/PPRRVU2026_Jul_nonQPP.csv",
                "2026/GPCI2026.csv"),
    ]  # fmt: skip
    return _arkrvu_releases(cms_dir) + single


def read_release(cms_dir: Path, release: Release) -> pd.DataFrame:
    """The release's rows as shipped: the reader's columns, no descriptor, the release named
    (the reader calls RVU24AR's file RVU24A, as its name says), sorted by code and modifier."""
    frame = cms.read_pprrvu(cms_dir / release.rvu_file, year=release.year)
    frame = frame.drop(columns=["description"]).assign(
        release=pd.Categorical([release.name] * len(frame)),
        source=frame["source"] + release.rvu_note,
    )
    return frame[RVU_TABLE_COLUMNS].sort_values(["hcpcs", "modifier"], ignore_index=True)


def read_gpcis(cms_dir: Path, release: Release) -> pd.DataFrame:
    """The release's GPCI file, states filled from its LOCCO file where the GPCI file has none."""
    gpci = cms.read_gpci(cms_dir / release.gpci_file, year=release.year)
    if release.states_from:
        locco = pd.read_csv(cms_dir / release.states_from, dtype=str, keep_default_na=False)
        # its two-letter states, blank for four, which the GPCI files of 2021 on give
        blank = locco["state_abb"] == ""
        locco.loc[blank, "state_abb"] = locco.loc[blank, "state"].map(UNABBREVIATED)
        states = locco.drop_duplicates(["mac", "locality_number"]).set_index(
            ["mac", "locality_number"]
        )["state_abb"]
        keys = pd.MultiIndex.from_frame(gpci[["mac", "locality_number"]])
        gpci["state"] = states.reindex(keys).fillna("").to_numpy()
        gpci["source"] += f" (states from {Path(release.states_from).name})"
        if not gpci["state"].str.fullmatch("[A-Z]{2}").all():
            raise SystemExit(f"{release.states_from} lacks the state of a {release.name} locality")
    gpci.insert(1, "release", release.name)
    gpci["source"] += release.gpci_note
    return gpci


def main(cms_dir: Path) -> None:
    folder = config.DATA_DIR / "rvus"
    folder.mkdir(exist_ok=True)
    index, gpcis = [], []
    for release in releases(cms_dir):
        rvus = read_release(cms_dir, release)
        rvus.to_parquet(folder / f"{release.name}.parquet", index=False, compression="zstd")
        (factor,) = rvus["conversion_factor"].unique()
        index.append(
            {
                "year": release.year,
                "release": release.name,
                "effective_from": release.effective_from.isoformat(),
                "conversion_factor": factor,
                "rows": len(rvus),
                "source": rvus["source"].iloc[0],
            }
        )
        gpcis.append(read_gpcis(cms_dir, release))
        print(f"{release.name}: {len(rvus):,} rows")
    pd.DataFrame(index).to_csv(config.shipped_table("rvu_releases"), index=False)
    pd.concat(gpcis).to_csv(config.shipped_table("gpci"), index=False)
    print(f"{len(index)} releases; gpci: {sum(map(len, gpcis)):,} rows")


if __name__ == "__main__":
    from cms_folder import cms_folder  # scripts/, beside this file

    main(cms_folder(__doc__.split("\n\n")[0]))
