"""The whole fee schedule, release by release: the release in force on a date of service, a code
without a plain-language entry (27447) on its card and priced, the 2026 GPCIs, and an import
over the shipped release. Figures are written out from the shipped tables' rows."""

import pandas as pd
from cms_samples import write_pprrvu_2025

from cpt_analysis.cli import main
from cpt_analysis.fees.card import code_card
from cpt_analysis.fees.cardtext import render
from cpt_analysis.fees.payment import cents, price
from cpt_analysis.reference.importer import import_file
from cpt_analysis.reference.loaders import load_gpci, load_rvus, release_on


def test_the_release_in_force_on_a_date_of_service_prices_it():
    before = price("97012", date_of_service="2024-03-08")
    after = price("97012", date_of_service="2024-03-09")
    assert (before.release, before.conversion_factor) == ("RVU24A", 32.7442)
    assert (after.release, after.conversion_factor) == ("RVU24AR", 33.2875)
    assert before.release_note == "RVU24A, in force from 2024-01-01"
    assert after.release_note == "RVU24AR, in force from 2024-03-09"
    # 97012 2024: 0.25 + 0.16 + 0.01 = 0.42 RVU
    assert before.amount == cents(0.42 * 32.7442) == 13.75
    assert after.amount == cents(0.42 * 33.2875) == 13.98
    assert price("97012", date_of_service="2024-04-01").release == "RVU24B"
    assert price("97012", date_of_service="2020-12-31").release == "RVU20D"


def test_a_year_with_one_release_says_so():
    early = price("97012", date_of_service="2025-02-02")
    assert (early.release, early.conversion_factor, early.amount) == ("RVU25D", 32.3465, 14.23)
    assert early.release_note == (
        "RVU25D: the only 2025 release the workbook has, in force from 2025-10-01; "
        "the one in force on 2025-02-02 is not shipped"
    )
    assert price("97012", year=2026).release_note == (
        "RVU26C, the only 2026 release the workbook has"
    )
    rows, said = release_on("2026-08-01")
    assert rows["release"].astype(str).unique().tolist() == ["RVU26C"] and len(rows) == 19356
    assert said == "RVU26C, in force from 2026-07-01"


def test_a_year_is_priced_with_its_latest_release_and_that_releases_factor():
    late = price("97012", year=2024)
    assert (late.release, late.conversion_factor) == ("RVU24C", 33.2875)
    assert late.release_note == "RVU24C, the latest of RVU24A, RVU24AR, RVU24B, RVU24C"
    assert price("97012", year=2026, apm=True).conversion_factor == 33.5675  # not in the file
    assert price("97012", year=2020).conversion_factor == 36.0896


def test_gpcis_of_the_release_in_force(tmp_path):
    # CMS revised Puerto Rico's GPCIs in RVU23D (October 2023); 97012 2023: 0.25/0.17/0.01
    march = price("97012", date_of_service="2023-03-01", locality="09202-20")
    november = price("97012", date_of_service="2023-11-01", locality="09202-20")
    assert (march.release, march.gpci_pe, march.gpci_mp) == ("RVU23A", 1.0, 1.0)
    assert (november.release, november.gpci_pe, november.gpci_mp) == ("RVU23D", 1.008, 0.984)
    assert march.amount == cents(0.43 * 33.8872) == 14.57
    assert november.amount == cents((0.25 + 0.17 * 1.008 + 0.01 * 0.984) * 33.8872) == 14.61


