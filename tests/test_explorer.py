"""RVU explorer: code selection, side-by-side, trends, change decomposition and volume impact,
checked against the shipped RVU figures (data/rvus/, equal to CMS's files) and conversion factors
written out as arithmetic."""

import math

import pandas as pd
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees import explorer, payment
from cpt_analysis.reference import loaders as tables
from cpt_analysis.reference import store

# each year's latest release's factor: 2024 is RVU24C's 33.2875 (from March 9), not RVU24A's
CF = {2020: 36.0896, 2021: 34.8931, 2022: 34.6062, 2023: 33.8872, 2024: 33.2875, 2025: 32.3465}
CF[2026] = 33.4009
YEARS = list(range(2020, 2027))
IMPORT = "import the official CMS file with `cpt-workbook import-cms PATH`"


def _cents(value):
    return payment.cents(value)


def _raises(message, func, *args, **kwargs):
    with pytest.raises(WorkbookError) as info:
        func(*args, **kwargs)
    assert str(info.value) == message


# select_codes


def test_select_codes_from_text_list_and_family():
    assert explorer.select_codes("97012, 97110;97012 97010") == ["97012", "97110", "97010"]
    assert explorer.select_codes(["97110", " 97012", "97110"]) == ["97110", "97012"]
    assert explorer.select_codes(family="physical medicine: EVALUATIONS") == [
        "97161",
        "97162",
        "97163",
        "97164",
    ]
    supervised = explorer.select_codes(family="supervised")
    assert supervised[:3] == ["97010", "97012", "97014"] and len(supervised) == 9
    assert explorer.select_codes("72148", family="spine MRI") == ["72148", "72141"]
    assert explorer.select_codes(family="anesthesia") == ["00100"]


def test_select_codes_errors():
    _raises(
        f"97999 is not in the workbook's RVUs (2020-2026): check the code, or {IMPORT}.",
        explorer.select_codes,
        "97012,97999",
    )
    _raises(
        f"97999, 12345 are not in the workbook's RVUs (2020-2026): check the code, or {IMPORT}.",
        explorer.select_codes,
        ["97999", "12345"],
    )
    _raises(
        "'100' is not a CPT/HCPCS code: use 5 characters such as 97012, 00100, 0001F or G0283.",
        explorer.select_codes,
        [100],
    )
    _raises(
        "no codes given: pass codes such as '97012,97110' or a family.", explorer.select_codes, " "
    )
    families = "; ".join(sorted(tables.load_codes()["family"].unique()))
    _raises(
        f"no family of codes matches 'dentistry': the families are: {families}.",
        explorer.select_codes,
        family="dentistry",
    )
    _raises(
        "'evaluation and management' matches several families (Evaluation and management: "
        "established patient office visit; Evaluation and management: new patient office "
        "visit): use more of the name.",
        explorer.select_codes,
        family="evaluation and management",
    )


# side_by_side


def test_side_by_side_2025_national_equals_rvus_times_conversion_factor():
    frame = explorer.side_by_side("97012,97110,97010", 2025)
    assert list(frame.columns) == [
        "code",
        "name",
        "status",
        "work_rvu",
        "pe_rvu",
        "mp_rvu",
        "total_rvu",
        "amount",
        "medicare_pays",
        "coinsurance",
        "reason",
    ]
    assert frame["code"].tolist() == ["97012", "97110", "97010"]
    assert frame["name"].iloc[0] == "Mechanical traction (machine-applied pull)"
    assert frame["work_rvu"].tolist() == [0.25, 0.45, 0.06]
    assert frame["pe_rvu"].tolist() == [0.18, 0.43, 0.13]
    assert frame["total_rvu"].tolist() == [0.44, 0.89, 0.20]
    # 97012: (0.25 + 0.18 + 0.01) x 32.3465 = 14.23246; 97110: 0.89 x 32.3465 = 28.788385
    assert frame["amount"].iloc[0] == _cents(0.44 * 32.3465) == 14.23
    assert frame["amount"].iloc[1] == _cents(0.89 * 32.3465) == 28.79
    assert math.isnan(frame["amount"].iloc[2])
    assert frame["status"].tolist() == ["A", "A", "B"]
    assert frame["reason"].tolist() == ["paid", "paid", "status B: not paid"]
    assert frame.attrs == {"year": 2025, "setting": "nonfacility", "locality": "national"}


