"""The parameters of a run as the user types them (``-p NAME=VALUE``, ``--param-file
NAME=FILE``), turned into the parameter sets to run.

Values are converted by the type the notebook declares, so codes stay strings. Comma-separated
values make a batch only where a value can never hold a comma (numbers, codes, years, localities,
settings, dates, topics); other text such as a provider or a path is taken whole. A value file
gives one value per line. Every mistake is one line (WorkbookError), before any kernel starts.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path

from ..errors import WorkbookError
from ..fees.explorer import parse_volumes
from .notebook import Parameter, parameters, resolve_notebook

TRUE_WORDS = {"true", "yes", "1", "on"}
FALSE_WORDS = {"false", "no", "0", "off"}
# text parameters whose values never hold a comma: comma-separated values make a batch; other
# text (a provider, a path, a family) is taken whole; numbers and yes/no always batch
BATCHED_TEXT = ("cpt_code", "icd10_code", "locality", "setting", "date_of_service", "topic")


def _kind(param: Parameter) -> str:
    return param.type.replace(" ", "").lower()


def _collection(param: Parameter) -> bool:
    return _kind(param).startswith(("list", "dict"))


def _batched(param: Parameter) -> bool:
    return _kind(param) in ("int", "float", "bool") or param.name in BATCHED_TEXT


def _convert(param: Parameter, text: str) -> object:
    kind = _kind(param)
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text.lower() in TRUE_WORDS | FALSE_WORDS:
                return text.lower() in TRUE_WORDS
            raise ValueError(text)
    except ValueError:
        raise WorkbookError(
            f"parameter {param.name} wants {param.type}, not {text!r}", f"help: {param.help}"
        ) from None
    if kind.startswith("list"):  # commas or spaces between the items
        return [v for v in re.split(r"[,\s]+", text) if v]
    if param.name.endswith("_path"):  # the kernel runs in notebooks/: make it absolute
        return str(Path(text).expanduser().resolve())
    if kind.startswith("dict"):  # the one dict parameter: volumes as CODE:UNITS,CODE:UNITS
        return parse_volumes(text)
    return text


def _values(param: Parameter, text: str) -> list[object]:
    """The values of one ``-p NAME=VALUE``: several for a batch, one list for a list."""
    if _collection(param):
        return [_convert(param, text)]
    if not text.strip():
        raise WorkbookError(
            f"parameter {param.name} has no value",
            f"give one, or leave it out to use its default {param.default}",
        )
    items = text.split(",") if _batched(param) else [text]
    if any(not item.strip() for item in items):
        raise WorkbookError(
            f"parameter {param.name} has an empty value in {text!r}", "remove the extra comma"
        )
    return [_scalar(param, item.strip()) for item in items]


def _scalar(param: Parameter, text: str) -> object:
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise WorkbookError(
            f"parameter {param.name} has a line break or another control character in {text!r}",
            "give the value on one line, without tabs",
        )
    if any(unicodedata.category(c) == "Cs" for c in text):  # bytes the terminal sent as-is
        raise WorkbookError(
            f"parameter {param.name} has characters that are not UTF-8 text in {text!r}",
            "type the value again, or set the terminal to UTF-8",
        )
    return _convert(param, text)


def shown(value: object) -> str:
    """A value as typed: a list as 97012,97110, volumes as 97012:120."""
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def read_values_file(path: str | Path) -> list[str]:
    """Return the values a file lists, one per line (a comma is part of its value).

    Raises WorkbookError for a folder or device, a missing or unreadable file, a file that is not
    UTF-8 text, and one that lists nothing or has a blank line.
    """
    file = Path(path).expanduser()
    fix = "give a text file with one value per line"
    if file.is_dir():
        raise WorkbookError(f"{path} is a folder", fix)
    if file.exists() and not file.is_file():  # /dev/zero, a pipe: reading would never end
        raise WorkbookError(f"{path} is not a regular file", fix)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise WorkbookError(f"{path} does not exist", "check the path") from None
    except OSError as exc:
        raise WorkbookError(f"cannot read {path} ({exc.strerror})", "check the path") from None
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise WorkbookError(f"{path} is not a text file (or not in UTF-8)", fix)
    lines = [line.strip() for line in text.splitlines()]
    if not any(lines):
        raise WorkbookError(f"{path} lists no values", fix)
    if "" in lines:
        raise WorkbookError(
            f"line {lines.index('') + 1} of {path} is blank", "remove it: one value per line"
        )
    return lines


def parse_params(notebook: str | Path, pairs: list[str], files: list[str] = ()) -> list[dict]:
    """Turn ``NAME=VALUE`` pairs and ``NAME=FILE`` value files into the parameter sets to run,
    each value converted by the declared type (codes stay text).

    Comma-separated values of a number, code, year, locality, setting, date or topic make a
    batch (every combination runs); other text such as a provider or a path is taken whole. A
    file gives one value per line; for a list parameter its lines make the one list. Raises
    WorkbookError for a pair without ``=``, an unknown name, an empty value, a value of the
    wrong type, or a name given twice with different values.
    """
    declared = {p.name: p for p in parameters(notebook)}
    given = [(pair, False) for pair in pairs] + [(item, True) for item in files]
    choices: dict[str, list[object]] = {}
    for item, is_file in given:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            shape, example = (
                ("FILE", "--param-file cpt_code=codes.txt")
                if is_file
                else ("VALUE", "--param cpt_code=97012")
            )
            raise WorkbookError(f"{item!r} is not NAME={shape}", f"write e.g. {example}")
        if name not in declared:
            raise WorkbookError(
                f"{resolve_notebook(notebook).stem} has no parameter {name!r}",
                f"its parameters are {', '.join(declared)}",
            )
        param = declared[name]
        if is_file:
            lines = read_values_file(value)
            values = (
                [_convert(param, ",".join(lines))]
                if _collection(param)
                else [_scalar(param, line) for line in lines]
            )
        else:
            values = _values(param, value)
        if not _collection(param):
            values = list(dict.fromkeys(values))  # 97012,97012 runs once
        if name in choices and choices[name] != values:
            raise WorkbookError(
                f"parameter {name} is given twice, as {','.join(map(shown, choices[name]))} "
                f"and as {','.join(map(shown, values))}",
                f"give it once; for a batch list the values in one: -p {name}=A,B"
                if _batched(param)
                else "give it once",
            )
        choices[name] = values
    names = list(choices)
    combos = itertools.product(*choices.values())
    return [dict(zip(names, combo, strict=True)) for combo in combos]
