"""Which column of an encounter export is which field: by the user's ``--map``, by an exact
alias, then by the words of the header.

An exact alias (compared without case, spaces or punctuation) always wins. A header that is no
alias is read for its meaning: a date-of-service column has "date" with "service", "visit" or
"from", or "DOS"; a diagnosis column "diag", "dx" or "ICD"... and none of the words that make
it something else ("Date of Birth", "Billed Date", "Diagnosis Description", "Provider NPI").
A header that names a patient, account or member is never read as a clinical field. Two
columns that fit one field equally well are refused, naming both: guessing between them could
give wrong figures with no sign of it, and ``--map`` settles it in one word.
"""

from __future__ import annotations

import re

from ..errors import WorkbookError
from ..export import ENCOUNTER_ID_NAMES, IDENTIFIER_COLUMNS, PATIENT_ID_NAMES, column_key

_N = (1, 2, 3, 4)
# field: accepted column names; {n} stands for 1-4; indented lines continue the line above
_SPEC = """
date_of_service: Date of Service | DOS | Service Date | Svc Date | Date of Svc | Service Dt
    | DOS From | From Date | Visit Date | Encounter Date | Date
provider: Provider | Rendering Provider | Rendering Provider Name | Rendering Physician
    | Provider Name | Rendering | Physician | Clinician | Therapist | Practitioner
cpt: CPT | CPT Code | CPT/HCPCS | HCPCS | HCPCS Code | Procedure Code | Procedure | Proc Code
    | Service Code | Code
modifier_{n}: Modifier {n} | Mod {n} | Modifier{n}
modifier_1: Modifier | Mod
modifiers: Modifiers | Mods
units: Units | Unit | Service Units | Units Billed | Billed Units | Qty | Quantity
    | Days or Units | Days/Units
minutes: Minutes | Mins | Min | Timed Minutes | Total Timed Minutes | Treatment Minutes | Duration
dx_{n}: Dx{n} | Dx {n} | Diagnosis {n} | Diagnosis Code {n} | Diag {n} | ICD10_{n} | ICD-10 {n}
    | ICD {n} | ICD10CM {n} | Dx Code {n}
dx_1: Dx | Diagnosis | Diagnosis Code | Primary Diagnosis | ICD10 | ICD-10 Code
place_of_service: Place of Service | POS | POS Code | Place of Svc
locality: Locality | Locality ID | Medicare Locality | MAC Locality
charge: Charge | Charges | Charge Amount | Billed Amount | Billed Charge | Amount Billed
    | Line Charge | Total Charge | Fee
"""
_SPEC += (
    f"patient_id: {' | '.join(PATIENT_ID_NAMES)}\nencounter_id: {' | '.join(ENCOUNTER_ID_NAMES)}\n"
)

# field: header words that make it (alternatives split by ";", words that must all appear by
# "+", synonyms by spaces), then words that rule it out. Numbered fields take their number
# from the header (Dx 2, Modifier B, Secondary Diagnosis); without one, the first.
_ABOUT = "description desc descr text name names label title"
_ID = "id identifier number no num nbr"
_PROVIDER = ("provider physician rendering clinician therapist practitioner doctor servicing "
             "attending performing treating")  # fmt: skip
