"""The shipped ICD-10-CM code history (data/icd10_history.csv.gz, data/icd10_code_sets.csv), the
code shapes it holds, and the maintainer script that writes it (scripts/build_icd10_history.py),
tried on small made-up releases: nothing here downloads."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.errors import DataFileError, WorkbookError
from cpt_analysis.identifiers import ICD10_PATTERN, icd10_key, icd10_keys, normalize_icd10
from cpt_analysis.reference import icd10_sets
from cpt_analysis.reference.loaders import load_icd10_changes

SCRIPT = config.PROJECT_ROOT / "scripts" / "build_icd10_history.py" if config.PROJECT_ROOT else None


@pytest.fixture(scope="module")
def build():
    """The maintainer script as a module (it lives in the checkout, not in the package)."""
    if SCRIPT is None or not SCRIPT.exists():
        pytest.skip("scripts/build_icd10_history.py is only in a checkout")
    spec = importlib.util.spec_from_file_location("build_icd10_history", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def history():
    return icd10_sets.shipped_history()


def test_every_code_of_every_code_set_has_an_accepted_shape(history):
    keys = pd.Series(history.index, dtype="str")
    assert keys.str.fullmatch(ICD10_PATTERN.pattern).all()
    assert len(keys) == 98_477
    # letters in second place only where the code sets have them: the QA0 category of 2026
    assert sorted(set(keys[keys.str[1].str.isalpha()].str[:3])) == ["QA0"]


@pytest.mark.parametrize(
    "junk", ["NONE", "N/A", "ABC", "THE", "QAA", "QA.0101", "M.545", "5450", "M5", "M54.50000", ""]
)
def test_words_and_broken_codes_are_not_codes(junk):
    assert icd10_key(junk) is None
    with pytest.raises(WorkbookError, match=f"^'{junk}' is not an ICD-10-CM code: "):
        normalize_icd10(junk)


def test_qa0_is_read_in_every_form():
    assert normalize_icd10("qa0.0101") == "QA0.0101"
    raw = pd.Series(["QA0.0101", "QA00101", " qa0.8 ", "QA0"])
    assert icd10_keys(raw).tolist() == ["QA00101", "QA00101", "QA08", "QA0"]


def test_the_code_sets_are_those_the_history_holds(history):
    sets = icd10_sets.shipped_sets()
    assert [(s.name, s.fiscal_year, s.start, s.end) for s in sets] == [
        ("jan2021", 2021, dt.date(2021, 1, 1), dt.date(2021, 9, 30)),
        ("apr2025", 2025, dt.date(2025, 4, 1), dt.date(2025, 9, 30)),
        ("apr2026", 2026, dt.date(2026, 4, 1), dt.date(2026, 9, 30)),
    ]
    table = pd.read_csv(config.DATA_DIR / "icd10_code_sets.csv")
    counted = [(int(history[s.name].ne(0).sum()), int(history[s.name].eq(1).sum())) for s in sets]
    assert counted == list(zip(table["codes"], table["billable"], strict=True))
    # FY2021's published count is 72,616 billable codes; January 2021 added six, M35.8 split
    assert counted == [(95_358, 72_621), (97_584, 74_260), (98_186, 74_719)]


def test_the_history_shows_the_codes_known_to_change(history):
    def states(code):
        return history.loc[code, ["jan2021", "apr2025", "apr2026"]].tolist()

    assert states("U071") == [1, 1, 1]  # since April 2020
    assert states("J1282") == [1, 1, 1]  # January 2021
    assert states("M545") == [1, 2, 2]  # split in FY2022
    assert states("M5450") == [0, 1, 1]
    assert states("QA00101") == [0, 0, 1]  # April 2026
    assert states("T407X1A") == [1, 0, 0]  # deleted by FY2025
    table = pd.read_csv(config.DATA_DIR / "icd10_history.csv.gz", dtype="str")
    row = table[table["icd10"] == "M54.5"].iloc[0]
    assert row[["first_fy", "last_fy", "jan2021", "apr2025"]].tolist() == [
        "2021",
        "2026",
        "billable",
        "header",
    ]


def test_every_dated_change_agrees_with_every_code_set(build, history):
    for s in icd10_sets.shipped_sets():
        held = history[history[s.name] != 0]
        frame = pd.DataFrame({"key": held.index, "leaf": held[s.name].eq(1).to_numpy()})
        build._check_dated_changes(s.name, frame, s.start)  # raises where one disagrees
    assert len(load_icd10_changes()) == 57


def test_the_shipped_history_stays_small_and_is_read_only_when_a_code_is_checked():
    assert (config.DATA_DIR / "icd10_history.csv.gz").stat().st_size < 1_000_000
    probe = (
        "import sys\n"
        "from cpt_analysis.reference import icd10, icd10_sets\n"
        "print(icd10_sets.shipped_history.cache_info().currsize)\n"
        "print(icd10.check('M54.5', '2025-06-01')['status'])\n"
        "print(icd10_sets.shipped_history.cache_info().currsize)\n"
        "print('simple_icd_10_cm' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["0", "header", "1", "False"]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A copy of the two shipped tables in a folder of their own, read afresh."""
    for name in ("icd10_history.csv.gz", "icd10_code_sets.csv"):
        shutil.copy(config.DATA_DIR / name, tmp_path / name)
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    for cached in (icd10_sets.shipped_sets, icd10_sets.shipped_history, icd10_sets._shipped_set):
        cached.cache_clear()
    yield tmp_path
    for cached in (icd10_sets.shipped_sets, icd10_sets.shipped_history, icd10_sets._shipped_set):
        cached.cache_clear()


