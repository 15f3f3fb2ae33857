"""AmoCRM / Kommo two-way sync (SPEC §4 row 3, PROTOCOLS.md §5)."""
