"""Benchmark the practice pipeline (import + productivity + audit) against DuckDB.

For each size, a synthetic encounter file is written to benchmarks/out/ (kept between runs),
then each engine runs in a fresh subprocess that reports its own time and peak memory (the
child's peak RSS, VmHWM):

* ``workbook``: read_encounters, then productivity (national) and audit, end to end.
* ``duckdb``: the same rules in SQL on the same file: validate the rows as the importer does,
  join the per-unit prices of :func:`payment.price_frame` (RVUs, conversion factor, setting),
  apply the therapy reduction with a window, and sum wRVUs and payment per provider per month.
  Its totals must equal the workbook's to the cent.
* ``duckdb-simple``: the bare aggregation (cast, join the prices, sum per provider per month)
  with no validation, no therapy reduction and no audit: the floor of what any engine must do.

Results go to stdout and benchmarks/out/practice.md as Markdown tables. A script, not a test:

    python benchmarks/bench_practice.py --sizes 100000 1000000 5000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
GOAL_RATIO, GOAL_MB = 1.5, 2000


def run_workbook(path: str) -> dict:
    """Import, price and audit one file; return timings and totals."""
    t0 = time.perf_counter()
    from cpt_analysis.practice.audit import audit, summary
    from cpt_analysis.practice.intake import read_encounters
    from cpt_analysis.practice.productivity import productivity
    from cpt_analysis.reference.icd10 import bundled_fiscal_year

    t1 = time.perf_counter()
    result = read_encounters(path)
    t2 = time.perf_counter()
    report = productivity(result.accepted)
    t3 = time.perf_counter()
    bundled_fiscal_year()  # loads the ICD-10-CM code set once per process (timed apart)
    t3b = time.perf_counter()
    findings = audit(result.accepted)
    summary(findings, len(result.accepted))
    t4 = time.perf_counter()
    table = report["provider_month"]
    return {
        "import_s": t2 - t1,
        "productivity_s": t3 - t2,
        "icd10_load_s": t3b - t3,
        "audit_s": t4 - t3b,
        "pipeline_s": t4 - t1,
        "startup_s": t1 - t0,
        "accepted": len(result.accepted),
        "rejected": len(result.rejected),
        "findings": len(findings),
        "groups": len(table),
        "wrvus": round(float(table["wrvus"].sum()), 2),
        "payment": round(float(table["payment"].sum()), 2),
    }


PRICES_SQL = """
CREATE TABLE prices AS SELECT * FROM prices_df;
CREATE TABLE lines AS
WITH raw AS (
  SELECT row_number() OVER () AS rownum, "Service Date", "Rendering Provider", "Patient ID",
    "CPT", "Mod 1", "Mod 2", "Units", "POS", "Dx1", "Dx2", "Dx3", "Dx4"
  FROM read_csv(?, all_varchar = true, header = true)
), typed AS (
  SELECT rownum,
    try_strptime(trim("Service Date"), '%Y-%m-%d')::DATE AS dos,
    trim("Rendering Provider") AS provider,
    "Patient ID" AS patient,
    upper(trim("CPT")) AS cpt,
    upper(trim(coalesce("Mod 1", ''))) AS m1,
    upper(trim(coalesce("Mod 2", ''))) AS m2,
    try_cast(trim("Units") AS DOUBLE) AS units,
    trim(coalesce("POS", '')) AS pos_raw,
    lpad(trim(coalesce("POS", '')), 2, '0') AS pos,
    [trim(coalesce("Dx1", '')), trim(coalesce("Dx2", '')), trim(coalesce("Dx3", '')),
     trim(coalesce("Dx4", ''))] AS dx
  FROM raw
)
SELECT rownum, dos, provider, patient, cpt, units::BIGINT AS units,
  CASE WHEN m1 IN ('26', 'TC') THEN m1 WHEN m2 IN ('26', 'TC') THEN m2 ELSE '' END AS modifier,
  CASE WHEN pos IN (SELECT pos FROM facility_pos) THEN 'facility' ELSE 'nonfacility' END
    AS setting
FROM typed
WHERE dos IS NOT NULL AND provider <> '' AND units > 0 AND units = floor(units)
  AND regexp_full_match(pos_raw, '\\d{1,2}') AND pos <> '00'
  AND regexp_full_match(m1, '([0-9A-Z]{2})?') AND regexp_full_match(m2, '([0-9A-Z]{2})?')
  AND len(list_filter(dx, lambda d: d <> '')) > 0
  AND len(list_filter(dx, lambda d: d <> '' AND NOT regexp_full_match(
        upper(regexp_replace(d, '\\.', '')), '[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}'))) = 0;
