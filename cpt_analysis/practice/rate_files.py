"""Reading the tables a practice keeps beside its encounter export: payers' contracted rates
and its own charges (CSV, text or .xlsx, or a DataFrame), with the encounter reader's machinery
(:func:`readers.read_file`: delimiters, encodings, Excel, a report's title lines). Columns are
found by the user's mapping, then exact aliases (compared without case, spaces or punctuation),
then the words of their header; cells are checked once per distinct value, and every problem of
a row is kept as a reason (:class:`Checks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..export import column_key
from ..fees.payment import money
from ..identifiers import HCPCS_PATTERN, MODIFIER_PATTERN
from ..reference.loaders import load_rvus
from . import readers
from .columns import FIELDS, identifier_like, meaning, words
from .formats import clean_names
from .values import parse_dates, parse_numbers, slash_order

MAX_AMOUNT = 100_000.0  # dollars per unit: above it an amount is a typing slip
BAD_ROW = "malformed CSV row (wrong number of fields)"
OPEN_START, OPEN_END = np.datetime64("1900-01-01", "s"), np.datetime64("2999-12-31", "s")


class Spec(NamedTuple):
    """The fields of one kind of file: {field: exact aliases}, {field: (words one of which the
    header has, words it must not have)}, required fields, labels and what the file is."""

    fields: dict[str, tuple[str, ...]]
    meaning: dict[str, tuple[set, set]]
    required: tuple[str, ...]
    labels: dict[str, str]
    what: str


def _aliases(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split("|"))


_MODIFIER = FIELDS["modifier_1"] + ("Modifiers", "Mods", "Code Modifier")
RATES = Spec(
    fields={
        "payer": _aliases("Payer | Payer Name | Payor | Payor Name | Insurance | Insurance Name "
                          "| Insurer | Insurance Company | Carrier | Plan | Plan Name | Health Plan "
                          "| Contract | Contract Name | Financial Class"),
        "cpt": FIELDS["cpt"],
        "modifier": _MODIFIER,
        "allowed": _aliases("Allowed | Allowed Amount | Allowed Amt | Allowable "
                            "| Allowable Amount | Contracted Rate | Contract Rate "
                            "| Contracted Amount | Contract Amount | Rate | Fee | Fee Schedule "
                            "| Fee Schedule Amount | Fee Amount | Reimbursement | Payment Rate "
                            "| Amount"),
        "effective_from": _aliases("Effective From | Effective Date | Effective | Eff Date "
                                   "| Start Date | Start | Begin Date | From | From Date "
                                   "| Valid From"),
        "effective_to": _aliases("Effective To | Effective Through | End Date | End "
                                 "| Termination Date | Term Date | Expiration Date | To | To Date "
                                 "| Through | Thru | Valid To | Valid Through"),
    },
    meaning={
        "payer": ({"payer", "payor", "insurance", "insurer", "carrier", "plan"},
                  {"id", "number", "no", "code", "type", "class", "date"}),
        "allowed": ({"allowed", "allowable", "contracted", "rate", "reimbursement"},
                    {"date", "id", "percent", "pct", "code", "units"}),
        "effective_from": ({"effective", "start", "begin"}, {"to", "end", "through", "thru"}),
        "effective_to": ({"termination", "expiration", "end", "thru", "through"}, {"start"}),
    },
    required=("payer", "cpt", "allowed"),
    labels={"cpt": "CPT/HCPCS code", "allowed": "allowed amount",
            "effective_from": "effective-from date", "effective_to": "effective-to date"},
    what="rates file",
)  # fmt: skip
CHARGES = Spec(
    fields={"cpt": FIELDS["cpt"], "modifier": _MODIFIER,
            "charge": FIELDS["charge"] + _aliases("Charge per Unit | Unit Charge "
                                                  "| Standard Charge | Price | Amount")},
    meaning={"charge": ({"charge", "charges", "price"}, {"date", "id", "percent", "units"})},
    required=("cpt", "charge"),
    labels={"cpt": "CPT/HCPCS code"},
    what="charge file",
)  # fmt: skip


def _label(spec: Spec, name: str) -> str:
    return spec.labels.get(name, name)


def _listed(names: list[str], most: int = 20) -> str:
    more = f" and {len(names) - most:,} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _fits(spec: Spec, name: str, header: str) -> bool:
    """Whether a header not an exact alias reads as the field ``name`` by its words."""
    if identifier_like(header):
        return False
    if name in ("cpt", "modifier"):
        hit = meaning(header)
        return hit is not None and (hit[0] == "cpt" if name == "cpt" else hit[0][:3] == "mod")
    needs, never = spec.meaning.get(name, (set(), set()))
    w = set(words(header))
    return bool(w & needs) and not w & never


def _mapped(names: list[str], spec: Spec, mapping: dict) -> dict[str, int]:
    found: dict[str, int] = {}
    for theirs, ours in mapping.items():
        if ours not in spec.fields:
            raise WorkbookError(
                f"'{ours}' is not a field of a {spec.what}", f"use one of {', '.join(spec.fields)}"
            )
        loose = [i for i, n in enumerate(names) if n.strip().lower() == theirs.strip().lower()]
        if not loose:
            raise WorkbookError(
                f"the file has no column '{theirs}'", f"its columns are {_listed(names)}"
            )
        found[ours] = loose[0]
    return found


def resolve(names: list[str], spec: Spec, mapping: dict | None = None) -> dict[str, int]:
    """Return {field: column position} of a header: the user's ``mapping``, then exact aliases
    (compared without case, spaces or punctuation; the earlier alias wins), then the header's
    words. Raises WorkbookError (one line) for two columns that fit a field equally, a missing
    required field (naming it and the file's columns) or a bad mapping."""
    found = _mapped(names, spec, mapping or {})
    for name, aliases in spec.fields.items():
        keys = [column_key(a) for a in aliases]
        hits = sorted((keys.index(column_key(n)), pos) for pos, n in enumerate(names)
                      if column_key(n) in keys and pos not in found.values())  # fmt: skip
        if name not in found and hits:
            found[name] = hits[0][1]
    for name in spec.fields:
        hits = [p for p, n in enumerate(names) if p not in found.values() and _fits(spec, name, n)]
        if name in found or not hits:
            continue
        if len(hits) > 1:
            raise WorkbookError(
                f"{len(hits)} columns could be the {_label(spec, name)}: "
                f"'{names[hits[0]]}' and '{names[hits[1]]}'",
                f'name the right one with --map "{names[hits[0]]}={name}"',
            )
        found[name] = hits[0]
    for req in spec.required:
        if req not in found:
            raise WorkbookError(
                f"the {spec.what} has no {_label(spec, req)} column (its columns: "
                f"{_listed(names)})",
                f'name it with --map "Your Column={req}"',
            )
    return found


def _from_frame(frame: pd.DataFrame, spec: Spec, mapping: dict | None) -> readers.Export:
    """The cells of a DataFrame as :func:`readers.read_file` returns a file's: each cell's text
    as Excel's would read (a numeric code gets its leading zeros back)."""
    names = clean_names(list(frame.columns))
    found = resolve(names, spec, mapping)
    cells = list(frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None))
    raw = readers.excel_columns(cells, sorted(found.values()), found["cpt"])
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    return readers.Export(names, raw, rows, found, [], {})


