"""The one exception type for a user's mistake.

A :class:`WorkbookError` carries what was wrong and what to do about it; ``str(error)`` is one
line. The CLI prints it without a traceback and exits with status 2; notebooks show it as is.
"""

from __future__ import annotations

# the fix for a year, code or locality the tables lack: the same words wherever it is met
IMPORT_HINT = "import the official CMS file with `cpt-workbook import-cms PATH`"
IMPORT_RVU_HINT = "import the official CMS RVU file with `cpt-workbook import-cms PATH`"


class WorkbookError(Exception):
    """A user's mistake or a missing piece of data, explained in one line.

    ``problem`` says what is wrong, ``fix`` what to do about it.
    """

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem.rstrip(". ")
        self.fix = fix.rstrip(". ")
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.problem}: {self.fix}." if self.fix else f"{self.problem}."


class DataFileError(WorkbookError):
    """A table or CMS file that cannot be read as it should (names file, row and column)."""


class MissingGpciError(WorkbookError):
    """A known locality in a year that has no GPCIs: national amounts can still be shown."""
