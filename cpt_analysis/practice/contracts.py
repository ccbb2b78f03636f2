"""Payers' contracted rates against Medicare: read a rates file (payer, code, modifier, allowed
amount; optional effective dates) as the encounter reader reads an export, and set each rate
beside the Medicare amount of the year, locality and setting as a percent of Medicare.

The file is read by :mod:`rate_files` with the encounter reader's machinery (CSV with any of
its delimiters and encodings, or .xlsx, past a report's title lines; columns by the user's
``mapping``, exact aliases, then the words of their header). Every row ends up accepted or
rejected with its reasons, so accepted + rejected = rows; blank lines are counted. A code with
modifier 26 or TC is priced from its own row (refused where the year has none), any other from
its global row. Medicare amounts come from :func:`payment.price`, never recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import WorkbookError
from ..export import write_csv
from ..fees.payment import (
    cents,
    money,
    price,
    price_frame,
    resolve_locality,
    resolve_setting,
)
from ..presentation import register_many
from ..reference.loaders import load_rvus
from ..validation import register
from .rate_files import BAD_ROW, OPEN_END, OPEN_START, RATES, Checks, Spec, read_table

register_many(
    {
        "payer": ("Payer", "text"),
        "pricing_modifier": ("Priced as modifier", "code", "26 or TC: the code's own row"),
        "allowed_amount": ("Allowed", "money", "the payer's contracted amount per unit"),
        "medicare": ("Medicare amount", "money", "per unit, in the year, locality and setting"),
        "pct_of_medicare": ("% of Medicare", "percent", "allowed / Medicare amount x 100"),
        "effective_from": ("In force from", "date"),
        "effective_to": ("In force to", "date"),
        "medicare_note": ("Medicare note", "text"),
        "medicare_source": ("Medicare basis", "text", "RVU release, locality and setting"),
    }
)
SAMPLE_RATES = config.DATA_DIR / "sample_payer_rates.csv"
# the shipped sample's made-up contracts: percent of Medicare by code prefix ("" = any other)
SAMPLE_TERMS = {
    "Payer A": {"": 110.0},
    "Payer B": {"99": 130.0, "": 105.0},
    "Payer C": {"99": 240.0, "9716": 240.0, "": 150.0},
}
SAMPLE_START = "2025-01-01"
# the sample's codes: a therapy, chiropractic, E/M, injection and spine-imaging practice's
SAMPLE_CODES = (
    "20552 20553 62321 62323 64483 72141 72141-26 72148 72148-26 97012 97018 97032 97033 97034 "
    "97035 97110 97112 97116 97124 97129 97130 97140 97161 97162 97163 97164 97530 97535 97750 "
    "98940 98941 98942 99202 99203 99204 99211 99212 99213 99214 99215"
).split()


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _dates_shown(value: np.datetime64) -> str:
    return "" if value in (OPEN_START, OPEN_END) else str(value.astype("datetime64[D]"))


def _duplicates(check: Checks, year: int) -> None:
    """Rows of one payer, code and modifier: the same amount again is a repeat of the first;
    different amounts in periods that overlap contradict each other (all refused); in periods
    one after the other, the latest in force in ``year`` is kept."""
    v, rows = check.values, check.export.rows
    ok = np.flatnonzero(check.ok())
    keys = pd.DataFrame({"i": ok, "payer": v["payer"][ok], "code": v["code"][ok],
                         "modifier": v["modifier"][ok]})  # fmt: skip
    for _, group in keys.groupby(["payer", "code", "modifier"], sort=False):
        if len(group) < 2:
            continue
        i = group["i"].to_numpy()
        amount, start, end = v["allowed"][i], v["effective_from"][i], v["effective_to"][i]
        clash = [(a, b) for a in range(len(i)) for b in range(a + 1, len(i))
                 if amount[a] != amount[b] and start[a] <= end[b] and start[b] <= end[a]]  # fmt: skip
        if clash:
            a, b = clash[0]
            why = (f"payer, code and modifier given with different amounts in the same period "
                   f"(rows {rows[i[a]]} and {rows[i[b]]}: {money(amount[a])} and "
                   f"{money(amount[b])})")  # fmt: skip
            check.flag(np.isin(np.arange(check.n), i), why)
        elif len(set(amount.tolist())) == 1:
            for k in i[1:]:
                check.reasons[k].append(f"repeats an earlier row (row {rows[i[0]]}: same payer, "
                                        "code, modifier and amount)")  # fmt: skip
        else:
            keep = i[int(np.argmax(start))]
            for k in i[i != keep]:
                check.reasons[k].append(
                    f"replaced by a later rate (row {rows[keep]}, in force from "
                    f"{_dates_shown(v['effective_from'][keep])}, the latest of {year})"
                )


@dataclass
class RateImport:
    """A payer rates file read: ``accepted`` (source_row, payer, code, modifier,
    pricing_modifier, allowed, effective_from, effective_to: NaT where open), ``rejected``
    (source_row, each field's original text, reason), the columns read and the counts."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    input_rows: int
    mapping: dict[str, str]
    year: int
    source: str = ""
    blank_lines: int = 0
    dated: bool = False  # the file has effective dates
    problems: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))

    @property
    def counts(self) -> dict[str, int]:
        """Rows read, accepted, rejected (accepted + rejected == input) and blank lines."""
        return {"input": self.input_rows, "accepted": len(self.accepted),
                "rejected": len(self.rejected), "blank_lines": self.blank_lines}  # fmt: skip

    def reason_counts(self) -> pd.DataFrame:
        """Rows per reason (a row with two reasons counts under both), commonest first."""
        reasons = self.rejected["reason"].str.split("; ").explode()
        general = reasons.str.replace(r" \(rows? \d.*$", "", regex=True)
        out = general.value_counts().rename("rows").rename_axis("reason").reset_index()
        return out.astype({"rows": "int64"})

    def summary(self) -> str:
        """Counts (accepted + rejected + blank = lines), then rows per reason."""
        c = self.counts
        lines = [f"{_n(c['input'] + c['blank_lines'], 'line')} read: "
                 f"{_n(c['accepted'], 'rate')} accepted, {c['rejected']:,} rejected, "
                 f"{c['blank_lines']:,} skipped as blank"]  # fmt: skip
        lines += [f"  {r.rows:>8,}  {r.reason}" for r in self.reason_counts().itertuples()]
        return "\n".join(lines)

    def write_rejected(self, path: str | Path) -> Path:
        """Write the rejected rows with their reasons as CSV, atomically; return the path."""
        return write_csv(path, self.rejected)


