"""Synthetic encounter files: seeded, realistic mixes, dirty rows at the asked share."""

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.practice.intake import read_encounters
from cpt_analysis.practice.synth import COLUMNS, FORMULA_PROVIDER, generate_encounters, main
from cpt_analysis.reference.loaders import load_codes


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return generate_encounters(20_000, seed=11)


def test_same_seed_same_rows():
    first = generate_encounters(800, seed=3)
    assert first.equals(generate_encounters(800, seed=3))
    assert not first.equals(generate_encounters(800, seed=4))
    assert list(first.columns) == COLUMNS and len(first) == 800
    assert len(generate_encounters(0)) == 0
    with pytest.raises(ValueError, match="dirty_share between 0 and 1"):
        generate_encounters(10, dirty_share=1.5)


def test_realistic_mix(sample):
    providers = set(sample["Rendering Provider"].astype(str)) - {"", " ", FORMULA_PROVIDER}
    assert 6 <= len(providers) <= 12
    assert (sample["Rendering Provider"] == FORMULA_PROVIDER).sum() == 20
    dates = pd.to_datetime(sample["Service Date"].astype(str), format="%Y-%m-%d", errors="coerce")
    assert dates.dropna().dt.year.eq(2025).all() and dates.notna().mean() > 0.99
    assert sample["POS"].astype(str).value_counts(normalize=True).idxmax() == "11"
    assert {"21", "22"} <= set(sample["POS"].astype(str))
    codes = set(sample["CPT"].astype(str))
    assert codes - {"9711", "9701", "99999", "97-10"} <= set(load_codes()["code"])
    dx = sample["Dx1"].astype(str)
    stale = dx.isin(["M54.5", "M545", "M51.2", "M512"]).mean()
    assert 0.005 < stale < 0.08  # stale codes at a realistic rate
    assert dx.str.fullmatch(r"[A-Z]\d\d[0-9A-Z]+").any()  # some written without the dot


def test_timed_codes_carry_minutes_that_sometimes_disagree(sample):
    timed = sample["CPT"].astype(str).isin(set(load_codes().query("timed")["code"]))
    minutes = pd.to_numeric(sample.loc[timed, "Minutes"].astype(str), errors="coerce")
    units = pd.to_numeric(sample.loc[timed, "Units"].astype(str), errors="coerce")
    assert minutes.notna().mean() > 0.99
    by_rule = ((minutes + 7) // 15).where(minutes >= 8, 0)
    disagree = (by_rule != units).mean()
    assert 0.02 < disagree < 0.15


def test_dirty_rows_are_rejected_exactly(tmp_path):
    frame = generate_encounters(5000, seed=9, dirty_share=0.05)
    path = tmp_path / "synth.csv"
    frame.to_csv(path, index=False)
    result = read_encounters(path)
    assert result.counts["input"] == 5000
    assert result.counts["rejected"] == 250  # 5% of the rows, one defect each
    reasons = set(result.reason_counts()["reason"])
    assert {
        "bad date of service",
        "malformed CPT/HCPCS code",
        "units not a whole number from 1 to 999",
        "malformed ICD-10-CM code",
        "missing provider",
        "bad place of service",
    } <= reasons


def test_shipped_sample_is_reproducible(tmp_path, capsys):
    assert main(["--rows", "2000", "--seed", "42", "--out", str(tmp_path / "s.csv")]) == 0
    assert "wrote 2,000 lines" in capsys.readouterr().out
    shipped = config.DATA_DIR / "sample_encounters.csv"
    assert (tmp_path / "s.csv").read_bytes() == shipped.read_bytes()
    result = read_encounters(shipped)
    assert result.counts == {"input": 2000, "accepted": 1940, "rejected": 60, "blank_lines": 0}


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--rows" in out and "--seed" in out and "--out" in out
