"""Articles written from the tables: the seed's shape, the workbook's own words and figures.

:func:`article_for` builds an :class:`~cpt_analysis.articles.Article` for any code the workbook
knows from its code card: the plain-language facts, the common names, the year's work RVU with
its totals and national payment, the typical diagnoses with their ICD-10-CM verdicts on the date
of service (a header is named as such, with the codes to bill instead), a summary and the
disclaimer. It never quotes an official CPT descriptor.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import WorkbookError
from ..fees.card import DISCLAIMER, CodeCard, code_card
from ..fees.payment import money
from ..files import atomic_write
from ..identifiers import normalize_hcpcs
from .text import SECTIONS, Article, format_rvu, render


def _intro(card: CodeCard) -> str:
    kind = "CPT" if card.code[0].isdigit() else "HCPCS"
    if not card.facts:
        return (
            f"{kind} code {card.code} is in the Medicare fee schedule; the workbook has no "
            "plain-language description of it yet."
        )
    name = card.facts["name"]
    if name[1:2].islower():  # "Mechanical traction" reads on in lower case; "MRI of" keeps its case
        name = name[0].lower() + name[1:]
    return f"{kind} code {card.code} refers to {name}. The workbook files it under {card.facts['family']}."


def _rvu_notes(card: CodeCard, row: pd.Series) -> tuple[str, ...]:
    notes = [
        f"That figure is the work RVU in {card.year} ({row['release']}). With practice expense "
        f"and malpractice the total is {format_rvu(row['total_rvu_nonfacility'])} in an office "
        f"and {format_rvu(row['total_rvu_facility'])} in a facility."
    ]
    prices = card.prices
    national = prices[
        (prices["locality_id"] == "national")
        & (prices["setting"] == "nonfacility")
        & (prices["modifier"] == row["modifier"])
    ]
    if not national.empty:
        first = national.iloc[0]
        cf = f"${first['conversion_factor']:.4f}"
        if pd.notna(first["amount"]):
            notes.append(
                f"At the {card.year} conversion factor of {cf}, Medicare's national amount in an "
                f"office is {money(first['amount'])}, before the locality's adjustment."
            )
        else:
            notes.append(f"Medicare sets no national amount in an office: {first['reason']}.")
    return tuple(notes)


def _diagnoses(card: CodeCard) -> tuple[tuple[str, str], ...] | None:
    if card.diagnoses.empty:
        return None
    items = []
    for _, dx in card.diagnoses.iterrows():
        desc = dx["description"] if isinstance(dx["description"], str) else ""
        if dx["status"] == "header":
            desc = (
                f"{desc}. Not billable on {card.date_of_service}: it is a header; bill one of "
                f"{dx['billable_children']} instead."
            )
        elif not dx["billable"]:
            desc = f"Not a billable ICD-10-CM code on {card.date_of_service} ({dx['status']})."
        items.append((dx["icd10"], desc.strip()))
    return tuple(items)


def _text(facts: dict, key: str) -> str | None:
    value = facts.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def article_for(code: str, year: int | None = None, date_of_service: object = None) -> Article:
    """Return the article of ``code`` for ``year`` (default: the latest with RVUs), with the
    diagnoses judged on ``date_of_service`` (default today).

    Parts the tables lack (a code imported from a CMS file has no explanation or names) stay
    empty and are left out when rendered. Raises WorkbookError for a code of the wrong shape, a
    code the tables lack, a year with no RVUs or a bad date.
    """
    card = code_card(code, year=year, locality="national", date_of_service=date_of_service)
    rows = card.rvus[card.rvus["modifier"] == ""]
    row = (rows if not rows.empty else card.rvus).iloc[0]
    facts = card.facts
    article = Article(
        code=card.code,
        intro=_intro(card),
        explanation=_text(facts, "explanation"),
        common_names=tuple(card.common_names) or None,
        rvu=float(row["work_rvu"]),
        rvu_notes=_rvu_notes(card, row),
        or_schedule_name=_text(facts, "or_schedule_name"),
        consent_form_name=_text(facts, "consent_form_name"),
        typical_patients=_text(facts, "typical_patients"),
        icd10=_diagnoses(card),
        summary=card.summary,
        disclaimer=DISCLAIMER,
    )
    present = {
        "explanation": article.explanation,
        "common_names": article.common_names,
        "rvu": True,
        "appears": article.or_schedule_name or article.consent_form_name,
        "typical_patients": article.typical_patients,
        "icd10": article.icd10,
        "summary": True,
        "disclaimer": True,
    }
    return Article(**{**article.__dict__, "order": tuple(k for k in SECTIONS if present[k])})


def write_articles(
    codes: list[str], folder: str | Path, year: int | None = None, date_of_service: object = None
) -> list[Path]:
    """Write the article of each code to ``folder/CODE.txt`` (the folder is created), with a
    progress bar for a batch; return the paths in the order of ``codes``.

    Every code is checked before anything is written. Raises WorkbookError for a code of the
    wrong shape or one the tables lack, a year with no RVUs or a bad date; OSError if the disk
    refuses (a file already there is then left as it was).
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise WorkbookError(f"{folder} is a file, not a folder", "give a folder for --out-dir")
    codes = [normalize_hcpcs(c) for c in codes]
    articles = [
        article_for(c, year=year, date_of_service=date_of_service)
        for c in tqdm(codes, desc="articles", unit="code", disable=len(codes) < 2)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        text = render(article)
        path = folder / f"{article.code}.txt"
        paths.append(atomic_write(path, lambda tmp, text=text: tmp.write_text(text, "utf-8")))
    return paths
