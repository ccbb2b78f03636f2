"""A guided tour for billing and coding staff new to the workbook and to Jupyter: what a CPT code
is and is not, the three RVU parts, how Medicare turns RVUs into dollars, which diagnoses can be
billed, and the 8-minute rule, with exercises that check themselves.

Every figure in the text and every expected answer comes from the shipped tables for the chosen
year, locality and date of service; nothing is hard-coded. :func:`tour` validates the choices and
returns a :class:`Tour`, whose sections (Markdown), tables and questions feed the notebook
00_training_tour; :meth:`Tour.check` grades an answer without showing the expected one first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from ..dates import as_date
from ..errors import MissingGpciError, WorkbookError
from ..fees.card import DISCLAIMER, code_card
from ..fees.pairings import GUIDANCE_NOTE
from ..fees.payment import Price, is_national, price, resolve_locality
from ..fees.timed_units import allocate_units, units_for_total
from ..reference.icd10 import check_many
from ..reference.loaders import (
    gpci_years,
    load_codes,
    load_common_names,
    load_conversion_factors,
    load_rvus,
)
from .exercises import STATUS_WORDS, exercises_for
from .grading import Exercise, Feedback, Text

TOPICS = {
    "codes": "what a CPT code is and is not",
    "rvus": "the three parts of a relative value unit",
    "payment": "from RVUs to dollars: GPCI, conversion factor, facility or not",
    "diagnoses": "diagnoses that can be billed: M54.5 and M51.2",
    "timed": "timed codes and the 8-minute rule",
}
ALL = "all"
THERAPY = ["97012", "97110", "97140", "97530"]
PAYMENT_CODES = ["97012", "97110", "97140", "99213"]
WORKED_CODE = "97140"  # the payment formula, step by step
SETTINGS_CODE = "99214"  # national vs locality, facility vs non-facility
WORKED_VISIT = {"97112": 24, "97110": 23, "97010": 15}  # CMS's 47-minute example + a hot pack


def validate_topic(value: object) -> str:
    """Return the topic as ``all`` or one of :data:`TOPICS` (case and spaces ignored).

    Raises WorkbookError for any other value.
    """
    text = str(value if value is not None else "").strip().lower()
    if text == ALL or text in TOPICS:
        return text
    raise WorkbookError(
        f"'{value}' is not a topic of the training tour",
        f"use {ALL}, {', '.join(list(TOPICS)[:-1])} or {list(TOPICS)[-1]}",
    )


def find_codes(word: str) -> pd.DataFrame:
    """Return the shipped codes whose code, name, family or a common name contains ``word``
    (case ignored): code, name, family, timed. An empty frame when nothing matches."""
    codes = load_codes()
    names = load_common_names()
    text = str(word).strip().lower()
    by_name = set(
        names.loc[names["common_name"].str.lower().str.contains(text, regex=False), "code"]
    )
    hay = codes["code"] + " " + codes["name"] + " " + codes["family"].astype("str")
    hits = codes[hay.str.lower().str.contains(text, regex=False) | codes["code"].isin(by_name)]
    return hits[["code", "name", "family", "timed"]].reset_index(drop=True)


@dataclass
class Tour:
    """The choices of one training run and everything they show; build it with :func:`tour`."""

    topic: str
    year: int
    locality: str
    date_of_service: str
    gpci: pd.Series | None = None
    notes: list[str] = field(default_factory=list)

    def shows(self, topic: str) -> bool:
        """True when ``topic`` is part of this tour."""
        return self.topic in (ALL, topic)

    @property
    def place(self) -> str:
        """The locality whose GPCIs price the exercises (``national`` when there is none)."""
        return "national" if self.gpci is None else str(self.gpci["locality_id"])

    @property
    def place_name(self) -> str:
        """The place in words: the locality's name and id, or the national amount."""
        if self.gpci is None:
            return "nationally (every GPCI 1.0)"
        return f"in {str(self.gpci['locality_name']).title()} ({self.place})"

    def price(self, code: str, setting: str = "nonfacility", national: bool = False) -> Price:
        """Return the :class:`payment.Price` of ``code`` in this tour's year and place."""
        where = None if national or self.gpci is None else self.place
        return price(code, year=self.year, locality=where, setting=setting)

    @cached_property
    def rvus(self) -> pd.DataFrame:
        """The global RVU rows of the year, indexed by code."""
        rvus = load_rvus(self.year)
        return rvus[rvus["modifier"] == ""].set_index("hcpcs")

    def _rvu_rows(self, codes: list[str]) -> pd.DataFrame:
        names = load_codes().set_index("code")["name"]
        rows = self.rvus.loc[codes]

        def fmt(values, na=None):
            flags = na if na is not None else [False] * len(values)
            return ["NA" if f else f"{v:.2f}" for v, f in zip(values, flags, strict=True)]

        return pd.DataFrame(
            {
                "code": codes,
                "name": [names.get(c, "") for c in codes],
                "work RVU": fmt(rows["work_rvu"]),
                "PE RVU, non-facility": fmt(rows["pe_rvu_nonfacility"], rows["pe_na_nonfacility"]),
                "PE RVU, facility": fmt(rows["pe_rvu_facility"], rows["pe_na_facility"]),
                "MP RVU": fmt(rows["mp_rvu"]),
            }
        )

    # ---- what the notebook shows -------------------------------------------------------------
    def welcome(self) -> Text:
        """Return what this run shows: topic, year, locality, date of service, and any notes."""
        parts = [
            f"{n}. **{name}**: {what}" + ("" if self.shows(name) else " *(not in this run)*")
            for n, (name, what) in enumerate(TOPICS.items(), start=1)
        ]
        where = "national amounts" if self.gpci is None else f"locality {self.place_name[3:]}"
        lines = [
            f"**This run:** topic `{self.topic}`, fee-schedule year {self.year}, {where}, "
            f"diagnoses judged for a date of service of {self.date_of_service}.",
            "",
            *parts,
        ]
        lines += [""] + [f"> {n}" for n in self.notes] if self.notes else []
        return Text("\n".join(lines))

    def section(self, topic: str) -> Text | None:
        """Return the explanation of one part of the tour as Markdown, or None when the part is
        not in this run. Raises WorkbookError for an unknown topic."""
        topic = validate_topic(topic)
        if topic == ALL or not self.shows(topic):
            return None
        return Text(getattr(self, f"_{topic}_text")())

    def _codes_text(self) -> str:
        codes = load_codes()
        return f"""## 1. What a CPT code is, and what it is not

A CPT code is a five-character label for a service: 97012 is mechanical traction, 99213 an office
visit with a patient the practice already knows. The claim carries the code and the number of
units; the payer looks up what that service is worth.

- **Text, not a number.** Most codes are five digits, some start with zeros (00100, an
  anesthesia code) and some end in a letter (0001F). A spreadsheet that turns 00100 into 100
  breaks the code, so the workbook keeps every code as text.
- **Not a diagnosis.** Why the patient was treated is an ICD-10-CM code such as M54.2 (neck
  pain): a letter, two characters, a dot and up to four more. A claim needs both: what was done
  (CPT) and why (ICD-10-CM). Part 4 is about diagnoses.
- **Not a price.** Medicare gives each code relative value units (part 2) and turns them into
  dollars (part 3); the code itself says nothing about money.
- **Not the official wording.** The American Medical Association owns the official CPT
  descriptions; this workbook describes every code in its own plain words.
- **Modifiers** are two characters after the code: 26 bills only the professional part of a test
  (reading an MRI), TC only the technical part (running the scanner).
- **HCPCS Level II** codes (a letter and four digits, such as G0283) are Medicare's own codes for
  services CPT does not list; they are priced the same way.

The workbook ships {len(codes)} codes in {codes["family"].nunique()} families. The table below
shows the first code of each family; the search cell after it finds codes by a word."""

    def _rvus_text(self) -> str:
        history = load_rvus()
        seed = history[(history["hcpcs"] == "97012") & (history["modifier"] == "")]
        by_year = ", ".join(
            f"{y}: {w:.2f}" for y, w in zip(seed["year"], seed["work_rvu"], strict=True)
        )
        return f"""## 2. Relative value units: three parts of a service's worth

Medicare measures every service in relative value units (RVUs): a service with twice the RVUs is
worth about twice as much. Each code's RVUs have three parts:

- **Work**: the clinician's time, skill and effort. Practices count work RVUs (wRVUs) to
  measure each provider's productivity.
- **Practice expense (PE)**: staff, equipment, supplies and rent. It has two values:
  *non-facility* (an office, where the practice pays for all of that) and *facility* (a
  hospital or surgery center, which bears much of the cost itself). NA means CMS gives no value
  in that setting.
- **Malpractice (MP)**: the cost of professional liability insurance, usually the smallest part.

The total is the sum of the three. RVUs change every year: the work RVU of 97012 was {by_year}.
The article this workbook grew from called 97012 "0.25 RVU": that is its work RVU alone, not the
total. The chart shows the three parts of four therapy codes in {self.year} (point at a bar to
read its value); the table lists them."""

    def _payment_text(self) -> str:
        table = load_conversion_factors().query(f"year == {self.year}")
        first = table[table["apm_status"] != "qualifying"]
        factor = f"**{first['conversion_factor'].iloc[0]:.4f} dollars per RVU** in {self.year}"
        if len(first) > 1:
            factor += (
                f" until {first['effective_to'].iloc[0]:%B %-d}, then "
                f"{first['conversion_factor'].iloc[1]:.4f}; the tour prices with the first"
            )
        apm = table[table["apm_status"] == "qualifying"]
        if len(apm):
            factor += (
                f" ({apm['conversion_factor'].iloc[0]:.4f} for clinicians in a qualifying "
                "alternative payment model; the tour uses the other)"
            )
        compared = "in an office and in a facility, nationally"
        if self.gpci is not None:
            compared = "in an office and in a facility, nationally and in the locality"
        if self.gpci is None:
            gpcis = "Nationally every GPCI is 1.0, so the national amount is the RVUs times the conversion factor."
        else:
            g = self.gpci
            gpcis = (
                f"{self.place_name[3:]} has work GPCI {g['gpci_work']:.3f}, PE GPCI "
                f"{g['gpci_pe']:.3f} and MP GPCI {g['gpci_mp']:.3f} in {self.year}."
            )
        return f"""## 3. From RVUs to dollars

Medicare's physician fee schedule turns RVUs into an amount:

> amount = (work RVU × work GPCI + PE RVU × PE GPCI + MP RVU × MP GPCI) × conversion factor,
> rounded to cents at the end.

- **Conversion factor**: the dollars per RVU, set by CMS every year: {factor}.
- **GPCI** (geographic practice cost index): one index per part for each of Medicare's
  localities; above 1 where costs are higher than average, below 1 where they are lower.
  {gpcis}
- **Facility or non-facility**: the place of service picks the PE RVU. An office (place of
  service 11) uses the non-facility PE; a hospital (21 inpatient, 22 outpatient) or surgery
  center uses the lower facility PE, because the facility is paid for its own costs. Where CMS
  marks a setting NA (the therapy codes in a facility), the workbook shows no amount.

The waterfall below builds the amount of {WORKED_CODE} {self.place_name} step by step; the bars
after it compare {SETTINGS_CODE} {compared}. The table lists the RVUs the exercises need."""

    def _diagnoses_text(self) -> str:
        day = self.date_of_service
        seed = check_many(["M54.5", "M51.2", "M54.2"], day)
        lines, good = [], []
        for v in seed.itertuples():
            what = f"- **{v.icd10}** ({v.description})"
            if v.status == "header":
                lines.append(
                    f"{what} is a header: bill one of its children, {v.billable_children}."
                )
            elif v.billable:
                lines.append(f"{what} can be billed as written.")
                good.append(v.icd10)
            else:
                lines.append(f"{what} is {STATUS_WORDS[str(v.status)]}: it cannot be billed.")
        verdicts = "\n".join(lines)
        return f"""## 4. Diagnoses: only the last level of a code can be billed

ICD-10-CM codes form a tree: M54 (back pain) has M54.5 (low back pain) below it, and M54.5 may
have children of its own. Only a code with no children (a *leaf*) can go on a claim; a code with
children is a *header*. The code set changes every October 1 (the fiscal year) and sometimes on
April 1, so whether a code can be billed depends on the date of service.

The article this workbook grew from paired 97012 with M51.2, M54.2 and M54.5. For a date of
service of {day} (fiscal year {int(seed["fiscal_year"].iloc[0])}):

{verdicts}

So only {" and ".join(good) or "none"} can go on a claim as the article wrote it. The cell below looks
codes up; change the codes or the date in it and run it again: the exercises need it.
{GUIDANCE_NOTE}"""

    def _timed_text(self) -> str:
        codes = load_codes()
        timed = codes[codes["timed"]]["code"].tolist()
        return f"""## 5. Timed codes and the 8-minute rule

Most codes bill one unit per session however long it takes (*untimed*: 97012 traction, 97010 a
hot pack, the evaluations). Others bill one unit per 15 minutes (*timed*: {len(timed)} of the
shipped codes, such as 97110 exercise and 97140 manual therapy). For timed codes Medicare uses
the 8-minute rule, over the whole visit:

1. Add up the minutes of every timed code in the visit. Untimed codes do not count.
2. Turn the total into units: under 8 minutes bills nothing, 8-22 minutes one unit, 23-37 two,
   and so on (the table and the chart).
3. Give each timed code one unit per full 15 minutes, then give the units left over to the
   codes with the most minutes left over. When two codes have the same minutes left, CMS lets
   you pick; the workbook picks the code listed first.

The cell after the chart works through CMS's own example (24 minutes of 97112 and 23 of 97110:
47 minutes, 3 units) with a hot pack added; change the minutes and run it again. Many commercial
payers follow the AMA's rule instead, code by code: check each payer's policy. Medicare also pays
half the practice expense for every therapy unit of the day after the one with the highest
practice expense (the therapy reduction; notebook 04 applies it)."""

    def closing(self) -> Text:
        """Return the closing words: where to go next, and the disclaimer."""
        return Text(
            "## Where next\n\n"
            "- `01_code_card`: everything about one code; `02_rvu_explorer`: codes side by side "
            "and over the years; `03_diagnosis_pairings`: diagnoses by procedure; "
            "`04_practice_productivity`: your own practice's export.\n"
            "- In a terminal: `cpt-workbook lookup 97012`.\n\n" + f"*{DISCLAIMER}*"
        )

    # ---- tables and look-ups -------------------------------------------------------------------
    def codes_table(self) -> pd.DataFrame | None:
        """Return the first code of each family (code, name, family, timed), or None when the
        codes part is not in this run."""
        if not self.shows("codes"):
            return None
        return (
            load_codes()
            .drop_duplicates("family")[["code", "name", "family", "timed"]]
            .reset_index(drop=True)
        )

    def find(self, word: str) -> pd.DataFrame | None:
        """Return :func:`find_codes` of ``word``, or None when the codes part is not in this run."""
        return find_codes(word) if self.shows("codes") else None

    def rvu_table(self) -> pd.DataFrame | None:
        """Return the work, PE and MP RVUs of the therapy codes (no totals: exercise 3 adds them),
        or None when the RVU part is not in this run."""
        return self._rvu_rows(THERAPY) if self.shows("rvus") else None

    def payment_table(self) -> pd.DataFrame | None:
        """Return the RVUs of the codes the payment exercises price, or None when the payment part
        is not in this run."""
        return self._rvu_rows(PAYMENT_CODES) if self.shows("payment") else None

    def settings_prices(self) -> pd.DataFrame:
        """Return the code card prices of :data:`SETTINGS_CODE`: national and (where the year
        has GPCIs) the locality, facility and non-facility."""
        return code_card(
            SETTINGS_CODE, self.year, self.place, date_of_service=self.date_of_service
        ).prices

    def diagnoses(self, *codes: str, on: object = None) -> pd.DataFrame | None:
        """Return the ICD-10-CM verdicts of ``codes`` for a date of service ``on`` (default the
        tour's): input, icd10, status, description, billable_children, fiscal_year; or None when
        the diagnoses part is not in this run. A malformed code gets the status malformed.
        Raises WorkbookError for a date that is not a date."""
        if not self.shows("diagnoses"):
            return None
        cols = ["input", "icd10", "status", "description", "billable_children", "fiscal_year"]
        return check_many(list(codes), on or self.date_of_service)[cols]

    def bands(self, units: int = 6) -> pd.DataFrame | None:
        """Return the minutes that bill 1..``units`` units of timed codes (units, from_minutes,
        to_minutes), or None when the timed part is not in this run."""
        if not self.shows("timed"):
            return None
        ends = {}
        for m in range(0, 15 * units + 8):
            ends.setdefault(units_for_total(m), []).append(m)
        return pd.DataFrame(
            [(u, min(ms), max(ms)) for u, ms in ends.items() if 1 <= u <= units],
            columns=["units", "from_minutes", "to_minutes"],
        )

    def units(self, minutes: dict[str, float]) -> pd.DataFrame | None:
        """Return :func:`allocate_units` of one visit, or None when the timed part is not in this
        run. Raises WorkbookError as allocate_units does."""
        return allocate_units(minutes) if self.shows("timed") else None

    # ---- exercises -----------------------------------------------------------------------------
    def question(self, number: int) -> Text | None:
        """Return exercise ``number`` as Markdown, or None when its part is not in this run.

        Raises WorkbookError for an exercise number that does not exist.
        """
        ex = self._exercise(number)
        if not self.shows(ex.topic):
            return None
        return Text(
            f"**Exercise {number}.** {ex.question}\n\n*Answer in the next cell in place of `None` "
            "(codes and words between quotes), run it, then run the cell after it.*"
        )

    def check(self, number: int, answer: object) -> Feedback | None:
        """Return the verdict on ``answer`` to exercise ``number``: right (with why), not yet
        (with what is wrong and a hint, never the expected answer), or no answer yet; None when
        the exercise's part is not in this run.

        Raises WorkbookError for an exercise number that does not exist.
        """
        ex = self._exercise(number)
        if not self.shows(ex.topic):
            return None
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            return Feedback(
                number,
                "no answer",
                f"No answer yet: replace None after `answer_{number} =` in the cell above, run "
                "it, then run this cell again.",
            )
        try:
            value = ex.parse(answer)
        except ValueError as exc:
            return Feedback(number, "not yet", f"Not yet: {exc}.")
        ok, said = ex.judge(value)
        return Feedback(
            number, "right" if ok else "not yet", f"{'Right' if ok else 'Not yet'}: {said}"
        )

    def _exercise(self, number: int) -> Exercise:
        if number not in self.exercises:
            raise WorkbookError(
                f"there is no exercise {number}", f"the exercises are 1-{len(self.exercises)}"
            )
        return self.exercises[number]

    @cached_property
    def exercises(self) -> dict[int, Exercise]:
        """Every exercise by number, with its expected answer computed from the data."""
        return exercises_for(self)


