"""Benchmark the practice pipeline (import + productivity + audit) against DuckDB.

For each size, a synthetic encounter file is written to benchmarks/out/ (kept between runs),
then each engine runs in a fresh subprocess that reports its own time and peak memory (the
child's peak RSS, VmHWM):

* ``workbook``: read_encounters, then productivity (national) and audit, end to end. The
  reference tables every audit loads once per process (the ICD-10-CM code set and its shipped
  history, the NCCI PTP, MUE and add-on tables of each quarter) are loaded before the audit
  and timed apart ("reference load s"; counted in "pipeline s").
* ``duckdb``: the same rules in SQL on the same file, line by line as the workbook applies them
  (productivity.explain, then payment_rules): validate the rows as the importer does (dates,
  provider, units, place of service, modifiers 1-3, diagnoses); join the per-unit amounts of
  :func:`payment.price_frame` for the line's global, 26 or TC row (status, NA setting priced,
  OPPS cap) and its half-PE amount; wRVUs only for statuses A, R, T; the therapy reduction
  (MULT PROC 5: per patient and day, the unit with the highest PE keeps it all); a status-T line
  unpaid when the same provider is paid for another service of the visit; the payment
  modifiers 50, 80/81/82/AS, 62 and 66 by the code's indicators (CASE; 66 by report: no
  amount); the multiple-procedure ranking per visit (patient, day, provider; window functions)
  for indicator 2 on the amount and 4, 6, 7 on the technical and (4) professional components,
  with the workbook's rounding to the cent at each step; then wRVUs and payment per provider
  per month. Its totals must equal the workbook's to the cent (the last column checks it; on
  the synthetic files and on a file mixing every rule the amounts agree line by line). No rule
  is left out. Not reproduced, as they change no total: the audit, the rejected rows' reasons
  and the reason texts.
* ``duckdb-simple``: the bare aggregation (cast, join the prices, sum per provider per month)
  with no validation, no status rule, no reduction, no payment modifier and no audit: the floor
  of what any engine must do.

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
    from cpt_analysis.reference import ncci
    from cpt_analysis.reference.icd10 import bundled_fiscal_year
    from cpt_analysis.reference.icd10_sets import shipped_history

    t1 = time.perf_counter()
    result = read_encounters(path)
    t2 = time.perf_counter()
    report = productivity(result.accepted)
    t3 = time.perf_counter()
    bundled_fiscal_year()  # the ICD-10-CM code set and its history, once per process
    shipped_history()  # (timed apart)
    for quarter in ncci.quarters():  # the NCCI tables, read once per process (timed apart)
        ncci.load_ptp(quarter), ncci.load_mue(quarter), ncci.load_aoc(quarter)
    t3b = time.perf_counter()
    findings = audit(result.accepted, report["explain"])
    summary(findings, len(result.accepted))
    t4 = time.perf_counter()
    table = report["provider_month"]
    return {
        "import_s": t2 - t1,
        "productivity_s": t3 - t2,
        "reference_load_s": t3b - t3,
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
-- cents, halves away from zero, as fees.multiple._round
CREATE MACRO cents(v) AS sign(v) * floor(abs(v) * 100 + 0.5::DOUBLE + 1e-9::DOUBLE) / 100;
CREATE TABLE prices AS
WITH p AS (
  SELECT *, CASE WHEN regexp_full_match(trim(mult_proc), '\\d') THEN trim(mult_proc)::INT ELSE 9
    END AS mult, CASE WHEN regexp_full_match(trim(bilat_surg), '\\d') THEN trim(bilat_surg)
    ELSE '9' END AS bilat, CASE WHEN regexp_full_match(trim(asst_surg), '\\d')
    THEN trim(asst_surg) ELSE '9' END AS asst, CASE WHEN regexp_full_match(trim(co_surg), '\\d')
    THEN trim(co_surg) ELSE '9' END AS co, CASE WHEN regexp_full_match(trim(team_surg), '\\d')
    THEN trim(team_surg) ELSE '9' END AS team
  FROM prices_df WHERE modifier IN ('', '26', 'TC')
)
SELECT p.hcpcs, p.modifier, p.setting, p.start, p.stop, p.status, p.work_rvu, p.pe_rvu,
  p.unit_amount, p.reduced_amount, p.mult, p.bilat, p.asst, p.co, p.team,
  p.status IN ('A', 'R', 'T') AS credited, p.mult = 5 AND p.unit_amount IS NOT NULL AS eligible,
  tc.unit_amount AS tc_unit, pc.unit_amount AS pc_unit
FROM p
LEFT JOIN p tc ON tc.hcpcs = p.hcpcs AND tc.setting = p.setting AND tc.start = p.start
  AND tc.modifier = 'TC'
LEFT JOIN p pc ON pc.hcpcs = p.hcpcs AND pc.setting = p.setting AND pc.start = p.start
  AND pc.modifier = '26';
CREATE TABLE payment_mods AS SELECT unnest(['50', '51', '62', '66', '80', '81', '82', 'AS']) AS m;
CREATE TABLE lines AS
WITH raw AS (
  SELECT row_number() OVER () AS rownum, "Service Date", "Rendering Provider", "Patient ID",
    "CPT", "Mod 1", "Mod 2", "Mod 3", "Units", "POS", "Dx1", "Dx2", "Dx3", "Dx4"
  FROM read_csv(?, all_varchar = true, header = true)
), typed AS (
  SELECT rownum,
    try_strptime(trim("Service Date"), '%Y-%m-%d')::DATE AS dos,
    trim("Rendering Provider") AS provider,
    nullif(trim("Patient ID"), '') AS patient,
    upper(trim("CPT")) AS cpt,
    upper(trim(coalesce("Mod 1", ''))) AS m1,
    upper(trim(coalesce("Mod 2", ''))) AS m2,
    upper(trim(coalesce("Mod 3", ''))) AS m3,
    try_cast(trim("Units") AS DOUBLE) AS units,
    trim(coalesce("POS", '')) AS pos_raw,
    lpad(trim(coalesce("POS", '')), 2, '0') AS pos,
    [trim(coalesce("Dx1", '')), trim(coalesce("Dx2", '')), trim(coalesce("Dx3", '')),
     trim(coalesce("Dx4", ''))] AS dx
  FROM raw
)
SELECT rownum, dos, provider, CASE WHEN patient IS NULL THEN '#' || rownum ELSE patient END
    AS visit, cpt,
  units::BIGINT AS units,
  CASE WHEN m1 IN ('26', 'TC') THEN m1 WHEN m2 IN ('26', 'TC') THEN m2
       WHEN m3 IN ('26', 'TC') THEN m3 ELSE '' END AS modifier,
  m1 = '50' OR m2 = '50' OR m3 = '50' AS m50,
  m1 IN ('80', '81', '82', 'AS') OR m2 IN ('80', '81', '82', 'AS')
    OR m3 IN ('80', '81', '82', 'AS') AS assist,
  m1 = 'AS' OR m2 = 'AS' OR m3 = 'AS' AS m_as,
  m1 = '62' OR m2 = '62' OR m3 = '62' AS m62,
  m1 = '66' OR m2 = '66' OR m3 = '66' AS m66,
  m1 IN (SELECT m FROM payment_mods) OR m2 IN (SELECT m FROM payment_mods)
    OR m3 IN (SELECT m FROM payment_mods) AS flagged,
  CASE WHEN pos IN (SELECT pos FROM facility_pos) THEN 'facility' ELSE 'nonfacility' END
    AS setting
FROM typed
WHERE dos IS NOT NULL AND provider <> '' AND units > 0 AND units = floor(units)
  AND regexp_full_match(pos_raw, '\\d{1,2}') AND pos <> '00'
  AND regexp_full_match(m1, '([0-9A-Z]{2})?') AND regexp_full_match(m2, '([0-9A-Z]{2})?')
  AND regexp_full_match(m3, '([0-9A-Z]{2})?')
  AND len(list_filter(dx, lambda d: d <> '')) > 0
  AND len(list_filter(dx, lambda d: d <> '' AND NOT regexp_full_match(
        upper(regexp_replace(d, '\\.', '')), '[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}'))) = 0;
"""

