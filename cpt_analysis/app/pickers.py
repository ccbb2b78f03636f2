"""The pickers of the app's pages: a widget for each choice, the check that turns what a person
picked or typed into the value the package takes, and the one-line refusal shown next to it.

Every check calls the validators the command line uses (the :mod:`cpt_analysis.validation`
registry, :mod:`cpt_analysis.identifiers`, :func:`fees.payment.resolve_locality`, which also
takes a ZIP code), so a refusal is word for word the line ``cpt-workbook`` prints after
``cpt-workbook: error:``. Nothing here re-implements a rule.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

import ipywidgets as w

from ..errors import MissingGpciError, WorkbookError
from ..fees import explorer, pairings, payment  # noqa: F401  (they register their validators)
from ..identifiers import split_code_modifier
from ..practice import report  # noqa: F401  (registers encounters_path and column_map)
from ..reference import icd10, loaders  # noqa: F401  (register year, cpt_code, date_of_service)
from ..reference.loaders import gpci_years, load_gpci, rvu_years
from ..validation import VALIDATORS

# a locality option as the picker lists it: "01112-05 SAN FRANCISCO"; its MAC-NN id is used
OPTION_ID = re.compile(r"^(\d{5}-\d{2}) ")
NATIONAL = "national (GPCI 1.0)"
WIDTH = "22em"


def refusal(exc: BaseException) -> str:
    """The one line the CLI prints for a WorkbookError (after ``cpt-workbook: error:``): line
    breaks a user typed are shown, not obeyed, as :func:`cli.messages.say` shows them."""
    return str(exc).replace("\r", "\\r").replace("\n", "\\n")


def validator(name: str) -> Callable[[object], object]:
    """The validator the package registered for the notebook parameter ``name``."""
    return VALIDATORS[name]


def check_code(text: object, done: dict | None = None) -> str:
    """A code as a person types it (``97012``, `` g0283 ``, ``97012-26``) in canonical form
    (``G0283``, ``97012-26``), by the rule ``cpt-workbook lookup`` applies."""
    code, modifier = split_code_modifier(text)
    return f"{code}-{modifier}" if modifier else code


def check_year(value: object, done: dict | None = None) -> int:
    """A year with RVUs (the ``year`` validator of ``cpt-workbook run``)."""
    return validator("year")(value)


def check_setting(value: object, done: dict | None = None) -> str:
    """A setting word or place-of-service code (the ``setting`` validator)."""
    return validator("setting")(value)


def check_date(value: object, done: dict | None = None) -> str:
    """A date of service as YYYY-MM-DD (the ``date_of_service`` validator); none is today, as
    the CLI's default."""
    return validator("date_of_service")("" if value is None else value)


def locality_text(value: object) -> str:
    """What the locality picker holds, as the package takes it: an option's MAC-NN id, the
    national words, or what was typed (a ZIP, a MAC-NN id, words of a name)."""
    text = str(value or "").strip()
    if text == NATIONAL:
        return "national"
    found = OPTION_ID.match(text + " ")
    return found.group(1) if found else text


def check_locality(value: object, done: dict | None = None) -> str:
    """The locality as the package takes it, checked against the year chosen (``done["year"]``,
    else the latest year with RVUs) by :func:`payment.resolve_locality`, which takes ZIP codes;
    a known locality in a year without GPCIs passes (the page then shows national amounts and
    says why), as in the CLI."""
    text = locality_text(value)
    year = (done or {}).get("year") or rvu_years()[-1]
    try:
        payment.resolve_locality(text, year)
    except MissingGpciError:
        pass
    return text or "national"


def locality_label(text: str, year: int) -> str:
    """What a checked locality is, said back to the person: ``ZIP 94110: 01112-05 SAN
    FRANCISCO`` or the national amount."""
    try:
        row = payment.resolve_locality(text, year)
    except WorkbookError:
        return ""
    if row is None:
        return "national amounts (every GPCI 1.0)"
    said = f"{row['locality_id']} {row['locality_name']}"
    return f"ZIP {text[:5]}: {said}" if re.fullmatch(r"\d{5}(-?\d{4})?", text) else said


