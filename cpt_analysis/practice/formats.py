"""What an encounter export file is, before it is read: a folder, an .xlsx workbook, an old
.xls, a binary or HTML file, or text (its encoding: UTF-8, UTF-16 with or without its byte order
mark, or Windows-1252; its delimiter: comma, tab, semicolon or pipe); and where its header is,
past a report's title lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from pathlib import Path
from typing import NamedTuple

from ..errors import WorkbookError

HEAD_BYTES = 1 << 20  # bytes looked at to tell what a file is and find its header
HEADER_LINES = 10  # a header is looked for in this many first lines, past a report's title
DELIMITERS = ",\t;|"  # in order of preference when a line has as many of two
_CONTROL = bytes([*range(0, 9), *range(14, 32)])  # no text has many of these


def sniff(path: Path) -> tuple[str, str]:
    """Return what a file holds, ("xlsx", "") or ("text", its encoding): UTF-16 by its byte
    order mark or its zero bytes, else UTF-8 when its start reads so, else Windows-1252.

    Raises WorkbookError (one line) for a folder, a missing, empty, binary or HTML file, or an
    old .xls workbook, whatever its name says.
    """
    head = _head(path)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx", ""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(f"{path.name} is an old .xls workbook", "save it as .xlsx or CSV")
    utf16 = _utf16(head)
    if utf16:
        return "text", utf16
    _refuse_binary_or_html(head, path.name)
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head)  # a character cut is no error
        return "text", "utf-8-sig"
    except UnicodeDecodeError:
        return "text", "cp1252"


def _head(path: Path) -> bytes:
    """The first bytes of a file; WorkbookError for a folder, a missing or an empty file."""
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not a file", "give the export file's path")
    if not path.is_file():
        raise WorkbookError(f"{path} does not exist", "check the path")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise WorkbookError(f"{path.name} is empty", "export the encounters with a header")
    return head


def _utf16(head: bytes) -> str | None:
    """The UTF-16 encoding of a file's start, by its byte order mark or its zero bytes (every
    other byte, as Excel's Unicode text writes it); None for another encoding."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\0" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > len(odd) // 2 and 0 not in even:
            return "utf-16-le"  # Excel's Unicode text without its byte order mark
        if even.count(0) > len(even) // 2 and 0 not in odd:
            return "utf-16-be"
    return None


def _refuse_binary_or_html(head: bytes, name: str) -> None:
    """Raise WorkbookError when a file's start is binary or a web page."""
    if b"\0" in head or sum(map(head.count, _CONTROL)) > len(head) // 100:
        raise WorkbookError(
            f"{name} is not a text or Excel file (it looks binary)",
            "export the encounters as CSV or .xlsx",
        )
    if head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html", b"<table")):
        raise WorkbookError(
            f"{name} is a web page (HTML), not a spreadsheet",
            "open it in Excel and save it as .xlsx or CSV",
        )


def _count(line: str, delimiter: str) -> int:
    return re.sub(r'"[^"]*"', "", line).count(delimiter)


def delimiter(lines: list[str]) -> str:
    """Return the delimiter of a text export: ``sep=;`` on its first line (Excel's hint), else
    the one most lines have most of, out of comma, tab, semicolon and pipe (quoted text aside);
    a comma when no line has any."""
    hint = re.fullmatch(r"sep=(.)", lines[0].strip()) if lines else None
    if hint:
        return hint[1]
    most = [max(DELIMITERS, key=lambda d, line=line: _count(line, d)) for line in lines]
    votes = [d for d, line in zip(most, lines, strict=True) if _count(line, d)]
    return max(DELIMITERS, key=votes.count) if votes else ","


def clean_names(names: list) -> list[str]:
    """Return header names stripped (of spaces and byte order marks too); a blank one named by
    its place (``Column 7``), a repeated one numbered (``Modifier``, ``Modifier (2)``)."""
    out: list[str] = []
    for i, name in enumerate(names):
        text = "" if name is None else str(name).strip().strip("\ufeff\u200b").strip()
        text = text or f"Column {i + 1}"
        base, n = text, 1
        while text in out:
            n += 1
            text = f"{base} ({n})"
        out.append(text)
    return out


