"""Write the shipped sample of payers' contracted rates, data/sample_payer_rates.csv: made-up
payers (Payer A, B, C) at stated percents of 2025 national non-facility Medicare amounts
(cpt_analysis.practice.contracts.SAMPLE_TERMS) for 40 codes a therapy, chiropractic, E/M,
injection and spine-imaging practice bills (SAMPLE_CODES). Synthetic: a sample of a practice's
own data, not a CMS figure.
tests/test_contracts.py regenerates it byte for byte. Usage:
    python scripts/build_sample_payer_rates.py [--out data/sample_payer_rates.csv]
"""

from __future__ import annotations

import argparse

from cpt_analysis.export import write_csv
from cpt_analysis.practice.contracts import SAMPLE_RATES, sample_rates


def build():
    """The sample rates of :data:`contracts.SAMPLE_CODES` in 2025."""
    return sample_rates(None, 2025)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(SAMPLE_RATES), help="the CSV to write")
    args = parser.parse_args(argv)
    print(f"wrote {write_csv(args.out, build())}")


if __name__ == "__main__":
    main()
