"""The RVU table's column types come from its schema alone: the shipped reader, the CMS reader
and the loaders all type the columns the schema names."""

import pandas as pd
from cms_samples import write_pprrvu_2025

from cpt_analysis.reference.importer import import_file
from cpt_analysis.reference.loaders import load_rvus
from cpt_analysis.reference.schema import (
    RVU_CATEGORY_COLUMNS,
    RVU_FLOAT_COLUMNS,
    RVU_NA_COLUMNS,
    columns_of,
)


def test_the_rvu_columns_by_type_are_the_schemas():
    assert RVU_FLOAT_COLUMNS == [
        "work_rvu",
        "pe_rvu_nonfacility",
        "pe_rvu_facility",
        "mp_rvu",
        "total_rvu_nonfacility",
        "total_rvu_facility",
        "conversion_factor",
    ]
    assert RVU_CATEGORY_COLUMNS == ["release", "status", "pctc", "global_days", "mult_proc"]
    assert RVU_NA_COLUMNS == ["pe_na_nonfacility", "pe_na_facility"]
    assert columns_of("gpci", "float") == ["gpci_work", "gpci_pe", "gpci_mp"]


def test_loaded_rvus_have_the_types_the_schema_names(tmp_path):
    import_file(write_pprrvu_2025(tmp_path / "PPRRVU2025_Oct.csv"))  # over the shipped rows
    rvus = load_rvus(2025)
    assert {"0001F", "97012"} <= set(rvus["hcpcs"])  # an imported code and a shipped one
    for col in RVU_FLOAT_COLUMNS:
        assert rvus[col].dtype == "float64", col
    for col in RVU_CATEGORY_COLUMNS:
        assert isinstance(rvus[col].dtype, pd.CategoricalDtype), col
    for col in RVU_NA_COLUMNS:
        assert rvus[col].dtype == "bool", col
