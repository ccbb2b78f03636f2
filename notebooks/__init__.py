"""The workbook's notebooks, installed as the package data ``cpt_analysis.notebooks``, so that
``cpt-workbook run`` finds them in an installed wheel as in a checkout."""
