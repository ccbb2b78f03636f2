"""CMS's payment rules, each on a small hand-checked case (issue 12): NA settings, the OPPS cap,
payment modifiers, multiple-procedure reductions, what is owed, anesthesia."""

import pandas as pd
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.anesthesia import price_anesthesia, time_units
from cpt_analysis.fees.modifiers import split_modifiers
from cpt_analysis.fees.owed import owed
from cpt_analysis.fees.payment import cents, price
from cpt_analysis.fees.visit import parse_line, price_visit
from cpt_analysis.reference.loaders import load_rvus

AK = dict(year=2025, locality="02102-01")  # Alaska: GPCIs 1.5, 1.081, 0.592; CF 32.3465
FACILITY = dict(year=2025, setting="facility")  # national, GPCIs 1.0


def _row(code, modifier=""):
    r = load_rvus(2025)
    return r[(r["hcpcs"] == code) & (r["modifier"] == modifier)].iloc[0]


def test_na_setting_is_priced_with_a_note():
    # CMS's Alaska payment file: 71046 in a facility 37.98, equal to the office amount
    p = price("71046", setting="facility", **AK)
    assert p.na and p.amount == p.fee_schedule_amount == 37.98
    assert "rarely done there" in p.na_note
    assert p.explain().loc[1, "step"] == "NA setting"


def test_opps_cap_takes_the_lower_amount_and_says_which():
    capped = price("71550", "TC", **AK)
    # (0 x 1.5 + 8.10 x 1.081 + 0.03 x 0.592) x 32.3465 = 283.80; OPPS PE/MP from the file: 261.08
    assert (capped.fee_schedule_amount, capped.opps_amount, capped.amount) == (
        283.80,
        261.08,
        261.08,
    )
    assert capped.opps_capped
    steps = capped.explain().set_index("step")
    assert (
        steps.loc["OPPS cap", "detail"] == "OPPS price $261.08; the OPPS price is lower: it applies"
    )
    below = price("71045", **AK)  # fee-schedule amount below its OPPS price: the fee applies
    assert not below.opps_capped and below.amount == below.fee_schedule_amount < below.opps_amount
    assert price("97012", **AK).opps_amount is None  # OPPS indicator 9: no cap


@pytest.mark.parametrize(
    "code, indicator, factor",
    [("27447", "1", 1.5), ("33533", "0", 1.0), ("11010", "2", 1.0), ("70030", "3", 2.0),
     ("11300", "9", 1.0)],
)  # fmt: skip
def test_bilateral_indicators(code, indicator, factor):
    assert _row(code)["bilat_surg"] == indicator
    plain = price(code, **FACILITY)
    both = price(code, "50", **FACILITY)
    assert both.amount == cents(plain.amount * factor)
    assert both.adjustments[0][:3] == ("50", f"bilateral indicator {indicator}", factor)


def test_bilateral_27447_by_hand():
    # 27447 national facility: 1,257.63; bilateral indicator 1: x 1.5 = 1,886.445 -> 1,886.45
    assert price("27447", **FACILITY).amount == 1257.63
    assert price("27447", "50", **FACILITY).amount == 1886.45


def test_modifier_51_prices_a_further_procedure_at_half():
    p = price("27486", "51", **FACILITY)
    assert p.amount == cents(price("27486", **FACILITY).amount * 0.5)
    assert "further procedure" in p.reason
    # indicator 0 codes are exempt: 51 changes nothing
    assert _row("99213")["mult_proc"] == "0"
    assert price("99213", "51", year=2025).amount == price("99213", year=2025).amount


def test_assistant_at_surgery():
    full = price("27447", **FACILITY).amount  # assistant indicator 2
    assert price("27447", "80", **FACILITY).amount == cents(full * 0.16) == 201.22
    assert price("27447", "AS", **FACILITY).amount == cents(full * 0.136) == 171.04
    assert price("27447", "82", **FACILITY).amount == 201.22
    assert price("20610", "80", **FACILITY).amount == 0.0  # indicator 1: statutory restriction
    documented = price("19301", "80", **FACILITY)  # indicator 0: only with documentation
    assert documented.amount == cents(price("19301", **FACILITY).amount * 0.16)
    assert "only with documentation" in documented.reason


def test_co_surgeons_and_team():
    full = price("22612", **FACILITY).amount  # co-surgeon indicator 2
    assert price("22612", "62", **FACILITY).amount == cents(full * 0.625)
    assert price("33533", "62", **FACILITY).amount == 0.0  # indicator 0: not permitted
    team = price("22818", "66", **FACILITY)  # team indicator 2: by report
    assert team.amount is None and "by report" in team.reason
    assert price("22612", "66", **FACILITY).amount == 0.0  # team indicator 0


def test_modifiers_are_read_as_people_write_them():
    assert split_modifiers("26 51") == ("26", ("26", "51"))
    assert split_modifiers(["tc", "59"]) == ("TC", ("TC", "59"))
    assert split_modifiers("GP,KX") == ("", ("GP", "KX"))
    with pytest.raises(WorkbookError, match="26 and TC on one line contradict each other"):
        split_modifiers("26,TC")
    assert parse_line("64484 x2") == ("64484", "", 2)
    assert parse_line("71046-26-51") == ("71046", "26 51", 1)
    with pytest.raises(WorkbookError, match="1000 units on '97110:1000' is out of range"):
        parse_line("97110:1000")


