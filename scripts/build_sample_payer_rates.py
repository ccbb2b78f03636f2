"""Write the shipped sample of payers' contracted rates, data/sample_payer_rates.csv: made-up
payers (Payer A, B, C) at stated percents of 2025 national non-facility Medicare amounts
(cpt_analysis.practice.contracts.SAMPLE_TERMS), for every code the shipped sample encounters
bill that Medicare pays. Synthetic: a sample of a practice's own data, not a CMS figure.
tests/test_contracts.py regenerates it byte for byte. Usage:
    python scripts/build_sample_payer_rates.py [--out data/sample_payer_rates.csv]
"""

from __future__ import annotations

import argparse

from cpt_analysis.export import write_csv
from cpt_analysis.practice.contracts import SAMPLE_RATES, sample_rates
from cpt_analysis.practice.fee_builder import mix_of
from cpt_analysis.practice.intake import read_encounters
from cpt_analysis.practice.report import SAMPLE


def build():
    """The sample rates of the codes of the shipped sample encounters' 2025 lines."""
    return sample_rates(mix_of(read_encounters(SAMPLE).accepted, 2025), 2025)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(SAMPLE_RATES), help="the CSV to write")
    args = parser.parse_args(argv)
    print(f"wrote {write_csv(args.out, build())}")


if __name__ == "__main__":
    main()
