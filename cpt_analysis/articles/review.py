"""Checking a code article against the tables, and adding its names and pairings to the store.

:func:`review` compares every fact of an :class:`~cpt_analysis.articles.Article` with the
workbook: the RVU figure against each year's official work and total RVUs, each ICD-10-CM code
against the code set on the date of service (headers, codes that were billable once, unknown
codes) and the pairing table, the names against the tables; missing parts and lines that could
not be read are findings too. :func:`add_to_store` keeps the article's common names and
pairings in the local store, each row naming the article it came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..dates import as_date
from ..errors import IMPORT_RVU_HINT, WorkbookError
from ..export import write_csv, write_excel
from ..identifiers import icd10_key
from ..reference import store
from ..reference.icd10 import check_many, newer_than_known
from ..reference.loaders import (
    load_codes,
    load_common_names,
    load_icd10_changes,
    load_pairings,
    load_rvus,
)
from .text import Article, format_rvu, parse

FINDING_COLUMNS = ["source", "code", "part", "item", "verdict", "detail"]
VERDICTS = [
    "agrees",
    "new",
    "stale",
    "differs",
    "not billable",
    "unknown",
    "missing",
    "unread",
    "note",
]
# CMS releases the RVU file quarterly: RVU25A in January, B April, C July, D October
RELEASE_MONTHS = {"A": "January", "B": "April", "C": "July", "D": "October"}
RVU_COMPONENTS = {
    "work RVU": "work_rvu",
    "total RVU in an office": "total_rvu_nonfacility",
    "total RVU in a facility": "total_rvu_facility",
}
RELATIONSHIP = "typical diagnosis"
AGREEING = ("agrees", "note")  # verdicts that need nothing done
FINDINGS_SUFFIXES = (".csv", ".xlsx")


@dataclass
class Review:
    """An article, where it came from, and its findings (one row per fact checked)."""

    article: Article
    source: str
    sha256: str
    date_of_service: str
    findings: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Return the number of findings per verdict, in VERDICTS order, zeros left out."""
        counts = self.findings["verdict"].value_counts()
        return {v: int(counts[v]) for v in VERDICTS if counts.get(v, 0)}

    @property
    def attention(self) -> int:
        """Return the number of findings that are not agreements or notes."""
        return int((~self.findings["verdict"].isin(AGREEING)).sum())


@dataclass
class Added:
    """What :func:`add_to_store` did with each name and pairing: every item is added, already
    present, or rejected with a reason, so the counts add up to the article's items."""

    names_added: list[str] = field(default_factory=list)
    names_present: list[str] = field(default_factory=list)
    pairings_added: list[str] = field(default_factory=list)
    pairings_present: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"added to the local store: {len(self.names_added)} common name(s) "
            f"({len(self.names_present)} already there), {len(self.pairings_added)} pairing(s) "
            f"({len(self.pairings_present)} already there), {len(self.rejected)} rejected"
        ]
        return "\n".join(lines + [f"rejected {item}: {why}" for item, why in self.rejected])


def read_article(path: str | Path) -> tuple[str, str]:
    """Return the text of an article file and its SHA-256.

    Raises WorkbookError for a missing file, a folder, or a file that is not UTF-8 text.
    """
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path} does not exist", "check the path of the article file")
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder", "give the article's text file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorkbookError(f"{path} is not UTF-8 text", "save the article as UTF-8 text") from None
    if "\x00" in text:
        raise WorkbookError(f"{path} is not a text file", "give the article as plain text")
    return text, hashlib.sha256(data).hexdigest()


def _runs(values: pd.Series) -> str:
    """``0.25 in 2023-2025, 0.24 in 2026`` from a Series of figures indexed by year."""
    runs: list[list] = []
    for year, value in values.items():
        if runs and runs[-1][0] == value and runs[-1][2] == year - 1:
            runs[-1][2] = year
        else:
            runs.append([value, year, year])
    return ", ".join(
        f"{format_rvu(v)} in {a}" if a == b else f"{format_rvu(v)} in {a}-{b}" for v, a, b in runs
    )


