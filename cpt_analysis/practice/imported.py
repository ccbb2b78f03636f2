"""The outcome of importing an encounter export (:class:`EncounterImport`: accepted and rejected
rows, the columns read, the reasons) and the ``their column=field`` mapping a user gives
(:func:`parse_mapping`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from ..export import write_csv
from . import readers
from .readers import FIELDS

__all__ = ["BLANK", "EncounterImport", "parse_mapping"]

BLANK = "blank line (no value in a column read)"


@dataclass
class EncounterImport:
    """The outcome of :func:`read_encounters`.

    ``accepted``: one typed row per claim line (see :func:`read_encounters`). ``rejected``: each
    rejected row's ``source_row``, the original text of the fields the workbook reads, under
    their field names (date_of_service, provider, cpt...; never a patient or encounter id nor a
    column the workbook does not map), and ``reason`` (every problem of the row, joined by
    ``; ``). ``mapping``: which column of the file was read as each field. ``problems``: rows
    per reason. ``blank_lines``: lines skipped for want of any value in the columns read.
    ``date_order``: how slash dates were read, ``month/day`` (US) unless the file shows day
    first (a date such as 25/03/2025, and none with a second part above 12).
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    input_rows: int
    mapping: dict[str, str]
    source: str = ""
    problems: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    blank_lines: int = 0
    date_order: str = readers.MONTH_DAY

    @property
    def counts(self) -> dict[str, int]:
        """Return {"input", "accepted", "rejected", "blank_lines"}: rows read, kept, refused
        (accepted + rejected == input, always) and lines with no value skipped; the file's data
        lines are input + blank_lines."""
        return {
            "input": self.input_rows,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "blank_lines": self.blank_lines,
        }

    @property
    def column_map(self) -> str:
        """The mapping as ``their column=field`` items joined by ``; `` (what
        :func:`parse_mapping` reads back), patient and encounter ids included."""
        return "; ".join(f"{column}={name}" for name, column in self.mapping.items())

    def reason_counts(self) -> pd.DataFrame:
        """Return rows per rejection reason (a row with two problems counts under both)."""
        out = self.problems[self.problems > 0].rename("rows").rename_axis("reason")
        return out.sort_values(ascending=False, kind="stable").reset_index()

    def summary(self) -> str:
        """Return a short text report: counts (accepted + rejected + skipped = lines), then
        rows per rejection reason."""
        c = self.counts
        lines = [f"{c['input'] + c['blank_lines']:,} lines read: {c['accepted']:,} accepted, "
                 f"{c['rejected']:,} rejected, {c['blank_lines']:,} skipped as blank"]  # fmt: skip
        lines += [f"  {r.rows:>10,}  {r.reason}" for r in self.reason_counts().itertuples()]
        return "\n".join(lines)

    def write_rejected(self, path: str | Path) -> Path:
        """Write the rejected rows (with reasons) as CSV for correction, atomically.

        Returns the path. Raises OSError if the disk refuses; an existing file is then kept.
        """
        return write_csv(path, self.rejected)


def parse_mapping(items) -> dict[str, str]:
    """Return {their column: field} from ``their column=field`` items, for
    :func:`read_encounters`: the ``--map`` options of ``cpt-workbook practice`` (a list), or
    notebook 04's ``column_map`` text, whose items are separated by ``;``. Blank items are
    skipped.

    Raises WorkbookError (one line naming the fields) for an item without ``=``, an unknown
    field, or a column or field given twice.
    """
    items = items.split(";") if isinstance(items, str) else items
    fields = ", ".join(FIELDS)
    out: dict[str, str] = {}
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        column, sep, name = (part.strip() for part in item.rpartition("="))
        name = name.lower()
        if not sep or not column:
            raise WorkbookError(
                f"'{item}' is not COLUMN=FIELD",
                f"write e.g. Service Date From=date_of_service; the fields are {fields}",
            )
        if name not in FIELDS:
            raise WorkbookError(f"'{name}' is not a field", f"use one of {fields}")
        if column in out or name in out.values():
            twice = f"column '{column}'" if column in out else f"field {name}"
            raise WorkbookError(f"the {twice} is mapped twice", "map each column to one field")
        out[column] = name
    return out
