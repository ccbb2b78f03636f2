"""The training tour (notebook 00): exercises graded against the official figures, topic
validation, the 8-minute rule's unit allocation, chart traces, a papermill run and JupyterLab."""

import json

import nbformat
import pytest
from cms_samples import HEADER, pprrvu_2025_lines, write_pprrvu_2025
from hypothesis import given, settings
from hypothesis import strategies as st

from cpt_analysis import config, load_conversion_factors, load_gpci, load_rvus
from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.payment import cents, price
from cpt_analysis.fees.timed_units import allocate_units, units_for_minutes, units_for_total
from cpt_analysis.reference.importer import import_file
from cpt_analysis.reference.loaders import gpci_years
from cpt_analysis.reports import notebook
from cpt_analysis.reports.runner import parse_params, run_one
from cpt_analysis.training import charts as tc
from cpt_analysis.training import tour as training

NOTEBOOK = config.NOTEBOOKS_DIR / "00_training_tour.ipynb"
NO_ANSWER = "No answer yet: replace None after `answer_{n} =` in the cell above, run it, then run this cell again."


@pytest.fixture(scope="module")
def tour():
    return training.tour("all", "01112-05", 2025, "2026-06-01")


def test_the_rvu_and_payment_answers_are_the_official_figures(tour):
    row = load_rvus(2025).query("hcpcs == '97012' and modifier == ''").iloc[0]
    cf = load_conversion_factors().query("year == 2025")["conversion_factor"].iloc[0]
    assert (row["total_rvu_nonfacility"], cf) == (0.44, 32.3465)
    assert cents(0.44 * 32.3465) == 14.23
    for answer in (0.44, "0.44", ".44", " 0.44 RVU"):
        assert tour.check(3, answer).text == (
            "Right: 0.25 + 0.18 + 0.01 = 0.44 RVU for 97012 in 2025, in an office."
        )
    for answer in (14.23, "14.23", "$14.23", "$ 14.23", "14,23"):
        assert tour.check(5, answer).right, answer
    assert tour.check(5, 14.23).text == (
        "Right: (0.25 + 0.18 + 0.01) × 32.3465 = $14.23, nationally in an office in 2025."
    )


@pytest.mark.parametrize(
    "number, answer, said",
    [
        (3, 0.25, "that is the work RVU alone: add the practice expense and malpractice RVUs."),
        (3, 0.43, "you left out the malpractice RVU."),
        (3, "abc", "'abc' is not a number: type only the number, $ is optional."),
        (5, 0.44, "that is the RVU total: now multiply it by the conversion factor."),
        (5, 8.09, "that prices the work RVU alone."),
        (
            5,
            14.2,
            "close: keep the conversion factor's four decimals; round only the final amount.",
        ),
        (5, 3, "multiply the total non-facility RVU of 97012 by the conversion factor of 2025."),
        (6, 28.79, "that is the national amount: multiply each part by the locality's GPCI first."),
        (7, 109.15, "that is the office amount: a facility uses the facility PE RVU."),
        (
            1,
            "97140",
            "97140 is a procedure code (Hands-on joint and soft tissue therapy (per 15 min)): find the one that says why.",
        ),
        (1, "m512", "M51.2 is not one of the four codes in the question."),
        (2, "72141", "72141 is MRI of the neck spine, no contrast dye: look for the low-back one."),
        (4, "work", "work is 0.44 RVU for 97530; another part is bigger."),
        (8, "no", 'look M54.5 up with on="2021-09-30": a date picks its own code set.'),
        (9, "M51.2", "M51.2 itself is a header: pick one of its children."),
        (
            9,
            "m51.27",
            "M51.27 is other intervertebral disc displacement, lumbosacral region: look up each child of M51.2.",
        ),
        (9, "M54.50", "M54.50 (Low back pain, unspecified) is not a child of M51.2."),
        (10, 2, "that bills each code alone; the rule adds the timed minutes first."),
        (10, 5, "97012 is untimed: its minutes do not count."),
        (10, 2.5, "2.5 is not a number of units: units are whole numbers, 0 or more."),
        (11, 0, "97140 alone bills nothing, but the visit has a unit left: to which code?"),
        (12, 2, "that is what 30 timed minutes would bill; is 97012 timed?"),
    ],
)
def test_wrong_answers_get_a_hint_that_says_what_is_wrong(tour, number, answer, said):
    feedback = tour.check(number, answer)
    assert feedback.status == "not yet"
    assert feedback.text == f"Not yet: {said}"


