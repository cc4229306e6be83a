"""Stage 1, read and check: what districts send, turned into checked, typed records."""
