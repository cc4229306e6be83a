"""The campaign file (data/campaign.toml): load it and check it once.

Everything else reads the campaign through the frozen `Campaign` object, so
names, slugs and order are declared in exactly one place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from warmth.core.english import TEXT_KEYS, EnglishNames, read_english
from warmth.core.problems import ConfigError
from warmth.core.schema import FORMULA_START, WITHHELD_COLUMNS

# record column → (campaign attribute, Chinese label) for the declared dimensions
DIMENSIONS = {
    "district": ("destinations", "区县"),
    "fund_source": ("fund_sources", "资金来源"),
    "category": ("categories", "救助类别"),
    "recipient_group": ("recipient_groups", "受助群体"),
}

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ROUND_ID = re.compile(r"[0-9a-z][0-9a-z_-]*")
# A link the pages show (the licence …): http or https to a named host, no spaces or control characters.
WEB_URL = re.compile(r"https?://[^\s/?#\\]+[^\s\\]*", re.I)


@dataclass(frozen=True)
class Named:
    name: str
    slug: str
    description: str = ""


@dataclass(frozen=True)
class FundSource(Named):
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Round:
    id: str
    label: str
    deadline: dt.date


@dataclass(frozen=True)
class Campaign:
    title: str
    short_title: str
    organization: str
    notice_number: str
    notice_title: str
    notice_date: dt.date
    start: dt.date
    end: dt.date
    sample_data: bool
    closed: bool  # the campaign is over: unspent balances become findings
    licence: dict
    contact: dict
    rounds: tuple[Round, ...]
    destinations: tuple[Named, ...]
    categories: tuple[Named, ...]
    fund_sources: tuple[FundSource, ...]
    recipient_groups: tuple[Named, ...]
    min_group_size: int = 3
    other_label: str = "其他"  # the category and group that small ones are merged into
    other_unit_label: str = "其他单位"  # the disbursing unit that small units are merged into
    other_item_label: str = "其他物资"  # the goods item that rare items are merged into
    sensitive_categories: tuple[str, ...] = ("医疗救助", "心理疏导")  # never the only category of a published group
    publish_notes: bool = False  # the free-text note column is published only when true
    english: EnglishNames = field(default_factory=EnglishNames, compare=False)  # name_en and [english] (core/english.py)
    path: Path = field(default=Path("campaign.toml"), compare=False)
    digest: str = field(default="", compare=False)  # SHA-256 of the bytes read

    @property
    def round_ids(self) -> list[str]:
        return [r.id for r in self.rounds]

    def names(self, kind: str) -> list[str]:
        """Declared names of one dimension, in declared order."""
        return [item.name for item in getattr(self, kind)]

    def published_names(self, kind: str) -> list[str]:
        """Names as they may appear in published data: small groups add the other label."""
        names = self.names(kind)
        if kind in ("categories", "recipient_groups"):
            names.append(self.other_label)
        return names

    @property
    def own_emails(self) -> frozenset[str]:
        """The campaign's contact e-mail (case-folded): pages and cells may show it."""
        email = str(self.contact.get("email", "")).strip().lower()
        return frozenset([email] if email else [])

    @property
    def own_phones(self) -> frozenset[str]:
        """The campaign's contact phone and fax: pages and cells may show them."""
        return frozenset(str(self.contact.get(key, "")).strip() for key in ("phone", "fax")) - {""}

    @property
    def withheld(self) -> tuple[str, ...]:
        """Record columns published empty (README "Privacy")."""
        return WITHHELD_COLUMNS + (() if self.publish_notes else ("note",))

    def slug_of(self, kind: str, name: str) -> str:
        for item in getattr(self, kind):
            if item.name == name:
                return item.slug
        raise KeyError(name)


def _date(value, key: str, problems: list[str]) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{key}: 应为日期 YYYY-MM-DD / expected a date YYYY-MM-DD, got {value!r}")
    return dt.date(1970, 1, 1)


def _text(table: dict, key: str, where: str, problems: list[str], required: bool = True) -> str:
    """A text value, NFKC-normalised and trimmed like every record value."""
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}.{key}: 必填文字 / required text, got {value!r}")
        return ""
    return unicodedata.normalize("NFKC", value).strip()


def _tables(data: dict, key: str, problems: list[str]) -> list[dict]:
    """``[[key]]`` entries; anything else (a plain list, a string) is a problem."""
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        problems.append(f"{key}: 应写成 [[{key}]] 表 / expected an array of tables written [[{key}]]")
        return []
    return items


def _table(data: dict, key: str, problems: list[str]) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{key}: 应写成 [{key}] 表 / expected a table written [{key}]")
        return {}
    return value


