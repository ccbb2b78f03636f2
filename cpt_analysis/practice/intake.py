"""Import a practice's encounter export (CSV or .xlsx) into typed claim lines, losing nothing.

Every input row ends up in ``accepted`` (typed, one claim line per row) or in ``rejected`` (the
original text of its fields, the reasons and its source row number), so accepted + rejected =
input rows; lines with no value are skipped and counted. Columns are found by name:
:data:`FIELDS` lists the accepted aliases of each field (compared without case, spaces,
underscores or punctuation; see :mod:`encounter_readers`); ``mapping={"their column": "our
field"}`` overrides them. A column mapped to no field is never read. Every cell is read as
text, so codes keep their form (00100, 0001F); checks run once per distinct value, never once
per row, so millions of rows import in seconds.

A code is accepted when the fee schedule of its year (shipped or imported) lists it, whatever
its status (Medicare pays only A, R and T; the others are priced at nothing downstream). A HCPCS
Level II code (a letter A-V and four digits) that its year does not list is a drug, supply or
DME item outside the physician fee schedule: accepted, with no RVUs and no amount. Any other
code its year does not list is rejected, saying whether another year lists it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..fees.payment import resolve_locality, resolve_setting
from ..identifiers import HCPCS_PATTERN, MODIFIER_PATTERN, dotted, icd10_keys
from ..practice import readers
from ..reference.loaders import load_rvus, rvu_years
from .imported import BLANK, EncounterImport, parse_mapping
from .readers import DIAGNOSES, FIELDS, IDS, MODIFIERS, REQUIRED, resolve_columns

__all__ = ["BAD_ROW", "BLANK", "FIELDS", "REASONS", "REQUIRED", "EncounterImport", "parse_mapping",
           "read_encounters", "resolve_columns"]  # fmt: skip

MAX_UNITS = 999  # units of one line: a whole number from 1 to this
MAX_MINUTES = 1440  # minutes of one line: from 0 to a day
BAD_UNITS = f"units not a whole number from 1 to {MAX_UNITS}"
BAD_MINUTES = f"minutes not a number from 0 to {MAX_MINUTES:,}"
BAD_CHARGE = "charge not an amount of 0 or more"
UNKNOWN_CODE = "unknown CPT/HCPCS code (no fee-schedule year lists it)"
NOT_IN_YEAR = "CPT/HCPCS code not in the fee schedule of its year (other years list it)"
# rejection reasons, in the order they are listed on a row (bit flags: fewer than 32)
REASONS = ("bad date of service", "date outside the fee-schedule years", "missing provider",
           "malformed CPT/HCPCS code", UNKNOWN_CODE, NOT_IN_YEAR,
           "malformed modifier", "modifier 26/TC not priced for the code",
           BAD_UNITS, BAD_MINUTES,
           "malformed ICD-10-CM code", "no diagnosis code", "bad place of service",
           "unknown locality", BAD_CHARGE)  # fmt: skip
# HCPCS Level II (a letter A-V, four digits): drugs, supplies, DME... A Level II code that the
# fee schedule of its year does not list is accepted as outside it, with no RVUs and no amount
LEVEL_II = re.compile(r"^[A-V]\d{4}$")
OUTSIDE = "outside the physician fee schedule (drugs, supplies, DME)"
BAD_ROW = "malformed CSV row (wrong number of fields)"


def _layout(mapping: dict | None):
    """Return the ``layout`` of :func:`encounter_readers.read_file`: fields by
    :func:`resolve_columns`; only their columns are read, and of the patient and encounter
    ids only the visit key. A column the workbook does not map is never read."""

    def layout(names: list[str]) -> tuple[dict[str, int], list[int], set[int]]:
        found = resolve_columns(names, mapping)
        visit = found.get("patient_id", found.get("encounter_id"))
        shown = {pos for f, pos in found.items() if f not in IDS}
        return found, sorted(shown | {visit} - {None}), {visit} - {None}

    return layout


def _bit(reason: str) -> np.int32:
    return np.int32(1 << REASONS.index(reason))


def _among(codes: pd.Series, listed: pd.Series) -> np.ndarray:
    """Whether each code is one of ``listed``, as booleans (through a set: Series.isin takes
    a tenth of a second on a year's 19,000 codes)."""
    known = set(listed.tolist())
    return np.fromiter((c in known for c in codes.tolist()), dtype=bool, count=len(codes))


def _listed_elsewhere(cpt, asked, listed, years, slots) -> np.ndarray:
    """Whether some year lists each code: a year already read (``listed``, per year slot) or,
    for the ``asked`` codes none of those lists, the other years, read until all are found."""
    found = listed.any(axis=0)
    read = {int(years[i]) for i in slots.tolist() if i < len(years)}
    for year in (int(y) for y in years if int(y) not in read):
        todo = asked & ~found
        if not todo.any():
            break
        found[todo] = _among(cpt[todo], load_rvus(year)["hcpcs"])
    return found


def _matches(values: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Whether each text has the shape of ``pattern``, as booleans."""
    return values.str.fullmatch(pattern.pattern).fillna(False).to_numpy(dtype=bool)


class _Checker:
    """Checks and types the columns of one file, once per distinct value.

    Every problem of a row sets its reason's bit in ``bits`` (bit i = REASONS[i]); a per-row
    pass is made only for a column that has a bad value. Typed columns wait in ``out`` as
    :class:`encounter_readers.Column` until the kept rows are known.
    """

    def __init__(self, raw: dict, found: dict[str, int], n: int):
        self.raw, self.found, self.n = raw, found, n
        self.bits = np.zeros(n, dtype=np.int32)
        self.out: dict[str, readers.Column] = {}
        self._stripped: dict[int, pd.Series] = {}
        self.date_order = readers.MONTH_DAY

    def cats(self, name: str) -> tuple[np.ndarray, pd.Series]:
        """Return (codes, stripped categories) of a field's column."""
        pos = self.found[name]
        if pos not in self._stripped:
            self._stripped[pos] = self.raw[pos][1].str.strip()
        return self.raw[pos][0], self._stripped[pos]

    def flag(self, codes: np.ndarray, bad, reason: str | None = None) -> None:
        """Flag the rows whose category is ``bad`` (booleans) with ``reason``; without a
        reason, ``bad`` holds each category's bits."""
        bits = np.asarray(bad).astype(np.int32) * (1 if reason is None else _bit(reason))
        if bits.any():
            self.bits |= bits[codes]

    def run(self) -> None:
        yslot, slots, known = self._dates()
        codes, prov = self.cats("provider")
        self.flag(codes, prov.eq(""), "missing provider")
        self.out["provider"] = readers.text_column(codes, prov)
        pm = self._modifiers()
        self._codes(yslot, slots, known, pm)
        self._numbers()
        self._diagnoses()
        codes, pos = self.cats("place_of_service")
        per = pos.map({p: self._pos(p) for p in pos.unique()}).fillna("").astype("str")
        self.flag(codes, per.eq(""), "bad place of service")
        self.out["place_of_service"] = readers.text_column(codes, per)
        if "locality" in self.found:
            self._localities(yslot, known)

    def ids(self) -> None:
        """Keep the visit key (patient or encounter id) as read."""
        for name in IDS:
            if name in self.found and self.found[name] in self.raw:
                codes, cats = self.raw[self.found[name]]
                self.out[name] = readers.text_column(codes, cats, unique=True)

    def _dates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Check the dates; return each row's fee-schedule year slot (an index in ``known``,
        len(known) for none), the slots in use and ``known`` (the fee-schedule years)."""
        codes, dates = self.cats("date_of_service")
        self.date_order = readers.slash_order(dates)
        day = readers.parse_dates(dates, self.date_order)
        bad = np.isnat(day)
        years = np.where(bad, 0, day.astype("datetime64[Y]").astype(np.int64) + 1970)
        known = np.asarray(rvu_years())
        yi = np.clip(np.searchsorted(known, years), 0, len(known) - 1)
        ok_year = known[yi] == years
        self.flag(codes, bad, "bad date of service")
        self.flag(codes, ~bad & ~ok_year, "date outside the fee-schedule years")
        self.out["date_of_service"] = readers.Column(codes, day)
        slot = np.where(ok_year, yi, len(known)).astype(np.int8)
        used = np.unique(slot[np.bincount(codes, minlength=len(slot)) > 0])
        if len(used) > 1:
            return slot[codes], used, known
        return np.full(self.n, used[0] if len(used) else len(known), np.int8), used, known

    @staticmethod
    def _pos(value: str) -> str:
        """Return the two-digit place of service of a cell: ``11``, ``11.0``, ``11 - Office``,
        ``Office (11)`` or ``POS 11``; "" for anything else."""
        shape = r"(?:POS[\s:-]*)?(\d{1,2})(?:\.0+)?(?:(?:\s*[-:]\s*|\s+)[A-Z].*)?"
        shape += r"|[A-Z][^()]*\((\d{1,2})\)"
        code = re.fullmatch(shape, value, flags=re.IGNORECASE)
        try:
            return resolve_setting(code[1] or code[2])[1] if code else ""
        except WorkbookError:
            return ""

    def _codes(self, yslot, slots, known_years, pm) -> None:
        """Check CPT/HCPCS codes against the RVUs of each row's year and pricing modifier: a
        code the year does not list is rejected, unless it is HCPCS Level II (then outside the
        fee schedule); the reason says whether another year lists it."""
        codes, cpt = self.cats("cpt")
        cpt = cpt.str.upper()
        shape = _matches(cpt, HCPCS_PATTERN)
        # per (year slot, code, pricing modifier): the last slot is for rows without a year
        priced = np.zeros((len(known_years) + 1, len(cpt), 3), dtype=bool)
        for i in slots.tolist():
            if i < len(known_years):
                rvus = load_rvus(int(known_years[i]))
                mod = rvus["modifier"].map({"": 0, "26": 1, "TC": 2})
                for m in range(3):
                    priced[i, :, m] = _among(cpt, rvus.loc[mod == m, "hcpcs"])
        listed = priced[:, :, 0]
        dated = (np.arange(len(known_years) + 1) < len(known_years))[:, None]
        missing = dated & shape & ~listed & ~_matches(cpt, LEVEL_II)
        table = np.where(shape, 0, _bit("malformed CPT/HCPCS code"))[None, :]
        if missing.any():
            elsewhere = _listed_elsewhere(cpt, missing.any(axis=0), listed, known_years, slots)
            table = table | np.where(missing, np.where(elsewhere, _bit(NOT_IN_YEAR),
                                                       _bit(UNKNOWN_CODE)), 0)  # fmt: skip
        table = table[:, :, None] | np.where(dated[:, :, None] & listed[:, :, None] & ~priced,
                                             _bit("modifier 26/TC not priced for the code"), 0)  # fmt: skip
        table = table.astype(np.int32).ravel()
        if table.any():
            key = (yslot.astype(np.int32) * len(cpt) + codes) * 3 + pm
            self.bits |= table[key]
        self.out["cpt"] = readers.text_column(codes, cpt)
        self.out["pricing_modifier"] = readers.Column(pm, np.arange(3, dtype=np.int32),
                                               pd.Index(["", "26", "TC"], dtype="str"))  # fmt: skip

    def _modifiers(self) -> np.ndarray:
        """Check the modifiers; return each row's pricing modifier: 0 global, 1 = 26, 2 = TC.
        A column of several modifiers (``GP,59``, ``GP 59``), or a file's one modifier column,
        fills modifier_1..4 in order; more than 4 in a cell are a malformed modifier."""
        pm = np.zeros(self.n, dtype=np.int8)
        columns = [name for name in MODIFIERS if name in self.found]
        joined = "modifiers" if "modifiers" in self.found else None
        if joined or columns == ["modifier_1"]:
            codes, cells = self.cats(joined or "modifier_1")
            count, parts = readers.split_codes(cells, r"\s,;/|:+-")
            kind = np.zeros(len(cells), dtype=np.int8)
            for name, per in zip(MODIFIERS, parts, strict=False):
                kind = np.where(kind == 0, self._modifier(name, codes, per), kind)
            self.flag(codes, count.gt(len(MODIFIERS)), "malformed modifier")
            return kind[codes] if kind.any() else pm
        for name in columns:
            codes, per = self.cats(name)
            kind = self._modifier(name, codes, per.str.upper())
            if kind.any():
                pm = np.where(pm == 0, kind[codes], pm)
        return pm

    def _modifier(self, name: str, codes: np.ndarray, per: pd.Series) -> np.ndarray:
        """Check one modifier column; return its pricing kind per category."""
        ok = per.eq("") | per.str.fullmatch(MODIFIER_PATTERN.pattern).fillna(False)
        self.flag(codes, ~ok.to_numpy(dtype=bool), "malformed modifier")
        self.out[name] = readers.text_column(codes, per)
        return np.select([per.eq("26"), per.eq("TC")], [1, 2], 0).astype(np.int8)

    def _numbers(self) -> None:
        """Units: plain digits, 1 to MAX_UNITS. Minutes: a plain number from 0 to MAX_MINUTES,
        or blank. Charge: an amount of 0 or more (``$``, commas and spaces allowed), or blank."""
        codes, units = self.cats("units")
        ok = units.str.fullmatch(r"0*[0-9]{1,4}").to_numpy(dtype=bool)  # no overflow
        value = np.zeros(len(units), dtype=np.int64)
        value[ok] = units[ok].astype("int64").to_numpy()
        ok = ok & (value >= 1) & (value <= MAX_UNITS)
        self.flag(codes, ~ok, BAD_UNITS)
        self.out["units"] = readers.Column(codes, np.where(ok, value, 0))
        if "minutes" in self.found:
            codes, raw = self.cats("minutes")
            plain = raw.str.fullmatch(r"0*[0-9]{1,5}(?:\.[0-9]*)?").to_numpy(dtype=bool)
            value = np.full(len(raw), np.nan)
            value[plain] = raw[plain].astype("float64").to_numpy()
            ok = (plain & (value <= MAX_MINUTES)) | raw.eq("").to_numpy(dtype=bool)
            self.flag(codes, ~ok, BAD_MINUTES)
            self.out["minutes"] = readers.Column(codes, np.where(ok, value, np.nan))
        if "charge" in self.found:
            codes, raw = self.cats("charge")
            value = readers.parse_numbers(raw)
            ok = np.isfinite(value) & (value >= 0) | raw.eq("").to_numpy(dtype=bool)
            self.flag(codes, ~ok, BAD_CHARGE)
            self.out["charge"] = readers.Column(codes, np.where(ok, value, np.nan))

    def _diagnoses(self) -> None:
        """Check the diagnoses, ICD-10-CM codes with or without their dot (M54.50, M5450). A
        file's one diagnosis column may hold several (``M54.50;M54.2``, ``M54.50, M54.2``),
        which fill dx_1..4 in order: more than 4, or any malformed, is a malformed code."""
        columns = [self.cats(name) + (name,) for name in DIAGNOSES if name in self.found]
        if len(columns) == 1:
            codes, cells, _ = columns[0]
            count, parts = readers.split_codes(cells, r"\s,;/|")
            self.flag(codes, count.gt(len(DIAGNOSES)), "malformed ICD-10-CM code")
            columns = [(codes, per, name) for per, name in zip(parts, DIAGNOSES, strict=False)]
        blanks = []
        for codes, raw, name in columns:
            keys = icd10_keys(raw)
            blank = raw.eq("").to_numpy(dtype=bool)
            self.flag(codes, keys.isna().to_numpy(dtype=bool) & ~blank, "malformed ICD-10-CM code")
            blanks.append((codes, blank))
            self.out[name] = readers.text_column(codes, keys.fillna("").map(dotted))
        self.bits[readers.rows_where(blanks, self.n)] |= _bit("no diagnosis code")

    def _localities(self, yslot: np.ndarray, known: np.ndarray) -> None:
        codes, raw = self.cats("locality")
        years = np.append(known, 0)[yslot]  # 0: no fee-schedule year
        uniq, inverse = np.unique(codes.astype(np.int64) * 10_000 + years, return_inverse=True)
        ids = np.full(len(uniq), None, dtype=object)
        for k, key in enumerate(uniq.tolist()):
            value, year = raw.iloc[key // 10_000], key % 10_000
            try:
                place = resolve_locality(value, year) if value and year else None
                ids[k] = "" if place is None else str(place["locality_id"])
            except WorkbookError:
                pass
        unknown = pd.isna(ids) & (uniq % 10_000 > 0)  # only rows with a fee-schedule year
        self.flag(inverse, unknown, "unknown locality")
        per = pd.Series(ids, dtype=object).fillna("").astype("str")
        self.out["locality"] = readers.text_column(inverse.astype(np.int32), per)


def _typed(out: dict, keep: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    data: dict[str, object] = {"source_row": rows[keep]}
    order = ["date_of_service", "provider", "cpt", "pricing_modifier", *MODIFIERS, "units",
             "minutes", *DIAGNOSES, "place_of_service", "locality", "charge", *IDS]  # fmt: skip
    for name in (n for n in order if n in out):
        data[name] = out.pop(name).take(keep)  # free each full-length column once taken
    return pd.DataFrame(data, copy=False)


def _rejected(raw, found, rows, rej, bits, bad) -> pd.DataFrame:
    """The rejected rows: source row, the original text of each field read, under its field
    name (the patient and encounter ids left out), and the reasons."""
    uniq, inverse = np.unique(bits[rej], return_inverse=True)
    text = ["; ".join(r for i, r in enumerate(REASONS) if b >> i & 1) for b in uniq.tolist()]
    out = pd.DataFrame({"source_row": rows[rej]})
    shown = [f for f in FIELDS if f in found and f not in IDS]
    for name in shown:
        codes, cats = raw[found[name]]
        out[name] = cats.to_numpy(dtype=object)[codes[rej]]
    out["reason"] = np.asarray(text, dtype=object)[inverse] if text else []
    if bad:
        extra = pd.DataFrame({"source_row": [k for k, _ in bad], "reason": BAD_ROW})
        out = pd.concat([out, extra], ignore_index=True).fillna(dict.fromkeys(shown, ""))
        out = out.sort_values("source_row", kind="stable", ignore_index=True)
    return out


def _problems(bits: np.ndarray, bad: list) -> pd.Series:
    """Rows per reason (a row with two problems counts under both), then malformed rows."""
    uniq, count = np.unique(bits, return_counts=True)
    rows = {r: int(count[(uniq >> i & 1) == 1].sum()) for i, r in enumerate(REASONS)}
    return pd.Series(rows | {BAD_ROW: len(bad)})


def read_encounters(path: str | Path, mapping: dict | None = None) -> EncounterImport:
    """Read an encounter export (.csv, .txt or .xlsx) and return an :class:`EncounterImport`.

    ``accepted`` columns: source_row (row number as a spreadsheet shows it, header = 1),
    date_of_service (datetime64), provider, cpt, pricing_modifier (``""``, 26 or TC),
    modifier_1..4, units (int64), minutes (float, NaN if absent), dx_1..4 (dotted ICD-10-CM),
    place_of_service (two digits), locality (MAC-NN id, if the file has the column), charge
    (float), and the visit key for the therapy reduction: patient_id, or encounter_id when the
    file has no patient id (internal only, never exported). Only the columns mapped to a field
    are read. Text columns are categoricals, blanks NA. Lines with no value in any column read
    are skipped and counted (``blank_lines``).

    Raises WorkbookError (one line) for a missing or unreadable file, a missing required column
    (naming the aliases it accepts) or a bad ``mapping``.
    """
    path = Path(path)
    names, raw, rows, found, bad, pending = readers.read_file(path, _layout(mapping))
    short_blanks = sum(1 for _, text in bad if not text)  # malformed, but only delimiters
    bad = [(k, text) for k, text in bad if text]
    blank = readers.blank_lines(raw, pending, len(rows))
    if len(blank):
        keep = np.ones(len(rows), dtype=bool)
        keep[blank] = False
        raw = {i: (codes[keep], cats) for i, (codes, cats) in raw.items()}
        rows = rows[keep]
    check = _Checker(raw, found, len(rows))
    check.run()
    readers.resolve_pending(raw, pending)
    check.ids()
    bits = check.bits
    rej = np.flatnonzero(bits)
    rejected = _rejected(raw, found, rows, rej, bits, bad)
    problems = _problems(bits[rej], bad)
    date_order = check.date_order
    out, check, raw = check.out, None, None  # free the raw columns before typing
    return EncounterImport(
        accepted=_typed(out, bits == 0, rows),
        rejected=rejected,
        input_rows=len(rows) + len(bad),
        mapping={f: names[i] for f, i in found.items()},
        source=str(path),
        problems=problems,
        blank_lines=len(blank) + short_blanks,
        date_order=date_order,
    )
