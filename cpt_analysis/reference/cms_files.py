"""Opening the official CMS downloads safely: a file, or a zip bundle such as RVU26C.zip.

:func:`plan` sorts what a download holds into the files the workbook reads (one per kind) and
those it skips, each with the reason; a bundle holding two different files of one kind is
refused rather than guessed at. :func:`read_text` returns the text of a file or zip member:
UTF-8 when it is valid UTF-8, else Windows-1252 (else Latin-1), line endings made ``\\n``,
refused past 200 MB or with a line far longer than any CMS file has. :func:`settle` decides
between what a file says about itself and what the user said. Every refusal is one line.
"""

from __future__ import annotations

import csv
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import DataFileError, WorkbookError

# The largest CMS file the workbook reads, the ICD-10-CM order file, is about 15 MB; the
# national RVU file 3.3 MB. A member that expands past this is refused before it fills memory.
MAX_BYTES = 200 * 1024 * 1024
# The longest line in the CMS files of 2020-2026 has 575 characters, the longest field 176.
MAX_LINE = 10_000
READABLE = (".csv", ".txt")
NOT_USED = "not used by the workbook yet"
GET_BUNDLE = "import the RVU zip as CMS ships it, or one PPRRVU, GPCI, LOCCO or ICD-10-CM file"

# (pattern on the upper-case file name, kind the workbook reads it as or None, what it holds,
# why it is skipped when the workbook does not read it); the first pattern that matches wins
KNOWN = [
    (r"PPRRVU", "rvus", "national RVU file", ""),
    (r"GPCI", "gpci", "GPCI file", ""),
    (r"LOCCO", "locality", "locality-to-county file", ""),
    (r"ADDENDA", None, "ICD-10-CM addenda", "changes only, not the whole code set"),
    (r"ICD10CM.*(ORDER|CODES)", "icd10", "ICD-10-CM code set", ""),
    (r"ANES", None, "anesthesia conversion factors", NOT_USED),
    (r"OPPSCAP", None, "OPPS cap prices", NOT_USED),
    (r"^ZIP\d", None, "ZIP code to locality assignments", NOT_USED),
    (r"\.(PDF|DOCX?)$", None, "documentation", "not data"),
]
WHAT = {kind: what for _, kind, what, _ in KNOWN if kind}
RELEASE_LETTERS = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}
# each gives (year, release month or letter) from a file name; the first that matches wins
NAME_PATTERNS = [
    r"PPRRVU_?(\d{4}|\d{2})(?!\d)_?(JAN|APR|JUL|OCT)?",
    r"RVU(\d{2})([A-D])",
    r"GPCI_?(\d{4})()",
    r"(?<!\d)(\d{2})LOCCO()",
    r"ICD10CM\D*(\d{4})()",
]


def release_from_name(name: str) -> tuple[int | None, str | None]:
    """Return (year, release letter) a CMS file name tells, each None where it is silent:
    PPRRVU2025_Oct.csv (2025, D), RVU25D.zip (2025, D), GPCI2026.csv (2026, None),
    25LOCCO.txt (2025, None), icd10cm_order_2027.txt (2027, None)."""
    upper = PurePosixPath(name).name.upper()
    for pattern in NAME_PATTERNS:
        match = re.search(pattern, upper)
        if match:
            year = int(match[1]) + (2000 if len(match[1]) == 2 else 0)
            return year, RELEASE_LETTERS.get(match[2], match[2] or None)
    return None, None


def banner_says(lines: list[str]) -> tuple[int | None, str | None]:
    """Return (year, release letter) the title of an RVU file tells: "2025 National Physician
    Fee Schedule Relative Value File October Release" is (2025, D)."""
    for line in lines:
        match = re.search(r"(\d{4}) NATIONAL PHYSICIAN FEE SCHEDULE.*?(\w+) RELEASE", line.upper())
        if match:
            return int(match[1]), RELEASE_LETTERS.get(match[2][:3])
    return None, None


def settle(label: str, what: str, said, given, option: str):
    """Return what the file says about itself (``said``), else what the user gave.

    Raises WorkbookError when both are known and differ: an option never relabels a file.
    """
    if said is not None and given is not None and str(said) != str(given):
        raise WorkbookError(
            f"{label} says its {what} is {said}, not {given} as {option} says",
            f"leave out {option}: it is used only where a file does not say",
        )
    return said if said is not None else given


def classify(name: str) -> tuple[str | None, str, str] | None:
    """Return (kind read as or None, what it holds, why skipped) for a CMS file name, or None."""
    upper = PurePosixPath(name).name.upper()
    for pattern, kind, what, reason in KNOWN:
        if re.search(pattern, upper):
            return kind, what, reason
    return None


