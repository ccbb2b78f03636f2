"""How result tables read to a person: human column labels, money as dollars, RVUs to two
decimals, flags in words, no row index; the same tables in the notebooks, the HTML reports and
the Excel workbooks.

* :mod:`.registry`: the labels and kinds of columns, keyed by column name; each concern may
  :func:`register` its own (the workbook's own are in :mod:`.labels`).
* :mod:`.tables`: a table as display text (:func:`shown`), as HTML (:func:`html_table`, long
  tables marked for sorting and searching in the HTML report) and as plain text
  (:func:`text_table`).

CSV exports keep the machine column names (scripts read them); Excel and HTML get the labels.
"""

from __future__ import annotations

from . import labels as labels  # registers the workbook's own columns
from .registry import KINDS, Column, column, label, register, register_many
from .tables import LONG_TABLE, MAX_HTML_ROWS, html_table, shown, text_table

__all__ = [
    "KINDS",
    "LONG_TABLE",
    "MAX_HTML_ROWS",
    "Column",
    "column",
    "html_table",
    "label",
    "register",
    "register_many",
    "shown",
    "text_table",
]
