"""Import a practice's encounter export (CSV or .xlsx) into typed claim lines, losing nothing.

Every input row ends up in ``accepted`` (typed, one claim line per row) or in ``rejected`` (its
original values, the reasons and its source row number), so accepted + rejected = input rows.
Columns are found by name: :data:`FIELDS` lists the accepted aliases of each field (compared
without case, spaces, underscores or punctuation); ``mapping={"their column": "our field"}``
overrides them. Every cell is read as text, so codes keep their form (00100, 0001F); checks run
once per distinct value, never once per row, so millions of rows import in seconds.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .codes import HCPCS_PATTERN, MODIFIER_PATTERN, dotted, icd10_keys
from .errors import WorkbookError
from .export import identifier_columns, write_csv
from .payment import resolve_locality, resolve_setting
from .tables import load_rvus, rvu_years

_N = (1, 2, 3, 4)
# field: accepted column names; {n} stands for 1-4; indented lines continue the line above
_SPEC = """
date_of_service: Date of Service | DOS | Service Date | Svc Date | Date of Svc | Service Dt
    | DOS From | From Date | Visit Date | Encounter Date | Date
provider: Provider | Rendering Provider | Rendering Provider Name | Rendering Physician
    | Provider Name | Rendering | Physician | Clinician | Therapist | Practitioner
cpt: CPT | CPT Code | CPT/HCPCS | HCPCS | HCPCS Code | Procedure Code | Procedure | Proc Code
    | Service Code | Code
modifier_{n}: Modifier {n} | Mod {n} | Modifier{n}
modifier_1: Modifier | Mod
modifiers: Modifiers | Mods
units: Units | Unit | Service Units | Units Billed | Billed Units | Qty | Quantity
    | Days or Units | Days/Units
minutes: Minutes | Mins | Min | Timed Minutes | Total Timed Minutes | Treatment Minutes | Duration
dx_{n}: Dx{n} | Dx {n} | Diagnosis {n} | Diagnosis Code {n} | Diag {n} | ICD10_{n} | ICD-10 {n}
    | ICD {n} | ICD10CM {n} | Dx Code {n}
dx_1: Dx | Diagnosis | Diagnosis Code | Primary Diagnosis | ICD10 | ICD-10 Code
place_of_service: Place of Service | POS | POS Code | Place of Svc
locality: Locality | Locality ID | Medicare Locality | MAC Locality
charge: Charge | Charges | Charge Amount | Billed Amount | Billed Charge | Amount Billed
    | Line Charge | Total Charge | Fee
patient_id: Patient ID | Patient | Patient Number | Patient No | MRN | Medical Record Number
    | Chart Number | Patient Account | Account Number
encounter_id: Encounter ID | Encounter | Encounter Number | Visit ID | Visit Number | Claim ID
    | Claim Number | Ticket Number
