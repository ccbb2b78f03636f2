"""Medicare physician fee schedule amounts: conversion factor, setting, locality, status rules.

amount = (work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x conversion factor, with
the facility PE RVU where the place of service is a facility and the non-facility PE RVU
elsewhere. Only statuses A, R and T are paid; an ``NA`` indicator means no amount in that
setting; modifiers 26 and TC are priced from their own rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ..dates import as_date
from ..errors import IMPORT_HINT, IMPORT_RVU_HINT, MissingGpciError, WorkbookError
from ..identifiers import normalize_hcpcs, normalize_modifier
from ..reference import places
from ..reference.indicators import PAYABLE_STATUSES, STATUS_MEANINGS, meaning
from ..reference.loaders import (
    gpci_releases,
    gpci_years,
    load_conversion_factors,
    load_gpci,
    load_rvus,
    release_on,
    release_words,
    rvu_years,
)
from ..validation import register, register_check

# places of service that CMS pays at the facility rate; every other valid code is non-facility
FACILITY_POS = frozenset(
    {"02", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52", "53", "56", "61"}
)
SETTING_WORDS = {
    "facility": "facility",
    "fac": "facility",
    "f": "facility",
    "nonfacility": "nonfacility",
    "non-facility": "nonfacility",
    "non_facility": "nonfacility",
    "nonfac": "nonfacility",
    "nf": "nonfacility",
    "office": "nonfacility",
}
# every way a user may ask for the national amount (all GPCIs 1.0), compared without case
NATIONAL = frozenset({"", "national", "nationwide", "none", "us", "usa", "u.s.", "united states"})
LIMITING_FACTOR = 1.0925
NONPAR_FACTOR = 0.95


def resolve_setting(setting: object) -> tuple[str, str]:
    """Return (``facility`` or ``nonfacility``, place of service or ``""``) for a setting word
    or a two-digit place-of-service code (21 inpatient and 22 outpatient hospital are facility,
    11 office is not). Raises WorkbookError for anything else."""
    text = str(setting).strip().lower()
    if text in SETTING_WORDS:
        return SETTING_WORDS[text], ""
    if re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= 99:
        pos = text.zfill(2)
        return ("facility" if pos in FACILITY_POS else "nonfacility"), pos
    raise WorkbookError(
        f"'{setting}' is not a setting",
        "use facility, nonfacility or a place-of-service code such as 11 (office) or 22",
    )


@register("setting")
def _setting(value: object) -> str:
    """A setting word or place-of-service code, as given in lower case."""
    resolve_setting(value)
    return str(value).strip().lower()


def conversion_factor(
    year: int | None = None,
    date_of_service: object = None,
    apm: bool = False,
    in_file: float | None = None,
) -> pd.Series:
    """Return the conversion-factor row (year, effective dates, conversion_factor, source) for a
    date of service, or for a year: its period whose factor is ``in_file`` (the factor an RVU
    release prints: 33.2875 is 2024's from March 9), else its first. ``apm`` picks the
    qualifying-APM factor where a year has two. Raises WorkbookError when no factor covers the
    date or year."""
    table = load_conversion_factors()
    wanted = "qualifying" if apm else "non-qualifying"
    table = table[table["apm_status"].isin(["all", wanted])]
    if date_of_service is not None:
        day = pd.Timestamp(as_date(date_of_service))
        rows = table[(table["effective_from"] <= day) & (table["effective_to"] >= day)]
        what = f"date of service {day.date()}"
    else:
        rows = table[table["year"] == int(year)]
        rows = rows.sort_values("conversion_factor", key=lambda f: f != in_file, kind="stable")
        what = str(year)
    if rows.empty:
        years = f"{table['year'].min()}-{table['year'].max()}"
        raise WorkbookError(f"no conversion factor for {what}", f"the workbook has {years}")
    return rows.iloc[0]


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


def cents(value: float) -> float:
    """Round dollars to cents, halves away from zero (as fee schedules print them)."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def money(value: float | None, missing: str = "no amount", sign: bool = False) -> str:
    """Return dollars as the workbook writes them everywhere: ``$1,234.56``, ``-$3.20``, with
    ``+`` before a gain when ``sign``; ``missing`` where there is no amount (None or NaN)."""
    if value is None or pd.isna(value):
        return missing
    return f"{'-' if value < 0 else '+' if sign else ''}${abs(value):,.2f}"


@dataclass(frozen=True)
class Price:
    """One priced service: the inputs of the formula, the amount (None if unpaid) and why."""

    code: str
    modifier: str
    year: int
    setting: str
    place_of_service: str
    locality_id: str
    locality_name: str
    status: str
    work_rvu: float
    pe_rvu: float
    mp_rvu: float
    gpci_work: float
    gpci_pe: float
    gpci_mp: float
    conversion_factor: float
    conversion_factor_source: str
    amount: float | None
    reason: str
    release: str = ""  # the CMS release of the RVUs: RVU24AR
    release_note: str = ""  # which release prices the date of service, and why

    @property
    def limiting_charge(self) -> float | None:
        """The most a non-participating provider may charge (109.25% of the 95% non-participating amount)."""
        return None if self.amount is None else cents(self.amount * NONPAR_FACTOR * LIMITING_FACTOR)


def _gpcis(gpci: pd.Series | None) -> tuple[float, float, float]:
    """Return the (work, PE, MP) GPCIs of a locality row, or 1.0 each for the national amount."""
    if gpci is None:
        return 1.0, 1.0, 1.0
    return float(gpci["gpci_work"]), float(gpci["gpci_pe"]), float(gpci["gpci_mp"])


def _rvu_row(rvus: pd.DataFrame, code: str, modifier: str, year: int) -> pd.Series:
    rows = rvus[(rvus["hcpcs"] == code) & (rvus["modifier"] == modifier)]
    if rows.empty:
        if (rvus["hcpcs"] == code).any():
            mods = ", ".join(m or "none" for m in rvus.loc[rvus["hcpcs"] == code, "modifier"])
            raise WorkbookError(
                f"{code} has no row for modifier {modifier} in {year}", f"its rows are: {mods}"
            )
        raise WorkbookError(
            f"{code} is not in the workbook's {year} RVUs",
            IMPORT_RVU_HINT,
        )
    return rows.iloc[0]


def price(
    code: str,
    modifier: str = "",
    year: int | None = None,
    date_of_service: object = None,
    locality: object = None,
    setting: object = "nonfacility",
    apm: bool = False,
) -> Price:
    """Return the Medicare amount for one service as a :class:`Price`.

    A ``date_of_service`` picks the RVU release, GPCIs and conversion factor in force that day
    (:func:`loaders.release_on`: 2024-03-08 is RVU24A at 32.7442, 2024-03-09 RVU24AR at
    33.2875); else ``year`` (default the latest with RVUs) is priced with its latest release
    and that release's factor. ``release_note`` says which release and why. ``locality`` None
    means the national amount (all GPCIs 1.0). Raises WorkbookError for a bad code, modifier,
    setting, year or locality.
    """
    code, modifier = normalize_hcpcs(code), normalize_modifier(modifier)
    kind, pos = resolve_setting(setting)
    if date_of_service is not None:
        rvus, note = release_on(date_of_service)
        year = int(rvus["year"].iloc[0])
    else:
        year = int(year) if year is not None else rvu_years()[-1]
        rvus = load_rvus(year)
        note = release_words(year, str(rvus["release"].iloc[0]))
    row = _rvu_row(rvus, code, modifier, year)
    release = str(row["release"])
    cf = conversion_factor(year, date_of_service, apm, in_file=float(row["conversion_factor"]))
    place = _release_gpci(resolve_locality(locality, year), year, release)
    gw, gp, gm = _gpcis(place)
    priced = price_frame(row.to_frame().T, place, float(cf["conversion_factor"]), kind).iloc[0]
    pe = float(priced["pe_rvu"])
    status = str(row["status"])
    amount = None if pd.isna(priced["amount"]) else float(priced["amount"])
    if status not in PAYABLE_STATUSES:
        reason = f"no fee-schedule amount: status {status}, {meaning(STATUS_MEANINGS, status)}"
    elif amount is None:
        reason = f"no amount in a {kind} setting: CMS marks this setting NA for {code}"
    else:
        reason = f"status {status}: {meaning(STATUS_MEANINGS, status)}"
    return Price(
        code=code,
        modifier=modifier,
        year=int(year),
        setting=kind,
        place_of_service=pos,
        locality_id="national" if place is None else str(place["locality_id"]),
        locality_name="National (GPCI 1.0)" if place is None else str(place["locality_name"]),
        status=status,
        work_rvu=float(row["work_rvu"]),
        pe_rvu=pe,
        mp_rvu=float(row["mp_rvu"]),
        gpci_work=gw,
        gpci_pe=gp,
        gpci_mp=gm,
        conversion_factor=float(cf["conversion_factor"]),
        conversion_factor_source=str(cf["source"]),
        amount=amount,
        reason=reason,
        release=release,
        release_note=note,
    )


def _release_gpci(place: pd.Series | None, year: int, release: str) -> pd.Series | None:
    """The locality's GPCIs as the shipped ``release`` gives them (RVU23A's Puerto Rico differ
    from RVU23D's); an imported or unshipped one is kept as found."""
    if place is None or place["release"] in ("", release) or release not in gpci_releases(year):
        return place
    rows = load_gpci(year, release)
    return rows[rows["locality_id"] == place["locality_id"]].iloc[0]


def price_frame(
    rvus: pd.DataFrame, gpci: pd.Series | None, cf: float, setting: str
) -> pd.DataFrame:
    """Vectorised :func:`price` over RVU rows for one locality (None = national), one
    conversion factor and one setting (``facility`` or ``nonfacility``).

    Returns the rows with columns pe_rvu, amount (NaN where unpaid) and reason added.
    """
    kind = resolve_setting(setting)[0]
    gw, gp, gm = _gpcis(gpci)
    out = rvus.copy()
    out["pe_rvu"] = out[f"pe_rvu_{kind}"]
    raw = (out["work_rvu"] * gw + out["pe_rvu"] * gp + out["mp_rvu"] * gm) * cf
    payable = out["status"].astype("str").isin(PAYABLE_STATUSES)
    na = out[f"pe_na_{kind}"].astype(bool)
    out["amount"] = raw.map(cents).where(payable & ~na)
    out["reason"] = "paid"
    out.loc[na, "reason"] = f"NA in {kind} setting"
    out.loc[~payable, "reason"] = (
        "status " + out.loc[~payable, "status"].astype("str") + ": not paid"
    )
    return out