@pytest.mark.parametrize(
    "number, answers, expected",
    [
        (1, ["M54.2", "m542", " M54.2 "], "M54.2"),
        (2, ["72148", 72148], "72148"),
        (4, ["PE", "practice expense", "Practice-expense", "the PE part"], "0.62"),
        (6, [35.72, "$35.72"], "35.72"),
        (7, ["73.35"], "73.35"),
        (8, ["yes", "Yes", True], "2021-09-30"),
        (9, ["M51.26", "m5126", "M51.26 "], "M51.26"),
        (10, [3, "3", "3 units", "three"], "3 units"),
        (11, [1, "1"], "97140"),
        (12, [1, "one"], "97012"),
    ],
)
def test_right_answers_in_any_reasonable_form(tour, number, answers, expected):
    for answer in answers:
        feedback = tour.check(number, answer)
        assert feedback.right, (answer, feedback.text)
        assert feedback.text.startswith("Right: ") and expected in feedback.text


def test_the_locality_answers_apply_each_gpci(tour):
    assert tour.check(6, 35.72).text == (
        "Right: (0.45 × 1.088 + 0.43 × 1.419 + 0.01 × 0.445) × 32.3465 = $35.72 for 97110 in "
        "San Francisco-Oakland-Berkeley (San Francisco/San Mateo/Alameda/Contra Costa Cnty) "
        "(01112-05) in 2025."
    )
    assert cents((0.45 * 1.088 + 0.43 * 1.419 + 0.01 * 0.445) * 32.3465) == 35.72


def test_no_answer_yet_and_hints_never_give_the_answer(tour):
    wrong = {1: "72148", 2: "72141", 3: 0.5, 4: "mp", 5: 3, 6: 1, 7: 1, 8: "no", 9: "M51.24"}
    wrong |= {10: 9, 11: 7, 12: 0, 13: "97012", 14: "GP", 15: 1, 16: "64484"}
    expected = {3: "0.44", 5: "14.23", 6: "35.72", 7: "73.35", 9: "M51.26", 2: "72148"}
    for n in tour.exercises:
        assert tour.check(n, None).text == NO_ANSWER.format(n=n)
        assert tour.check(n, "  ").status == "no answer"
        said = tour.check(n, wrong[n])
        assert said.status == "not yet", n
        assert expected.get(n, "\x00") not in said.text, n
        assert expected.get(n, "\x00") not in str(tour.question(n)), n


def test_topic_validation_in_one_line():
    with pytest.raises(WorkbookError) as info:
        training.validate_topic("astrology")
    assert str(info.value) == (
        "'astrology' is not a topic of the training tour: use all, codes, rvus, payment, "
        "diagnoses, timed or edits."
    )
    assert training.validate_topic(" Timed ") == "timed"
    with pytest.raises(WorkbookError, match="'astrology' is not a topic"):
        notebook.validate(topic="astrology")


def test_a_topic_shows_only_its_part():
    timed = training.tour("timed", "national", 2025, "2026-06-01")
    assert timed.section("rvus") is None and timed.question(3) is None
    assert timed.check(3, 0.44) is None and timed.rvu_table() is None
    assert tc.rvu_parts(timed) is None and tc.settings(timed) is None
    assert str(timed.section("timed")).startswith("## 5. Timed codes and the 8-minute rule")
    assert "*(not in this run)*" in str(timed.welcome())


def test_2026_prices_in_the_locality_like_any_year():
    t = training.tour("payment", "01112-05", 2026, "2026-06-01")
    assert t.notes == [] and t.place == "01112-05"
    here = t.price("97110")
    assert here == price("97110", year=2026, locality="01112-05")
    row = load_rvus(2026).query("hcpcs == '97110' and modifier == ''").iloc[0]
    g = load_gpci(2026).query("locality_id == '01112-05'").iloc[0]
    parts = row.work_rvu * g.gpci_work + row.pe_rvu_nonfacility * g.gpci_pe + row.mp_rvu * g.gpci_mp
    assert here.amount == cents(parts * row.conversion_factor) == 35.91
    assert (here.gpci_work, here.gpci_pe, here.gpci_mp) == (g.gpci_work, g.gpci_pe, g.gpci_mp)
    assert t.check(6, here.amount).right
    shown = str(t.welcome()) + str(t.section("payment"))
    assert "Locality amounts for" not in shown and "national (GPCI 1.0)" not in shown
    assert "(01112-05) has work GPCI 1.095, PE GPCI 1.410 and MP GPCI 0.425 in 2026." in shown
    with pytest.raises(WorkbookError, match="'Atlantis' is not a Medicare locality in 2026"):
        training.tour("all", "Atlantis", 2026)


