"""The layout of CMS's national RVU file (PPRRVU): the official column names of each canonical
column (CSV, or the xlsx as parsed by others) and the positions in the fixed-width text file.

Columns are found by name, never by position: 2026 inserted ``PRIC IND`` and moved
``CONV FACTOR``. Positions are those of the CMS record layouts RVU25D and RVU26A.
"""

# normalised official column name -> canonical column; alternatives cover the parsed xlsx names
PPRRVU_COLUMNS = {
    "hcpcs": ["hcpcs"],
    "modifier": ["mod"],
    "description": ["description"],
    "status": ["status_code"],
    "work_rvu": ["work_rvu"],
    "pe_rvu_nonfacility": ["non_fac_pe_rvu"],
    "pe_na_nonfacility": ["non_fac_na_indicator", "non_fac_indicator"],
    "pe_rvu_facility": ["facility_pe_rvu"],
    "pe_na_facility": ["facility_na_indicator", "facility_indicator"],
    "mp_rvu": ["mp_rvu"],
    "total_rvu_nonfacility": ["non_facility_total"],
    "total_rvu_facility": ["facility_total"],
    "pctc": ["pctc_ind"],
    "global_days": ["glob_days"],
    "mult_proc": ["mult_proc"],
    "conversion_factor": ["conv_factor"],
}
# the further columns (schema ``rvu_details``), read where the file has them, else left blank
DETAIL_COLUMNS = {
    "not_used_for_medicare": ["not_used_for_medicare_payment"],
    "pre_op": ["pre_op"],
    "intra_op": ["intra_op"],
    "post_op": ["post_op"],
    "bilat_surg": ["bilat_surg"],
    "asst_surg": ["asst_surg"],
    "co_surg": ["co_surg"],
    "team_surg": ["team_surg"],
    "pricing_indicator": ["pric_ind"],
    "endo_base": ["endo_base"],
    "physician_supervision": ["physician_supervision_of_diagnostic_procedures"],
    "calculation_flag": ["calculation_flag"],
    "imaging_family": ["diagnostic_imaging_family_indicator"],
    "opps_pe_rvu_nonfacility": ["non_facility_pe_used_for_opps_payment_amount"],
    "opps_pe_rvu_facility": ["facility_pe_used_for_opps_payment_amount"],
    "opps_mp_rvu": ["mp_used_for_opps_payment_amount"],
}

# 1-based inclusive positions in the fixed-width PPRRVU text file
TXT_FIELDS = {
    "hcpcs": (1, 5),
    "modifier": (6, 7),
    "description": (8, 57),
    "status": (58, 58),
    "work_rvu": (60, 65),
    "pe_rvu_nonfacility": (67, 72),
    "pe_na_nonfacility": (73, 74),
    "pe_rvu_facility": (76, 81),
    "pe_na_facility": (82, 83),
    "mp_rvu": (85, 89),
    "total_rvu_nonfacility": (91, 96),
    "total_rvu_facility": (97, 102),
    "pctc": (103, 103),
    "global_days": (104, 106),
    "mult_proc": (116, 116),
    "conversion_factor": (133, 140),
    "not_used_for_medicare": (59, 59),
    "pre_op": (107, 109),
    "intra_op": (110, 112),
    "post_op": (113, 115),
    "bilat_surg": (117, 117),
    "asst_surg": (118, 118),
    "co_surg": (119, 119),
    "team_surg": (120, 120),
    "pricing_indicator": (121, 121),
    "endo_base": (128, 132),
    "physician_supervision": (142, 143),
    "calculation_flag": (144, 144),
    "imaging_family": (146, 147),
    "opps_pe_rvu_nonfacility": (148, 157),
    "opps_pe_rvu_facility": (158, 164),
    "opps_mp_rvu": (165, 171),
}
# A CSV re-saved by a spreadsheet, or parsed as numbers (arkrvu's RVU20D), loses leading zeros:
# 00100 reads 100, global days 090 reads 90, supervision 09 reads 9. These fields have a fixed
# width, so an all-digit value shorter than it gets its zeros back; nothing else is changed.
ZERO_PADDED = {"hcpcs": 5, "global_days": 3, "physician_supervision": 2}
