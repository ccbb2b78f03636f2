"""Decisions made on flags and constants, never on the words of a message: the ICD-10-CM code
set of a later fiscal year that was not added, the guidance note a notebook shows apart, and
an unpaid amount in the card's text."""

from cpt_analysis.articles.review import review
from cpt_analysis.articles.text import parse
from cpt_analysis.fees import cardtext
from cpt_analysis.fees.card import code_card
from cpt_analysis.fees.pairings import GUIDANCE_NOTE
from cpt_analysis.reference import icd10

ARTICLE = """\
CPT code 97012 refers to mechanical traction.

Common Names:
- Mechanical Traction

Associated ICD-10 Codes:
- M54.2: Cervicalgia
"""


def test_a_later_fiscal_year_not_added_is_known_by_a_flag():
    bundled = icd10.check("M54.2", "2026-06-01")["fiscal_year"]
    assert icd10.newer_than_known(bundled + 1)
    assert not icd10.newer_than_known(bundled)
    assert not icd10.newer_than_known(bundled - 2)  # earlier years use the known changes


def test_an_article_checked_in_a_year_not_added_gets_the_code_set_note():
    later = review(parse(ARTICLE), "a.txt", "2026-11-01")
    note = later[later["part"] == "ICD-10-CM code set"]
    assert note[["item", "verdict"]].values.tolist() == [["FY2027", "note"]]
    assert note["detail"].iloc[0].endswith("; FY2027 not added, so newer changes are not known")
    now = review(parse(ARTICLE), "a.txt", "2026-06-01")
    assert "ICD-10-CM code set" not in set(now["part"])


def test_the_facts_leave_out_the_guidance_note_and_keep_the_others(monkeypatch):
    from cpt_analysis.fees import locality

    # a year without GPCIs (as 2026 was before its GPCI file): the card keeps that note
    monkeypatch.setattr(locality, "gpci_years", lambda: [2023, 2024, 2025])
    card = code_card("97012", 2026, locality="01112-05", date_of_service="2026-06-01")
    assert GUIDANCE_NOTE in card.notes
    quoted = [ln for ln in cardtext.facts_markdown(card).splitlines() if ln.startswith("> ")]
    assert quoted == ["> " + n for n in card.notes if n != GUIDANCE_NOTE]
    assert quoted[0].startswith("> Locality amounts for 2026 are not shown: no GPCIs for 2026")
    assert quoted[1].startswith("> CMS marks the facility setting NA for this code")


def test_the_card_text_gives_the_reason_only_where_there_is_no_amount():
    card = code_card("72148", 2025, locality=None, date_of_service="2026-06-01")
    text = cardtext.render(card)
    # an NA setting has an amount, and a note in words; a plain paid row has no words
    assert "    TC     facility        $120.65  (NA: rarely done here)\n" in text
    assert "   *TC     nonfacility     $120.65\n" in text and "(paid)" not in text
    unpaid = cardtext.render(code_card("97010", 2025, date_of_service="2026-06-01"))
    assert "   *global nonfacility           -  (status B: not paid)\n" in unpaid
