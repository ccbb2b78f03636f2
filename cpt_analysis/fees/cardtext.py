"""The code card as plain text for the terminal, section by section as the seed article has it."""

from __future__ import annotations

import textwrap

import pandas as pd

from .card import DISCLAIMER, CodeCard
from .pairings import GUIDANCE_NOTE
from .payment import money

WIDTH = 96
MIN_WIDTH = 40  # narrower terminals get 40-character lines, wrapped by the terminal
PAYMENT_INDICATORS = [("bilat_surg", "Bilateral"), ("asst_surg", "Assistant at surgery"),
                      ("co_surg", "Co-surgeons"), ("team_surg", "Team surgery")]  # fmt: skip


def _para(text: str, indent: str = "  ") -> str:
    return textwrap.fill(str(text), WIDTH, initial_indent=indent, subsequent_indent=indent)


def _rvu_lines(card: CodeCard) -> list[str]:
    lines = [
        f"  {'mod':<8}{'status':<8}{'work':>7}{'PE nonfac':>11}{'PE fac':>9}{'MP':>7}"
        f"{'total nonfac':>14}{'total fac':>11}"
    ]
    for _, r in card.rvus.iterrows():
        nf = "NA" if r["pe_na_nonfacility"] else f"{r['pe_rvu_nonfacility']:.2f}"
        fa = "NA" if r["pe_na_facility"] else f"{r['pe_rvu_facility']:.2f}"
        lines.append(
            f"  {r['modifier'] or 'global':<8}{r['status']:<8}{r['work_rvu']:>7.2f}{nf:>11}"
            f"{fa:>9}{r['mp_rvu']:>7.2f}{r['total_rvu_nonfacility']:>14.2f}"
            f"{r['total_rvu_facility']:>11.2f}"
        )
    lines.append(f"  Source: {card.rvus['source'].iloc[0]} ({card.release_note})")
    return lines


def _history_lines(card: CodeCard) -> list[str]:
    lines = [
        f"  {'year':<6}{'release':<9}{'work':>6}{'PE nonfac':>11}{'PE fac':>8}{'MP':>6}"
        f"{'conv. factor':>14}"
    ]
    for _, r in card.history.iterrows():
        lines.append(
            f"  {r['year']:<6}{r['release']:<9}{r['work_rvu']:>6.2f}{r['pe_rvu_nonfacility']:>11.2f}"
            f"{r['pe_rvu_facility']:>8.2f}{r['mp_rvu']:>6.2f}{r['conversion_factor']:>14.4f}"
        )
    return lines


def _price_lines(card: CodeCard) -> list[str]:
    lines = []
    for (place, name), rows in card.prices.groupby(["locality_id", "locality_name"], sort=False):
        lines.append(f"  {name} ({place}), conversion factor {rows['conversion_factor'].iloc[0]}:")
        chosen_first = rows["setting"].ne(card.setting).to_numpy().argsort(kind="stable")
        for _, r in rows.iloc[chosen_first].iterrows():
            mark = "*" if r["setting"] == card.setting else " "
            lines.append(
                f"   {mark}{r['modifier'] or 'global':<7}{r['setting']:<13}"
                f"{money(r['amount'], missing='-'):>10}{_why(r)}"
            )
            if mark == "*" and pd.notna(r["amount"]):
                lines.append(
                    f"{'':13}Medicare pays {money(r['medicare_pays'])}, the patient "
                    f"{money(r['coinsurance'])}; limiting charge {money(r['limiting_charge'])}"
                )
    lines.append(f"  * the chosen setting ({card.setting}), shown first")
    if not card.steps.empty:
        lines.append("  Step by step (the chosen setting and place):")
        for r in card.steps.itertuples():
            what = f"{r.step} ({r.indicator})" if r.indicator else r.step
            lines.append(f"    {what:<44}{money(r.amount, missing='-'):>12}")
    if card.anesthesia:
        lines.append(_para(f"Anesthesia: {card.anesthesia}"))
    return lines


def _why(r: pd.Series) -> str:
    """Why a priced row reads as it does: unpaid, NA setting, OPPS cap."""
    if pd.isna(r["amount"]):
        return f"  ({r['reason']})"
    words = []
    if r["opps_capped"]:
        words.append(f"OPPS cap; fee schedule {money(r['fee_schedule_amount'])}")
    if r["na"]:
        words.append("NA: rarely done here")
    return f"  ({'; '.join(words)})" if words else ""


def _diagnosis_lines(card: CodeCard) -> list[str]:
    lines = []
    for _, d in card.diagnoses.iterrows():
        flag = {"billable": "billable", "header": "NOT BILLABLE (header)"}.get(
            str(d["status"]), f"NOT BILLABLE ({d['status']})"
        )
        desc = d["description"] if isinstance(d["description"], str) else ""
        lines.append(f"  - {d['icd10']}: {desc} -> {flag}")
        if d["billable_children"]:
            lines.append(f"      use a billable child: {d['billable_children']}")
    if not card.diagnoses.empty:
        lines.append(
            f"  Judged for {card.date_of_service} on the {card.diagnoses['basis'].iloc[0]}."
        )
    return lines or ["  (no typical diagnoses recorded for this code)"]


