"""Grading a trainee's answers: reading what was typed (numbers, units, words, codes) and judging
it against an expected value with a hint for each known mistake, never showing the answer.

The training tour's exercises are built from these pieces; the Markdown wrappers here are what
a notebook shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import WorkbookError
from ..fees.payment import money as money  # the exercises' dollars: "$14.23" or "no amount"
from ..identifiers import HCPCS_PATTERN, dotted, icd10_key, normalize_hcpcs

NUMBER_WORDS = {
    w: n for n, w in enumerate("zero one two three four five six seven eight nine ten".split())
}
YES = {"yes", "y", "true", "billable", "can", "it can", "yes it can"}
NO = {"no", "n", "false", "not billable", "header", "cannot", "can't", "no it cannot"}
YES_NO = {w: True for w in YES} | {w: False for w in NO}


@dataclass(frozen=True)
class Text:
    """Markdown that a notebook shows rendered; ``str()`` gives the text."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown

    __repr__ = __str__


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``status`` is right, not yet, no answer or not in tour."""

    number: int
    status: str
    text: str

    @property
    def right(self) -> bool:
        """True when the answer is right."""
        return self.status == "right"

    def _repr_markdown_(self) -> str:
        mark = {"right": "✅ ", "not yet": "❌ ", "no answer": "✏️ "}.get(self.status, "")
        return mark + self.text if self.text else ""

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


@dataclass(frozen=True)
class Exercise:
    """One exercise: its question and a ``judge`` that turns a parsed answer into (right, what
    to say). ``parse`` turns what the trainee typed into a value, or raises ValueError with the
    hint to show."""

    number: int
    topic: str
    question: str
    parse: Callable[[object], object]
    judge: Callable[[object], tuple[bool, str]]
    answer: str = ""  # the expected answer as a trainee would type it

    def worked(self) -> str:
        """The worked answer: the expected answer and why, as the judge says it."""
        ok, said = self.judge(self.parse(self.answer))
        if not ok:  # pragma: no cover - a test checks every exercise's answer is right
            raise ValueError(f"exercise {self.number}: its answer {self.answer!r} is judged wrong")
        return f"{self.answer}: {said}"


def as_number(answer: object) -> float:
    """Return what the trainee typed as a number: 14.23, "$14.23", "14,23", "0.44 RVU", "three".

    Raises ValueError, with the hint to show, for True/False or text that is not a number.
    """
    if isinstance(answer, bool):
        raise ValueError("type a number, not True or False")
    if isinstance(answer, int | float):
        return float(answer)
    text = str(answer).strip().lower().replace("$", "").replace(" ", "")
    text = re.sub(r"(usdollars|dollars|usd|rvus?|units?)$", "", text)
    text = text.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", text) else text.replace(",", "")
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"'{answer}' is not a number: type only the number, $ is optional"
        ) from None


def as_units(answer: object) -> int:
    """Return a number of units (a whole number, 0 or more); raises ValueError with the hint."""
    value = as_number(answer)
    if value != int(value) or value < 0:
        raise ValueError(f"{answer} is not a number of units: units are whole numbers, 0 or more")
    return int(value)


def word_parser(table: dict, what: str) -> Callable[[object], str]:
    """Return a parser that maps a typed word or phrase through ``table`` (case, "the", "part"
    and the like ignored); it raises ValueError naming ``what`` is expected for anything else."""

    def parse(answer: object) -> str:
        text = str(answer).strip().lower()
        text = re.sub(r"\b(the|rvus?|part|component|value)\b|[.!]", " ", text).replace("-", " ")
        text = " ".join(text.split())
        if text not in table:
            raise ValueError(f"'{answer}' is not one of the answers expected here: type {what}")
        return table[text]

    return parse


def as_code(answer: object) -> str:
    """Return a typed code: an ICD-10-CM code without its dot (``M5126``), else a CPT/HCPCS code.

    Raises ValueError with the hint for text shaped like neither.
    """
    key = icd10_key(answer) if isinstance(answer, str) else None
    if key is not None and not HCPCS_PATTERN.match(str(answer).strip().upper()):
        return key  # a diagnosis, compared without its dot
    try:
        return normalize_hcpcs(answer)
    except WorkbookError as exc:
        raise ValueError(
            f"'{answer}' is not shaped like a code ({exc.fix}); put it between quotes"
        ) from None


def shown_code(value: str) -> str:
    """A parsed code as the trainee would write it: diagnoses with their dot."""
    return dotted(value) if not HCPCS_PATTERN.match(value) else value


def near(value: float, expected: float, tolerance: float = 0.005) -> bool:
    """Return True when ``value`` is within half a cent of ``expected``."""
    return abs(value - expected) < tolerance


def numeric_judge(
    expected, right: str, hint: str, known: list, close: str = "", exact: bool = False
):
    """A judge for a number: right within half a cent (or exactly, for units); known wrong
    values (None: not applicable) get their own hint, an answer within 10 cents ``close``, and
    anything else the general ``hint``."""
    same = (lambda a, b: a == b) if exact else near

    def judge(value: float) -> tuple[bool, str]:
        if same(value, expected):
            return True, right
        for wrong, why in known:
            if wrong is not None and not same(wrong, expected) and same(value, wrong):
                return False, why
        if close and abs(value - expected) < 0.10:
            return False, close
        return False, hint

    return judge