def import_rvus_without_gpcis(folder, year=2019):
    """Import a small RVU file of ``year`` (a year with a conversion factor and no GPCIs) into
    the test's store: the synthetic 2025 file with the year's banner and conversion factor."""
    factor = load_conversion_factors().query(f"year == {year}")["conversion_factor"].iloc[0]
    body = pprrvu_2025_lines()[len(HEADER) :]
    lines = [h.replace("2025", str(year)) for h in HEADER]
    lines += [line.replace("32.3465", f"{factor:.4f}") for line in body]
    path = write_pprrvu_2025(folder / f"PPRRVU{year % 100:02d}_Oct.csv", lines)
    import_file(path)
    return factor


def test_a_year_imported_without_gpcis_prices_nationally_and_says_why(tmp_path):
    assert 2019 not in gpci_years()
    factor = import_rvus_without_gpcis(tmp_path)
    t = training.tour("payment", "01112-05", 2019, "2026-06-01")
    assert t.gpci is None and t.place == "national"
    assert t.notes == [
        "Locality amounts for 2019 are not shown: the workbook has no GPCIs for 2019 (it has "
        "2020, 2021, 2022, 2023, 2024, 2025, 2026), so '01112-05' cannot be priced and every "
        "amount here is national (GPCI 1.0). Import CMS's GPCI file of that year with "
        "`cpt-workbook import-cms PATH`, or pick a year with GPCIs."
    ]
    assert t.price("97110").amount == cents(0.89 * factor) == 32.07
    assert "Nationally every GPCI is 1.0" in str(t.section("payment"))


@pytest.mark.parametrize(
    "minutes, units",
    [
        ({"97112": 24, "97110": 23}, [2, 1]),  # CMS: 47 minutes, 3 units
        ({"97110": 33, "97140": 7}, [2, 1]),  # CMS: the 7 minutes beat the 3 left over
        ({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, [1, 1, 1, 0]),  # CMS: 49 minutes
        ({"97110": 7, "97140": 7}, [1, 0]),  # a tie goes to the code listed first
        ({"97110": 5, "97012": 30}, [0, 1]),  # under 8 timed minutes; untimed bills one
        ({"97012": 0, "97110": 60}, [0, 4]),
    ],
)
def test_eight_minute_allocation_on_known_visits(minutes, units):
    frame = allocate_units(minutes)
    assert frame["code"].tolist() == list(minutes)
    assert frame["units"].tolist() == units


def test_allocation_refuses_what_it_cannot_judge():
    with pytest.raises(WorkbookError) as info:
        allocate_units({"0001F": 10})
    assert str(info.value) == (
        "0001F is not among the workbook's 53 codes with facts: use a shipped code such as "
        "97110 (timed) or 97012 (untimed)."
    )
    with pytest.raises(WorkbookError, match="'-3' minutes for 97110 is not a number of minutes"):
        allocate_units({"97110": "-3"})
    with pytest.raises(WorkbookError, match="'9711' is not a CPT/HCPCS code"):
        allocate_units({"9711": 10})


def test_units_for_total_follows_the_minute_bands():
    minutes = [0, 7.9, 8, 22.99, 23, 37, 38, 52, 53, 67, 68, 82, 83]
    assert [units_for_total(m) for m in minutes] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]


