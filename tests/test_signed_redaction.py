"""``make redact`` on a signed ledger: its lines are signed, and a file name taken down from a signed line
keeps that line's hash and signature, so an auditor's earlier copy still checks out (``SINCE``)."""

from __future__ import annotations

import hashlib
import shutil

from cryptography.hazmat.primitives import serialization
from test_signed_ledger import OPENSSL, head_printed, make

from warmth.core.layout import LEDGER_FILE, PUBLIC_KEY_FILE
from warmth.ledger.chain import manifest_hash, read_ledger, signature_bytes, signed_payload

from conftest import make_data

PERSONAL_FILE = "rounds/2012-01/jiajiang-shangguanwan.csv"  # a name in pinyin: taken for personal data


def test_make_redact_signs_and_a_file_name_taken_down_keeps_every_signature(root, tmp_path):
    data, site, key = make_data(tmp_path / "data", records=900, seed=5), tmp_path / "site", tmp_path / "keys/union.key"
    key.parent.mkdir()
    (data / "rounds/2012-01/jiajiang.csv").rename(data / PERSONAL_FILE)
    assert make(root, "signkey", DATA=str(data), SIGNKEY=str(key)).returncode == 0
    assert make(root, "site", DATA=str(data), OUTPUT=str(site)).returncode == 0
    sealed = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-01", SIGNKEY=str(key))
    assert sealed.returncode == 0, sealed.stderr
    kept = tmp_path / "kept-ledger.jsonl"  # the auditor's copy: it still names the file
    shutil.copyfile(data / LEDGER_FILE, kept)
    before = read_ledger(data / LEDGER_FILE)
    assert "signature" in before[0] and "shangguanwan" in kept.read_text(encoding="utf-8")

    (data / PERSONAL_FILE).rename(data / "rounds/2012-01/jiajiang.csv")  # same bytes, a harmless name
    digest = hashlib.sha256((data / "rounds/2012-01/jiajiang.csv").read_bytes()).hexdigest()
    (data / "redactions.csv").write_text(
        "redaction_id,target,field,reason,date\n" f"F1,file:{digest},name,文件名含受助人姓名,2012-03-05\n", encoding="utf-8"
    )
    # no key: make redact builds, then refuses to write an unsigned line; the ledger and archive stay as they were
    ledger, archive = (data / LEDGER_FILE).read_bytes(), (data / "sealed/2012-01/disbursements.csv").read_bytes()
    refused = make(root, "redact", DATA=str(data), OUTPUT=str(site), env={"WARMTH_SIGNKEY": ""})
    assert refused.returncode == 1 and "必须签名" in refused.stderr
    assert (data / LEDGER_FILE).read_bytes() == ledger and (data / "sealed/2012-01/disbursements.csv").read_bytes() == archive

    done = make(root, "redact", DATA=str(data), OUTPUT=str(site), SIGNKEY=str(key))
    assert done.returncode == 0, done.stderr
    after = read_ledger(data / LEDGER_FILE)
    assert len(after) == 2 and "shangguanwan" not in (data / LEDGER_FILE).read_text(encoding="utf-8")
    # line 1 lost the path: same hash, same payload, and its signature still verifies
    assert manifest_hash(after[0]) == manifest_hash(before[0]) and signed_payload(after[0]) == signed_payload(before[0])
    public = serialization.load_pem_public_key((data / PUBLIC_KEY_FILE).read_bytes())
    for line in after:
        public.verify(signature_bytes(line), signed_payload(line))
    # the redaction line is signed and chained, and make redact printed its head for the notice
    assert after[1]["previous"] == manifest_hash(after[0]) and "signature" in after[1]
    assert head_printed(done.stdout) == manifest_hash(after[1]) and "已用工会的签名密钥签名" in done.stdout
    redact_step = make(root, "redact", DATA=str(data), OUTPUT=str(site), SIGNKEY=str(key))  # nothing pending now
    assert redact_step.returncode == 0
    assert (site / "data/ledger-heads.txt").read_text(encoding="utf-8").splitlines()[1].endswith("2012-01 redaction signed")
    # the head printed for the notice, and the auditor's copy from before the take-down, both check out
    notice = tmp_path / "union-public-key.pem"
    shutil.copyfile(data / PUBLIC_KEY_FILE, notice)
    variables = {"PUBKEY": str(notice)} if OPENSSL else {}
    for since in (str(kept), head_printed(sealed.stdout)):
        verified = make(root, "verify", SITE=str(site), SINCE=since, **variables)
        assert verified.returncode == 0, verified.stdout
        assert "added since: 第 2 行" in verified.stdout and "redaction" in verified.stdout
    assert "openssl 核对了 2 个签名，全部相符" in verified.stdout or not OPENSSL
