"""A guided tour for billing and coding staff new to the workbook and to Jupyter: what a CPT code
is and is not, the three RVU parts, how Medicare turns RVUs into dollars, which diagnoses can be
billed, and the 8-minute rule, with exercises that check themselves.

Every figure in the text and every expected answer comes from the shipped tables for the chosen
year, locality and date of service; nothing is hard-coded. The sections' words are Markdown files
in training/prose that a trainer can edit; :mod:`.text` fills their placeholders. :func:`tour`
validates the choices and returns a :class:`Tour`, whose sections, tables and questions feed the
notebook 00_training_tour; :meth:`Tour.check` grades an answer without showing the expected one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from ..dates import as_date
from ..errors import MissingGpciError, WorkbookError
from ..fees.card import DISCLAIMER, code_card
from ..fees.pairings import GUIDANCE_NOTE
from ..fees.payment import Price, is_national, price, resolve_locality
from ..fees.timed_units import allocate_units, units_for_total
from ..reference import ncci
from ..reference.icd10 import check_many
from ..reference.loaders import (
    gpci_years,
    load_codes,
    load_common_names,
    load_conversion_factors,
    load_rvus,
)
from ..validation import register
from .edit_exercises import edits_table
from .exercises import STATUS_WORDS, exercises_for
from .grading import Exercise, Feedback, Text
from .handout import ANSWER_SPACE, validate_handout
from .text import phrase, prose

TOPICS = {
    "codes": "what a CPT code is and is not",
    "rvus": "the three parts of a relative value unit",
    "payment": "from RVUs to dollars: GPCI, conversion factor, facility or not",
    "diagnoses": "diagnoses that can be billed: M54.5 and M51.2",
    "timed": "timed codes and the 8-minute rule",
    "edits": "Medicare's edits: code pairs, medically unlikely units, add-on codes",
}

ALL = "all"
CELL_SENTENCE = re.compile(r"\s*[^.?!]*\bcells?\b[^.?!]*[.!]")
THERAPY = ["97012", "97110", "97140", "97530"]
PAYMENT_CODES = ["97012", "97110", "97140", "99213"]
WORKED_CODE = "97140"  # the payment formula, step by step
SETTINGS_CODE = "99214"  # national vs locality, facility vs non-facility
WORKED_VISIT = {"97112": 24, "97110": 23, "97010": 15}  # CMS's 47-minute example + a hot pack


@register("topic")
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
    handout: str = "interactive"

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

    # ---- what the notebook shows: the prose of training/prose, filled from the tables ----------
    def welcome(self) -> Text:
        """Return what this run shows: topic, year, locality, date of service, and any notes."""
        topics = "\n".join(
            f"{n}. **{name}**: {what}" + ("" if self.shows(name) else " " + phrase("not_in_run"))
            for n, (name, what) in enumerate(TOPICS.items(), start=1)
        )
        if self.gpci is None:
            where = phrase("where_national")
        else:
            where = phrase("where_locality", locality=self.place_name[3:])
        how_to = prose("how_to") + "\n\n" if self.handout == "interactive" else ""
        return Text(
            how_to
            + prose(
                "welcome",
                topic=self.topic,
                year=self.year,
                where=where,
                date_of_service=self.date_of_service,
                topics=topics,
                notes="\n".join(f"> {n}" for n in self.notes),
            )
        )

    def section(self, topic: str) -> Text | None:
        """Return the explanation of one part of the tour as Markdown, or None when the part is
        not in this run. Raises WorkbookError for an unknown topic."""
        topic = validate_topic(topic)
        if topic == ALL or not self.shows(topic):
            return None
        return Text(prose(topic, **getattr(self, f"_{topic}_values")()))

    def _codes_values(self) -> dict[str, object]:
        codes = load_codes()
        return {"code_count": len(codes), "family_count": codes["family"].nunique()}

    def _rvus_values(self) -> dict[str, object]:
        history = load_rvus()
        seed = history[(history["hcpcs"] == "97012") & (history["modifier"] == "")]
        by_year = ", ".join(
            f"{y}: {w:.2f}" for y, w in zip(seed["year"], seed["work_rvu"], strict=True)
        )
        return {"work_rvus_by_year": by_year, "year": self.year}

    def _payment_values(self) -> dict[str, object]:
        table = load_conversion_factors().query(f"year == {self.year}")
        first = table[table["apm_status"] != "qualifying"]
        cf = first["conversion_factor"]
        factor = [phrase("conversion_factor", factor=f"{cf.iloc[0]:.4f}", year=self.year)]
        if len(first) > 1:
            until = f"{first['effective_to'].iloc[0]:%B %-d}"
            factor.append(
                phrase("conversion_factor_changed", until=until, then=f"{cf.iloc[1]:.4f}")
            )
        apm = table.loc[table["apm_status"] == "qualifying", "conversion_factor"]
        if len(apm):
            factor.append(phrase("conversion_factor_apm", apm=f"{apm.iloc[0]:.4f}"))
        if self.gpci is None:
            gpcis, compared = phrase("gpcis_national"), phrase("compared_national")
        else:
            g = self.gpci
            gpcis = phrase(
                "gpcis_locality",
                locality=self.place_name[3:],
                gpci_work=f"{g['gpci_work']:.3f}",
                gpci_pe=f"{g['gpci_pe']:.3f}",
                gpci_mp=f"{g['gpci_mp']:.3f}",
                year=self.year,
            )
            compared = phrase("compared_locality")
        return {
            "conversion_factor": " ".join(factor),
            "gpcis": gpcis,
            "worked_code": WORKED_CODE,
            "place": self.place_name,
            "settings_code": SETTINGS_CODE,
            "compared": compared,
        }

    def _diagnoses_values(self) -> dict[str, object]:
        day = self.date_of_service
        seed = check_many(["M54.5", "M51.2", "M54.2"], day)
        lines, good = [], []
        for v in seed.itertuples():
            said = {"code": v.icd10, "description": v.description}
            if v.status == "header":
                lines.append(phrase("diagnosis_header", **said, children=v.billable_children))
            elif v.billable:
                lines.append(phrase("diagnosis_billable", **said))
                good.append(v.icd10)
            else:
                status = STATUS_WORDS[str(v.status)]
                lines.append(phrase("diagnosis_not_billable", **said, status=status))
        return {
            "date_of_service": day,
            "fiscal_year": int(seed["fiscal_year"].iloc[0]),
            "verdicts": "\n".join(lines),
            "billable": " and ".join(good) or phrase("none_billable"),
            "guidance_note": GUIDANCE_NOTE,
        }

    def _timed_values(self) -> dict[str, object]:
        return {"timed_count": int(load_codes()["timed"].sum())}

    def _edits_values(self) -> dict[str, object]:
        quarter = ncci.latest_quarter()
        return {
            "label": ncci.label(quarter),
            "start": ncci.quarter_start(quarter).isoformat(),
            "pairs": f"{len(ncci.load_ptp(quarter)):,}",
            "mue_codes": f"{len(ncci.load_mue(quarter)):,}",
        }

    def closing(self) -> Text:
        """Return the closing words: where to go next, and the disclaimer."""
        return Text(prose("closing", disclaimer=DISCLAIMER))

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

    def edits(self, *codes: str) -> pd.DataFrame | None:
        """Return what the newest NCCI quarter says of ``codes``, one row per code: its MUE
        (units, per line or per day), the pairs it forms with the others (column one paid,
        column two denied; 0 never together, 1 with a distinct-service modifier) and, for an
        add-on code, its primary codes; None when the edits part is not in this run."""
        if not self.shows("edits"):
            return None
        return edits_table(codes)

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
        how = (
            "\n\n*Answer in the next cell in place of `None` (codes and words between quotes), "
            "run it, then run the cell after it.*"
        )
        if self.interactive:
            return Text(f"**Exercise {number}.** {ex.question}{how}")
        # a handout hides the code: no sentence may point at a cell
        return Text(f"**Exercise {number}.** " + CELL_SENTENCE.sub("", ex.question).strip())

    @property
    def interactive(self) -> bool:
        """True in Jupyter (answer cells), False in a handout."""
        return self.handout == "interactive"

    def check(self, number: int, answer: object) -> Feedback | None:
        """Return the verdict on ``answer`` to exercise ``number``: right (with why), not yet
        (with what is wrong and a hint, never the expected answer), or no answer yet; None when
        the exercise's part is not in this run.

        Raises WorkbookError for an exercise number that does not exist.
        """
        ex = self._exercise(number)
        if not self.shows(ex.topic):
            return None
        if self.handout == "answers":
            return Feedback(number, "handout", f"**Answer:** {ex.worked()}")
        blank = answer is None or (isinstance(answer, str) and not answer.strip())
        if blank and not self.interactive:
            return Feedback(number, "handout", ANSWER_SPACE)
        if blank:
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
    handout: object = "interactive",
) -> Tour:
    """Return the :class:`Tour` for a topic (``all`` or one of :data:`TOPICS`), a locality
    (MAC-NN such as 01112-05, part of a name, or ``national``), a fee-schedule year (default the
    latest with RVUs), a date of service for the diagnoses (default today) and a handout mode
    (:data:`HANDOUTS`, or ``auto``).

    A year without GPCIs (one a user imported RVUs of without the GPCI file, such as 2019) gives
    national amounts and a note saying why, as the code card does. Raises WorkbookError for an
    unknown topic, a year without RVUs, a bad date, or a locality unknown in a year with GPCIs.
    """
    topic = validate_topic(topic)
    handout = validate_handout(handout)
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
            notes.append(phrase("no_gpcis", year=year, gpci_years=have, locality=given))
    return Tour(
        topic=topic, year=year, locality=given, date_of_service=day, gpci=gpci, notes=notes,
        handout=handout,
    )  # fmt: skip
