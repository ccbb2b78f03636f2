"""Build data/opps_cap.csv.gz, the OPPS cap prices of every release, from CMS's OPPSCAP files.

For each release at hand (RVU20A-RVU24C from arkrvu's parse, RVU25D from CMS's OPPSCAP_Oct.csv)
the rows CMS lists with status A: release, HCPCS, modifier, MAC-locality and the facility and
non-facility OPPS price. Contractor-priced rows (status C) are left out: the fee schedule gives
them no amount to cap. Codes, figures and indicators only.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cpt_analysis import config  # noqa: E402

COLUMNS = [
    "release",
    "hcpcs",
    "modifier",
    "locality_id",
    "facility_price",
    "nonfacility_price",
    "source",
]


def read_oppscap(path: Path, release: str, source: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = ["hcpcs", "modifier", "status", "mac", "locality", "facility_price",
                     "nonfacility_price"]  # fmt: skip
    frame = frame.apply(lambda c: c.str.strip())
    frame = frame[frame["status"] == "A"]
    for column in ("facility_price", "nonfacility_price"):
        frame[column] = pd.to_numeric(frame[column], errors="raise")
    return frame.assign(
        release=release, locality_id=frame["mac"] + "-" + frame["locality"], source=source
    )[COLUMNS]


def releases(cms_dir: Path) -> list[tuple[Path, str, str]]:
    found = []
    for path in sorted((cms_dir / "arkrvu-2020-2024").glob("rvu*/oppscap_rvu*.csv")):
        release = re.match(r"oppscap_(rvu\d\d[a-z]+)_", path.name)[1].upper()
        found.append((path, release, f"{path.name} (arkrvu's parse of CMS's OPPSCAP file)"))
    found.append((cms_dir / "2025" / "OPPSCAP_Oct.csv", "RVU25D", "OPPSCAP_Oct.csv (CMS RVU25D)"))
    return found


def main(cms_dir: Path) -> None:
    frame = pd.concat([read_oppscap(*r) for r in releases(cms_dir)], ignore_index=True)
    frame = frame.sort_values(["release", "hcpcs", "modifier", "locality_id"], kind="stable")
    target = config.shipped_table("opps_cap").with_suffix(".csv.gz")
    with gzip.GzipFile(target, "wb", compresslevel=9, mtime=0) as out:
        out.write(frame.to_csv(index=False, lineterminator="\n").encode("ascii"))
    print(f"opps_cap: {len(frame):,} rows, {frame['release'].nunique()} releases, "
          f"{target.stat().st_size:,} bytes")  # fmt: skip


if __name__ == "__main__":
    from cms_folder import cms_folder  # scripts/, beside this file

    main(cms_folder(__doc__.split("\n\n")[0]))
