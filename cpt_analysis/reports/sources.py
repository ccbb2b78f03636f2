"""What a report's tables come from, for the Excel About sheet: the RVU releases of a year."""

from __future__ import annotations


def rvu_sources(year: int) -> str:
    """Name the shipped RVU releases of ``year`` with their CMS files and start dates (those a
    line of that year is priced with, by its date of service)."""
    from ..reference.loaders import load_rvu_releases

    releases = load_rvu_releases()
    mine = releases[releases["year"] == year]
    named = [f"{r} ({s}, from {f:%Y-%m-%d})" for r, s, f in zip(
        mine["release"], mine["source"], mine["effective_from"], strict=True
    )]  # fmt: skip
    return "CMS physician fee schedule RVU files: " + (
        "; ".join(named) or f"the {year} file imported into the local store"
    )