"""


def _fields(spec: str) -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {}
    for line in spec.replace("\n    |", " |").strip().splitlines():
        name, aliases = line.split(":", 1)
        for n in _N if "{n}" in name else (None,):
            key = name.format(n=n)
            more = tuple(a.strip().format(n=n) for a in aliases.split("|"))
            fields[key] = fields.get(key, ()) + more
    order = ["date_of_service", "provider", "cpt", *(f"modifier_{n}" for n in _N), "modifiers",
             "units", "minutes", *(f"dx_{n}" for n in _N), "place_of_service", "locality",
             "charge", "patient_id", "encounter_id"]  # fmt: skip
    return {k: fields[k] for k in order}


FIELDS = _fields(_SPEC)
REQUIRED = ("date_of_service", "provider", "cpt", "units", "dx_1", "place_of_service")
MODIFIERS = tuple(f"modifier_{n}" for n in _N)
DIAGNOSES = tuple(f"dx_{n}" for n in _N)
IDS = ("patient_id", "encounter_id")
# rejection reasons, in the order they are listed on a row
REASONS = ("bad date of service", "date outside the fee-schedule years", "missing provider",
           "malformed CPT/HCPCS code", "unknown CPT/HCPCS code for the year",
           "malformed modifier", "modifier 26/TC not priced for the code",
           "units not a positive whole number", "minutes not a number of 0 or more",
           "malformed ICD-10-CM code", "no diagnosis code", "bad place of service",
           "unknown locality", "charge not a number")  # fmt: skip
BAD_ROW = "malformed CSV row (wrong number of fields)"
_ALIAS = {re.sub(r"[^0-9a-z]", "", a.lower()): (f, i) for f, al in FIELDS.items()
          for i, a in enumerate(al)}  # fmt: skip


@dataclass
class EncounterImport:
    """The outcome of :func:`read_encounters`.

    ``accepted``: one typed row per claim line (see :func:`read_encounters`). ``rejected``: the
    original values of each rejected row (patient identifier columns left out), ``source_row``
    and ``reason`` (every problem of the row, joined by ``; ``). ``mapping``: which column of
    the file was read as each field. ``problems``: rows per reason.
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    input_rows: int
    mapping: dict[str, str]
    source: str = ""
    problems: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    blank_lines: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Return {"input", "accepted", "rejected", "blank_lines"}: rows read, kept, refused
        (accepted + rejected == input, always) and lines with no value skipped."""
        return {
            "input": self.input_rows,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "blank_lines": self.blank_lines,
        }

    def reason_counts(self) -> pd.DataFrame:
        """Return rows per rejection reason (a row with two problems counts under both)."""
        out = self.problems[self.problems > 0].rename("rows").rename_axis("reason")
        return out.sort_values(ascending=False, kind="stable").reset_index()

    def summary(self) -> str:
        """Return a short text report: counts, then rows per rejection reason."""
        c = self.counts
        lines = [f"{c['input']:,} rows read: {c['accepted']:,} accepted, "
                 f"{c['rejected']:,} rejected"]  # fmt: skip
        lines += [f"  {r.rows:>10,}  {r.reason}" for r in self.reason_counts().itertuples()]
        return "\n".join(lines)

    def write_rejected(self, path: str | Path) -> Path:
        """Write the rejected rows (with reasons) as CSV for correction, atomically.

        Returns the path. Raises OSError if the disk refuses; an existing file is then kept.
        """
        return write_csv(path, self.rejected)


def _key(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def resolve_columns(names: list[str], mapping: dict | None = None) -> dict[str, int]:
    """Return {field: column position} for a header, from ``mapping`` then the aliases.

    Raises WorkbookError (one line) for a mapping naming an unknown column or field, or for a
    missing required field (naming the aliases it accepts).
    """
    found: dict[str, int] = {}
    for theirs, ours in (mapping or {}).items():
        if ours not in FIELDS:
            raise WorkbookError(f"'{ours}' is not a field", f"use one of {', '.join(FIELDS)}")
        if theirs not in names:
            raise WorkbookError(f"the file has no column '{theirs}'",
                                f"its columns are {', '.join(map(str, names))}")  # fmt: skip
        found[ours] = names.index(theirs)
    best: dict[str, tuple[int, int]] = {}
    for pos, name in enumerate(names):
        hit = _ALIAS.get(_key(name))
        if hit and hit[0] not in found and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], pos)
    found |= {f: pos for f, (_, pos) in best.items() if pos not in found.values()}
    if "modifiers" in found and "modifier_1" in found:
        del found["modifiers"]
    for req in REQUIRED:
        if req not in found:
            raise WorkbookError(
                f"the file has no {req} column (accepted names: {', '.join(FIELDS[req])})",
                f"rename a column or pass mapping={{'your column': '{req}'}}",
            )
    return found


def _header_csv(path: Path) -> tuple[list[str], str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with path.open(newline="", encoding=encoding) as fh:
                return next(csv.reader(fh), []), encoding
        except UnicodeDecodeError:
            continue
    return [], "utf-8"


def _wanted(names: list[str], found: dict[str, int]) -> list[int]:
    """Positions to read: every column but patient identifiers, plus the one visit key."""
    private = {found[f] for f in IDS if f in found}
    private |= {i for i, n in enumerate(names) if n in identifier_columns([n])}
    visit = found.get("patient_id", found.get("encounter_id"))
    return [i for i in range(len(names)) if i not in private or i == visit]


def _read_csv(path: Path, names: list[str], encoding: str, wanted: list[int]):
    """Return ({position: (codes, categories)}, source rows, [(row, text)] of malformed rows)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = [f"c{i}" for i in range(len(names))]
    text = pa.dictionary(pa.int32(), pa.string())

    def read(threads: bool, bad: list, encoding: str, newlines: bool):
        def handler(row):
            bad.append((row.number, row.text))
            return "skip"

        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=cols,
                skip_rows=1,
                use_threads=threads,
                block_size=16 << 20,
                encoding="utf8" if encoding == "utf-8-sig" else encoding,
            ),
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, newlines_in_values=newlines, invalid_row_handler=handler
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[cols[i] for i in wanted],
                column_types=dict.fromkeys(cols, text),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    # fast path first; then quoted line breaks, then Windows-1252 text, read more slowly
    tries = [(encoding, False), (encoding, True), ("cp1252", True)]
    for attempt, (enc, newlines) in enumerate(tries):
        bad: list = []
        try:
            table = read(True, bad, enc, newlines)
            if bad:  # the numbers of malformed rows are only known when read on one thread
                bad = []
                table = read(False, bad, enc, newlines)
            break
        except (pa.ArrowInvalid, OSError) as exc:
            if attempt == len(tries) - 1:
                raise WorkbookError(
                    f"{path.name} cannot be read as CSV ({exc})", "fix the file"
                ) from None
    n, raw = table.num_rows, {}
    for i in wanted:  # one column at a time: its chunks are freed once converted
        col = table.column(cols[i]).combine_chunks()  # also unifies the chunks' dictionaries
        table = table.drop_columns([cols[i]])
        codes = col.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
        raw[i] = (codes, col.dictionary.to_pandas().astype("str"))
    del table, col
    pa.default_memory_pool().release_unused()  # hand the parser's buffers back to the system
    numbers = {int(k) for k, _ in bad}
    rows = np.arange(2, n + len(bad) + 2, dtype=np.int64)
    rows = rows[~np.isin(rows, list(numbers))] if numbers else rows
    return raw, rows, [(int(k), t) for k, t in bad if t.strip(", \t")]


