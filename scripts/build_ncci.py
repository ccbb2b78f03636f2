"""Rebuild the shipped NCCI tables from CMS's practitioner NCCI files (a maintainer's tool).

Reads one quarter's procedure-to-procedure (PTP), medically unlikely edit (MUE) and add-on code
(AOC) files from ``NCCI_DIR`` and writes, each row naming its quarter and source file:

- ``data/ncci/ptp_2024q3.parquet``: the pairs active in the quarter with modifier indicator 0
  or 1 (column_1, column_2, modifier_indicator, rationale);
- ``data/ncci/mue_2024q3.parquet``: every code's MUE units and adjudication indicator;
- ``data/ncci/aoc_2024q3.parquet``: every add-on code with its primary codes and edit type.

Usage:
    python scripts/build_ncci.py [NCCI_DIR] [--quarter 2024Q3]   (default: ../shared/ncci/2024q3)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpt_analysis import config
from cpt_analysis.errors import WorkbookError
from cpt_analysis.reference.ncci import shipped_dir, write_tables
from cpt_analysis.reference.ncci_files import derive


def main(argv: list[str] | None = None) -> int:
    default = config.shared_cms_dir().parent / "ncci" / "2024q3"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "ncci_dir", nargs="?", type=Path, default=default,
        help=f"folder of one quarter's NCCI files (default {default})",
    )  # fmt: skip
    parser.add_argument("--quarter", help="the quarter, e.g. 2024Q3 (default: from the names)")
    args = parser.parse_args(argv)
    if not args.ncci_dir.is_dir():
        parser.error(f"{args.ncci_dir} is not a folder of NCCI files")
    try:
        tables = derive(args.ncci_dir, args.quarter)
    except WorkbookError as exc:
        parser.error(str(exc))
    for kind, path in write_tables(tables, shipped_dir()).items():
        print(f"{path}: {len(tables[kind]):,} rows, {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
