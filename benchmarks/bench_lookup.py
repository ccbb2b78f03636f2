"""Benchmark of the whole fee schedule (issue 11): its size, a cold lookup, a cold year's RVUs.

1. What data/ gains against a baseline commit (the commit before the RVUs became Parquet by
   default): bytes of the files git tracks there, per table.
2. A cold `cpt-workbook lookup 27447 --year 2025` (a new process each time) against a cold
   `lookup 97012 --year 2025` of the baseline, checked out in a temporary git worktree and run
   in the same loop, turn about; the goal is at most 1.5 times.
3. `load_rvus(2025)` in a new process against a bare `pyarrow.parquet.read_table` of the same
   file in a new process (pandas and pyarrow imported before the clock starts in both); the
   goal: at most 2 times.

Usage: python benchmarks/bench_lookup.py [--baseline REV] [--repeat N]
Writes benchmarks/out/lookup.md (and prints it). A script, not a test: the figures depend on the
machine and its load; medians of N runs are given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
FIRST_PARQUET = "data/rvus/RVU25D.parquet"
# the fee-schedule tables (the others in data/ belong to other work)
FEE_TABLES = ("rvus.csv", "rvus/", "rvu_releases.csv", "gpci.csv", "conversion_factors.csv")
LOAD = """
import json, sys, time
{imports}
start = time.perf_counter()
{call}
print(json.dumps(time.perf_counter() - start))
"""


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def default_baseline() -> str:
    """The parent of the commit that first shipped the RVUs as Parquet."""
    added = _git("log", "--diff-filter=A", "--format=%H", "--", FIRST_PARQUET).splitlines()
    return _git("rev-parse", f"{added[-1]}~1")


def data_bytes(rev: str) -> dict[str, int]:
    """Bytes of each file git tracks under data/ at ``rev``."""
    sizes = {}
    for line in _git("ls-tree", "-r", "-l", rev, "data/").splitlines():
        meta, path = line.split("\t", 1)
        sizes[path] = int(meta.split()[3])
    return sizes


def _table(path: str) -> str:
    """The shipped table a data file belongs to: data/rvus/RVU24A.parquet is rvus/."""
    name = path.removeprefix("data/")
    return name.split("/")[0] + "/" if "/" in name else name


def size_rows(base: dict[str, int], head: dict[str, int]) -> list[tuple[str, int, int]]:
    tables: dict[str, list[int]] = {}
    for sizes, i in ((base, 0), (head, 1)):
        for path, size in sizes.items():
            tables.setdefault(_table(path), [0, 0])[i] += size
    return [(t, b, h) for t, (b, h) in sorted(tables.items()) if t in FEE_TABLES]


def stored_bytes(rev: str) -> int:
    """Bytes git's object store holds for the fee-schedule files added or changed since ``rev``
    (compressed as git keeps them, each version once)."""
    paths = [f"data/{t}" for t in FEE_TABLES]
    objects = _git("rev-list", "--objects", f"{rev}..HEAD", "--", *paths).splitlines()
    blobs = "\n".join(line.split()[0] for line in objects if " " in line)
    sizes = subprocess.run(
        ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize:disk)"],
        cwd=ROOT, input=blobs, check=True, capture_output=True, text=True,
    ).stdout.split("\n")  # fmt: skip
    return sum(int(s.split()[1]) for s in sizes if s.startswith("blob"))


def _worktree(rev: str, folder: Path) -> Path:
    """Check out ``rev`` in ``folder`` with its data/ and notebooks/ where the package finds them
    (an editable install maps them; a plain checkout on PYTHONPATH needs the links)."""
    _git("worktree", "add", "--detach", str(folder), rev)
    for name in ("data", "notebooks"):
        (folder / "cpt_analysis" / name).symlink_to(folder / name, target_is_directory=True)
    return folder


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env, cwd=env["HOME_FOLDER"])
    return time.perf_counter() - start


def lookups(rev: str, repeat: int) -> dict[str, list[float]]:
    """Cold lookups of 97012 at ``rev`` and of 27447 and 97012 now, in turn."""
    times: dict[str, list[float]] = {"baseline 97012": [], "now 27447": [], "now 97012": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = _worktree(rev, tmp / "baseline")
        try:
            envs = {}
            for name, path in (("baseline", base), ("now", ROOT)):
                (tmp / name / "store").mkdir(parents=True, exist_ok=True)
                envs[name] = {
                    **os.environ,
                    "PYTHONPATH": str(path),
                    "CPT_WORKBOOK_STORE": str(tmp / name / "store"),
                    "CPT_WORKBOOK_CACHE": str(tmp / name / "cache"),
                    "HOME_FOLDER": str(tmp),
                }
            command = [sys.executable, "-m", "cpt_analysis.cli", "lookup"]
            runs = [
                ("baseline 97012", envs["baseline"], [*command, "97012", "--year", "2025"]),
                ("now 27447", envs["now"], [*command, "27447", "--year", "2025"]),
                ("now 97012", envs["now"], [*command, "97012", "--year", "2025"]),
            ]
            for _, env, args in runs:  # untimed: builds each side's ICD-10-CM cache
                _run(args, env)
            for _ in range(repeat):
                for name, env, args in runs:
                    times[name].append(_run(args, env))
        finally:
            _git("worktree", "remove", "--force", str(base))
    return times


def _cold(imports: str, call: str) -> float:
    code = LOAD.format(imports=imports, call=call)
    with tempfile.TemporaryDirectory() as store:
        env = {**os.environ, "CPT_WORKBOOK_STORE": store}
        done = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


# pandas too: the workbook has it loaded, and read_table imports it on first use otherwise
BARE = "import pandas, pyarrow.parquet as pq"


def loads(repeat: int) -> dict[str, list[float]]:
    path = ROOT / FIRST_PARQUET
    cases = {
        "bare pyarrow.parquet.read_table": (BARE, f"pq.read_table({str(path)!r})"),
        "read_table + to_pandas": (BARE, f"pq.read_table({str(path)!r}).to_pandas()"),
        "load_rvus(2025)": ("from cpt_analysis.reference.loaders import load_rvus", "load_rvus(2025)"),
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (imports, call) in cases.items():
            times[name].append(_cold(imports, call))
    return times


def report(rev: str, sizes, stored: int, looked, loaded, repeat: int) -> str:
    med = {k: statistics.median(v) for k, v in {**looked, **loaded}.items()}
    gained = sum(h - b for _, b, h in sizes)
    lines = [
        f"# Whole fee schedule: size and speed (baseline {rev[:10]}, median of {repeat} runs)",
        "",
        "## What data/ gains (bytes git tracks)",
        "",
        "| table | baseline | now | gain |",
        "|---|---:|---:|---:|",
        *(f"| {t} | {b:,} | {h:,} | {h - b:+,} |" for t, b, h in sizes),
        f"| **all** | | | **{gained:+,}** ({gained / 2**20:.2f} MiB; goal under 15 MiB) |",
        "",
        f"In git's object store (compressed, every version committed since): {stored:,} bytes "
        f"({stored / 2**20:.2f} MiB).",
        "",
        "## Cold lookup (a new process each, `cpt-workbook lookup CODE --year 2025`)",
        "",
        "| run | median (s) | min (s) | max (s) |",
        "|---|---:|---:|---:|",
        *(f"| {k} | {med[k]:.3f} | {min(v):.3f} | {max(v):.3f} |" for k, v in looked.items()),
        f"\n27447 now / 97012 at the baseline: **{med['now 27447'] / med['baseline 97012']:.2f}x** "
        "(goal at most 1.5x)",
        "",
        "## A full year's RVUs from a cold process (RVU25D, 19,090 rows; imports not timed)",
        "",
        "| call | median (ms) | min (ms) | max (ms) |",
        "|---|---:|---:|---:|",
        *(
            f"| {k} | {med[k] * 1000:.1f} | {min(v) * 1000:.1f} | {max(v) * 1000:.1f} |"
            for k, v in loaded.items()
        ),
        f"\nload_rvus(2025) / bare read_table: "
        f"**{med['load_rvus(2025)'] / med['bare pyarrow.parquet.read_table']:.2f}x** (goal at most 2x)",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="commit to compare with (default: before the Parquet)")
    parser.add_argument("--repeat", type=int, default=9, help="runs of each (median kept)")
    args = parser.parse_args()
    rev = _git("rev-parse", args.baseline) if args.baseline else default_baseline()
    sizes = size_rows(data_bytes(rev), data_bytes("HEAD"))
    stored = stored_bytes(rev)
    text = report(rev, sizes, stored, lookups(rev, args.repeat), loads(args.repeat), args.repeat)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "lookup.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
