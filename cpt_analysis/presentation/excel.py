"""Excel sheets that open ready to use: a bold, frozen header row of human labels, an
autofilter, fitting column widths and number formats by column kind; and the "About" sheet
(what the workbook is, its parameters, the data's sources and releases, the date, what the
columns mean). :func:`cpt_analysis.export.write_excel` writes through these, after its
neutralisation; the sheets are openpyxl write-only worksheets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from .registry import column

MAX_WIDTH = 60
MIN_WIDTH = 6
WIDTH_SAMPLE = 500  # rows looked at to size a column
SOURCE_COLUMNS = ("source", "release")
SOURCES = "Data sources and releases"
MADE = "Made on"


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _joined(value: object) -> str:
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "defaults"
    return str(value)


def about_items(
    sheets: dict[str, pd.DataFrame], about: dict, names: list[str] | None = None
) -> list[tuple[str, str]]:
    """Return the About sheet's rows: the ``about`` items in order, then the data's sources and
    releases (the ``source`` and ``release`` values of the sheets, unless ``about`` names
    them), the date made, and a line per sheet (under ``names``, as written) with its rows."""
    items = [(str(k), _joined(v)) for k, v in about.items()]
    given = {k for k, _ in items}
    if SOURCES not in given:
        found: list[str] = []
        for frame in sheets.values():
            for name in SOURCE_COLUMNS:
                if name in frame.columns:
                    found += [str(v) for v in frame[name].dropna().unique()]
        items.append((SOURCES, "; ".join(dict.fromkeys(found)) or "see each sheet"))
    if MADE not in given:
        items.append((MADE, dt.datetime.now().strftime("%Y-%m-%d %H:%M")))
    for name, frame in zip(names or list(sheets), sheets.values(), strict=True):
        items.append((f"Sheet {name}", f"{len(frame):,} row{'' if len(frame) == 1 else 's'}"))
    return items


def _bold(ws, value: str, fill: bool = True):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.font = Font(bold=True)
    if fill:
        cell.fill = PatternFill("solid", fgColor="DDE5EE")
    return cell


def _text(ws, value: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # text, never a formula or an error value such as #N/A
    return cell


def about_sheet(ws, items: list[tuple[str, str]], notes: dict[str, str] | None = None) -> None:
    """Fill the About sheet: a bold title, then one row per item; then what the columns with
    a note mean. Values are written as text, never as formulas."""
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 100
    ws.append([_bold(ws, "About this workbook", fill=False)])
    for key, value in items:
        ws.append([_bold(ws, _safe(key), fill=False), _text(ws, _safe(value))])
    if notes:
        ws.append([])
        ws.append([_bold(ws, "Column"), _bold(ws, "What it means")])
        for label, note in notes.items():
            ws.append([_text(ws, _safe(label)), _text(ws, _safe(note))])


def _safe(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def column_notes(sheets: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Return {label: meaning} of the columns of ``sheets`` that carry a note."""
    notes = {}
    for frame in sheets.values():
        for name in frame.columns:
            spec = column(name)
            if spec.note:
                notes[spec.label] = spec.note
    return notes


def data_sheet(ws, frame: pd.DataFrame, safe: pd.DataFrame, cell_value: Callable) -> None:
    """Write one table: labels and formats from ``frame``'s column names and dtypes, values
    from ``safe`` (the neutralised frame) converted by ``cell_value``."""
    from openpyxl.cell import WriteOnlyCell

    specs = [column(name, frame.iloc[:, i]) for i, name in enumerate(frame.columns)]
    width = len(specs)
    sample = safe.head(WIDTH_SAMPLE)
    for i, spec in enumerate(specs, start=1):
        texts = [spec.text(v) for v in sample.iloc[:, i - 1].astype(object)]
        longest = max([len(spec.label), *map(len, texts)])
        ws.column_dimensions[_letter(i)].width = max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))
    if width:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{_letter(width)}{len(frame) + 1}"
    ws.append([_bold(ws, _safe(spec.label)) for spec in specs])
    formats = [spec.excel_format if spec.numeric or spec.kind == "date" else None for spec in specs]
    columns = [safe.iloc[:, i].astype(object).to_numpy() for i in range(width)]
    for row in zip(*columns, strict=True):
        cells = []
        for spec, fmt, raw in zip(specs, formats, row, strict=True):
            value = cell_value(spec.cell(raw))
            if isinstance(value, str):
                cells.append(_text(ws, value))
            elif fmt and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
