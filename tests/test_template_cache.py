"""The compiled-template cache (site/templatecache.py, issue 12): kept between builds, checked before use,
never the reason a page differs from a build without it."""

from __future__ import annotations

import os
import stat

from jinja2 import DictLoader, Environment
from test_rebuild import project_copy, tree

from warmth.site.build import build_site
from warmth.site.templatecache import TemplateCache

from conftest import make_data


def env_with(cache: TemplateCache, source: str, **options) -> Environment:
    return Environment(loader=DictLoader({"page.html": source}), bytecode_cache=cache, **options)


def test_a_compiled_template_is_reused_and_checked(tmp_path):
    cache = TemplateCache(tmp_path / "templates")
    assert env_with(cache, "{{ 1 + 1 }}").get_template("page.html").render() == "2"
    (entry,) = (tmp_path / "templates").iterdir()
    assert not entry.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only
    written = entry.read_bytes()

    # the same source in a new environment loads the stored code (nothing is written again)
    assert env_with(cache, "{{ 1 + 1 }}").get_template("page.html").render() == "2"
    assert entry.read_bytes() == written

    # an entry whose content no longer matches its digest is not loaded: the template is compiled again
    os.chmod(entry, 0o644)
    entry.write_bytes(written[:-5] + b"xxxxx")
    assert env_with(cache, "{{ 1 + 1 }}").get_template("page.html").render() == "2"
    assert entry.read_bytes() == written

    # a changed source is compiled afresh (Jinja's checksum of the source), never the old code
    assert env_with(cache, "{{ 2 + 2 }}").get_template("page.html").render() == "4"


def test_environments_with_other_options_do_not_share_code(tmp_path):
    cache = TemplateCache(tmp_path / "templates")
    source = "{{ '<b>' }}"
    assert env_with(cache, source, autoescape=True).get_template("page.html").render() == "&lt;b&gt;"
    assert env_with(cache, source, autoescape=False).get_template("page.html").render() == "<b>"
    assert env_with(cache, source, autoescape=True).get_template("page.html").render() == "&lt;b&gt;"
    assert len(list((tmp_path / "templates").iterdir())) == 2

    # line statements: compiled with the prefix, the lines are code; without it, text
    lines = "a\n# for i in [1, 2]\n{{ i }}\n# endfor\nb"
    assert env_with(cache, lines).get_template("page.html").render() == lines.replace("{{ i }}", "")
    assert env_with(cache, lines, line_statement_prefix="#").get_template("page.html").render() == "a\n1\n2\nb"

    # the i18n extension's style of gettext is compiled in: old-style and new-style calls differ
    trans = "{% trans n=3 %}{{ n }} 条{% endtrans %}"
    for newstyle in (False, True, False):
        env = env_with(cache, trans, extensions=["jinja2.ext.i18n"])
        env.install_null_translations(newstyle=newstyle)
        assert env.get_template("page.html").render() == "3 条"


def test_a_cached_build_with_an_edited_template_shows_the_edit(tmp_path, root):
    project = project_copy(root, tmp_path / "project")
    data, cache = make_data(project / "data", records=300), tmp_path / "cache"
    build_site(project, data=data, output=tmp_path / "one", cache=cache)
    entries = sorted((cache / "templates").iterdir())
    assert entries  # the theme's templates were stored
    first = tree(tmp_path / "one")

    again = build_site(project, data=data, output=tmp_path / "two", cache=cache)
    assert tree(tmp_path / "two") == first and sorted((cache / "templates").iterdir()) == entries

    base = project / "theme/templates/base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "<p>模板已修改</p></footer>", 1), encoding="utf-8")
    edited = build_site(project, data=data, output=tmp_path / "three", cache=cache)
    build_site(project, data=data, output=tmp_path / "cold", cache=None)
    assert not again.unchanged and not edited.unchanged
    assert "模板已修改" in (tmp_path / "three" / "index.html").read_text(encoding="utf-8")
    assert tree(tmp_path / "three") == tree(tmp_path / "cold")


def test_an_entry_is_used_only_when_intact_and_written_by_this_user(tmp_path):
    """core/entries.py, shared by the template, kit and workbook caches."""
    import pytest

    from warmth.core.entries import read_entry, write_entry

    entry = tmp_path / "cache" / "one.entry"
    write_entry(entry, b"compiled")
    assert read_entry(entry) == b"compiled"
    assert entry.parent.stat().st_mode & 0o777 == 0o700  # a new cache folder is private
    assert entry.read_bytes().split(b"\n", 1)[0] == __import__("hashlib").sha256(b"compiled").hexdigest().encode()
    os.chmod(entry, 0o644)
    entry.write_bytes(entry.read_bytes()[:-1] + b"X")
    assert read_entry(entry) is None  # damaged: a miss
    write_entry(entry, b"compiled")
    if os.geteuid() != 0:
        pytest.skip("giving the entry to another user needs root")
    os.chown(entry, 65534, -1)
    assert read_entry(entry) is None  # written by someone else: a miss, whatever its digest says
