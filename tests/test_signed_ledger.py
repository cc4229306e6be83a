"""Signed entries and anchored history (issue 9, items 2 and 3), through the real commands.

``make signkey``, ``make seal``, ``make site`` and ``make verify`` run as make
runs them: the recipe's command lines, as ``make -n`` prints them, run with
this Python (tests/test_signed_redaction.py does ``make redact``). One
campaign is built once: round 2012-01 sealed before the union had a key (an
unsigned line, as ledgers written before signing have), then ``make
signkey``, then round 2012-02 sealed and signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from makefile import recipe

from warmth.core.layout import LEDGER_FILE, PUBLIC_KEY_FILE
from warmth.ledger.chain import canonical, commitment, manifest_hash, read_ledger, signed_payload

from conftest import make_data

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")


def make(root: Path, target: str, *, cwd: Path | None = None, env: dict | None = None, **variables: str) -> subprocess.CompletedProcess:
    """``make <target> VAR=…``: each command line of the recipe (``make -n``), run with this Python; stops at the first
    that fails. Builds run without the project's cache. The result has every step's output and the last exit code."""
    args = [f"{k}={v}" for k, v in variables.items()]
    dry = "\n".join(recipe(root, target, *args, f"PY={sys.executable}", f"PYTHON={sys.executable}"))
    result = subprocess.CompletedProcess(dry, 0, "", "")
    for line in dry.splitlines():
        words = shlex.split(line)
        assert words[:2] == [sys.executable, "-m"] and words[2] in ("warmth", "warmth.audit"), line
        if words[2:4] == ["warmth", "build"]:
            words.append("--no-cache")
        step = subprocess.run(words, cwd=cwd or root, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONPATH": str(root / "plugins"), **(env or {})})
        result = subprocess.CompletedProcess(dry, step.returncode, result.stdout + step.stdout, result.stderr + step.stderr)
        if step.returncode:
            break
    assert dry.strip(), target
    return result


def build(root: Path, data: Path, site: Path) -> subprocess.CompletedProcess:
    return make(root, "site", DATA=str(data), OUTPUT=str(site))


def head_printed(output: str) -> str:
    """The head hash ``make seal`` / ``make redact`` print for the round's notice (Chinese first)."""
    zh = re.search(r"账本最新哈希（请写入本批次公告）：([0-9a-f]{64})", output)
    en = re.search(r"Ledger head hash \(put it in this round's official notice\): ([0-9a-f]{64})", output)
    assert zh and en and zh.group(1) == en.group(1) and output.index(zh.group(0)) < output.index(en.group(0)), output
    return zh.group(1)


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, root) -> dict:
    base = tmp_path_factory.mktemp("signed")
    data, site, keys = make_data(base / "data", records=900, seed=11), base / "site", base / "keys"
    keys.mkdir()
    assert build(root, data, site).returncode == 0
    first = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-01")
    assert first.returncode == 0, first.stderr
    old = base / "kept-ledger.jsonl"  # an auditor's copy, kept before the key existed
    shutil.copyfile(data / LEDGER_FILE, old)
    made = make(root, "signkey", DATA=str(data), SIGNKEY=str(keys / "union.key"))
    assert made.returncode == 0, made.stderr
    assert build(root, data, site).returncode == 0
    second = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-02", SIGNKEY=str(keys / "union.key"))
    assert second.returncode == 0, second.stderr
    rebuilt = build(root, data, site)
    assert rebuilt.returncode == 0, rebuilt.stderr
    return {"data": data, "site": site, "key": keys / "union.key", "kept": old, "first": first, "second": second, "signkey": made}


@pytest.fixture
def copy(campaign, tmp_path) -> dict:
    """The campaign's data folder and site, copied for a test that changes them."""
    shutil.copytree(campaign["data"], tmp_path / "data")
    shutil.copytree(campaign["site"], tmp_path / "site")
    return {**campaign, "data": tmp_path / "data", "site": tmp_path / "site"}


