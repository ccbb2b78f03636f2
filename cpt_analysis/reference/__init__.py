"""Reference data: the shipped tables and the local store of imported CMS files, their schema,
the CMS readers and importer, CMS indicator meanings and ICD-10-CM verdicts. Stands on the core
alone."""
