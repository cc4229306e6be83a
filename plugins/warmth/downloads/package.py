"""The data package: datapackage.json (Frictionless), campaign.json and SHA256SUMS, with each file's title.

Every schema comes from the column declarations in core/schema.py, the same
ones the writers use. campaign.json is what the campaign declares, for the
auditor's re-computation of the findings.
"""

from __future__ import annotations

import json
import re

from warmth.core.campaign import Campaign
from warmth.core.schema import (
    ALLOCATED_VS_DISBURSED_COLUMNS,
    ALLOCATION_COLUMNS,
    CORRECTION_COLUMNS,
    FINDINGS_COLUMNS,
    NOTE_MAX,
    RECIPIENT_REF_PATTERN,
    RECORD_COLUMNS,
    RECORD_ID_PATTERN,
    SUMMARY_COLUMNS,
    Column,
)
from warmth.downloads.download import Download
from warmth.figures.findings.rules import HARDSHIP_GROUP

# How published records differ from what districts send (README "Privacy").
WITHHELD = "Withheld for privacy: always empty (it would link records of one person)."
PUBLISHED_AS = {
    "date": "Monday of the week of the disbursement (ISO date); empty where even the week would single out a recipient.",
    "disbursing_unit": "Unit that paid or handed over the aid; small units are published as 其他单位.",
    "category": "Declared aid category; small groups are published as 其他.",
    "recipient_group": "Declared recipient group; small groups are published as 其他.",
    "item": "Goods item; rare items are published as 其他物资.",
}
GENERALISED = ("date",)  # may be published empty


def _record_schema(campaign: Campaign) -> dict:
    enums = {
        "round": campaign.round_ids,
        "district": campaign.names("destinations"),
        "fund_source": campaign.names("fund_sources"),
        "category": campaign.published_names("categories"),
        "recipient_group": campaign.published_names("recipient_groups"),
        "aid_type": ["cash", "goods", "service"],
    }
    fields = []
    for col in RECORD_COLUMNS:
        field = {"name": col.name, "title": col.zh, "type": col.type, "description": PUBLISHED_AS.get(col.name, col.description)}
        if col.name in campaign.withheld:
            field["description"] = WITHHELD
        constraints: dict = {}
        if col.required == "yes" and col.name not in GENERALISED:
            constraints["required"] = True
        if col.name in enums:
            constraints["enum"] = enums[col.name]
        if col.name == "record_id":
            constraints.update({"unique": True, "pattern": RECORD_ID_PATTERN})
        if col.name == "recipient_ref":
            constraints["pattern"] = RECIPIENT_REF_PATTERN
        if col.name in ("amount_yuan", "quantity"):
            constraints["minimum"] = 0
        if col.name == "note":
            constraints["maxLength"] = NOTE_MAX
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": ["record_id"], "missingValues": [""]}


def _schema(columns: tuple[Column, ...] | list[Column]) -> dict:
    return {
        "fields": [
            {"name": c.name, "type": c.type, "title": c.zh, **({"description": c.description} if c.description else {})} for c in columns
        ],
        "missingValues": [""],
    }


def campaign_table_columns(table: dict) -> list[Column]:
    """The campaign table's columns (they depend on the campaign's groups and sources)."""
    return [
        Column(key, title, "no", "string" if key == "district" else "integer" if key.startswith("reached_") else "number", "")
        for key, title in table["columns"]
    ]


def _resource_name(path: str) -> str:
    """Frictionless names are lowercase [a-z0-9._-]; slugs and round ids already are."""
    return path.removesuffix(".csv").replace("/", "-")


