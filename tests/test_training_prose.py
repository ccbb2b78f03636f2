"""The training tour's teaching prose (training/prose/*.md): what the notebook shows, every
placeholder filled for every topic and year, and a trainer's edits, good and bad."""

import ast
from string import Template

import nbformat
import pandas as pd
import pytest
from test_training import import_rvus_without_gpcis

from cpt_analysis import config, load_conversion_factors
from cpt_analysis.errors import WorkbookError
from cpt_analysis.reference.loaders import gpci_years, rvu_years
from cpt_analysis.reports import notebook
from cpt_analysis.training import text
from cpt_analysis.training import tour as training

NOTEBOOK = config.NOTEBOOKS_DIR / "00_training_tour.ipynb"
SHOWN = ["tour.welcome()", *(f'tour.section("{t}")' for t in training.TOPICS), "tour.closing()"]


def _phrase_names() -> list[str]:
    return text.MARKER.findall(text.FOLDER.joinpath("phrases.md").read_text(encoding="utf-8"))


@pytest.fixture
def prose(tmp_path, monkeypatch):
    """A copy of the prose folder that the tour reads, for a test to edit."""
    for file in text.FOLDER.iterdir():
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(text, "FOLDER", tmp_path)
    return tmp_path


def _edit(path, old, new):
    """Replace ``old`` once in the file; return the line (from 1) where it was."""
    content = path.read_text(encoding="utf-8")
    assert content.count(old) == 1, old
    path.write_text(content.replace(old, new), encoding="utf-8")
    return content[: content.index(old)].count("\n") + 1


def test_each_section_reads_as_the_committed_notebook_shows_it():
    defaults = {p.name: ast.literal_eval(p.default) for p in notebook.parameters(NOTEBOOK)}
    tour = training.tour(**defaults)
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    shown = {
        c.source.splitlines()[-1]: c.outputs[0]["data"]["text/markdown"]
        for c in cells
        if c.cell_type == "code" and c.source.splitlines()[-1] in SHOWN
    }
    assert list(shown) == SHOWN
    made = {
        "tour.welcome()": tour.welcome(),
        "tour.closing()": tour.closing(),
        **{f'tour.section("{t}")': tour.section(t) for t in training.TOPICS},
    }
    for source, markdown in shown.items():
        assert str(made[source]) == markdown, source


def test_every_file_and_phrase_is_filled_for_every_topic_year_and_place(monkeypatch, tmp_path):
    used = {"prose": set(), "phrase": set()}
    for kind in used:
        real = getattr(training, kind)

        def spy(name, real=real, kind=kind, **values):
            used[kind].add(name)
            return real(name, **values)

        monkeypatch.setattr(training, kind, spy)
    factors = load_conversion_factors()
    assert rvu_years() == gpci_years() == list(range(2020, 2027))
    for year in rvu_years():
        for place in ("national", "01112-05"):
            for topic in ["all", *training.TOPICS]:
                tour = training.tour(topic, place, year, "2026-06-01")
                shown = [tour.welcome(), tour.closing(), *map(tour.section, training.TOPICS)]
                shown = [str(s) for s in shown if s is not None]
                assert len(shown) == (8 if topic == "all" else 3)
                assert not [s for s in shown if "$" in s], (topic, year, place)
                assert f"fee-schedule year {year}," in shown[0]
            payment = str(training.tour("payment", place, year).section("payment"))
            for factor in factors.query(f"year == {year}")["conversion_factor"]:
                assert f"{factor:.4f}" in payment, (year, factor)
    import_rvus_without_gpcis(tmp_path)  # 2019: RVUs imported, no GPCIs
    assert (
        training.tour("payment", "01112-05", 2019).notes[0].startswith("Locality amounts for 2019")
    )
    monkeypatch.setattr(training, "check_many", _a_code_not_in_the_code_set)
    diagnoses = str(training.tour("diagnoses").section("diagnoses"))
    assert "- **M54.9** (Dorsalgia) is not in the code set: it cannot be billed." in diagnoses
    assert "So only none can go on a claim" in diagnoses
    files = sorted(f.name[:-3] for f in text.FOLDER.iterdir() if f.name.endswith(".md"))
    assert sorted(used["prose"]) == [f for f in files if f != "phrases"]
    assert sorted(used["phrase"]) == sorted(_phrase_names())


