"""The auditor's check of a published /data/ folder."""
