"""Synthetic encounter exports: seeded, any size, realistic enough to exercise every check.

A file looks like a practice-management export (one claim line per row, columns such as
``Service Date``, ``Rendering Provider``, ``CPT``, ``Dx1``, ``POS``): eight providers (therapists,
chiropractors, physicians) bill their usual codes from data/codes.csv with diagnoses from
data/pairings.csv, stale ICD-10-CM codes (M54.5, M51.2) appear in a few percent of lines, timed
codes carry minutes and units by the 8-minute rule counted line by line (so Medicare's count over
the visit finds visits billed a unit short, as practices that count per code do), sometimes off by
one. Medicare's edits have something to find (see :mod:`.synth_cases`): NCCI pairs with and
without their distinct-service modifier, units above the MUE, an add-on code without its primary,
a therapy patient past the KX threshold with and without KX, one physician's E/M levels above the
others'. Patient ids are synthetic.

The shipped sample is clean, as a practice's export would be. For tests, ``dirty_share`` gives a
share of rows one defect each (bad dates, 9701-style codes, zero units, malformed ICD-10 codes,
blank providers, bad places of service) and ``formula_provider`` names a provider
``=HYPERLINK("http://x","y")`` on a few rows.

Run ``python -m cpt_analysis.practice.synth --rows 2000 --seed 42 --out data/sample_encounters.csv``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..export import atomic_write
from ..reference.loaders import load_codes, load_pairings, load_rvus
from . import synth_cases as cases

YEAR = 2025
FORMULA_PROVIDER = '=HYPERLINK("http://x","y")'
COLUMNS = ["Service Date", "Rendering Provider", "Patient ID", "Encounter ID", "CPT", "Mod 1",
           "Mod 2", "Mod 3", "Units", "Minutes", "Dx1", "Dx2", "Dx3", "Dx4", "POS",
           "Charge"]  # fmt: skip
EXTRA_CODES = {"64484": "64483"}  # codes billed beyond the roles' mixes: code -> pairings of
# role: (lines per visit low, high, therapy modifier, {code: weight})
ROLES = {
    "pt": (2, 4, "GP", {"97110": 30, "97140": 18, "97112": 10, "97530": 12, "97012": 6,
                        "97035": 4, "97032": 3, "97116": 4, "97161": 1, "97162": 1, "97163": 1,
                        "97164": 2, "97010": 1, "97014": 1, "97124": 3, "97535": 2, "97750": 1}),
    "ot": (2, 3, "GO", {"97530": 30, "97535": 20, "97110": 15, "97140": 5, "97129": 4,
                        "97130": 2, "97018": 3, "97034": 2, "97033": 1}),
    "dc": (1, 3, "GP", {"98940": 30, "98941": 30, "98942": 5, "97140": 10, "97012": 8,
                        "97014": 2, "97010": 2, "97035": 4, "97110": 5, "99213": 3}),
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


MODIFIERS = ["", "GP", "GO", "59", "XS", "26", "25", "KX"]
PLACES = ["11", "22", "21"]  # office, outpatient hospital, inpatient hospital
CHARGE_PER_RVU = 2.1 * 32.3465  # about twice the 2025 conversion factor


@dataclass
class _Lines:
    """The visit of each claim line and what the visit fixes (all as indices)."""

    visit: np.ndarray
    provider: np.ndarray  # in PROVIDERS
    role: np.ndarray  # in ROLES
    patient: np.ndarray  # provider * panel + a patient of the provider's panel
    day: np.ndarray  # in days
    place: np.ndarray  # in PLACES
    days: pd.DatetimeIndex  # the business days of the year
    panel: int  # patients per provider
    n_providers: int = len(PROVIDERS)  # patients are numbered up to n_providers * panel


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=float)
    return np.searchsorted(cdf / cdf[-1], rng.random(size), side="right")


def _cat(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=pd.Index(categories))


def _lines(rng: np.random.Generator, n_rows: int) -> _Lines:
    """Draw visits (provider, patient, day, place of service) and spread them over lines."""
    roles = list(ROLES)
    role_of = np.array([roles.index(r) for _, r, _ in PROVIDERS])
    n_visits = max(1, n_rows // 2 + 1)
    provider = _pick(rng, np.array([w for *_, w in PROVIDERS], dtype=float), n_visits)
    fewest = np.array([ROLES[r][0] for r in roles])[role_of[provider]]
    most = np.array([ROLES[r][1] for r in roles])[role_of[provider]]
    lines_per_visit = rng.integers(fewest, most + 1)
    while lines_per_visit.sum() < n_rows:  # top up tiny files
        lines_per_visit = lines_per_visit + 1
    visit = np.repeat(np.arange(n_visits), lines_per_visit)[:n_rows]
    panel = max(20, n_rows // 40)
    patient = provider * panel + rng.integers(0, panel, n_visits)
    days = pd.bdate_range(f"{YEAR}-01-01", f"{YEAR}-12-31")
    draw = rng.random(n_visits)
    # doctors see 80% in the office, 13% in outpatient and 7% in inpatient hospital; others 95/5
    doctor = np.isin(role_of[provider], [roles.index("md"), roles.index("pcp")])
    place = np.where(
        doctor, np.select([draw < 0.8, draw < 0.93], [0, 1], 2), np.where(draw < 0.95, 0, 1)
    )
    return _Lines(
        visit=visit,
        provider=provider[visit],
        role=role_of[provider][visit],
        patient=patient[visit],
        day=rng.integers(0, len(days), n_visits)[visit],
        place=place[visit],
        days=days,
        panel=panel,
    )


def _code_table() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The codes the roles bill that the workbook knows and that have RVUs in 2025, sorted;
    whether each is timed; and its charge per unit."""
    known = load_codes().set_index("code")
    rvus = load_rvus(YEAR)
    rvus = rvus[rvus["modifier"] == ""].set_index("hcpcs")
    codes = {c for r in ROLES.values() for c in r[3]} & set(known.index)
    codes = sorted((codes | set(EXTRA_CODES)) & set(rvus.index))
    timed = known["timed"].reindex(codes).fillna(False).to_numpy(dtype=bool)
    per_unit = rvus.loc[codes, "total_rvu_nonfacility"].to_numpy() * CHARGE_PER_RVU
    return codes, timed, per_unit