# --- the key -------------------------------------------------------------------------------------


def test_signkey_makes_one_key_kept_like_the_anonymization_key(root, campaign, tmp_path):
    key, data = campaign["key"], campaign["data"]
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    pem = (data / PUBLIC_KEY_FILE).read_bytes()
    assert pem == private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    out = campaign["signkey"].stdout
    assert pem.decode() in out and out.index("公钥已写入") < out.index("The public key is in")
    full = re.search(r"fingerprint: ([0-9a-f]{64})", out).group(1)
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert full == hashlib.sha256(der).hexdigest()
    assert f"short fingerprint: {full[:4]}-{full[4:8]}-{full[8:12]}-{full[12:16]}" in out
    # the ledger already had a line: its head goes into the same notice
    assert manifest_hash(read_ledger(campaign["kept"])[0]) in out
    # never a second time, never over anything: the key and the public key stay as they were
    before = (key.read_bytes(), pem)
    again = make(root, "signkey", DATA=str(data), SIGNKEY=str(key))
    assert again.returncode == 1 and "不会覆盖" in again.stderr and "not overwritten" in again.stderr
    other = make(root, "signkey", DATA=str(data), SIGNKEY=str(tmp_path / "new.key"))
    assert other.returncode == 1 and PUBLIC_KEY_FILE in other.stderr and not (tmp_path / "new.key").exists()
    assert (key.read_bytes(), (data / PUBLIC_KEY_FILE).read_bytes()) == before
    # never inside the data folder or a site, and always a *.key name (git ignores those)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    inside = make(root, "signkey", DATA=str(fresh), SIGNKEY=str(fresh / "union.key"))
    assert inside.returncode == 1 and not (fresh / "union.key").exists() and not (fresh / PUBLIC_KEY_FILE).exists()
    named = make(root, "signkey", DATA=str(fresh), SIGNKEY=str(tmp_path / "union.pem"))
    assert named.returncode == 1 and ".key" in named.stderr and not (tmp_path / "union.pem").exists()
    assert "*.key" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_key_is_found_by_signkey_or_the_environment(root, copy, tmp_path):
    data, site = copy["data"], copy["site"]
    ledger = (data / LEDGER_FILE).read_bytes()
    # no key given, none in the environment, none in the current folder: refused, nothing written, Chinese first
    refused = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-02", env={"WARMTH_SIGNKEY": ""})
    assert refused.returncode == 1 and "必须签名" in refused.stderr and "must be signed" in refused.stderr
    assert "SIGNKEY=" in refused.stderr and (data / LEDGER_FILE).read_bytes() == ledger
    # a key that is not the published key's: refused
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    mismatch = make(root, "redact", DATA=str(data), OUTPUT=str(site), SIGNKEY=str(wrong))
    assert mismatch.returncode == 0  # nothing pending: the key is not needed, nothing is written
    sealed_again = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-01", SIGNKEY=str(wrong))
    assert sealed_again.returncode == 1 and "不配对" in sealed_again.stderr and (data / LEDGER_FILE).read_bytes() == ledger
    missing = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-01", SIGNKEY=str(tmp_path / "none.key"))
    assert missing.returncode == 1 and "找不到签名私钥" in missing.stderr and "make signkey" in missing.stderr
    # $WARMTH_SIGNKEY and ./ledger-signing.key are found too (the seal then stops at "already sealed", after the key)
    by_env = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-01", env={"WARMTH_SIGNKEY": str(wrong)})
    assert "不配对" in by_env.stderr
    shutil.copyfile(wrong, tmp_path / "ledger-signing.key")
    by_name = make(root, "seal", DATA=str(data), OUTPUT=str(site), ROUND="2012-01", cwd=tmp_path, env={"WARMTH_SIGNKEY": ""})
    assert "不配对" in by_name.stderr


# --- signed lines and heads ----------------------------------------------------------------------


