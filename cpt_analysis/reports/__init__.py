"""Notebooks as reports: each notebook's parameters and their validation, the parameters of a
run, and the runner (papermill, offline HTML, Excel). Sits on top of every concern."""