def test_a_damaged_history_is_refused_naming_row_and_column(data_dir):
    path = data_dir / "icd10_history.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().split("\n")
    lines[3] = lines[3].replace("billable", "maybe", 1)
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    with pytest.raises(
        DataFileError,
        match=r"^icd10_history.csv.gz: row 4, column 'jan2021' has 'maybe' \(not billable, "
        r"header or empty\): restore it from git or rebuild it with "
        r"scripts/build_icd10_history.py.$",
    ):
        icd10_sets.shipped_history()


def test_a_missing_code_set_column_or_file_is_refused(data_dir):
    sets = pd.read_csv(data_dir / "icd10_code_sets.csv", dtype="str")
    later = ["oct2026", "2027", "October 2026", "2026-10-01", "2027-09-30", "1", "1", "made up"]
    sets.loc[len(sets)] = later
    sets.to_csv(data_dir / "icd10_code_sets.csv", index=False)
    with pytest.raises(DataFileError, match="^icd10_history.csv.gz lacks the column.s. oct2026: "):
        icd10_sets.shipped_history()
    (data_dir / "icd10_code_sets.csv").unlink()
    icd10_sets.shipped_sets.cache_clear()
    with pytest.raises(DataFileError, match="icd10_code_sets.csv is missing: restore it from git"):
        icd10_sets.shipped_sets()


# --- the maintainer script, on made-up releases --------------------------------------------

FAKE_MODULE = """
import os
CODES = [line.split("|") for line in open(os.path.join(os.path.dirname(__file__), "data",
         "codes-April-2027.txt")).read().splitlines()]
def get_all_codes(with_dots=True):
    return ["1", "A00-A09"] + [c for c, _, _ in CODES]
def is_leaf(code):
    return {c: leaf == "1" for c, leaf, _ in CODES}.get(code, False)
def get_description(code):
    return {c: d for c, _, d in CODES}.get(code, "a chapter or block")
"""


def fake_release(root: Path, rows: list[tuple[str, bool, str]]) -> Path:
    """A made-up release of simple-icd-10-cm: a module reading its data file."""
    package = root / "simple_icd_10_cm"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("from .simple_icd_10_cm import *\n")
    (package / "simple_icd_10_cm.py").write_text(FAKE_MODULE)
    lines = [f"{c}|{int(leaf)}|{d}" for c, leaf, d in rows]
    (package / "data" / "codes-April-2027.txt").write_text("\n".join(lines))
    return root


def test_a_release_is_read_with_its_own_code(build, tmp_path):
    root = fake_release(tmp_path / "r", [("M545", False, "Low back pain"), ("M5450", True, "x")])
    frame = build.read_release(root)
    assert frame.values.tolist() == [["M545", False, "Low back pain"], ["M5450", True, "x"]]
    files = build.data_files(root)
    assert [p.name for p in files] == ["codes-April-2027.txt"]
    assert build.update_of(files) == dt.date(2027, 4, 1)
    assert build.set_name(dt.date(2027, 4, 1)) == "apr2027"
    (root / "simple_icd_10_cm" / "simple_icd_10_cm.py").write_text("raise ImportError('old')")
    with pytest.raises(
        build.BuildError, match=r"(?s)^r could not read its own data:\n.*ImportError: old"
    ):
        build.read_release(root)


@pytest.mark.parametrize(
    "names, update",
    [
        (["icd10cm-order-Jan-2021.txt", "icd10cm_tabular_2021.xml"], dt.date(2021, 1, 1)),
        (["code-list-April-2026.txt", "icd10c-tabular-April-1-2026.xml"], dt.date(2026, 4, 1)),
        (["icd10cm-order-October-2025.txt"], dt.date(2025, 10, 1)),
    ],
)
def test_the_update_comes_from_the_data_files_names(build, names, update):
    assert build.update_of([Path(n) for n in names]) == update