@dataclass
class Plan:
    """What to read from a download, as (kind, member) pairs (member None for a plain file),
    and what is skipped, as (member, reason) pairs."""

    read: list[tuple[str, str | None]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a zip (by its name, or by its content whatever its name)."""
    return path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)


def plan(path: Path, kind: str | None = None, qpp: bool = False) -> Plan:
    """Return what the workbook reads from ``path`` (a file or a zip) and what it skips, why.

    ``kind`` keeps one kind only; ``qpp`` prefers a bundle's QPP RVU file to its non-QPP one.
    Raises WorkbookError for a file whose kind cannot be told or is not read, and DataFileError
    for a zip that is damaged, holds nothing the workbook reads, or holds two different files
    of one kind.
    """
    if not is_zip(path):
        return Plan(read=[(kind or _plain_kind(path), None)])
    names = _member_names(path)
    result = Plan()
    # kind -> variant -> path without extension -> names (PPRRVU2025_Oct.csv and .txt together)
    groups: dict[str, dict[str, dict[str, list[str]]]] = {}
    for name in names:
        base = PurePosixPath(name).name
        found = classify(base)
        why = _skipped_because(name, found, kind)
        if why:
            result.skipped.append((name, why))
        else:
            stem = str(PurePosixPath(name).with_suffix("")).upper()
            by_variant = groups.setdefault(found[0], {})
            by_variant.setdefault(_variant(found[0], base), {}).setdefault(stem, []).append(name)
    for found_kind, by_variant in groups.items():
        _choose(path, found_kind, by_variant, qpp, result)
    if not result.read:
        held = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
        what = f"no {kind} file" if kind else "no file the workbook reads"
        raise DataFileError(f"{path.name} holds {what} (it holds {held or 'nothing'})", GET_BUNDLE)
    return result


def _member_names(path: Path) -> list[str]:
    """The files a zip holds (not its folders); DataFileError for two members of one name or
    an Excel workbook (a zip too)."""
    names = [n for n in _namelist(path) if not n.endswith("/")]
    twice = sorted(n for n, count in Counter(names).items() if count > 1)
    if twice:
        raise DataFileError(
            f"{path.name} holds two members named {twice[0]}; the workbook will not guess which "
            "one you mean",
            "unzip it and import the one you mean",
        )
    if any(PurePosixPath(n).parts[:1] == ("xl",) for n in names):
        raise DataFileError(
            f"{path.name} is an Excel workbook, which the workbook does not read",
            "import the CSV or TXT file of the same name from the CMS download",
        )
    return names


def _skipped_because(name: str, found: tuple | None, kind: str | None) -> str:
    """Why a member of a zip is not read ('' when it is): metadata, unknown, not data, or
    another kind than the one asked for."""
    if name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._"):
        return "macOS folder metadata, not data"
    if found is None:
        return "not a file the workbook knows"
    if found[0] is None:
        return f"{found[1]}, {found[2]}"
    if kind and found[0] != kind:
        return f"{found[1]}, not asked for (--kind {kind})"
    return ""


def _plain_kind(path: Path) -> str:
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise DataFileError(
            f"{path.name} is an Excel workbook, which the workbook does not read",
            "import the CSV or TXT file of the same name from the CMS download",
        )
    found = classify(path.name)
    if found is None:
        raise WorkbookError(
            f"cannot tell what kind of CMS file {path.name} is",
            "pass --kind rvus, gpci, locality or icd10 (an RVU file is usually named PPRRVU...)",
        )
    if found[0] is None:
        raise WorkbookError(f"{path.name} holds {found[1]}, {found[2]}", GET_BUNDLE)
    return found[0]


def _variant(kind: str, base: str) -> str:
    """The variant of a file among those of one kind: the QPP RVU file, the ICD-10-CM codes
    file (the order file also marks headers), else the main one ('')."""
    upper = base.upper()
    if kind == "rvus" and re.search(r"(?<!NON)QPP", upper):
        return "QPP"
    if kind == "icd10" and "CODES" in upper:
        return "CODES"
    return ""


VARIANT_REASONS = {
    "QPP": "the QPP variant (qualifying APM participants); the non-QPP file was read "
    "(import-cms --qpp reads this one instead)",
    "": "the non-QPP variant; --qpp asked for the QPP file",
    "CODES": "the same code set as the order file, which also marks headers",
}


def _choose(path: Path, kind: str, by_variant: dict, qpp: bool, result: Plan) -> None:
    """Keep one file of ``kind``: the preferred variant, its CSV over its TXT; refuse two."""
    wanted = "QPP" if (qpp and kind == "rvus") else ""
    chosen = wanted if wanted in by_variant else sorted(by_variant)[0]
    for variant, stems in by_variant.items():
        if variant != chosen:
            for names in stems.values():
                result.skipped += [(n, VARIANT_REASONS[variant]) for n in names]
    stems = by_variant[chosen]
    readable = {s: [n for n in ns if n.lower().endswith(READABLE)] for s, ns in stems.items()}
    found = sorted(min(ns) for ns in readable.values() if ns)
    if len(found) > 1:
        raise DataFileError(
            f"{path.name} holds {len(found)} different {WHAT[kind]}s ({', '.join(found)}); "
            "the workbook will not guess which one you mean",
            "unzip it and import the one you mean",
        )
    for stem, names in stems.items():
        forms = sorted(readable[stem], key=lambda n: not n.lower().endswith(".csv"))
        if forms:
            result.read.append((kind, forms[0]))
        for name in names:
            if not forms:
                result.skipped.append((name, "Excel form, which the workbook does not read"))
            elif name != forms[0]:
                result.skipped.append((name, f"the same table as {forms[0]}, which was read"))


def _namelist(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DataFileError(
            f"{path.name} is not a readable zip ({exc}); it looks truncated or damaged",
            "download it from CMS again",
        ) from None


def open_text(path: str | Path, kind: str, member: str | None) -> tuple[str, str | None, str]:
    """Return (label for messages, member read, text) of a file, or of the member ``member`` of
    a zip (by default its one file of ``kind``, refusing a zip with two).

    Raises DataFileError for a missing file or a folder, and as :func:`read_text` does.
    """
    path = Path(path)
    if not path.is_file():
        state = "is a folder" if path.is_dir() else "is not a regular file"
        raise DataFileError(
            f"{path} {state if path.exists() else 'does not exist'}", "check the path"
        )
    if member is None and is_zip(path):
        member = plan(path, kind).read[0][1]
    return (f"{path.name}:{member}" if member else path.name), member, read_text(path, member)


def csv_rows(lines: list[str], label: str, fix: str) -> list[list[str]]:
    """Return the CSV rows of ``lines``; raises DataFileError (with ``fix``) for a line that
    cannot be read as CSV."""
    try:
        return list(csv.reader(lines))
    except csv.Error as exc:
        raise DataFileError(f"{label} cannot be read as CSV ({exc})", fix) from None


def names_say(path: Path, member: str | None) -> tuple[int | None, str | None]:
    """Return (year, release) the member's name tells, completed by the zip's name (RVU25D.zip)."""
    year, release = release_from_name(member or path.name)
    if member:
        zip_year, zip_release = release_from_name(path.name)
        if year is None or year == zip_year:
            return zip_year, release or zip_release
    return year, release


def read_text(path: Path, member: str | None = None) -> str:
    """Return the text of a file, or of the member ``member`` of the zip ``path``.

    Raises DataFileError for a file or member past 200 MB, a damaged zip, an empty or binary
    file, or a line longer than any CMS file has.
    """
    label = f"{path.name}:{member}" if member else path.name
    if member is None:
        _check_size(label, path.stat().st_size)
        data = path.read_bytes()
    else:
        data = _read_member(path, member, label)
    return decode(data, label)


def _check_size(label: str, size: int) -> None:
    if size > MAX_BYTES:
        raise DataFileError(
            f"{label} holds more than {MAX_BYTES // 2**20} MB (unzipped) where CMS files hold "
            "under 20 MB; it is not a CMS file or it is damaged",
            "download it from CMS again",
        )


def _read_member(path: Path, member: str, label: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            _check_size(label, archive.getinfo(member).file_size)
            with archive.open(member) as stream:
                data = stream.read(MAX_BYTES + 1)  # the size in the zip's directory may lie
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataFileError(
            f"{label} cannot be unzipped ({exc}); the zip looks truncated or damaged",
            "download it from CMS again",
        ) from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, a password
        raise DataFileError(
            f"{label} cannot be unzipped ({exc})", "unzip it yourself and import the file"
        ) from None
    _check_size(label, len(data))
    return data


def decode(data: bytes, label: str) -> str:
    """Return the text of a CMS file's bytes: UTF-8 (a byte-order mark dropped) when valid,
    else Windows-1252, else Latin-1; line endings ``\\n`` whether the file used CRLF, LF or CR.

    Raises DataFileError for an empty or binary file or a line longer than any CMS file has.
    """
    if not data.strip(b" \t\r\n\x1a"):
        raise DataFileError(f"{label} is empty", "download it from CMS again")
    if b"\x00" in data[:8192]:
        raise DataFileError(
            f"{label} is not a text file (it holds binary data)",
            "import the CSV or TXT file as CMS ships it",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined
            text = data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\x1a")  # \x1a: DOS end of file
    lines = text.split("\n")
    longest = max(lines, key=len)
    if len(longest) > MAX_LINE:
        number = lines.index(longest) + 1
        raise DataFileError(
            f"{label}: line {number} is {len(longest):,} characters long where CMS lines have "
            "under 1,000; it is not a CMS file or it is damaged",
            "download it from CMS again",
        )
    return text
