"""Parameter validators: each feature registers its own; validate() knows none itself."""

import pytest

from cpt_analysis import validation
from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.explorer import parse_volumes
from cpt_analysis.reports.notebook import notebooks, parameters, validate

# parameters taken as given: a locality is checked together with the year (a registered
# check), a provider is a part of a name, a column map is read by practice.intake
AS_GIVEN = {"locality", "provider"}


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test; the features' registrations come back afterwards."""
    monkeypatch.setattr(validation, "VALIDATORS", {})
    monkeypatch.setattr(validation, "CHECKS", {})
    return validation


def test_each_feature_registers_the_validators_of_its_own_parameters():
    owners = {name: fn.__module__ for name, fn in validation.VALIDATORS.items()}
    assert owners == {
        "year": "cpt_analysis.reference.loaders",
        "from_year": "cpt_analysis.reference.loaders",
        "to_year": "cpt_analysis.reference.loaders",
        "years": "cpt_analysis.reference.loaders",
        "cpt_code": "cpt_analysis.reference.loaders",
        "date_of_service": "cpt_analysis.reference.icd10",
        "icd10_code": "cpt_analysis.fees.pairings",
        "setting": "cpt_analysis.fees.payment",
        "codes": "cpt_analysis.fees.explorer",
        "family": "cpt_analysis.fees.explorer",
        "volumes": "cpt_analysis.fees.explorer",
        "encounters_path": "cpt_analysis.practice.report",
        "column_map": "cpt_analysis.practice.report",
        "from_apm": "cpt_analysis.practice.year_over_year",
        "to_apm": "cpt_analysis.practice.year_over_year",
        "from_release": "cpt_analysis.practice.year_over_year",
        "to_release": "cpt_analysis.practice.year_over_year",
        "plan_path": "cpt_analysis.practice.compensation",
        "other_rvu_year": "cpt_analysis.practice.compensation",
        "benchmark_wrvus": "cpt_analysis.practice.compensation",
        "rates_path": "cpt_analysis.practice.contracts",
        "charge_percent": "cpt_analysis.practice.fee_builder",
        "charge_rounding": "cpt_analysis.practice.fee_builder",
        "topic": "cpt_analysis.training.tour",
        "handout": "cpt_analysis.training.handout",
        "em_benchmark_path": "cpt_analysis.practice.em_levels",
        "em_min_lines": "cpt_analysis.practice.em_levels",
        "em_min_distance": "cpt_analysis.practice.em_levels",
    }
    assert list(validation.CHECKS) == [
        "cpt_analysis.fees.locality._known_locality",
        "cpt_analysis.fees.explorer._codes_or_family",
        "cpt_analysis.practice.year_over_year._two_sides",
        "cpt_analysis.practice.compensation._other_year_differs",
    ]


def test_every_notebook_parameter_has_a_validator_or_is_taken_as_given():
    for path in notebooks():
        names = {p.name for p in parameters(path)}
        assert names - set(validation.VALIDATORS) <= AS_GIVEN, path.stem


def test_a_registered_validator_and_check_run_in_validate(registry):
    seen = []

    @registry.register("size", "width")
    def whole(value):
        return int(value)

    @registry.register_check
    def wide_enough(params):
        seen.append(dict(params))
        if params.get("width", 1) < 1:
            raise WorkbookError("the width is below 1", "give 1 or more")

    assert registry.validate(size="3", width=" 2", colour="red") == {
        "size": 3,
        "width": 2,
        "colour": "red",
    }
    assert seen == [{"size": 3, "width": 2, "colour": "red"}]  # the check sees values validated
    with pytest.raises(WorkbookError) as info:
        registry.validate(width="0")
    assert str(info.value) == "the width is below 1: give 1 or more."


def test_a_parameter_has_one_owner(registry):
    def year(value):
        return value

    registry.register("year")(year)
    registry.register("year")(year)  # the same function again (a module imported twice)
    assert registry.VALIDATORS == {"year": year}

    def other_year(value):
        return value

    with pytest.raises(ValueError) as info:
        registry.register("year")(other_year)
    assert str(info.value) == (
        f"parameter 'year' is validated by {__name__}.test_a_parameter_has_one_owner.<locals>.year "
        "already"
    )
    assert registry.VALIDATORS == {"year": year}


def test_a_check_registered_twice_runs_once(registry):
    calls = []

    def check(params):
        calls.append(params)

    registry.register_check(check)
    registry.register_check(check)
    registry.validate()
    assert calls == [{}]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"year": "20x5"}, "'20x5' is not a year: use a year such as 2025."),
        ({"year": 2025.5}, "'2025.5' is not a year: use a year such as 2025."),
        (
            {"from_year": "2031"},
            "no RVUs for 2031 (the workbook has 2020, 2021, 2022, 2023, 2024, 2025, 2026): import the official "
            "CMS file with `cpt-workbook import-cms PATH`.",
        ),
        ({"years": ""}, "no years given: list years such as 2024,2025."),
        ({"topic": "coding"}, None),
        ({"setting": "home"}, None),
    ],
)
def test_values_are_checked_by_their_owners(params, message):
    with pytest.raises(WorkbookError) as info:
        validate(**params)
    if message:
        assert str(info.value) == message


def test_a_year_is_read_by_the_one_year_check():
    out = validate(year="2025", from_year=2024.0, to_year=" 2026 ", years="2025, 2024,2025")
    assert out == {"year": 2025, "from_year": 2024, "to_year": 2026, "years": [2024, 2025]}
    assert type(out["from_year"]) is int


@pytest.mark.parametrize(
    "value, expected",
    [
        ("97110:120,g0283=3", {"97110": 120, "G0283": 3}),
        (" 97012 : 0 , ", {"97012": 0}),
        ({"97012": "120", "00100": 4}, {"97012": 120, "00100": 4}),
    ],
)
def test_volumes_are_read_as_code_and_units(value, expected):
    assert parse_volumes(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("97110:1,97110:2", "97110 is given twice in the volumes: give each once."),
        ("97110:1,g0283:2,G0283:3", "G0283 is given twice in the volumes: give each once."),
        ("97110:-3", "'97110:-3' is not CODE:UNITS: write volumes as 97110:120,97140:80."),
        ("97110:²", "'97110:²' is not CODE:UNITS: write volumes as 97110:120,97140:80."),
        ("97110", "'97110:' is not CODE:UNITS: write volumes as 97110:120,97140:80."),
        (" , ", "no volumes given: write volumes as 97110:120,97140:80."),
        ("9711:3", "'9711' is not a CPT/HCPCS code: use 5 characters such as 97012, 00100, "
         "0001F or G0283."),
    ],
)  # fmt: skip
def test_volumes_that_are_not_code_and_units_are_refused(value, message):
    with pytest.raises(WorkbookError) as info:
        parse_volumes(value)
    assert str(info.value) == message


def test_a_bad_column_map_is_refused_with_the_practice_message():
    from cpt_analysis.practice.imported import parse_mapping

    with pytest.raises(WorkbookError) as expected:
        parse_mapping("Service Date From")
    with pytest.raises(WorkbookError) as got:
        validation.validate(column_map="Service Date From")
    assert str(got.value) == str(expected.value)
    good = "Service Date From=date_of_service; Pt ID=patient_id"
    assert validation.validate(column_map=good) == {"column_map": good}
