"""The OPPS cap prices CMS lists per release, carrier and locality (its OPPSCAP files).

For imaging and the other services whose OPPS indicator is 1, Medicare pays the lower of the
fee-schedule amount and the OPPS price. CMS's OPPSCAP file of a release lists the OPPS price
of some of them per carrier and locality; for the rest (and for a release without a file at
hand: RVU26C) the price is the fee-schedule formula with the OPPS PE and MP RVUs of the RVU
file, which equals CMS's payment file for Alaska 2025 on every row. Built by
scripts/build_opps_cap.py into data/opps_cap.csv.gz.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .. import config


@lru_cache(maxsize=1)
def load_opps_cap() -> pd.DataFrame:
    """Return every listed OPPS cap price: release, hcpcs, modifier, locality_id,
    facility_price, nonfacility_price, source (codes as text)."""
    path = config.DATA_DIR / "opps_cap.csv.gz"
    text = {c: "str" for c in ("release", "hcpcs", "modifier", "locality_id", "source")}
    return pd.read_csv(
        path, dtype=text | {"facility_price": "float64", "nonfacility_price": "float64"},
        keep_default_na=False,
    )  # fmt: skip


@lru_cache(maxsize=256)
def listed(release: str, locality_id: str, setting: str) -> pd.Series:
    """The OPPS prices CMS lists for a release and locality in one setting, indexed by
    ``hcpcs + "|" + modifier`` (empty where the release has no file or lists none)."""
    table = load_opps_cap()
    rows = table[(table["release"] == release) & (table["locality_id"] == locality_id)]
    return pd.Series(
        rows[f"{setting}_price"].to_numpy(),
        index=(rows["hcpcs"] + "|" + rows["modifier"]).to_numpy(),
    )
