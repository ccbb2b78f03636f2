"""What makes the synthetic export behave like a practice's, and exercise Medicare's edits.

Called by :func:`synth.generate_encounters` in a fixed order (each step draws from the same
generator): a visit bills each code once and at most one E/M, one spinal manipulation and one
evaluation; one physician bills E/M levels well above the others'; 64484 (an add-on) follows
64483, and a few times comes alone; a pair of codes that NCCI lets be paid together only with a
distinct-service modifier carries 59, XS or (on an E/M) 25 on the column-two line most of the
time, not always (every fifth 97140 billed with 97012 goes without); a couple of lines bill more units than the MUE allows; one physical therapy
patient is seen twice a week from February, so that the year's allowed amount passes the KX
threshold and the $3,000 targeted-review amount, with KX on the lines after the crossing except
on a few visits.
"""

from __future__ import annotations

import numpy as np

from ..reference import ncci

# codes a visit bills at most once among each group (any other code: at most once itself)
EXCLUSIVE = {"em": ("992",), "cmt": ("9894",), "eval": ("9716",)}
SKEWED_PROVIDER = 6  # Dr. James Chen, MD: established visits mostly 99214 and 99215
SKEWED_EM = {"99213": 15, "99214": 45, "99215": 35, "99212": 5}
MODIFIED_SHARE = 0.85  # pairs that carry their distinct-service modifier
EPISODE_PROVIDER = 0  # Sarah Johnson, PT, DPT
EPISODE_VISITS = 30  # twice a week from February
THRESHOLD_2025 = 2410.0  # data/kx_thresholds.csv
CONVERSION_FACTOR_2025 = 32.3465


def _group(code: str) -> str:
    for name, prefixes in EXCLUSIVE.items():
        if code.startswith(prefixes):
            return name
    return code


def distinct_codes(rng, visit: np.ndarray, role: np.ndarray, line_code: np.ndarray,
                   codes: list[str], draw) -> np.ndarray:  # fmt: skip
    """Redraw (``draw(rng, role, codes)``) the lines that repeat a code, or a group of
    :data:`EXCLUSIVE`, already billed in their visit (up to 30 rounds: enough for visits of
    at most four lines)."""
    group = np.array([_group(c) for c in codes])
    line_code = line_code.copy()
    for _ in range(30):
        keys = (
            visit.astype(np.int64) * len(codes)
            + np.unique(group, return_inverse=True)[1][line_code]
        )
        _, first = np.unique(keys, return_index=True)
        repeat = np.ones(len(keys), dtype=bool)
        repeat[first] = False
        rows = np.flatnonzero(repeat)
        if not len(rows):
            break
        line_code[rows] = draw(rng, role[rows], codes)
    return line_code


def skew_em(rng, provider: np.ndarray, line_code: np.ndarray, codes: list[str]) -> np.ndarray:
    """Give the established-patient E/M lines of :data:`SKEWED_PROVIDER` higher levels."""
    rows = np.flatnonzero(
        (provider == SKEWED_PROVIDER) & np.isin(line_code, [codes.index(c) for c in SKEWED_EM])
    )
    weights = np.array(list(SKEWED_EM.values()), dtype=float)
    pick = rng.choice(len(weights), size=len(rows), p=weights / weights.sum())
    out = line_code.copy()
    out[rows] = np.array([codes.index(c) for c in SKEWED_EM])[pick]
    return out


def add_ons(rng, visit: np.ndarray, line_code: np.ndarray, codes: list[str]) -> np.ndarray:
    """Turn the second line of half the visits billing 64483 into 64484, and one line of two
    other physician visits without 64483 into 64484 alone; 97130 (extra cognitive therapy)
    without 97129 that visit becomes 97129."""
    out = line_code.copy()
    extra, first = codes.index("97130"), codes.index("97129")
    has_first = np.isin(visit, visit[out == first])
    out[(out == extra) & ~has_first] = first
    primary, add_on = codes.index("64483"), codes.index("64484")
    if not len(visit):
        return out
    has_primary = np.isin(visit, visit[out == primary])
    chosen = rng.random(int(visit.max()) + 1) < 0.5
    rows = np.flatnonzero(has_primary & (out != primary) & chosen[visit])
    rows = rows[np.unique(visit[rows], return_index=True)[1]]  # one line per visit
    out[rows] = add_on
    starts = np.flatnonzero(np.r_[True, visit[1:] != visit[:-1]])
    alone = starts[~has_primary[starts] & (out[starts] == codes.index("20552"))]
    out[alone[:2]] = add_on
    return out


