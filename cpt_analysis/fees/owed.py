"""Who pays what of an allowed amount: Medicare's 80%, the patient's 20%, sequestration, and
what a non-participating provider is paid and may charge.

- Medicare Part B pays 80% of the allowed amount and the beneficiary owes 20% coinsurance
  (42 CFR 410.152). The annual Part B deductible is not modelled: before it is met the patient
  owes the whole allowed amount, and the workbook does not know how much of it a patient has met.
  Preventive services whose coinsurance is waived (the annual wellness visit, G0438/G0439) are
  not modelled either: the split is shown as for any other service.
- Sequestration cuts Medicare's 80% share by 2% (the Budget Control Act of 2011, as extended);
  the patient's 20% is not cut.
- A non-participating provider who accepts assignment is paid 95% of the fee-schedule amount; one
  who does not may charge at most the limiting charge, 115% of that 95%: 109.25% of the
  participating amount (Social Security Act 1848(g)).

Each figure is rounded to the cent, half away from zero; the patient's share is the allowed
amount minus Medicare's rounded 80%, so the two always add up to the allowed amount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .money import cents, cents_array

MEDICARE_SHARE = 0.80
SEQUESTRATION = 0.02
NONPAR_FACTOR = 0.95
LIMITING_FACTOR = 1.15  # of the non-participating amount
PAR_LIMITING = 1.0925  # 0.95 x 1.15, written exactly (the product in floating point is 1.09249...)
NOT_MODELLED = (
    "the Part B deductible is not modelled (before it is met the patient owes the whole "
    "allowed amount), nor preventive services whose coinsurance is waived"
)


@dataclass(frozen=True)
class Owed:
    """The split of one allowed amount (dollars, rounded to the cent)."""

    allowed: float
    medicare_share: float  # 80% of allowed
    coinsurance: float  # the patient's 20%
    sequestration: float  # 2% of Medicare's share
    medicare_pays: float  # Medicare's share after sequestration
    nonparticipating: float  # 95% of allowed
    limiting_charge: float  # 115% of the non-participating amount

    def rows(self) -> pd.DataFrame:
        """The split as (what, amount, how) rows, in the order a biller reads them."""
        return pd.DataFrame(
            [
                ("Allowed amount (participating)", self.allowed, "the fee-schedule amount after every rule"),
                ("Medicare's share", self.medicare_share, "80% of the allowed amount"),
                ("Sequestration", -self.sequestration, "2% of Medicare's share"),
                ("Medicare pays", self.medicare_pays, "Medicare's share after sequestration"),
                ("Patient's coinsurance", self.coinsurance, "20% of the allowed amount; deductible not modelled"),
                ("Non-participating amount", self.nonparticipating, "95% of the allowed amount"),
                ("Limiting charge", self.limiting_charge, "115% of the non-participating amount (109.25% of allowed)"),
            ],
            columns=["what", "amount", "how"],
        )  # fmt: skip


def owed(allowed: float | None) -> Owed | None:
    """Return the :class:`Owed` split of an allowed amount, or None where there is none."""
    if allowed is None or pd.isna(allowed):
        return None
    allowed = cents(allowed)
    share = cents(allowed * MEDICARE_SHARE)
    cut = cents(share * SEQUESTRATION)
    nonpar = cents(allowed * NONPAR_FACTOR)
    return Owed(
        allowed=allowed,
        medicare_share=share,
        coinsurance=cents(allowed - share),
        sequestration=cut,
        medicare_pays=cents(share - cut),
        nonparticipating=nonpar,
        limiting_charge=limiting_charge(allowed),
    )


def limiting_charge(allowed: float) -> float:
    """The most a non-participating provider may charge: 115% of the 95% non-participating
    amount, i.e. 109.25% of the participating amount (rounded once, to the cent)."""
    return cents(allowed * PAR_LIMITING)


def owed_columns(allowed: np.ndarray) -> dict[str, np.ndarray]:
    """Vectorised :func:`owed` for claim lines: medicare_pays and coinsurance per line (NaN
    where there is no allowed amount), each line rounded on its own as a claim is."""
    allowed = np.asarray(allowed, dtype="float64")
    share = cents_array(allowed * MEDICARE_SHARE)
    cut = cents_array(share * SEQUESTRATION)
    return {
        "medicare_pays": np.round(share - cut, 2),
        "coinsurance": np.round(allowed - share, 2),
    }