def datapackage(campaign: Campaign, downloads: list[Download], table: dict | None = None) -> bytes:
    """datapackage.json describing every CSV under /data/ (deterministic bytes)."""
    record_schema = _record_schema(campaign)
    schemas = {
        "allocations.csv": _schema(ALLOCATION_COLUMNS),
        "summary/allocated-vs-disbursed.csv": _schema(ALLOCATED_VS_DISBURSED_COLUMNS),
        "corrections.csv": _schema(CORRECTION_COLUMNS),
        "findings.csv": _schema(FINDINGS_COLUMNS),
        "summary/campaign-table.csv": _schema(campaign_table_columns(table) if table else []),
    }
    resources = []
    for item in sorted(downloads, key=lambda d: d.path):
        if not item.path.endswith(".csv"):
            continue
        if item.path.endswith("disbursements.csv"):
            schema = record_schema
        else:
            schema = schemas.get(item.path) or _schema(SUMMARY_COLUMNS)
        resources.append(
            {
                "name": _resource_name(item.path),
                "path": item.path,
                "title": item.title or item.path,
                "description": english_title(item.title) or item.path,  # the English pages' title of the file
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "bytes": item.bytes,
                "hash": f"sha256:{item.sha256}",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                "schema": schema,
            }
        )
    package = {
        "profile": "tabular-data-package",
        "name": "warmth-campaign-disbursements",
        "title": campaign.title,
        "description": f"{campaign.organization}送温暖活动救助款物的来源、数量、种类和走向。"
        + ("示例数据，非真实数据。" if campaign.sample_data else ""),
        "licenses": [
            {k: v for k, v in (("name", campaign.licence.get("id")), ("path", campaign.licence.get("url")), ("title", campaign.licence.get("title"))) if v}
        ],
        "sources": [{"title": f"{campaign.organization} {campaign.notice_number}"}],
        "resources": resources,
        # English forms (campaign.toml [english]; the Chinese where none is declared), beside the Chinese keys above
        "title_en": campaign.english.text("title", campaign.title),
        "description_en": f"Where the relief money and goods of {campaign.english.text('organization', campaign.organization)}'s "
        "Warmth campaign came from, how much, of what kind and where they went."
        + (" Sample data, not real." if campaign.sample_data else ""),
    }
    return (json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


CAMPAIGN_FORMAT = 1


def campaign_json(campaign: Campaign, report_dates_recorded: bool) -> bytes:
    """/data/campaign.json: the declared names, earmarks, rounds and deadlines, k, closed or not (deterministic bytes).

    ``report_dates_recorded``: staff keep data/submissions.csv (when each report
    arrived); the dates are not published, only that they exist, since the
    missing-report rule depends on them.
    """
    def named(item) -> dict:
        return {"name": item.name, "slug": item.slug}

    declared = {
        "format": CAMPAIGN_FORMAT,
        "title": campaign.title,
        "organization": campaign.organization,
        "notice_number": campaign.notice_number,
        "sample_data": campaign.sample_data,
        "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(),
        "closed": campaign.closed,
        "report_dates_recorded": report_dates_recorded,
        "rounds": [{"id": r.id, "label": r.label, "deadline": r.deadline.isoformat()} for r in campaign.rounds],
        "destinations": [named(d) for d in campaign.destinations],
        "fund_sources": [{**named(s), "categories": list(s.categories)} for s in campaign.fund_sources],
        "categories": [named(c) for c in campaign.categories],
        "recipient_groups": [named(g) for g in campaign.recipient_groups],
        "hardship_group": HARDSHIP_GROUP,
        "privacy": {
            "min_group_size": campaign.min_group_size,
            "other_label": campaign.other_label,
            "other_unit_label": campaign.other_unit_label,
            "other_item_label": campaign.other_item_label,
            "sensitive_categories": list(campaign.sensitive_categories),
            "withheld": list(campaign.withheld),
        },
    }
    return (json.dumps(declared, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def sha256sums(downloads: list[Download]) -> bytes:
    """``sha256sum -c`` format, one line per file under /data/, sorted by path."""
    lines = [f"{d.sha256}  {d.path}\n" for d in sorted(downloads, key=lambda d: d.path)]
    return "".join(lines).encode("utf-8")


TITLES = {
    "disbursements.csv": "全部发放记录 / all disbursement records",
    "allocations.csv": "资金拨付表 / allocations",
    "datapackage.json": "数据包说明（Frictionless Data Package）/ the data package's description",
    "summary/by-district.csv": "按区县汇总 / by destination",
    "summary/by-fund-source.csv": "按资金来源汇总 / by fund source",
    "summary/by-category.csv": "按救助类别汇总 / by category",
    "summary/by-recipient-group.csv": "按受助群体汇总 / by recipient group",
    "summary/by-aid-type.csv": "按救助形式汇总 / by aid type",
    "summary/by-round.csv": "按批次汇总 / by round",
    "summary/allocated-vs-disbursed.csv": "拨付与发放对照 / allocated vs disbursed",
    "ledger.jsonl": "封存账本（哈希链）/ ledger of sealed rounds",
    "ledger-heads.txt": "账本各行之后的最新哈希（供自行留存）/ the ledger's head hash after each line",
    "ledger-public-key.pem": "账本签名公钥（Ed25519）/ the union's public key for the ledger's signatures",
    "findings.csv": "核查结果 / findings",
    "corrections.csv": "更正记录 / corrections",
    "summary/campaign-table.csv": "送温暖工程统计表 / campaign table by destination",
    "summary/campaign-table.xlsx": "送温暖工程统计表（Excel）/ campaign table (Excel)",
    "campaign.json": "活动声明：批次与截止日期、区县、专款用途等 / the declared campaign: rounds, destinations, earmarks",
    "verify.py": "审计核对程序（Python 3.9 及以上，无需安装）/ the auditor's check (Python 3.9+, nothing to install)",
    "all.zip": "全部下载文件，一个压缩包 / every file above in one zip",
    "all.zip.sha256": "all.zip 的校验和 / SHA-256 of all.zip",
}


def title_for(path: str, campaign: Campaign) -> str:
    if path in TITLES:
        return TITLES[path]
    parts = path.split("/")
    if parts[0] == "rounds":
        return f"{parts[1]} 批次发放记录 / records of round {parts[1]}"
    if parts[0] == "districts":
        for dest in campaign.destinations:
            if dest.slug == parts[1]:
                return f"{dest.name}发放记录 / records of {campaign.english.of(dest.name)}"
    return path


def english_title(title: str) -> str:
    """The English half of a file's title ("中文 / English"), or ""."""
    parts = re.split(r"\s?/ ", title, maxsplit=1)
    return parts[1] if len(parts) == 2 else ""