def test_side_by_side_facility_and_locality_agree_with_payment_price():
    frame = explorer.side_by_side(["72148", "99213"], 2025, setting="22", locality="01112-05")
    # NA is a note: priced as CMS's payment files price it
    assert frame["amount"].iloc[0] == 248.45
    assert frame["reason"].iloc[0] == "paid; CMS marks the facility setting NA"
    expected = payment.price("99213", year=2025, locality="01112-05", setting="facility")
    assert frame["amount"].iloc[1] == expected.amount
    assert frame["pe_rvu"].iloc[1] == expected.pe_rvu


def test_side_by_side_2026_locality_uses_the_gpci2026_figures():
    frame = explorer.side_by_side("97012", 2026, locality="01112-05")
    # GPCI2026.csv, 01112-05 San Francisco: work 1.095, PE 1.410, MP 0.425;
    # (0.24 x 1.095 + 0.18 x 1.410 + 0.01 x 0.425) x 33.4009 = 0.52085 x 33.4009 = 17.3969
    assert frame["amount"].tolist() == [_cents(0.52085 * 33.4009)] == [17.40]
    assert frame["amount"].iloc[0] == payment.price("97012", year=2026, locality="01112-05").amount


def test_side_by_side_locality_gone_by_2026():
    # CMS merged San Mateo (01112-06) into San Francisco (01112-05) in 2024
    frame = explorer.side_by_side("97012", 2023, locality="01112-06")
    assert frame["amount"].iloc[0] == payment.price("97012", year=2023, locality="01112-06").amount
    # RVU23D's GPCIs of 01112-06: (0.25 x 1.082 + 0.17 x 1.374 + 0.01 x 0.452) x 33.8872
    # = 0.5086 x 33.8872 = 17.23503
    assert frame["amount"].tolist() == [_cents(0.5086 * 33.8872)] == [17.24]
    _raises(
        "'01112-06' is not a Medicare locality in 2026: use MAC-locality such as 01112-05, a "
        "state such as CA, or words of a name; `cpt-workbook localities` lists them.",
        explorer.side_by_side,
        "97012",
        2026,
        locality="01112-06",
    )


def test_side_by_side_names_an_imported_code_by_its_cms_descriptor(tmp_path):
    rows = tables.load_rvus(2025)
    traction = rows[rows["hcpcs"] == "97012"]
    extra = pd.concat(
        [
            traction.assign(hcpcs="G0283", description="ELEC STIM OTHER"),
            traction.assign(hcpcs="97999", description="MADE-UP DESCRIPTOR"),
        ]
    )
    store.save("rvus", extra, tmp_path / "PPRRVU2025.csv")
    frame = explorer.side_by_side("97012,G0283,97999", 2025)
    assert frame["name"].tolist() == [
        "Mechanical traction (machine-applied pull)",
        "ELEC STIM OTHER",
        "MADE-UP DESCRIPTOR",
    ]
    assert frame["amount"].tolist() == [14.23, 14.23, 14.23]
    # 97999 (in no shipped release) exists in the imported 2025 only: 2024 shows it without
    # RVUs rather than failing; G0283 is in every shipped release, so 2024 prices it
    earlier = explorer.side_by_side("G0283,97999", 2024)
    assert earlier["reason"].tolist() == ["paid", "no RVUs in 2024"]
    assert math.isnan(earlier["amount"].iloc[1])


# trends


def test_trends_national_amounts_per_year():
    frame = explorer.trends("97110, 97012")
    assert list(frame.columns) == [
        "code",
        "year",
        "release",
        "work_rvu",
        "pe_rvu",
        "mp_rvu",
        "total_rvu",
        "conversion_factor",
        "amount",
        "status",
        "reason",
    ]
    assert frame["code"].tolist() == ["97110"] * 7 + ["97012"] * 7
    traction = frame[frame["code"] == "97012"]
    assert traction["year"].tolist() == YEARS
    releases = ["RVU20D", "RVU21D", "RVU22D", "RVU23D", "RVU24C", "RVU25D", "RVU26C"]
    assert traction["release"].tolist() == releases
    assert traction["work_rvu"].tolist() == [0.25] * 6 + [0.24]
    totals = [0.43, 0.43, 0.42, 0.43, 0.42, 0.44, 0.43]
    assert traction["total_rvu"].tolist() == totals
    # each year at the factor its release prints: 2024 is RVU24C's 33.2875
    printed = tables.load_rvu_releases().set_index("release")["conversion_factor"]
    assert [CF[y] for y in YEARS] == [printed[r] for r in releases]
    assert traction["conversion_factor"].tolist() == [CF[y] for y in YEARS]
    # 0.43 x 36.0896 = 15.5185; 0.43 x 34.8931 = 15.0040; 0.42 x 34.6062 = 14.5346;
    # 0.43 x 33.8872 = 14.5715; 0.42 x 33.2875 = 13.9808; 0.44 x 32.3465; 0.43 x 33.4009
    assert traction["amount"].tolist() == [
        _cents(t * CF[y]) for t, y in zip(totals, YEARS, strict=True)
    ]
    assert traction["amount"].tolist() == [15.52, 15.00, 14.53, 14.57, 13.98, 14.23, 14.36]
    assert traction["amount"].iloc[4] == payment.price("97012", year=2024).amount