def locality_options(year: int | None = None) -> list[str]:
    """The localities to pick from, ``01112-05 SAN FRANCISCO`` (searchable by any part of the
    name), national first: those of ``year``, else of the latest year with GPCIs."""
    years = gpci_years()
    year = year if year in years else years[-1]
    gpci = load_gpci(year).sort_values("locality_id")
    return [NATIONAL, *(gpci["locality_id"] + " " + gpci["locality_name"]).tolist()]


def check_codes(value: object, done: dict | None = None) -> list[str]:
    """Codes separated by commas or spaces (the ``codes`` validator of the explorer)."""
    return validator("codes")(value)


def check_family(value: object, done: dict | None = None) -> str:
    """A family of codes, or none (the ``family`` validator)."""
    return validator("family")(value)


def check_years(value: object, done: dict | None = None) -> list[int]:
    """The years of a trend, from a range picker's (first, last) (the ``years`` validator)."""
    first, last = value
    return validator("years")([y for y in rvu_years() if first <= y <= last])


def check_volumes(value: object, done: dict | None = None) -> dict[str, int]:
    """Yearly units by code, ``97012:120, 97110:400`` (the ``volumes`` validator)."""
    return validator("volumes")(value)


def check_cpt(value: object, done: dict | None = None) -> str:
    """A code the tables hold, without modifier (the ``cpt_code`` validator of the notebooks)."""
    return validator("cpt_code")(value)


def check_icd10(value: object, done: dict | None = None) -> str:
    """An ICD-10-CM code or prefix (the ``icd10_code`` validator)."""
    return validator("icd10_code")(value)


def check_export(value: object, done: dict | None = None) -> str:
    """An encounter export's path, absolute; empty for the sample (``encounters_path``)."""
    return validator("encounters_path")(value)


def check_column_map(value: object, done: dict | None = None) -> str:
    """Columns not recognised by name, ``Their column=field; ...`` (``column_map``)."""
    return validator("column_map")(value)


def check_text(value: object, done: dict | None = None) -> str:
    """Free text such as a provider: kept as typed, without its outer spaces."""
    return str(value or "").strip()


@dataclass
class Picker:
    """One choice on a page: its widget, its check, and the line beside it (the refusal, or
    what a locality or ZIP was understood as)."""

    name: str
    widget: w.ValueWidget
    check: Callable[[object, dict], object]
    note: w.HTML = field(default_factory=lambda: w.HTML(layout=w.Layout(margin="0 0 0 1em")))
    describe: Callable[[object, dict], str] | None = None  # what a good value was taken as
    extra: list = field(default_factory=list)  # widgets beside it (the practice page's upload)

    @property
    def box(self) -> w.HBox:
        """The widget with its line beside it."""
        return w.HBox([self.widget, *self.extra, self.note])

    def read(self, done: dict) -> object:
        """Return the checked value; on a mistake show the refusal beside the widget and raise."""
        try:
            value = self.check(self.widget.value, done)
        except WorkbookError as exc:
            self.refuse(exc)
            raise
        self.say(self.describe(value, done) if self.describe else "")
        return value

    def refuse(self, exc: BaseException) -> None:
        """Show the one-line refusal beside the widget."""
        self.note.value = (
            f'<span class="cpt-refusal" style="color:#b00020">{escape(refusal(exc))}</span>'
        )

    def say(self, text: str) -> None:
        """Show a plain line beside the widget (empty to clear it)."""
        self.note.value = f'<span class="cpt-said" style="color:#555">{escape(text)}</span>'

    @property
    def message(self) -> str:
        """The text of the line beside the widget, without markup."""
        return re.sub(r"<[^>]+>", "", self.note.value).replace("&#x27;", "'").replace("&amp;", "&")


def _layout() -> w.Layout:
    return w.Layout(width=WIDTH)