def test_the_2026_amount_in_a_locality(capsys):
    sf = load_gpci(2026).set_index("locality_id").loc["01112-05"]
    assert (sf["gpci_work"], sf["gpci_pe"], sf["gpci_mp"]) == (1.095, 1.41, 0.425)
    row = load_rvus(2026).query("hcpcs == '97012' and modifier == ''").iloc[0]
    assert (row["work_rvu"], row["pe_rvu_nonfacility"], row["mp_rvu"]) == (0.24, 0.18, 0.01)
    # (0.24 x 1.095 + 0.18 x 1.41 + 0.01 x 0.425) x 33.4009 = 17.3971...
    want = cents((0.24 * 1.095 + 0.18 * 1.41 + 0.01 * 0.425) * 33.4009)
    assert price("97012", year=2026, locality="01112-05").amount == want == 17.40
    assert main(["lookup", "97012", "--year", "2026", "--locality", "01112-05"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "   *global nonfacility      $17.40" in out
    assert (
        "  Source: PPRRVU2026_Jul_nonQPP.csv (RVU26C, the only 2026 release the workbook has)"
        in out
    )


def test_a_code_without_a_plain_language_entry_has_its_card_and_payment():
    card = code_card("27447", year=2025, setting="facility")
    assert (card.name, card.facts, card.common_names) == ("27447", {}, [])
    assert card.notes[0].startswith("27447 has no plain-language entry in the workbook yet")
    assert card.meanings["global_days"].startswith("090: ")
    assert card.rvus[
        ["work_rvu", "pe_rvu_facility", "mp_rvu", "total_rvu_facility"]
    ].values.tolist() == [[19.6, 15.3, 3.98, 38.88]]
    assert card.history["year"].tolist() == list(range(2020, 2027))
    assert card.history["release"].astype(str).tolist() == [
        "RVU20D",
        "RVU21D",
        "RVU22D",
        "RVU23D",
        "RVU24C",
        "RVU25D",
        "RVU26C",
    ]
    assert card.history["work_rvu"].tolist() == [20.72, 19.6, 19.6, 19.6, 19.6, 19.6, 19.11]
    paid = card.prices.set_index("setting").loc["facility"]
    assert paid["amount"] == cents(38.88 * 32.3465) == 1257.63
    assert price("27447", year=2025, setting="facility").amount == 1257.63
    text = render(card).splitlines()
    assert text[0] == "CPT/HCPCS 27447: no plain-language entry yet"
    assert "  Source: PPRRVU2025_Oct.csv (RVU25D, the only 2025 release the workbook has)" in text
    assert "  In summary, 27447 has CMS's figures but no plain-language entry yet." in text


def test_an_imported_release_wins_with_its_descriptors(tmp_path):
    shipped = set(load_rvus(2025)["hcpcs"])
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"))  # 5,000 rows of RVU25D
    rvus = load_rvus(2025).set_index(["hcpcs", "modifier"])
    made_up = {f"A{n:04d}" for n in range(1, 4991)}  # A0001-A4990, some real codes among them
    assert len(rvus) == 19090 + len(made_up - shipped) == 23683
    assert rvus.loc[("A0021", ""), "description"] == "Made-up service 21"  # the import wins
    assert rvus.loc[("94760", ""), "description"] == "Pulse oximetry"
    assert pd.isna(rvus.loc[("27447", ""), "description"])  # a shipped row the file lacks
    assert rvus.loc[("94760", ""), "physician_supervision"] == "01"  # its details are read too
    assert load_rvus(2025, release="RVU25D").equals(load_rvus(2025))
    rows, said = release_on("2025-11-01")
    assert said == "RVU25D (imported; it prices every date of 2025)" and len(rows) == 23683
    card = code_card("94760", year=2025)
    assert card.name == "Pulse oximetry"
    assert card.notes[0] == (
        "94760 has no plain-language entry in the workbook yet; the name shown is CMS's short "
        "descriptor from the file you imported."
    )


def test_an_import_of_another_release_prices_every_date_of_its_year(tmp_path):
    from cpt_analysis.reference import store

    traction = load_rvus(2025).query("hcpcs == '97012'")
    assert not load_rvus()["hcpcs"].eq("K9999").any()  # a code no release lists
    store.save("rvus", traction.assign(hcpcs="K9999", release="RVU25B"), tmp_path / "x.csv")
    rows, said = release_on("2025-05-01")
    assert said == "RVU25B (imported; it prices every date of 2025)"
    assert price("K9999", date_of_service="2025-05-01").release == "RVU25B"
    assert price("97012", date_of_service="2025-05-01").release == "RVU25D"  # kept from RVU25D
    assert load_rvus(2025, release="RVU25D")["hcpcs"].eq("K9999").sum() == 0
    assert load_rvus(2025, release="RVU25B")["hcpcs"].tolist() == ["K9999"]
