"""The shipped tables, installed as the package data ``cpt_analysis.data`` (see README.md).

The local store (``local/``, ignored by git) is never packaged.
"""