# Rule by rule, as productivity.explain, _status_t and payment_rules apply them:
# 1. price (LEFT JOIN: a code without RVUs stays a line with no amount); wRVUs for A, R, T;
# 2. therapy (MULT PROC 5): per patient and day, the unit with the highest PE keeps it all;
# 3. status T: unpaid when the same provider is paid for another service of the visit;
# 4. payment modifiers (factor by indicator, NULL = by report) on the lines with a payment
#    modifier or a ranked indicator, then the ranking per visit (patient, day, provider):
#    indicator 2 on the amount, 4/6/7 on the technical and (4) professional components.
AGG_SQL = """
CREATE OR REPLACE TEMP TABLE priced AS
SELECT l.*, p.status, p.work_rvu, p.pe_rvu, p.unit_amount AS unit, p.reduced_amount,
  coalesce(p.eligible, false) AS eligible, coalesce(p.mult, 9) AS mult, p.bilat, p.asst,
  p.co, p.team, p.tc_unit, p.pc_unit,
  round(coalesce(p.work_rvu, 0) * CASE WHEN p.credited THEN l.units ELSE 0 END, 4) AS wrvus
FROM lines l LEFT JOIN prices p
  ON p.hcpcs = l.cpt AND p.modifier = l.modifier AND p.setting = l.setting
 AND l.dos BETWEEN p.start AND p.stop;
WITH full_pe AS (  -- the unit of each visit that keeps its full PE: highest PE, then first
  SELECT arg_min(rownum, (-pe_rvu, rownum)) AS rownum FROM priced WHERE eligible
  GROUP BY visit, dos
), settled1 AS MATERIALIZED (
  SELECT *, round(round(unit * units, 2) - mppr, 2) AS fin FROM (
    SELECT *, CASE WHEN eligible THEN round((units - (rownum IN (SELECT rownum FROM full_pe))::INT)
      * (unit - reduced_amount), 2) ELSE 0::DOUBLE END AS mppr
    FROM priced
  )
), t_visit AS (
  SELECT DISTINCT visit, dos, provider FROM settled1 WHERE status = 'T' AND fin IS NOT NULL
), t_paid AS (  -- visits with a T line and another service paid by the same provider
  SELECT DISTINCT o.visit, o.dos, o.provider FROM settled1 o SEMI JOIN t_visit t
    ON o.visit = t.visit AND o.dos = t.dos AND o.provider = t.provider
  WHERE coalesce(o.status, '') <> 'T' AND o.fin > 0
), t_hit AS (
  SELECT t.rownum FROM settled1 t SEMI JOIN t_paid o
    ON o.visit = t.visit AND o.dos = t.dos AND o.provider = t.provider
  WHERE t.status = 'T' AND t.fin IS NOT NULL
), status_t AS (
  SELECT * REPLACE (CASE WHEN hit THEN NULL ELSE fin END AS fin,
                    CASE WHEN hit THEN 0 ELSE mppr END AS mppr),
    (flagged OR mult IN (2, 3, 4, 6, 7)) AND NOT hit AND fin IS NOT NULL AS adj
  FROM (SELECT *, rownum IN (SELECT rownum FROM t_hit) AS hit FROM settled1)
), factored AS (
  SELECT rownum, provider, dos, visit, units, modifier, mult, unit, tc_unit, pc_unit, mppr, wrvus,
    1::DOUBLE * CASE WHEN NOT m50 THEN 1::DOUBLE WHEN bilat = '1' THEN 1.5::DOUBLE
      WHEN bilat = '3' THEN 2::DOUBLE ELSE 1::DOUBLE END
    * CASE WHEN NOT assist THEN 1::DOUBLE WHEN asst IN ('0', '2') THEN
        CASE WHEN m_as THEN 0.136::DOUBLE ELSE 0.16::DOUBLE END ELSE 0::DOUBLE END
    * CASE WHEN NOT m62 THEN 1::DOUBLE WHEN co IN ('1', '2') THEN 0.625::DOUBLE ELSE 0::DOUBLE END
    * CASE WHEN NOT m66 THEN 1::DOUBLE WHEN team IN ('1', '2') THEN NULL ELSE 0::DOUBLE END AS factor
  FROM status_t WHERE adj
), valued AS (
  SELECT *, coalesce(amt > 0, false) AS paid,
    CASE WHEN coalesce(amt > 0, false) AND mult IN (4, 6, 7) THEN
      CASE modifier WHEN '' THEN tcv WHEN 'TC' THEN amt END END AS vtc,
    CASE WHEN coalesce(amt > 0, false) AND mult = 4 THEN
      CASE modifier WHEN '' THEN pcv WHEN '26' THEN amt END END AS vpc
  FROM (
    SELECT *, cents(unit * factor::DOUBLE) AS amt, cents(tc_unit * factor::DOUBLE) AS tcv,
      cents(pc_unit * factor::DOUBLE) AS pcv
    FROM factored
  )
), ranked AS (
  SELECT *,
    CASE WHEN paid AND mult = 2 THEN round(amt - cents(amt * 0.5::DOUBLE), 2)
      * (units - (row_number() OVER (PARTITION BY paid AND mult = 2, visit, dos, provider
                  ORDER BY amt DESC, rownum) = 1)::INT) ELSE 0 END AS cut_s,
    CASE WHEN vtc IS NOT NULL THEN round(vtc - cents(vtc * (1::DOUBLE - CASE mult
        WHEN 4 THEN 0.5::DOUBLE WHEN 6 THEN 0.25::DOUBLE ELSE 0.2::DOUBLE END)), 2)
      * (units - (row_number() OVER (PARTITION BY vtc IS NOT NULL, visit, dos, provider, mult
                  ORDER BY vtc DESC, rownum) = 1)::INT) ELSE 0 END AS cut_tc,
    CASE WHEN vpc IS NOT NULL THEN round(vpc - cents(vpc * (1::DOUBLE - 0.05::DOUBLE)), 2)
      * (units - (row_number() OVER (PARTITION BY vpc IS NOT NULL, visit, dos, provider
                  ORDER BY vpc DESC, rownum) = 1)::INT) ELSE 0 END AS cut_pc
  FROM valued
), settled AS (
  SELECT rownum, provider, dos, wrvus, fin FROM status_t WHERE NOT adj
  UNION ALL
  SELECT rownum, provider, dos, wrvus,
    round(cents(amt * units) - mppr - (cut_s + cut_tc + cut_pc), 2) AS fin
  FROM ranked
)
SELECT provider, strftime(dos, '%Y-%m') AS month, count(*) AS lines,
  round(sum(wrvus), 2) AS wrvus, round(sum(coalesce(fin, 0)), 2) AS payment
FROM settled GROUP BY ALL ORDER BY ALL
"""


