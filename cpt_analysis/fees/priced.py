"""One priced service (:class:`Price`): the formula's inputs, the fee-schedule amount, the OPPS
cap, the payment modifiers' adjustments line by line, and the split of what is owed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from .modifiers import Rule, line_rules
from .money import cents, money
from .multiple import SURGERY_RATE
from .owed import Owed, limiting_charge, owed

SECONDARY = (
    "modifier 51 with multiple-procedure indicator 2: priced as a further procedure of the "
    "visit, 50% (the highest-paid procedure of the visit is paid in full)"
)


@dataclass(frozen=True)
class Price:
    """One priced service: the inputs of the formula, the amount (None if unpaid) and why.

    ``amount`` is what Medicare allows for the line after the OPPS cap and the payment
    modifiers; ``fee_schedule_amount`` is the formula's amount (what CMS's payment files list),
    ``opps_amount`` the OPPS price where the cap applies to the code."""

    code: str
    modifier: str
    year: int
    setting: str
    place_of_service: str
    locality_id: str
    locality_name: str
    status: str
    work_rvu: float
    pe_rvu: float
    mp_rvu: float
    gpci_work: float
    gpci_pe: float
    gpci_mp: float
    conversion_factor: float
    conversion_factor_source: str
    amount: float | None
    reason: str
    release: str = ""  # the CMS release of the RVUs: RVU24AR
    release_note: str = ""  # which release prices the date of service, and why
    fee_schedule_amount: float | None = None
    opps_amount: float | None = None
    opps_capped: bool = False
    na: bool = False  # CMS marks this setting NA: rarely done here, priced all the same
    modifiers: tuple[str, ...] = ()
    mult_proc: str = ""  # the multiple-procedure indicator of the code's row
    adjustments: tuple[tuple[str, str, float | None, float | None], ...] = field(default=())
    # (what, indicator, factor, amount after) for each payment modifier applied

    @property
    def owed(self) -> Owed | None:
        """Medicare's 80% (after the 2% sequestration) and the patient's 20% of ``amount``."""
        return owed(self.amount)

    @property
    def limiting_charge(self) -> float | None:
        """The most a non-participating provider may charge: 115% of the 95% non-participating
        amount, i.e. 109.25% of the participating amount."""
        return None if self.amount is None else limiting_charge(self.amount)

    @property
    def na_note(self) -> str:
        """Words for an NA setting (empty where the setting is not marked NA)."""
        if not self.na:
            return ""
        return (
            f"CMS marks the {self.setting} setting NA for {self.code}: the service is rarely done "
            "there, and CMS's payment files price it with the PE RVU the file shows"
        )

    def explain(self) -> pd.DataFrame:
        """The amount step by step: (step, indicator, detail, amount) rows, ending with the
        allowed amount and what is owed."""
        rows = [
            (
                "Fee-schedule amount",
                f"status {self.status}",
                self._formula(),
                self.fee_schedule_amount,
            )
        ]
        if self.na:
            rows.append(
                ("NA setting", f"{self.setting} NA", self.na_note, self.fee_schedule_amount)
            )
        if self.opps_amount is not None:
            which = (
                "the OPPS price is lower: it applies"
                if self.opps_capped
                else "the fee-schedule amount is lower: it applies"
            )
            rows.append(("OPPS cap", "OPPS indicator 1", f"OPPS price {money(self.opps_amount)}; {which}",
                         min(self.opps_amount, self.fee_schedule_amount or 0.0)))  # fmt: skip
        for what, indicator, factor, after in self.adjustments:
            pct = "by report" if factor is None else f"{factor * 100:g}%"
            rows.append((f"modifier {what}", indicator, pct, after))
        rows.append(("Allowed amount", "", self.reason, self.amount))
        split = self.owed
        if split is not None:
            rows += [(w, "", h, a) for w, a, h in split.rows().iloc[1:].itertuples(index=False)]
        return pd.DataFrame(rows, columns=["step", "indicator", "detail", "amount"])

    def _formula(self) -> str:
        return (
            f"({self.work_rvu:.2f} x {self.gpci_work:g} + {self.pe_rvu:.2f} x {self.gpci_pe:g} + "
            f"{self.mp_rvu:.2f} x {self.gpci_mp:g}) x {self.conversion_factor:.4f}"
        )


def adjusted(price: Price, row) -> Price:
    """Apply the payment modifiers of ``price.modifiers`` to its amount, using the code's
    indicators in ``row`` (the RVU row): bilateral, 51 (second procedure), assistant,
    co-surgeon, team. Each step is rounded to the cent and recorded."""
    if price.amount is None or not price.modifiers:
        return price
    amount: float | None = price.amount
    steps = []
    rules: list[Rule] = line_rules(price.modifiers, row)
    if "51" in price.modifiers:
        ind = str(row["mult_proc"])
        if ind == "2":
            rules.insert(1 if rules and rules[0].modifier == "50" else 0,
                         Rule("51", "multiple-procedure indicator 2", SURGERY_RATE, SECONDARY))  # fmt: skip
        else:
            rules.append(Rule("51", f"multiple-procedure indicator {ind}", 1.0,
                              "modifier 51 does not reduce this code (indicator is not 2)"))  # fmt: skip
    reasons = [price.reason]
    for rule in rules:
        amount = None if rule.factor is None or amount is None else cents(amount * rule.factor)
        steps.append((rule.modifier, rule.indicator, rule.factor, amount))
        reasons.append(rule.words)
    return replace(price, amount=amount, adjustments=tuple(steps), reason="; ".join(reasons))