"""

AGG_SQL = """
WITH priced AS (
  SELECT l.*, p.work_rvu, p.pe_rvu, p.mp_rvu, p.unit_amount, p.reduced_amount,
    p.therapy AND p.unit_amount IS NOT NULL AS eligible
  FROM lines l JOIN prices p
    ON p.hcpcs = l.cpt AND p.modifier = l.modifier AND p.setting = l.setting
   AND l.dos BETWEEN p.start AND p.stop
), ranked AS (
  SELECT *, CASE WHEN eligible THEN row_number() OVER (
      PARTITION BY patient, dos, eligible ORDER BY pe_rvu DESC, rownum) END AS rk
  FROM priced
)
SELECT provider, strftime(dos, '%Y-%m') AS month, count(*) AS lines,
  round(sum(work_rvu * units), 2) AS wrvus,
  round(sum(coalesce(round(unit_amount * units, 2)
    - CASE WHEN eligible THEN round((units - (rk = 1)::INT) * (unit_amount - reduced_amount), 2)
      ELSE 0 END, 0)), 2) AS payment
FROM ranked GROUP BY ALL ORDER BY ALL
"""


def price_table():
    """Per-unit prices of 2025 (national) for both settings, as DuckDB joins them."""
    import pandas as pd

    from cpt_analysis.fees.payment import FACILITY_POS, cents, conversion_factor, price_frame
    from cpt_analysis.reference.loaders import load_rvus

    cf = conversion_factor(date_of_service="2025-06-01")
    rvus, parts = load_rvus(2025), []
    for setting in ("nonfacility", "facility"):
        p = price_frame(rvus, None, float(cf["conversion_factor"]), setting)
        reduced = (p["work_rvu"] + 0.5 * p["pe_rvu"] + p["mp_rvu"]) * float(cf["conversion_factor"])
        parts.append(
            pd.DataFrame(
                {
                    "hcpcs": p["hcpcs"].astype(str),
                    "modifier": p["modifier"].astype(str),
                    "setting": setting,
                    "start": pd.Timestamp(cf["effective_from"]),
                    "stop": pd.Timestamp(cf["effective_to"]),
                    "work_rvu": p["work_rvu"],
                    "pe_rvu": p["pe_rvu"],
                    "mp_rvu": p["mp_rvu"],
                    "unit_amount": p["amount"],
                    "reduced_amount": reduced.map(cents),
                    "therapy": p["mult_proc"].astype(str).eq("5"),
                }
            )
        )
    facility = pd.DataFrame({"pos": sorted(FACILITY_POS)})
    return pd.concat(parts, ignore_index=True), facility


SIMPLE_SQL = """
SELECT provider, strftime(d, '%Y-%m') AS month, count(*) AS lines,
  round(sum(p.work_rvu * u), 2) AS wrvus,
  round(sum(coalesce(round(p.unit_amount * u, 2), 0)), 2) AS payment
FROM (
  SELECT try_strptime(trim("Service Date"), '%Y-%m-%d')::DATE AS d,
    trim("Rendering Provider") AS provider, upper(trim("CPT")) AS cpt,
    try_cast(trim("Units") AS BIGINT) AS u,
    CASE WHEN upper(trim("Mod 1")) IN ('26', 'TC') THEN upper(trim("Mod 1"))
         WHEN upper(trim("Mod 2")) IN ('26', 'TC') THEN upper(trim("Mod 2")) ELSE '' END
      AS modifier,
    CASE WHEN lpad(trim("POS"), 2, '0') IN (SELECT pos FROM facility_pos) THEN 'facility'
         ELSE 'nonfacility' END AS setting
  FROM read_csv(?, all_varchar = true, header = true)
) l JOIN prices_df p
  ON p.hcpcs = l.cpt AND p.modifier = l.modifier AND p.setting = l.setting
 AND l.d BETWEEN p.start AND p.stop
