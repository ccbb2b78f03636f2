"""Figure builders, tested as objects: trace values, names, measures, layout and hover text."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees import charts, explorer
from cpt_analysis.fees.card import code_card
from cpt_analysis.fees.pairings import pairing_matrix

COMPONENTS = ["Work", "Practice expense", "Malpractice"]


@pytest.fixture
def card():
    return code_card("72148", year=2025, locality="01112-05")


def _titles(fig):
    return fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def test_rvu_components_of_72148(card):
    fig = charts.rvu_components(card.rvus)
    assert [t.name for t in fig.data] == COMPONENTS
    assert all(t.type == "bar" for t in fig.data)
    assert fig.layout.barmode == "stack"
    assert [t.x for t in fig.data] == [("global", "26", "TC")] * 3
    assert fig.data[0].y == (1.48, 1.48, 0.0)
    assert fig.data[1].y == (4.25, 0.54, 3.71)
    assert fig.data[2].y == (0.09, 0.07, 0.02)
    assert _titles(fig) == (
        "RVU components of 72148 in 2025, non-facility setting",
        "Modifier row",
        "RVU",
    )
    assert fig.data[1].hovertext[0] == "72148 global: 5.82 RVU in all<br>Practice expense: 4.25 RVU"
    facility = charts.rvu_components(card.rvus, setting="facility")
    assert facility.data[0].hovertext[2] == (
        "72148 TC: 3.73 RVU in all (NA: not paid facility)<br>Work: 0.00 RVU"
    )
    assert facility.layout.title.text.endswith("facility setting")


def test_rvu_history_of_72148(card):
    fig = charts.rvu_history(card.history, code="72148")
    assert [t.name for t in fig.data] == COMPONENTS
    assert fig.data[0].x == tuple(range(2020, 2027))
    assert fig.data[0].y == (1.48,) * 6 + (1.44,)
    assert fig.data[1].y == (4.55, 4.64, 4.42, 4.38, 4.32, 4.25, 4.20)
    assert fig.data[2].y == (0.09, 0.07, 0.10, 0.10, 0.10, 0.09, 0.10)
    assert fig.layout.barmode == "stack"
    assert fig.layout.xaxis.type == "category"
    assert _titles(fig) == ("RVUs of 72148 by year, non-facility setting", "Year", "RVU")
    assert fig.data[0].hovertext[6] == (
        "2026 (RVU26C, status A): 5.74 RVU in all, conversion factor 33.4009 dollars per RVU"
        "<br>Work: 1.44 RVU"
    )


def test_payment_comparison_groups_localities_and_leaves_unpaid_bars_out(card):
    fig = charts.payment_comparison(card.prices, code="72148")
    # every row is paid: an NA setting is priced all the same (as CMS's payment files do)
    assert [t.name for t in fig.data] == ["Non-facility", "Facility"]
    assert fig.layout.barmode == "group"
    places = ("National",) * 3 + ("01112-05",) * 3
    mods = ("global", "26", "TC") * 2
    assert tuple(map(tuple, fig.data[0].x)) == (places, mods)
    expected = card.prices.set_index(["locality_id", "setting", "modifier"])["amount"]
    assert fig.data[0].y == (188.26, 67.60, 120.65, 248.45, 77.88, 170.58)
    assert fig.data[0].y[3] == expected[("01112-05", "nonfacility", "")]
    assert fig.data[1].y == (188.26, 67.60, 120.65, 248.45, 77.88, 170.58)
    assert fig.data[1].hovertext[0] == (
        "National (GPCI 1.0) global, facility: 188.26 US dollars (paid; CMS marks the facility "
        "setting NA)"
    )
    assert fig.data[1].hovertext[1] == "National (GPCI 1.0) 26, facility: 67.60 US dollars"
    assert _titles(fig) == (
        "Medicare payment for 72148 by locality and setting",
        "Locality and modifier row",
        "US dollars",
    )


def test_payment_comparison_without_unpaid_rows_has_no_marker_trace():
    prices = code_card("99213", year=2025).prices  # 2.75 and 1.97 RVU x 32.3465
    fig = charts.payment_comparison(prices)
    assert [t.name for t in fig.data] == ["Non-facility", "Facility"]
    assert tuple(map(tuple, fig.data[1].x)) == (("National",), ("global",))
    assert (fig.data[0].y, fig.data[1].y) == ((88.95,), (63.72,))
    assert fig.layout.title.text == "Medicare payment by locality and setting"


def test_codes_side_by_side_vertical_and_horizontal():
    frame = explorer.side_by_side("97012,97110,97010", 2025)
    fig = charts.codes_side_by_side(frame)
    assert [t.name for t in fig.data] == COMPONENTS
    assert fig.data[0].x == ("97012", "97110", "97010")
    assert fig.data[0].y == (0.25, 0.45, 0.06)
    assert fig.data[1].y == (0.18, 0.43, 0.13)
    assert fig.layout.barmode == "stack"
    assert fig.layout.xaxis.type == "category"
    assert _titles(fig) == (
        "RVUs side by side, 2025, non-facility setting",
        "CPT/HCPCS code",
        "RVU",
    )
    assert fig.data[0].hovertext[2] == (
        "97010 Heat or ice pack application: 0.20 RVU in all, no amount (status B: not paid)"
        "<br>Work: 0.06 RVU"
    )
    side = charts.codes_side_by_side(frame, horizontal=True)
    assert side.data[2].orientation == "h"
    assert side.data[2].y == ("97012", "97110", "97010")
    assert side.data[2].x == (0.01, 0.01, 0.01)
    assert side.layout.yaxis.autorange == "reversed"
    assert _titles(side)[1:] == ("RVU", "CPT/HCPCS code")


def test_trend_lines():
    fig = charts.trend_lines(explorer.trends("97012,97010"))
    assert [t.name for t in fig.data] == ["97012", "97010"]
    assert all(t.mode == "lines+markers" for t in fig.data)
    assert fig.data[0].x == tuple(range(2020, 2027))
    assert fig.data[0].y == (15.52, 15.00, 14.53, 14.57, 13.98, 14.23, 14.36)
    assert fig.data[1].y == (None,) * 7
    assert fig.data[0].hovertext[4] == (
        "97012 in 2024: 13.98 US dollars<br>0.42 RVU x 33.2875 dollars per RVU"
    )
    assert fig.data[0].hovertext[6] == (
        "97012 in 2026: 14.36 US dollars<br>0.43 RVU x 33.4009 dollars per RVU"
    )
    assert fig.data[1].hovertext[0].startswith("97010 in 2020: no amount (status B: not paid)")
    assert _titles(fig) == ("National Medicare payment per year", "Year", "US dollars")


def test_change_waterfall_of_97012():
    explained = explorer.explain_changes("97012,97110")
    fig = charts.change_waterfall(explained, "97012")
    (trace,) = fig.data
    assert isinstance(trace, go.Waterfall)
    # six years of four effects and an amount, and a rounding cent into 2021 and into 2025
    year = ("relative",) * 4 + ("total",)
    rounded = ("relative",) * 5 + ("total",)
    assert trace.measure == ("absolute",) + rounded + year * 3 + rounded + year
    assert trace.x[:8] == (
        "2020 amount",
        "2021 work",
        "2021 PE",
        "2021 MP",
        "2021 conversion factor",
        "2021 rounding",
        "2021 amount",
        "2022 work",
    )
    assert trace.x[-1] == "2026 amount"
    assert trace.y[0] == 15.52
    # amounts and steps that move a cent are labelled; the no-change steps are not
    assert trace.text[:7] == ("15.52", "", "", "", "-0.51", "-0.01", "15.00")
    assert trace.y[-5:] == (-0.32, 0.0, 0.0, 0.45, 14.36)
    # the relative steps from the start land on every year's amount
    running = trace.y[0]
    for value, measure in zip(trace.y[1:], trace.measure[1:], strict=True):
        if measure == "relative":
            running += value
        else:
            assert round(running, 2) == value
    assert "efficiency adjustment" in trace.hovertext[-1]
    assert _titles(fig) == (
        "Why the national payment for 97012 moved, 2020-2026",
        "Year and effect",
        "US dollars",
    )


def test_change_waterfall_shows_a_rounding_step_and_restarts_after_a_gap():
    explained = explorer.explain_changes("97012", years=[2020, 2021])
    trace = charts.change_waterfall(explained, "97012").data[0]
    assert trace.x[-2:] == ("2021 rounding", "2021 amount")
    assert trace.y == (15.52, 0.0, 0.0, 0.0, -0.51, -0.01, 15.00)
    gap = pd.concat(
        [
            explorer.explain_changes("97012", years=[2023, 2024]),
            explorer.explain_changes("97012", years=[2025, 2026]),
        ]
    )
    trace = charts.change_waterfall(gap, "97012").data[0]
    assert trace.measure.count("absolute") == 2
    assert trace.x[6] == "2025 amount" and trace.y[6] == 14.23


def test_change_waterfall_errors():
    explained = explorer.explain_changes("97010,97012", years=[2025, 2026])
    with pytest.raises(WorkbookError) as info:
        charts.change_waterfall(explained, "97010")
    assert str(info.value) == (
        "97010 has no fee-schedule amount to follow in these years: "
        "see the explanation column of explain_changes for why."
    )
    with pytest.raises(WorkbookError) as info:
        charts.change_waterfall(explained, "97110")
    assert str(info.value) == (
        "97110 is not in the explained changes: pass it to explorer.explain_changes first."
    )


def test_pairing_heatmap():
    matrix = pairing_matrix(["97012", "72148"], "2025-06-01")
    fig = charts.pairing_heatmap(matrix)
    (trace,) = fig.data
    assert trace.type == "heatmap"
    assert trace.y == ("97012", "72148")
    assert trace.x == tuple(matrix.columns)
    column = list(trace.x)
    row = trace.z[0]
    assert row[column.index("M54.2")] == 1.0
    assert row[column.index("M54.5")] == 0.5
    assert row[column.index("M51.2")] == 0.5
    assert row[column.index("M54.16")] is None
    assert trace.z[1][column.index("M54.16")] == 1.0
    assert trace.colorbar.tickvals == (0.0, 0.5, 1.0)
    assert trace.colorbar.ticktext == ("unknown code", "header: not billable", "billable")
    # every value sits inside its own colour band of the discrete scale
    scale = [(stop, colour) for stop, colour in trace.colorscale]
    for value, colour in zip((0.0, 0.5, 1.0), ("#d62728", "#ff7f0e", "#2ca02c"), strict=True):
        position = (value - trace.zmin) / (trace.zmax - trace.zmin)
        bands = [c for (a, c), (b, _) in zip(scale, scale[1:], strict=False) if a <= position <= b]
        assert bands == [colour]
    assert trace.text[0][column.index("M54.5")] == "97012 with M54.5: header: not billable"
    assert trace.text[1][column.index("M54.2")] == "72148 with M54.2: not paired"
    assert fig.layout.yaxis.autorange == "reversed"
    assert _titles(fig) == (
        "Typical diagnoses by procedure (guidance, not coverage rules)",
        "ICD-10-CM code",
        "CPT/HCPCS code",
    )
    with pytest.raises(WorkbookError) as info:
        charts.pairing_heatmap(pairing_matrix([]))
    assert str(info.value) == "no pairings to draw: pick codes that have typical diagnoses."


def test_figures_are_deterministic(card):
    def build():
        return [
            charts.rvu_components(card.rvus),
            charts.payment_comparison(card.prices),
            charts.change_waterfall(explorer.explain_changes("97012"), "97012"),
            charts.pairing_heatmap(pairing_matrix(["97012"], "2025-06-01")),
        ]

    first, second = build(), build()
    for a, b in zip(first, second, strict=True):
        assert a.to_json() == b.to_json()
        assert all(t.uid is None for t in a.data)
    assert first[1].data[0].y[0] == 188.26  # 72148 national non-facility, as drawn above
