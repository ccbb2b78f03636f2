"""CMS's own payment files (the MAC fee-schedule files, PFxxyyA.TXT), read and compared with the
workbook's amounts to the cent.

Each record (quoted, comma-separated) holds: year, carrier, locality, HCPCS, modifier,
non-facility fee, facility fee, a filler, PCTC indicator, status, multiple-procedure indicator,
the non-facility and facility amounts after the therapy reduction, the OPPS indicator and the
non-facility and facility OPPS prices. The fee columns are the fee-schedule amounts before the
OPPS cap (the cap is the lower of them and the OPPS columns, which the file lists beside them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError, WorkbookError
from ..reference.loaders import load_gpci, load_rvus
from .payment import conversion_factor, price_frame

COLUMNS = ["year", "carrier", "locality", "hcpcs", "modifier", "fee_nonfacility", "fee_facility",
           "filler", "pctc", "status", "mult_proc", "therapy_nonfacility", "therapy_facility",
           "opps_indicator", "opps_nonfacility", "opps_facility"]  # fmt: skip
AMOUNTS = ["fee_nonfacility", "fee_facility", "therapy_nonfacility", "therapy_facility",
           "opps_nonfacility", "opps_facility"]  # fmt: skip
SETTINGS = ("nonfacility", "facility")


def read_payment_file(path: str | Path) -> pd.DataFrame:
    """Return the records of a CMS payment file, codes and indicators as text, amounts as
    floats. Raises DataFileError naming the line of a record that is not of this layout."""
    path = Path(path)
    if path.is_dir() or not path.is_file():
        raise WorkbookError(f"{path} is not a file", "give a CMS payment file such as PFAK25A.TXT")
    try:
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, quotechar='"')
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(f"{path.name} is not a CMS payment file ({exc})".split("\n")[0],
                            "give the quoted, comma-separated PFxxyyA.TXT file") from None  # fmt: skip
    if frame.shape[1] != len(COLUMNS):
        raise DataFileError(
            f"{path.name} has {frame.shape[1]} columns, a CMS payment file {len(COLUMNS)}",
            "give the quoted, comma-separated PFxxyyA.TXT file",
        )
    frame.columns = COLUMNS
    frame = frame.apply(lambda c: c.str.strip())
    for column in AMOUNTS:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna()
        if bad.any():
            line = int(np.flatnonzero(bad)[0]) + 1
            raise DataFileError(f"{path.name} line {line}: {column} is not an amount",
                                "the file may be truncated or of another layout")  # fmt: skip
        frame[column] = values
    return frame


def compare_payment_file(path: str | Path) -> pd.DataFrame:
    """Compare every record of a CMS payment file with the workbook's amounts for its year,
    carrier and locality, in both settings: one row per record and setting with the file's and
    the workbook's fee-schedule amount, OPPS price and therapy-reduced amount, ``equal`` (all
    three to the cent) and, where they differ, ``why``: the PE RVU the file's amount implies
    against the workbook's (a code whose RVUs changed between the release the file was made
    from and the one the workbook ships, as 0446T between RVU25A and RVU25D)."""
    records = read_payment_file(path)
    parts = []
    for (year, carrier, locality), group in records.groupby(["year", "carrier", "locality"]):
        parts.append(_compare(group, int(year), f"{carrier}-{locality}"))
    return pd.concat(parts, ignore_index=True)


def _compare(records: pd.DataFrame, year: int, locality_id: str) -> pd.DataFrame:
    gpci = load_gpci(year)
    place = gpci[gpci["locality_id"] == locality_id]
    if place.empty:
        raise WorkbookError(f"{locality_id} is not a {year} locality of the workbook",
                            "`cpt-workbook localities` lists them")  # fmt: skip
    place = place.iloc[0]
    rvus = load_rvus(year)
    cf = float(
        conversion_factor(year, in_file=float(rvus["conversion_factor"].iloc[0]))[
            "conversion_factor"
        ]
    )
    keyed = records.merge(rvus, on=["hcpcs", "modifier"], how="left", suffixes=("", "_rvu"),
                          indicator=True)  # fmt: skip
    rows = []
    for setting in SETTINGS:
        priced = price_frame(
            keyed[keyed["_merge"] == "both"].drop(columns="_merge"), place, cf, setting
        )
        half = priced.assign(**{f"pe_rvu_{setting}": priced[f"pe_rvu_{setting}"] * 0.5})
        therapy = price_frame(half, place, cf, setting)["fee_schedule_amount"]
        out = pd.DataFrame({
            "year": year, "locality_id": locality_id, "hcpcs": keyed["hcpcs"],
            "modifier": keyed["modifier"], "setting": setting, "release": keyed["release"],
            "file_amount": keyed[f"fee_{setting}"], "file_opps": keyed[f"opps_{setting}"],
            "file_therapy": keyed[f"therapy_{setting}"], "opps_indicator": keyed["opps_indicator"],
        })  # fmt: skip
        out["amount"] = priced["fee_schedule_amount"].reindex(out.index)
        out["opps"] = priced["opps_amount"].reindex(out.index).fillna(0.0)
        out["therapy"] = therapy.reindex(out.index).where(keyed["mult_proc"] == "5", 0.0)
        rest = keyed["work_rvu"] * place["gpci_work"] + keyed["mp_rvu"] * place["gpci_mp"]
        out["implied_pe_rvu"] = ((out["file_amount"] / cf - rest) / place["gpci_pe"]).round(2)
        out["therapy_code"] = keyed["mult_proc"] == "5"
        out["pe_rvu"] = keyed[f"pe_rvu_{setting}"]
        rows.append(out)
    frame = pd.concat(rows, ignore_index=True)
    same = lambda a, b: (frame[a].fillna(-1) - frame[b].fillna(-2)).abs() < 0.005  # noqa: E731
    # the therapy columns are the amounts after the therapy reduction only for MULT PROC 5 codes
    therapy = same("file_therapy", "therapy") | ~frame["therapy_code"].astype(bool)
    frame["equal"] = same("file_amount", "amount") & same("file_opps", "opps") & therapy
    frame["why"] = ""
    missing = frame["amount"].isna() & frame["release"].isna()
    frame.loc[missing, "why"] = "not in the workbook's RVUs of the year"
    differ = ~frame["equal"] & ~missing
    frame.loc[differ, "why"] = [
        f"the file's amount implies a {s} PE RVU of {i:.2f}, {rel} has {p:.2f}: the RVUs changed "
        "between the release the file was made from and the one the workbook ships"
        for s, i, p, rel in frame.loc[differ, ["setting", "implied_pe_rvu", "pe_rvu", "release"]].itertuples(index=False)
    ]  # fmt: skip
    return frame
