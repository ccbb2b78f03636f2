"""What a code is worth: Medicare payment, typical diagnosis pairings, the 8-minute rule, the RVU
explorer and the code card with its text and charts. Stands on reference data."""