def episode(lines, n_days: int) -> np.ndarray:
    """Make :data:`EPISODE_VISITS` visits of :data:`EPISODE_PROVIDER` one patient's, twice a
    week from early February (days are business-day numbers); return the episode's visits."""
    visits = np.unique(lines.visit[lines.provider == EPISODE_PROVIDER])[:EPISODE_VISITS]
    days = np.linspace(22, min(n_days - 1, 22 + 2.6 * len(visits)), len(visits)).astype(int)
    patient = lines.n_providers * lines.panel  # a patient of no panel: one past the last
    rank = np.searchsorted(visits, lines.visit)
    mine = np.isin(lines.visit, visits)
    lines.patient = np.where(mine, patient, lines.patient)
    lines.day = np.where(mine, days[np.minimum(rank, len(visits) - 1)], lines.day)
    lines.place = np.where(mine, 0, lines.place)
    return visits


def kx(lines, visits: np.ndarray, line_code: np.ndarray, units: np.ndarray,
       per_unit: np.ndarray, second: np.ndarray, third: np.ndarray, modifiers: list[str]):  # fmt: skip
    """Put KX on the episode's lines from the visit whose running total of full amounts
    (charges / 2.1; the therapy reduction makes the real allowed lower, so this comes at or
    before the real crossing) passes the threshold, except on three later visits."""
    mine = np.flatnonzero(np.isin(lines.visit, visits))
    amount = per_unit[line_code[mine]] / 2.1 * units[mine]
    order = np.argsort(lines.day[mine], kind="stable")
    total = np.cumsum(amount[order])
    crossed = np.flatnonzero(total > THRESHOLD_2025)
    if not len(crossed):
        return second, third
    first_day = lines.day[mine][order][crossed[0]]
    later = np.unique(lines.day[mine][lines.day[mine] > first_day])
    skipped = set(later[[8, 9, -1]].tolist()) if len(later) > 10 else set()
    rows = mine[(lines.day[mine] >= first_day) & ~np.isin(lines.day[mine], list(skipped))]
    slot = second[rows] == 0
    second, third = second.copy(), third.copy()
    second[rows[slot]] = modifiers.index("KX")
    third[rows[~slot]] = modifiers.index("KX")
    return second, third


def ptp_modifiers(rng, visit: np.ndarray, line_code: np.ndarray, codes: list[str],
                  first: np.ndarray, second: np.ndarray, modifiers: list[str]):  # fmt: skip
    """Give the column-two line of most indicator-1 NCCI pairs billed in one visit its
    modifier: 25 first on an E/M, else 59 or XS second; return the two modifier columns."""
    ptp = ncci.load_ptp()
    ptp = ptp[ptp["column_1"].isin(codes) & ptp["column_2"].isin(codes)]
    pairs = {
        (codes.index(a), codes.index(b))
        for a, b, m in zip(ptp["column_1"], ptp["column_2"], ptp["modifier_indicator"],
                           strict=True)
        if m == 1
    }  # fmt: skip
    first, second = first.copy(), second.copy()
    if not len(visit):
        return first, second
    # per visit, the codes it bills as bits; per code, the column-one codes of its pairs
    present = np.zeros(int(visit.max()) + 1, dtype=object)
    present[:] = 0
    np.bitwise_or.at(present, visit, np.array([1 << int(c) for c in line_code], dtype=object))
    column_one = np.zeros(len(codes), dtype=object)
    column_one[:] = 0
    for a, b in pairs:
        column_one[b] |= 1 << a
    paired = (present[visit] & column_one[line_code]) != 0
    modified = paired & (rng.random(len(visit)) < MODIFIED_SHARE)
    if "97012" in codes and "97140" in codes:  # every fifth 97140 billed with 97012: none
        traction, manual = codes.index("97012"), codes.index("97140")
        both = paired & (line_code == manual) & ((present[visit] >> traction) & 1 == 1)
        modified[np.flatnonzero(both)[::5]] = False
    em = np.array([c.startswith("992") for c in codes])[line_code]
    word = np.where(rng.random(len(visit)) < 0.7, modifiers.index("59"), modifiers.index("XS"))
    first[modified & em] = modifiers.index("25")
    second[modified & ~em] = word[modified & ~em]
    return first, second


def cap_units(rng, line_code: np.ndarray, codes: list[str], units: np.ndarray,
              minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Bill no more units than the code's MUE (where it is above 0), with minutes to match."""
    mue = ncci.load_mue().set_index("hcpcs")["mue_units"]
    limit = mue.reindex(codes).fillna(99).to_numpy().astype(np.int64)[line_code]
    rows = np.flatnonzero((limit > 0) & (units > limit))
    units, minutes = units.copy(), minutes.copy()
    units[rows] = limit[rows]
    minutes[rows] = 8 + 15 * (limit[rows] - 1) + rng.integers(0, 15, len(rows))
    return units, minutes


def mue_excess(rng, line_code: np.ndarray, codes: list[str], units: np.ndarray,
               minutes: np.ndarray, spare: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Bill 7 units (100-112 minutes) of 97110 on two lines among ``spare`` (the MUE is 6)."""
    rows = spare[line_code[spare] == codes.index("97110")][:2]
    units, minutes = units.copy(), minutes.copy()
    units[rows] = 7
    minutes[rows] = 100 + rng.integers(0, 13, len(rows))
    return units, minutes