def _years(years: list[int]) -> str:
    """``2023-2025``, ``2023 and 2026``, ``2023-2024 and 2026`` from sorted years."""
    runs: list[list[int]] = []
    for year in years:
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    texts = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _release(release: object, year: int) -> str:
    """``RVU26C (July 2026)`` from a release name and its year."""
    release = str(release)
    month = RELEASE_MONTHS.get(release[-1:], "")
    return f"{release} ({month} {year})" if month else release


def _rvu_findings(article: Article, rows: pd.DataFrame) -> list[tuple]:
    figure = article.rvu
    by_year = rows.set_index("year").sort_index()
    latest = by_year.iloc[-1]
    matches = {
        label: by_year.index[(by_year[col] - figure).abs() < 0.005].tolist()
        for label, col in RVU_COMPONENTS.items()
    }
    matches = {label: years for label, years in matches.items() if years}
    item = format_rvu(figure)
    if not matches:
        detail = (
            f"{item} is not an official RVU of {article.code} in any year the workbook has: "
            + "; ".join(f"{label} {_runs(by_year[col])}" for label, col in RVU_COMPONENTS.items())
        )
        return [("RVU", item, "differs", detail)]
    by_years: dict[tuple, list[str]] = {}
    for label, years in matches.items():
        by_years.setdefault(tuple(years), []).append(label)
    said = "; ".join(
        f"{item} is the {' and the '.join(labels)} of {article.code} in {_years(list(years))} "
        f"({', '.join(by_year.loc[list(years), 'release'].astype(str))})"
        for years, labels in by_years.items()
    )
    current = [label for label, years in matches.items() if latest.name in years]
    total = (
        f"; with practice expense and malpractice the total in an office is "
        f"{format_rvu(latest['total_rvu_nonfacility'])} in {latest.name}"
        if "total RVU in an office" not in matches
        else ""
    )
    if current:
        latest_file = _release(latest["release"], int(latest.name))
        return [("RVU", item, "agrees", f"{said}; the latest file is {latest_file}{total}")]
    label = next(iter(matches))
    now = format_rvu(latest[RVU_COMPONENTS[label]])
    detail = f"{said}; the latest file, {_release(latest['release'], int(latest.name))}, has {now}{total}"
    return [("RVU", item, "stale", detail)]


def _names_findings(article: Article, facts: dict) -> list[tuple]:
    names = load_common_names()
    have = names.loc[names["code"] == article.code, "common_name"].tolist()
    known = {n.casefold() for n in have}
    out = []
    for name in article.common_names or ():
        if name.casefold() in known:
            out.append(("Common Names", name, "agrees", "in the workbook's common names"))
        else:
            listed = ", ".join(have) if have else "none"
            out.append(("Common Names", name, "new", f"the workbook's common names are: {listed}"))
    for key, label in (
        ("or_schedule_name", "Operating Room Schedule Name"),
        ("consent_form_name", "Surgical Consent Form Name"),
    ):
        value = getattr(article, key)
        if not value:
            continue
        table = facts.get(key) or ""
        if not table:
            out.append((label, value, "new", "the workbook has no such name for this code"))
        elif table.casefold() == value.casefold():
            out.append((label, value, "agrees", "the workbook has the same name"))
        else:
            out.append((label, value, "differs", f"the workbook has '{table}'"))
    return out


def _last_billable_day(code: str) -> str | None:
    """Return the last day ``code`` could be billed before it became a header (known changes)."""
    changes = load_icd10_changes()
    hit = changes[(changes["icd10"] == code) & (changes["change"] == "became header")]
    if hit.empty:
        return None
    return (hit["effective_date"].iloc[0].date() - dt.timedelta(days=1)).isoformat()


