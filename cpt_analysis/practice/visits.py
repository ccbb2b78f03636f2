"""Visits: the lines of one patient on one day, keyed without carrying the patient's identifier.

The therapy payment reduction and the 8-minute rule both work per visit. Keys are internal
integers; no identifier leaves the function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def visit_keys(lines: pd.DataFrame, rows: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return one int64 key per patient and day for the lines at ``rows`` (``day``: their day
    numbers, 0 or more; a line without patient is a visit of its own), and whether a patient or
    encounter id was found."""
    for name in ("patient_id", "encounter_id"):
        if name in lines and lines[name].notna().any():
            codes = lines[name].astype("category").cat.codes.to_numpy()[rows].astype(np.int64)
            key = codes * (int(day.max(initial=0)) + 1) + day
            return np.where(codes >= 0, key, -1 - rows), True
    return -1 - rows.astype(np.int64), False
