"""Plotly figure builders for a practice's own work: DataFrames of :mod:`productivity` and
:mod:`audit` in, ``go.Figure`` out, no I/O. Traces hold plain lists so tests read their values."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..plotting import HOVER, layout, plain_values


def wrvu_trend(provider_month: pd.DataFrame) -> go.Figure:
    """Return one line per provider: work RVUs by month of service."""
    fig = go.Figure()
    for provider, rows in provider_month.groupby("provider", observed=True, sort=True):
        rows = rows.sort_values("month")
        months = rows["month"].astype(str).tolist()
        fig.add_trace(
            go.Scatter(
                x=months,
                y=plain_values(rows["wrvus"]),
                mode="lines+markers",
                name=str(provider),
                hovertext=[
                    f"{provider}<br>{m}: {w:,.2f} wRVUs"
                    for m, w in zip(months, rows["wrvus"], strict=True)
                ],
                hovertemplate=HOVER,
            )
        )
    return layout(fig, "Work RVUs per provider per month", "Month of service", "Work RVUs")


def code_mix(by_code: pd.DataFrame, top: int = 15) -> go.Figure:
    """Return horizontal bars of work RVUs by code, the ``top`` codes by wRVUs."""
    rows = by_code.sort_values("wrvus", ascending=False).head(top).iloc[::-1]
    labels = [
        f"{c} {n}" if isinstance(n, str) and n else str(c)
        for c, n in zip(rows["cpt"], rows.get("name", rows["cpt"]), strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=plain_values(rows["wrvus"]),
            y=labels,
            orientation="h",
            name="Work RVUs",
            hovertext=[
                f"{lab}: {w:,.2f} wRVUs over {u:,} units"
                for lab, w, u in zip(labels, rows["wrvus"], rows["units"], strict=True)
            ],
            hovertemplate=HOVER,
        )
    )
    return layout(fig, f"Code mix: top {len(rows)} codes by work RVUs", "Work RVUs", "Code")


def payment_by_month(provider_month: pd.DataFrame) -> go.Figure:
    """Return stacked bars of Medicare payment per month, one colour per provider."""
    fig = go.Figure()
    months = sorted(provider_month["month"].astype(str).unique())
    for provider, rows in provider_month.groupby("provider", observed=True, sort=True):
        by_month = rows.assign(month=rows["month"].astype(str)).set_index("month")["payment"]
        values = by_month.groupby(level=0).sum().reindex(months)
        fig.add_trace(
            go.Bar(
                x=months,
                y=plain_values(values),
                name=str(provider),
                hovertext=[
                    f"{provider}<br>{m}: ${v:,.2f}" if pd.notna(v) else f"{provider}: none"
                    for m, v in zip(months, values, strict=True)
                ],
                hovertemplate=HOVER,
            )
        )
    return layout(
        fig,
        "Medicare payment per month (after the therapy reduction)",
        "Month of service",
        "US dollars",
        barmode="stack",
    )


def audit_findings(summary: pd.DataFrame) -> go.Figure:
    """Return horizontal bars of the number of findings by type (from :func:`audit.summary`)."""
    rows = summary.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=[int(v) for v in rows["findings"]],
            y=rows["finding"].astype(str).tolist(),
            orientation="h",
            name="Findings",
            hovertext=[
                f"{f}: {n:,} findings on {lines:,} lines"
                for f, n, lines in zip(
                    rows["finding"], rows["findings"], rows["lines"], strict=True
                )
            ],
            hovertemplate=HOVER,
        )
    )
    return layout(fig, "Audit findings by type", "Findings", "")
