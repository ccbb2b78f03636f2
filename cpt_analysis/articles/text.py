"""Knowledge articles about one code, in the founding article's shape: reading and writing text.

Such an article (the seed is ``../shared/seeds/000_23c12480723c5fac.txt``) opens with a paragraph
naming the code, then has sections: Procedure Explanation, Common Names, Relative Value Units,
How This Procedure Appears (operating-room schedule and consent-form names), Typical Patients and
Diagnoses, Associated ICD-10 Codes, Summary and Disclaimer. :func:`parse` reads one into an
:class:`Article`; :func:`render` writes one back, so ``parse(render(a)) == a``.

Both are pure text functions. Building an article from the tables is ``article_writer``'s job,
checking one against the tables ``article_review``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import WorkbookError

# section keys in the seed's order, with the heading render() writes for each
HEADINGS = {
    "explanation": "Procedure Explanation:",
    "common_names": "Common Names:",
    "rvu": "Relative Value Units (RVU):",
    "appears": "How This Procedure Appears:",
    "typical_patients": "Typical Patients and Diagnoses:",
    "icd10": "Associated ICD-10 Codes:",
    "summary": "Summary",
    "disclaimer": "Disclaimer",
}
SECTIONS = tuple(HEADINGS)
# headings parse() recognises (whole heading, case-insensitive, colon, # and ** optional)
_ALIASES = {
    "explanation": r"(procedure )?(explanation|description)( of (the|this) procedure)?"
    r"|what (the|this) procedure (is|involves)",
    "common_names": r"common( procedure)? names|also known as|other names|alternative names",
    "rvu": r"((work |total )?relative value units?|(work |total )?rvus?)( \(rvus?\))?",
    "appears": r"how (this|the) procedure appears|names on (schedules|forms)",
    "typical_patients": r"typical patients( and diagnoses)?|who (is it for|receives (it|this))",
    "icd10": r"(associated |related |common |typical )?(icd[- ]?10(-cm)?|diagnosis) codes"
    r"|(associated|common|typical) diagnoses",
    "summary": r"(in )?summary|conclusion",
    "disclaimer": r"disclaimer",
}
_HEADING = {key: re.compile(rf"(?:{rx})", re.IGNORECASE) for key, rx in _ALIASES.items()}
_FIELDS = {
    "or_schedule_name": re.compile(
        r"(?:operating room|OR) schedule name\s*[:\-\u2013\u2014]\s*(.*)", re.IGNORECASE
    ),
    "consent_form_name": re.compile(
        r"(?:surgical )?consent form name\s*[:\-\u2013\u2014]\s*(.*)", re.IGNORECASE
    ),
}
_BULLET = re.compile(r"^(?:[-*\u2022\u2013]|\d{1,2}[.)])\s+(.*)$")
_ICD10_ITEM = re.compile(
    r"^\**(?P<code>(?:[A-Z][0-9][0-9A-Z]|[A-Z]{2}[0-9])(?:\.?[0-9A-Z]{1,4})?)\**(?![\w.])\s*"
    r"(?:\((?P<paren>.*)\)\s*$|[:\-\u2013\u2014]?\s*(?P<desc>.*))$",
    re.IGNORECASE,
)
_ICD10_CODE = r"(?:[A-Z][0-9][0-9A-Z]|[A-Z]{2}[0-9])(?:\.?[0-9A-Z]{1,4})?"
_ICD10_LIST = re.compile(
    rf"{_ICD10_CODE}(?:\s*[,;]\s*(?:and\s+)?{_ICD10_CODE}|\s+and\s+{_ICD10_CODE})+\.?",
    re.IGNORECASE,
)
_ICD10_IN_PROSE = re.compile(r"\b(?:[A-TV-Z][0-9][0-9AB]|QA0)\.[0-9A-TV-Z]{1,4}\b")
_CODE = [
    re.compile(r"\b(?:CPT\u00ae?|HCPCS)(?:\s+code)?\s+(\d{4}[0-9A-Z]|[A-Z]\d{4})\b", re.I),
    re.compile(r"\bcode\s+(\d{4}[0-9A-Z]|[A-Z]\d{4})\b", re.IGNORECASE),
]
_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\.\d+|\d+)(?![\w])(\s*RVU)?", re.IGNORECASE)
_QUOTED = re.compile(r"[\u201c\"]([^\u201d\"]{8,})[\u201d\"]")
NOT_AN_ARTICLE_FIX = (
    "a code article opens like 'CPT code 97012 refers to ...' and has headings such as "
    "Common Names:, Relative Value Units (RVU): and Associated ICD-10 Codes:"
)
TITLES = {
    "explanation": "Procedure Explanation",
    "common_names": "Common Names",
    "rvu": "Relative Value Units (a figure)",
    "or_schedule_name": "Operating Room Schedule Name",
    "consent_form_name": "Surgical Consent Form Name",
    "typical_patients": "Typical Patients and Diagnoses",
    "icd10": "Associated ICD-10 Codes",
    "summary": "Summary",
    "disclaimer": "Disclaimer",
}


@dataclass(frozen=True)
class Article:
    """The facts of one code article. ``None`` means the article lacks that part.

    Text parts keep the article's words (lines stripped, paragraphs separated by a blank line).
    ``icd10`` holds (code as written, description) pairs; ``rvu`` is the figure the RVU section
    gives and ``rvu_notes`` its other lines; ``order`` the sections in the order the article has
    them. ``unread`` lists lines parse() could not place (not part of equality).
    """

    code: str
    intro: str | None = None
    explanation: str | None = None
    common_names: tuple[str, ...] | None = None
    rvu: float | None = None
    rvu_notes: tuple[str, ...] = ()
    or_schedule_name: str | None = None
    consent_form_name: str | None = None
    typical_patients: str | None = None
    icd10: tuple[tuple[str, str], ...] | None = None
    summary: str | None = None
    disclaimer: str | None = None
    order: tuple[str, ...] = ()
    unread: tuple[str, ...] = field(default=(), compare=False)

    @property
    def missing(self) -> list[str]:
        """Return the titles of the parts the article lacks or leaves empty, in the seed's order."""
        return [title for key, title in TITLES.items() if not getattr(self, key)]

    @property
    def icd10_codes(self) -> list[str]:
        """Return the associated ICD-10 codes as written."""
        return [code for code, _ in self.icd10 or ()]

    @property
    def summary_codes(self) -> list[str]:
        """Return the ICD-10 codes the summary names (dotted, as written), in order."""
        return _ICD10_IN_PROSE.findall(self.summary or "")

    @property
    def quoted(self) -> list[str]:
        """Return text the opening quotes, which is often the official (AMA) descriptor."""
        return [q.strip() for q in _QUOTED.findall(self.intro or "")]


