"""Rebuild data/rvus.csv and data/gpci.csv from official CMS files (a maintainer's tool).

Takes the rows of the codes in data/codes.csv from each year's national RVU file, dropping the
official descriptor, and every locality from each year's GPCI file. Usage:
    python scripts/build_shipped_tables.py [CMS_DIR]   (default: ../shared/cms)
"""

from __future__ import annotations

import sys
from pathlib import Path

from cpt_analysis import config
from cpt_analysis.reference import cms
from cpt_analysis.reference.loaders import load_codes

RVU_FILES = {
    2023: "2023-2024-derived/pprrvu_rvu23a_jan_from_arkrvu.csv",
    2024: "2023-2024-derived/pprrvu_rvu24a_jan_from_arkrvu.csv",
    2025: "2025/PPRRVU2025_Oct.csv",
    2026: "2026/PPRRVU2026_Jul_nonQPP.csv",
}
RELEASES = {2023: "A", 2024: "A", 2025: "D", 2026: "C"}
GPCI_FILES = {
    2023: "2023-2024-derived/gpci_rvu23a_from_arkrvu.csv",
    2024: "2023-2024-derived/gpci_rvu24a_from_arkrvu.csv",
    2025: "2025/GPCI2025.csv",
}
SOURCE_NOTE = {2023: " (CMS RVU23A as parsed by arkrvu)", 2024: " (CMS RVU24A as parsed by arkrvu)"}


def main(cms_dir: Path) -> None:
    codes = set(load_codes()["code"])
    parts = []
    for year, rel in RVU_FILES.items():
        frame = cms.read_pprrvu(cms_dir / rel, year=year, release=RELEASES[year])
        frame = frame[frame["hcpcs"].isin(codes)].drop(columns=["description"])
        frame["source"] = frame["source"] + SOURCE_NOTE.get(year, "")
        parts.append(frame)
    rvus = cms.pd.concat(parts).sort_values(["year", "hcpcs", "modifier"])
    for col in ("pe_na_nonfacility", "pe_na_facility"):
        rvus[col] = rvus[col].map({True: "NA", False: ""})
    rvus.to_csv(config.shipped_table("rvus"), index=False)
    gpci = cms.pd.concat(
        cms.read_gpci(cms_dir / rel, year=year).assign(
            source=lambda f, y=year: f["source"] + SOURCE_NOTE.get(y, "")
        )
        for year, rel in GPCI_FILES.items()
    )
    gpci.to_csv(config.shipped_table("gpci"), index=False)
    print(f"rvus: {len(rvus)} rows; gpci: {len(gpci)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else config.shared_cms_dir())
