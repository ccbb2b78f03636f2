"""Benchmark: importing the official 2025 RVU CSV and loading it afterwards, against a plain
``pandas.read_csv`` of the same file, in the same run.

Usage: python benchmarks/bench_import.py [PATH] [--repeat N]
Default PATH: ../shared/cms/2025/PPRRVU2025_Oct.csv. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from cpt_analysis import config
from cpt_analysis.reference import loaders as tables
from cpt_analysis.reference import store
from cpt_analysis.reference.importer import import_file


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=config.shared_cms_dir() / "2025" / "PPRRVU2025_Oct.csv",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each step (best is kept)")
    args = parser.parse_args()
    if not args.path.exists():
        print(
            f"bench_import: {args.path} not found; pass the path of a PPRRVU CSV", file=sys.stderr
        )
        return 2
    with tempfile.TemporaryDirectory() as folder:
        os.environ[config.STORE_ENV] = folder
        rows = {
            "plain pandas.read_csv (baseline, untyped)": _best(
                lambda: pd.read_csv(args.path, skiprows=10, header=None, dtype=str), args.repeat
            ),
            "cpt-workbook import-cms (read, validate, write Parquet)": _best(
                lambda: import_file(args.path), args.repeat
            ),
            "load_rvus(2025) after import (read Parquet + shipped overlay)": _best(
                lambda: (store._read.cache_clear(), tables.load_rvus(2025)), args.repeat
            ),
            "load_rvus(2025) again in the same process (cached read)": _best(
                lambda: tables.load_rvus(2025), args.repeat
            ),
            "`cpt-workbook import-cms` as a new process (with Python start-up)": _best(
                lambda: subprocess.run(
                    [sys.executable, "-m", "cpt_analysis.cli", "import-cms", str(args.path)],
                    check=True,
                    capture_output=True,
                ),
                args.repeat,
            ),
        }
        size = len(tables.load_rvus(2025))
    print(f"File: {args.path.name}, {size:,} rows; best and median of {args.repeat} runs\n")
    print("| step | best (s) | median (s) |\n|---|---:|---:|")
    for name, (best, median) in rows.items():
        print(f"| {name} | {best:.3f} | {median:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