def heading_of(line: str) -> tuple[str, str] | None:
    """Return (section key, text after the heading) if ``line`` is a section heading, else None.

    ``Common Names:``, ``## Common names``, ``**Common Names**`` and ``Common Names: A, B`` are
    headings; so is ``Summary`` without a colon.
    """
    text = line.strip().lstrip("#").strip().replace("**", "").replace("__", "").strip()
    head, colon, rest = text.partition(":")
    for key, rx in _HEADING.items():
        if rx.fullmatch(head.strip()):
            return key, rest.strip() if colon else ""
    return None


def field_of(line: str) -> tuple[str, str] | None:
    """Return (field, value) for an operating-room schedule or consent-form name line."""
    text = _unbullet(line).replace("**", "")
    for key, rx in _FIELDS.items():
        found = rx.fullmatch(text)
        if found:
            return key, found.group(1).strip()
    return None


def is_structural(line: str) -> bool:
    """Return True if parse() would read ``line`` as a heading, a name field or a summary start;
    such lines cannot sit inside a text part."""
    text = line.strip()
    return bool(
        heading_of(text) or field_of(text) or re.match(r"in summary\b", text, re.IGNORECASE)
    )


def _unbullet(line: str) -> str:
    found = _BULLET.match(line.strip())
    return found.group(1).strip() if found else line.strip()


def _text(lines: list[str]) -> str:
    """Join a part's lines: stripped, runs of blank lines as one, none at either end."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _names(lines: list[str], unread: list[str]) -> tuple[str, ...]:
    lines = [x for x in lines if x]
    bullets = [_BULLET.match(x) for x in lines]
    if not any(bullets):
        return tuple(n.strip() for x in lines for n in re.split(r"[,;]", x) if n.strip())
    unread += [x for x, b in zip(lines, bullets, strict=True) if not b]
    return tuple(b.group(1).strip() for b in bullets if b)


def _figure(line: str) -> float | None:
    numbers = list(_NUMBER.finditer(line))
    for found in numbers:
        value = found.group(1)
        if "." in value or found.group(2):
            return float(value)
    for found in numbers:
        if not re.fullmatch(r"(19|20)\d\d", found.group(1)):
            return float(found.group(1))
    return None


def _rvu(lines: list[str]) -> tuple[float | None, tuple[str, ...]]:
    lines = [x for x in lines if x]
    for i, line in enumerate(lines):
        value = _figure(line)
        if value is not None:
            return value, tuple(lines[:i] + lines[i + 1 :])
    return None, tuple(lines)


def _icd10(lines: list[str], unread: list[str]) -> tuple[tuple[str, str], ...]:
    items = []
    for line in lines:
        if not line:
            continue
        item = _unbullet(line)
        if _ICD10_LIST.fullmatch(item):  # "M51.2, M54.2 and M54.5": codes without descriptions
            codes = re.findall(_ICD10_CODE, item.rstrip("."), re.IGNORECASE)
            items += [(code, "") for code in codes]
            continue
        found = _ICD10_ITEM.match(item)
        if not found:
            unread.append(line)
            continue
        desc = found.group("paren") if found.group("paren") is not None else found.group("desc")
        items.append((found.group("code"), (desc or "").strip()))
    return tuple(items)


def _find_code(intro: str, text: str) -> str | None:
    for rx in _CODE:
        for where in (intro, text):
            found = rx.search(where)
            if found:
                return found.group(1).upper()
    return None


def _split(text: str) -> tuple[dict[str, list[str]], list[str], dict[str, str]]:
    """Split an article into its parts' lines, the section order, and the name fields."""
    parts: dict[str, list[str]] = {"intro": []}
    order: list[str] = []
    fields: dict[str, str] = {}
    current = "intro"
    for raw in text.replace("\ufeff", "").replace("\u200b", "").splitlines():
        line = raw.strip()
        named = field_of(line)
        if named:
            fields.setdefault(*named)
            continue
        heading = heading_of(line)
        if heading is None and current != "summary" and re.match(r"in summary\b", line, re.I):
            heading = ("summary", line)
        if heading:
            current, rest = heading
            if current not in parts:
                parts[current] = []
                order.append(current)
            if rest:
                parts[current].append(rest)
            continue
        parts[current].append(line)
    return parts, order, fields