TIMED = ["97110", "97140", "97112", "97530", "97116", "97035"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 70), min_size=1, max_size=len(TIMED)))
def test_allocation_bills_the_visit_total_and_respects_full_blocks(spent):
    frame = allocate_units(dict(zip(TIMED, spent, strict=False)))
    assert frame["units"].sum() == units_for_minutes([sum(spent)])[0]
    full = [m // 15 for m in spent]
    assert all(f <= u <= f + 1 for f, u in zip(full, frame["units"], strict=True))


def test_chart_traces_carry_the_data(tour):
    steps = tc.units_by_minutes(tour)
    timed, untimed = steps.data
    assert [timed.y[m] for m in (0, 7, 8, 22, 23, 37, 38, 52, 53)] == [0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert untimed.y[0] == 0 and set(untimed.y[1:]) == {1}
    parts = tc.rvu_parts(tour)
    assert [t.name for t in parts.data] == ["Work", "Practice expense", "Malpractice"]
    assert list(parts.data[0].y) == [0.25, 0.45, 0.43, 0.44]
    assert list(parts.data[1].y) == [0.18, 0.43, 0.40, 0.62]
    assert not any("in all" in h or "dollars" in h for t in parts.data for h in t.hovertext)
    waterfall = tc.payment_steps(tour).data[0]
    cf = 32.3465
    expected = [0.43 * 1.088 * cf, 0.40 * 1.419 * cf, 0.01 * 0.445 * cf]
    assert list(waterfall.y[:3]) == pytest.approx(expected)
    assert waterfall.y[3] == cents(sum(expected)) == tour.price("97140").amount == 33.64
    assert list(waterfall.measure) == ["relative", "relative", "relative", "absolute"]
    bars = tc.settings(tour)
    assert [t.name for t in bars.data] == ["Non-facility", "Facility"]
    assert list(bars.data[0].x[0]) == ["National", "01112-05"]


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_the_notebook_has_one_parameters_cell_and_an_answer_cell_per_exercise(tour):
    cells = _cells()
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert [(p.name, p.type, p.default) for p in notebook.parameters("00_training_tour")] == [
        ("topic", "str", '"all"'),
        ("locality", "str", '"01112-05"'),
        ("year", "int", "2025"),
        ("date_of_service", "str", '"2026-06-01"'),
        ("handout", "str", '"auto"'),
    ]
    sources = [c.source for c in cells if c.cell_type == "code"]
    assert "notebook.validate(" in sources[1] and "notebook.setup()" in sources[1]
    for n in tour.exercises:
        i = sources.index(f"tour.question({n})")
        assert sources[i + 1 : i + 3] == [
            f"answer_{n} = None  # your answer here",
            f"tour.check({n}, answer_{n})",
        ]
        shown = cells[[c.source for c in cells].index(sources[i + 2])].outputs[0]
        assert shown["data"]["text/plain"] == NO_ANSWER.format(n=n)


def test_the_committed_notebook_gives_no_answer_away():
    text = NOTEBOOK.read_text()
    for answer in (
        "14.23",
        "35.72",
        "73.35",
        "disc displacement, lumbar region",
        "0.44 RVU for 97012",
    ):
        assert answer not in text, answer


@pytest.mark.slow
def test_papermill_run_with_another_topic_locality_and_year(tmp_path):
    [params] = parse_params("00_training_tour", ["topic=payment", "locality=01112-05", "year=2026"])
    assert params == {"topic": "payment", "locality": "01112-05", "year": 2026}
    result = run_one("00_training_tour", params, tmp_path)
    assert result.ok, result.error
    html = result.html.read_text()
    assert "From RVUs to dollars" in html and "Locality amounts for" not in html
    assert "has work GPCI 1.095, PE GPCI 1.410 and MP GPCI 0.425 in 2026" in html
    assert "33.4009 dollars per RVU" in html
    assert "8-minute rule</h2>" not in html and "Exercise 3." not in html
    with pytest.raises(WorkbookError, match="'astrology' is not a topic"):
        run_one("00_training_tour", {"topic": "astrology"}, tmp_path)


@pytest.mark.slow
def test_jupyterlab_opens_the_notebook(jupyterlab):
    status, body = jupyterlab("/api/contents/00_training_tour.ipynb")
    assert status == 200
    model = json.loads(body)
    assert model["type"] == "notebook" and model["format"] == "json"
    content = model["content"]
    assert content["metadata"]["kernelspec"]["name"] == "python3"
    assert content["cells"][1]["metadata"]["tags"] == ["parameters"]


@pytest.mark.slow
def test_a_trainee_answers_in_a_kernel(tmp_path):
    from nbconvert.preprocessors import ExecutePreprocessor

    nb = nbformat.read(NOTEBOOK, as_version=4)
    typed = {"answer_5 = None": 'answer_5 = "$14.23"', "answer_9 = None": "answer_9 = 'm51.27'"}
    for cell in nb.cells:
        for old, new in typed.items():
            cell.source = cell.source.replace(old, new)
    ExecutePreprocessor(kernel_name="python3").preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    shown = {c.source: c.outputs for c in nb.cells if c.cell_type == "code"}
    right = shown["tour.check(5, answer_5)"][0]["data"]
    assert right["text/markdown"].startswith("✅ Right: (0.25 + 0.18 + 0.01) × 32.3465 = $14.23")
    wrong = shown["tour.check(9, answer_9)"][0]["data"]["text/plain"]
    assert wrong.startswith(
        "Not yet: M51.27 is other intervertebral disc displacement, lumbosacral"
    )
