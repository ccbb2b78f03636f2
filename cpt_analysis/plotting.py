"""What every chart of the workbook shares: its colours, its hover template, plain values for
traces and one layout (title, axis titles with units, hover on the nearest point)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

BLUE, ORANGE, GREEN, RED = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"
HOVER = "%{hovertext}<extra></extra>"


def plain_values(series) -> list:
    """Plain floats with None for missing values (an absent bar or a gap in a line)."""
    return [None if pd.isna(v) else float(v) for v in series]


def layout(fig: go.Figure, title: str, x_title: str, y_title: str, **extra) -> go.Figure:
    """Give ``fig`` its title, axis titles and closest-point hover; return it."""
    fig.update_layout(
        title={"text": title},
        xaxis_title={"text": x_title},
        yaxis_title={"text": y_title},
        hovermode="closest",
        **extra,
    )
    return fig
