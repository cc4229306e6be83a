"""Shared facts every stage uses: money, table schemas, problems, settings, the campaign file, file writing."""
