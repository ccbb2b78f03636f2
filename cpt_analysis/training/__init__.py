"""The training tour for billing and coding staff: its sections, exercises, the grading of a
trainee's answers and its charts. Stands on fees and reference data, never on practice or
articles."""
