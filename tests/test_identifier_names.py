"""One list of the headers that identify a patient or a visit: what the encounter reader takes
as the visit key is what every export refuses, compared by one column_key."""

import pandas as pd
import pytest

from cpt_analysis.errors import WorkbookError
from cpt_analysis.export import (
    ENCOUNTER_ID_NAMES,
    PATIENT_ID_NAMES,
    column_key,
    identifier_columns,
    refuse_identifiers,
)
from cpt_analysis.practice.columns import FIELDS, resolve_columns

REQUIRED = ["DOS", "Provider", "CPT", "Units", "Dx 1", "POS"]


def test_a_column_name_is_compared_by_letters_and_digits():
    assert column_key("Patient_ID") == column_key(" patient id ") == "patientid"
    assert column_key("ICD-10 Code 2") == "icd10code2"


@pytest.mark.parametrize("name", PATIENT_ID_NAMES + ENCOUNTER_ID_NAMES)
def test_a_header_read_as_a_visit_key_is_never_exported(name):
    table = pd.DataFrame({"cpt": ["97012"], name: ["x"]})
    assert identifier_columns(table.columns) == [name]
    with pytest.raises(WorkbookError) as info:
        refuse_identifiers(table)
    assert str(info.value) == (
        f"refusing to export patient identifier column(s) {name}: drop them first; reports "
        "carry aggregates and source row numbers only."
    )


def test_the_reader_takes_the_same_names_as_the_visit_key():
    assert FIELDS["patient_id"] == PATIENT_ID_NAMES
    assert FIELDS["encounter_id"] == ENCOUNTER_ID_NAMES
    found = resolve_columns([*REQUIRED, "Ticket Number"])
    assert found["encounter_id"] == len(REQUIRED)