def price_table():
    """Per-unit prices of 2025 (national) for both settings, as DuckDB joins them: the amount
    of :func:`payment.price_frame` (status, NA setting and OPPS cap applied), the amount of
    the same rows with half their PE (a therapy unit after the first), RVUs, status and the
    indicators of :func:`load_rvus` as the file writes them (the SQL reads their digits)."""
    import pandas as pd

    from cpt_analysis.fees.payment import FACILITY_POS, conversion_factor, price_frame
    from cpt_analysis.reference.loaders import load_rvus

    cf = conversion_factor(date_of_service="2025-06-01")
    rvus, parts = load_rvus(2025), []
    halved = rvus.assign(pe_rvu_nonfacility=rvus["pe_rvu_nonfacility"] * 0.5,
                         pe_rvu_facility=rvus["pe_rvu_facility"] * 0.5)  # fmt: skip
    for setting in ("nonfacility", "facility"):
        p = price_frame(rvus, None, float(cf["conversion_factor"]), setting)
        reduced = price_frame(halved, None, float(cf["conversion_factor"]), setting)["amount"]
        text = {k: p[k].astype(str).fillna("") for k in ("hcpcs", "modifier", "status",
                "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg")}  # fmt: skip
        parts.append(
            pd.DataFrame(
                text
                | {
                    "setting": setting,
                    "start": pd.Timestamp(cf["effective_from"]).date(),
                    "stop": pd.Timestamp(cf["effective_to"]).date(),
                    "work_rvu": p["work_rvu"],
                    "pe_rvu": p["pe_rvu"],
                    "unit_amount": p["amount"],
                    "reduced_amount": reduced,
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
        "| lines | engine | import s | productivity s | reference load s | audit s | pipeline s "
        "| process wall s | peak MB | lines kept | wRVUs | payment $ |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        for engine in ENGINES:
            e = r[engine]
            parts = [f"{e[k]:.2f}" if k in e else "-" for k in ("import_s", "productivity_s", "reference_load_s", "audit_s")]  # fmt: skip
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
