"""Where a service is priced: the national amount or one Medicare locality, named by MAC-NN id,
ZIP code, state or words of its name; the one definition of "national" used everywhere."""

from __future__ import annotations

import re

import pandas as pd

from ..errors import IMPORT_HINT, MissingGpciError, WorkbookError
from ..reference import places
from ..reference.loaders import gpci_years, load_gpci, rvu_years
from ..validation import register_check

# every way a user may ask for the national amount (all GPCIs 1.0), compared without case
NATIONAL = frozenset({"", "national", "nationwide", "none", "us", "usa", "u.s.", "united states"})


def is_national(locality: object) -> bool:
    """Return True where ``locality`` asks for the national amount: None, blank, ``national``,
    ``US``, ``USA``... in any case (the one definition used everywhere)."""
    return locality is None or str(locality).strip().lower() in NATIONAL


def match_localities(gpci: pd.DataFrame, text: str) -> pd.DataFrame:
    """Return the localities of ``gpci`` that ``text`` names.

    ``text`` is a ZIP code (94110, or a ZIP+4: five digits, as CMS's ZIP file of October 2025
    places it; see :func:`places.zip_gpci`), a MAC-NN id (01112-05, or seven digits 0111205:
    never a ZIP), a state (two letters such as CA: every locality of the state), or words of a
    name: each word must start a word of the locality's name (``SAN FRAN``, ``manhattan``),
    never sit inside one (``USA`` does not find THOUSAND). Raises WorkbookError for a ZIP that
    CMS's file lacks, splits by ZIP+4, or places in a locality drawn otherwise in gpci's year.
    """
    text = str(text).strip()
    if places.zip_code(text):
        return places.zip_gpci(gpci, text)
    compact = re.sub(r"[\s\-_/]", "", text)
    hits = gpci[(gpci["mac"] + gpci["locality_number"]) == compact]
    if not hits.empty:
        return hits
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return gpci[gpci["state"].str.upper() == text.upper()]
    words = re.findall(r"[0-9A-Za-z]+", text)
    if not words:
        return gpci.iloc[0:0]
    names = gpci["locality_name"].astype("str")
    keep = pd.Series(True, index=gpci.index)
    for word in words:
        keep &= names.str.contains(rf"(?<![0-9A-Za-z]){re.escape(word)}", case=False, regex=True)
    return gpci[keep]


def resolve_locality(locality: object, year: int) -> pd.Series | None:
    """Return the GPCI row of a locality for ``year``, or None for the national amount.

    A locality is ``MAC-NN`` (01112-05), ``MACNN`` (0111205), a ZIP code (94110) or words that
    start words of one locality's name (MANHATTAN); ``national``, ``US`` and the like
    (:func:`is_national`) mean the national amount. Raises WorkbookError for an unknown or
    ambiguous locality or a ZIP split between localities (:func:`match_localities`; checked
    against the latest GPCIs when ``year`` has none), and :class:`errors.MissingGpciError` for a
    known locality in a year without GPCIs.
    """
    if is_national(locality):
        return None
    years = gpci_years()
    has_year = int(year) in years
    known = [y for y in years if y <= int(year)] or years
    gpci = load_gpci(int(year) if has_year else known[-1])
    hits = match_localities(gpci, str(locality))
    if hits.empty:
        where = f"in {year}" if has_year else f"(checked against the {known[-1]} localities)"
        raise WorkbookError(
            f"{_quoted(locality)} is not a Medicare locality {where}",
            "use MAC-locality such as 01112-05, a state such as CA, or words of a name; "
            "`cpt-workbook localities` lists them",
        )
    if len(hits) > 1:
        names = "; ".join(hits["locality_id"] + " " + hits["locality_name"])
        if len(names) > 200:
            names = names[:200].rsplit(";", 1)[0] + f"; ... {len(hits)} in all"
        raise WorkbookError(
            f"{_quoted(locality)} matches several localities ({names})", "use its MAC-NN id"
        )
    if not has_year:
        have = ", ".join(map(str, years))
        raise MissingGpciError(f"no GPCIs for {year} (the workbook has {have})", IMPORT_HINT)
    return hits.iloc[0]


@register_check
def _known_locality(params: dict) -> None:
    """A locality given is checked against the year's GPCIs (``year``, else ``to_year``, else the
    latest year with RVUs); a known one in a year without GPCIs passes, since national amounts
    can still be shown, with the reason."""
    if "locality" not in params:
        return
    year = params.get("year") or params.get("to_year") or rvu_years()[-1]
    try:
        resolve_locality(params["locality"], year)
    except MissingGpciError:
        pass


def _quoted(value: object) -> str:
    """A user's value in one line, quoted: line breaks and other controls shown escaped."""
    text = str(value)
    return repr(text) if not text.isprintable() else f"'{text}'"
