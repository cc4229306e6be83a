"""The auditor's check of a published /data/ folder (verify.py), with the standard library alone.

Nothing here imports another warmth package or a third-party library: an
auditor's check must not share code with the build it checks.
"""
