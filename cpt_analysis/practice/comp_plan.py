"""A wRVU compensation plan read from a small YAML file (see data/sample_comp_plan.yaml), or
the same items as a CSV table (:mod:`comp_plan_csv`).

Keys (a key the reader does not know is refused, naming it):

- ``plan``: a name for the plan (text, optional);
- ``base_salary``: dollars a year, paid whatever the wRVUs (accrued 1/12 a month);
- ``threshold_wrvus``: annual work RVUs above which the productivity bonus starts;
- ``tiers``: dollars per wRVU, in order; each tier but the last has ``up_to_wrvus`` (an annual
  wRVU count above the threshold and above the tier before); the last may have none (open);
- ``rvu_year``: ``current`` (each line's own year's RVUs) or a year with RVUs, whose RVUs count
  for every line (a contract frozen at 2020's RVUs: ``rvu_year: 2020``);
- ``credit``: shares of a line's work RVUs credited, 0 to 1 (default 1, as CMS lists them):
  ``professional_component`` (modifier 26), ``technical_component`` (modifier TC; CMS's TC
  rows usually carry no work RVUs), ``assistant_at_surgery`` (80, 81, 82 or AS on the line),
  and ``excluded_codes``: codes never credited, each quoted ('99211');
- ``benchmarks``: {label: annual wRVUs} of benchmarks the user holds. None is shipped.

Every mistake is one line (WorkbookError), naming the key.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import WorkbookError
from ..identifiers import normalize_hcpcs
from ..reference.loaders import rvu_year
from .comp_plan_csv import plan_dict

KEYS = ("plan", "base_salary", "threshold_wrvus", "tiers", "rvu_year", "credit", "benchmarks")
REQUIRED = ("base_salary", "threshold_wrvus", "tiers")
TIER_KEYS = ("up_to_wrvus", "dollars_per_wrvu")
CREDIT_KEYS = ("professional_component", "technical_component", "assistant_at_surgery")
CREDIT_KEYS += ("excluded_codes",)
MAX_SALARY = 100_000_000
MAX_WRVUS = 1_000_000
MAX_RATE = 10_000
SUFFIXES = (".yaml", ".yml", ".csv")
EXAMPLE = "see data/sample_comp_plan.yaml"


@dataclass(frozen=True)
class Tier:
    """Dollars per wRVU from ``lower`` to ``upper`` annual wRVUs (None: no upper bound)."""

    lower: float
    upper: float | None
    rate: float


@dataclass(frozen=True)
class Plan:
    """A compensation plan, checked. ``rvu_year`` None means each line's own year."""

    name: str
    base_salary: float
    threshold: float
    tiers: tuple[Tier, ...]
    rvu_year: int | None = None
    professional_component: float = 1.0
    technical_component: float = 1.0
    assistant_at_surgery: float = 1.0
    excluded_codes: tuple[str, ...] = ()
    benchmarks: dict[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def rvu_words(self) -> str:
        return "each line's own year's RVUs" if self.rvu_year is None else f"{self.rvu_year} RVUs"

    def bonus(self, wrvus: float) -> float:
        """The annual productivity bonus of ``wrvus`` work RVUs, in dollars (to the cent)."""
        total = 0.0
        for tier in self.tiers:
            top = wrvus if tier.upper is None else min(wrvus, tier.upper)
            total += max(0.0, top - tier.lower) * tier.rate
        return round(total, 2)

    def with_rvu_year(self, year: int | None) -> Plan:
        """The same plan counting another year's RVUs (None: each line's own year)."""
        return Plan(**{**self.__dict__, "rvu_year": None if year is None else rvu_year(year)})


def _where(path: Path) -> str:
    return path.name


def _read_text(path: str | Path) -> tuple[Path, str]:
    file = Path(path).expanduser()
    fix = f"give a plan file (.yaml or .csv); {EXAMPLE}"
    if file.is_dir():
        raise WorkbookError(f"{path} is a folder", fix)
    if not file.exists():
        raise WorkbookError(f"{path} does not exist", "check the path")
    if not file.is_file():
        raise WorkbookError(f"{path} is not a regular file", fix)
    if file.suffix.lower() not in SUFFIXES:
        raise WorkbookError(f"{path} is not a .yaml or .csv file", fix)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorkbookError(f"{path} is not UTF-8 text", fix) from None
    except OSError as exc:
        raise WorkbookError(f"cannot read {path} ({exc.strerror})", "check the path") from None
    return file, text


def _compose(file: Path, text: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not YAML"
        raise WorkbookError(
            f"{_where(file)} is not valid YAML ({line}{problem})", EXAMPLE
        ) from None
    if node is None:
        raise WorkbookError(f"{_where(file)} is empty", f"write a plan in it; {EXAMPLE}")
    if not isinstance(node, yaml.MappingNode):
        raise WorkbookError(f"{_where(file)} is not a plan of keys and values", EXAMPLE)
    return node


def _check_codes_quoted(file: Path, root: yaml.MappingNode) -> None:
    """Codes are text: an unquoted 00100 is the number 64 to YAML, so every code is quoted."""
    credit = next((v for k, v in root.value if k.value == "credit"), None)
    if not isinstance(credit, yaml.MappingNode):
        return
    codes = next((v for k, v in credit.value if k.value == "excluded_codes"), None)
    if not isinstance(codes, yaml.SequenceNode):
        return
    for item in codes.value:
        if isinstance(item, yaml.ScalarNode) and item.style is None:
            read = yaml.SafeLoader("").construct_object(item)
            how = f" (YAML reads it as the number {read})" if str(read) != item.value else ""
            raise WorkbookError(
                f"code {item.value} in credit.excluded_codes of {_where(file)} is not quoted{how}",
                f"write it as '{item.value}'",
            )


def _unknown(file: Path, data: dict, known: tuple, where: str) -> None:
    for key in data:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {near[0]}? " if near else ""
            raise WorkbookError(
                f"unknown key '{key}'{where} in {_where(file)}",
                f"{hint}the keys are {', '.join(known)}",
            )


def _number(value: object, what: str, top: float, whole: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value):
        raise WorkbookError(f"{what} is {value!r}", "give a number such as 4000 (no commas)")
    if value < 0:
        raise WorkbookError(f"{what} is {value:g}", "give a number of 0 or more")
    if value > top:
        raise WorkbookError(f"{what} is {value:,g}", f"give a number up to {top:,g}")
    return float(value)


def _tiers(file: Path, value: object, threshold: float) -> tuple[Tier, ...]:
    if not isinstance(value, list) or not value:
        raise WorkbookError(
            f"tiers of {_where(file)} is not a list of tiers",
            "list each tier as '- up_to_wrvus: 6000' with 'dollars_per_wrvu: 50' under it",
        )
    tiers, lower = [], threshold
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise WorkbookError(f"tier {i} is {item!r}", "give up_to_wrvus and dollars_per_wrvu")
        _unknown(file, item, TIER_KEYS, f" in tier {i}")
        if "dollars_per_wrvu" not in item:
            raise WorkbookError(f"tier {i} has no dollars_per_wrvu", "give the dollars per wRVU")
        rate = _number(item["dollars_per_wrvu"], f"dollars_per_wrvu of tier {i}", MAX_RATE)
        upper = item.get("up_to_wrvus")
        if upper is None and i < len(value):
            raise WorkbookError(
                f"tier {i} has no up_to_wrvus", "only the last tier may be open-ended"
            )
        if upper is not None:
            upper = _number(upper, f"up_to_wrvus of tier {i}", MAX_WRVUS)
            if upper <= lower:
                below = f"tier {i - 1}'s {lower:,g}" if i > 1 else f"threshold_wrvus {lower:,g}"
                raise WorkbookError(
                    f"tier {i} (up to {upper:,g} wRVUs) overlaps: it ends at or below {below}",
                    "give each tier an up_to_wrvus above the one before",
                )
        tiers.append(Tier(lower, upper, rate))
        lower = upper if upper is not None else lower
    return tuple(tiers)


def _credit(file: Path, value: object) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WorkbookError(f"credit of {_where(file)} is {value!r}", "give its keys and shares")
    _unknown(file, value, CREDIT_KEYS, " under credit")
    out: dict = {k: _number(value[k], f"credit.{k}", 1.0) for k in CREDIT_KEYS[:3] if k in value}
    codes = value.get("excluded_codes") or []
    if not isinstance(codes, list):
        raise WorkbookError("credit.excluded_codes is not a list", "write ['99211', '99212']")
    out["excluded_codes"] = tuple(normalize_hcpcs(str(c)) for c in codes)
    return out


def _rvu_year(value: object) -> int | None:
    if value is None or str(value).strip().lower() == "current":
        return None
    try:
        return rvu_year(value)
    except WorkbookError as exc:
        raise WorkbookError(f"rvu_year: {exc.problem}", f"write current, or {exc.fix}") from None


def _benchmarks(value: object) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WorkbookError("benchmarks is not a list of label: wRVUs", "write 'label: 4800'")
    return {str(k): _number(v, f"benchmark '{k}'", MAX_WRVUS) for k, v in value.items()}


def _yaml_dict(file: Path, text: str) -> dict:
    root = _compose(file, text)
    _check_codes_quoted(file, root)
    return yaml.SafeLoader("").construct_document(root)


def read_plan(path: str | Path) -> Plan:
    """Return the :class:`Plan` of a YAML file (or a CSV table, see :mod:`comp_plan_csv`).
    Raises WorkbookError (one line) for a folder, a missing, empty or unreadable file, an
    unknown key, a code written unquoted, a missing or negative or absurd number, tiers that
    overlap, or an rvu_year without RVUs."""
    file, text = _read_text(path)
    if file.suffix.lower() == ".csv":
        data = plan_dict(_where(file), text)
        if data is None:
            raise WorkbookError(f"{_where(file)} is empty", f"write a plan in it; {EXAMPLE}")
    else:
        data = _yaml_dict(file, text)
    _unknown(file, data, KEYS, "")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise WorkbookError(f"{_where(file)} has no {', '.join(missing)}", EXAMPLE)
    threshold = _number(data["threshold_wrvus"], "threshold_wrvus", MAX_WRVUS)
    return Plan(
        name=str(data.get("plan") or file.stem),
        base_salary=_number(data["base_salary"], "base_salary", MAX_SALARY),
        threshold=threshold,
        tiers=_tiers(file, data["tiers"], threshold),
        rvu_year=_rvu_year(data.get("rvu_year")),
        benchmarks=_benchmarks(data.get("benchmarks")),
        source=str(file),
        **_credit(file, data.get("credit")),
    )