def _a_code_not_in_the_code_set(codes, day):
    row = {"icd10": "M54.9", "description": "Dorsalgia", "status": "unknown", "billable": False}
    return pd.DataFrame([row | {"billable_children": "", "fiscal_year": 2026}])


def test_every_placeholder_in_the_shipped_files_is_a_name():
    for file in text.FOLDER.iterdir():
        found = Template.pattern.finditer(file.read_text(encoding="utf-8"))
        assert not [m[0] for m in found if m["invalid"] is not None], file.name
    assert len(_phrase_names()) == len(set(_phrase_names()))


def test_a_trainers_edit_shows_and_two_dollar_signs_are_one(prose):
    _edit(prose / "timed.md", "check each payer's policy.", "a visit billed at $$14.23 is typical.")
    timed = str(training.tour("timed").section("timed"))
    assert "code by code: a visit billed at $14.23 is typical." in timed
    _edit(prose / "phrases.md", "national amounts\n", "amounts for the whole country\n")
    welcome = str(training.tour("all", "national", 2025, "2026-06-01", handout="blank").welcome())
    assert welcome.startswith(
        "**This run:** topic `all`, fee-schedule year 2025, amounts for the whole country, "
        "diagnoses judged for a date of service of 2026-06-01.\n\n1. **codes**: "
    )


def test_a_misspelt_placeholder_names_the_file_line_and_placeholder(prose):
    line = _edit(prose / "codes.md", "$code_count codes", "$code_cout codes")
    with pytest.raises(WorkbookError) as info:
        training.tour("codes").section("codes")
    assert str(info.value) == (
        f"{prose / 'codes.md'}, line {line}: $code_cout is not a placeholder the tour fills "
        "here: check its spelling; the placeholders here are $code_count, $family_count."
    )


def test_a_misspelt_placeholder_in_a_phrase_names_the_phrase(prose):
    line = _edit(prose / "phrases.md", "work GPCI $gpci_work", "work GPCI ${gpci_wrk}")
    with pytest.raises(WorkbookError) as info:
        training.tour("payment", "01112-05", 2025).section("payment")
    assert str(info.value) == (
        f"{prose / 'phrases.md'}, phrase gpcis_locality, line {line}: $gpci_wrk is not a "
        "placeholder the tour fills here: check its spelling; the placeholders here are "
        "$locality, $gpci_work, $gpci_pe, $gpci_mp, $year."
    )
    line = _edit(prose / "phrases.md", "*(not in this run)*", "*(not in this run, $5 extra)*")
    with pytest.raises(WorkbookError) as info:
        training.tour("timed").welcome()
    assert str(info.value) == (
        f"{prose / 'phrases.md'}, phrase not_in_run, line {line}: $5 starts no placeholder: "
        "write $$ for a dollar sign; this text takes no placeholder."
    )


def test_a_lone_dollar_sign_in_a_section_is_named(prose):
    line = _edit(prose / "timed.md", "check each payer's policy.", "it pays $14.23 a unit.")
    with pytest.raises(WorkbookError) as info:
        training.tour("timed").section("timed")
    assert str(info.value) == (
        f"{prose / 'timed.md'}, line {line}: $14.23 starts no placeholder: write $$ for a "
        "dollar sign; the placeholders here are $timed_count."
    )


def test_a_missing_file_or_phrase_is_named(prose):
    (prose / "rvus.md").unlink()
    with pytest.raises(WorkbookError) as info:
        training.tour("rvus").section("rvus")
    assert str(info.value) == (
        f"the training tour's text {prose / 'rvus.md'} is missing: restore it from the "
        "workbook's copy of cpt_analysis/training/prose."
    )
    _edit(prose / "phrases.md", "<!-- where_national -->", "<!-- where_nationally -->")
    with pytest.raises(WorkbookError) as info:
        training.tour("all", "national").welcome()
    assert str(info.value) == (
        f"the phrase where_national is not in {prose / 'phrases.md'}: keep exactly one line "
        "<!-- where_national --> followed by its text."
    )
    _edit(prose / "phrases.md", "<!-- where_nationally -->", "<!-- where_locality -->")
    with pytest.raises(WorkbookError, match="^the phrase where_locality is twice in "):
        training.tour("all", "01112-05", 2025).welcome()
    (prose / "closing.md").write_bytes("café".encode("latin-1"))
    with pytest.raises(WorkbookError) as info:
        training.tour("all").closing()
    assert str(info.value) == f"{prose / 'closing.md'} is not UTF-8 text: save it as UTF-8."
