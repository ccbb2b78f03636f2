"""The training tour's teaching prose: Markdown files in the ``prose`` folder that a trainer can
edit, one per section (welcome.md, codes.md, rvus.md, payment.md, diagnoses.md, timed.md,
closing.md) and phrases.md for the short phrases picked by a run's choices.

A file holds placeholders such as ``$year`` that the tour fills from the tables
(:class:`string.Template`; ``$$`` is a dollar sign). A placeholder the tour does not know, or a
``$`` that starts none, raises a WorkbookError naming the file, the line and the placeholder.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from string import Template

from ..errors import WorkbookError

FOLDER: Traversable = files(__package__) / "prose"  # where the files are read; tests use a copy
MARKER = re.compile(r"^<!--\s*(\w+)\s*-->[ \t]*$", re.MULTILINE)


def prose(name: str, **values: object) -> str:
    """Return prose/``name``.md with its placeholders filled from ``values``."""
    return _fill(_read(f"{name}.md"), values, str(FOLDER / f"{name}.md"), 1)


def phrase(name: str, **values: object) -> str:
    """Return the phrase ``name`` of prose/phrases.md with its placeholders filled."""
    text = _read("phrases.md")
    path = FOLDER / "phrases.md"
    marks = list(MARKER.finditer(text))
    found = [i for i, m in enumerate(marks) if m[1] == name]
    if len(found) != 1:
        problem = "twice" if found else "not"
        raise WorkbookError(
            f"the phrase {name} is {problem} in {path}",
            f"keep exactly one line <!-- {name} --> followed by its text",
        )
    i = found[0]
    end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
    body = text[marks[i].end() : end]
    start = text.count("\n", 0, marks[i].end()) + 1
    start += body[: len(body) - len(body.lstrip())].count("\n")
    return _fill(body.strip(), values, f"{path}, phrase {name}", start)


def _read(name: str) -> str:
    path = FOLDER / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkbookError(
            f"the training tour's text {path} is missing",
            "restore it from the workbook's copy of cpt_analysis/training/prose",
        ) from None
    except UnicodeDecodeError:
        raise WorkbookError(f"{path} is not UTF-8 text", "save it as UTF-8") from None


def _fill(text: str, values: dict[str, object], where: str, first_line: int) -> str:
    """``text`` with every placeholder filled; trailing blank lines dropped."""
    known = ", ".join(f"${k}" for k in values)
    known = f"the placeholders here are {known}" if values else "this text takes no placeholder"
    for m in Template.pattern.finditer(text):
        line = first_line + text.count("\n", 0, m.start())
        name = m["named"] or m["braced"]
        if m["invalid"] is not None:
            dollar = re.match(r"\$\S*", text[m.start() :])[0]
            raise WorkbookError(
                f"{where}, line {line}: {dollar} starts no placeholder",
                f"write $$ for a dollar sign; {known}",
            )
        if name is not None and name not in values:
            raise WorkbookError(
                f"{where}, line {line}: ${name} is not a placeholder the tour fills here",
                f"check its spelling; {known}",
            )
    return Template(text).substitute(values).rstrip()
