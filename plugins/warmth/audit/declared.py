"""/data/campaign.json: what the campaign declares, as the findings need it.

The declared rounds (with deadlines), destinations, fund sources with the
categories each may pay for (专款专用), categories and recipient groups; the
privacy model's k and its labels; whether the campaign is closed (unspent
money is then a finding); whether staff record when reports arrive (the dates
themselves are not published); the recipient group the file-first rules
concern; and the record columns published empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from warmth.audit.folder import CAMPAIGN, DataFolder

CAMPAIGN_FORMAT = 1


class NotDeclared(Exception):
    """campaign.json is missing or not as described; the message says why."""


@dataclass(frozen=True)
class Round:
    id: str
    deadline: str  # ISO date


@dataclass(frozen=True)
class Declared:
    rounds: tuple[Round, ...]
    destinations: tuple[str, ...]
    fund_sources: tuple[str, ...]
    earmarks: dict  # fund source → frozenset of the categories it may pay for (empty: any)
    categories: tuple[str, ...]
    recipient_groups: tuple[str, ...]
    min_group_size: int
    other_label: str  # small categories and groups are published as this
    closed: bool  # the final accounting is in
    report_dates_recorded: bool  # staff keep when each report arrived (not published)
    hardship_group: str  # the group the file-first rules concern
    withheld: tuple[str, ...]  # record columns published empty

    def allowed(self, source: str, category: str) -> bool:
        """May ``source`` pay for ``category``? A source that lists no categories is not earmarked."""
        listed = self.earmarks.get(source, frozenset())
        return not listed or category in listed


def _strings(value, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise NotDeclared(f"{CAMPAIGN}: {key} 应为文字列表 / {key} must be a list of strings")
    return tuple(value)


def _names(value, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value):
        raise NotDeclared(f"{CAMPAIGN}: {key} 应为 {{name, …}} 列表 / {key} must be a list of {{name, …}}")
    return tuple(v["name"] for v in value)


def read_declared(folder: DataFolder) -> Declared:
    if not folder.exists(CAMPAIGN):
        raise NotDeclared(f"{CAMPAIGN}: 文件不存在 / file missing")
    try:
        raw = json.loads((folder.path / CAMPAIGN).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotDeclared(f"{CAMPAIGN}: 不是 UTF-8 JSON / not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != CAMPAIGN_FORMAT:
        raise NotDeclared(f"{CAMPAIGN}: format 应为 {CAMPAIGN_FORMAT} / format must be {CAMPAIGN_FORMAT}")
    try:
        rounds = tuple(Round(r["id"], r["deadline"]) for r in raw["rounds"])
        if not all(isinstance(r.id, str) and isinstance(r.deadline, str) for r in rounds):
            raise TypeError
        sources = raw["fund_sources"]
        privacy = raw["privacy"]
        declared = Declared(
            rounds=rounds,
            destinations=_names(raw["destinations"], "destinations"),
            fund_sources=_names(sources, "fund_sources"),
            earmarks={s["name"]: frozenset(_strings(s.get("categories", []), "fund_sources.categories")) for s in sources},
            categories=_names(raw["categories"], "categories"),
            recipient_groups=_names(raw["recipient_groups"], "recipient_groups"),
            min_group_size=privacy["min_group_size"],
            other_label=privacy["other_label"],
            closed=raw["closed"],
            report_dates_recorded=raw["report_dates_recorded"],
            hardship_group=raw["hardship_group"],
            withheld=_strings(privacy["withheld"], "privacy.withheld"),
        )
    except (KeyError, TypeError) as exc:
        raise NotDeclared(f"{CAMPAIGN}: 缺少或格式不对 / missing or malformed: {exc}") from None
    flags = (declared.closed, declared.report_dates_recorded)
    if not all(isinstance(f, bool) for f in flags) or not isinstance(declared.min_group_size, int):
        raise NotDeclared(f"{CAMPAIGN}: closed、report_dates_recorded 应为 true/false，min_group_size 应为整数 / malformed flags")
    if not isinstance(declared.other_label, str) or not isinstance(declared.hardship_group, str):
        raise NotDeclared(f"{CAMPAIGN}: other_label、hardship_group 应为文字 / must be strings")
    return declared
