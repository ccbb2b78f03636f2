"""The workbook's amounts equal CMS's own payment files to the cent (issue 12): every record of
every MAC payment file in ../shared/cms/2025/carrier-sample (the Alaska excerpt, and any other
state's records put there), both settings; the shipped OPPS cap prices equal CMS's OPPSCAP files
of every release."""

import re

import pandas as pd
import pytest

from cpt_analysis.cli import main
from cpt_analysis.errors import WorkbookError
from cpt_analysis.fees.payment import price_frame
from cpt_analysis.fees.payment_file import compare_payment_file, read_payment_file
from cpt_analysis.reference.loaders import load_gpci, load_rvus
from cpt_analysis.reference.opps_cap import load_opps_cap

# codes whose RVUs changed between the January release a 2025 payment file was made from
# (RVU25A) and the October release the workbook ships (RVU25D)
CHANGED_IN_2025 = {"0446T"}
ALASKA_LINE = (
    '"2025","02102","01","{code}","  ","{nf}","{f}"," ","0","A","2","0000000.00","0000000.00",'
    '"9","0000000.00","0000000.00"\n'
)


def _payment_files(cms_dir):
    files = sorted((cms_dir / "2025" / "carrier-sample").glob("PF*"))
    assert files, "no CMS payment file in carrier-sample"
    return files


def test_every_payment_file_record_is_equal_to_the_cent(cms_dir):
    for path in _payment_files(cms_dir):
        frame = compare_payment_file(path)
        records = read_payment_file(path)
        assert len(frame) == 2 * len(records)
        differ = frame[~frame["equal"]]
        assert set(differ["hcpcs"]) <= CHANGED_IN_2025, differ.head(10).to_string()
        assert differ["why"].str.contains("the RVUs changed between the release").all()


def test_the_alaska_excerpt_in_figures(cms_dir):
    frame = compare_payment_file(cms_dir / "2025" / "carrier-sample" / "PFAK25A_excerpt.txt")
    assert (len(frame), int(frame["equal"].sum())) == (966, 966)
    # 28% of the records have a setting marked NA; CMS prices them, and so does the workbook
    rvus = load_rvus(2025).set_index(["hcpcs", "modifier"])
    keys = list(zip(frame["hcpcs"], frame["modifier"], strict=True))
    na = [
        rvus.loc[k, f"pe_na_{s}"] for k, s in zip(keys, frame["setting"], strict=True)
    ]  # fmt: skip
    assert sum(na) > 100 and frame.loc[na, "amount"].notna().all()
    row = frame[
        (frame["hcpcs"] == "71046") & (frame["modifier"] == "") & (frame["setting"] == "facility")
    ]
    assert row[["file_amount", "amount"]].iloc[0].tolist() == [37.98, 37.98]
    # OPPS indicator 1: 158 records, the OPPS prices equal in both settings
    opps = frame[frame["opps_indicator"] == "1"]
    assert len(opps) == 2 * 158 and (opps["file_opps"] == opps["opps"]).all()


def test_a_code_whose_rvus_changed_is_explained(tmp_path):
    # 0446T in RVU25D: work 1.14, office PE 179.53, MP 0.08; a file made from other RVUs
    path = tmp_path / "PFAK25A.TXT"
    path.write_text(ALASKA_LINE.format(code="0446T", nf="0005000.00", f="0000090.00"))
    frame = compare_payment_file(path).set_index("setting")
    assert not frame["equal"].any()
    # (5000 / 32.3465 - 1.14 x 1.5 - 0.08 x 0.592) / 1.081 = 141.37
    assert frame.loc["nonfacility", "why"] == (
        "the file's amount implies a nonfacility PE RVU of 141.37, RVU25D has 179.53: the RVUs "
        "changed between the release the file was made from and the one the workbook ships"
    )


def test_check_payments_command(cms_dir, tmp_path, capsys):
    path = cms_dir / "2025" / "carrier-sample" / "PFAK25A_excerpt.txt"
    assert main(["check-payments", str(path)]) == 0
    assert capsys.readouterr().out == (
        "483 records of 02102-01, both settings: 966 of 966 amounts equal to the cent (fee "
        "schedule, OPPS price, therapy reduction)\n"
    )
    bad = tmp_path / "PFAK25A.TXT"
    bad.write_text(ALASKA_LINE.format(code="0446T", nf="0005000.00", f="0000090.00"))
    assert main(["check-payments", str(bad)]) == 1
    assert "0446T global nonfacility: file 5000.00, workbook" in capsys.readouterr().out


def test_payment_files_of_another_layout_are_one_line(tmp_path, capsys):
    cases = {
        "folder": (tmp_path, f"{tmp_path} is not a file"),
        "short": ('"2025","02102","01"\n', "has 3 columns, a CMS payment file 16"),
        "cut": (ALASKA_LINE.format(code="97012", nf="0000018.6", f="x"), "line 1: fee_facility is not an amount"),
    }  # fmt: skip
    for name, (content, message) in cases.items():
        path = content if name == "folder" else tmp_path / f"{name}.txt"
        if name != "folder":
            path.write_text(content)
        with pytest.raises(WorkbookError, match=re.escape(message)):
            read_payment_file(path)
        assert main(["check-payments", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err


def _oppscap_files(cms_dir):
    files = [(p, re.match(r"oppscap_(rvu\d\d[a-z]+)_", p.name)[1].upper())
             for p in sorted((cms_dir / "arkrvu-2020-2024").glob("rvu*/oppscap_rvu*.csv"))]  # fmt: skip
    return files + [(cms_dir / "2025" / "OPPSCAP_Oct.csv", "RVU25D")]


def test_shipped_opps_cap_equals_every_oppscap_file(cms_dir):
    shipped = load_opps_cap()
    for path, release in _oppscap_files(cms_dir):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw.columns = ["hcpcs", "modifier", "status", "mac", "locality", "facility", "nonfacility"]
        raw = raw[raw["status"].str.strip() == "A"]
        raw = raw.apply(lambda c: c.str.strip())
        raw["locality_id"] = raw["mac"] + "-" + raw["locality"]
        mine = shipped[shipped["release"] == release]
        both = raw.merge(mine, on=["hcpcs", "modifier", "locality_id"], how="outer", indicator=True)
        assert (both["_merge"] == "both").all() and len(mine) == len(raw), release
        assert (both["facility"].astype(float) == both["facility_price"]).all(), release
        assert (both["nonfacility"].astype(float) == both["nonfacility_price"]).all(), release


def test_the_opps_formula_equals_the_oppscap_file_of_2025():
    """Where CMS's OPPSCAP file lists no price, the OPPS RVUs' formula is used: in RVU25D it
    equals every price the file does list, in every locality and both settings."""
    listed = load_opps_cap()
    listed = listed[listed["release"] == "RVU25D"]
    rvus = load_rvus(2025)
    gpci = load_gpci(2025).set_index("locality_id")
    checked = 0
    for locality_id, rows in listed.groupby("locality_id"):
        if locality_id not in gpci.index:
            continue
        part = rows.merge(rvus, on=["hcpcs", "modifier"])
        place = gpci.loc[locality_id].copy()
        place["locality_id"] = "formula only"  # no listed price: the formula alone
        for setting in ("facility", "nonfacility"):
            priced = price_frame(part, place, 32.3465, setting)
            assert (priced["opps_amount"] == part[f"{setting}_price"]).all(), locality_id
            checked += len(part)
    assert checked > 5000
