"""Reading and writing code articles in the seed's shape (cpt_analysis.articles.text)."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cpt_analysis import WorkbookError
from cpt_analysis.articles.text import SECTIONS, Article, heading_of, is_structural, parse, render
from cpt_analysis.articles.writer import article_for
from cpt_analysis.reference.loaders import load_codes


def test_the_seed_parses_into_exactly_its_facts(seed_path):
    text = seed_path.read_text(encoding="utf-8")
    article = parse(text, "seed")
    assert article.code == "97012"
    assert article.common_names == (
        "Spinal Traction",
        "Mechanical Traction Therapy",
        "Traction Treatment",
    )
    assert article.rvu == 0.25
    assert article.rvu_notes == ()
    assert article.or_schedule_name == "Mechanical Traction"
    assert article.consent_form_name == "Mechanical Traction Therapy"
    assert article.icd10_codes == ["M51.2", "M54.2", "M54.5"]
    assert article.icd10[1] == ("M54.2", "Refers to cervicalgia, commonly known as neck pain.")
    assert article.icd10[0][1].startswith("Represents displacement of the lumbar intervertebral")
    assert article.icd10[2][1].startswith("Describes low back pain")
    assert article.explanation.startswith("This procedure involves using a device to apply")
    assert article.explanation.endswith(
        "does not include manual adjustments or other hands-on therapies."
    )
    assert "herniated discs" in article.typical_patients
    assert article.summary.startswith("In summary, code 97012 describes a treatment")
    assert article.summary_codes == ["M51.2", "M54.2"]  # the summary drops M54.5
    assert "registered trademarks of the American Medical Association" in article.disclaimer
    assert article.order == SECTIONS
    assert article.missing == []
    assert article.unread == ()
    assert len(article.quoted) == 1 and len(article.quoted[0]) == 67  # the AMA descriptor
    # writing it back gives the seed's own text, line for line
    assert render(article) == text.rstrip("\n") + "\n"


VARIANT = """\
# HCPCS note
CPT code 97110 covers exercises a therapist teaches and supervises to build strength.

## Common names
* Therapeutic Exercise
• Strength Training
- Exercise Therapy

**Relative Value Units**
In 2025 the work figure was about 0.45 RVUs for one unit.
Totals differ by setting.

Associated ICD-10 codes
- M54.50 - Low back pain, not otherwise specified
* m6281 (Muscle weakness)
- M25.561: Pain in right knee
- R26.89
This line explains nothing in particular.

Explanation
The patient works through exercises for range of motion, strength and endurance.