def render(card: CodeCard, width: int | None = None) -> str:
    """Return the code card as text in the seed article's sections, at most ``width``
    characters a line (default 96; the CLI passes a narrower terminal's width): a longer line
    wraps between words, indented, so a figure is never cut."""
    text = _render(card)
    width = WIDTH if width is None else max(int(width), MIN_WIDTH)
    if width >= WIDTH:
        return text
    return "\n".join(_fit(line, width) for line in text.split("\n"))


def _fit(line: str, width: int) -> str:
    """A line of at most ``width`` characters, or several: broken only between words, each
    continuation indented under the line's own indent."""
    if len(line) <= width:
        return line
    if not line.strip("="):  # the title's underline
        return line[:width]
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False, drop_whitespace=True)  # fmt: skip


def _render(card: CodeCard) -> str:
    f = card.facts
    name = card.name if card.name != card.code else "no plain-language entry yet"
    out = [f"CPT/HCPCS {card.code}: {name}", "=" * min(WIDTH, 12 + len(name) + 8)]
    if f:
        out += [
            "Procedure explanation:",
            _para(f["explanation"]),
            f"  Family: {f['family']}; "
            f"{'timed (units by the 8-minute rule)' if f['timed'] else 'untimed (one unit per session)'}",
        ]
    out += ["Common names:"] + [f"  - {n}" for n in card.common_names or ["(none recorded)"]]
    out += [f"Relative value units ({card.year}):"] + _rvu_lines(card)
    out += [
        "  " + v
        for v in (
            f"Status {card.meanings['status']}",
            f"Global days {card.meanings['global_days']}",
            f"PC/TC {card.meanings['pctc']}",
            f"Multiple procedures {card.meanings['mult_proc']}",
            *(
                f"{label} {card.meanings[k]}"
                for k, label in PAYMENT_INDICATORS
                if k in card.meanings
            ),
        )
    ]
    out += ["RVU history (global row):"] + _history_lines(card)
    out += [f"Medicare payment ({card.year}):"] + _price_lines(card)
    if f:
        out += [
            "How this procedure appears:",
            f"  - Operating room schedule name: {f['or_schedule_name']}",
            f"  - Surgical consent form name: {f['consent_form_name']}",
            "Typical patients:",
            _para(f["typical_patients"]),
        ]
    out += ["Associated ICD-10-CM codes:"] + _diagnosis_lines(card)
    out += ["Summary:", _para(card.summary)]
    out += ["Notes:"] + [_para("- " + n) for n in card.notes] if card.notes else []
    out += ["Disclaimer:", _para(DISCLAIMER)]
    if f:
        out.append(f"  Facts source: {f['source']}")
    return "\n".join(out)


def facts_markdown(card: CodeCard) -> str:
    """Return the article part of the card (explanation, names, schedules, patients) as Markdown."""
    f = card.facts
    lines = [f"### {card.code}: {card.name}"]
    if f:
        kind = (
            "timed: units by the 8-minute rule" if f["timed"] else "untimed: one unit per session"
        )
        lines += [f["explanation"], "", f"*Family:* {f['family']} ({kind})", ""]
    lines += ["**Common names:** " + (", ".join(card.common_names) or "none recorded"), ""]
    glob = card.rvus[card.rvus["modifier"] == ""]
    if not glob.empty:
        r = glob.iloc[0]
        lines += [
            f"**Relative value units ({card.year}, {r['release']}):** work RVU "
            f"{r['work_rvu']:.2f}; total {r['total_rvu_nonfacility']:.2f} non-facility, "
            f"{r['total_rvu_facility']:.2f} facility",
            "",
        ]
    if f:
        lines += [
            f"**Operating room schedule name:** {f['or_schedule_name']}  ",
            f"**Surgical consent form name:** {f['consent_form_name']}",
            "",
            f"**Typical patients:** {f['typical_patients']}",
        ]
    if card.anesthesia:
        lines += ["", f"**Anesthesia:** {card.anesthesia}", ""]
    lines += [f"> {n}" for n in card.notes if n != GUIDANCE_NOTE]  # the notebook shows it apart
    return "\n".join(lines)


def meanings_markdown(card: CodeCard) -> str:
    """Return the status, global period, PC/TC and multiple-procedure meanings as Markdown."""
    m = card.meanings
    rows = [
        ("Status", m["status"]),
        ("Global period", m["global_days"]),
        ("Professional/technical split", m["pctc"]),
        ("Multiple procedures", m["mult_proc"]),
    ]
    return "\n".join(
        ["| indicator | value and meaning |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    )


def diagnoses_markdown(card: CodeCard) -> str:
    """Return the typical diagnoses with their billability verdicts as a Markdown list."""
    lines = [
        ln.replace("  - ", "- ", 1).replace("      use", "  - use", 1)
        for ln in _diagnosis_lines(card)
    ]
    return "\n".join(lines + ["", f"*{card.summary}*"])