def _names(table: dict, key: str, default: tuple[str, ...], problems: list[str]) -> tuple[str, ...]:
    """A list of names (NFKC, trimmed), or the default when the key is absent."""
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"privacy.{key}: 应为名称列表 / expected a list of names")
        return default
    return tuple(unicodedata.normalize("NFKC", v).strip() for v in value)


def _named_list(data: dict, key: str, problems: list[str], cls=Named) -> tuple:
    items = _tables(data, key, problems)
    if not items:
        problems.append(f"[[{key}]]: 至少声明一项 / declare at least one")
        return ()
    result = []
    seen_names: set[str] = set()
    seen_slugs: set[str] = set()
    for i, table in enumerate(items, 1):
        where = f"{key}[{i}]"
        name = _text(table, "name", where, problems)
        slug = _text(table, "slug", where, problems)
        if slug and not SLUG.fullmatch(slug):
            problems.append(
                f"{where}.slug: 只能用小写字母、数字和连字符 / lowercase letters, digits and '-' only, got {slug!r}"
            )
        if name in seen_names:
            problems.append(f"{where}.name: 名称重复 / duplicate name {name!r}")
        if slug in seen_slugs:
            problems.append(f"{where}.slug: 重复 / duplicate slug {slug!r}")
        seen_names.add(name)
        seen_slugs.add(slug)
        extra = {}
        if cls is FundSource:
            cats = table.get("categories", [])
            if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
                problems.append(f"{where}.categories: 应为名称列表 / expected a list of names")
                cats = []
            extra["categories"] = tuple(unicodedata.normalize("NFKC", c).strip() for c in cats)
        result.append(cls(name=name, slug=slug, description=str(table.get("description", "")), **extra))
    return tuple(result)