Operating Room Schedule Name: Therapeutic Exercise
In summary, 97110 is timed exercise therapy; M54.50 and M62.81 are common reasons for it.
"""


def test_variations_are_read_and_missing_parts_reported():
    article = parse(VARIANT, "variant")
    assert article.code == "97110"
    assert article.intro.startswith("# HCPCS note\nCPT code 97110 covers")
    assert article.common_names == ("Therapeutic Exercise", "Strength Training", "Exercise Therapy")
    assert article.rvu == 0.45  # not 2025
    assert article.rvu_notes == ("Totals differ by setting.",)
    assert article.icd10 == (
        ("M54.50", "Low back pain, not otherwise specified"),
        ("m6281", "Muscle weakness"),
        ("M25.561", "Pain in right knee"),
        ("R26.89", ""),
    )
    assert article.unread == ("This line explains nothing in particular.",)
    assert article.explanation.startswith("The patient works through exercises")
    assert article.or_schedule_name == "Therapeutic Exercise"
    assert article.consent_form_name is None
    assert article.summary.startswith("In summary, 97110 is timed")
    assert article.summary_codes == ["M54.50", "M62.81"]
    assert article.order == ("common_names", "rvu", "icd10", "explanation", "summary")
    assert article.missing == [
        "Surgical Consent Form Name",
        "Typical Patients and Diagnoses",
        "Disclaimer",
    ]
    # rendered in the article's own order; the unread line is not carried over
    assert parse(render(article)) == article


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Common Names:", ("common_names", "")),
        ("common names", ("common_names", "")),
        ("### Common Names", ("common_names", "")),
        ("**Common Names:**", ("common_names", "")),
        ("Common Names: Spinal Traction, Traction", ("common_names", "Spinal Traction, Traction")),
        ("Relative Value Units (RVU):", ("rvu", "")),
        ("RVUs: 0.25", ("rvu", "0.25")),
        ("Associated ICD-10-CM Codes", ("icd10", "")),
        ("Summary", ("summary", "")),
        ("Disclaimer:", ("disclaimer", "")),
        ("The summary of it", None),
        ("Common names of this procedure vary.", None),
    ],
)
def test_headings(line, expected):
    assert heading_of(line) == expected


def test_inline_names_and_bare_figures():
    text = (
        "CPT code 97012 is traction.\nCommon Names: Spinal Traction; Traction Treatment\nRVUs: 1\n"
    )
    article = parse(text)
    assert article.common_names == ("Spinal Traction", "Traction Treatment")
    assert article.rvu == 1.0
    assert article.missing[0] == "Procedure Explanation"


def test_windows_line_ends_work_rvu_heading_and_a_list_of_codes_on_one_line():
    text = (
        "CPT code 97012 is traction.\r\nWork RVU: 0.25\r\nCommon diagnoses:\r\n"
        "M51.2, M54.2 and M54.5.\r\n- M54.16: Radiculopathy, lumbar\r\n"
        "Typical codes include M54.2 for neck pain.\r\nSummary\r\nDone.\r\n"
    )
    article = parse(text)
    assert article.rvu == 0.25
    assert article.icd10 == (
        ("M51.2", ""),
        ("M54.2", ""),
        ("M54.5", ""),
        ("M54.16", "Radiculopathy, lumbar"),
    )
    assert article.unread == ("Typical codes include M54.2 for neck pain.",)
    assert article.order == ("rvu", "icd10", "summary")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "",
            "notes.txt is empty: a code article opens like 'CPT code 97012 refers to ...' and "
            "has headings such as Common Names:, Relative Value Units (RVU): and Associated "
            "ICD-10 Codes:.",
        ),
        (
            "Shopping list\nCommon Names:\n- bread\nSummary\nmilk",
            "notes.txt is not a code article: it names no CPT or HCPCS code: a code article "
            "opens like 'CPT code 97012 refers to ...' and has headings such as Common Names:, "
            "Relative Value Units (RVU): and Associated ICD-10 Codes:.",
        ),
        (
            "CPT code 97012 is billed often.\nIt is common in clinics.",
            "notes.txt is not a code article: it has 0 of the sections such an article has: a "
            "code article opens like 'CPT code 97012 refers to ...' and has headings such as "
            "Common Names:, Relative Value Units (RVU): and Associated ICD-10 Codes:.",
        ),
    ],
)
def test_a_text_that_is_not_an_article_is_refused(text, message):
    with pytest.raises(WorkbookError) as err:
        parse(text, "notes.txt")
    assert str(err.value) == message


def test_the_workbook_article_of_97012_says_what_is_stale():
    article = article_for("97012", year=2026, date_of_service="2026-06-01")
    text = render(article)
    assert article.rvu == 0.24  # RVU26C work RVU
    assert "the total is 0.43 in an office and 0.43 in a facility" in text
    assert "Medicare's national amount in an office is $14.36" in text  # 0.43 x 33.4009
    assert (
        "- M54.5: Low back pain. Not billable on 2026-06-01: it is a header; bill one of "
        "M54.50, M54.51, M54.59 instead." in text
    )
    assert "- M54.2: Cervicalgia\n" in text
    assert article.missing == []
    assert article_for("97012", year=2025).rvu == 0.25


def test_every_shipped_code_has_an_article_that_reads_back():
    for code in load_codes()["code"]:
        article = article_for(code, date_of_service="2026-06-01")
        text = render(article)
        assert parse(text) == article, code
        assert article.quoted == [], code  # never an official descriptor


# --- round trip: parse(render(a)) == a for any article ---------------------------------------

WORDS = st.sampled_from(
    "pain spine gentle pull machine neck back disc patient therapy relief pressure nerve "
    "session minutes office staff device reduce lower joint stretch heat cold it's (often) "
    "e.g. — 3 7.5 “quoted” x-ray 50% a/b".split()
)
ODD = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=8)
WORD = st.one_of(WORDS, ODD)


def _sentence(words):
    return (" ".join(words)).capitalize() + "."


SENTENCE = st.lists(WORD, min_size=1, max_size=10).map(_sentence)
LINE = st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join)
TEXT = st.lists(st.one_of(LINE, st.just("")), min_size=1, max_size=4).map(
    lambda lines: "\n".join(lines).strip("\n").replace("\n\n\n", "\n\n")
)
NAME = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
NOTE = st.lists(st.sampled_from("total office facility differs by setting and".split()), min_size=1, max_size=6).map(_sentence)  # fmt: skip
ICD10 = st.from_regex(r"[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", fullmatch=True)
HCPCS = st.from_regex(r"[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}", fullmatch=True)


def _clean(text):
    lines = text.split("\n")
    while "" in lines[-1:]:
        lines.pop()
    out = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


@st.composite
def articles(draw):
    code = draw(HCPCS)
    order = tuple(draw(st.permutations(SECTIONS))[: draw(st.integers(0, len(SECTIONS)))])
    has = set(order)

    def text(key):
        return _clean(draw(TEXT)) if key in has else None

    rvu = draw(st.none() | st.decimals(0, 500, places=2).map(float)) if "rvu" in has else None
    article = Article(
        code=code,
        intro=_clean(f"CPT code {code} refers to {draw(LINE)}\n{draw(TEXT)}"),
        explanation=text("explanation"),
        common_names=tuple(draw(st.lists(NAME, max_size=4))) if "common_names" in has else None,
        rvu=rvu,
        rvu_notes=tuple(draw(st.lists(NOTE, max_size=2))) if "rvu" in has else (),
        or_schedule_name=draw(st.none() | NAME),
        consent_form_name=draw(st.none() | NAME),
        typical_patients=text("typical_patients"),
        icd10=tuple(draw(st.lists(st.tuples(ICD10, st.one_of(st.just(""), LINE)), max_size=4)))
        if "icd10" in has
        else None,
        summary=text("summary"),
        disclaimer=text("disclaimer"),
        order=order,
    )
    lines = render(article).splitlines()
    headings = {h for h in _headings(article)}
    assume(not any(is_structural(x) for x in lines if x not in headings))
    assume(len(order) + bool(article.or_schedule_name or article.consent_form_name) >= 2)
    return article


def _headings(article):
    from cpt_analysis.articles.text import HEADINGS, _field_lines

    return {HEADINGS[k] for k in article.order} | set(_field_lines(article))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(articles())
def test_parse_of_render_gives_the_article_back(article):
    assert parse(render(article)) == article


HEADING_STYLES = [
    lambda h: h,
    lambda h: h.rstrip(":"),
    lambda h: "## " + h.rstrip(":"),
    lambda h: f"**{h.rstrip(':')}:**",
    lambda h: h.upper(),
]
BULLETS = ["- ", "* ", "\u2022 "]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(articles(), st.data())
def test_variations_of_a_rendered_article_read_the_same(article, data):
    from cpt_analysis.articles.text import HEADINGS

    headings = set(HEADINGS.values())
    out = []
    for line in render(article).splitlines():
        if line in headings:
            line = data.draw(st.sampled_from(HEADING_STYLES))(line)
        elif line.startswith("- "):
            line = data.draw(st.sampled_from(BULLETS)) + line[2:]
        elif line.startswith("The RVUs associated with this code are "):
            line = f"{line.rsplit(' ', 1)[1].rstrip('.')} RVUs"
        out.append(line)
    assert parse("\n".join(out)) == article