_MEANING = {
    "date_of_service": (
        "date dt dte + service services svc srv serv from start visit encounter treatment "
        "procedure; dos",
        "birth dob bill billed billing post posted posting entry entered create created paid "
        "payment pmt deposit submit submitted submission received receipt to thru through end "
        "ending last first next prior previous initial original admit admission discharge onset "
        "injury accident referral eligibility due check denial denied adjudication adjudicated "
        "process processed statement export exported print printed modified updated signed "
        "closed approved authorization auth scheduled cancelled canceled",
    ),
    "provider": (
        _PROVIDER,
        f"{_ID} npi tin tax taxonomy specialty speciality type group referring referral ordering "
        "supervising billing scheduling scheduled pay payer payor facility location credential "
        "credentials license upin dea ptan address phone email signature code date dt charge fee "
        "amount status role degree primary care pcp patient insurance",
    ),
    "cpt": (
        "cpt; hcpcs; procedure proc service svc + code codes cd",
        f"{_ABOUT} modifier modifiers mod mods unit units qty count date dt revenue rev category "
        "group charge fee amount price type status minutes diagnosis dx place pos",
    ),
    "modifier": ("modifier modifiers mod mods", f"{_ABOUT} date dt count type pointer"),
    "units": (
        "units unit qty quantity",
        "price charge fee cost amount time minutes min mins base rvu rvus value type measure uom "
        f"{_ABOUT} code ndc drug allowed paid approved authorized authorization",
    ),
    "minutes": (
        "minutes minute mins min duration",
        "untimed unit units start end travel drive documentation charge amount fee price age",
    ),
    "dx": (
        "diagnosis diagnoses diag dx icd icd10",
        f"{_ABOUT} pointer pointers ptr date dt type qualifier version poa count seq sequence "
        "icd9 category group",
    ),
    "place_of_service": (
        "pos; place + service svc srv",
        f"{_ABOUT} type",
    ),
    "locality": ("locality", "description desc descr"),
    "charge": (
        "charge charges chg chrg charged; billed bill + amount amt",
        f"{_ID} paid payment pmt allowed allowable adjustment adj adjusted balance bal due write "
        "writeoff off insurance ins copay coinsurance deductible expected contractual contract "
        "code type description desc date dt count unit per schedule status batch entry posted "
        "post patient responsibility resp refund outstanding",
    ),
    "patient_id": (
        f"patient pt + {_ID} account acct; mrn; medical + record; chart; account acct",
        "name first last dob birth address phone email type status balance amount due charge "
        "member subscriber insurance insured policy group payer guarantor date dt",
    ),
    "encounter_id": (
        f"encounter visit claim ticket + {_ID}",
        "date dt type status line item seq sequence",
    ),
}
# header words that make a column an identifier, never a clinical field
_IDENTIFIER = set(
    f"{_ID} mrn ssn dob birth birthdate mbi hicn account acct member subscriber client guarantor "
    "insured beneficiary chart policy address phone email zip".split()
)
# a person's name: alone or together, or with a name word unless a provider's
_PERSON = {"patient", "pt", "first", "last", "middle"}
_NAME = {"name", "fullname", "firstname", "lastname", "surname", "initials"}
_POSITION = {"first": 1, "second": 2, "third": 3, "fourth": 4, "primary": 1, "secondary": 2,
             "tertiary": 3} | {chr(96 + n): n for n in range(1, 13)}  # fmt: skip


def _fields(spec: str) -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {}
    for line in spec.replace("\n    |", " |").strip().splitlines():
        name, aliases = line.split(":", 1)
        for n in _N if "{n}" in name else (None,):
            key = name.format(n=n)
            more = tuple(a.strip().format(n=n) for a in aliases.split("|"))
            fields[key] = fields.get(key, ()) + more
    order = ["date_of_service", "provider", "cpt", *(f"modifier_{n}" for n in _N), "modifiers",
             "units", "minutes", *(f"dx_{n}" for n in _N), "place_of_service", "locality",
             "charge", "patient_id", "encounter_id"]  # fmt: skip
    return {k: fields[k] for k in order}


FIELDS = _fields(_SPEC)
REQUIRED = ("date_of_service", "provider", "cpt", "units", "dx_1", "place_of_service")
MODIFIERS = tuple(f"modifier_{n}" for n in _N)
DIAGNOSES = tuple(f"dx_{n}" for n in _N)
IDS = ("patient_id", "encounter_id")
# a field in the user's words, where its name is not already that
LABELS = {"date_of_service": "date of service", "cpt": "CPT/HCPCS code", "dx_1": "diagnosis code",
          "place_of_service": "place of service", "patient_id": "patient id",
          "encounter_id": "encounter id"} | {f"dx_{n}": f"diagnosis code {n}" for n in _N[1:]} | {
          f"modifier_{n}": f"modifier {n}" for n in _N}  # fmt: skip


_ALIAS = {column_key(a): (f, i) for f, al in FIELDS.items() for i, a in enumerate(al)}
_RULES = {
    field: (
        [[set(g.split()) for g in alt.split("+")] for alt in needs.split(";")],
        set(never.split()),
    )
    for field, (needs, never) in _MEANING.items()
}