def parse(text: str, source: str = "the text") -> Article:
    """Return the :class:`Article` that ``text`` holds.

    Headings may carry a colon or not, be Markdown (``## ...``, ``**...**``) and come in any
    order; bullets may be ``-``, ``*`` or ``•``; the RVU may read ``0.25`` or ``0.25 RVUs``;
    ICD-10 codes may be followed by ``: description``, ``- description`` or ``(description)``.
    Parts the article lacks stay ``None`` (see :attr:`Article.missing`), never invented.
    Raises WorkbookError (naming ``source``) for a text that names no CPT/HCPCS code or has
    fewer than two of an article's sections.
    """
    if not text or not text.strip():
        raise WorkbookError(f"{source} is empty", NOT_AN_ARTICLE_FIX)
    parts, order, fields = _split(text)
    intro = _text(parts["intro"])
    code = _find_code(intro, text)
    if code is None:
        raise WorkbookError(
            f"{source} is not a code article: it names no CPT or HCPCS code", NOT_AN_ARTICLE_FIX
        )
    if len(order) + bool(fields) < 2:
        raise WorkbookError(
            f"{source} is not a code article: it has {len(order) + bool(fields)} of the "
            "sections such an article has",
            NOT_AN_ARTICLE_FIX,
        )
    unread: list[str] = []
    unread += [x for x in parts.get("appears", []) if x]
    rvu, notes = _rvu(parts["rvu"]) if "rvu" in parts else (None, ())

    def text_of(key: str) -> str | None:
        return _text(parts[key]) if key in parts else None

    return Article(
        code=code,
        intro=intro or None,
        explanation=text_of("explanation"),
        common_names=_names(parts["common_names"], unread) if "common_names" in parts else None,
        rvu=rvu,
        rvu_notes=notes,
        or_schedule_name=fields.get("or_schedule_name"),
        consent_form_name=fields.get("consent_form_name"),
        typical_patients=text_of("typical_patients"),
        icd10=_icd10(parts["icd10"], unread) if "icd10" in parts else None,
        summary=text_of("summary"),
        disclaimer=text_of("disclaimer"),
        order=tuple(order),
        unread=tuple(unread),
    )


def format_rvu(value: float) -> str:
    """Return an RVU figure as text that reads back as the same number (``0.25``, ``12.0``)."""
    return repr(float(value))


def _field_lines(article: Article) -> list[str]:
    out = []
    if article.or_schedule_name is not None:
        out.append(f"- Operating Room Schedule Name: {article.or_schedule_name}")
    if article.consent_form_name is not None:
        out.append(f"- Surgical Consent Form Name: {article.consent_form_name}")
    return out


def _section_lines(article: Article, key: str) -> list[str]:
    if key == "common_names":
        return [f"- {name}" for name in article.common_names or ()]
    if key == "rvu":
        lines = [] if article.rvu is None else [
            f"The RVUs associated with this code are {format_rvu(article.rvu)}."
        ]  # fmt: skip
        return lines + list(article.rvu_notes)
    if key == "appears":
        return _field_lines(article)
    if key == "icd10":
        return [f"- {code}: {desc}" if desc else f"- {code}" for code, desc in article.icd10 or ()]
    value = getattr(article, key)
    return [value] if value else []


def render(article: Article) -> str:
    """Return the article as text in the seed's shape: the opening paragraph, then each section
    under its heading, in ``article.order`` (the seed's order when empty). A section the article
    lacks is left out, never filled in.
    """
    order = article.order or tuple(
        key for key in SECTIONS if key != "appears" and _section_lines(article, key)
    )
    lines = [article.intro] if article.intro else [f"CPT code {article.code}"]
    if "appears" not in order:
        lines += _field_lines(article)
    for key in order:
        lines.append(HEADINGS[key])
        lines += _section_lines(article, key)
    return "\n".join(lines) + "\n"
