import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.payment import cents, price, resolve_setting
from cpt_analysis.reference.loaders import load_gpci, load_rvus


def _row(code, year, modifier=""):
    rvus = load_rvus(year)
    return rvus[(rvus["hcpcs"] == code) & (rvus["modifier"] == modifier)].iloc[0]


def test_97012_national_2025_from_the_file_figures():
    r = _row("97012", 2025)
    expected = cents((r["work_rvu"] + r["pe_rvu_nonfacility"] + r["mp_rvu"]) * 32.3465)
    p = price("97012", year=2025)
    assert p.amount == expected == 14.23
    assert (p.conversion_factor, p.gpci_work, p.locality_id) == (32.3465, 1.0, "national")
    # 115% of the 95% non-participating amount: 109.25% of the participating amount
    assert p.limiting_charge == cents(14.23 * 1.0925) == 15.55


def test_place_of_service_decides_the_setting():
    assert resolve_setting("21") == ("facility", "21")
    assert resolve_setting(22) == ("facility", "22")
    assert resolve_setting("11") == ("nonfacility", "11")
    assert resolve_setting("non-facility") == ("nonfacility", "")
    inpatient = price("97012", year=2025, setting="21")
    # NA is a note, not a zero: CMS's payment files price it with the PE RVU the file shows
    r = _row("97012", 2025)
    assert r["pe_na_facility"] and inpatient.na and inpatient.pe_rvu == r["pe_rvu_facility"]
    assert inpatient.amount == cents((r["work_rvu"] + r["pe_rvu_facility"] + r["mp_rvu"]) * 32.3465)
    assert inpatient.na_note == (
        "CMS marks the facility setting NA for 97012: the service is rarely done there, and "
        "CMS's payment files price it with the PE RVU the file shows"
    )
    assert price("97012", year=2025, setting="11").amount == 14.23


def test_facility_amount_uses_the_facility_pe():
    r = _row("99213", 2025)
    p = price("99213", year=2025, setting="22")
    assert p.pe_rvu == r["pe_rvu_facility"] != r["pe_rvu_nonfacility"]
    assert p.amount == cents((r["work_rvu"] + r["pe_rvu_facility"] + r["mp_rvu"]) * 32.3465)


def test_status_other_than_a_r_t_gives_no_amount_and_says_why():
    bundled = price("97010", year=2025)
    assert bundled.amount is None and bundled.status == "B"
    assert bundled.reason.startswith("no fee-schedule amount: status B, bundled")
    assert price("97014", year=2025).reason.startswith("no fee-schedule amount: status I")
    restricted = price("97026", year=2025)
    assert restricted.status == "R" and restricted.amount == 6.79  # 0.21 x 32.3465


def test_26_and_tc_are_priced_from_their_own_rows_in_a_locality():
    g = load_gpci(2025).set_index("locality_id").loc["01112-05"]
    for mod in ("26", "TC", ""):
        r = _row("72148", 2025, mod)
        want = cents(
            (
                r["work_rvu"] * g["gpci_work"]
                + r["pe_rvu_nonfacility"] * g["gpci_pe"]
                + r["mp_rvu"] * g["gpci_mp"]
            )
            * 32.3465
        )
        assert price("72148", mod, year=2025, locality="01112-05").amount == want
    assert price("72148", "26", year=2025, locality="0111205").amount == 77.88


def test_conversion_factor_by_date_of_service_and_apm():
    assert price("97012", date_of_service="2024-03-08").conversion_factor == 32.7442
    assert price("97012", date_of_service="2024-03-09").conversion_factor == 33.2875
    assert price("97012", year=2026).conversion_factor == 33.4009
    assert price("97012", year=2026, apm=True).conversion_factor == 33.5675


def test_bad_inputs_are_one_line():
    cases = [
        (
            dict(code="97012", year=2025, locality="Narnia"),
            "'Narnia' is not a Medicare locality in 2025: use MAC-locality such as 01112-05, a "
            "state such as CA, or words of a name; `cpt-workbook localities` lists them.",
        ),
        (
            dict(code="97012", setting="home"),
            "'home' is not a setting: use facility, nonfacility or a place-of-service code such as "
            "11 (office) or 22.",
        ),
        (
            dict(code="72148", modifier="26 TC", year=2025),
            "26 and TC on one line contradict each other: bill the professional (26) and "
            "technical (TC) parts on two lines, or neither for the global service.",
        ),
        (
            dict(code="97012", modifier="TC", year=2025),
            "97012 has no row for modifier TC in 2025: its rows are: global (no modifier).",
        ),
        (
            dict(code="99999", year=2025),
            "99999 is not in the workbook's 2025 RVUs: import the official CMS RVU file with "
            "`cpt-workbook import-cms PATH`.",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(WorkbookError) as info:
            price(**kwargs)
        assert str(info.value) == message
    with pytest.raises(WorkbookError, match="matches several localities"):
        price("97012", year=2025, locality="SAN FRANCISCO")