def _excel_text(value: object, pad: bool) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):  # datetime
        return value.date().isoformat() if (value.hour, value.minute) == (0, 0) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(5) if pad else str(value)
    return str(value)


def _read_excel(path: Path, mapping: dict | None):
    """Return (header, {position: (codes, categories)}, source rows, field positions)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a foreign or damaged file
        raise WorkbookError(
            f"{path.name} cannot be read as .xlsx ({exc})", "fix the file"
        ) from None
    rows, numbers, names = [], [], None
    for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), 1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if names is None:
            names = ["" if v is None else str(v).strip() for v in row]
        else:
            rows.append(row)
            numbers.append(number)
    book.close()
    if names is None:
        raise WorkbookError(f"{path.name} is empty", "export the encounters with a header row")
    found = resolve_columns(names, mapping)
    raw = {}
    for i in _wanted(names, found):  # a numeric CPT cell lost its leading zeros: pad it
        values = [_excel_text(r[i] if i < len(r) else None, i == found["cpt"]) for r in rows]
        codes, cats = pd.factorize(pd.Series(values, dtype="str"))
        raw[i] = (codes.astype(np.int32), pd.Series(cats, dtype="str"))
    return names, raw, np.asarray(numbers, dtype=np.int64), found


def _parse_dates(values: pd.Series) -> np.ndarray:
    """Parse distinct date texts: 2025-03-04, 03/04/2025, 3/4/25, 20250304, or an ISO date
    with a time of day (dropped). Anything else, a partial date included, is NaT."""
    out = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    for fmt, shape in (("%m/%d/%Y", r"\d{1,2}/\d{1,2}/\d{4}"), ("%m/%d/%y", r"\d{1,2}/\d{1,2}/\d{2}"),
                       ("%Y%m%d", r"\d{8}"), ("ISO8601", r"\d{4}-\d{2}-\d{2}[T ]\S.*")):  # fmt: skip
        miss = out.isna() & values.str.fullmatch(shape)
        if miss.any():
            out[miss] = pd.to_datetime(values[miss], format=fmt, errors="coerce")
    return out.dt.floor("D").to_numpy().astype("datetime64[s]")


def _numbers(values: pd.Series) -> np.ndarray:
    text = values.str.replace(r"[$,\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _compact(codes: np.ndarray, cats) -> pd.Categorical:
    """Return a categorical of ``codes`` (-1 = NA) keeping only the categories used."""
    cats = pd.Index(cats, dtype="str")
    used = np.bincount(codes[codes >= 0], minlength=len(cats)) > 0
    remap = np.append(np.cumsum(used) - 1, -1).astype(np.int32)
    dtype = pd.CategoricalDtype(cats[used])
    return pd.Categorical.from_codes(remap[codes], dtype=dtype, validate=False)


class _Checker:
    """Checks and types the columns of one file, once per distinct value."""

    def __init__(self, raw: dict, found: dict[str, int], n: int):
        self.raw, self.found, self.n = raw, found, n
        self.bad = {r: np.zeros(n, dtype=bool) for r in REASONS}
        self.out: dict[str, object] = {}

    def cats(self, name: str) -> tuple[np.ndarray, pd.Series]:
        codes, cats = self.raw[self.found[name]]
        return codes, cats.str.strip()

    def text(self, name: str, per_cat: pd.Series, codes: np.ndarray | None = None) -> None:
        """Keep a text column as (codes, categories) from per-category values; blanks are NA."""
        codes = self.cats(name)[0] if codes is None else codes
        inverse, uniq = pd.factorize(per_cat.where(per_cat.ne("")), use_na_sentinel=True)
        self.out[name] = (np.append(inverse, -1).astype(np.int32)[codes], uniq)

    def run(self) -> None:
        codes, dates = self.cats("date_of_service")
        day = _parse_dates(dates)[codes]
        self.bad["bad date of service"] = np.isnat(day)
        years = day.astype("datetime64[Y]").astype(np.int64) + 1970
        years = np.where(np.isnat(day), 0, years).astype(np.int32)
        known = np.asarray(rvu_years())
        yi = np.clip(np.searchsorted(known, years), 0, len(known) - 1).astype(np.int8)
        ok_year = known[yi] == years
        self.bad["date outside the fee-schedule years"] = ~np.isnat(day) & ~ok_year
        self.out["date_of_service"] = day
        codes, prov = self.cats("provider")
        self.bad["missing provider"] = prov.eq("").to_numpy()[codes]
        self.text("provider", prov)
        self._modifiers()
        self._codes(ok_year, known, yi)
        self._numbers()
        self._diagnoses()
        codes, pos = self.cats("place_of_service")
        per = pos.map({p: self._pos(p) for p in pos.unique()}).fillna("")
        self.bad["bad place of service"] = per.eq("").to_numpy()[codes]
        self.text("place_of_service", per)
        if "locality" in self.found:
            self._localities(years, ok_year)
        for name in IDS:
            if name in self.found and self.found[name] in self.raw:
                self.text(name, self.raw[self.found[name]][1])

    @staticmethod
    def _pos(value: str) -> str:
        if not re.fullmatch(r"\d{1,2}", value):
            return ""
        try:
            return resolve_setting(value)[1]
        except WorkbookError:
            return ""

    def _codes(self, ok_year, known_years, yi) -> None:
        codes, cpt = self.cats("cpt")
        cpt = cpt.str.upper()
        shape = cpt.str.fullmatch(HCPCS_PATTERN.pattern).fillna(False).to_numpy(dtype=bool)
        self.bad["malformed CPT/HCPCS code"] = ~shape[codes]
        pm = np.zeros(self.n, dtype=np.int8)  # pricing modifier: 0 global, 1 = 26, 2 = TC
        for name in MODIFIERS:
            if name in self.out:
                mcodes, mcats = self.out[name]
                kind = np.select([mcats == "26", mcats == "TC"], [1, 2], 0).astype(np.int8)
                pm = np.where(pm == 0, np.append(kind, 0)[mcodes], pm)
        priced = np.zeros((len(known_years), len(cpt), 3), dtype=bool)
        for i, year in enumerate(known_years):
            if (ok_year & (yi == i)).any():
                rvus = load_rvus(int(year))
                mod = rvus["modifier"].map({"": 0, "26": 1, "TC": 2})
                for m in range(3):
                    priced[i, :, m] = cpt.isin(rvus.loc[mod == m, "hcpcs"]).to_numpy()
        checked = ok_year & shape[codes]
        self.bad["unknown CPT/HCPCS code for the year"] = checked & ~priced[yi, codes, 0]
        self.bad["modifier 26/TC not priced for the code"] = (
            checked & priced[yi, codes, 0] & ~priced[yi, codes, pm]
        )
        self.text("cpt", cpt)
        self.out["pricing_modifier"] = (pm, pd.Index(["", "26", "TC"], dtype="str"))

    def _modifiers(self) -> None:
        if "modifiers" in self.found:
            codes, joined = self.cats("modifiers")
            parts = joined.str.upper().str.split(r"[\s,;/-]+", regex=True)
            parts = parts.map(lambda p: [x for x in p if x])
            for k, name in enumerate(MODIFIERS):
                per = parts.map(lambda p, k=k: p[k] if len(p) > k else "")
                self._modifier(name, codes, per.astype("str"))
            self.bad["malformed modifier"] |= (parts.map(len) > 4).to_numpy()[codes]
            return
        for name in MODIFIERS:
            if name in self.found:
                codes, per = self.cats(name)
                self._modifier(name, codes, per.str.upper())

    def _modifier(self, name: str, codes: np.ndarray, per: pd.Series) -> None:
        ok = per.eq("") | per.str.fullmatch(MODIFIER_PATTERN.pattern).fillna(False)
        self.bad["malformed modifier"] |= ~ok.to_numpy(dtype=bool)[codes]
        self.text(name, per, codes)

    def _numbers(self) -> None:
        codes, units = self.cats("units")
        value = _numbers(units)
        ok = np.isfinite(value) & (value > 0) & (np.mod(value, 1) == 0)
        self.bad["units not a positive whole number"] = ~ok[codes]
        self.out["units"] = np.where(ok, value, 0).astype(np.int64)[codes]
        for name, reason in (
            ("minutes", "minutes not a number of 0 or more"),
            ("charge", "charge not a number"),
        ):
            if name in self.found:
                codes, raw = self.cats(name)
                value = _numbers(raw)
                ok = np.isfinite(value) & ((value >= 0) | (name == "charge"))
                self.bad[reason] = ~(ok | raw.eq("").to_numpy())[codes]
                self.out[name] = value[codes]

    def _diagnoses(self) -> None:
        none = np.ones(self.n, dtype=bool)
        for name in DIAGNOSES:
            if name in self.found:
                codes, raw = self.cats(name)
                keys = icd10_keys(raw)
                blank = raw.eq("").to_numpy()
                self.bad["malformed ICD-10-CM code"] |= (keys.isna().to_numpy() & ~blank)[codes]
                none &= blank[codes]
                self.text(name, keys.map(dotted, na_action="ignore").fillna(""))
        self.bad["no diagnosis code"] = none

    def _localities(self, years: np.ndarray, ok_year: np.ndarray) -> None:
        codes, raw = self.cats("locality")
        uniq, inverse = np.unique(codes.astype(np.int64) * 10_000 + years, return_inverse=True)
        ids = np.full(len(uniq), None, dtype=object)
        for k, key in enumerate(uniq.tolist()):
            value, year = raw.iloc[key // 10_000], key % 10_000
            try:
                place = resolve_locality(value, year) if value and year else None
                ids[k] = "" if place is None else str(place["locality_id"])
            except WorkbookError:
                pass
        per = ids[inverse]
        self.bad["unknown locality"] = ok_year & pd.isna(per)
        self.text("locality", pd.Series(per, dtype=object).fillna("").astype("str"),
                  np.arange(self.n))  # fmt: skip


def _typed(out: dict, keep: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    data: dict[str, object] = {"source_row": rows[keep]}
    order = ["date_of_service", "provider", "cpt", "pricing_modifier", *MODIFIERS, "units",
             "minutes", *DIAGNOSES, "place_of_service", "locality", "charge", *IDS]  # fmt: skip
    for name in (n for n in order if n in out):
        value = out.pop(name)  # free each full-length column once filtered
        is_text = isinstance(value, tuple)
        data[name] = _compact(value[0][keep], value[1]) if is_text else value[keep]
    return pd.DataFrame(data, copy=False)


def _rejected(names, raw, rows, keep, bits, bad, private) -> pd.DataFrame:
    """Original values of the rejected rows (identifier columns and the ``private``
    positions left out) with source rows and reasons."""
    rej = np.flatnonzero(~keep)
    uniq, inverse = np.unique(bits[rej], return_inverse=True)
    text = ["; ".join(r for i, r in enumerate(REASONS) if b >> i & 1) for b in uniq.tolist()]
    out = pd.DataFrame({"source_row": rows[rej]})
    shown = [i for i in raw if i not in private and not identifier_columns([names[i]])]
    for i in shown:
        codes, cats = raw[i]
        out[names[i]] = cats.to_numpy(dtype=object)[codes[rej]]
    out["reason"] = np.asarray(text, dtype=object)[inverse] if text else []
    if bad:
        extra = pd.DataFrame({"source_row": [k for k, _ in bad], "reason": BAD_ROW})
        out = pd.concat([out, extra], ignore_index=True).fillna({names[i]: "" for i in shown})
        out = out.sort_values("source_row", kind="stable", ignore_index=True)
    return out


def read_encounters(path: str | Path, mapping: dict | None = None) -> EncounterImport:
    """Read an encounter export (.csv, .txt or .xlsx) and return an :class:`EncounterImport`.

    ``accepted`` columns: source_row (row number as a spreadsheet shows it, header = 1),
    date_of_service (datetime64), provider, cpt, pricing_modifier (``""``, 26 or TC),
    modifier_1..4, units (int64), minutes (float, NaN if absent), dx_1..4 (dotted ICD-10-CM),
    place_of_service (two digits), locality (MAC-NN id, if the file has the column), charge
    (float), and the visit key for the therapy reduction: patient_id, or encounter_id when the
    file has no patient id (internal only, never exported; other identifier columns are not
    read). Text columns are categoricals, blanks NA. Lines with no value at all are skipped.

    Raises WorkbookError (one line) for a missing or unreadable file, a missing required column
    (naming the aliases it accepts) or a bad ``mapping``.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{path} does not exist", "check the path")
    bad: list = []
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        names, raw, rows, found = _read_excel(path, mapping)
    elif path.suffix.lower() == ".xls":
        raise WorkbookError(f"{path.name} is an old .xls workbook", "save it as .xlsx or CSV")
    else:
        names, encoding = _header_csv(path)
        if not names:
            raise WorkbookError(f"{path.name} is empty", "export the encounters with a header")
        found = resolve_columns(names, mapping)
        raw, rows, bad = _read_csv(path, names, encoding, _wanted(names, found))
    blank = np.ones(len(rows), dtype=bool)
    for codes, cats in raw.values():
        blank &= cats.str.strip().eq("").to_numpy()[codes]
    if blank.any():
        raw = {i: (codes[~blank], cats) for i, (codes, cats) in raw.items()}
        rows = rows[~blank]
    check = _Checker(raw, found, len(rows))
    check.run()
    bits = np.zeros(len(rows), dtype=np.int64)
    for i, reason in enumerate(REASONS):
        bits |= check.bad[reason].astype(np.int64) << i
    keep = bits == 0
    problems = pd.Series({r: int(check.bad[r].sum()) for r in REASONS} | {BAD_ROW: len(bad)})
    private = {found[f] for f in IDS if f in found}
    rejected = _rejected(names, raw, rows, keep, bits, bad, private)
    out, check, raw = check.out, None, None  # free the raw columns before typing
    return EncounterImport(
        accepted=_typed(out, keep, rows),
        rejected=rejected,
        input_rows=len(rows) + len(bad),
        mapping={f: names[i] for f, i in found.items()},
        source=str(path),
        problems=problems,
        blank_lines=int(blank.sum()),
    )