def words(name: object) -> list[str]:
    """Return the words of a header, lower case: ``ServiceDateFrom`` and ``service_date_from``
    give service, date, from; ``ICD-10-CM 2`` gives icd10, 2; ``Dx1`` gives dx, 1."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name)).lower()
    text = re.sub(r"icd[\s_.-]*(9|10)(?:[\s_.-]*cm)?", r" icd\1 ", text)
    return re.findall(r"icd10|icd9|[a-z]+|\d+", text)


def identifier_like(name: object) -> bool:
    """True when a header names a patient, an account, a member or any identifier: such a
    column is never read as a clinical field."""
    w = set(words(name))
    named = w & _NAME and not w & set(_PROVIDER.split())
    return bool(column_key(name) in IDENTIFIER_COLUMNS or w & _IDENTIFIER or named or w <= _PERSON)


def meaning(name: object) -> tuple[str, bool] | None:
    """Return (field, whether its number is written) for a header read by its words, or None
    when it fits no field or more than one."""
    w = words(name)
    ws, hits = set(w), []
    for rule, (needs, never) in _RULES.items():
        if ws & never or not any(all(ws & g for g in alt) for alt in needs):
            continue
        if rule in ("modifier", "dx"):
            at = {int(x) for x in w if x.isdigit()} | {_POSITION[x] for x in w if x in _POSITION}
            if len(at) > 1 or not at <= set(_N):
                continue
            plural = rule == "modifier" and not at and ws & {"modifiers", "mods"}
            hits.append(("modifiers" if plural else f"{rule}_{min(at or _N)}", bool(at)))
        else:
            hits.append((rule, False))
    if len(hits) != 1 or (hits[0][0] not in IDS and identifier_like(name)):
        return None
    return hits[0]


def _listed(names: list[str], most: int = 20) -> str:
    """The columns of a file for a message: the first ``most``, then how many more."""
    shown = ", ".join(map(str, names[:most]))
    return shown + (f" and {len(names) - most:,} more" if len(names) > most else "")


def _mapped(names: list[str], mapping: dict) -> dict[str, int]:
    """Return {field: position} of a user's mapping {their column: field}; a column is found by
    its name, else without case or surrounding spaces, a field also as ``date of service``."""
    fields = {column_key(f): f for f in FIELDS}
    found: dict[str, int] = {}
    for theirs, ours in mapping.items():
        field = fields.get(column_key(ours))
        if field is None:
            raise WorkbookError(f"'{ours}' is not a field", f"use one of {', '.join(FIELDS)}")
        loose = [i for i, n in enumerate(names) if str(n).strip().lower() == theirs.strip().lower()]
        pos = names.index(theirs) if theirs in names else loose[0] if loose else None
        if pos is None:
            raise WorkbookError(
                f"the file has no column '{theirs}'", f"its columns are {_listed(names)}"
            )
        if field in found:
            raise WorkbookError(
                f"two columns are named as the {LABELS.get(field, field)}: "
                f"'{names[found[field]]}' and '{theirs}'",
                "name one column per field",
            )
        found[field] = pos
    return found


def resolve_columns(names: list[str], mapping: dict | None = None) -> dict[str, int]:
    """Return {field: column position} for a header: the user's ``mapping`` first, then the
    exact aliases of :data:`FIELDS`, then the header's words (see :func:`meaning`).

    Raises WorkbookError (one line) for a mapping naming an unknown column or field, two
    columns that fit one field equally well by their words, or a missing required field.
    """
    found = _mapped(names, mapping or {})
    best: dict[str, tuple[int, int]] = {}
    for pos, name in enumerate(names):
        hit = _ALIAS.get(column_key(name))
        if hit and hit[0] not in found and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], pos)
    found |= {f: pos for f, (_, pos) in best.items() if pos not in found.values()}
    by_words: dict[str, list[tuple[bool, int]]] = {}
    for pos, name in enumerate(names):
        hit = meaning(name) if pos not in found.values() else None
        if hit and hit[0] not in found:
            by_words.setdefault(hit[0], []).append((hit[1], pos))
    for field, hits in by_words.items():
        top = [pos for written, pos in hits if written == max(hits)[0]]
        if len(top) > 1:
            both = " and ".join(f"'{names[p]}'" for p in top[:2])
            raise WorkbookError(
                f"{len(top)} columns could be the {LABELS.get(field, field)}: {both}",
                f'name the right one with --map "{names[top[0]]}={field}"',
            )
        found[field] = top[0]
    if "modifiers" in found and "modifier_1" in found:
        del found["modifiers"]
    for req in REQUIRED:
        if req not in found:
            raise WorkbookError(
                f"the file has no {LABELS.get(req, req)} column (its columns: {_listed(names)})",
                f'name it with --map "Your Column={req}"',
            )
    return {f: found[f] for f in FIELDS if f in found}
