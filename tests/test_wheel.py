"""The workbook installs like a real package: a wheel built from the checkout, installed into a
fresh virtual environment, looks a code up and runs a notebook from a folder outside the
checkout, with its store, caches and reports where a user can write.

The new environment sees the project environment's packages (a .pth line) and their Jupyter data
files such as nbconvert's templates (JUPYTER_PATH), so that no dependency is downloaded;
cpt_analysis itself comes only from the wheel.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cpt_analysis import config
from cpt_analysis.fees.card import code_card
from cpt_analysis.presentation.registry import label

pytestmark = pytest.mark.slow

# what a user leaves beside the shipped files: none of it may be packaged
USER_FILES = [
    "data/local/manifest.json",
    "data/local/rvus_2026.parquet",
    "data/local/cache/icd10cm_simple-1.5.0.parquet",
    "notebooks/.ipynb_checkpoints/01_code_card-checkpoint.ipynb",
    "notebooks/reports/01_code_card.html",
]


def _copy_checkout(src: Path) -> None:
    """Copy what the build reads, without caches or the user's store, then plant USER_FILES."""
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", "local")
    for name in ("cpt_analysis", "data", "notebooks"):
        shutil.copytree(config.PROJECT_ROOT / name, src / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(config.PROJECT_ROOT / name, src / name)
    for name in USER_FILES:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("a user's file")


def _run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel, install it into a new venv; return the folders and a command runner."""
    top = tmp_path_factory.mktemp("wheel")
    src, wheels, venv, home, elsewhere = (top / n for n in ("src", "w", "venv", "home", "cwd"))
    _copy_checkout(src)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, src])
    (wheel,) = wheels.glob("cpt_analysis-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(purelib.stdout.strip(), "project_packages.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-index"]
    _run([*pip, wheel])
    home.mkdir()
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CPT_WORKBOOK_", "XDG_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))
    }
    # a wide terminal keeps each folder named in --help on one line
    env.update(
        HOME=str(home),
        PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        JUPYTER_PATH=str(Path(sys.prefix, "share", "jupyter")),
        COLUMNS="500",
    )

    def run(*args: str, store: Path | None = None) -> str:
        extra = {config.STORE_ENV: str(store)} if store else {}
        return _run([*args], cwd=elsewhere, env={**env, **extra}).stdout

    return {"wheel": wheel, "src": src, "venv": venv, "home": home, "cwd": elsewhere, "run": run}


def test_the_wheel_holds_the_package_tables_notebooks_and_prose_and_no_user_file(installed):
    src = installed["src"]
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        packaged = {n for n in wheel.namelist() if not n.startswith("cpt_analysis-")}
    expected = {
        p.relative_to(src).as_posix() for p in (src / "cpt_analysis").rglob("*") if p.is_file()
    }
    for folder in ("data", "notebooks"):
        for path in (src / folder).rglob("*"):
            name = path.relative_to(src).as_posix()
            if path.is_file() and name not in USER_FILES:
                expected.add(f"cpt_analysis/{name}")
    assert packaged == expected
    assert {
        "cpt_analysis/data/rvus/RVU25D.parquet",
        "cpt_analysis/data/ncci/ptp_2024q3.parquet",
        "cpt_analysis/data/zip_localities.csv.gz",
        "cpt_analysis/data/icd10_history.csv.gz",
        "cpt_analysis/data/opps_cap.csv.gz",
        "cpt_analysis/data/icd10_code_sets.csv",
        "cpt_analysis/notebooks/01_code_card.ipynb",
        "cpt_analysis/app/pages/code_card.ipynb",
        "cpt_analysis/app/templates/voila/templates/cpt-offline/index.html.j2",
    } <= packaged
    assert any(n.startswith("cpt_analysis/training/prose/") for n in packaged)


def test_the_installed_package_is_the_wheel_with_its_folders_outside_any_checkout(installed):
    venv, home = installed["venv"], installed["home"]
    out = installed["run"](
        "python",
        "-c",
        "import cpt_analysis; from cpt_analysis import config as c\n"
        "for p in (cpt_analysis.__file__, c.PROJECT_ROOT, c.DATA_DIR, c.NOTEBOOKS_DIR,\n"
        "          c.store_dir(), c.cache_dir(), c.REPORTS_DIR): print(p)",
    ).splitlines()
    package = Path(out[0]).parent
    assert package.is_relative_to(venv) and package.name == "cpt_analysis"
    assert out[1:] == [
        "None",
        str(package / "data"),
        str(package / "notebooks"),
        str(home / ".local" / "share" / "cpt-workbook"),
        str(home / ".cache" / "cpt-workbook"),
        str(installed["cwd"] / "reports"),
    ]


def test_help_names_the_store_and_the_reports_folder_of_an_installed_wheel(installed):
    store = installed["home"] / ".local" / "share" / "cpt-workbook"
    shown = f"The store: {store}; set CPT_WORKBOOK_STORE to use another folder."
    assert shown in installed["run"]("cpt-workbook", "store", "--help")
    reports = f"relative to the current folder (default: {installed['cwd'] / 'reports'})"
    assert reports in installed["run"]("cpt-workbook", "run", "--help")
    assert installed["run"]("cpt-workbook", "store").startswith(f"nothing is imported in {store}:")


def test_lookup_from_another_folder_reads_the_shipped_tables(installed, tmp_path):
    out = installed["run"]("cpt-workbook", "lookup", "97012", "--year", "2025", store=tmp_path)
    assert "  National (GPCI 1.0) (national), conversion factor 32.3465:" in out.splitlines()
    assert "   *global nonfacility      $14.23" in out.splitlines()
    # ICD-10-CM verdicts come from the shipped code history: no cache is built for them
    assert "  - M54.2: Cervicalgia -> billable" in out.splitlines()
    cache = installed["home"] / ".cache" / "cpt-workbook"
    assert list(cache.glob("icd10*")) == []


def test_run_finds_the_installed_notebook_and_writes_html_and_excel(installed, tmp_path):
    notebooks = sorted(p.name for p in installed["venv"].rglob("cpt_analysis/notebooks/*"))
    out_dir = tmp_path / "out"
    out = installed["run"](
        "cpt-workbook", "run", "01_code_card", "-p", "cpt_code=97110", "--out", str(out_dir),
        store=tmp_path / "store",
    )  # fmt: skip
    stem = out_dir / "01_code_card__cpt_code-97110"
    assert out.splitlines() == [f"{stem}.html  (tables: {stem.name}.xlsx)"]
    card = code_card("97110", year=2025, locality="01112-05", setting="nonfacility")
    text = re.sub(
        r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", Path(f"{stem}.html").read_text()))
    )
    assert f"97110: {card.name}" in text
    paid = card.prices[card.prices["reason"] == "paid"]
    assert len(paid) == 2
    for row in paid.itertuples():  # the report's table in dollars, the Excel in numbers
        assert f"{row.locality_id} " in text and f" ${row.amount:,.2f} " in text
    columns = [label(c) for c in ("locality_id", "setting", "amount")]
    payments = pd.read_excel(f"{stem}.xlsx", sheet_name="Payments", dtype={columns[0]: str})
    expected = card.prices[["locality_id", "setting", "amount"]].reset_index(drop=True)
    got = payments[columns].set_axis(["locality_id", "setting", "amount"], axis=1)
    pd.testing.assert_frame_equal(got, expected)
    # running wrote nothing beside the installed notebooks
    assert sorted(p.name for p in installed["venv"].rglob("cpt_analysis/notebooks/*")) == notebooks
