"""How the training tour's exercises show: answer cells to fill in Jupyter, or, in a handout (the
tour run as a report, its code hidden), each exercise with a space for the answer or with its
worked answer, never an instruction about cells the reader cannot see."""

from __future__ import annotations

import os

from ..errors import WorkbookError
from ..validation import register

# what the exercises show: answer cells to fill in Jupyter, or, in a handout (a report with the
# code hidden), each exercise with an answer space or its worked answer
HANDOUTS = {
    "interactive": "answer cells to fill in and run (Jupyter)",
    "blank": "a handout: each exercise with a space for the answer",
    "answers": "a handout with the worked answers, for the trainer",
}
AUTO = "auto"  # a handout when run as a report, answer cells in Jupyter
REPORT_ENV = "CPT_WORKBOOK_TABLES_DIR"  # set by the report runner (reports.notebook.TABLES_ENV)
ANSWER_SPACE = "Your answer: " + "_" * 40


@register("handout")
def validate_handout(value: object) -> str:
    """Return the handout mode (:data:`HANDOUTS`); ``auto`` becomes ``blank`` when the notebook
    runs as a report (``cpt-workbook run``), else ``interactive``. Raises WorkbookError."""
    text = str(value if value is not None else "").strip().lower()
    if text == AUTO:
        return "blank" if os.environ.get(REPORT_ENV) else "interactive"
    if text in HANDOUTS:
        return text
    raise WorkbookError(
        f"'{value}' is not a handout mode of the training tour",
        f"use {AUTO}, {', '.join(list(HANDOUTS)[:-1])} or {list(HANDOUTS)[-1]}",
    )
