"""Shared fixtures: the official CMS files in ../shared/cms (skipped where absent) and a
temporary local store so tests never touch a user's data/local."""

from __future__ import annotations

import pytest

from cpt_analysis import config, icd10


@pytest.fixture(scope="session")
def cms_dir():
    """The folder of official CMS files; skips the test where it is absent (a user's clone)."""
    path = config.shared_cms_dir()
    if not (path / "2025" / "PPRRVU2025_Oct.csv").exists():
        pytest.skip(f"official CMS files not found at {path} (they live outside the repository)")
    return path


@pytest.fixture(autouse=True)
def tmp_store(tmp_path, monkeypatch):
    """Point the local store at an empty temporary folder for every test."""
    store = tmp_path / "store"
    monkeypatch.setenv(config.STORE_ENV, str(store))
    icd10._added.cache_clear()
    yield store
    icd10._added.cache_clear()


@pytest.fixture(scope="session")
def seed_path():
    """The founding article about 97012, read from ../shared/seeds (never copied into the
    repository); skips the test where it is absent."""
    path = config.shared_cms_dir().parent / "seeds" / "000_23c12480723c5fac.txt"
    if not path.exists():
        pytest.skip(f"the seed article was not found at {path} (it lives outside the repository)")
    return path