def _url_problems(data: dict, where: str = "") -> list[str]:
    """Every ``url`` or ``…_url`` key, at any depth, must be an http(s) link."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        here = f"{where}[{key + 1}]" if isinstance(key, int) else f"{where}.{key}" if where else str(key)
        if isinstance(value, (dict, list)):
            found += _url_problems(value, here)
        elif isinstance(key, str) and (key == "url" or key.endswith("_url")):
            if not (isinstance(value, str) and WEB_URL.fullmatch(value.strip()) and value.isprintable()):
                found.append(
                    f"{here}: 链接必须以 http:// 或 https:// 开头，不能是 javascript: 等其他链接 / "
                    f"a link must start with http:// or https:// (javascript: and other schemes are refused), got {value!r}"
                )
    return found


def _formula_problems(campaign: Campaign) -> list[str]:
    """Names and texts that reach the spreadsheets must not start like a formula."""
    texts = [
        (f"campaign.{key}", getattr(campaign, key))
        for key in ("title", "short_title", "organization", "notice_number", "notice_title")
    ]
    texts += [(f"rounds[{i}].label", r.label) for i, r in enumerate(campaign.rounds, 1)]
    for kind in ("destinations", "fund_sources", "categories", "recipient_groups"):
        texts += [(f"{kind}[{i}].name", item.name) for i, item in enumerate(getattr(campaign, kind), 1)]
    texts += [(f"privacy.{key}", getattr(campaign, key)) for key in ("other_label", "other_unit_label", "other_item_label")]
    return [
        f"{key}: 不能以 = + - @、制表符或回车开头（电子表格会把它当作公式执行）/ "
        f"must not start with = + - @, a tab or a carriage return (a spreadsheet would run it as a formula), got {value!r}"
        for key, value in texts
        if isinstance(value, str) and value.startswith(FORMULA_START)
    ]


def load_campaign(path: Path) -> Campaign:
    """Read and check campaign.toml; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"找不到活动配置文件 {path} / campaign file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"活动配置文件格式错误 {path}: {exc} / campaign file is not valid TOML") from None

    problems: list[str] = []
    head = _table(data, "campaign", problems)
    rounds = []
    for i, table in enumerate(_tables(data, "rounds", problems), 1):
        rid = _text(table, "id", f"rounds[{i}]", problems)
        if rid and not ROUND_ID.fullmatch(rid):
            problems.append(f"rounds[{i}].id: 只能用小写字母、数字、-、_ / lowercase letters, digits, '-', '_' only: {rid!r}")
        rounds.append(
            Round(
                id=rid,
                label=_text(table, "label", f"rounds[{i}]", problems),
                deadline=_date(table.get("deadline"), f"rounds[{i}].deadline", problems),
            )
        )
    if not rounds:
        problems.append("[[rounds]]: 至少声明一个批次 / declare at least one round")
    if len({r.id for r in rounds}) != len(rounds):
        problems.append("[[rounds]]: 批次编号重复 / duplicate round id")

    privacy = _table(data, "privacy", problems)
    campaign = Campaign(
        title=_text(head, "title", "campaign", problems),
        short_title=_text(head, "short_title", "campaign", problems, required=False)
        or _text(head, "title", "campaign", []),
        organization=_text(head, "organization", "campaign", problems),
        notice_number=_text(head, "notice_number", "campaign", problems, required=False),
        notice_title=_text(head, "notice_title", "campaign", problems, required=False),
        notice_date=_date(head.get("notice_date", "1970-01-01"), "campaign.notice_date", problems),
        start=_date(head.get("start"), "campaign.start", problems),
        end=_date(head.get("end"), "campaign.end", problems),
        sample_data=bool(head.get("sample_data", False)),
        closed=bool(head.get("closed", False)),
        licence=_table(data, "licence", problems),
        contact=_table(data, "contact", problems),
        rounds=tuple(rounds),
        destinations=_named_list(data, "destinations", problems),
        categories=_named_list(data, "categories", problems),
        fund_sources=_named_list(data, "fund_sources", problems, cls=FundSource),
        recipient_groups=_named_list(data, "recipient_groups", problems),
        min_group_size=privacy.get("min_group_size", 3),
        other_label=unicodedata.normalize("NFKC", str(privacy.get("other_label", "其他"))).strip(),
        other_unit_label=unicodedata.normalize("NFKC", str(privacy.get("other_unit_label", "其他单位"))).strip(),
        other_item_label=unicodedata.normalize("NFKC", str(privacy.get("other_item_label", "其他物资"))).strip(),
        sensitive_categories=_names(privacy, "sensitive_categories", ("医疗救助", "心理疏导"), problems),
        publish_notes=privacy.get("publish_notes", False),
        path=path,
        digest=hashlib.sha256(raw).hexdigest(),
    )
    if not isinstance(campaign.min_group_size, int) or isinstance(campaign.min_group_size, bool) or campaign.min_group_size < 1:
        problems.append("privacy.min_group_size: 应为正整数 / expected a positive whole number")
    if not isinstance(campaign.other_label, str) or not campaign.other_label.strip():
        problems.append("privacy.other_label: 必填文字 / required text")
    elif campaign.other_label in campaign.names("categories") + campaign.names("recipient_groups"):
        problems.append("privacy.other_label: 不能与已声明的类别或群体重名 / must differ from declared categories and groups")
    for key in ("other_unit_label", "other_item_label"):
        if not getattr(campaign, key):
            problems.append(f"privacy.{key}: 必填文字 / required text")
    if not isinstance(campaign.publish_notes, bool):
        problems.append("privacy.publish_notes: 应为 true 或 false / expected true or false")
    for name in campaign.sensitive_categories:
        if name not in campaign.names("categories"):
            problems.append(f"privacy.sensitive_categories: 未声明的救助类别 {name!r} / undeclared category {name!r}")
    if campaign.start > campaign.end:
        problems.append("campaign.start 晚于 campaign.end / start is after end")
    if not isinstance(head.get("closed", False), bool):
        problems.append("campaign.closed: 应为 true 或 false / expected true or false")
    if not isinstance(head.get("sample_data", False), bool):
        problems.append("campaign.sample_data: 应为 true 或 false / expected true or false")
    known = set(campaign.names("categories"))
    for source in campaign.fund_sources:
        for cat in source.categories:
            if cat not in known:
                problems.append(
                    f"fund_sources {source.name!r}: 未声明的救助类别 {cat!r} / undeclared category {cat!r}"
                )
    english, english_problems = read_english(
        data,
        {
            kind: list(zip(campaign.names(kind) if kind != "rounds" else [r.label for r in campaign.rounds], _tables(data, kind, [])))
            for kind in ("destinations", "fund_sources", "categories", "recipient_groups", "rounds")
        },
        {key: getattr(campaign, key, "") for key in TEXT_KEYS}
        | {"licence_title": str(campaign.licence.get("title", "")), "contact_unit": str(campaign.contact.get("unit", ""))},
    )
    problems += english_problems
    campaign = replace(campaign, english=english)
    if not campaign.licence.get("id"):
        problems.append("[licence].id: 必填 / required (e.g. CC-BY-4.0)")
    problems += _url_problems(data)
    problems += _formula_problems(campaign)
    if problems:
        raise ConfigError(
            f"活动配置文件有误 / campaign file has problems: {path}\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return campaign
