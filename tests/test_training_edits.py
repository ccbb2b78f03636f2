"""The training tour's part on Medicare's edits (exercises 13-16, from the shipped NCCI tables)
and its handouts: a tour run as a report shows each exercise with an answer space, or its worked
answer when the trainer asks, never an instruction about cells the reader cannot see."""

import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.reports import notebook
from cpt_analysis.training import handout as handouts
from cpt_analysis.training import tour as training


@pytest.fixture(scope="module")
def tour():
    return training.tour("all", "01112-05", 2025, "2026-06-01")


@pytest.mark.parametrize(
    "number, answer, said",
    [
        (13, "97012", "97012 is the column-one code, the one paid: which is the other?"),
        (13, "97110", "97110 is not one of the two codes of the visit."),
        (
            14,
            "GP",
            "GP says the service is physical therapy; every therapy line carries it, and "
            "it bypasses no edit",
        ),  # fmt: skip
        (
            14,
            "kx",
            "KX says the therapy past the yearly threshold is medically necessary; it "
            "bypasses no NCCI edit",
        ),  # fmt: skip
        (14, "fifty-nine", "'fifty-nine' is not a modifier: type two characters, such as \"GP\"."),
        (15, 1, "that is the MUE of 97012, not of 97110."),
        (16, "64484", "that is the add-on itself: which code does it add to?"),
    ],
)
def test_wrong_answers_on_the_edits_get_their_hint(tour, number, answer, said):
    feedback = tour.check(number, answer)
    assert feedback.status == "not yet"
    assert feedback.text == f"Not yet: {said}"


def test_right_answers_on_the_edits(tour):
    right = tour.check(13, "97140")
    assert right.right and right.text == (
        "Right: in NCCI 2024Q3, 97012 is column one and 97140 column two of a pair (mutually "
        "exclusive procedures, modifier indicator 1): billed together by the same provider for "
        "the patient that day, the column-two code is denied."
    )
    for modifier in ("59", 59, "XS", "-xe", "XU", "XP"):
        assert tour.check(14, modifier).right, modifier
    assert tour.check(15, "6").right and tour.check(15, 6).text.startswith(
        "Right: the MUE of 97110 in NCCI 2024Q3 is 6 units a day"
    )
    assert tour.check(16, "64483").right


def test_every_worked_answer_is_judged_right(tour):
    assert len(tour.exercises) == 16
    for n, ex in tour.exercises.items():
        assert tour.check(n, ex.answer).right, (n, ex.answer)
    assert [tour.exercises[n].answer for n in (13, 14, 15, 16)] == ["97140", "XS", "6", "64483"]
    assert tour.exercises[5].answer == "14.23" and tour.exercises[9].answer == "M51.26"


def test_the_edits_part_and_its_table(tour):
    assert str(tour.section("edits")).startswith(
        "## 6. Medicare's edits: code pairs, medically unlikely units, add-on codes"
    )
    assert "NCCI 2024Q3 (in force from 2024-07-01)" in str(tour.section("edits"))
    table = tour.edits("97012", "97140", "64484").set_index("code")
    assert table.loc["97140", "denied with"] == "97012 (unless a distinct-service modifier)"
    assert table.loc["97012", "MUE units"] == "1 per day (clinical)"
    assert table.loc["64484", "add-on of"] == "64483"
    timed = training.tour("timed", "national", 2025, "2026-06-01")
    assert timed.edits("97012") is None and timed.question(13) is None


def test_a_blank_handout_shows_answer_spaces_and_no_cell_instruction():
    t = training.tour("all", "national", 2025, "2026-06-01", handout="blank")
    for n in t.exercises:
        question, shown = str(t.question(n)), t.check(n, None)
        assert question.startswith(f"**Exercise {n}.**") and "cell" not in question
        assert shown.text == "Your answer: " + "_" * 40 and "answer_" not in shown.text
    assert "how a notebook works" not in str(t.welcome())
    assert t.check(5, "14.23").right  # a trainer who fills an answer still gets it graded


def test_a_handout_with_the_worked_answers():
    t = training.tour("edits", "national", 2025, "2026-06-01", handout="answers")
    assert t.check(13, None).text.startswith(
        "**Answer:** 97140: in NCCI 2024Q3, 97012 is column one"
    )
    assert t.check(15, None).text.startswith("**Answer:** 6: the MUE of 97110")
    assert t.check(14, "GP").text.startswith("**Answer:** XS: a distinct-service modifier")
    assert "cell" not in str(t.question(14))


def test_handout_modes(monkeypatch):
    monkeypatch.delenv(handouts.REPORT_ENV, raising=False)
    assert handouts.validate_handout("auto") == "interactive"
    monkeypatch.setenv(handouts.REPORT_ENV, "/tmp/tables")
    assert handouts.validate_handout(" AUTO ") == "blank"
    assert handouts.REPORT_ENV == notebook.TABLES_ENV  # the variable the runner sets
    assert handouts.validate_handout("answers") == "answers"
    with pytest.raises(WorkbookError) as info:
        notebook.validate(handout="quiz")
    assert str(info.value) == (
        "'quiz' is not a handout mode of the training tour: use auto, interactive, blank or "
        "answers."
    )
    interactive = training.tour("all", "national", 2025, "2026-06-01")
    assert "how a notebook works" in str(interactive.welcome())


@pytest.mark.slow
def test_a_tour_run_as_a_report_is_a_handout(tmp_path):
    from cpt_analysis.reports.runner import run_one

    result = run_one("00_training_tour", {"topic": "edits"}, tmp_path / "blank")
    assert result.ok, result.error
    html = result.html.read_text()
    assert "Exercise 13." in html and "Your answer: ____" in html
    assert "No answer yet" not in html and "answer_13" not in html and "next cell" not in html
    result = run_one("00_training_tour", {"topic": "edits", "handout": "answers"}, tmp_path / "a")
    assert result.ok, result.error
    html = result.html.read_text()
    assert "Answer:</strong> 97140: in NCCI 2024Q3" in html and "Your answer" not in html
