"""Plotly figures of the training tour: a :class:`training.Tour` in, a ``go.Figure`` out (or None
when the figure's part is not in the tour), no I/O. Traces hold plain lists, so tests read
``fig.data[i].y``; the payment bars reuse :mod:`charts`. No hover shows an exercise's answer."""

from __future__ import annotations

import plotly.graph_objects as go

from ..fees import charts
from ..fees.payment import Price
from ..fees.timed_units import units_for_minutes
from ..plotting import BLUE, GREEN, HOVER, ORANGE, RED, layout
from .tour import SETTINGS_CODE, THERAPY, WORKED_CODE, Tour


def rvu_parts(tour: Tour) -> go.Figure | None:
    """Return stacked work/PE/MP bars (non-facility PE) of the therapy codes in the tour's year,
    or None when the RVU part is not in the tour. The hover shows each part, not the total: the
    exercises ask for it."""
    if not tour.shows("rvus"):
        return None
    rows = tour.rvus.loc[THERAPY]
    fig = go.Figure()
    for column, name, colour in charts.COMPONENTS:
        values = rows[column if column != "pe_rvu" else "pe_rvu_nonfacility"].tolist()
        fig.add_trace(
            go.Bar(
                name=name,
                x=THERAPY,
                y=[float(v) for v in values],
                marker_color=colour,
                hovertext=[
                    f"{c} {name.lower()}: {v:.2f} RVU" for c, v in zip(THERAPY, values, strict=True)
                ],
                hovertemplate=HOVER,
            )
        )
    title = f"The three RVU parts of four therapy codes, {tour.year}, non-facility"
    fig = layout(fig, title, "CPT code", "RVU", barmode="stack")
    return fig.update_xaxes(type="category")


def formula_steps(price: Price) -> go.Figure:
    """Return a waterfall of one amount: work RVU x work GPCI x conversion factor, then the PE
    and MP parts, then the amount rounded to cents (an absolute bar)."""
    cf = price.conversion_factor
    parts = [
        ("Work", price.work_rvu, price.gpci_work),
        ("Practice expense", price.pe_rvu, price.gpci_pe),
        ("Malpractice", price.mp_rvu, price.gpci_mp),
    ]
    y = [rvu * gpci * cf for _, rvu, gpci in parts]
    hover = [
        f"{name}: {rvu:.2f} RVU × GPCI {gpci:g} × {cf:.4f} dollars per RVU = {v:.4f} US dollars"
        for (name, rvu, gpci), v in zip(parts, y, strict=True)
    ]
    amount = float(price.amount or 0.0)
    fig = go.Figure(
        go.Waterfall(
            name=price.code,
            x=[name for name, _, _ in parts] + ["Amount (rounded to cents)"],
            y=y + [amount],
            measure=["relative"] * 3 + ["absolute"],
            text=[f"+{v:.2f}" for v in y] + [f"{amount:.2f}"],
            textposition="outside",
            hovertext=hover + [f"{price.code}: {amount:.2f} US dollars, {price.reason}"],
            hovertemplate=HOVER,
            increasing={"marker": {"color": BLUE}},
            totals={"marker": {"color": GREEN}},
        )
    )
    where = "national" if price.locality_id == "national" else price.locality_id
    title = f"How Medicare prices {price.code} in {price.year}: {where}, {price.setting}"
    return layout(fig, title, "Part of the formula", "US dollars", showlegend=False)


def payment_steps(tour: Tour) -> go.Figure | None:
    """Return :func:`formula_steps` of the worked code in the tour's place (non-facility), or
    None when the payment part is not in the tour."""
    return formula_steps(tour.price(WORKED_CODE)) if tour.shows("payment") else None


def settings(tour: Tour) -> go.Figure | None:
    """Return the settings code's amounts, national and in the locality, facility and
    non-facility (:func:`charts.payment_comparison`), or None when the payment part is not in
    the tour."""
    if not tour.shows("payment"):
        return None
    return charts.payment_comparison(tour.settings_prices(), code=SETTINGS_CODE)


def units_by_minutes(tour: Tour, upto: int = 90) -> go.Figure | None:
    """Return the units billed against the minutes, 0 to ``upto``: a step line for the total
    timed minutes of a visit (8-minute rule) and a flat line for an untimed code (one unit per
    session), or None when the timed part is not in the tour."""
    if not tour.shows("timed"):
        return None
    minutes = list(range(upto + 1))
    timed = [int(u) for u in units_for_minutes(minutes)]
    untimed = [0] + [1] * upto
    fig = go.Figure()
    for name, units, colour, dash in (
        ("Timed codes: total timed minutes of the visit", timed, BLUE, "solid"),
        ("Untimed code such as 97012: one unit per session", untimed, ORANGE, "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                name=name,
                x=minutes,
                y=units,
                mode="lines",
                line={"shape": "hv", "color": colour, "dash": dash},
                hovertext=[
                    f"{m} minutes: {u} unit(s)" for m, u in zip(minutes, units, strict=True)
                ],
                hovertemplate=HOVER,
            )
        )
    for start in range(8, upto + 1, 15):
        fig.add_vline(x=start, line={"color": RED, "width": 1, "dash": "dot"})
    title = "The 8-minute rule: units by minutes (dotted lines: 8, 23, 38... minutes)"
    fig = layout(fig, title, "Minutes", "Units billed", legend={"orientation": "h", "y": -0.2})
    return fig.update_yaxes(dtick=1)
