"""Failure behaviour: bad data, broken plugins and unsafe outputs stop the
build with a readable message and leave the previous output untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.exceptions import UndefinedError

from warmth.core.problems import BuildError, ConfigError, DataError

from conftest import build


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "plugins")}
    return subprocess.run(
        [sys.executable, "-m", "warmth", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )


def break_a_cell(data: Path) -> tuple[str, int, str]:
    """Put a bad amount into the 3rd data row of the first file; return (file, row, value)."""
    path = sorted((data / "rounds").glob("*/*.csv"))[0]
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    column = next(i for i, h in enumerate(header) if h in ("amount_yuan", "金额（元）"))
    cells = lines[3].split(",")
    cells[column] = "12.345"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path.relative_to(data).as_posix(), 4, "12.345"


def test_invalid_record_fails_cli_with_readable_message_and_keeps_output(tmp_path, root, small_data, cache_dir):
    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    before = tree_digest(out)
    file, row, value = break_a_cell(small_data)
    # a second, different problem in another file: both must be reported at once
    other = small_data / "rounds/2012-02/shizhi.csv"
    other.write_text(other.read_text(encoding="utf-8-sig").replace(",市直,", ",市直属,", 1), encoding="utf-8")

    result = run_cli(root, "build", "--data", str(small_data), "--output", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert file in result.stderr and f"第{row}行" in result.stderr and "amount_yuan" in result.stderr
    assert repr(value) in result.stderr and "最多两位小数" in result.stderr and "at most two decimals" in result.stderr
    assert "市直属" in result.stderr and "市直" in result.stderr
    assert tree_digest(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")], "staging folders must be cleaned up"


def test_plugin_that_fails_to_load_fails_the_build(tmp_path, root, small_data):
    broken = tmp_path / "plugins" / "broken_plugin"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('deliberately broken')\n", encoding="utf-8")
    out = tmp_path / "site"
    with pytest.raises(BuildError, match="broken_plugin"):
        build_with(root, small_data, out, PLUGINS=["warmth", "broken_plugin"], PLUGIN_PATHS=["plugins", str(broken.parent)])
    assert not out.exists()


def test_missing_warmth_plugin_fails_the_build(tmp_path, root, small_data):
    with pytest.raises(BuildError, match="warmth"):
        build_with(root, small_data, tmp_path / "site", PLUGINS=[])


def test_broken_plugin_fails_the_real_command(tmp_path, root, small_data):
    settings = tmp_path / "conf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(root)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(root / 'content')!r}\nTHEME = {str(root / 'theme')!r}\nPLUGIN_PATHS = [{str(root / 'plugins')!r}]\n"
        "PLUGINS = ['warmth', 'no_such_plugin']\n",
        encoding="utf-8",
    )
    result = run_cli(root, "build", "--data", str(small_data), "--output", str(tmp_path / "site"), "--settings", str(settings))
    assert result.returncode == 1
    assert "no_such_plugin" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


def build_with(root, data, out, **overrides):
    from warmth.site.build import build_site

    return build_site(root, data=data, output=out, cache=None, overrides=overrides)


def test_template_error_fails_and_keeps_output(tmp_path, root, small_data, cache_dir):
    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    before = tree_digest(out)
    theme = tmp_path / "theme"
    shutil.copytree(root / "theme", theme)
    home = theme / "templates" / "warmth_home.html"
    text = home.read_text(encoding="utf-8")
    assert "{% block content %}" in text
    home.write_text(text.replace("{% block content %}", "{% block content %}{{ undefined_thing.x.y }}", 1), encoding="utf-8")
    with pytest.raises(UndefinedError):
        build_with(root, small_data, out, THEME=str(theme))
    assert tree_digest(out) == before


def test_data_error_is_raised_in_process_with_every_problem(tmp_path, root, small_data):
    break_a_cell(small_data)
    with pytest.raises(DataError) as err:
        build_with(root, small_data, tmp_path / "site")
    assert err.value.problems[0].rule == "amount-format"


@pytest.mark.parametrize("target", ["data", ".", "content"])
def test_refuses_to_overwrite_project_folders(root, small_data, target):
    with pytest.raises(ConfigError):
        build_with(root, small_data, root / target)


def test_refuses_a_non_empty_folder_that_is_not_a_site(tmp_path, root, small_data):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ConfigError):
        build_with(root, small_data, out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_cli_reports_missing_data_folder_cleanly(tmp_path, root):
    result = run_cli(root, "build", "--data", str(tmp_path / "nope"), "--output", str(tmp_path / "site"))
    assert result.returncode == 1 and "找不到数据文件夹" in result.stderr and "Traceback" not in result.stderr


def test_autoescape_is_on(tmp_path, root, small_data):
    toml = small_data / "campaign.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('description = "市级系统工会和市属基层工会"', 'description = "<script>alert(1)</script>"'),
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build_with(root, small_data, out)
    page = (out / "districts/shizhi/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


@pytest.mark.skipif(not shutil.which("make"), reason="make not installed")
def test_make_site_with_data_and_output(tmp_path, root, small_data):
    if not (root / ".venv" / "bin" / "python").exists():
        pytest.skip("make test creates .venv first; run through make")
    out = tmp_path / "preview"
    result = subprocess.run(
        ["make", "-s", "site", f"DATA={small_data}", f"OUTPUT={out}"], cwd=root, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / "index.html").is_file() and (out / "data/SHA256SUMS").is_file()
    assert "网站已生成" in result.stdout


def test_third_party_resources_fail_the_build(tmp_path, root, small_data):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2012-01.md").write_text('本批次说明 <img src="https://tracker.example/p.gif">\n', encoding="utf-8")
    out = tmp_path / "site"
    with pytest.raises(BuildError, match="tracker.example"):
        build_with(root, small_data, out, WARMTH_ROUND_NOTES=str(notes))
    assert not out.exists()


def test_autoescape_cannot_be_switched_off(tmp_path, root, small_data):
    with pytest.raises(ConfigError, match="autoescape"):
        build_with(root, small_data, tmp_path / "site", JINJA_ENVIRONMENT={"autoescape": False})


def test_refuses_output_inside_the_data_folder(root, small_data):
    with pytest.raises(ConfigError):
        build_with(root, small_data, small_data / "rounds" / "site")


def test_personal_data_in_a_narrative_fails_the_build(tmp_path, root, small_data):
    ident = "511102198001011234"  # check character 4, worked by hand in tests/test_anonymize.py
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2012-01.md").write_text(f"本批次由张三（身份证 {ident}）负责。\n", encoding="utf-8")
    out = tmp_path / "site"
    with pytest.raises(BuildError) as err:
        build_with(root, small_data, out, WARMTH_ROUND_NOTES=str(notes))
    assert "rounds/2012-01/index.html" in str(err.value) and ident not in str(err.value)
    assert not out.exists()


def test_a_short_checksum_that_reads_like_a_phone_number_does_not_fail_the_build(tmp_path):
    """Pages print each download's SHA-256 short: its first 12 hex digits and "…". About 1 in 1,000 such prefixes
    reads as a number (098655706612… as the landline 0986-5570661), which failed a build at random. The site's own
    checksums are passed over, exactly; the same kind of text anywhere else is still caught."""
    from warmth.site.scan import personal_data_in_pages, shown_short

    site = tmp_path / "site"
    digest = "098655706612" + "ab" * 26
    (site / "data").mkdir(parents=True)
    (site / "data" / "SHA256SUMS").write_text(f"{digest}  disbursements.csv\n", encoding="utf-8")
    (site / "rounds").mkdir()
    (site / "rounds" / "index.html").write_text(f"<p>（CSV，2 MB，SHA-256 <code>{digest[:12]}…</code>）</p>", encoding="utf-8")
    assert [page for page, _ in personal_data_in_pages(site, frozenset())] == ["rounds/index.html"]  # as before
    assert personal_data_in_pages(site, frozenset(), frozenset(), shown_short(site)) == []
    (site / "about.html").write_text("<p>SHA-256 <code>098655706613…</code></p><p>电话 0986-5570661</p>", encoding="utf-8")
    leaked = personal_data_in_pages(site, frozenset(), frozenset(), shown_short(site))
    assert [page for page, _ in leaked] == ["about.html", "about.html"]  # not this site's checksum; a real number


def test_a_ledger_signature_that_holds_a_phone_number_does_not_fail_the_build(tmp_path):
    """The ledger page prints each line's Ed25519 signature in base64; a random signature may hold a run of digits
    that reads as a mobile number (seen in a fresh-clone test run: "…fsG+vxB*********=="). The site's own
    signatures (those /data/ledger.jsonl publishes) are passed over, exactly; the same text elsewhere is caught."""
    from warmth.site.scan import personal_data_in_pages, shown_short

    site = tmp_path / "site"
    signature = "j1WAmFz8PZyR3zIv2e+EePdChxULzM7T7XyaDCf3h7K888+zJj6LGgXRstOLSDnFY2m9fsG+vxB" + "13912345678" + "=="
    assert len(signature) == 88  # an Ed25519 signature (64 bytes) in standard base64
    (site / "data").mkdir(parents=True)
    (site / "data" / "ledger.jsonl").write_text(json.dumps({"round": "2012-01", "signature": signature}) + "\n", encoding="utf-8")
    (site / "ledger").mkdir()
    (site / "ledger" / "index.html").write_text(f"<dd><code class=\"hash\">{signature}</code></dd>", encoding="utf-8")
    assert [page for page, _ in personal_data_in_pages(site, frozenset())] == ["ledger/index.html"]  # as before
    assert personal_data_in_pages(site, frozenset(), frozenset(), shown_short(site)) == []
    other = "Q" + signature[1:]  # not a signature of this site's ledger
    (site / "about.html").write_text(f"<p>{other}</p>", encoding="utf-8")
    leaked = personal_data_in_pages(site, frozenset(), frozenset(), shown_short(site))
    assert [page for page, _ in leaked] == ["about.html"]


def test_a_failed_search_index_fails_the_build(tmp_path, root, small_data, monkeypatch):
    """Pagefind runs while the pages are checked; if it fails, nothing is published and no staging folder is left."""
    fails = tmp_path / "pagefind"
    fails.write_text("#!/bin/sh\necho 'index broken' >&2\nexit 3\n", encoding="utf-8")
    fails.chmod(0o755)
    monkeypatch.setattr("warmth.site.search_index.pagefind_binary", lambda: fails)
    out = tmp_path / "site"
    with pytest.raises(BuildError, match="Pagefind failed") as err:
        build_with(root, small_data, out)
    assert "index broken" in str(err.value)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["data", "pagefind"]  # no staging folder left