def tour(
    topic: str = ALL,
    locality: object = "national",
    year: int | None = None,
    date_of_service: object = None,
) -> Tour:
    """Return the :class:`Tour` for a topic (``all`` or one of :data:`TOPICS`), a locality
    (MAC-NN such as 01112-05, part of a name, or ``national``), a fee-schedule year (default the
    latest with RVUs) and a date of service for the diagnoses (default today).

    A year without GPCIs (2026 as shipped) gives national amounts and a note saying why, as the
    code card does. Raises WorkbookError for an unknown topic, a year without RVUs, a bad date, or
    a locality unknown in a year with GPCIs.
    """
    topic = validate_topic(topic)
    year = int(load_rvus(year)["year"].max())  # raises for a year without RVUs
    day = as_date(date_of_service).isoformat()
    given = str(locality or "national").strip()
    notes: list[str] = []
    gpci = None
    if not is_national(given):
        try:
            gpci = resolve_locality(given, year)
        except MissingGpciError:
            have = ", ".join(map(str, gpci_years()))
            notes.append(
                f"Locality amounts for {year} are not shown: the workbook has no GPCIs for {year} "
                f"(it has {have}), so '{given}' cannot be priced and every amount here is national "
                "(GPCI 1.0). Import CMS's GPCI file of that year with `cpt-workbook import-cms "
                "PATH`, or pick a year with GPCIs."
            )
    return Tour(topic=topic, year=year, locality=given, date_of_service=day, gpci=gpci, notes=notes)
