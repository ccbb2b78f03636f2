"""Payers against Medicare in one call, for the ``payers`` command and notebook 05: the rates
file compared with Medicare, the practice's mix under each contract (given an encounter
export), charges built at a percent of Medicare, and money left on the table where a current
charge is below a payer's allowed amount."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from ..fees.payment import money, resolve_locality, resolve_setting
from . import fee_builder as fb
from .contracts import SAMPLE_RATES, RateImport, compare, pct_by_code, read_rates

EXPORT_CHARGES = "the encounter export's charge column"


@dataclass
class PayerReport:
    """The tables of one rates file, year, locality and setting; None where not asked for."""

    rates: RateImport
    comparison: pd.DataFrame
    locality: str
    setting: str
    by_payer: pd.DataFrame | None = None
    mix_by_code: pd.DataFrame | None = None
    fee_schedule: pd.DataFrame | None = None
    left_on_table: pd.DataFrame | None = None
    charges_source: str = ""
    charges_rejected: pd.DataFrame | None = None  # of a charge file
    percent: float | None = None
    rounding: str = "cents"

    @property
    def headline(self) -> str:
        """One paragraph: the rates read, the comparison's basis, and the mix's result."""
        c, t = self.rates.counts, self.comparison
        source = t["medicare_source"].iloc[0].split()[0] if len(t) else ""
        text = (f"{_n(c['accepted'], 'rate')} of {_n(t['payer'].nunique(), 'payer')} "
                f"({Path(self.rates.source).name}) against Medicare {self.rates.year} ({source}) "
                f"at {self.locality}, {self.setting}; {_n(c['rejected'], 'row')} rejected, "
                f"{c['blank_lines']:,} blank.")  # fmt: skip
        if self.by_payer is not None and len(self.by_payer):
            best = self.by_payer.sort_values("pct_of_medicare", ascending=False).iloc[0]
            text += (f" On the practice's mix, {best['payer']} pays the most: "
                     f"{best['pct_of_medicare']:.2f}% of Medicare.")  # fmt: skip
        if self.left_on_table is not None and len(self.left_on_table):
            gaps = self.left_on_table
            text += (f" {_n(gaps['code'].nunique(), 'code')} charged below a payer's allowed "
                     f"amount (up to {money(gaps['gap_per_unit'].max())} a unit).")  # fmt: skip
        return text

    def tables(self) -> list[tuple[str, pd.DataFrame]]:
        """(title, table) of every part asked for, in order."""
        parts = [("Percent of Medicare", pct_by_code(self.comparison)),
                 ("Payers vs Medicare", self.comparison),
                 ("Mix by payer", self.by_payer), ("Mix by code", self.mix_by_code),
                 ("Fee schedule", self.fee_schedule), ("Left on the table", self.left_on_table),
                 ("Rejected rates", self.rates.rejected),
                 ("Rejected charges", self.charges_rejected)]  # fmt: skip
        return [(name, _modifier(t)) for name, t in parts
                if t is not None and (len(t) or "Rejected" in name)]  # fmt: skip

    def table(self, name: str) -> pd.DataFrame:
        """The table of :meth:`tables` named ``name``; an empty one where it was not made."""
        return dict(self.tables()).get(name, pd.DataFrame())

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables by sheet name, for :func:`export.write_excel`."""
        return dict(self.tables())


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _modifier(table: pd.DataFrame) -> pd.DataFrame:
    """A table's pricing modifier as its modifier, where it has no other (26, TC or blank)."""
    if "pricing_modifier" in table and "modifier" not in table:
        return table.rename(columns={"pricing_modifier": "modifier"})
    return table


def payer_report(rates: object = None, year: int = 2025, locality: object = None,
                 setting: object = "nonfacility", encounters: object = None,
                 percent: float | None = None, rounding: str = "cents", charges: object = None,
                 mapping: dict | None = None, encounter_mapping: dict | None = None,
                 ) -> PayerReport:  # fmt: skip
    """Return the :class:`PayerReport` of a rates file or DataFrame (default: the shipped
    synthetic sample) for ``year``, ``locality`` (None: national) and ``setting``.

    ``encounters``: an encounter export (path) or its accepted lines (DataFrame), whose units of
    ``year`` weight each payer's rates (:func:`fee_builder.payer_mix`) and whose charge column
    gives the current charges unless ``charges`` (a charge file) is given. ``percent``: build
    charges at this percent of Medicare, rounded by ``rounding``. Raises WorkbookError (one
    line) for a bad file, option, year, locality or setting, or a file with no rate accepted.
    """
    year = int(year)
    kind = resolve_setting(setting)[0]
    resolve_locality(locality, year)
    rounding = fb.check_rounding(rounding)
    percent = None if percent is None else fb.check_percent(percent)
    imported = read_rates(SAMPLE_RATES if rates is None else rates, year, mapping)
    if imported.input_rows == 0:
        raise WorkbookError(f"{Path(imported.source).name} has no rate rows",
                            "export the rates with their rows")  # fmt: skip
    if imported.accepted.empty:
        top = imported.reason_counts().head(3)
        why = "; ".join(f"{r}: {n:,}" for r, n in zip(top["reason"], top["rows"], strict=True))
        raise WorkbookError(
            f"no rate of {Path(imported.source).name} was accepted ({why})",
            "correct the rows, or check the year and the column mapping",
        )
    table = compare(imported, locality, setting)
    place = table["medicare_source"].iloc[0].split()[1]
    report = PayerReport(imported, table, place, kind, percent=percent, rounding=rounding)
    lines = _lines(encounters, encounter_mapping)
    mix = None if lines is None else fb.mix_of(lines, year)
    if mix is not None:
        report.by_payer, report.mix_by_code = fb.payer_mix(table, mix, year, locality, setting)
    if percent is not None:
        codes = mix if mix is not None else table
        report.fee_schedule = fb.fee_schedule(codes, year, percent, rounding, locality, setting,
                                              table)  # fmt: skip
    current = _charges(report, charges, lines, year)
    if current is not None:
        report.left_on_table = fb.left_on_table(current, table, mix)
    return report


def _lines(encounters: object, mapping: dict | None) -> pd.DataFrame | None:
    if encounters is None or (isinstance(encounters, str) and not encounters.strip()):
        return None
    if isinstance(encounters, pd.DataFrame):
        return encounters
    from .intake import read_encounters

    return read_encounters(encounters, mapping).accepted


def _charges(report: PayerReport, charges: object, lines, year: int) -> pd.DataFrame | None:
    """The current charges: a charge file, else the export's charge column; None without."""
    if charges is not None and not (isinstance(charges, str) and not charges.strip()):
        current, report.charges_rejected = fb.read_charges(charges, year)
        report.charges_source = "(table)" if isinstance(charges, pd.DataFrame) else str(charges)
        if current.empty:
            raise WorkbookError(f"no charge of {Path(report.charges_source).name} was accepted",
                                "correct the rows: code, modifier and charge per unit")  # fmt: skip
        return current
    if lines is not None and "charge" in lines and lines["charge"].notna().any():
        report.charges_source = EXPORT_CHARGES
        return fb.current_charges(lines)
    return None
