"""E/M level distribution: how a practice's office visits spread over the levels, per provider
and practice-wide, and the providers whose spread differs markedly from the rest of the practice.

Office and outpatient visits come in two families: new patients (99202-99205, levels 2 to 5) and
established patients (99211-99215, levels 1 to 5). Each E/M line counts once. A provider differs
markedly when, in a family where the provider has at least :data:`MIN_LINES` lines, the shares
of the levels are at least :data:`MIN_DISTANCE` percentage points apart from those of the rest
of the practice (the distance is half the sum of the absolute differences of the shares: the
share of visits that would have to move level to match). No national benchmark ships with the
workbook (none is freely available here); :func:`load_benchmark` reads one a user has.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import WorkbookError
from ..plotting import HOVER, layout, plain_values
from ..presentation import register_many
from ..validation import register

NEW = {"99202": 2, "99203": 3, "99204": 4, "99205": 5}
ESTABLISHED = {"99211": 1, "99212": 2, "99213": 3, "99214": 4, "99215": 5}
FAMILIES = {"new patient": NEW, "established patient": ESTABLISHED}
LEVEL = {**NEW, **ESTABLISHED}
PRACTICE = "whole practice"
MIN_LINES = 20
MIN_DISTANCE = 30.0  # percentage points
DIST_COLUMNS = ["provider", "family", "code", "level", "lines", "share_percent"]

register_many(
    {
        "share_percent": ("% of the provider's visits", "percent", "of the family's visits"),
        "level": ("E/M level", "count"),
        "mean_level": ("Mean level", "number"),
        "rest_mean_level": ("Mean level, rest of the practice", "number"),
        "distance": (
            "Distance (points)",
            "number",
            "share of the provider's visits that would have to change level to match the rest "
            "of the practice",
        ),
        "differs": ("Differs markedly", "flag"),
        "practice_share": ("Practice %", "percent"),
        "benchmark_share": ("Benchmark %", "percent"),
        "share_difference": ("Difference (points)", "number"),
    }
)


def _family(code: str) -> str:
    return "new patient" if code in NEW else "established patient"


def distribution(lines: pd.DataFrame) -> pd.DataFrame:
    """Return the share of each office-visit level per provider and for the whole practice
    (provider :data:`PRACTICE`): provider, family, code, level, lines, share_percent (of the
    provider's lines of that family; every level listed, 0 where none). Empty without E/M."""
    codes = lines["cpt"].astype("str")
    em = lines.loc[codes.isin(LEVEL), ["provider", "cpt"]].astype("str")
    if em.empty:
        return pd.DataFrame(columns=DIST_COLUMNS)
    counts = em.groupby(["provider", "cpt"]).size()
    practice = em.groupby("cpt").size()
    rows = []
    providers = sorted(set(em["provider"]))
    for who in [*providers, PRACTICE]:
        mine = practice if who == PRACTICE else counts.loc[who]
        for family, levels in FAMILIES.items():
            total = int(sum(int(mine.get(c, 0)) for c in levels))
            if total == 0:
                continue
            for code, level in levels.items():
                n = int(mine.get(code, 0))
                rows.append((who, family, code, level, n, round(100.0 * n / total, 1)))
    return pd.DataFrame(rows, columns=DIST_COLUMNS)


def _shares(counts: pd.Series, levels: dict) -> np.ndarray:
    values = np.array([float(counts.get(c, 0)) for c in levels])
    return 100.0 * values / values.sum() if values.sum() else values


def outliers(lines: pd.DataFrame, min_lines: int = MIN_LINES, min_distance: float = MIN_DISTANCE):
    """Return per provider and family: lines, mean_level, rest_mean_level (the rest of the
    practice), distance (percentage points, see the module) and differs (True where the
    provider has ``min_lines`` or more lines and a distance of ``min_distance`` or more),
    sorted with the largest distance first."""
    codes = lines["cpt"].astype("str")
    em = lines.loc[codes.isin(LEVEL), ["provider", "cpt"]].astype("str")
    columns = ["provider", "family", "lines", "mean_level", "rest_mean_level", "distance",
               "differs"]  # fmt: skip
    rows = []
    for family, levels in FAMILIES.items():
        fam = em[em["cpt"].isin(levels)]
        for who, mine in fam.groupby("provider"):
            rest = fam[fam["provider"] != who]
            if rest.empty:
                continue
            own = mine["cpt"].value_counts()
            other = rest["cpt"].value_counts()
            distance = 0.5 * np.abs(_shares(own, levels) - _shares(other, levels)).sum()
            rows.append((
                who, family, len(mine), round(mine["cpt"].map(levels).mean(), 2),
                round(rest["cpt"].map(levels).mean(), 2), round(float(distance), 1),
                bool(len(mine) >= min_lines and distance >= min_distance),
            ))  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["distance", "provider"], ascending=[False, True]).reset_index(drop=True)


