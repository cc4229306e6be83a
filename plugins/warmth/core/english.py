"""English forms of the campaign's names (campaign.toml's optional ``name_en``, ``label_en``
and ``[english]`` keys), for the English pages under /en/.

All keys are optional: a campaign file without them still builds, and the English pages then
show the Chinese name (`EnglishNames.of` falls back to it; `EnglishNames.missing` lists the
names without an English form, which the build logs as a warning). Official forms are in
shared/glossary.md.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from warmth.core.schema import AID_TYPES  # record value (cash …) → Chinese label (现金 …)

# The [english] table: campaign-level texts (key → what it translates).
TEXT_KEYS = (
    "title", "short_title", "organization", "notice_title", "other_label", "other_unit_label", "other_item_label",
    "licence_title", "contact_unit",
)


def _clean(value) -> str:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class EnglishNames:
    """Chinese name → English form, for every name a page may show."""

    forms: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # [english] table: title, organization, …
    missing: tuple[str, ...] = ()  # declared names with no English form

    def of(self, name) -> str:
        """The English form of a declared name, else the name itself (Chinese)."""
        if not isinstance(name, str):
            return name
        return self.forms.get(name, name)

    def text(self, key: str, chinese: str) -> str:
        return self.texts.get(key) or chinese


def read_english(data: dict, named: dict[str, list[tuple[str, object]]], chinese_texts: dict[str, str]) -> tuple[EnglishNames, list[str]]:
    """English forms from the parsed TOML.

    ``named``: kind → [(Chinese name, its TOML table)] for destinations, fund_sources,
    categories, recipient_groups (key ``name_en``; ``description_en`` beside a ``description``) and
    rounds (key ``label_en``).
    ``chinese_texts``: [english] key → the Chinese text it translates.
    Returns the names and the problems (wrong types only; a missing form is not a problem).
    """
    problems: list[str] = []
    forms: dict[str, str] = {}
    missing: list[str] = []
    for kind, items in named.items():
        key = "label_en" if kind == "rounds" else "name_en"
        for i, (name, table) in enumerate(items, 1):
            value = table.get(key, "") if isinstance(table, dict) else ""
            if not isinstance(value, str):
                problems.append(f"{kind}[{i}].{key}: 应为文字 / expected text, got {value!r}")
                value = ""
            value = _clean(value)
            if value:
                forms[name] = value
            elif name:
                missing.append(name)
            described = table.get("description_en", "") if isinstance(table, dict) else ""
            if isinstance(described, str) and _clean(described) and isinstance(table.get("description"), str):
                forms[table["description"]] = _clean(described)
    table = data.get("english", {})
    if not isinstance(table, dict):
        problems.append("english: 应写成 [english] 表 / expected a table written [english]")
        table = {}
    texts = {}
    for key in TEXT_KEYS:
        value = table.get(key, "")
        if not isinstance(value, str):
            problems.append(f"english.{key}: 应为文字 / expected text, got {value!r}")
            continue
        if _clean(value):
            texts[key] = _clean(value)
            if chinese_texts.get(key):
                forms[chinese_texts[key]] = texts[key]
    forms.update({label: code for code, label in AID_TYPES.items()})  # the record values are English already
    aid = table.get("aid_types", {})
    if not isinstance(aid, dict) or not all(isinstance(v, str) for v in aid.values()):
        problems.append("english.aid_types: 应写成 cash = \"…\" 这样的表 / expected a table like cash = \"…\"")
        aid = {}
    for key, value in aid.items():
        if key not in AID_TYPES:
            problems.append(f"english.aid_types.{key}: 未知的救助形式 / unknown aid type (cash, goods, service)")
        elif _clean(value):
            forms[AID_TYPES[key]] = _clean(value)
    return EnglishNames(forms, texts, tuple(missing)), problems