STYLE = {"description_width": "9em"}


def code_picker(value: str = "97012", name: str = "cpt_code", modifiers: bool = True) -> Picker:
    """A code box: takes 97012, 97012-26 or `` g0283 `` (with ``modifiers``) and checks it when
    the person presses Enter or leaves the box."""
    box = w.Text(
        value=value,
        description="Code",
        placeholder="97012, G0283 or 72148-26",
        continuous_update=False,
        layout=_layout(),
        style=STYLE,
    )
    return Picker(name, box, check_code if modifiers else check_cpt)


def year_picker(value: int = 2025, name: str = "year", description: str = "Year") -> Picker:
    """A list of the years with RVUs, shipped or imported."""
    years = rvu_years()
    box = w.Dropdown(
        options=years,
        value=value if value in years else years[-1],
        description=description,
        layout=_layout(),
        style=STYLE,
    )
    return Picker(name, box, check_year)


def years_picker(name: str = "years") -> Picker:
    """A range of the years with RVUs, first to last."""
    years = rvu_years()
    box = w.SelectionRangeSlider(
        options=years,
        index=(0, len(years) - 1),
        description="Trend years",
        continuous_update=False,
        layout=_layout(),
        style=STYLE,
    )
    return Picker(name, box, check_years)


def locality_picker(value: str = "01112-05", year: int | None = None) -> Picker:
    """A locality box that lists the localities by MAC-NN id and name (typing filters them:
    ``san fran``) and takes a ZIP code or a MAC-NN id typed in; says what it understood."""
    options = locality_options(year)
    shown = next((o for o in options if o.startswith(f"{value} ")), value)
    box = w.Combobox(
        value=shown,
        options=options,
        description="Locality or ZIP",
        placeholder="name, ZIP code or MAC-NN",
        ensure_option=False,
        continuous_update=False,
        layout=_layout(),
        style=STYLE,
    )
    return Picker("locality", box, check_locality, describe=_said_locality)


def _said_locality(value: str, done: dict) -> str:
    return locality_label(value, done.get("year") or rvu_years()[-1])


def follow_year(locality: Picker, year: Picker) -> None:
    """Let the locality list follow the year chosen (localities change between years)."""

    def relist(change: dict) -> None:
        locality.widget.options = locality_options(change["new"])

    year.widget.observe(relist, names="value")


def setting_picker(value: str = "nonfacility") -> Picker:
    """A setting: non-facility or facility, or a place-of-service code typed in (11, 22)."""
    box = w.Combobox(
        value=value,
        options=["nonfacility", "facility"],
        description="Setting",
        placeholder="nonfacility, facility or a place of service (11)",
        ensure_option=False,
        continuous_update=False,
        layout=_layout(),
        style=STYLE,
    )
    return Picker("setting", box, check_setting)


def date_picker(value: str = "2026-06-01") -> Picker:
    """A date of service (for the ICD-10-CM checks and the release in force)."""
    box = w.DatePicker(
        value=dt.date.fromisoformat(value),
        description="Date of service",
        layout=_layout(),
        style=STYLE,
    )
    return Picker("date_of_service", box, check_date)


def text_picker(
    name: str, value: str, description: str, check: Callable, placeholder: str = ""
) -> Picker:
    """A text box checked by ``check`` when the person presses Enter or leaves it."""
    box = w.Text(
        value=value,
        description=description,
        placeholder=placeholder,
        continuous_update=False,
        layout=_layout(),
        style=STYLE,
    )
    return Picker(name, box, check)


def family_picker(value: str = "") -> Picker:
    """A family of codes from the workbook's list, or none."""
    families = sorted(loaders.load_codes()["family"].unique().tolist())
    box = w.Dropdown(
        options=[("(none: use the codes)", ""), *[(f, f) for f in families]],
        value=value if value in families else "",
        description="Family",
        layout=_layout(),
        style=STYLE,
    )
    return Picker("family", box, check_family)
