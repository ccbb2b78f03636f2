"""Every path the workbook uses, anchored on the project root (never the current directory).

The local store of imported CMS files defaults to ``data/local/`` and can be moved with the
environment variable ``CPT_WORKBOOK_STORE``; tests point it at a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
BENCHMARKS_DIR = PROJECT_ROOT / "benchmarks"

STORE_ENV = "CPT_WORKBOOK_STORE"
SHARED_CMS_ENV = "CPT_WORKBOOK_SHARED_CMS"
CACHE_ENV = "CPT_WORKBOOK_CACHE"


def store_dir() -> Path:
    """Return the folder of the local store (imported CMS files), read from the environment."""
    return Path(os.environ.get(STORE_ENV) or DATA_DIR / "local")


def cache_dir() -> Path:
    """Return the folder of derived caches (rebuilt from installed packages when missing)."""
    return Path(os.environ.get(CACHE_ENV) or DATA_DIR / "local" / "cache")


def shared_cms_dir() -> Path:
    """Return the folder holding the official CMS files used to cross-check shipped figures."""
    return Path(os.environ.get(SHARED_CMS_ENV) or PROJECT_ROOT.parent / "shared" / "cms")


def shipped_table(name: str) -> Path:
    """Return the path of the shipped table ``data/<name>.csv``."""
    return DATA_DIR / f"{name}.csv"
