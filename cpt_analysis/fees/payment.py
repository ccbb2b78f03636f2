"""Medicare physician fee schedule amounts, as CMS's own payment files give them.

fee-schedule amount = (work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x conversion
factor, rounded to the cent, with the facility PE RVU where the place of service is a facility
and the non-facility PE RVU elsewhere. Only statuses A, R and T are paid. A setting the RVU file
marks ``NA`` is still priced with the PE RVU the file shows (CMS's payment files do so): NA is a
note that the service is rarely done there. Codes whose OPPS indicator is 1 (the file gives OPPS
PE and MP RVUs) are paid the lower of that amount and the OPPS price, the same formula with the
OPPS RVUs. Modifiers 26 and TC are priced from their own rows; payment modifiers (50, 51, 62,
66, 80-82, AS) adjust the amount (:mod:`modifiers`, :mod:`multiple`); :mod:`owed` splits it.
"""

from __future__ import annotations

import re

import pandas as pd

from ..dates import as_date
from ..errors import IMPORT_RVU_HINT, WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference import opps_cap
from ..reference.indicators import PAYABLE_STATUSES, STATUS_MEANINGS, meaning
from ..reference.loaders import (
    gpci_releases,
    load_conversion_factors,
    load_gpci,
    load_rvus,
    release_on,
    release_words,
    rvu_years,
)
from ..validation import register
from .locality import NATIONAL, is_national, match_localities, resolve_locality
from .modifiers import split_modifiers
from .money import cents, cents_array, money
from .priced import Price, adjusted

__all__ = ["NATIONAL", "Price", "cents", "conversion_factor", "is_national", "match_localities",
           "money", "price", "price_frame", "resolve_locality", "resolve_setting"]  # fmt: skip

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


def _gpcis(gpci: pd.Series | None) -> tuple[float, float, float]:
    """Return the (work, PE, MP) GPCIs of a locality row, or 1.0 each for the national amount."""
    if gpci is None:
        return 1.0, 1.0, 1.0
    return float(gpci["gpci_work"]), float(gpci["gpci_pe"]), float(gpci["gpci_mp"])


def _rvu_row(rvus: pd.DataFrame, code: str, modifier: str, year: int) -> pd.Series:
    rows = rvus[(rvus["hcpcs"] == code) & (rvus["modifier"] == modifier)]
    if rows.empty:
        if (rvus["hcpcs"] == code).any():
            mods = ", ".join(
                m or "global (no modifier)" for m in rvus.loc[rvus["hcpcs"] == code, "modifier"]
            )
            raise WorkbookError(
                f"{code} has no row for modifier {modifier} in {year}", f"its rows are: {mods}"
            )
        raise WorkbookError(
            f"{code} is not in the workbook's {year} RVUs",
            IMPORT_RVU_HINT,
        )
    return rows.iloc[0]


def _release(year: int | None, date_of_service: object) -> tuple[pd.DataFrame, int, str]:
    """The RVUs that price a date of service (the release in force) or a year (its latest)."""
    if date_of_service is not None:
        rvus, note = release_on(date_of_service)
        return rvus, int(rvus["year"].iloc[0]), note
    year = int(year) if year is not None else rvu_years()[-1]
    rvus = load_rvus(year)
    return rvus, year, release_words(year, str(rvus["release"].iloc[0]))


def price(
    code: str,
    modifier: object = "",
    year: int | None = None,
    date_of_service: object = None,
    locality: object = None,
    setting: object = "nonfacility",
    apm: bool = False,
) -> Price:
    """Return the Medicare amount for one service as a :class:`Price`.

    ``modifier`` takes the line's modifiers (``26``, ``50``, ``80 AS``, ``["TC", "51"]``): 26
    or TC picks the code's own row, 50, 51, 62, 66, 80, 81, 82 and AS adjust the amount by the
    code's indicators (51 prices the line as a second procedure of the visit where the
    multiple-procedure indicator is 2; :func:`visit.price_visit` ranks a whole visit), and any
    other modifier (GP, 59, KX...) is kept without effect on the amount. A ``date_of_service``
    picks the RVU release, GPCIs and conversion factor in force that day
    (:func:`loaders.release_on`: 2024-03-08 is RVU24A at 32.7442, 2024-03-09 RVU24AR at
    33.2875); else ``year`` (default the latest with RVUs) is priced with its latest release
    and that release's factor. ``locality`` None means the national amount (all GPCIs 1.0).
    Raises WorkbookError for a bad code, modifier, setting, year or locality.
    """
    code = normalize_hcpcs(code)
    pricing, mods = split_modifiers(modifier)
    kind, pos = resolve_setting(setting)
    rvus, year, note = _release(year, date_of_service)
    row = _rvu_row(rvus, code, pricing, year)
    release = str(row["release"])
    cf = conversion_factor(year, date_of_service, apm, in_file=float(row["conversion_factor"]))
    place = _release_gpci(resolve_locality(locality, year), year, release)
    gw, gp, gm = _gpcis(place)
    priced = price_frame(row.to_frame().T, place, float(cf["conversion_factor"]), kind).iloc[0]
    status = str(row["status"])
    base = None if pd.isna(priced["amount"]) else float(priced["amount"])
    if status not in PAYABLE_STATUSES:
        reason = f"no fee-schedule amount: status {status}, {meaning(STATUS_MEANINGS, status)}"
    else:
        reason = f"status {status}: {meaning(STATUS_MEANINGS, status)}"
    return adjusted(
        Price(
            code=code,
            modifier=pricing,
            year=int(year),
            setting=kind,
            place_of_service=pos,
            locality_id="national" if place is None else str(place["locality_id"]),
            locality_name="National (GPCI 1.0)" if place is None else str(place["locality_name"]),
            status=status,
            work_rvu=float(row["work_rvu"]),
            pe_rvu=float(priced["pe_rvu"]),
            mp_rvu=float(row["mp_rvu"]),
            gpci_work=gw,
            gpci_pe=gp,
            gpci_mp=gm,
            conversion_factor=float(cf["conversion_factor"]),
            conversion_factor_source=str(cf["source"]),
            amount=base,
            reason=reason,
            release=release,
            release_note=note,
            fee_schedule_amount=_float(priced["fee_schedule_amount"]),
            opps_amount=_float(priced["opps_amount"]),
            opps_capped=bool(priced["opps_capped"]),
            na=bool(priced["na"]),
            modifiers=mods,
            mult_proc=str(row["mult_proc"]),
        ),
        row,
    )


