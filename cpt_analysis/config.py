"""Every path the workbook uses, never read from the current directory except where said.

The shipped tables and notebooks are package data (``cpt_analysis.data``,
``cpt_analysis.notebooks``) found through ``importlib.resources``: in a project checkout
(installed editable) they are its top-level ``data/`` and ``notebooks/`` folders, in an installed
wheel the copies inside the package.

What a user makes goes where the user can write:

- the local store of imported CMS files: ``$CPT_WORKBOOK_STORE`` when set, else ``data/local/``
  of a checkout, else the per-user data folder (``~/.local/share/cpt-workbook`` on Linux);
- derived caches: ``$CPT_WORKBOOK_CACHE`` when set, else ``data/local/cache/`` of a checkout,
  else the per-user cache folder (``~/.cache/cpt-workbook`` on Linux);
- reports: ``reports/`` of a checkout, else ``reports/`` in the folder the command started in.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "cpt-workbook"

DATA_DIR = Path(resources.files("cpt_analysis.data")).resolve()
NOTEBOOKS_DIR = Path(resources.files("cpt_analysis.notebooks")).resolve()
# a checkout maps its top-level data/ into the package; an installed wheel holds data/ inside it
PROJECT_ROOT = DATA_DIR.parent if (DATA_DIR.parent / "pyproject.toml").is_file() else None
REPORTS_DIR = (PROJECT_ROOT or Path.cwd()) / "reports"

STORE_ENV = "CPT_WORKBOOK_STORE"
SHARED_CMS_ENV = "CPT_WORKBOOK_SHARED_CMS"
CACHE_ENV = "CPT_WORKBOOK_CACHE"


def store_dir() -> Path:
    """Return the folder of the local store (imported CMS files), read from the environment."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    if PROJECT_ROOT:
        return DATA_DIR / "local"
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Return the folder of derived caches (rebuilt from installed packages when missing)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if PROJECT_ROOT:
        return DATA_DIR / "local" / "cache"
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def shared_cms_dir() -> Path:
    """Return the folder holding the official CMS files used to cross-check shipped figures:
    ``shared/cms`` beside the checkout (or beside the current folder outside one)."""
    beside = (PROJECT_ROOT or Path.cwd()).parent
    return Path(os.environ.get(SHARED_CMS_ENV) or beside / "shared" / "cms")


def shipped_table(name: str) -> Path:
    """Return the path of the shipped table ``<name>.csv``."""
    return DATA_DIR / f"{name}.csv"