def _draw_codes(rng: np.random.Generator, role: np.ndarray, codes: list[str]) -> np.ndarray:
    """Each line's code (index in ``codes``), drawn from the mix of its provider's role."""
    index = {c: i for i, c in enumerate(codes)}
    line_code = np.zeros(len(role), dtype=np.int32)
    for r, (*_, mix) in enumerate(ROLES.values()):
        rows = np.flatnonzero(role == r)
        mix = {c: w for c, w in mix.items() if c in index}
        pick = _pick(rng, np.array(list(mix.values()), dtype=float), len(rows))
        line_code[rows] = np.array([index[c] for c in mix])[pick]
    return line_code


def _visit_codes(rng: np.random.Generator, lines: _Lines, codes: list[str]) -> np.ndarray:
    """Each line's code: drawn by role, one physician's E/M levels raised, no code twice in a
    visit, 64484 after 64483 (and twice alone)."""
    line_code = _draw_codes(rng, lines.role, codes)
    line_code = cases.skew_em(rng, lines.provider, line_code, codes)
    line_code = cases.distinct_codes(rng, lines.visit, lines.role, line_code, codes, _draw_codes)
    return cases.add_ons(rng, lines.visit, line_code, codes)


def _draw_units(
    rng: np.random.Generator, timed: np.ndarray, traction: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's units and minutes, and whether its minutes are written.

    Timed codes: minutes that give their units by the 8-minute rule, 6% of the units one off,
    1% of the minutes under 8; other codes one unit. Minutes are written on timed lines and on
    half the traction lines.
    """
    n_rows = len(timed)
    units = np.where(timed, _pick(rng, np.array([35, 45, 15, 5.0]), n_rows) + 1, 1)
    minutes = 8 + 15 * (units - 1) + rng.integers(0, 15, n_rows)
    off_by_one = timed & (rng.random(n_rows) < 0.06)
    units = np.where(off_by_one, np.maximum(1, units + rng.choice([-1, 1], n_rows)), units)
    too_short = timed & (rng.random(n_rows) < 0.01)
    minutes = np.where(too_short, rng.integers(3, 8, n_rows), minutes)
    written = timed | (traction & (rng.random(n_rows) < 0.5))
    return units, minutes, written


def _draw_diagnoses(
    rng: np.random.Generator, line_code: np.ndarray, codes: list[str]
) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """The diagnosis names, each line's first diagnosis and its second to fourth (indices in
    the names; -1 for none)."""
    n_rows = len(line_code)
    pairs = load_pairings()
    names = set(pairs["icd10"]) | set(SECONDARY) | {c for k in STALE.values() for c in k}
    # with the headers of the long codes (one character short), stale ones included
    names = sorted(names | {d[:-1] for d in names if len(d) >= 6} | set(UNKNOWN))
    at = {d: i for i, d in enumerate(names)}
    secondary = np.array([at[d] for d in SECONDARY])
    first = np.zeros(n_rows, dtype=np.int32)
    for i, code in enumerate(codes):  # a typical pairing of the line's code
        rows = np.flatnonzero(line_code == i)
        like = EXTRA_CODES.get(code, code)
        options = pairs.loc[pairs["cpt"] == like, "icd10"].tolist() or ["M62.81"]
        first[rows] = np.array([at[d] for d in options])[rng.integers(0, len(options), len(rows))]
    first = _stale_diagnoses(rng, first, at)
    first = _odd_diagnoses(rng, first, at, secondary)
    others = [
        np.where(rng.random(n_rows) < share, secondary[rng.integers(0, len(secondary), n_rows)], -1)
        for share in (0.55, 0.25, 0.08)
    ]
    return names, first, others


def _stale_diagnoses(rng: np.random.Generator, first: np.ndarray, at: dict) -> np.ndarray:
    """Stale headers at realistic rates: most stale pairings written as a billable child, and
    a few lines of their children written with the stale header."""
    n_rows = len(first)
    for stale, children in STALE.items():
        rows = np.flatnonzero((first == at[stale]) & (rng.random(n_rows) >= STALE_KEEP))
        first[rows] = np.array([at[c] for c in children])[rng.integers(0, 3, len(rows))]
    low_back = np.isin(first, [at["M54.50"], at["M54.59"]]) & (rng.random(n_rows) < STALE_SHARE)
    first[low_back] = at["M54.5"]
    return first


def _odd_diagnoses(
    rng: np.random.Generator, first: np.ndarray, at: dict, secondary: np.ndarray
) -> np.ndarray:
    """A few first diagnoses off the list (a secondary one), truncated (the header) or
    unknown to the code set."""
    n_rows = len(first)
    header = np.array([at.get(d[:-1], at[d]) if len(d) >= 6 else at[d] for d in at])
    draw = rng.random(n_rows)
    first = np.where(draw < OFF_LIST, secondary[rng.integers(0, len(secondary), n_rows)], first)
    first = np.where((draw >= OFF_LIST) & (draw < OFF_LIST + TRUNCATED), header[first], first)
    unknown = np.array([at[d] for d in UNKNOWN])[rng.integers(0, len(UNKNOWN), n_rows)]
    return np.where(draw > 1 - UNKNOWN_SHARE, unknown, first)


def _draw_modifiers(lines: _Lines, line_code: np.ndarray, codes: list[str]) -> np.ndarray:
    """Each line's first modifier (index in MODIFIERS): the role's therapy modifier on 97xxx
    lines, 26 on MRI read in a hospital."""
    therapy = np.array([c.startswith("97") for c in codes])[line_code]
    role_modifier = np.array([MODIFIERS.index(m[2]) for m in ROLES.values()])[lines.role]
    first = np.where(therapy, role_modifier, 0)
    mri = np.isin(line_code, [codes.index(c) for c in ("72141", "72148") if c in codes])
    return np.where(mri & (lines.place > 0), MODIFIERS.index("26"), first)


def _visit_columns(lines: _Lines) -> dict[str, pd.Categorical]:
    n_visits = int(lines.visit.max(initial=-1)) + 1
    patients = len(PROVIDERS) * lines.panel + 1  # and the therapy episode's patient
    return {
        "Service Date": _cat(lines.day, [d.strftime("%Y-%m-%d") for d in lines.days]),
        "Rendering Provider": _cat(lines.provider, [p for p, *_ in PROVIDERS]),
        "Patient ID": _cat(lines.patient, [f"P{i:06d}" for i in range(patients)]),
        "Encounter ID": _cat(lines.visit, [f"E{i:07d}" for i in range(n_visits)]),
        "POS": _cat(lines.place, PLACES),
    }


def _diagnosis_columns(
    rng: np.random.Generator, names: list[str], first: np.ndarray, others: list[np.ndarray]
) -> dict[str, pd.Categorical]:
    """Dx1 to Dx4 as written: 15% of the first diagnoses without their dot."""
    written = names + [d.replace(".", "") for d in names if "." in d]
    without_dot = np.array([written.index(d.replace(".", "")) for d in names])
    no_dot = rng.random(len(first)) < 0.15
    columns = {"Dx1": _cat(np.where(no_dot, without_dot[first], first), written)}
    for n, other in zip((2, 3, 4), others, strict=True):
        columns[f"Dx{n}"] = _cat(np.where(other >= 0, other, len(written)), written + [""])
    return columns


def _charge_column(per_unit: np.ndarray, line_code: np.ndarray, units: np.ndarray):
    """Each line's charge: its code's charge per unit times its units (counted up to 8)."""
    charge, texts = pd.factorize(
        pd.Series([f"{per_unit[c] * n:.2f}" for c in range(len(per_unit)) for n in range(1, 9)])
    )
    return _cat(charge[line_code * 8 + np.clip(units, 1, 8) - 1], list(texts))


def generate_encounters(
    n_rows: int, seed: int = 0, dirty_share: float = 0.0, formula_provider: bool = False
) -> pd.DataFrame:
    """Return ``n_rows`` synthetic claim lines of 2025 as an export would hold them.

    Every column is text (a categorical of strings); column names are those of
    :data:`COLUMNS`. The same ``seed`` gives the same rows. ``dirty_share`` of the rows carry
    exactly one defect each that the importer must reject; ``formula_provider`` names the
    provider of a few clean rows ``=HYPERLINK(...)``. Raises ValueError for a negative size or a
    share outside 0-1.
    """
    if n_rows < 0 or not 0 <= dirty_share <= 1:
        raise ValueError("n_rows must be >= 0 and dirty_share between 0 and 1")
    rng = np.random.default_rng(seed)  # each step draws from it in turn: keep their order
    lines = _lines(rng, n_rows)
    episode = cases.episode(lines, len(lines.days)) if n_rows else np.array([], dtype=int)
    codes, timed, per_unit = _code_table()
    line_code = _visit_codes(rng, lines, codes)
    traction = line_code == (codes.index("97012") if "97012" in codes else -1)
    units, minutes, shows_minutes = _draw_units(rng, timed[line_code], traction)
    units, minutes = cases.cap_units(rng, line_code, codes, units, minutes)
    spare = rng.permutation(np.flatnonzero(~np.isin(lines.visit, episode)))
    units, minutes = cases.mue_excess(rng, line_code, codes, units, minutes, spare)
    dx_names, first_dx, other_dx = _draw_diagnoses(rng, line_code, codes)
    first_modifier = _draw_modifiers(lines, line_code, codes)
    first_modifier, second_modifier = cases.ptp_modifiers(
        rng, lines.visit, line_code, codes, first_modifier, np.zeros_like(first_modifier), MODIFIERS
    )
    second_modifier, third_modifier = cases.kx(
        lines, episode, line_code, units, per_unit, second_modifier,
        np.zeros_like(second_modifier), MODIFIERS,
    )  # fmt: skip
    frame = pd.DataFrame(
        {
            **_visit_columns(lines),
            "CPT": _cat(line_code, codes),
            "Mod 1": _cat(first_modifier, MODIFIERS),
            "Mod 2": _cat(second_modifier, MODIFIERS),
            "Mod 3": _cat(third_modifier, MODIFIERS),
            "Units": _cat(units - 1, [str(u) for u in range(1, 10)]),
            "Minutes": _cat(
                np.where(shows_minutes, minutes + 1, 0), [""] + [str(m) for m in range(200)]
            ),
            **_diagnosis_columns(rng, dx_names, first_dx, other_dx),
            "Charge": _charge_column(per_unit, line_code, units),
        }
    )[COLUMNS]
    return _dirty(frame, rng, dirty_share, formula_provider)


def _dirty(frame: pd.DataFrame, rng: np.random.Generator, share: float, formula: bool):
    """Give ``share`` of the rows one defect each, and (``formula``) a few clean rows a formula
    provider."""
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
    if formula:
        rows = rest[: max(2, n // 1000)] if n >= 50 else rest[:0]
        col = frame["Rendering Provider"].cat.add_categories([FORMULA_PROVIDER])
        frame["Rendering Provider"] = _set(col, rows, [FORMULA_PROVIDER], rng)
    return frame


def _set(col: pd.Series, rows: np.ndarray, values: list[str], rng) -> pd.Categorical:
    """Return ``col`` with ``rows`` set to values drawn from ``values``."""
    codes = col.cat.codes.to_numpy().copy()
    choices = col.cat.categories.get_indexer(values)
    codes[rows] = choices[rng.integers(0, len(values), len(rows))]
    return pd.Categorical.from_codes(codes, categories=col.cat.categories)


def write_encounters(path: str | Path, n_rows: int, seed: int = 0, dirty_share: float = 0.0,
                     chunk_rows: int = 500_000, formula_provider: bool = False) -> Path:  # fmt: skip
    """Generate ``n_rows`` lines (see :func:`generate_encounters`) and write them as CSV in
    chunks, atomically (temporary file, then rename); returns the path. Raises OSError if the
    file cannot be written and ValueError for a bad size or share."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    frame = generate_encounters(
        n_rows, seed=seed, dirty_share=dirty_share, formula_provider=formula_provider
    )
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
        prog="python -m cpt_analysis.practice.synth",
        description="Write a synthetic encounter export (CSV, one claim line per row, 2025).",
    )
    parser.add_argument("--rows", type=int, default=2000, help="number of lines (default 2000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--dirty-share",
        type=float,
        default=0.0,
        help="share of rows with one defect each, for tests (default 0)",
    )
    parser.add_argument("--formula-provider", action="store_true",
                        help="name the provider of a few rows =HYPERLINK(...), for tests")  # fmt: skip
    parser.add_argument("--out", required=True, help="CSV file to write")
    args = parser.parse_args(argv)
    try:
        path = write_encounters(args.out, args.rows, args.seed, args.dirty_share,
                                formula_provider=args.formula_provider)  # fmt: skip
    except (ValueError, OSError) as exc:
        print(f"synth: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.rows:,} lines to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