def _rejected(check: Checks, spec: Spec, bad: list) -> pd.DataFrame:
    export, keep = check.export, ~check.ok()
    out = pd.DataFrame({"source_row": export.rows[keep]})
    for name, pos in export.found.items():
        codes, cats = export.raw[pos]
        out[name] = cats.to_numpy(dtype=object)[codes[keep]]
    out["reason"] = ["; ".join(dict.fromkeys(r)) for r, k in zip(check.reasons, keep,
                                                                  strict=True) if k]  # fmt: skip
    if bad:
        extra = pd.DataFrame({"source_row": [k for k, _ in bad], "reason": BAD_ROW})
        out = pd.concat([out, extra], ignore_index=True).fillna(dict.fromkeys(export.found, ""))
        out = out.sort_values("source_row", kind="stable", ignore_index=True)
    return out.astype({"reason": "str"}).rename(
        columns={"cpt": "code", "allowed": "allowed_amount"}
    )


def read_rates(source, year: int, mapping: dict | None = None) -> RateImport:
    """Read a payer rates file (CSV, text or .xlsx; or a DataFrame) for ``year``.

    Columns: payer, CPT/HCPCS code and allowed amount are required; modifier and effective
    from/to dates are optional (found by name as in the encounter reader; ``mapping`` {their
    column: field} for others). A row is refused, with every reason, for a blank payer, a
    malformed code or one not in the year's fee schedule, a malformed modifier, 26/TC on a code
    without such a row, an allowed amount that is not from $0.01 to $100,000, a bad date,
    dates out of order or a period not in force in ``year``; then for a repeat or a clash of
    one payer, code and modifier (see :func:`_duplicates`). Raises WorkbookError (one line)
    for a missing or unreadable file, a folder or a missing column.
    """
    year = int(year)
    export = read_table(source, RATES, mapping)
    check = Checks(export)
    check.text("payer", "missing payer")
    check.codes(year)
    check.amount("allowed", "allowed amount")
    check.dates(year)
    _duplicates(check, year)
    keep, v = check.ok(), check.values
    accepted = pd.DataFrame({"source_row": export.rows[keep]} | {
        n: v[n][keep] for n in ("payer", "code", "modifier", "pricing_modifier")} | {
        "allowed_amount": v["allowed"][keep]})  # fmt: skip
    for name, open_end in (("effective_from", OPEN_START), ("effective_to", OPEN_END)):
        day = pd.to_datetime(v[name][keep])
        accepted[name] = day.where(day != pd.Timestamp(open_end))
    rejected = _rejected(check, RATES, export.bad)
    names = export.names
    return RateImport(
        accepted=accepted.astype(
            {
                "payer": "str",
                "code": "str",
                "modifier": "str",
                "pricing_modifier": "str",
                "allowed_amount": "float64",
            }
        ),  # fmt: skip
        rejected=rejected,
        input_rows=len(export.rows) + len(export.bad),
        mapping={f: names[i] for f, i in export.found.items()},
        year=year,
        source="(table)" if isinstance(source, pd.DataFrame) else str(source),
        blank_lines=export.pending["blank"],
        dated=check.has("effective_from") or check.has("effective_to"),
    )


