"""Timed codes and Medicare's 8-minute rule: the units a visit's timed minutes bill, and how
CMS's examples split them across the visit's codes. Used by the audit and the training tour."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference.loaders import load_codes


def units_for_minutes(minutes) -> np.ndarray:
    """Return the units the 8-minute rule bills for timed minutes: under 8 bills 0, 8-22 one
    unit, 23-37 two, 38-52 three, 53-67 four, then one more unit every 15 minutes."""
    m = np.floor(np.asarray(minutes, dtype=float))
    return np.where(m < 8, 0, (m + 7) // 15).astype(np.int64)


def units_for_total(minutes: float) -> int:
    """Return the units the 8-minute rule bills for one visit's total timed minutes (see
    :func:`units_for_minutes`)."""
    return int(units_for_minutes([minutes])[0])


def allocate_units(minutes: dict[str, float]) -> pd.DataFrame:
    """Return the units of one visit by code under Medicare's 8-minute rule, as CMS's examples
    assign them: the timed minutes of the visit are added up and turned into units; each timed
    code gets one unit per full 15 minutes, and the units left go one each to the codes with the
    most minutes left over (a tie goes to the code listed first; CMS lets the biller choose).
    An untimed code bills one unit when it was done at all; its minutes are not counted.

    Columns: code, name, timed, minutes, full_units, minutes_left, units, how. Raises
    WorkbookError for a code of the wrong shape or one the workbook has no facts for, or minutes
    that are not a number of at least 0.
    """
    facts = load_codes().set_index("code")
    rows = []
    for raw, value in minutes.items():
        code = normalize_hcpcs(raw)
        if code not in facts.index:
            raise WorkbookError(
                f"{code} is not among the workbook's {len(facts)} codes with facts",
                "use a shipped code such as 97110 (timed) or 97012 (untimed)",
            )
        try:
            spent = float(value)
        except (TypeError, ValueError):
            spent = float("nan")
        if not spent >= 0:
            raise WorkbookError(
                f"'{value}' minutes for {code} is not a number of minutes", "use 0 or more"
            )
        timed = bool(facts.loc[code, "timed"])
        full = int(spent // 15) if timed else 0
        rows.append(
            [code, facts.loc[code, "name"], timed, spent, full, spent - 15 * full if timed else 0.0]
        )
    frame = pd.DataFrame(
        rows, columns=["code", "name", "timed", "minutes", "full_units", "minutes_left"]
    )
    timed = frame["timed"].to_numpy(dtype=bool)
    total = units_for_total(frame.loc[timed, "minutes"].sum())
    extra = total - int(frame["full_units"].sum())
    order = frame[timed & (frame["minutes_left"] > 0)].sort_values(
        "minutes_left", ascending=False, kind="stable"
    )
    frame["units"] = frame["full_units"] + frame.index.isin(order.index[:extra]).astype(int)
    frame.loc[~timed, "units"] = (frame.loc[~timed, "minutes"] > 0).astype(int)
    frame["how"] = [_how(r) for r in frame.itertuples()]
    if (frame[["minutes", "minutes_left"]] % 1 == 0).all(axis=None):
        frame = frame.astype({"minutes": "int64", "minutes_left": "int64"})
    return frame.astype({"code": "str", "name": "str", "units": "int64", "how": "str"})


def _how(row) -> str:
    if not row.timed:
        return "untimed: one unit per session; its minutes do not count"
    text = f"{row.full_units} full 15-minute block{'' if row.full_units == 1 else 's'}"
    if row.units > row.full_units:
        text += f" + 1 for the {row.minutes_left:g} minutes left over"
    return text