def test_trends_years_setting_and_apm():
    frame = explorer.trends("97012", years=[2026, 2025], setting="facility")
    assert frame["year"].tolist() == [2025, 2026]
    assert frame["amount"].tolist() == [
        payment.price("97012", year=y, setting="facility").amount for y in (2025, 2026)
    ]
    assert set(frame["reason"]) == {"paid; CMS marks the facility setting NA"}
    _raises(
        "no years given: pick among 2020, 2021, 2022, 2023, 2024, 2025, 2026.",
        explorer.trends,
        "97012",
        [],
    )
    assert explorer.trends("97012", years=2024)["amount"].tolist() == [_cents(0.42 * 33.2875)]
    apm = explorer.trends("97110", years=[2026], apm=True)
    assert apm["conversion_factor"].tolist() == [33.5675]
    assert apm["amount"].tolist() == [_cents(0.87 * 33.5675)]
    _raises(
        f"no RVUs for 2019 (the workbook has 2020, 2021, 2022, 2023, 2024, 2025, 2026): {IMPORT}.",
        explorer.trends,
        "97012",
        years=[2019, 2025],
    )


# explain_changes


def test_every_decomposition_adds_up_to_the_cent():
    codes = explorer.select_codes("72148,97012,97110,99213", family="epidural")
    frame = explorer.explain_changes(codes)
    paid = frame.dropna(subset=["change"])
    assert len(paid) == len(frame) == 7 * 6
    parts = paid[["by_work", "by_pe", "by_mp", "by_conversion_factor", "rounding"]].sum(axis=1)
    assert (parts.round(2) == paid["change"]).all()
    assert ((paid["amount_to"] - paid["amount_from"]).round(2) == paid["change"]).all()
    assert (paid["rounding"].abs() <= 0.02).all()


def test_97012_from_2025_to_2026():
    frame = explorer.explain_changes("97012")
    assert frame[["year_from", "year_to"]].values.tolist() == [[y, y + 1] for y in YEARS[:-1]]
    row = frame.iloc[5]
    assert (row["amount_from"], row["amount_to"], row["change"]) == (14.23, 14.36, 0.13)
    # work RVU 0.25 -> 0.24 at the 2025 factor: -0.01 x 32.3465 = -0.323465
    assert row["by_work"] == _cents(-0.01 * 32.3465) == -0.32
    # the factor's move on the 2026 total RVUs: 0.43 x (33.4009 - 32.3465) = 0.453392
    assert row["by_conversion_factor"] == _cents(0.43 * (33.4009 - 32.3465)) == 0.45
    assert (row["by_pe"], row["by_mp"], row["rounding"]) == (0.0, 0.0, 0.0)
    assert row["explanation"] == (
        "2025 -> 2026: $14.23 -> $14.36 (+$0.13): conversion factor 32.3465 -> 33.4009 (+$0.45); "
        "work RVU 0.25 -> 0.24: CMS's CY2026 efficiency adjustment cut work RVUs of "
        "non-time-based services by 2.5% (-$0.32)"
    )
    assert not any("efficiency" in text for text in frame["explanation"].iloc[:5])
    # PE -0.01 x 33.8872 = -0.338872; the factor's move 0.42 x (33.2875 - 33.8872) = -0.251874
    assert frame["explanation"].iloc[3] == (
        "2023 -> 2024: $14.57 -> $13.98 (-$0.59): practice-expense RVU 0.17 -> 0.16 (-$0.34); "
        "conversion factor 33.8872 -> 33.2875 (2024: 32.7442 to Mar 8, then 33.2875 to Dec 31; "
        "RVU24C's 33.2875 is used) (-$0.25)"
    )


def test_72148_from_2023_to_2024_at_rvu24cs_factor():
    row = explorer.explain_changes("72148", years=[2023, 2024]).iloc[0]
    # 5.96 x 33.8872 = 201.967712 -> 201.97; 5.90 x 33.2875 = 196.39625 -> 196.40
    assert (row["amount_from"], row["amount_to"], row["change"]) == (201.97, 196.40, -5.57)
    assert row["by_pe"] == _cents(-0.06 * 33.8872) == -2.03
    assert row["by_conversion_factor"] == _cents(5.90 * (33.2875 - 33.8872)) == -3.54
    assert row["rounding"] == 0.0