def test_seal_signs_the_line_and_prints_the_head_for_the_notice(campaign):
    data, site = campaign["data"], campaign["site"]
    ledger = read_ledger(data / LEDGER_FILE)
    assert len(ledger) == 2 and "signature" not in ledger[0]
    signed = ledger[1]
    public = serialization.load_pem_public_key((data / PUBLIC_KEY_FILE).read_bytes())
    raw = base64.b64decode(signed["signature"], validate=True)
    assert len(raw) == 64
    # what is signed: the canonical commitment form of the line without its signature
    unsigned = {k: v for k, v in signed.items() if k != "signature"}
    assert signed_payload(signed) == canonical(commitment(unsigned)).encode("utf-8")
    public.verify(raw, signed_payload(signed))
    # the chain hash covers the signed line, signature included
    assert manifest_hash(signed) == hashlib.sha256(canonical(commitment(signed)).encode("utf-8")).hexdigest()
    assert manifest_hash(signed) != manifest_hash(unsigned)
    # both seals printed the head after their line; only the second is signed
    assert head_printed(campaign["first"].stdout) == manifest_hash(ledger[0])
    assert "没有签名" in campaign["first"].stderr
    assert head_printed(campaign["second"].stdout) == manifest_hash(ledger[1])
    assert "已用工会的签名密钥签名" in campaign["second"].stdout
    # /data/ledger-heads.txt: one line per ledger line; listed in SHA256SUMS; not in the (tabular) data package
    heads = (site / "data/ledger-heads.txt").read_text(encoding="utf-8")
    assert heads == (
        f"1 {manifest_hash(ledger[0])} {ledger[0]['sealed_on']} 2012-01 seal unsigned\n"
        f"2 {manifest_hash(ledger[1])} {ledger[1]['sealed_on']} 2012-02 seal signed\n"
    )
    sums = (site / "data/SHA256SUMS").read_text(encoding="utf-8")
    for name in ("ledger-heads.txt", "ledger-public-key.pem"):
        digest = hashlib.sha256((site / "data" / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}\n" in sums
    package = json.loads((site / "data/datapackage.json").read_text(encoding="utf-8"))
    assert not [r for r in package["resources"] if r["path"].startswith("ledger")]
    assert (site / "data" / PUBLIC_KEY_FILE).read_bytes() == (data / PUBLIC_KEY_FILE).read_bytes()
    # the private key is in no byte of the site or the data folder
    secret = campaign["key"].read_bytes()
    body = b"".join(secret.splitlines()[1:-1])
    assert not [p for folder in (site, data) for p in folder.rglob("*") if p.is_file() and body in p.read_bytes()]


def test_the_ledger_page_lists_every_head_and_the_public_key(campaign):
    data, site = campaign["data"], campaign["site"]
    page = (site / "ledger/index.html").read_text(encoding="utf-8")
    ledger = read_ledger(data / LEDGER_FILE)
    heads = page[page.index('id="heads"'):page.index('id="round-2012-01"')]
    for number, manifest in enumerate(ledger, 1):
        row = re.search(rf'<th scope="row" class="num">第 {number} 行</th><td data-label="日期">{manifest["sealed_on"]}</td>'
                        rf'<td data-label="批次">{manifest["round"]}</td><td data-label="类别">封存</td>'
                        rf'<td class="explain" data-label="该行之后的最新哈希"><code class="hash">{manifest_hash(manifest)}</code>', heads)
        assert row, number
    assert "（当前最新）" in heads and heads.count("未签名") == 1 and heads.count("已签名") == 1
    full = re.search(r"fingerprint: ([0-9a-f]{64})", campaign["signkey"].stdout).group(1)
    assert full in page and "/data/ledger-public-key.pem" in page
    assert ledger[1]["signature"] in page


# --- the build checks every signature --------------------------------------------------------------


def _rewrite_last(data: Path, change) -> None:
    raw = lines(data / LEDGER_FILE)
    last = json.loads(raw[-1])
    raw[-1] = canonical(change(last)).encode("utf-8")
    (data / LEDGER_FILE).write_bytes(b"\n".join(raw) + b"\n")


def test_the_build_refuses_a_bad_or_missing_signature(root, copy):
    """The build checks every signature against data/ledger-public-key.pem; a refused build leaves the old site."""
    data, site = copy["data"], copy["site"]
    good = (data / LEDGER_FILE).read_bytes()
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    # the newest line rewritten, its signature kept
    _rewrite_last(data, lambda m: {**m, "sealed_on": "2012-02-26"})
    bad = build(root, data, site)
    assert bad.returncode == 1 and "[ledger-signature-bad]" in bad.stderr and "ledger.jsonl 第2行" in bad.stderr
    assert bad.stderr.index("签名与公钥") < bad.stderr.index("signature does not verify")
    # an unsigned line after a signed one
    manifests = [json.loads(raw) for raw in good.splitlines()]
    extra = {k: v for k, v in manifests[1].items() if k not in ("signature", "sealed_on")} | {
        "redacted_on": "2012-03-01", "previous": manifest_hash(manifests[1]),
        "redactions": [{"id": "X1", "target": "x", "field": "note", "reason": "r", "date": "2012-03-01", "value_sha256": None}],
    }
    (data / LEDGER_FILE).write_bytes(good + canonical(extra).encode("utf-8") + b"\n")
    missing = build(root, data, site)
    assert missing.returncode == 1 and "[ledger-signature-missing]" in missing.stderr and "ledger.jsonl 第3行" in missing.stderr
    # a signed ledger without the public key, or with a key file that is not one
    (data / LEDGER_FILE).write_bytes(good)
    (data / PUBLIC_KEY_FILE).unlink()
    nokey = build(root, data, site)
    assert nokey.returncode == 1 and "[ledger-public-key]" in nokey.stderr and "第 2 行有签名" in nokey.stderr
    (data / PUBLIC_KEY_FILE).write_text("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n", encoding="ascii")
    malformed = build(root, data, site)
    assert malformed.returncode == 1 and "[ledger-public-key]" in malformed.stderr and "Ed25519" in malformed.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


# --- the auditor: PUBKEY, openssl, SINCE -----------------------------------------------------------


def verify(root: Path, site: Path, **variables: str) -> subprocess.CompletedProcess:
    return make(root, "verify", SITE=str(site), **variables)


@needs_openssl
def test_verify_checks_every_signature_with_openssl_and_the_key_from_the_notice(root, campaign, tmp_path):
    notice = tmp_path / "union-public-key.pem"
    shutil.copyfile(campaign["data"] / PUBLIC_KEY_FILE, notice)
    ok = verify(root, campaign["site"], PUBKEY=str(notice))
    assert ok.returncode == 0, ok.stdout
    assert "openssl 核对了 1 个签名，全部相符" in ok.stdout and "第 1 行未签名：启用签名之前写入" in ok.stdout
    # without PUBKEY: said plainly that the signatures were not checked
    plain = verify(root, campaign["site"])
    assert plain.returncode == 0 and "signatures NOT checked: no public key given" in plain.stdout
    # without openssl on PATH: not checked either, and said so
    bare = tmp_path / "bin"
    bare.mkdir()
    noopenssl = make(root, "verify", SITE=str(campaign["site"]), PUBKEY=str(notice), env={"PATH": str(bare)})
    assert noopenssl.returncode == 0 and "signatures NOT checked: no openssl command on PATH" in noopenssl.stdout
    # another key: every signature fails, and the site's key is named as not the auditor's
    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    wrong = verify(root, campaign["site"], PUBKEY=str(other))
    assert wrong.returncode == 1 and "the signature does not verify with the key" in wrong.stdout
    assert "the site's ledger-public-key.pem is not your key" in wrong.stdout


@needs_openssl
def test_the_kit_takes_the_key_and_an_earlier_head_too(campaign, tmp_path):
    """/data/verify.py, run alone with no project on the path, checks signatures and SINCE as make verify does."""
    notice = tmp_path / "union-public-key.pem"
    shutil.copyfile(campaign["data"] / PUBLIC_KEY_FILE, notice)
    data = campaign["site"] / "data"
    head = head_printed(campaign["first"].stdout)

    def kit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-I", "-S", str(data / "verify.py"), str(data), *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)

    ok = kit("--pubkey", str(notice), "--since", head)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "openssl 核对了 1 个签名，全部相符" in ok.stdout and "added since: 第 2 行" in ok.stdout
    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert kit("--pubkey", str(other)).returncode == 1
    assert kit("--since", "ab" * 32).returncode == 1


@needs_openssl
def test_a_hosting_compromise_without_the_key_cannot_make_a_ledger_that_verifies(root, campaign, tmp_path):
    """Whoever can edit the site rewrites the newest line (and ledger-heads.txt, SHA256SUMS): make verify PUBKEY=… fails."""
    from test_verify import resum

    notice = tmp_path / "union-public-key.pem"
    shutil.copyfile(campaign["data"] / PUBLIC_KEY_FILE, notice)

    def forged(change, name: str) -> Path:
        folder = tmp_path / name
        shutil.copytree(campaign["site"] / "data", folder)
        _rewrite_last(folder, change)
        manifests = read_ledger(folder / LEDGER_FILE)
        from warmth.ledger.heads import heads_text

        (folder / "ledger-heads.txt").write_bytes(heads_text(manifests))
        resum(folder)
        return folder

    kept = forged(lambda m: {**m, "sealed_on": "2012-02-28"}, "kept-signature")
    stripped = forged(lambda m: {k: v for k, v in m.items() if k != "signature"}, "stripped")
    resigned = forged(lambda m: _sign_with_another_key(m), "resigned")
    for folder, said in ((kept, "the signature does not verify"), (stripped, "the newest line is not signed"),
                         (resigned, "the signature does not verify")):
        assert verify(root, folder).returncode == 0  # without the key only the hashes are checked: they hold
        result = verify(root, folder, PUBKEY=str(notice))
        assert result.returncode == 1 and said in result.stdout, result.stdout
    # cut back to the lines written before signing: the head is unsigned, and that fails too (SINCE finds the cut)
    lone = tmp_path / "lone"
    shutil.copytree(campaign["site"] / "data", lone)
    (lone / LEDGER_FILE).write_bytes(lines(lone / LEDGER_FILE)[0] + b"\n")
    from warmth.ledger.heads import heads_text

    (lone / "ledger-heads.txt").write_bytes(heads_text(read_ledger(lone / LEDGER_FILE)))
    resum(lone)
    result = verify(root, lone, PUBKEY=str(notice))
    assert result.returncode == 1 and "the newest line is not signed" in result.stdout


def _sign_with_another_key(manifest: dict) -> dict:
    from warmth.ledger.signing import sign_line

    return sign_line({k: v for k, v in manifest.items() if k != "signature"} | {"sealed_on": "2012-02-28"},
                     Ed25519PrivateKey.generate())


def test_verify_since_an_earlier_copy_or_a_head_hash(root, campaign, tmp_path):
    site, kept = campaign["site"], campaign["kept"]
    today = read_ledger(campaign["data"] / LEDGER_FILE)
    ok = verify(root, site, SINCE=str(kept))
    assert ok.returncode == 0, ok.stdout
    assert "your copy's 1 lines are today's first 1" in ok.stdout and manifest_hash(today[1]) in ok.stdout
    by_hash = verify(root, site, SINCE=head_printed(campaign["first"].stdout))
    assert by_hash.returncode == 0 and "added since: 第 2 行" in by_hash.stdout
    newest = verify(root, site, SINCE=manifest_hash(today[1]))
    assert newest.returncode == 0 and "no line added since" in newest.stdout
    # a head hash that is not one of today's lines
    unknown = verify(root, site, SINCE="ab" * 32)
    assert unknown.returncode == 1 and "is not the head hash after any line" in unknown.stdout and manifest_hash(today[1]) in unknown.stdout
    # an earlier copy whose line 1 differs: named, with both full hashes
    changed = tmp_path / "changed.jsonl"
    first = json.loads(lines(kept)[0])
    first["sealed_on"] = "2012-01-22"
    changed.write_bytes(canonical(first).encode() + b"\n")
    differs = verify(root, site, SINCE=str(changed))
    assert differs.returncode == 1 and "differs from line 1 on" in differs.stdout
    assert manifest_hash(first) in differs.stdout and manifest_hash(today[0]) in differs.stdout
    # an earlier copy longer than today's ledger: today's was cut short
    longer = tmp_path / "longer.jsonl"
    extra = {**json.loads(lines(campaign["data"] / LEDGER_FILE)[1]), "round": "2012-03", "previous": manifest_hash(today[1])}
    longer.write_bytes((campaign["data"] / LEDGER_FILE).read_bytes() + canonical(extra).encode() + b"\n")
    cut = verify(root, site, SINCE=str(longer))
    assert cut.returncode == 1 and "today's ledger has 2 lines, your copy 3" in cut.stdout
    missing = verify(root, site, SINCE=str(tmp_path / "nowhere.jsonl"))
    assert missing.returncode == 1 and "is neither a file nor a 64-hex-digit head hash" in missing.stdout


def test_ledger_heads_txt_must_say_what_the_ledger_gives(root, campaign, tmp_path):
    from test_verify import resum

    folder = tmp_path / "data"
    shutil.copytree(campaign["site"] / "data", folder)
    text = (folder / "ledger-heads.txt").read_text(encoding="utf-8")
    (folder / "ledger-heads.txt").write_text(text.replace(" signed\n", " unsigned\n"), encoding="utf-8")
    resum(folder)
    result = verify(root, folder)
    assert result.returncode == 1 and "ledger-heads.txt 第 2 行 / line 2" in result.stdout


# --- by hand, as README shows -----------------------------------------------------------------------


def readme_block(root: Path, marker: str) -> str:
    text = (root / "README.md").read_text(encoding="utf-8")
    start = text.index(marker)
    block = text[text.rindex("```sh\n", 0, start) + len("```sh\n"):]
    return block[: block.index("```\n")]


@needs_openssl
def test_readme_checks_one_entry_by_hand_with_plain_openssl(root, campaign, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(campaign["site"] / "data", folder)
    shutil.copyfile(campaign["data"] / PUBLIC_KEY_FILE, folder / "union-public-key.pem")
    script = readme_block(root, "# check one ledger line's signature by hand")
    assert "openssl pkeyutl -verify -pubin -inkey" in script and "-rawin -in payload.bin -sigfile signature.bin" in script
    done = subprocess.run(["bash", "-euc", script], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done.stdout + done.stderr
    full = re.search(r"fingerprint: ([0-9a-f]{64})", campaign["signkey"].stdout).group(1)
    assert full in done.stdout  # the fingerprint command prints what make signkey printed
    assert (folder / "payload.bin").read_bytes() == signed_payload(read_ledger(campaign["data"] / LEDGER_FILE)[1])
    signature = (folder / "signature.bin").read_bytes()
    if shutil.which("jq"):
        (folder / "signature.bin").unlink()
        subprocess.run(["bash", "-euc", readme_block(root, "# the signature alone, with jq")], cwd=folder, check=True, timeout=60)
        assert (folder / "signature.bin").read_bytes() == signature
    # one byte changed in the payload: openssl says so
    payload = (folder / "payload.bin").read_bytes()
    (folder / "payload.bin").write_bytes(payload.replace(b"2012-02", b"2012-03", 1))
    last = script.strip().splitlines()[-1]
    assert last.startswith("openssl pkeyutl -verify")
    failed = subprocess.run(["bash", "-euc", "KEY=union-public-key.pem\n" + last], cwd=folder, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "Signature Verification Failure" in failed.stdout


def test_the_makefile_passes_signkey_since_and_pubkey(root):
    def dry(target: str, *args: str) -> str:
        return "\n".join(recipe(root, target, *args))

    assert '--signkey "k.key"' in dry("seal", "ROUND=2012-01", "SIGNKEY=k.key")
    assert "--signkey" not in dry("seal", "ROUND=2012-01")
    assert '--signkey "k.key"' in dry("redact", "SIGNKEY=k.key").splitlines()[1]
    assert '--key "ledger-signing.key"' in dry("signkey")
    assert '--since "x.jsonl" --pubkey "p.pem"' in dry("verify", "SINCE=x.jsonl", "PUBKEY=p.pem")
    assert "--since" not in dry("verify") and "--pubkey" not in dry("verify")


# --- the build's and the auditor's readers agree -------------------------------------------------------


def _signed_chain(key: Ed25519PrivateKey) -> list[dict]:
    from warmth.ledger.signing import sign_line

    entry = {"bytes": 1, "sha256": "a" * 64}
    first = {"format": 2, "round": "2012-01", "sealed_on": "2012-01-21", "previous": "0" * 64, "campaign": "c" * 64,
             "inputs": [{**entry, "path": "rounds/2012-01/a.csv"}], "published": [{**entry, "path": "rounds/2012-01/disbursements.csv"}]}
    second = {**first, "round": "2012-02", "sealed_on": "2012-02-25", "previous": manifest_hash(first),
              "inputs": [{**entry, "path": "rounds/2012-02/b.csv"}], "published": [{**entry, "path": "rounds/2012-02/disbursements.csv"}]}
    second = sign_line(second, key)
    return [first, second]


@pytest.mark.parametrize("value", ["abc", base64.b64encode(b"x" * 63).decode(), base64.b64encode(b"x" * 64).decode().rstrip("="), 7, ""])
def test_a_malformed_signature_is_named_alike_by_the_build_and_the_auditor(value, tmp_path):
    from test_verify import _audit_problems, _build_problems

    from warmth.ledger.chain import check_chain

    ledger = _signed_chain(Ed25519PrivateKey.generate())
    assert check_chain(ledger) == []
    ledger[1]["signature"] = value
    path = tmp_path / LEDGER_FILE
    path.write_text("".join(canonical(m) + "\n" for m in ledger), encoding="utf-8")
    problems = _build_problems(path)
    assert [(row, rule) for row, rule, *_ in problems] == [(2, "ledger-format")] and "signature" in problems[0][2]
    assert _audit_problems(path) == problems


def test_the_auditor_computes_payloads_hashes_and_heads_as_the_build_does(tmp_path):
    from warmth.audit import chain as audit_chain
    from warmth.audit.heads import heads_text as audit_heads
    from warmth.ledger.heads import heads_text

    key = Ed25519PrivateKey.generate()
    ledger = _signed_chain(key)
    hidden = [ledger[0], {**ledger[1], "inputs": [{"bytes": 1, "sha256": "a" * 64,
                                                   "path_sha256": hashlib.sha256(b"rounds/2012-02/b.csv").hexdigest()}]}]
    for manifests in (ledger, hidden):
        path = tmp_path / LEDGER_FILE
        path.write_text("".join(canonical(m) + "\n" for m in manifests), encoding="utf-8")
        read = audit_chain.read_ledger(path)
        assert read.problems == () and read.hashes() == [manifest_hash(m) for m in manifests]
        assert [audit_chain.payload(m) for m in read.manifests] == [signed_payload(m) for m in manifests]
        assert audit_heads(read).encode("utf-8") == heads_text(manifests)
        key.public_key().verify(audit_chain.signature(read.manifests[1]), audit_chain.payload(read.manifests[1]))
    # a path taken down changes neither the signed line's hash nor its payload
    assert manifest_hash(hidden[1]) == manifest_hash(ledger[1]) and signed_payload(hidden[1]) == signed_payload(ledger[1])
