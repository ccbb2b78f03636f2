"""A result table as a person reads it: labelled columns, formatted values, no row index.

:func:`html_table` is what notebooks and HTML reports show: a plain, offline HTML table in a
container that scrolls sideways when it is wide; a table of more than :data:`LONG_TABLE` rows
carries the class ``cpt-long``, which the HTML report makes sortable and searchable
(``reports.runner`` adds itables' DataTables bundle, offline).
"""

from __future__ import annotations

import html

import pandas as pd

from .registry import Column, column

LONG_TABLE = 20  # more rows than this: sortable and searchable in the HTML report
MAX_HTML_ROWS = 2000  # beyond this a report shows the first rows and says where the rest are

STYLE = (
    "<style>"
    ".cpt-table-wrap{overflow-x:auto;max-width:100%;margin:0.5em 0}"
    "table.cpt-table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}"
    "table.cpt-table th,table.cpt-table td{padding:3px 8px;border-bottom:1px solid #ddd;"
    "text-align:left!important;vertical-align:top}"
    "table.cpt-table th{background:#f3f5f7;font-weight:600;white-space:normal;min-width:4em}"
    "table.cpt-table .num{text-align:right!important}"
    "table.cpt-table td.num{white-space:nowrap}"
    "table.cpt-table td:not(.num){min-width:7em;max-width:36em}"
    "table.cpt-table tbody tr:nth-child(even){background:#fafbfc}"
    ".cpt-table-note{font-size:12px;color:#555}"
    "</style>"
)


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a meaningful index (named, or not a plain 0..n-1 range) as columns."""
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    if index.nlevels == 1 and index.name is None and (plain or index.dtype.kind in "iu"):
        return frame.reset_index(drop=True)
    return frame.reset_index()


def _columns(frame: pd.DataFrame) -> list[Column]:
    return [column(name, frame.iloc[:, i]) for i, name in enumerate(frame.columns)]


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` as text a person reads: human column labels, money as dollars, RVUs to
    two decimals, flags in words, missing values empty, no row index (a named index becomes a
    column)."""
    flat = _flat(frame)
    specs = _columns(flat)
    data = {
        i: [spec.text(v) for v in flat.iloc[:, i].astype(object)] for i, spec in enumerate(specs)
    }
    out = pd.DataFrame(data, index=range(len(flat)))
    out.columns = [spec.label for spec in specs]
    return out


def text_table(frame: pd.DataFrame) -> str:
    """Return ``frame`` as plain text with its labels and formats, without a row index: two
    spaces between columns, numbers right-aligned, text left-aligned; at most
    :data:`MAX_HTML_ROWS` rows, then a line saying how many there are."""
    flat = _flat(frame)
    specs = _columns(flat)
    if not specs:
        return f"(a table with no columns and {len(flat)} rows)"
    kept = flat.head(MAX_HTML_ROWS)
    cells = [[s.text(v) for v in kept.iloc[:, i].astype(object)] for i, s in enumerate(specs)]
    widths = [max([len(s.label), *map(len, c)]) for s, c in zip(specs, cells, strict=True)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if s.numeric else v.ljust(w)
            for s, v, w in zip(specs, values, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines = [line([s.label for s in specs])]
    lines += [line(list(row)) for row in zip(*cells, strict=True)]
    if len(flat) > MAX_HTML_ROWS:
        lines.append(f"(the first {MAX_HTML_ROWS:,} of {len(flat):,} rows)")
    return "\n".join(lines) + ("\n(no rows)" if flat.empty else "")


def html_table(frame: pd.DataFrame) -> str:
    """Return ``frame`` as an offline HTML table: labelled headers (the column's meaning as a
    tooltip), formatted values, numbers right-aligned, no row index, in a container that
    scrolls sideways; more than :data:`LONG_TABLE` rows carry the class ``cpt-long``."""
    flat = _flat(frame)
    specs = _columns(flat)
    rows = len(flat)
    head = "".join(f"<th{_title(s)}{_num(s)}>{html.escape(s.label)}</th>" for s in specs)
    kept = flat.head(MAX_HTML_ROWS)
    columns = [kept.iloc[:, i].astype(object).tolist() for i in range(kept.shape[1])]
    body = []
    for values in zip(*columns, strict=True):
        cells = "".join(
            f"<td{_num(s)}>{html.escape(s.text(v))}</td>"
            for s, v in zip(specs, values, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    classes = "cpt-table cpt-long" if rows > LONG_TABLE else "cpt-table"
    note = ""
    if rows > MAX_HTML_ROWS:
        note = (
            f'<p class="cpt-table-note">The first {MAX_HTML_ROWS:,} of {rows:,} rows; the '
            "Excel workbook of the report has them all.</p>"
        )
    rows_html = "\n".join(body)  # a row a line: a notebook's diff shows which rows changed
    return (
        f'{STYLE}\n<div class="cpt-table-wrap"><table class="{classes}">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{rows_html}\n</tbody></table></div>{note}"
    )


def _title(spec: Column) -> str:
    return f' title="{html.escape(spec.note)}"' if spec.note else ""


def _num(spec: Column) -> str:
    return ' class="num"' if spec.numeric else ""