def medicare_amounts(keys: pd.DataFrame, year: int, locality: object = None,
                     setting: object = "nonfacility") -> pd.DataFrame:  # fmt: skip
    """Return the Medicare amount of each distinct (code, pricing_modifier) of ``keys``:
    code, pricing_modifier, medicare (NaN where Medicare pays none), medicare_note (the
    pricing's reason: paid, the OPPS cap, an NA setting, a status not paid) and
    medicare_source (release, locality and setting).

    The year's latest release is priced at once by :func:`payment.price_frame`, with the
    locality's GPCIs and the conversion factor that :func:`payment.price` gives its first
    code; should the two ever disagree on that code, every code is priced by ``price()``.
    """
    kind = resolve_setting(setting)[0]
    place = resolve_locality(locality, year)  # a bad locality stops here, in one line
    pairs = keys[["code", "pricing_modifier"]].drop_duplicates().astype("str")
    rvus = load_rvus(int(year))
    rows = rvus.merge(pairs, left_on=["hcpcs", "modifier"], right_on=["code", "pricing_modifier"])
    columns = ["code", "pricing_modifier", "medicare", "medicare_note", "medicare_source"]
    out = pairs.assign(medicare=np.nan, medicare_note=f"not in the {year} fee schedule",
                       medicare_source="")  # fmt: skip
    if rows.empty:
        return out[columns]
    first = price(rows["hcpcs"].iloc[0], rows["modifier"].iloc[0], year=year,
                  locality=locality, setting=setting)  # fmt: skip
    if place is not None:
        place = place.copy()
        place[["gpci_work", "gpci_pe", "gpci_mp"]] = first.gpci_work, first.gpci_pe, first.gpci_mp
    priced = price_frame(rows, place, first.conversion_factor, kind)
    if not _same(priced["amount"].iloc[0], first.amount):
        return _one_by_one(pairs, year, locality, setting)[columns]
    found = priced.assign(medicare=priced["amount"], medicare_note=priced["reason"],
                          medicare_source=priced["release"].astype("str") + f" {first.locality_id} {kind}")  # fmt: skip
    out = out.set_index(["code", "pricing_modifier"])
    out.update(found.set_index(["code", "pricing_modifier"])[columns[2:]])
    return out.reset_index()[columns].astype({"medicare": "float64"})


def _same(amount: float, other: float | None) -> bool:
    return (pd.isna(amount) and other is None) or amount == other


def _one_by_one(pairs: pd.DataFrame, year: int, locality: object, setting: object):
    """Every (code, pricing_modifier) priced by :func:`payment.price` itself."""
    kind, rows = resolve_setting(setting)[0], []
    for code, mod in pairs.itertuples(index=False):
        p = price(code, mod, year=year, locality=locality, setting=setting)
        rows.append((code, mod, np.nan if p.amount is None else p.amount, p.reason,
                     f"{p.release} {p.locality_id} {kind}"))  # fmt: skip
    names = ["code", "pricing_modifier", "medicare", "medicare_note", "medicare_source"]
    return pd.DataFrame(rows, columns=names).astype({"medicare": "float64"})


def percent_of(numerator, denominator) -> pd.Series:
    """numerator / denominator x 100, to the hundredth (halves up); NaN without a denominator."""
    ratio = pd.Series(numerator, dtype="float64") / pd.Series(denominator, dtype="float64")
    ratio = ratio.where(pd.Series(denominator, dtype="float64").gt(0).to_numpy())
    return ratio.map(lambda r: np.nan if pd.isna(r) else cents(r * 100))


def compare(rates: RateImport, locality: object = None,
            setting: object = "nonfacility") -> pd.DataFrame:  # fmt: skip
    """Return one row per accepted rate: payer, code, modifier, allowed, medicare,
    pct_of_medicare (allowed / medicare x 100, to the hundredth), the effective dates when the
    file has them, medicare_note and medicare_source; sorted by payer, code and modifier."""
    acc = rates.accepted
    med = medicare_amounts(acc, rates.year, locality, setting)
    out = acc.merge(med, on=["code", "pricing_modifier"], how="left")
    out["pct_of_medicare"] = percent_of(out["allowed_amount"], out["medicare"]).to_numpy()
    dates = ["effective_from", "effective_to"] if rates.dated else []
    cols = ["payer", "code", "modifier", "pricing_modifier", "allowed_amount", "medicare",
            "pct_of_medicare", *dates, "medicare_note", "medicare_source"]  # fmt: skip
    return out[cols].sort_values(["payer", "code", "modifier"], ignore_index=True)


def pct_by_code(comparison: pd.DataFrame) -> pd.DataFrame:
    """Return the comparison as one row per code and modifier: code, modifier, medicare, then
    each payer's pct_of_medicare in a column named after the payer (blank where it has no
    rate); a payer's rates under other modifiers (97110-GP) are rows of their own."""
    wide = comparison.pivot_table(index=["code", "modifier", "medicare"], columns="payer",
                                  values="pct_of_medicare", aggfunc="first", dropna=False)  # fmt: skip
    wide = wide.dropna(how="all").reset_index()
    wide.columns.name = None
    return wide.sort_values(["code", "modifier"], ignore_index=True)


def compare_payers(path_or_frame, year: int = 2025, locality: object = None,
                   setting: object = "nonfacility", mapping: dict | None = None) -> pd.DataFrame:  # fmt: skip
    """Return payers' contracted rates against Medicare, one row per payer and code (see
    :func:`compare`), from a rates file or DataFrame (see :func:`read_rates`); the import is
    in ``.attrs["rates"]``. Raises WorkbookError (one line) for a bad file, year, locality or
    setting."""
    rates = read_rates(path_or_frame, year, mapping)
    out = compare(rates, locality, setting)
    out.attrs["rates"] = rates
    return out


@register("rates_path")
def _rates_path(value: object) -> str:
    """The payer rates file, as an absolute path; empty for the shipped sample."""
    text = str(value or "").strip()
    if text and not Path(text).expanduser().is_file():
        raise WorkbookError(f"{text} is not a file", "give the path of a CSV or Excel rates file")
    return str(Path(text).expanduser().resolve()) if text else ""


def sample_rates(codes: pd.DataFrame | None = None, year: int = 2025) -> pd.DataFrame:
    """Return synthetic contracts for ``codes`` (code, pricing_modifier; default
    :data:`SAMPLE_CODES`): each payer of
    :data:`SAMPLE_TERMS` at its percent of ``year``'s national non-facility Medicare amount (the
    longest matching code prefix decides), to the cent, in force from :data:`SAMPLE_START`;
    codes Medicare pays nothing for are left out. Columns: Payer, CPT, Modifier, Allowed
    Amount, Effective From (as a practice's file would name them)."""
    if codes is None:
        pairs = [(c.split("-") + [""])[:2] for c in SAMPLE_CODES]
        codes = pd.DataFrame(pairs, columns=["code", "pricing_modifier"])
    med = medicare_amounts(codes, year).dropna(subset=["medicare"])
    med = med.sort_values(["code", "pricing_modifier"], ignore_index=True)
    rows = []
    for payer, terms in SAMPLE_TERMS.items():
        for code, mod, amount in med[["code", "pricing_modifier", "medicare"]].itertuples(
            index=False
        ):
            pct = terms[max((p for p in terms if code.startswith(p)), key=len)]
            rows.append((payer, code, mod, f"{cents(amount * pct / 100):.2f}", SAMPLE_START))
    return pd.DataFrame(rows, columns=["Payer", "CPT", "Modifier", "Allowed Amount",
                                       "Effective From"])  # fmt: skip