def first_header(rows, layout, refused: list) -> tuple[int, list[str], tuple] | None:
    """Return (index, header, ``layout(header)``) of the first of ``rows`` ((index, cells) with
    a value) that ``layout`` accepts, or None; each row refused adds (its width, the reason) to
    ``refused``."""
    for i, row in rows:
        names = clean_names(row)
        try:
            return i, names, layout(names)
        except WorkbookError as exc:
            refused.append((sum(1 for c in row if c is not None and str(c).strip()), exc))
    return None


def widest(refused: list) -> WorkbookError:
    """The reason of the widest refused header row: the likeliest to be the real header."""
    return max(refused, key=lambda r: r[0])[1]


def _records(text: str, sep: str, most: int) -> list[list[str]]:
    """The first ``most`` records of a text's CSV (fewer where a stray quote runs on)."""
    out: list[list[str]] = []
    try:
        lines = io.StringIO(text, newline="")  # \r, \n or \r\n ends a line
        out.extend(itertools.islice(csv.reader(lines, delimiter=sep), most))
    except csv.Error:  # a field past the csv module's limit: a quote left open
        pass
    return out


class TextFormat(NamedTuple):
    """How a text export is written: its encoding, delimiter and lines before the header."""

    encoding: str
    delimiter: str = ","
    skip: int = 0
    cut: int = 0  # bytes of a last character cut in two (a truncated file), left out
    breaks: bool = False  # a quoted line break in the header: read such from the start


def _cut_character(path: Path, encoding: str) -> int:
    """Return how many bytes at the end of a text file are a character cut in two, as a file
    truncated mid-character has: 0 for a whole file."""
    size = path.stat().st_size
    if encoding.startswith("utf-16"):
        return size % 2
    with path.open("rb") as fh:
        fh.seek(max(size - 3, 0))
        tail = fh.read()
    for k in range(1, len(tail) + 1 if encoding == "utf-8-sig" else 1):
        if tail[-k] >= 0xC0:  # the first byte of a character of 2 (C0-DF), 3 (E0-EF) or 4 bytes
            return k if 2 + (tail[-k] >= 0xE0) + (tail[-k] >= 0xF0) > k else 0
        if tail[-k] < 0x80:  # a whole ASCII character
            return 0
    return 0


def header_csv(path: Path, encoding: str, layout) -> tuple[list[str], TextFormat, tuple]:
    """Return (header, its :class:`TextFormat`, ``layout(header)``) of a text export; the header
    is the first of the first lines that ``layout`` accepts, so a report's title lines are
    passed over. When every row below it that is not short ends in as many empty fields more,
    they are named too (``Column 9``), so those rows are not malformed. Raises WorkbookError (one line): the
    reason of the widest line when none is accepted, or an empty file."""
    with path.open(newline="", encoding=encoding, errors="replace") as fh:
        text = fh.read(HEAD_BYTES)
    lines = text.splitlines()[:HEADER_LINES]
    sep = delimiter(lines)
    records = _records(text, sep, 1000)
    hint = bool(lines) and lines[0].startswith("sep=")
    rows = [(k, r) for k, r in enumerate(records[:HEADER_LINES]) if any(c.strip() for c in r)]
    refused: list = []
    found = first_header((row for row in rows if row[0] >= hint), layout, refused)
    if found is None and refused:
        raise widest(refused)
    if found is None:
        raise WorkbookError(f"{path.name} is empty", "export the encounters with a header")
    skip, names, laid = found
    whole = len(text) < HEAD_BYTES  # else the last record read may be cut
    below = [r for r in records[skip + 1 : None if whole else -1] if any(c.strip() for c in r)]
    more = {len(r) - len(names) for r in below if len(r) >= len(names)}
    if len(more) == 1 and min(more) > 0 and not any("".join(r[len(names) :]) for r in below):
        names = clean_names(names + [""] * more.pop())
    breaks = any("\n" in n or "\r" in n for n in names)  # quoted line breaks: read them so
    return names, TextFormat(encoding, sep, skip, _cut_character(path, encoding), breaks), laid
