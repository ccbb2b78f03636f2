"""A practice's own claims: reading an encounter export (files, columns, values), intake into
accepted and rejected lines, visits, productivity and payment, the audit, the practice report and
its charts, and the synthetic sample. Stands on fees and reference data, never on articles or
training."""