def load_benchmark(path: str | Path) -> pd.DataFrame:
    """Read a benchmark of E/M level shares a user has (CSV with columns ``code`` and
    ``share``, percent of its family's visits; other columns ignored); return code, family,
    level, share. Raises WorkbookError (one line) for a missing file, a folder, missing
    columns, a code that is not an office visit, a share outside 0-100, or a family whose
    shares do not add up to 100 (within 1)."""
    path = Path(str(path)).expanduser()
    if path.is_dir():
        raise WorkbookError(f"benchmark {path} is a folder", "give a CSV file")
    if not path.is_file():
        raise WorkbookError(f"benchmark {path} is not a file", "check the path")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise WorkbookError(f"benchmark {path} cannot be read as CSV ({exc})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not {"code", "share"} <= set(frame.columns):
        raise WorkbookError(
            f"benchmark {path} needs the columns code and share (has {', '.join(frame.columns)})",
            "write one row per E/M code: code,share",
        )
    code = frame["code"].str.strip()
    bad = sorted(set(code) - set(LEVEL))
    if bad:
        raise WorkbookError(
            f"benchmark {path}: {bad[0]} is not an office visit code",
            "use 99202-99205 and 99211-99215",
        )
    share = pd.to_numeric(frame["share"].str.strip().str.rstrip("%"), errors="coerce")
    if share.isna().any() or ((share < 0) | (share > 100)).any():
        raise WorkbookError(f"benchmark {path}: every share must be a percent from 0 to 100")
    out = pd.DataFrame({"code": code, "family": code.map(_family), "level": code.map(LEVEL),
                        "share": share.astype(float)})  # fmt: skip
    for family, total in out.groupby("family")["share"].sum().items():
        if abs(total - 100) > 1:
            raise WorkbookError(
                f"benchmark {path}: the {family} shares add up to {total:g}, not 100",
                "give each family's shares in percent",
            )
    return out.reset_index(drop=True)


def compare(dist: pd.DataFrame, benchmark: pd.DataFrame) -> pd.DataFrame:
    """Return the practice's shares next to a benchmark's: family, code, level,
    practice_share, benchmark_share, share_difference (percentage points)."""
    mine = dist[dist["provider"] == PRACTICE].set_index("code")["share_percent"]
    out = benchmark[["family", "code", "level"]].copy()
    out["practice_share"] = mine.reindex(out["code"]).to_numpy()
    out["benchmark_share"] = benchmark["share"].to_numpy()
    out["share_difference"] = (out["practice_share"] - out["benchmark_share"]).round(1)
    return out


def chart(dist: pd.DataFrame, family: str = "established patient") -> go.Figure:
    """Return stacked horizontal bars: each provider's (and the practice's) shares of the
    levels of ``family``."""
    rows = dist[dist["family"] == family]
    fig = go.Figure()
    order = [p for p in rows["provider"].drop_duplicates() if p != PRACTICE] + [PRACTICE]
    for code in FAMILIES[family]:
        mine = rows[rows["code"] == code].set_index("provider").reindex(order)
        fig.add_trace(
            go.Bar(
                x=plain_values(mine["share_percent"]),
                y=order,
                orientation="h",
                name=code,
                hovertext=[
                    f"{p}: {code} {s:.1f}% ({int(n)} lines)" if pd.notna(s) else f"{p}: none"
                    for p, s, n in zip(
                        order, mine["share_percent"], mine["lines"].fillna(0), strict=True
                    )
                ],
                hovertemplate=HOVER,
            )
        )
    title = f"E/M levels, {family} office visits: share of each level"
    return layout(fig, title, "Share of the provider's visits (%)", "Provider", barmode="stack")


def em_lines(path: str | Path | None = None, year: int = 2025) -> pd.DataFrame:
    """Return the accepted lines of ``year`` of an encounter export (default: the shipped
    sample); raises WorkbookError when none of them is an office visit."""
    from .intake import read_encounters
    from .report import SAMPLE

    source = path or SAMPLE
    lines = read_encounters(source).accepted
    lines = lines[lines["date_of_service"].dt.year == int(year)]
    if not lines["cpt"].astype("str").isin(LEVEL).any():
        raise WorkbookError(
            f"no office visit (E/M) lines of {year} in {Path(source).name}",
            "check the year and the file",
        )
    return lines


@register("em_benchmark_path")
def _benchmark_path(value: object) -> str:
    """Notebook 08's benchmark file: empty for none, else a readable benchmark (checked now)."""
    text = str(value or "").strip()
    if text:
        load_benchmark(text)
        return str(Path(text).expanduser().resolve())
    return ""


@register("em_min_lines")
def _min_lines(value: object) -> int:
    """The fewest E/M lines of a family for a provider to be compared: a whole number 1-10,000."""
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 10_000:
        raise WorkbookError(f"'{value}' is not a number of lines", "give a whole number 1-10000")
    return number


@register("em_min_distance")
def _min_distance(value: object) -> float:
    """How far apart (percentage points, 0-100) a provider's levels must be to differ."""
    try:
        number = float(str(value).strip())
    except ValueError:
        number = -1.0
    if not 0 <= number <= 100:
        raise WorkbookError(
            f"'{value}' is not a distance in percentage points", "give a number from 0 to 100"
        )
    return number