def _icd10_findings(article: Article, day: dt.date) -> list[tuple]:
    written = article.icd10_codes + [
        c for c in article.summary_codes if icd10_key(c) not in map(icd10_key, article.icd10_codes)
    ]
    if not written:
        return []
    verdicts = check_many(written, day)
    pairs = load_pairings()
    paired = pairs.loc[pairs["cpt"] == article.code, "icd10"].map(icd10_key).tolist()
    out = []
    n_listed = len(article.icd10_codes)
    for i, v in enumerate(verdicts.itertuples(index=False)):
        part = "Associated ICD-10 Codes" if i < n_listed else "Summary"
        title = f" ({v.description})" if isinstance(v.description, str) else ""
        where = f"on {day.isoformat()} (FY{v.fiscal_year})"
        in_table = icd10_key(v.input) in paired
        pairing = (
            f"the tables pair it with {article.code}"
            if in_table
            else f"the tables do not pair it with {article.code}"
        )
        if v.status == "billable":
            verdict = "agrees" if in_table else "new"
            detail = f"billable {where}, titled {v.description}; {pairing}"
        elif v.status == "header":
            until = _last_billable_day(v.icd10)
            verdict = "stale" if until else "not billable"
            before = f"billable until {until}, now " if until else ""
            detail = (
                f"{before}a header{title}, not billable {where}: bill one of "
                f"{v.billable_children} instead; {pairing}"
            )
        elif v.status == "unknown":
            verdict, detail = "unknown", f"not in the ICD-10-CM code set {where}"
        elif v.status == "malformed":
            verdict, detail = "unknown", "not shaped like an ICD-10-CM code"
        else:  # not yet created, deleted, uncertain, or a date before ICD-10-CM
            verdict, detail = "not billable", f"{v.detail or v.basis} {where}"
        if i >= n_listed:
            detail = f"named in the summary but not in the list; {detail}"
        out.append((part, v.input, verdict, detail))
    fy = int(verdicts["fiscal_year"].iloc[0])
    if newer_than_known(fy):
        out.append(("ICD-10-CM code set", f"FY{fy}", "note", verdicts["basis"].iloc[0]))
    return out


def review(
    article: Article, source: str = "the article", date_of_service: object = None
) -> pd.DataFrame:
    """Return the findings of ``article`` against the tables: one row per fact checked.

    Columns: source, code, part, item, verdict (one of VERDICTS), detail. ICD-10-CM codes are
    judged on ``date_of_service`` (default today). Raises WorkbookError for a bad date.
    """
    day = as_date(date_of_service)
    rows: list[tuple] = []
    codes = load_codes().set_index("code")
    facts = codes.loc[article.code].to_dict() if article.code in codes.index else {}
    rvus = load_rvus()
    mine = rvus[(rvus["hcpcs"] == article.code) & (rvus["modifier"] == "")]
    if mine.empty and not facts:
        rows.append(
            ("Code", article.code, "unknown", "not in the workbook's tables: its RVUs cannot be "
             f"checked ({IMPORT_RVU_HINT})")
        )  # fmt: skip
    if article.rvu is not None and not mine.empty:
        rows += _rvu_findings(article, mine)
    rows += _names_findings(article, facts)
    rows += _icd10_findings(article, day)
    rows += [(t, t, "missing", "the article lacks this part; nothing was filled in")
             for t in article.missing]  # fmt: skip
    if article.quoted:
        rows.append(
            ("Opening", "quoted descriptor", "note",
             f"the opening quotes {len(article.quoted[0])} characters, probably the official "
             "CPT descriptor (AMA copyright): the workbook neither stores nor checks it")
        )  # fmt: skip
    rows += [
        (
            "Unread",
            line,
            "unread",
            "a line the workbook could not place in a section, so it was not checked",
        )
        for line in article.unread
    ]
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS[2:], dtype="str")
    frame.insert(0, "code", article.code)
    frame.insert(0, "source", source)
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=VERDICTS)
    return frame


def review_file(path: str | Path, date_of_service: object = None) -> Review:
    """Return the :class:`Review` of an article file.

    Raises WorkbookError for an unreadable file, a text that is not a code article, or a bad
    date.
    """
    text, digest = read_article(path)
    article = parse(text, source=str(path))
    day = as_date(date_of_service)
    findings = review(article, str(path), day)
    return Review(article, str(path), digest, day.isoformat(), findings)


def _verdict_note(findings: pd.DataFrame, code: str) -> str:
    hit = findings[(findings["part"] == "Associated ICD-10 Codes") & (findings["item"] == code)]
    if hit.empty or hit["verdict"].iloc[0] in ("agrees", "new"):
        return ""
    return f"{hit['verdict'].iloc[0]} when ingested: {hit['detail'].iloc[0]}"