def test_files_naming_two_updates_or_none_are_refused(build):
    with pytest.raises(build.BuildError, match=r"do not name one update"):
        build.update_of([Path("code-list-April-2025.txt"), Path("tabular-April-2026.xml")])
    with pytest.raises(build.BuildError, match=r"do not name one update"):
        build.update_of([Path("codes.txt")])


def complete_set(extra: dict[str, bool]) -> pd.DataFrame:
    """A made-up complete code set (every chapter, 52,500 codes) with ``extra`` codes."""
    keys = [f"{c}{i:04d}" for c in "ABCDEFGHIJKLMNOPQRSTVWXYZ" for i in range(2100)]
    leaf = dict.fromkeys(keys, True) | extra
    return pd.DataFrame(
        {"key": list(leaf), "leaf": list(leaf.values()), "description": list(leaf)}
    ).sort_values("key", ignore_index=True)


def test_a_code_set_that_contradicts_a_dated_change_is_refused(build, monkeypatch):
    changes = load_icd10_changes()
    changes = changes[changes["icd10"].isin(["M54.5", "M54.50", "U07.1"])]
    monkeypatch.setattr(build, "load_icd10_changes", lambda: changes)
    good = complete_set({"M545": False, "M5450": True, "U071": True})
    build.check_code_set("apr2025", good, dt.date(2025, 4, 1), [])
    stale = complete_set({"M545": True, "U071": True})  # M54.5 still billable in 2025?
    with pytest.raises(
        build.BuildError,
        match=r"^apr2025: M54.5 is billable, but icd10_changes.csv says \{'header'\}$",
    ):
        build.check_code_set("apr2025", stale, dt.date(2025, 4, 1), [])
    early = complete_set({"M545": True, "U071": True})  # U07.1 before 2020-04-01?
    with pytest.raises(build.BuildError, match=r"^oct2019: U07.1 is billable, but .*'absent'"):
        build.check_code_set("oct2019", early, dt.date(2019, 10, 1), [])


def test_a_code_set_that_is_not_complete_or_not_of_its_year_is_refused(
    build, tmp_path, monkeypatch
):
    monkeypatch.setattr(build, "load_icd10_changes", lambda: load_icd10_changes().head(0))
    with pytest.raises(build.BuildError, match=r"^apr2025: 3 codes, too few"):
        build.check_code_set("apr2025", complete_set({}).head(3), dt.date(2025, 4, 1), [])
    xml = tmp_path / "tabular-April-2025.xml"
    xml.write_text("<ICD10CM.tabular><version>2024</version></ICD10CM.tabular>")
    frame = complete_set({"M545": False, "M5450": True, "U071": True})
    with pytest.raises(build.BuildError, match=r"tabular-April-2025.xml is not the FY2025"):
        build.check_code_set("apr2025", frame, dt.date(2025, 4, 1), [xml])
    order = tmp_path / "icd10cm-order-Apr-2025.txt"
    order.write_text("00001 A0000   0 x\n")
    with pytest.raises(build.BuildError, match=r"differ from icd10cm-order-Apr-2025.txt"):
        build._check_order_file("apr2025", frame, order)


def test_the_history_table_and_its_files(build, tmp_path):
    old = pd.DataFrame({"key": ["M545", "T407X"], "leaf": [True, True], "description": "a b"})
    new = pd.DataFrame(
        {"key": ["M545", "M5450"], "leaf": [False, True], "description": ["Low back pain", "x"]}
    )
    sets = [("jan2021", dt.date(2021, 1, 1), old), ("apr2026", dt.date(2026, 4, 1), new)]
    history = build.history_table(sets)
    assert history.values.tolist() == [
        ["M54.5", 2021, 2026, "billable", "header", "Low back pain"],
        ["M54.50", 2026, 2026, "", "billable", "x"],
        ["T40.7X", 2021, 2021, "billable", "", "a b"],
    ]
    code_sets = build.code_sets_table(
        [(*s, ["1.0.1", "1.2.0"], ["codes-Jan-2021.txt"]) for s in sets]
    )
    assert code_sets.iloc[1].tolist() == [
        "apr2026",
        2026,
        "April 2026",
        "2026-04-01",
        "2026-09-30",
        2,
        1,
        "simple-icd-10-cm 1.0.1, 1.2.0: codes-Jan-2021.txt",
    ]
    build.write(history, code_sets, tmp_path)
    first = (tmp_path / "icd10_history.csv.gz").read_bytes()
    build.write(history, code_sets, tmp_path)
    assert (tmp_path / "icd10_history.csv.gz").read_bytes() == first  # no time stamp
    back = pd.read_csv(tmp_path / "icd10_history.csv.gz", dtype="str", keep_default_na=False)
    assert back.columns.tolist() == [
        "icd10",
        "first_fy",
        "last_fy",
        "jan2021",
        "apr2026",
        "description",
    ]
    assert json.loads(back.iloc[0].to_json())["apr2026"] == "header"
