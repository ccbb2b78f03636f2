"""Plotly figures of payers against Medicare: tables of :mod:`contracts` and :mod:`fee_builder`
in, ``go.Figure`` out, no I/O. Traces hold plain lists so tests read their values."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..fees.payment import money
from ..plotting import BLUE, GREEN, HOVER, ORANGE, RED, layout, plain_values


def mix_by_payer(by_payer: pd.DataFrame) -> go.Figure:
    """Return one bar per payer: what the practice's mix earns from it as a percent of
    Medicare, with Medicare's 100% drawn across."""
    rows = by_payer.dropna(subset=["pct_of_medicare"]).sort_values("pct_of_medicare")
    fig = go.Figure(
        go.Bar(
            x=rows["payer"].tolist(),
            y=plain_values(rows["pct_of_medicare"]),
            marker_color=BLUE,
            name="% of Medicare",
            hovertext=[
                f"{p}: {pct:.2f}% of Medicare<br>{money(c)} for the units Medicare pays "
                f"{money(m)} for ({cov:.2f}% of the mix)"
                for p, pct, c, m, cov in zip(
                    rows["payer"],
                    rows["pct_of_medicare"],
                    rows["contract_rated"],
                    rows["medicare_rated"],
                    rows["coverage_pct"],
                    strict=True,
                )
            ],  # fmt: skip
            hovertemplate=HOVER,
        )
    )
    fig.add_hline(y=100, line_dash="dash", line_color=RED, annotation_text="Medicare")
    return layout(fig, "The practice's mix under each contract", "Payer", "% of Medicare")


def pct_heatmap(wide: pd.DataFrame) -> go.Figure:
    """Return a heatmap of each payer's percent of Medicare (columns) by code (rows), from
    :func:`contracts.pct_by_code`."""
    payers = [c for c in wide.columns if c not in ("code", "modifier", "medicare")]
    codes = [f"{c}-{m}" if m else c for c, m in zip(wide["code"], wide["modifier"], strict=True)]
    z = [plain_values(wide[p]) for p in payers]
    text = [[f"{p} {c}: " + ("no rate" if v is None else f"{v:.2f}% of Medicare") for c, v in
             zip(codes, row, strict=True)] for p, row in zip(payers, z, strict=True)]  # fmt: skip
    fig = go.Figure(
        go.Heatmap(
            x=codes,
            y=payers,
            z=z,
            colorscale=[[0, ORANGE], [0.5, "#ffffff"], [1, GREEN]],
            zmid=100,
            colorbar={"title": {"text": "% of Medicare"}},
            hovertext=text,
            hovertemplate=HOVER,
        )
    )
    return layout(fig, "Each payer's rate as a percent of Medicare, by code", "Code", "Payer",
                  xaxis={"type": "category"})  # fmt: skip


def left_on_table(gaps: pd.DataFrame | None, top: int = 15) -> go.Figure:
    """Return horizontal bars of the money left on the table per code and payer (at the
    practice's units where known, else per unit), the ``top`` largest."""
    if gaps is None or gaps.empty:
        fig = go.Figure()
        return layout(fig, "No charge is below a payer's allowed amount (or no charges known)",
                      "Dollars", "Code and payer")  # fmt: skip
    value = "gap_at_volume" if "gap_at_volume" in gaps else "gap_per_unit"
    rows = gaps.sort_values(value, ascending=False).head(top).iloc[::-1]
    labels = [f"{c} {p}" for c, p in zip(rows["code"], rows["payer"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=plain_values(rows[value]),
            y=labels,
            orientation="h",
            marker_color=ORANGE,
            name="Left on the table",
            hovertext=[
                f"{lab}: charged {money(ch)}, allowed {money(al)}: {money(g)} a unit never paid"
                for lab, ch, al, g in zip(
                    labels,
                    rows["charge"],
                    rows["allowed_amount"],
                    rows["gap_per_unit"],
                    strict=True,
                )
            ],  # fmt: skip
            hovertemplate=HOVER,
        )
    )
    what = "at the practice's units of the year" if value == "gap_at_volume" else "per unit"
    return layout(fig, f"Charges below a payer's allowed amount: money left on the table {what}",
                  "Dollars", "Code and payer")  # fmt: skip