def add_to_store(result: Review, today: dt.date | None = None) -> Added:
    """Add the article's common names and pairings that the tables lack to the local store.

    Each row's source names the article file, the start of its SHA-256 and the day it was added;
    a pairing's note keeps the ICD-10-CM verdict it had then. Returns what was added, already
    present, or rejected (with the reason). Raises WorkbookError if the code has no RVUs in the
    workbook, and OSError if the disk refuses the write (the store is then left as it was).
    """
    article = result.article
    rvus = load_rvus()
    if not (rvus["hcpcs"] == article.code).any():
        raise WorkbookError(
            f"{article.code} has no RVUs in the workbook, so its names and pairings are not added",
            f"{IMPORT_RVU_HINT} first",
        )
    day = (today or dt.date.today()).isoformat()
    source = f"article {Path(result.source).name} (sha256 {result.sha256[:12]}), added {day}"
    done = Added()
    names = load_common_names()
    known = {n.casefold() for n in names.loc[names["code"] == article.code, "common_name"]}
    new_names = []
    for name in article.common_names or ():
        if name.casefold() in known:
            done.names_present.append(name)
        else:
            known.add(name.casefold())
            new_names.append(name)
    pairs = load_pairings()
    paired = set(pairs.loc[pairs["cpt"] == article.code, "icd10"].map(icd10_key))
    new_pairs = []
    for written in article.icd10_codes:
        key = icd10_key(written)
        if key is None:
            done.rejected.append((written, "not shaped like an ICD-10-CM code"))
        elif key in paired:
            done.pairings_present.append(written)
        else:
            paired.add(key)
            new_pairs.append((written, key))
    if new_names:
        store.add_rows(
            "common_names",
            pd.DataFrame({"code": article.code, "common_name": new_names, "source": source}),
        )
        done.names_added = new_names
    if new_pairs:
        frame = pd.DataFrame(
            {
                "cpt": article.code,
                "icd10": [f"{k[:3]}.{k[3:]}" if len(k) > 3 else k for _, k in new_pairs],
                "relationship": RELATIONSHIP,
                "source": source,
                "note": [_verdict_note(result.findings, w) for w, _ in new_pairs],
            }
        )
        store.add_rows("pairings", frame)
        done.pairings_added = [w for w, _ in new_pairs]
    return done


def format_review(result: Review) -> str:
    """Return the findings as text for a terminal: a header line, one line per finding, and the
    count per verdict."""
    article = result.article
    kind = "CPT" if article.code[0].isdigit() else "HCPCS"
    have = len(article.order)
    lines = [
        f"{result.source}: {kind} {article.code}, {have} of 8 sections, "
        f"ICD-10-CM checked on {result.date_of_service}"
    ]
    for r in result.findings.itertuples(index=False):
        lines.append(f"  {r.verdict:<12} {r.part}: {r.item}")
        lines.append(f"  {'':<12}   {r.detail}")
    counts = ", ".join(f"{n} {v}" for v, n in result.counts().items())
    lines.append(f"  {len(result.findings)} findings: {counts}")
    return "\n".join(lines)


def check_findings_path(path: str | Path) -> Path:
    """Return ``path`` if it names a .csv or .xlsx file; raise WorkbookError otherwise."""
    if not str(path).lower().endswith(FINDINGS_SUFFIXES):
        raise WorkbookError(f"'{path}' is neither .csv nor .xlsx", "name the file x.csv or x.xlsx")
    return Path(path)


def write_findings(path: str | Path, results: list[Review]) -> Path:
    """Write the findings of ``results`` to a .csv or .xlsx file (text neutralised so nothing
    runs as a formula), atomically; return the path. Raises WorkbookError for another suffix,
    OSError if the disk refuses (an existing file is then unchanged)."""
    path = check_findings_path(path)
    findings = pd.concat([r.findings for r in results], ignore_index=True)
    if path.suffix.lower() == ".csv":
        return write_csv(path, findings)
    return write_excel(path, {"Findings": findings})
