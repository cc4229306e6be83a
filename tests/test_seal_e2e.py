"""Seal a round with the real commands, rebuild, verify; tampering stops the build."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "plugins")}
    return subprocess.run([sys.executable, "-m", "warmth", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_seal_rebuild_verify_and_tamper(tmp_path, root, small_data):
    site = tmp_path / "site"
    assert cli(root, "build", "--data", str(small_data), "--output", str(site), "--no-cache").returncode == 0
    sealed = cli(root, "seal", "--data", str(small_data), "--output", str(site), "--round", "2012-01", "--date", "2012-01-21")
    assert sealed.returncode == 0, sealed.stderr
    ledger = (small_data / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(ledger) == 1 and '"previous":"' + "0" * 64 + '"' in ledger[0] and '"sealed_on":"2012-01-21"' in ledger[0]

    rebuilt = cli(root, "build", "--data", str(small_data), "--output", str(site), "--no-cache")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (site / "data/ledger.jsonl").read_text(encoding="utf-8").splitlines() == ledger
    archived = small_data / "sealed/2012-01/disbursements.csv"
    assert (site / "data/rounds/2012-01/disbursements.csv").read_bytes() == archived.read_bytes()
    assert hashlib.sha256(archived.read_bytes()).hexdigest() in (site / "ledger/index.html").read_text(encoding="utf-8")
    ok = cli(root, "verify", str(site))
    assert ok.returncode == 0, ok.stdout + ok.stderr

    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    victim = small_data / "rounds/2012-01/shawan.csv"
    victim.write_bytes(victim.read_bytes().replace(b"\n", b"\n\n", 1))
    refused = cli(root, "build", "--data", str(small_data), "--output", str(site), "--no-cache")
    assert refused.returncode == 1 and "rounds/2012-01/shawan.csv" in refused.stderr and "sealed-input-changed" in refused.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before

    # an auditor's copy where someone edited a sealed download
    target = site / "data/rounds/2012-01/disbursements.csv"
    target.write_bytes(target.read_bytes().replace(b'"2012-01"', b'"2012-01 "', 1))
    bad = cli(root, "verify", str(site))
    assert bad.returncode == 1 and "rounds/2012-01/disbursements.csv" in bad.stdout


def test_verify_recomputes_the_campaign_table(tmp_path, root, default_site):
    import hashlib
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(default_site / "data", copy)
    path = copy / "summary/campaign-table.csv"
    text = path.read_bytes().decode("utf-8-sig").splitlines()
    cells = text[1].split(",")
    cells[-1] = '"1.00"'  # the first destination's total
    text[1] = ",".join(cells)
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(text) + "\n").encode("utf-8"))
    # keep the checksums consistent, as a careful forger would
    sums = []
    for line in (copy / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, rel = line.split("  ", 1)
        if rel == "summary/campaign-table.csv":
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        sums.append(f"{digest}  {rel}")
    (copy / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    result = cli(root, "verify", str(copy))
    assert result.returncode == 1 and "campaign-table.csv" in result.stdout and "total_yuan" in result.stdout


def test_a_sealed_round_keeps_the_values_it_was_published_with(tmp_path, root, small_data):
    """The privacy model never re-generalises a sealed round: later rounds change, its records stay as sealed.

    Round 2012-02 loses most of its files after 2012-01 is sealed; groups that span rounds
    (fund source × destination × category, people per group) shrink, yet every 2012-01 record
    in /data/disbursements.csv is exactly its sealed row.
    """
    import csv

    site = tmp_path / "site"
    assert cli(root, "build", "--data", str(small_data), "--output", str(site), "--no-cache").returncode == 0
    assert cli(root, "seal", "--data", str(small_data), "--output", str(site), "--round", "2012-01", "--date", "2012-01-21").returncode == 0
    for path in sorted((small_data / "rounds/2012-02").iterdir())[2:]:
        path.unlink()
    rebuilt = cli(root, "build", "--data", str(small_data), "--output", str(site), "--no-cache")
    assert rebuilt.returncode == 0, rebuilt.stderr

    def rows(path: Path) -> dict[str, list[str]]:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return {r[0]: r for r in csv.reader(handle)}

    sealed = rows(small_data / "sealed/2012-01/disbursements.csv")
    current = rows(site / "data/disbursements.csv")
    assert all(current[rid] == row for rid, row in sealed.items())
    assert cli(root, "verify", str(site)).returncode == 0
