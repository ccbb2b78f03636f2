"""Synthetic encounter exports: seeded, any size, realistic enough to exercise every check.

A file looks like a practice-management export (one claim line per row, columns such as
``Service Date``, ``Rendering Provider``, ``CPT``, ``Dx1``, ``POS``): eight providers (therapists,
chiropractors, physicians) bill their usual codes from data/codes.csv with diagnoses from
data/pairings.csv, stale ICD-10-CM codes (M54.5, M51.2) appear in a few percent of lines, timed
codes carry minutes and units by the 8-minute rule counted line by line (so Medicare's count over
the visit finds visits billed a unit short, as practices that count per code do), sometimes off by
one, and a share of rows is dirty (bad dates, 9701-style codes, zero units, malformed ICD-10 codes,
blank providers, bad places of service). A few rows name a provider ``=HYPERLINK("http://x","y")``.
Patient ids are synthetic.

Run ``python -m cpt_analysis.synth --rows 2000 --seed 42 --out data/sample_encounters.csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..export import atomic_write
from ..reference.loaders import load_codes, load_pairings, load_rvus

YEAR = 2025
FORMULA_PROVIDER = '=HYPERLINK("http://x","y")'
COLUMNS = ["Service Date", "Rendering Provider", "Patient ID", "Encounter ID", "CPT", "Mod 1",
           "Mod 2", "Units", "Minutes", "Dx1", "Dx2", "Dx3", "Dx4", "POS", "Charge"]  # fmt: skip
# role: (lines per visit low, high, therapy modifier, {code: weight})
ROLES = {
    "pt": (2, 4, "GP", {"97110": 30, "97140": 18, "97112": 10, "97530": 12, "97012": 6,
                        "97035": 4, "97032": 3, "97116": 4, "97161": 1, "97162": 1, "97163": 1,
                        "97164": 2, "97010": 3, "97014": 2, "97124": 3, "97535": 2, "97750": 1}),
    "ot": (2, 3, "GO", {"97530": 30, "97535": 20, "97110": 15, "97140": 5, "97129": 4,
                        "97130": 2, "97018": 3, "97034": 2, "97033": 1}),
    "dc": (1, 3, "GP", {"98940": 30, "98941": 30, "98942": 5, "97140": 10, "97012": 8,
                        "97014": 6, "97010": 4, "97035": 4, "97110": 5, "99213": 3}),
    "md": (1, 2, "", {"99213": 25, "99214": 20, "99204": 5, "99203": 5, "99215": 3, "20552": 8,
                      "20553": 4, "62321": 3, "62323": 5, "64483": 5, "72148": 3, "72141": 2}),
    "pcp": (1, 2, "", {"99213": 35, "99214": 25, "99212": 10, "99215": 5, "99203": 5,
                       "99204": 3, "99202": 3, "99211": 4, "20552": 2}),
}  # fmt: skip
PROVIDERS = [("Sarah Johnson, PT, DPT", "pt", 5), ("Michael Brown, PT", "pt", 4),
             ("Emily Davis, PT, DPT", "pt", 4), ("Kevin Nguyen, OTR/L", "ot", 2),
             ("Robert Wilson, DC", "dc", 3), ("Dr. Maria Alvarez, MD", "md", 2),
             ("Dr. James Chen, MD", "md", 2), ("Dr. Aisha Patel, MD", "pcp", 3)]  # fmt: skip
SECONDARY = ["I10", "E11.9", "E78.5", "M54.2", "M62.81", "Z79.01", "R26.89", "M25.561",
             "G89.29", "M54.16", "Z96.651", "M17.11"]  # fmt: skip
STALE = {"M54.5": ["M54.50", "M54.59", "M54.51"], "M51.2": ["M51.26", "M51.27", "M51.24"]}
STALE_KEEP = 0.15  # share of stale pairings kept as written; the rest use a billable child
STALE_SHARE = 0.03  # share of M54.50/M54.59 lines written with the stale M54.5
OFF_LIST = 0.03  # share of lines whose first diagnosis is a secondary one (often unpaired)
TRUNCATED = 0.01  # share of first diagnoses missing their last character (a header)
UNKNOWN = ["R52.9", "M54.60"]  # well-formed codes that are not in the code set
UNKNOWN_SHARE = 0.002
DIRTY = {
    "Service Date": ["2025-02-30", "13/45/2025", "not a date", ""],
    "CPT": ["9711", "9701", "99999", "97-10"],
    "Units": ["0", "-1", "two", ""],
    "Dx1": ["54.5", "M5", "MM54.5", "M54.5.0"],
    "Rendering Provider": ["", " "],
    "POS": ["XX", "100", ""],
}


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=float)
    return np.searchsorted(cdf / cdf[-1], rng.random(size), side="right")


def _cat(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=pd.Index(categories))


def _lines(rng: np.random.Generator, n_rows: int) -> dict[str, np.ndarray]:
    """Draw visits (provider, patient, day, place of service) and spread them over lines."""
    roles = list(ROLES)
    prov_role = np.array([roles.index(r) for _, r, _ in PROVIDERS])
    n_visits = max(1, n_rows // 2 + 1)
    prov = _pick(rng, np.array([w for *_, w in PROVIDERS], dtype=float), n_visits)
    lo = np.array([ROLES[r][0] for r in roles])[prov_role[prov]]
    hi = np.array([ROLES[r][1] for r in roles])[prov_role[prov]]
    size = rng.integers(lo, hi + 1)
    while size.sum() < n_rows:  # top up tiny files
        size = size + 1
    visit = np.repeat(np.arange(n_visits), size)[:n_rows]
    panel = max(20, n_rows // 40)
    patient = prov * panel + rng.integers(0, panel, n_visits)
    days = pd.bdate_range(f"{YEAR}-01-01", f"{YEAR}-12-31")
    u = rng.random(n_visits)
    doctor = np.isin(prov_role[prov], [roles.index("md"), roles.index("pcp")])
    pos = np.where(doctor, np.select([u < 0.8, u < 0.93], [0, 1], 2), np.where(u < 0.95, 0, 1))
    return {
        "visit": visit,
        "prov": prov[visit],
        "role": prov_role[prov][visit],
        "patient": patient[visit],
        "day": rng.integers(0, len(days), n_visits)[visit],
        "pos": pos[visit],
        "days": days,
        "panel": panel,
    }


def generate_encounters(n_rows: int, seed: int = 0, dirty_share: float = 0.03) -> pd.DataFrame:
    """Return ``n_rows`` synthetic claim lines of 2025 as an export would hold them.

    Every column is text (a categorical of strings); column names are those of
    :data:`COLUMNS`. The same ``seed`` gives the same rows. ``dirty_share`` of the rows carry
    exactly one defect each that the importer must reject. Raises ValueError for a negative
    size or a share outside 0-1.
    """
    if n_rows < 0 or not 0 <= dirty_share <= 1:
        raise ValueError("n_rows must be >= 0 and dirty_share between 0 and 1")
    rng = np.random.default_rng(seed)
    v = _lines(rng, n_rows)
    known = load_codes().set_index("code")
    rvus = load_rvus(YEAR)
    rvus = rvus[rvus["modifier"] == ""].set_index("hcpcs")
    codes = sorted({c for r in ROLES.values() for c in r[3]} & set(known.index) & set(rvus.index))
    idx = {c: i for i, c in enumerate(codes)}
    line_code = np.zeros(n_rows, dtype=np.int32)
    for r, (_, _, _, mix) in enumerate(ROLES.values()):
        rows = np.flatnonzero(v["role"] == r)
        mix = {c: w for c, w in mix.items() if c in idx}
        pick = _pick(rng, np.array(list(mix.values()), dtype=float), len(rows))
        line_code[rows] = np.array([idx[c] for c in mix])[pick]
    timed = known.loc[codes, "timed"].to_numpy(dtype=bool)[line_code]
    # units and minutes: timed codes by the 8-minute rule, sometimes off by one
    units = np.where(timed, _pick(rng, np.array([35, 45, 15, 5.0]), n_rows) + 1, 1)
    minutes = 8 + 15 * (units - 1) + rng.integers(0, 15, n_rows)
    off = timed & (rng.random(n_rows) < 0.06)
    units = np.where(off, np.maximum(1, units + rng.choice([-1, 1], n_rows)), units)
    minutes = np.where(timed & (rng.random(n_rows) < 0.01), rng.integers(3, 8, n_rows), minutes)
    traction = line_code == idx.get("97012", -1)
    show_min = timed | (traction & (rng.random(n_rows) < 0.5))
    # diagnoses from the pairings of each code; stale headers kept at realistic rates
    pairs = load_pairings()
    dx_names = set(pairs["icd10"]) | set(SECONDARY) | {c for k in STALE.values() for c in k}
    dx_names = sorted(dx_names | {d[:-1] for d in dx_names if len(d) >= 6} | set(UNKNOWN))
    dxi = {d: i for i, d in enumerate(dx_names)}
    dx1 = np.zeros(n_rows, dtype=np.int32)
    for c, i in idx.items():
        rows = np.flatnonzero(line_code == i)
        options = pairs.loc[pairs["cpt"] == c, "icd10"].tolist() or ["M62.81"]
        dx1[rows] = np.array([dxi[d] for d in options])[rng.integers(0, len(options), len(rows))]
    for stale, children in STALE.items():
        rows = np.flatnonzero((dx1 == dxi[stale]) & (rng.random(n_rows) >= STALE_KEEP))
        dx1[rows] = np.array([dxi[c] for c in children])[rng.integers(0, 3, len(rows))]
    low_back = np.isin(dx1, [dxi["M54.50"], dxi["M54.59"]]) & (rng.random(n_rows) < STALE_SHARE)
    dx1[low_back] = dxi["M54.5"]
    sec = np.array([dxi[d] for d in SECONDARY])
    parent = np.array([dxi.get(d[:-1], dxi[d]) if len(d) >= 6 else dxi[d] for d in dx_names])
    u = rng.random(n_rows)
    dx1 = np.where(u < OFF_LIST, sec[rng.integers(0, len(sec), n_rows)], dx1)
    dx1 = np.where((u >= OFF_LIST) & (u < OFF_LIST + TRUNCATED), parent[dx1], dx1)
    unknown = np.array([dxi[d] for d in UNKNOWN])[rng.integers(0, len(UNKNOWN), n_rows)]
    dx1 = np.where(u > 1 - UNKNOWN_SHARE, unknown, dx1)
    dx_more = [np.where(rng.random(n_rows) < p, sec[rng.integers(0, len(sec), n_rows)], -1)
               for p in (0.55, 0.25, 0.08)]  # fmt: skip
    dx_cats = dx_names + [d.replace(".", "") for d in dx_names if "." in d]
    nodot = np.array([dx_cats.index(d.replace(".", "")) for d in dx_names])
    # modifiers: therapy modifier on 97xxx lines, 59 on some, 26 on hospital MRI reads, 25 on E/M
    family = np.array([c.startswith("97") for c in codes])[line_code]
    mods = ["", "GP", "GO", "59", "26", "25", "KX"]
    role_mod = np.array([mods.index(m[2]) for m in ROLES.values()])[v["role"]]
    mod1 = np.where(family, role_mod, 0)
    mri = np.isin(line_code, [idx[c] for c in ("72141", "72148") if c in idx]) & (v["pos"] > 0)
    mod1 = np.where(mri, 4, mod1)
    em = np.array([c.startswith("992") for c in codes])[line_code]
    md = v["role"] == list(ROLES).index("md")
    mod1 = np.where(em & md & (rng.random(n_rows) < 0.15), 5, mod1)
    u = rng.random(n_rows)
    mod2 = np.where(family & (u < 0.08), 3, np.where(family & (u > 0.97), 6, 0))
    # charges: about twice the national non-facility total per unit
    total = rvus.loc[codes, "total_rvu_nonfacility"].to_numpy() * 2.1 * 32.3465
    charge_of, charge_cats = pd.factorize(
        pd.Series([f"{total[c] * u:.2f}" for c in range(len(codes)) for u in range(1, 9)])
    )
    charge = charge_of[line_code * 8 + np.clip(units, 1, 8) - 1]
    out = {
        "Service Date": _cat(v["day"], [d.strftime("%Y-%m-%d") for d in v["days"]]),
        "Rendering Provider": _cat(v["prov"], [p for p, *_ in PROVIDERS]),
        "Patient ID": _cat(v["patient"], [f"P{i:06d}" for i in range(len(PROVIDERS) * v["panel"])]),
        "Encounter ID": _cat(
            v["visit"], [f"E{i:07d}" for i in range(int(v["visit"].max(initial=-1)) + 1)]
        ),
        "CPT": _cat(line_code, codes),
        "Mod 1": _cat(mod1, mods),
        "Mod 2": _cat(mod2, mods),
        "Units": _cat(units - 1, [str(u) for u in range(1, 10)]),
        "Minutes": _cat(np.where(show_min, minutes, -1) + 1, [""] + [str(m) for m in range(200)]),
        "Dx1": _cat(np.where(rng.random(n_rows) < 0.15, nodot[dx1], dx1), dx_cats),
    }
    for n, d in zip((2, 3, 4), dx_more, strict=True):
        out[f"Dx{n}"] = _cat(np.where(d >= 0, d, len(dx_cats)), dx_cats + [""])
    out["POS"] = _cat(v["pos"], ["11", "22", "21"])
    out["Charge"] = _cat(charge, list(charge_cats))
    frame = pd.DataFrame(out)[COLUMNS]
    return _dirty(frame, rng, dirty_share)


def _dirty(frame: pd.DataFrame, rng: np.random.Generator, share: float) -> pd.DataFrame:
    """Give ``share`` of the rows one defect each, and a few clean rows a formula provider."""
    n = len(frame)
    order = rng.permutation(n)
    n_dirty = int(round(n * share))
    dirty, rest = order[:n_dirty], order[n_dirty:]
    kinds = list(DIRTY)
    kind = rng.integers(0, len(kinds), n_dirty)
    for k, column in enumerate(kinds):
        rows = dirty[kind == k]
        values = DIRTY[column]
        new = [x for x in values if x not in frame[column].cat.categories]
        frame[column] = _set(frame[column].cat.add_categories(new), rows, values, rng)
    formula = rest[: max(2, n // 1000)] if n >= 50 else rest[:0]
    col = frame["Rendering Provider"].cat.add_categories([FORMULA_PROVIDER])
    frame["Rendering Provider"] = _set(col, formula, [FORMULA_PROVIDER], rng)
    return frame


def _set(col: pd.Series, rows: np.ndarray, values: list[str], rng) -> pd.Categorical:
    """Return ``col`` with ``rows`` set to values drawn from ``values``."""
    codes = col.cat.codes.to_numpy().copy()
    choices = col.cat.categories.get_indexer(values)
    codes[rows] = choices[rng.integers(0, len(values), len(rows))]
    return pd.Categorical.from_codes(codes, categories=col.cat.categories)


def write_encounters(path: str | Path, n_rows: int, seed: int = 0, dirty_share: float = 0.03,
                     chunk_rows: int = 500_000) -> Path:  # fmt: skip
    """Generate ``n_rows`` lines (see :func:`generate_encounters`) and write them as CSV in
    chunks, atomically (temporary file, then rename); returns the path. Raises OSError if the
    file cannot be written and ValueError for a bad size or share."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    frame = generate_encounters(n_rows, seed=seed, dirty_share=dirty_share)
    schema = pa.schema([(c, pa.string()) for c in frame.columns])

    def write(tmp: Path) -> None:
        with pacsv.CSVWriter(tmp, schema) as writer:
            for start in range(0, max(len(frame), 1), chunk_rows):
                part = frame.iloc[start : start + chunk_rows]
                writer.write_table(pa.Table.from_pandas(part, preserve_index=False).cast(schema))

    return atomic_write(path, write)


def main(argv: list[str] | None = None) -> int:
    """Command line: write a synthetic encounter file; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m cpt_analysis.synth",
        description="Write a synthetic encounter export (CSV, one claim line per row, 2025).",
    )
    parser.add_argument("--rows", type=int, default=2000, help="number of lines (default 2000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--dirty-share", type=float, default=0.03,
                        help="share of rows with one defect each (default 0.03)")  # fmt: skip
    parser.add_argument("--out", required=True, help="CSV file to write")
    args = parser.parse_args(argv)
    try:
        path = write_encounters(args.out, args.rows, args.seed, args.dirty_share)
    except (ValueError, OSError) as exc:
        print(f"synth: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.rows:,} lines to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