def _float(value: object) -> float | None:
    return None if pd.isna(value) else float(value)


def _release_gpci(place: pd.Series | None, year: int, release: str) -> pd.Series | None:
    """The locality's GPCIs as the shipped ``release`` gives them (RVU23A's Puerto Rico differ
    from RVU23D's); an imported or unshipped one is kept as found."""
    if place is None or place["release"] in ("", release) or release not in gpci_releases(year):
        return place
    rows = load_gpci(year, release)
    return rows[rows["locality_id"] == place["locality_id"]].iloc[0]


def _formula(out: pd.DataFrame, pe: pd.Series, mp: pd.Series, gpcis, cf: float) -> pd.Series:
    gw, gp, gm = gpcis
    raw = (out["work_rvu"] * gw + pe * gp + mp * gm) * cf
    return pd.Series(cents_array(raw), index=out.index)


def _listed_opps(rows: pd.DataFrame, locality_id: str, kind: str) -> pd.Series:
    """The OPPS prices CMS's OPPSCAP file of each row's release lists for the locality."""
    keys = rows["hcpcs"].astype(str) + "|" + rows["modifier"].astype(str)
    found = pd.Series(float("nan"), index=rows.index)
    for release in rows["release"].astype(str).unique():
        mine = (rows["release"].astype(str) == release).to_numpy()
        prices = opps_cap.listed(release, locality_id, kind)
        if not prices.empty:
            found[mine] = keys[mine].map(prices).to_numpy(dtype="float64")
    return found


def price_frame(
    rvus: pd.DataFrame, gpci: pd.Series | None, cf: float, setting: str
) -> pd.DataFrame:
    """Vectorised :func:`price` (without payment modifiers) over RVU rows for one locality
    (None = national), one conversion factor and one setting (``facility`` or ``nonfacility``).

    Returns the rows with columns added: pe_rvu (of the setting), na (the RVU file marks the
    setting NA: priced all the same, as CMS's payment files do), fee_schedule_amount (the
    formula), opps_amount (the OPPS price where the OPPS indicator is 1: the one CMS's OPPSCAP
    file of the release lists for the locality, else the formula with the OPPS PE and MP RVUs;
    NaN where none),
    opps_capped (the OPPS price is the lower), amount (the lower of the two; NaN for a status
    Medicare does not pay) and reason.
    """
    kind = resolve_setting(setting)[0]
    gpcis = _gpcis(gpci)
    out = rvus.copy()
    out["pe_rvu"] = out[f"pe_rvu_{kind}"]
    payable = out["status"].astype("str").isin(PAYABLE_STATUSES)
    out["na"] = out[f"pe_na_{kind}"].astype(bool)
    fee = _formula(out, out["pe_rvu"], out["mp_rvu"], gpcis, cf)
    opps_pe = out.get(f"opps_pe_rvu_{kind}", pd.Series(0.0, index=out.index)).fillna(0.0)
    has_opps = opps_pe > 0
    opps = pd.Series(float("nan"), index=out.index)
    if has_opps.any():
        sub = out[has_opps]
        opps[has_opps] = _formula(sub, opps_pe[has_opps], sub["opps_mp_rvu"], gpcis, cf)
    if gpci is not None and "release" in out:
        opps = _listed_opps(out, str(gpci["locality_id"]), kind).fillna(opps)
    out["fee_schedule_amount"] = fee.where(payable)
    out["opps_amount"] = opps.where(payable)
    out["opps_capped"] = (opps < fee) & payable
    out["amount"] = fee.where(~out["opps_capped"], opps).where(payable)
    out["reason"] = "paid"
    out.loc[out["opps_capped"], "reason"] = "paid at the OPPS cap"
    out.loc[out["na"] & payable, "reason"] = out["reason"] + f"; CMS marks the {kind} setting NA"
    out.loc[~payable, "reason"] = (
        "status " + out.loc[~payable, "status"].astype("str") + ": not paid"
    )
    anesthesia = out["status"].astype("str") == "J"
    out.loc[anesthesia, "reason"] = "status J: anesthesia, paid by base and time units, not RVUs"
    return out
