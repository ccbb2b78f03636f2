import re

from cpt_analysis import config
from cpt_analysis.reference.schema import SCHEMAS


def test_every_column_of_every_table_is_documented():
    text = (config.DATA_DIR / "README.md").read_text()
    for table, columns in SCHEMAS.items():
        # the section is headed by the table's file (codes.csv, zip_localities.csv.gz), its
        # folder of files (rvus/RVUyyX.parquet) or its name alone (rvu_details)
        section = re.split(rf"^## {table}(?=[./ ])", text, maxsplit=1, flags=re.M)
        assert len(section) == 2, table
        body = section[1].split("\n## ", 1)[0]
        for col in columns:
            assert f"| {col.name} |" in body, (table, col.name)