def read_table(source, spec: Spec, mapping: dict | None = None) -> readers.Export:
    """Read a rates or charge file (path, or a DataFrame) into its cells, blank lines dropped:
    an Export whose ``pending`` holds the number of blank lines under ``"blank"``."""
    if isinstance(source, pd.DataFrame):
        export = _from_frame(source, spec, mapping)
    else:
        if source is None or not str(source).strip():
            raise WorkbookError(f"no {spec.what} given", f"give the path of a {spec.what}")
        path = Path(source).expanduser()
        export = readers.read_file(path, lambda names: _layout(names, spec, mapping))
    names, raw, rows, found, bad, _ = export
    blank = readers.blank_lines(raw, {}, len(rows))
    short = sum(1 for _, text in bad if not text)
    if len(blank):
        keep = np.ones(len(rows), dtype=bool)
        keep[blank] = False
        raw = {i: (codes[keep], cats) for i, (codes, cats) in raw.items()}
        rows = rows[keep]
    bad = [(k, text) for k, text in bad if text]
    return readers.Export(names, raw, rows, found, bad, {"blank": len(blank) + short})


def _layout(names: list[str], spec: Spec, mapping: dict | None):
    found = resolve(names, spec, mapping)
    return found, sorted(found.values()), set()


class Checks:
    """Checks of a table's cells, once per distinct value: every problem of a row adds its
    reason; ``values`` holds each field's typed value per row."""

    def __init__(self, export: readers.Export):
        self.export, self.n = export, len(export.rows)
        self.reasons: list[list[str]] = [[] for _ in range(self.n)]
        self.values: dict[str, np.ndarray] = {}

    def has(self, name: str) -> bool:
        return name in self.export.found

    def cats(self, name: str) -> tuple[np.ndarray, pd.Series]:
        codes, cats = self.export.raw[self.export.found[name]]
        return codes, cats.str.strip()

    def flag(self, rows: np.ndarray, reason: str) -> None:
        for i in np.flatnonzero(rows).tolist():
            self.reasons[i].append(reason)

    def text(self, name: str, reason: str) -> None:
        codes, cats = self.cats(name)
        cats = cats.str.split().str.join(" ").fillna("")
        self.flag(cats.eq("").to_numpy()[codes], reason)
        self.values[name] = cats.to_numpy(dtype=object)[codes]

    def amount(self, name: str, label: str) -> None:
        codes, cats = self.cats(name)
        value = parse_numbers(cats)
        ok = np.isfinite(value) & (value >= 0.01) & (value <= MAX_AMOUNT)
        self.flag(~ok[codes], f"{label} not an amount from $0.01 to {money(MAX_AMOUNT)}")
        self.values[name] = np.where(ok, value, np.nan)[codes]

    def codes(self, year: int) -> None:
        """CPT/HCPCS code and modifier: the code's shape, its listing in ``year``'s RVUs, and
        the pricing modifier (26 or TC from its own row, refused where the year has none; any
        other modifier is priced from the global row)."""
        codes, cpt = self.cats("cpt")
        cpt = cpt.str.upper()
        shape = cpt.str.fullmatch(HCPCS_PATTERN.pattern).fillna(False).to_numpy(dtype=bool)
        self.flag(~shape[codes], "malformed CPT/HCPCS code")
        rvus = load_rvus(int(year))
        listed = cpt.isin(set(rvus["hcpcs"])).to_numpy(dtype=bool)
        self.flag((shape & ~listed)[codes], f"CPT/HCPCS code not in the {year} fee schedule")
        code = cpt.to_numpy(dtype=object)[codes]
        mod = np.full(self.n, "", dtype=object)
        if self.has("modifier"):
            mcodes, mods = self.cats("modifier")
            mods = mods.str.upper()
            ok = mods.eq("") | mods.str.fullmatch(MODIFIER_PATTERN.pattern).fillna(False)
            self.flag(~ok.to_numpy(dtype=bool)[mcodes], "malformed modifier")
            mod = mods.to_numpy(dtype=object)[mcodes]
        own = set(zip(rvus["hcpcs"], rvus["modifier"], strict=True))
        has_row = np.fromiter(((c, m) in own for c, m in zip(code, mod, strict=True)), bool, self.n)
        pricing = np.isin(mod, ["26", "TC"])
        self.flag(pricing & listed[codes] & ~has_row, "modifier 26/TC not priced for the code")
        self.values["code"], self.values["modifier"] = code, mod
        self.values["pricing_modifier"] = np.where(has_row & pricing, mod, "").astype(object)

    def dates(self, year: int) -> None:
        """Optional effective dates: each a date or blank (open-ended), in order, and the
        period in force on some day of ``year``."""
        ends = {"effective_from": OPEN_START, "effective_to": OPEN_END}
        given = [n for n in ends if self.has(n)]
        order = slash_order(pd.concat([self.cats(n)[1] for n in given])) if given else None
        for name, open_end in ends.items():
            if name not in given:
                self.values[name] = np.full(self.n, open_end)
                continue
            codes, cats = self.cats(name)
            day = parse_dates(cats, order)
            bad = np.isnat(day) & cats.ne("").to_numpy(dtype=bool)
            self.flag(bad[codes], "bad effective date")
            self.values[name] = np.where(np.isnat(day), open_end, day)[codes]
        start, end = self.values["effective_from"], self.values["effective_to"]
        self.flag(start > end, "effective-from date after the effective-to date")
        first, last = np.datetime64(f"{year}-01-01", "s"), np.datetime64(f"{year}-12-31", "s")
        self.flag((start <= end) & ((start > last) | (end < first)), f"not in force in {year}")

    def ok(self) -> np.ndarray:
        return np.fromiter((not r for r in self.reasons), bool, self.n)
