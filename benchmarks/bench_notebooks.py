"""Benchmark: one code card end to end, how much of it is kernel start-up and imports, and a
batch of 20 code cards in parallel kernels against 20 sequential runs, in the same run.

Usage: python benchmarks/bench_notebooks.py [--batch 20] [--jobs 2]
Prints a Markdown table; goal: the batch costs under 0.6x the sequential runs on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel

from cpt_analysis.reference.loaders import load_codes
from cpt_analysis.reports.runner import run_many, run_one

SETUP = "from cpt_analysis import cardtext, charts, notebook, pairings\nnotebook.setup()"
CARD = "from cpt_analysis.fees.card import code_card\ncard = code_card('97012', year=2025)"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _kernel_costs() -> tuple[float, float, float]:
    start = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3")
    ready = time.perf_counter() - start
    try:
        imports = _timed(lambda: kc.execute_interactive(SETUP, timeout=120))
        first_card = _timed(lambda: kc.execute_interactive(CARD, timeout=120))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return ready, imports, first_card


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=20, help="code cards in the batch")
    parser.add_argument("--jobs", type=int, default=2, help="kernels in parallel")
    args = parser.parse_args()
    codes = load_codes()["code"].tolist()[: args.batch]
    sets = [{"cpt_code": c, "locality": "national"} for c in codes]
    with tempfile.TemporaryDirectory() as out:
        run_one("01_code_card", {"cpt_code": "97012"}, out)  # warm caches once
        one = _timed(lambda: run_one("01_code_card", {"cpt_code": "97012"}, out))
        ready, imports, first_card = _kernel_costs()
        sequential = _timed(lambda: run_many("01_code_card", sets, out, jobs=1))
        parallel = _timed(lambda: run_many("01_code_card", sets, out, jobs=args.jobs))
    rows = [
        ("one code card, end to end (execute + HTML + Excel)", one),
        ("  of which kernel start-up", ready),
        ("  of which imports and plotly/pandas set-up in the kernel", imports),
        ("  of which the first code card (ICD-10-CM code set from cache)", first_card),
        (f"{len(sets)} code cards, sequential (1 kernel at a time)", sequential),
        (f"{len(sets)} code cards, batch with {args.jobs} kernels in parallel", parallel),
    ]
    print("| step | seconds |\n|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")
    print(f"| batch / sequential | {parallel / sequential:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