WHERE u > 0 AND provider <> ''
GROUP BY ALL ORDER BY ALL
"""


def run_duckdb(path: str, simple: bool = False) -> dict:
    """The aggregation in DuckDB (same rules, or the bare one); returns timings and totals."""
    t0 = time.perf_counter()
    import duckdb

    prices_df, facility_pos = price_table()  # noqa: F841 (DuckDB reads them by name)
    t1 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if simple:
        table = con.execute(SIMPLE_SQL, [path]).df()
    else:
        con.execute(PRICES_SQL, [path])
        table = con.execute(AGG_SQL).df()
    t2 = time.perf_counter()
    return {
        "pipeline_s": t2 - t1,
        "startup_s": t1 - t0,
        "accepted": int(table["lines"].sum()),
        "groups": len(table),
        "wrvus": round(float(table["wrvus"].sum()), 2),
        "payment": round(float(table["payment"].sum()), 2),
    }


ENGINES = {
    "workbook": run_workbook,
    "duckdb": run_duckdb,
    "duckdb-simple": lambda path: run_duckdb(path, simple=True),
}


def peak_mb() -> float:
    """Peak resident memory of this process in MB.

    Linux's VmHWM counts this program only; getrusage's ru_maxrss would also count the parent's
    memory at the time of the fork (it survives exec), so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine: str, path: str) -> None:
    """Run one engine in this process and print its result as JSON (with peak RSS)."""
    wall = time.perf_counter()
    result = ENGINES[engine](path)
    result["in_process_s"] = time.perf_counter() - wall
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


def measure(engine: str, path: Path) -> dict:
    """Run an engine in a fresh subprocess; return its result plus wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{engine} failed on {path.name}:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def ensure_file(rows: int, seed: int) -> tuple[Path, float]:
    """Write the synthetic file of ``rows`` lines unless it exists; return (path, seconds)."""
    from cpt_analysis.practice.synth import write_encounters

    path = OUT / f"encounters_{rows}.csv"
    if path.exists():
        return path, 0.0
    start = time.perf_counter()
    write_encounters(path, rows, seed=seed)
    return path, time.perf_counter() - start


def markdown(rows: list[dict]) -> str:
    """Return the results as Markdown tables with the goals checked."""
    out = [
        "| lines | engine | import s | productivity s | ICD-10 load s | audit s | pipeline s "
        "| process wall s | peak MB | lines kept | wRVUs | payment $ |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        for engine in ENGINES:
            e = r[engine]
            parts = [f"{e[k]:.2f}" if k in e else "-" for k in ("import_s", "productivity_s", "icd10_load_s", "audit_s")]  # fmt: skip
            out.append(
                f"| {r['lines']:,} | {engine} | {' | '.join(parts)} | {e['pipeline_s']:.2f} "
                f"| {e['wall_s']:.2f} | {e['peak_mb']:,.0f} | {e['accepted']:,} "
                f"| {e['wrvus']:,.2f} | {e['payment']:,.2f} |"
            )
    out += [
        "",
        "| lines | vs duckdb (same rules) | vs duckdb-simple | workbook peak MB | under 2 GB "
        "| within 1.5x of duckdb (same rules) | within 1.5x of duckdb-simple | totals agree |",
        "|---:|---:|---:|---:|---|---|---|---|",
    ]
    for r in rows:
        w, d, b = r["workbook"], r["duckdb"], r["duckdb-simple"]
        same, bare = w["pipeline_s"] / d["pipeline_s"], w["pipeline_s"] / b["pipeline_s"]
        agree = abs(w["wrvus"] - d["wrvus"]) < 0.01 and abs(w["payment"] - d["payment"]) < 0.01
        yes = {True: "yes", False: "no"}
        out.append(
            f"| {r['lines']:,} | {same:.2f}x | {bare:.2f}x | {w['peak_mb']:,.0f} "
            f"| {yes[w['peak_mb'] < GOAL_MB]} | {yes[same <= GOAL_RATIO]} "
            f"| {yes[bare <= GOAL_RATIO]} | {yes[agree]} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(
        description="Time import + productivity + audit against DuckDB on synthetic files."
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000],
                        help="numbers of lines (default 100000 1000000 5000000)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic files")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        path, made = ensure_file(size, args.seed)
        note = f" (written in {made:.1f} s)" if made else ""
        print(f"{size:,} lines: {path.relative_to(ROOT)}{note}", flush=True)
        row = {"lines": size}
        for engine in ENGINES:
            row[engine] = measure(engine, path)
            print(f"  {engine}: {json.dumps(row[engine])}", flush=True)
        rows.append(row)
    load = os.getloadavg()[0]
    text = (
        f"# Practice pipeline benchmark\n\nMachine: {os.cpu_count()} CPUs, "
        f"{platform.machine()}, Python {platform.python_version()}; load average at the end "
        f"{load:.2f}. Each engine runs in a fresh subprocess; 'pipeline s' excludes interpreter "
        "start-up and imports, 'process wall s' includes them; peak MB is the child's peak "
        "RSS (VmHWM).\n\n" + markdown(rows) + "\n"
    )
    (OUT / "practice.md").write_text(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
