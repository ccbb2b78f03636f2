"""A synthetic national RVU file shaped like CMS's PPRRVU2025_Oct.csv, so that tests of the
importer, of imported codes and of the status-T rule run everywhere, without ../shared/cms.

It has the official file's title, RELEASED line and five stacked header rows (31 columns),
a few codes with their official 2025 October figures (descriptions made up), then made-up codes
A0001... up to the 5,000 rows below which a national file is refused as truncated.
"""

from __future__ import annotations

TITLE = "2025 National Physician Fee Schedule Relative Value File October Release"
HEADER = [
    f",,{TITLE}",
    ",,RELEASED 09/11/2025",
    ",, , ,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,",
    ",,,,NOT USED,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED",
    ",,,,FOR,,,NON-FAC,,FACILITY ,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,"
    "FOR OPPS",
    ",,,STATUS,MEDICARE ,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,"
    "INTRA,POST,MULT,BILAT,ASST,CO-,TEAM,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,PAYMENT,"
    "PAYMENT",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,"
    "IND,DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,"
    "AMOUNT,AMOUNT",
]
# code, modifier, description (made up), then the official 2025 October figures from STATUS on
ROWS = [
    "0001F,,Heart failure quality measure,I,,0.00,0.00,,0.00,,0.00,0.00,0.00,9,XXX,0.00,0.00,"
    "0.00,9,9,9,9,9,,32.3465,09,0,99,0.00,0.00,0.00",
    "00100,,Anesthesia for a salivary gland procedure,J,,0.00,0.00,,0.00,,0.00,0.00,0.00,9,XXX,"
    "0.00,0.00,0.00,9,9,9,9,9,,32.3465,09,0,99,0.00,0.00,0.00",
    "72148,,Lumbar spine MRI without contrast,A,,1.48,4.25,,4.25,NA,0.09,5.82,5.82,1,XXX,0.00,"
    "0.00,0.00,4,0,0,0,0,,32.3465,09,0,88,7.97,7.97,0.11",
    "72148,26,Lumbar spine MRI without contrast,A,,1.48,0.54,,0.54,,0.07,2.09,2.09,1,XXX,0.00,"
    "0.00,0.00,4,0,0,0,0,,32.3465,09,0,88,0.00,0.00,0.00",
    "72148,TC,Lumbar spine MRI without contrast,A,,0.00,3.71,,3.71,NA,0.02,3.73,3.73,1,XXX,0.00,"
    "0.00,0.00,4,0,0,0,0,,32.3465,09,0,88,7.43,7.43,0.04",
    "94760,,Pulse oximetry,T,,0.00,0.10,,0.10,NA,0.01,0.11,0.11,3,XXX,0.00,0.00,0.00,0,0,0,0,0,"
    ",32.3465,01,0,99,0.00,0.00,0.00",
    "97010,,Hot or cold pack,B,+,0.06,0.13,,0.13,NA,0.01,0.20,0.20,9,XXX,0.00,0.00,0.00,9,9,9,9,"
    "9,,32.3465,09,0,99,0.00,0.00,0.00",
    "97012,,Mechanical traction,A,,0.25,0.18,,0.18,NA,0.01,0.44,0.44,7,XXX,0.00,0.00,0.00,5,0,0,"
    "0,0,,32.3465,09,0,99,0.00,0.00,0.00",
    "97110,,Therapeutic exercise,A,,0.45,0.43,,0.43,NA,0.01,0.89,0.89,7,XXX,0.00,0.00,0.00,5,0,0,"
    "0,0,,32.3465,09,0,99,0.00,0.00,0.00",
    "99213,,Established patient office visit,A,,1.30,1.35,,0.57,,0.10,2.75,1.97,0,XXX,0.00,0.00,"
    "0.00,0,0,0,0,0,,32.3465,09,0,99,0.00,0.00,0.00",
]
FILLER = (
    "A{n:04d},,Made-up service {n},A,,0.50,0.40,,0.30,,0.02,0.92,0.82,0,XXX,0.00,0.00,0.00,0,0,"
    "0,0,0,,32.3465,09,0,99,0.00,0.00,0.00"
)
ROW_COUNT = 5000


def pprrvu_2025_lines() -> list[str]:
    """The lines of the synthetic file: header, the official rows, made-up codes to 5,000."""
    filler = [FILLER.format(n=n) for n in range(1, ROW_COUNT - len(ROWS) + 1)]
    return HEADER + ROWS + filler


def write_pprrvu_2025(path, lines: list[str] | None = None):
    """Write the synthetic file (or ``lines``) to ``path`` as CMS does: latin-1, CRLF."""
    text = "\r\n".join(pprrvu_2025_lines() if lines is None else lines) + "\r\n"
    path.write_bytes(text.encode("latin-1"))
    return path