def test_rounding_residue_of_97012_from_2020_to_2021():
    row = explorer.explain_changes("97012", years=[2020, 2021]).iloc[0]
    # 0.43 x 36.0896 = 15.518528 -> 15.52; 0.43 x 34.8931 = 15.004033 -> 15.00
    assert (row["amount_from"], row["amount_to"], row["change"]) == (15.52, 15.00, -0.52)
    assert (row["by_work"], row["by_pe"], row["by_mp"]) == (0.0, 0.0, 0.0)
    # 0.43 x (34.8931 - 36.0896) = -0.514495 -> -0.51: the rounded amounts differ by a cent more
    assert row["by_conversion_factor"] == _cents(0.43 * (34.8931 - 36.0896)) == -0.51
    assert row["rounding"] == -0.01


def test_efficiency_adjustment_named_only_from_2025_to_2026():
    skipped = explorer.explain_changes("97012", years=[2023, 2026]).iloc[0]
    assert skipped["by_work"] == _cents(-0.01 * 33.8872)
    assert "work RVU 0.25 -> 0.24 (-$0.34)" in skipped["explanation"]
    assert "efficiency" not in skipped["explanation"]
    # a practice-expense move into 2026 names the new PE method; 97110 is timed, work unchanged
    timed = explorer.explain_changes("97110", years=[2025, 2026]).iloc[0]
    assert timed["by_work"] == 0.0
    assert (
        "practice-expense RVU 0.43 -> 0.41 (CMS changed the practice-expense method for CY2026)"
        in (timed["explanation"])
    )


def test_unpaid_code_has_no_decomposition_but_says_why():
    frame = explorer.explain_changes("97010", years=[2025, 2026])
    assert frame[["change", "by_work", "by_conversion_factor", "rounding"]].isna().all(axis=None)
    assert frame["explanation"].tolist() == [
        "2025 -> 2026: no fee-schedule amount in either year (status B: not paid)"
    ]


# volume_impact


def test_volume_impact_per_code_and_total():
    frame = explorer.volume_impact({"97012": 100, "97110": 250, "97010": 40}, 2025, 2026)
    assert frame["code"].tolist() == ["97012", "97110", "97010", "total"]
    assert frame["units"].tolist() == [100, 250, 40, 390]
    assert frame["amount_from"].tolist()[:2] == [14.23, 28.79]
    assert frame["amount_to"].tolist()[:2] == [14.36, 29.06]
    # 100 x 14.23, 250 x 28.79; 100 x 14.36, 250 x 29.06
    assert frame["dollars_from"].tolist() == [1423.0, 7197.5, 0.0, 1423.0 + 7197.5]
    assert frame["dollars_to"].tolist() == [1436.0, 7265.0, 0.0, 1436.0 + 7265.0]
    assert frame["difference"].tolist() == [13.0, 67.5, 0.0, 80.5]
    assert frame["reason"].iloc[2] == (
        "2025: status B: not paid, counted as 0 dollars; "
        "2026: status B: not paid, counted as 0 dollars"
    )
    assert pd.isna(frame["amount_from"].iloc[3])


def test_volume_impact_errors():
    _raises(
        "volume of 97012 is '-3': give a whole number of units, 0 or more.",
        explorer.volume_impact,
        {"97012": -3},
        2025,
        2026,
    )
    _raises(
        "volume of 97012 is '2.5': give a whole number of units, 0 or more.",
        explorer.volume_impact,
        {"97012": 2.5},
        2025,
        2026,
    )
    _raises(
        f"97999 is not in the workbook's RVUs (2020-2026): check the code, or {IMPORT}.",
        explorer.volume_impact,
        {"97012": 3, "97999": 1},
        2025,
        2026,
    )
    _raises(
        "97012 is listed twice in the volumes: give it once.",
        explorer.volume_impact,
        {"97012": 3, " 97012": 1},
        2025,
        2026,
    )
    _raises(
        "no volumes given: pass a dict of code to units, e.g. {'97012': 120}.",
        explorer.volume_impact,
        {},
        2025,
        2026,
    )


def test_explanations_as_markdown():
    from cpt_analysis.fees.explorer import explain_changes, explanations_markdown

    text = explanations_markdown(explain_changes(["97012"], [2025, 2026]))
    assert text == (
        "- **97012** 2025 -> 2026: $14.23 -> $14.36 (+$0.13): conversion factor 32.3465 -> "
        "33.4009 (+$0.45); work RVU 0.25 -> 0.24: CMS's CY2026 efficiency adjustment cut work "
        "RVUs of non-time-based services by 2.5% (-$0.32)"
    )
