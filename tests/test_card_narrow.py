"""The code card on a narrow terminal (issue 14): lines wrap between words, never inside a
figure, and a pipe or file keeps the full 96-character layout."""

import re

from cpt_analysis.cli import main
from cpt_analysis.fees.card import code_card
from cpt_analysis.fees.cardtext import render

FIGURE = r"-?\$[\d,]+\.\d\d|\b\d+\.\d+\b"


def test_a_narrow_card_wraps_between_words_and_keeps_every_figure():
    card = code_card("72148", 2025, locality="01112-05", date_of_service="2026-06-01")
    wide, narrow = render(card), render(card, width=50)
    assert max(len(line) for line in wide.splitlines()) > 50
    assert max(len(line) for line in narrow.splitlines()) <= 50
    # every figure of the wide card is whole in the narrow one, as many times
    assert sorted(re.findall(FIGURE, narrow)) == sorted(re.findall(FIGURE, wide))
    assert re.sub(r"\s+", " ", narrow) == re.sub(r"\s+", " ", wide.replace("=" * 62, "=" * 50))
    assert render(card, width=10) == render(card, width=40)  # 40 at the least
    assert render(card, width=200) == wide


def test_a_piped_card_keeps_the_full_layout(capsys):
    assert main(["lookup", "72148", "--year", "2025"]) == 0
    out = capsys.readouterr().out  # captured: not a terminal
    assert "  mod     status     work  PE nonfac   PE fac     MP  total nonfac  total fac" in out
