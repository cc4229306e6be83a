"""The two languages of the site: Chinese (the source, at /) and English (at /en/).

Templates mark their words with jinja2's i18n extension (``_("…")``, ``{% trans %}``); the
msgids are the Chinese texts themselves, so the templates read as the Chinese site. The English
words are in the theme's Babel catalog, theme/translations/en/LC_MESSAGES/messages.po, which the
build compiles in memory (no .mo file to go stale; README "English pages"). Names from the data
(destinations, fund sources, …) are translated by the ``name`` filter from campaign.toml's
``name_en`` keys (core/english.py), not by the catalog.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from warmth.core.problems import ConfigError

LANGUAGES = ("zh", "en")  # the source language first
HTML_LANG = {"zh": "zh-CN", "en": "en"}
PREFIX = {"zh": "", "en": "en/"}  # where a language's pages are saved, under the output
CATALOG = Path("translations") / "en" / "LC_MESSAGES" / "messages.po"  # under the theme


def N_(text: str) -> str:
    """Marks a Chinese msgid in Python for extraction (pybabel -k N_); templates translate it at render time."""
    return text


def catalog_path(theme: Path | str) -> Path:
    return Path(theme) / CATALOG


def load_translations(theme: Path | str, lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (Chinese: no catalog, the msgids are the words)."""
    if lang == "zh":
        return gettext.NullTranslations()
    path = catalog_path(theme)
    if not path.is_file():
        raise ConfigError(f"找不到英文界面翻译文件 {path} / the English catalog is missing: {path}")
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Language:
    """What a template needs to speak one language: passed with every page it renders."""

    code: str
    translations: gettext.NullTranslations

    def context(self, save_as: str) -> dict:
        """Render variables of the page saved as ``save_as`` (without the language prefix)."""
        other = "en" if self.code == "zh" else "zh"
        return {
            "lang": self.code,
            "html_lang": HTML_LANG[self.code],
            "L": "/en" if self.code == "en" else "",  # after SITEURL in links to pages (not /data/, /theme/ …)
            "page_path": page_path(save_as),
            "other_lang": other,
            "other_prefix": "/en" if other == "en" else "",
            "gettext": self.translations.gettext,
            "ngettext": self.translations.ngettext,
            "_": self.translations.gettext,
        }


def page_path(save_as: str) -> str:
    """The URL path of a page saved as ``save_as``, relative to its language's root ("" for the home page)."""
    return save_as.removesuffix("index.html")


def languages(theme: Path | str) -> list[Language]:
    return [Language(code, load_translations(theme, code)) for code in LANGUAGES]


def install(env) -> None:
    """generator_init: every Jinja environment understands ``_()`` and ``{% trans %}``; pages that
    Pelican itself renders (content/pages) speak Chinese unless given a Language's context."""
    env.add_extension("jinja2.ext.i18n")
    env.install_null_translations(newstyle=False)
