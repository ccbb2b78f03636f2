"""The verdict on an ICD-10-CM code for a date of service: from the code set in force on that
date where the workbook holds it, else from the code sets on either side of the date and the
dated changes of data/icd10_changes.csv.

Each verdict carries its evidence:

- ``known``: the code set in force on the date is one the workbook holds (shipped or added), or
  a dated change says the code was not created yet;
- ``inferred``: no code set held for the date, and what is known on either side agrees (the
  FY2021 and FY2025 sets, or a dated change and a set);
- ``unverified``: the date is before the oldest or after the newest code set held, or what is
  known on either side disagrees (status ``uncertain``: it changed in between, on a date the
  workbook does not know).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dates import fiscal_year
from ..errors import DataFileError
from ..identifiers import dotted
from .icd10_sets import ABSENT, BILLABLE, HEADER, CodeSet, children, code_sets, members, states
from .loaders import load_icd10_changes

STATUS_OF = {BILLABLE: "billable", HEADER: "header"}
STATE_WORDS = {ABSENT: "absent from", BILLABLE: "billable in", HEADER: "a header in"}
CHANGE_STATES = {"added": (ABSENT, None), "became header": (BILLABLE, HEADER)}  # before, after
ONE_DAY = dt.timedelta(days=1)
MAX_CODES_SHOWN = 8


@dataclass(frozen=True)
class Change:
    """A dated change of data/icd10_changes.csv."""

    day: dt.date
    change: str
    source: str


@dataclass(frozen=True)
class Side:
    """What is known of a code nearest a date on one side: its state, said in words, and the
    code set it comes from (None for a dated change)."""

    state: int
    fact: str
    codeset: CodeSet | None


@dataclass(frozen=True)
class Verdict:
    """One code's verdict: status, evidence, detail (one sentence), the code set whose billable
    codes under it are its children (for a header), and codes added under its heading in the
    set that lacks it (for a deleted code)."""

    status: str
    evidence: str
    detail: str
    children_from: CodeSet | None = None
    replaced_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    """The code sets around one date: the one in force (``inside``), the nearest before and the
    nearest after (None where there is none)."""

    day: dt.date
    sets: list[CodeSet]
    inside: int | None
    before: int | None
    after: int | None

    @classmethod
    def around(cls, day: dt.date, sets: list[CodeSet]) -> Window:
        inside = [j for j, s in enumerate(sets) if s.start <= day <= s.end]
        before = [j for j, s in enumerate(sets) if s.end < day]
        after = [j for j, s in enumerate(sets) if s.start > day]
        return cls(
            day,
            sets,
            inside[-1] if inside else None,
            max(before, key=lambda j: sets[j].end) if before else None,
            min(after, key=lambda j: sets[j].start) if after else None,
        )

    def basis(self) -> str:
        """Which code sets the verdicts of this date rest on, in words."""
        s = self.sets
        if self.inside is not None:
            held = s[self.inside]
            return (
                _bare(held.label)[:-1] + ", simple-icd-10-cm)" if held.update else _bare(held.label)
            )
        if self.before is not None and self.after is not None:
            return (
                f"judged between {s[self.before].label} and {s[self.after].label}, the code sets "
                "held on either side of the date: a code the same in both is inferred, one that "
                f"changed between them is uncertain unless a dated change says when{self._add()}"
            )
        if self.after is not None:
            return (
                f"judged on {s[self.after].label}, the oldest the workbook holds: unverified, "
                f"except where a dated change says otherwise{self._add()}"
            )
        return (
            f"judged on {s[self.before].label}, the newest the workbook holds; "
            f"FY{fiscal_year(self.day)} not added, "
            "so newer changes are not known"
        )

    def _add(self) -> str:
        fy = fiscal_year(self.day)
        return f"; add CMS's FY{fy} code set (cpt-workbook import-cms) to judge it on its own"

    def code_set(self) -> str:
        """The code set (or the two) the verdicts of this date are judged on."""
        used = [self.inside] if self.inside is not None else [self.before, self.after]
        return " to ".join(_bare(self.sets[j].label) for j in used if j is not None)


def _bare(label: str) -> str:
    return label.removeprefix("the ")


def changes_by_key() -> dict[str, list[Change]]:
    """Return the dated changes of data/icd10_changes.csv by key, oldest first.

    Raises DataFileError for a change other than ``added`` or ``became header``.
    """
    table = load_icd10_changes().sort_values("effective_date")
    odd = sorted(set(table["change"].astype("str")) - set(CHANGE_STATES))
    if odd:
        raise DataFileError(
            f"icd10_changes.csv has the change(s) {', '.join(odd)}",
            "use added or became header",
        )
    out: dict[str, list[Change]] = {}
    for code, day, change, source in table[["icd10", "effective_date", "change", "source"]].values:
        out.setdefault(code.replace(".", ""), []).append(Change(day.date(), str(change), source))
    return out


def judge(keys: list[str], day: dt.date) -> tuple[list[Verdict], Window]:
    """Return the verdict of each key (undotted, well-formed) on ``day``, and the window of code
    sets they were judged in."""
    window = Window.around(day, code_sets())
    table = states(keys, window.sets)
    changes = changes_by_key()
    verdicts = [
        _verdict(key, row, window, changes.get(key, []))
        for key, row in zip(keys, table, strict=True)
    ]
    return verdicts, window


def _verdict(key: str, row: np.ndarray, w: Window, changes: list[Change]) -> Verdict:
    created = next((c for c in changes if c.change == "added" and c.day > w.day), None)
    if created is not None:
        return Verdict("not yet created", "known", f"not yet created: {_created(created)}")
    if w.inside is not None:
        state = int(row[w.inside])
        here = w.sets[w.inside]
        if state != ABSENT:
            return Verdict(STATUS_OF[state], "known", f"{STATE_WORDS[state]} {here.label}", here)
        return _absent(key, row, w, w.inside, "known", f"not in {here.label}")
    left, right = _left(row, w, changes), _right(row, w, changes)
    if left is not None and right is not None:
        if left.state != right.state:
            return Verdict(
                "uncertain",
                "unverified",
                f"uncertain: {left.fact}, but {right.fact}; it changed in between, on a date "
                "the workbook does not know",
                _header_set(row, w, left, right),
            )
        facts = f"{left.fact} and {right.fact}"
        if left.state == ABSENT:
            return _absent(key, row, w, w.after, "inferred", facts)
        word = STATUS_OF[left.state]
        return Verdict(
            word, "inferred", f"inferred {word}: {facts}", _header_set(row, w, left, right)
        )
    side = right if right is not None else left
    end = "the oldest" if side is right else "the newest"
    fact = side.fact + (f", {end} the workbook holds" if side.codeset else "")
    if side is left:
        fact += "; later changes are not known"
    if side.state == ABSENT:
        return _absent(key, row, w, w.after if side is right else w.before, "unverified", fact)
    word = STATUS_OF[side.state]
    return Verdict(word, "unverified", f"{word}, unverified: {fact}", _header_set(row, w, side))


def _created(change: Change) -> str:
    return f"created {change.day} ({change.source})"


def _left(row: np.ndarray, w: Window, changes: list[Change]) -> Side | None:
    """What is known nearest before the date: the last code set before it, or a later dated
    change up to the date (its state after the change)."""
    side = None
    if w.before is not None:
        s = w.sets[w.before]
        side = (s.end, Side(int(row[w.before]), f"{STATE_WORDS[int(row[w.before])]} {s.label}", s))
    for c in changes:
        if c.day <= w.day and (side is None or c.day > side[0]):
            after = CHANGE_STATES[c.change][1]
            state = _first_present(row, w, c.day) if after is None else after
            side = (c.day, Side(state, f"{_word(state)} from {c.day} ({c.source})", None))
    return None if side is None else side[1]


def _right(row: np.ndarray, w: Window, changes: list[Change]) -> Side | None:
    """What is known nearest after the date: the first code set after it, or an earlier dated
    change after the date (its state before the change)."""
    side = None
    if w.after is not None:
        s = w.sets[w.after]
        side = (s.start, Side(int(row[w.after]), f"{STATE_WORDS[int(row[w.after])]} {s.label}", s))
    for c in reversed(changes):
        if c.day > w.day and (side is None or c.day - ONE_DAY < side[0]):
            state = CHANGE_STATES[c.change][0]
            fact = f"{_word(state)} until {c.day - ONE_DAY} ({c.source})"
            side = (c.day - ONE_DAY, Side(state, fact, None))
    return None if side is None else side[1]


def _word(state: int) -> str:
    return {ABSENT: "absent", BILLABLE: "billable", HEADER: "a header"}[state]


def _first_present(row: np.ndarray, w: Window, since: dt.date) -> int:
    """The state of a code in the first code set from ``since`` on that holds it (billable if
    none does)."""
    for j, s in sorted(enumerate(w.sets), key=lambda js: js[1].start):
        if s.end >= since and row[j] != ABSENT:
            return int(row[j])
    return BILLABLE


def _header_set(row: np.ndarray, w: Window, *sides: Side | None) -> CodeSet | None:
    """The code set in which a header's billable children are looked up: the side's that holds
    it as a header, else the latest that does."""
    for side in sides:
        if side is not None and side.codeset is not None and side.state == HEADER:
            return side.codeset
    held = [j for j in range(len(w.sets)) if row[j] == HEADER]
    return w.sets[max(held, key=lambda j: w.sets[j].start)] if held else None


def _absent(key: str, row: np.ndarray, w: Window, lacking: int | None, evidence: str, fact: str):
    """A code absent on the date: deleted when a code set before the date held it, not yet
    created when only a later one does, else unknown."""
    day = w.day
    before = [j for j, s in enumerate(w.sets) if s.end < day and row[j] != ABSENT]
    after = [j for j, s in enumerate(w.sets) if s.start > day and row[j] != ABSENT]
    if before:
        last = max(before, key=lambda j: w.sets[j].end)
        held = w.sets[last]
        heading, replaced = (
            _added_under(key, held, w.sets[lacking]) if lacking is not None else ("", ())
        )
        detail = f"deleted: {fact}; {STATE_WORDS[int(row[last])]} {held.label}"
        if replaced:
            detail += f"; codes added under {dotted(heading)} since: {join_codes(list(replaced))}"
        return Verdict("deleted", evidence, detail, replaced_by=replaced)
    if after:
        first = w.sets[min(after, key=lambda j: w.sets[j].start)]
        return Verdict(
            "not yet created", evidence, f"not yet created: {fact}; first in {first.label}"
        )
    oldest, newest = w.sets[0], w.sets[-1]
    return Verdict(
        "unknown",
        evidence if evidence == "known" else "unverified",
        f"unknown: {fact}; in no code set the workbook holds (FY{oldest.fiscal_year} to "
        f"FY{newest.fiscal_year})",
    )


def _heading(key: str, held: CodeSet, lacking: CodeSet) -> str:
    """The nearest heading above ``key`` that both code sets hold (its category at least)."""
    old, new = members(held).index, members(lacking).index
    for n in range(len(key) - 1, 3, -1):
        if key[:n] in old and key[:n] in new:
            return key[:n]
    return key[:3]


def _added_under(key: str, held: CodeSet, lacking: CodeSet) -> tuple[str, tuple[str, ...]]:
    """Return the deleted code's nearest heading and the billable codes under it that
    ``lacking`` has and ``held`` had not (with the same 7th character, for a 7-character code)."""
    heading = _heading(key, held, lacking)
    old = members(held).index
    new = [c.replace(".", "") for c in children(lacking, heading)]
    same = [k for k in new if k not in old and (len(key) < 7 or k[6:] == key[6:])]
    return heading, tuple(dotted(k) for k in same)


def join_codes(codes: list[str]) -> str:
    """Codes as text, the first eight shown: ``A, B ... (12 in all)``."""
    if len(codes) <= MAX_CODES_SHOWN:
        return ", ".join(codes)
    return f"{', '.join(codes[:MAX_CODES_SHOWN])} ... ({len(codes)} in all)"


def verdict_frame(keys: list[str], verdicts: list[Verdict]) -> pd.DataFrame:
    """Return status, evidence, detail, children and replaced_by by key, for check_many."""
    return pd.DataFrame(
        {
            "status": [v.status for v in verdicts],
            "evidence": [v.evidence for v in verdicts],
            "detail": [v.detail for v in verdicts],
            "children": [
                children(v.children_from, k) if v.status == "header" and v.children_from else []
                for k, v in zip(keys, verdicts, strict=True)
            ],
            "replaced_by": [list(v.replaced_by) for v in verdicts],
        },
        index=pd.Index(keys, dtype=object),
    )
