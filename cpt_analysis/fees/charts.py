"""Plotly figure builders for the notebooks: a DataFrame in, a ``go.Figure`` out, no I/O.

Every figure has a title, axis titles with units and hover text on every point; traces carry
plain Python lists (NaN becomes None, i.e. an absent bar or a gap) so ``fig.data[i].y`` is easy
to check. Only ``plotly.graph_objects`` is used; nothing random goes into a figure.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..errors import WorkbookError
from ..identifiers import normalize_hcpcs
from ..plotting import BLUE, GREEN, HOVER, ORANGE, RED, layout, plain_values
from .payment import resolve_setting

COMPONENTS = [("work_rvu", "Work", BLUE), ("pe_rvu", "Practice expense", ORANGE)]
COMPONENTS += [("mp_rvu", "Malpractice", GREEN)]
SETTING_LABELS = {"nonfacility": "Non-facility", "facility": "Facility"}
HEAT_LEVELS = [(0.0, "unknown code"), (0.5, "header: not billable"), (1.0, "billable")]
# zmin..zmax = -0.25..1.25 cut in three equal bands, so 0, 0.5 and 1 sit in their middles
HEAT_SCALE = [[0, RED], [1 / 3, RED], [1 / 3, ORANGE], [2 / 3, ORANGE], [2 / 3, GREEN], [1, GREEN]]
STEPS = [
    ("by_work", "work"),
    ("by_pe", "PE"),
    ("by_mp", "MP"),
    ("by_conversion_factor", "conversion factor"),
]


def _first(frame: pd.DataFrame, column: str) -> str:
    return str(frame[column].iloc[0]) if column in frame.columns and len(frame) else ""


def _pe(frame: pd.DataFrame, kind: str) -> pd.Series:
    column = f"pe_rvu_{kind}"
    return frame[column] if column in frame.columns else frame["pe_rvu"]


def _stack(frame: pd.DataFrame, labels: list, kind: str, what: list[str], horizontal=False):
    """Stacked work/PE/MP bars (one per label, legend in that order); ``what`` heads each hover."""
    traces = []
    for column, name, colour in COMPONENTS:
        values = plain_values(_pe(frame, kind) if column == "pe_rvu" else frame[column])
        hover = [
            f"{w}<br>{name}: {'n/a' if v is None else f'{v:.2f}'} RVU"
            for w, v in zip(what, values, strict=True)
        ]
        axes = {"y": labels, "x": values} if horizontal else {"x": labels, "y": values}
        traces.append(
            go.Bar(
                name=name,
                **axes,
                orientation="h" if horizontal else "v",
                marker_color=colour,
                hovertext=hover,
                hovertemplate=HOVER,
            )
        )
    return traces


def _totals(frame: pd.DataFrame, kind: str) -> list[float]:
    return list((frame["work_rvu"] + _pe(frame, kind) + frame["mp_rvu"]).round(4))


def rvu_components(rvus: pd.DataFrame, setting: str = "nonfacility") -> go.Figure:
    """Return stacked bars of work, PE (of ``setting``) and MP RVUs per modifier row.

    ``rvus`` is a code card's ``.rvus`` (RVU rows of one code and year); x is ``global``, ``26``,
    ``TC``. Raises WorkbookError for a bad setting.
    """
    kind = resolve_setting(setting)[0]
    code, year = _first(rvus, "hcpcs"), _first(rvus, "year")
    labels = ["global" if m == "" else str(m) for m in rvus["modifier"].fillna("")]
    na = rvus.get(f"pe_na_{kind}", pd.Series(False, index=rvus.index)).astype(bool)
    what = [
        f"{code} {label}: {total:.2f} RVU in all" + (f" (NA: not paid {kind})" if no else "")
        for label, total, no in zip(labels, _totals(rvus, kind), na, strict=True)
    ]
    fig = go.Figure(_stack(rvus, labels, kind, what))
    title = f"RVU components of {code} in {year}, {SETTING_LABELS[kind].lower()} setting"
    fig = layout(fig, title, "Modifier row", "RVU", barmode="stack")
    return fig.update_xaxes(type="category")


def rvu_history(history: pd.DataFrame, setting: str = "nonfacility", code: str = "") -> go.Figure:
    """Return stacked work/PE/MP bars per year from a code card's ``.history`` table.

    ``code`` only goes into the title (the history table has no code column). Raises
    WorkbookError for a bad setting.
    """
    kind = resolve_setting(setting)[0]
    years = [int(y) for y in history["year"]]
    what = [
        f"{row.year} ({row.release}, status {row.status}): {total:.2f} RVU in all, "
        f"conversion factor {row.conversion_factor:.4f} dollars per RVU"
        for row, total in zip(history.itertuples(), _totals(history, kind), strict=True)
    ]
    fig = go.Figure(_stack(history, years, kind, what))
    title = f"RVUs of {code} by year" if code else "RVUs by year"
    title += f", {SETTING_LABELS[kind].lower()} setting"
    fig = layout(fig, title, "Year", "RVU", barmode="stack")
    fig.update_xaxes(type="category")
    return fig


def payment_comparison(prices: pd.DataFrame, code: str = "") -> go.Figure:
    """Return grouped bars of the amount per setting, grouped by locality, then modifier row.

    ``prices`` is a code card's ``.prices``. x is two-level (locality, modifier row); one bar
    trace per setting; an unpaid amount is an absent bar (None), and a "Not paid" marker at 0
    carries the reasons in its hover text. ``code`` only goes into the title.
    """
    frame = prices.reset_index(drop=True)
    places = ["National" if p == "national" else str(p) for p in frame["locality_id"]]
    mods = ["global" if m == "" else str(m) for m in frame["modifier"].fillna("")]
    frame = frame.assign(place=places, mod=mods)
    keys = list(dict.fromkeys(zip(frame["place"], frame["mod"], strict=True)))
    x = [[k[0] for k in keys], [k[1] for k in keys]]
    traces = []
    for kind in [k for k in SETTING_LABELS if k in set(frame["setting"])]:
        part = frame[frame["setting"] == kind].set_index(["place", "mod"]).reindex(keys)
        hover = [
            f"{name} {mod}, {SETTING_LABELS[kind].lower()}: "
            + (f"{amount:.2f} US dollars" if pd.notna(amount) else "no amount")
            + ("" if reason == "paid" else f" ({reason})")
            for (_, mod), name, amount, reason in zip(
                keys, part["locality_name"], part["amount"], part["reason"], strict=True
            )
        ]
        traces.append(
            go.Bar(
                name=SETTING_LABELS[kind],
                x=x,
                y=plain_values(part["amount"]),
                hovertext=hover,
                hovertemplate=HOVER,
            )
        )
    unpaid = frame[frame["amount"].isna()]
    if not unpaid.empty:
        notes = unpaid.groupby(["place", "mod"], sort=False)
        where = list(notes.groups)
        traces.append(
            go.Scatter(
                name="Not paid",
                x=[[k[0] for k in where], [k[1] for k in where]],
                y=[0.0] * len(where),
                mode="markers",
                marker={"symbol": "x", "color": "#7f7f7f", "size": 10},
                hovertext=[
                    "<br>".join(
                        f"{SETTING_LABELS[s]}: not paid ({r})"
                        for s, r in zip(g["setting"], g["reason"], strict=True)
                    )
                    for _, g in notes
                ],
                hovertemplate=HOVER,
            )
        )
    title = "Medicare payment" + (f" for {code}" if code else "") + " by locality and setting"
    return layout(
        go.Figure(traces), title, "Locality and modifier row", "US dollars", barmode="group"
    )


def codes_side_by_side(frame: pd.DataFrame, horizontal: bool = False) -> go.Figure:
    """Return stacked work/PE/MP bars per code from :func:`explorer.side_by_side` (its
    ``attrs`` give the year and setting for the title); ``horizontal`` puts codes on the y
    axis, first code on top."""
    kind = frame.attrs.get("setting", "nonfacility")
    codes = [str(c) for c in frame["code"]]
    what = [
        f"{code} {name}: {total:.2f} RVU in all, "
        + (f"{amount:.2f} US dollars" if pd.notna(amount) else f"no amount ({reason})")
        for code, name, total, amount, reason in zip(
            codes, frame["name"], frame["total_rvu"], frame["amount"], frame["reason"], strict=True
        )
    ]
    fig = go.Figure(_stack(frame, codes, kind, what, horizontal=horizontal))
    year = frame.attrs.get("year")
    title = "RVUs side by side" + (f", {year}" if year else "")
    title += f", {SETTING_LABELS[kind].lower()} setting"
    if horizontal:
        fig = layout(fig, title, "RVU", "CPT/HCPCS code", barmode="stack")
        fig.update_layout(legend_traceorder="normal")
        fig.update_yaxes(type="category", autorange="reversed")
        return fig
    fig = layout(fig, title, "CPT/HCPCS code", "RVU", barmode="stack")
    fig.update_xaxes(type="category")
    return fig


def trend_lines(trends: pd.DataFrame) -> go.Figure:
    """Return one line with markers per code: the national amount per year (a gap where a
    year has no amount) from :func:`explorer.trends`."""
    traces = []
    for code, part in trends.groupby("code", sort=False):
        hover = [
            f"{code} in {int(y)}: "
            + (f"{a:.2f} US dollars" if pd.notna(a) else f"no amount ({r})")
            + f"<br>{t:.2f} RVU x {cf:.4f} dollars per RVU"
            for y, a, r, t, cf in zip(
                part["year"],
                part["amount"],
                part.get("reason", pd.Series("not paid", index=part.index)),
                part["total_rvu"],
                part["conversion_factor"],
                strict=True,
            )
        ]
        traces.append(
            go.Scatter(
                name=str(code),
                x=[int(y) for y in part["year"]],
                y=plain_values(part["amount"]),
                mode="lines+markers",
                connectgaps=False,
                hovertext=hover,
                hovertemplate=HOVER,
            )
        )
    fig = layout(go.Figure(traces), "National Medicare payment per year", "Year", "US dollars")
    fig.update_xaxes(dtick=1)
    return fig


def _step_text(value: float, measure: str) -> str:
    """An amount's label, a step's signed change; none on a step of no cent, so seven years of
    five bars each stay readable."""
    if measure != "relative":
        return f"{value:.2f}"
    return f"{value:+.2f}" if abs(value) >= 0.005 else ""


def change_waterfall(explained: pd.DataFrame, code: str) -> go.Figure:
    """Return a waterfall of one code's amount over the years from :func:`explorer.explain_changes`:
    the first amount, then per year the work, PE, MP and conversion-factor effects (and any
    rounding cent), and that year's amount; a step that moves no cent has no label.

    Raises WorkbookError when the code is not in ``explained`` or has no amount in any pair of
    years; pairs without an amount are left out and the next amount starts afresh.
    """
    code = normalize_hcpcs(code)
    rows = explained[explained["code"] == code]
    if rows.empty:
        raise WorkbookError(
            f"{code} is not in the explained changes", "pass it to explorer.explain_changes first"
        )
    rows = rows[rows["change"].notna()]
    if rows.empty:
        raise WorkbookError(
            f"{code} has no fee-schedule amount to follow in these years",
            "see the explanation column of explain_changes for why",
        )
    x, y, measure, hover = [], [], [], []
    last = None
    for row in rows.itertuples():
        if last != row.year_from:
            x.append(f"{row.year_from} amount")
            y.append(float(row.amount_from))
            measure.append("absolute")
            hover.append(f"{code} in {row.year_from}: {row.amount_from:.2f} US dollars")
        steps = STEPS + ([("rounding", "rounding")] if row.rounding else [])
        for column, label in steps:
            value = float(getattr(row, column))
            x.append(f"{row.year_to} {label}")
            y.append(value)
            measure.append("relative")
            hover.append(f"{row.year_from} -> {row.year_to}, {label}: {value:+.2f} US dollars")
        x.append(f"{row.year_to} amount")
        y.append(float(row.amount_to))
        measure.append("total")
        hover.append(
            f"{code} in {row.year_to}: {row.amount_to:.2f} US dollars<br>"
            + row.explanation.replace("; ", "<br>")
        )
        last = row.year_to
    trace = go.Waterfall(
        name=code,
        x=x,
        y=y,
        measure=measure,
        text=[_step_text(v, m) for v, m in zip(y, measure, strict=True)],
        textposition="outside",
        hovertext=hover,
        hovertemplate=HOVER,
    )
    title = f"Why the national payment for {code} moved, {rows['year_from'].min()}-{last}"
    return layout(go.Figure(trace), title, "Year and effect", "US dollars", showlegend=False)


def pairing_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Return a heatmap of :func:`pairings.pairing_matrix` (CPT rows, ICD-10-CM columns) in
    three colours: billable, header (not billable), unknown code; blank where not paired.

    Raises WorkbookError for an empty matrix.
    """
    if matrix.empty:
        raise WorkbookError("no pairings to draw", "pick codes that have typical diagnoses")
    words = dict(HEAT_LEVELS)
    z = [plain_values(matrix.loc[cpt]) for cpt in matrix.index]
    hover = [
        [
            f"{cpt} with {icd}: " + ("not paired" if v is None else words.get(v, str(v)))
            for icd, v in zip(matrix.columns, row, strict=True)
        ]
        for cpt, row in zip(matrix.index, z, strict=True)
    ]
    trace = go.Heatmap(
        z=z,
        x=[str(c) for c in matrix.columns],
        y=[str(c) for c in matrix.index],
        zmin=-0.25,
        zmax=1.25,
        colorscale=HEAT_SCALE,
        colorbar={
            "title": {"text": "ICD-10-CM verdict"},
            "tickvals": [v for v, _ in HEAT_LEVELS],
            "ticktext": [w for _, w in HEAT_LEVELS],
        },
        xgap=1,
        ygap=1,
        hoverongaps=False,
        text=hover,
        hovertemplate="%{text}<extra></extra>",
    )
    title = "Typical diagnoses by procedure (guidance, not coverage rules)"
    fig = layout(go.Figure(trace), title, "ICD-10-CM code", "CPT/HCPCS code")
    fig.update_layout(plot_bgcolor="white")
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig
