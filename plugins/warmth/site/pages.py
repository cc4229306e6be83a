"""Pages: the view model of every data page, as plain dicts for the templates.

Pure functions of the dataset (figures/dataset.py). The Pelican glue in
``generator.py`` turns each `Page` into an HTML file through the theme.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from warmth.core import money
from warmth.core.campaign import Campaign
from warmth.figures.aggregate import Aggregates, breakdown, flows, latest_round, matrix, report_status, select
from warmth.figures.dataset import Dataset
from warmth.figures.findings import RULES, for_district, for_source, summary
from warmth.ledger.chain import is_redaction, manifest_hash, without_path


@dataclass
class Chart:
    """One chart: where its SVG goes, what it says in words, how to draw it."""

    name: str  # file name under charts/, without .svg
    title: str
    alt: str
    kind: str  # "bar" or "flow"
    payload: dict


@dataclass
class Page:
    save_as: str  # e.g. "districts/shizhong/index.html"
    template: str
    title: str
    data: dict = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)


def never_reported(status: list[dict]) -> set[str]:
    """Destinations with no records in any round: "not reported", never ¥0.00."""
    return {row["name"] for row in status if not any(row["cells"])}


def _bar(name: str, title: str, rows: list[dict]) -> Chart:
    """A bar chart of a breakdown; destinations that have not reported get no bar."""
    silent = [r["label"] for r in rows if not r["reported"]]
    rows = [r for r in rows if r["reported"]]
    shown = [r for r in rows if r["fen"] > 0]
    if shown:
        top = max(shown, key=lambda r: r["fen"])
        low = min(shown, key=lambda r: r["fen"])
        alt = (
            f"条形图：{title}。共 {len(shown)} 项，最多的是{top['label']}（{money.yuan(top['fen'])}），"
            f"最少的是{low['label']}（{money.yuan(low['fen'])}）。各项数字见图下的表格。"
        )
    else:
        alt = f"条形图：{title}。暂无数据。"
    if silent:
        alt += f"尚未报送、图中未画出：{'、'.join(silent)}。"
    return Chart(name, title, alt, "bar", {"rows": [[r["label"], r["fen"]] for r in rows], "title": title})


def _totals(cube: pd.DataFrame) -> dict:
    return {"records": int(cube["records"].sum()), "fen": int(cube["fen"].sum())}


def _allocation_rows(alloc: pd.DataFrame, campaign: Campaign, silent: set[str], **where: str) -> list[dict]:
    """Allocated vs disbursed; ``disbursed`` is None where the destination has not reported."""
    table = alloc
    for column, value in where.items():
        table = table[table[column] == value]
    rows = []
    for src, dest, allocated, disbursed, balance in table[
        ["fund_source", "district", "allocated", "disbursed", "balance"]
    ].itertuples(index=False):
        if allocated == 0 and disbursed == 0:
            continue
        rows.append(
            {
                "fund_source": src,
                "fund_source_slug": campaign.slug_of("fund_sources", src),
                "district": dest,
                "district_slug": campaign.slug_of("destinations", dest),
                "allocated": int(allocated),
                "disbursed": None if dest in silent else int(disbursed),
                "balance": None if dest in silent else int(balance),
            }
        )
    return rows


def _sum_rows(rows: list[dict]) -> dict:
    """Column totals; a destination that has not reported adds nothing to disbursed or balance."""
    totals = {}
    for key in ("allocated", "disbursed", "balance"):
        known = [r[key] for r in rows if r[key] is not None]
        totals[key] = sum(known) if known or not rows else None
    return totals


def home_page(agg: Aggregates, campaign: Campaign, status: list, silent: set[str]) -> Page:
    cube = agg.cube
    by_district = breakdown(cube, "district", campaign, unreported=silent)
    latest = latest_round(cube, campaign)
    latest_info = None
    if latest is not None:
        latest_info = {"round": latest, **_totals(select(cube, round=latest.id))}
    sc = flows(cube, "fund_source", "category")
    cd = flows(cube, "category", "district")
    flow_alt = (
        f"资金流向图：左列为{len(set(s for s, _, _ in sc))}个资金来源，中列为救助类别，右列为区县，"
        f"色带宽度与金额成正比，合计 {money.yuan(agg.total_fen)}。同样的数字见图下“资金流向明细”表。"
    )
    allocations = _allocation_rows(agg.allocations, campaign, silent)
    return Page(
        "index.html",
        "warmth_home",
        campaign.title,
        {
            "totals": {
                "fen": agg.total_fen,
                "records": agg.records,
                "recipients": agg.recipients_total,
                "records_without_ref": agg.records_without_ref,
            },
            "by_fund_source": breakdown(cube, "fund_source", campaign),
            "by_category": breakdown(cube, "category", campaign),
            "by_district": by_district,
            "by_aid_type": breakdown(cube, "aid_type", campaign),
            "by_recipient_group": breakdown(cube, "recipient_group", campaign),
            "flows_source_category": sc,
            "flows_category_district": cd,
            "status": status,
            "latest": latest_info,
            "allocation_totals": _sum_rows(allocations),
        },
        [
            Chart(
                "flow",
                "资金流向：来源 → 类别 → 区县",
                flow_alt,
                "flow",
                {
                    "source_category": [list(t) for t in sc],
                    "category_destination": [list(t) for t in cd],
                    "sources": campaign.names("fund_sources"),
                    "categories": campaign.published_names("categories"),
                    "destinations": campaign.names("destinations"),
                    "title": "资金流向：来源 → 类别 → 区县",
                },
            ),
            _bar("by-district", "各区县发放金额", by_district),
        ],
    )


def destination_page(agg: Aggregates, campaign: Campaign, dest, status: list) -> Page:
    cube = select(agg.cube, district=dest.name)
    goods = agg.goods[agg.goods["district"] == dest.name]
    by_category = breakdown(cube, "category", campaign)
    status = next(row for row in status if row["name"] == dest.name)
    reported = any(status["cells"])
    allocations = _allocation_rows(agg.allocations, campaign, set() if reported else {dest.name}, district=dest.name)
    return Page(
        f"districts/{dest.slug}/index.html",
        "warmth_district",
        dest.name,
        {
            "destination": dest,
            "reported": reported,
            "totals": {**_totals(cube), "recipients": agg.recipients["district"][dest.name]},
            "by_fund_source": breakdown(cube, "fund_source", campaign),
            "by_category": by_category,
            "by_recipient_group": breakdown(cube, "recipient_group", campaign),
            "by_aid_type": breakdown(cube, "aid_type", campaign),
            "goods": [
                {"item": i, "unit": u, "records": int(r), "quantity": int(q), "fen": int(f)}
                for i, u, r, q, f in goods[["item", "unit", "records", "quantity", "fen"]].itertuples(index=False)
            ],
            "allocations": allocations,
            "allocation_totals": _sum_rows(allocations),
            "status": status,
            "records_path": f"districts/{dest.slug}/disbursements.csv",
        },
        [_bar(f"district-{dest.slug}", f"{dest.name}：各救助类别发放金额", by_category)] if reported else [],
    )


def source_page(agg: Aggregates, campaign: Campaign, source, silent: set[str]) -> Page:
    cube = select(agg.cube, fund_source=source.name)
    by_district = breakdown(cube, "district", campaign, unreported=silent)
    allocations = _allocation_rows(agg.allocations, campaign, silent, fund_source=source.name)
    return Page(
        f"sources/{source.slug}/index.html",
        "warmth_source",
        source.name,
        {
            "source": source,
            "totals": _totals(cube),
            "earmarked": list(source.categories),
            "matrix": matrix(cube, "district", "category", campaign),
            "by_district": by_district,
            "by_category": breakdown(cube, "category", campaign),
            "allocations": allocations,
            "allocation_totals": _sum_rows(allocations),
        },
        [_bar(f"source-{source.slug}", f"{source.name}：各区县发放金额", by_district)],
    )


def category_page(agg: Aggregates, campaign: Campaign, category, silent: set[str]) -> Page:
    cube = select(agg.cube, category=category.name)
    by_district = breakdown(cube, "district", campaign, unreported=silent)
    return Page(
        f"categories/{category.slug}/index.html",
        "warmth_category",
        category.name,
        {
            "category": category,
            "totals": _totals(cube),
            "by_district": by_district,
            "by_fund_source": breakdown(cube, "fund_source", campaign),
            "by_recipient_group": breakdown(cube, "recipient_group", campaign),
            "by_aid_type": breakdown(cube, "aid_type", campaign),
            "sources_allowed": [s for s in campaign.fund_sources if category.name in s.categories],
        },
        [_bar(f"category-{category.slug}", f"{category.name}：各区县发放金额", by_district)],
    )


def round_page(agg: Aggregates, campaign: Campaign, rnd, narrative: str, status: list) -> Page:
    cube = select(agg.cube, round=rnd.id)
    index = campaign.round_ids.index(rnd.id)
    missing = [row for row in status if row["cells"][index] is None]
    return Page(
        f"rounds/{rnd.id}/index.html",
        "warmth_round",
        rnd.label,
        {
            "round": rnd,
            "totals": {**_totals(cube), "recipients": agg.recipients["round"][rnd.id]},
            "by_district": breakdown(cube, "district", campaign, unreported={row["name"] for row in missing}),
            "by_fund_source": breakdown(cube, "fund_source", campaign),
            "by_category": breakdown(cube, "category", campaign),
            "missing": missing,
            "narrative": narrative,
            "records_path": f"rounds/{rnd.id}/disbursements.csv",
        },
    )


def downloads_page(campaign: Campaign) -> Page:
    """The list itself comes from the publish step, at render time."""
    return Page("downloads/index.html", "warmth_downloads", "数据下载与校验")


def ledger_page(ledger: list[dict]) -> Page:
    """The sealed rounds, the redactions recorded since, and their hash chain (data/ledger.jsonl).

    An input whose name was taken down shows only the SHA-256 of the name (``path_sha256``).
    """
    rows = [
        {
            "round": m["round"], "sealed_on": m.get("sealed_on") or m.get("redacted_on"), "redacted": is_redaction(m),
            "previous": m["previous"], "hash": manifest_hash(m), "campaign": m["campaign"], "line": i,
            "inputs": [{**e, "path_sha256": without_path(e)["path_sha256"]} if "path" not in e else e for e in m["inputs"]],
            "published": m["published"], "redactions": m.get("redactions", []),
        }
        for i, m in enumerate(ledger, start=1)
    ]
    return Page("ledger/index.html", "warmth_ledger", "封存账本", {"manifests": rows})


def corrections_page(corrections: list[dict]) -> Page:
    """Every correction in order, and each corrected record's history."""
    by_record: dict[str, list[dict]] = {}
    for change in corrections:
        by_record.setdefault(change["record_id"], []).append(change)
    return Page("corrections/index.html", "warmth_corrections", "更正记录", {"corrections": corrections, "by_record": by_record})


PAGE_FINDINGS = 200  # per rule on the findings page; findings.csv has them all
PAGE_SLICE = 50  # on destination and fund-source pages


def finding_rows(findings: pd.DataFrame) -> list[dict]:
    rows = findings.to_dict("records")
    for row in rows:
        ids = row["record_ids"].split()
        row["record_ids_short"] = " ".join(ids[:8]) + (f" …等 {len(ids)} 条" if len(ids) > 8 else "")
    return rows


def findings_page(findings: pd.DataFrame) -> Page:
    by_rule = {rule.code: finding_rows(findings[findings["rule"] == rule.code].head(PAGE_FINDINGS)) for rule in RULES}
    rows = summary(findings)
    explanations = {rule.code: rule.explanation_zh for rule in RULES}
    for row in rows:
        row["explanation_zh"] = explanations[row["code"]]
        row["shown"] = len(by_rule[row["code"]])
    return Page("findings/index.html", "warmth_findings", "核查结果", {"findings_summary": rows, "findings_by_rule": by_rule})


def mark_received(status: list[dict], campaign: Campaign, submissions: pd.DataFrame | None) -> None:
    """Add when each report arrived, and whether it was late, to the status cells."""
    received = {}
    if submissions is not None:
        received = {(r.district, r.round): r.received_on for r in submissions.itertuples(index=False)}
    for row in status:
        for rnd in campaign.rounds:
            on = received.get((row["name"], rnd.id))
            row.setdefault("received", []).append({"on": on, "late": bool(on and on > rnd.deadline.isoformat())})


def all_pages(ds: Dataset, narratives: dict[str, str]) -> list[Page]:
    """Every data page of the site, from the dataset and the staff's round narratives."""
    agg, campaign, findings = ds.agg, ds.campaign, ds.findings
    status = report_status(agg.cube, campaign)
    mark_received(status, campaign, ds.submissions)
    silent = never_reported(status)
    pages = [home_page(agg, campaign, status, silent)]
    pages += [destination_page(agg, campaign, d, status) for d in campaign.destinations]
    pages += [source_page(agg, campaign, s, silent) for s in campaign.fund_sources]
    pages += [category_page(agg, campaign, c, silent) for c in campaign.categories]
    pages += [round_page(agg, campaign, r, narratives.get(r.id, ""), status) for r in campaign.rounds]
    pages.append(downloads_page(campaign))
    pages.append(ledger_page(list(ds.ledger)))
    pages.append(corrections_page(ds.published_corrections))
    pages.append(Page("table/index.html", "warmth_table", "送温暖工程统计表", {"table": ds.campaign_table}))
    pages.append(findings_page(findings))
    pages[0].data["findings_summary"] = summary(findings)
    for page in pages:
        if "destination" in page.data:
            mine = for_district(findings, page.data["destination"].name)
        elif "source" in page.data:
            mine = for_source(findings, page.data["source"].name)
        else:
            continue
        page.data["findings"] = finding_rows(mine.head(PAGE_SLICE))
        page.data["findings_more"] = max(len(mine) - PAGE_SLICE, 0)
    return pages
