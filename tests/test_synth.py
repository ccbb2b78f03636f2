"""Synthetic encounter files: seeded, realistic mixes, dirty rows at the asked share (for
tests only: the shipped sample is clean), and Medicare's edits with something to find."""

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.practice.intake import read_encounters
from cpt_analysis.practice.synth import COLUMNS, FORMULA_PROVIDER, generate_encounters, main
from cpt_analysis.reference.loaders import load_codes


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """A large export with the dirty rows and formula providers a careless export has."""
    return generate_encounters(20_000, seed=11, dirty_share=0.03, formula_provider=True)


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
    assert codes - {"9711", "9701", "99999", "97-10"} <= set(load_codes()["code"]) | {"64484"}
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
    assert result.counts == {"input": 2000, "accepted": 2000, "rejected": 0, "blank_lines": 0}


def test_the_shipped_sample_looks_like_a_practice_export():
    frame = pd.read_csv(config.DATA_DIR / "sample_encounters.csv", dtype=str, keep_default_na=False)
    providers = set(frame["Rendering Provider"])
    assert len(providers) == 8 and not any(p.startswith(("=", "+", "-", "@")) for p in providers)
    assert "" not in providers and frame["Service Date"].str.fullmatch(r"2025-\d\d-\d\d").all()
    assert generate_encounters(300, seed=1)["Rendering Provider"].ne(FORMULA_PROVIDER).all()


@pytest.fixture(scope="module")
def shipped():
    from cpt_analysis.practice.audit import audit
    from cpt_analysis.practice.productivity import explain

    lines = read_encounters(config.DATA_DIR / "sample_encounters.csv").accepted
    explained = explain(lines)
    return lines, explained, audit(lines, explained)


def test_the_sample_exercises_medicare_edits(shipped):
    lines, _, found = shipped
    counts = found["finding"].value_counts()
    assert counts["NCCI procedure-to-procedure"] == 53
    assert counts["NCCI medically unlikely units"] == 43
    assert counts["add-on code without its primary"] == 2
    assert counts["therapy threshold without KX"] == 8
    ptp = found[(found["finding"] == "NCCI procedure-to-procedure") & (found["cpt"] == "97140")]
    assert ptp["detail"].str.contains("97140 billed with 97012").sum() == 9
    # the other 32 visits billing 97012 with 97140 carry 59 or XS on 97140: no finding
    visits = lines.groupby(["patient_id", "date_of_service", "provider"], observed=True)["cpt"]
    both = visits.agg(lambda s: {"97012", "97140"} <= set(s.astype(str)))
    assert both.sum() == 41
    mue = found[found["finding"] == "NCCI medically unlikely units"]
    assert (mue["cpt"] == "97110").sum() == 2  # 7 units where 6 is the most
    assert set(found.loc[found["finding"] == "add-on code without its primary", "cpt"]) == {"64484"}


def test_the_sample_has_a_patient_past_the_kx_threshold(shipped):
    from cpt_analysis.practice.therapy_threshold import threshold_cases

    lines, explained, _ = shipped
    case = threshold_cases(lines, explained).iloc[0]
    assert (case["kind"], case["lines"], case["allowed"]) == ("PT/SLP", 93, 3906.04)
    assert case["crossed_on"] == pd.Timestamp("2025-04-09")
    assert (case["lines_from_crossing"], case["without_kx"]) == (36, 8)
    assert case["targeted_review_on"] == pd.Timestamp("2025-04-28")


def test_the_sample_has_one_physician_with_higher_em_levels(shipped):
    from cpt_analysis.practice.em_levels import outliers

    table = outliers(shipped[0])
    assert table.loc[table["differs"], "provider"].tolist() == ["Dr. James Chen, MD"]
    chen = table[table["differs"]].iloc[0]
    assert (chen["mean_level"], chen["rest_mean_level"], chen["distance"]) == (4.02, 3.2, 53.3)


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--rows" in out and "--seed" in out and "--out" in out