def test_surgery_ranking_in_one_visit():
    visit = price_visit(["27486", "27447-50", "20610 x2"], **FACILITY).set_index("line")
    # 27447-50 = 1,886.45 is the highest: full; 27486 (1,377.96) at 50% = 688.98; both units of
    # 20610 (43.99 each) at 50%, each paid 21.995 -> 22.00 (21.99 off): 44.00
    assert visit.loc["27447-50", "allowed"] == 1886.45
    assert visit.loc["27486", ["reduction", "allowed"]].tolist() == [688.98, 688.98]
    assert visit.loc["20610 x2", ["reduction", "allowed"]].tolist() == [43.98, 44.00]
    assert (
        visit.loc["27486", "rule"]
        == "multiple procedures (indicator 2): 2nd procedure of the visit, 50%"
    )


def test_imaging_reduction_in_one_visit():
    visit = price_visit(["71250", "70450-26", "70450"], **AK).set_index("line")
    # TC: 71250's 88.31 is the highest (full); 70450's TC 71.52 at 50%: 35.76.
    # PC: 71250's 67.00 is the highest (full); each 70450 PC (52.85) at 95%: 2.6425 -> 2.64 off
    assert visit.loc["71250", "reduction"] == 0.0
    assert visit.loc["70450-26", "reduction"] == 2.64
    assert visit.loc["70450", "reduction"] == 35.76 + 2.64
    assert visit.loc["70450", "allowed"] == cents(124.37 - 38.40)


def test_what_is_owed_and_the_limiting_charge():
    split = owed(14.23)  # 97012 national 2025
    assert (split.medicare_share, split.coinsurance) == (11.38, 2.85)  # 11.384 -> 11.38
    assert (split.sequestration, split.medicare_pays) == (0.23, 11.15)  # 2% of 11.38 = 0.2276
    assert (split.nonparticipating, split.limiting_charge) == (13.52, 15.55)  # 13.5185; 15.546
    rows = price("97012", year=2025).explain().set_index("step")["amount"]
    assert rows["Medicare pays"] == 11.15 and rows["Patient's coinsurance"] == 2.85


def test_anesthesia_by_base_and_time_units():
    assert _row("00100")["status"] == "J"
    # Alaska 2025 anesthesia CF 27.86; 47 minutes = 3.1 time units; (5 + 3.1) x 27.86 = 225.666
    p = price_anesthesia("00100", "02102-01", base_units=5, minutes=47, year=2025)
    assert (p.anesthesia_cf, p.time_units, p.amount) == (27.86, 3.1, 225.67)
    assert p.words == "(5 base + 3.1 time units) x $27.86 (ALASKA) = $225.67"
    assert time_units(52.5) == 3.5 and time_units(7) == 0.5
    with pytest.raises(WorkbookError, match="anesthesia is priced with a locality's anesthesia"):
        price_anesthesia("00100", "national", base_units=5, minutes=30)
    with pytest.raises(WorkbookError, match="give minutes or time units, not both"):
        price_anesthesia("00100", "02102-01", base_units=5, minutes=30, units_of_time=2)
    with pytest.raises(WorkbookError, match="'abc' is not a number of minutes"):
        price_anesthesia("00100", "02102-01", base_units=5, minutes="abc")


def test_practice_lines_get_the_same_rules(tmp_path):
    from cpt_analysis.practice.intake import read_encounters
    from cpt_analysis.practice.productivity import explain

    path = tmp_path / "claims.csv"
    path.write_text(
        "date_of_service,provider,patient_id,cpt,modifier_1,modifier_2,units,dx_1,place_of_service\n"
        "2025-03-04,Dr A,P1,27486,,,1,M17.11,22\n"
        "2025-03-04,Dr A,P1,27447,50,,1,M17.11,22\n"
        "2025-03-04,Dr B,P1,27447,80,,1,M17.11,22\n"
        "2025-03-05,Dr A,P1,27486,,,1,M17.11,22\n"
    )
    out = explain(read_encounters(path).accepted).set_index("source_row")
    assert out.loc[3, "final_amount"] == 1886.45  # 150%, the highest of Dr A's visit
    assert out.loc[2, ["final_amount", "rule_adjustment"]].tolist() == [688.98, -688.98]
    assert out.loc[4, "final_amount"] == 201.22  # Dr B assists: 16%, a visit of its own
    assert out.loc[5, "final_amount"] == 1377.96  # the next day: alone, full
    assert out.loc[3, "medicare_pays"] == cents(cents(1886.45 * 0.8) * 0.98)
    assert out.loc[3, "coinsurance"] == cents(1886.45 - cents(1886.45 * 0.8))
    assert "modifier 50 (bilateral indicator 1)" in out.loc[3, "reason"]
    assert isinstance(out, pd.DataFrame)
