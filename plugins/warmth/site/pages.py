"""Pages: the view model of every data page, as plain dicts for the templates.

Pure functions of the dataset (figures/dataset.py). The Pelican glue in
``generator.py`` turns each `Page` into an HTML file through the theme.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from warmth.core import money
from warmth.core.campaign import Campaign
from warmth.figures.aggregate import (
    Aggregates,
    breakdown,
    flows,
    latest_round,
    matrix,
    missing_reports,
    report_status,
    select,
)
from warmth.figures.dataset import Dataset
from warmth.figures.findings import RULES, for_district, for_source, summary
from warmth.ledger.chain import SIGNATURE, is_redaction, manifest_hash, without_path
from warmth.ledger.heads import heads
from warmth.ledger.signing import fingerprint, short_fingerprint
from warmth.site.i18n import N_


@dataclass
class Chart:
    """One chart: where its SVG goes, what it says in words, how to draw it."""

    name: str  # file name under charts/, without .svg
    title: str
    alt: str
    kind: str  # "bar" or "flow"
    payload: dict
    title_en: str = ""  # the English pages' title and text alternative (the picture itself stays Chinese)
    alt_en: str = ""
    width: int | None = None  # CSS px, once drawn (the <img>'s size, so the page does not jump)
    height: int | None = None


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


@dataclass(frozen=True)
class Reporting:
    """Who has reported what: every page that shows a destination's money needs it."""

    status: list[dict]  # figures.aggregate.report_status, with when each report arrived
    silent: set[str]  # destinations with no records at all
    missing: dict[str, list[str]]  # destination → ids of the rounds whose report is missing


def mark_missing(rows: list[dict], rep: Reporting, campaign: Campaign) -> list[dict]:
    """A destination breakdown's rows, each with ``missing``: the labels of the rounds it has not reported
    (empty for a destination that sent nothing at all: that row says 未报送 instead of a figure)."""
    labels = {r.id: r.label for r in campaign.rounds}
    for row in rows:
        row["missing"] = [labels[i] for i in rep.missing.get(row["name"], [])] if row["reported"] else []
    return rows


def bars(title: str, rows: list[dict], subject: str = "") -> dict:
    """An HTML bar chart of a breakdown (theme's ``m.bars``): each row's bar as a share of the largest.

    Text in the page rather than a picture, so it stays readable at any width and font size; the
    template words its text alternative from ``top``, ``low`` and the rows not drawn.
    ``title`` is a catalog msgid (N_), shown after ``subject`` (a campaign name) and "："."""
    drawn = [r for r in rows if r["reported"]]
    most = max((r["fen"] for r in drawn), default=0)
    shown = [r for r in drawn if r["fen"] > 0]
    return {
        "title": title,
        "subject": subject,
        "rows": [{**r, "width": round(r["fen"] * 1000 / most) / 10 if most else 0.0} for r in rows],
        "count": len(shown),
        "top": max(shown, key=lambda r: r["fen"]) if shown else None,
        "low": min(shown, key=lambda r: r["fen"]) if shown else None,
        "silent": [r["label"] for r in rows if not r["reported"]],
        "incomplete": [r for r in drawn if r.get("missing")],
    }


def _totals(cube: pd.DataFrame) -> dict:
    return {"records": int(cube["records"].sum()), "fen": int(cube["fen"].sum())}


def _allocation_rows(alloc: pd.DataFrame, campaign: Campaign, silent: set[str], incomplete: dict, **where: str) -> list[dict]:
    """Allocated vs disbursed; ``disbursed`` is None where the destination has not reported at all,
    ``balance`` None also where one of its reports is missing (``incomplete``: `missing_reports`)."""
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
                "balance": None if dest in silent or dest in incomplete else int(balance),
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


def home_page(agg: Aggregates, campaign: Campaign, rep: Reporting) -> Page:
    cube = agg.cube
    by_district = mark_missing(breakdown(cube, "district", campaign, unreported=rep.silent), rep, campaign)
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
    flow_alt_en = (
        f"Flow of money: {len(set(s for s, _, _ in sc))} fund sources on the left, aid categories in the middle, "
        f"districts and counties on the right; band widths are proportional to the amounts, {money.yuan(agg.total_fen)} in all. "
        "The same figures are in the table below the chart."
    )
    allocations = _allocation_rows(agg.allocations, campaign, rep.silent, rep.missing)
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
            "status": rep.status,
            "latest": latest_info,
            "incomplete": rep.missing,
            "bars": bars(N_("各区县发放金额"), by_district),
            "allocation_totals": _sum_rows(allocations),
        },
        [
            _flow_chart("flow", "资金流向：来源 → 类别 → 区县", sc, cd, campaign, flow_alt, flow_alt_en),
            # the same chart with the campaign's English names, for the English home page
            _flow_chart("flow-en", FLOW_TITLE_EN, sc, cd, campaign, flow_alt, flow_alt_en, english=campaign.english.of),
        ],
    )


FLOW_TITLE_EN = "Flow of money: source → category → district"
DOWNLOADS_TEMPLATE = "warmth_downloads"  # the one page that shows all.zip's size and SHA-256


def _flow_chart(name: str, title: str, sc, cd, campaign: Campaign, alt: str, alt_en: str, english=None) -> Chart:
    """The flow chart from the flows; ``english`` (Chinese name → English form) draws it with English names."""
    en = english or (lambda name: name)
    payload = {
        "source_category": [[en(s), en(c), fen] for s, c, fen in sc],
        "category_destination": [[en(c), en(d), fen] for c, d, fen in cd],
        "sources": [en(n) for n in campaign.names("fund_sources")],
        "categories": [en(n) for n in campaign.published_names("categories")],
        "destinations": [en(n) for n in campaign.names("destinations")],
        "title": title,
    }
    if english is not None:
        payload["lang"] = "en"
    return Chart(name, title, alt, "flow", payload, title_en=FLOW_TITLE_EN, alt_en=alt_en)


def destination_page(agg: Aggregates, campaign: Campaign, dest, rep: Reporting) -> Page:
    cube = select(agg.cube, district=dest.name)
    goods = agg.goods[agg.goods["district"] == dest.name]
    by_category = breakdown(cube, "category", campaign)
    status = next(row for row in rep.status if row["name"] == dest.name)
    reported = any(status["cells"])
    allocations = _allocation_rows(agg.allocations, campaign, rep.silent, rep.missing, district=dest.name)
    labels = {r.id: r.label for r in campaign.rounds}
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
            "missing": [labels[i] for i in rep.missing.get(dest.name, [])],
            "records_path": f"districts/{dest.slug}/disbursements.csv",
            "bars": bars(N_("各救助类别发放金额"), by_category, dest.name),
        },
    )


def source_page(agg: Aggregates, campaign: Campaign, source, rep: Reporting) -> Page:
    cube = select(agg.cube, fund_source=source.name)
    by_district = mark_missing(breakdown(cube, "district", campaign, unreported=rep.silent), rep, campaign)
    allocations = _allocation_rows(agg.allocations, campaign, rep.silent, rep.missing, fund_source=source.name)
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
            "incomplete": rep.missing,
            "bars": bars(N_("各区县发放金额"), by_district, source.name),
        },
    )


def category_page(agg: Aggregates, campaign: Campaign, category, rep: Reporting) -> Page:
    cube = select(agg.cube, category=category.name)
    by_district = mark_missing(breakdown(cube, "district", campaign, unreported=rep.silent), rep, campaign)
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
            "bars": bars(N_("各区县发放金额"), by_district, category.name),
        },
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
    return Page("downloads/index.html", DOWNLOADS_TEMPLATE, N_("数据下载与校验"))


def ledger_page(ledger: list[dict], public_key: bytes | None = None) -> Page:
    """The sealed rounds, the redactions recorded since, and their hash chain (data/ledger.jsonl);
    every head hash with its date, round and kind; the union's public key and its fingerprint.

    An input whose name was taken down shows only the SHA-256 of the name (``path_sha256``).
    """
    rows = [
        {
            "round": m["round"], "sealed_on": m.get("sealed_on") or m.get("redacted_on"), "redacted": is_redaction(m),
            "previous": m["previous"], "hash": manifest_hash(m), "campaign": m["campaign"], "line": i,
            "inputs": [{**e, "path_sha256": without_path(e)["path_sha256"]} if "path" not in e else e for e in m["inputs"]],
            "published": m["published"], "redactions": m.get("redactions", []), "signature": m.get(SIGNATURE),
        }
        for i, m in enumerate(ledger, start=1)
    ]
    key = None
    if public_key is not None:
        full = fingerprint(public_key)
        key = {"pem": public_key.decode("ascii"), "fingerprint": full, "short": short_fingerprint(full)}
    return Page("ledger/index.html", "warmth_ledger", N_("封存账本"), {"manifests": rows, "heads": heads(ledger), "public_key": key})


def corrections_page(corrections: list[dict]) -> Page:
    """Every correction in order, and each corrected record's history."""
    by_record: dict[str, list[dict]] = {}
    for change in corrections:
        by_record.setdefault(change["record_id"], []).append(change)
    return Page("corrections/index.html", "warmth_corrections", N_("更正记录"), {"corrections": corrections, "by_record": by_record})


PAGE_FINDINGS = 200  # per rule on the findings page; findings.csv has them all
PAGE_SLICE = 50  # on destination and fund-source pages


def finding_rows(findings: pd.DataFrame) -> list[dict]:
    rows = findings.to_dict("records")
    for row in rows:
        ids = row["record_ids"].split()
        row["record_ids_short"] = " ".join(ids[:8]) + (f" …等 {len(ids)} 条" if len(ids) > 8 else "")
        row["record_ids_head"], row["record_ids_count"] = " ".join(ids[:8]), len(ids)  # the theme words "…等 n 条"
    return rows


def findings_page(findings: pd.DataFrame) -> Page:
    by_rule = {rule.code: finding_rows(findings[findings["rule"] == rule.code].head(PAGE_FINDINGS)) for rule in RULES}
    rows = summary(findings)
    explanations = {rule.code: rule for rule in RULES}
    for row in rows:
        row["explanation_zh"] = explanations[row["code"]].explanation_zh
        row["explanation_en"] = explanations[row["code"]].explanation_en
        row["shown"] = len(by_rule[row["code"]])
    return Page("findings/index.html", "warmth_findings", N_("核查结果"), {"findings_summary": rows, "findings_by_rule": by_rule})


def mark_received(status: list[dict], campaign: Campaign, submissions: pd.DataFrame | None) -> None:
    """Add when each report arrived, and whether it was late, to the status cells."""
    received = {}
    if submissions is not None:
        received = {(r.district, r.round): r.received_on for r in submissions.itertuples(index=False)}
    for row in status:
        for rnd in campaign.rounds:
            on = received.get((row["name"], rnd.id))
            row.setdefault("received", []).append({"on": on, "late": bool(on and on > rnd.deadline.isoformat())})


def reporting(ds: Dataset) -> Reporting:
    """Who has reported what, with when each report arrived."""
    status = report_status(ds.agg.cube, ds.campaign)
    mark_received(status, ds.campaign, ds.submissions)
    return Reporting(status, never_reported(status), missing_reports(status, ds.campaign, ds.submissions))


def all_pages(ds: Dataset, narratives: dict[str, str], rep: Reporting | None = None) -> list[Page]:
    """Every data page of the site, from the dataset and the staff's round narratives."""
    agg, campaign, findings = ds.agg, ds.campaign, ds.findings
    rep = rep or reporting(ds)
    status = rep.status
    pages = [home_page(agg, campaign, rep)]
    pages += [destination_page(agg, campaign, d, rep) for d in campaign.destinations]
    pages += [source_page(agg, campaign, s, rep) for s in campaign.fund_sources]
    pages += [category_page(agg, campaign, c, rep) for c in campaign.categories]
    pages += [round_page(agg, campaign, r, narratives.get(r.id, ""), status) for r in campaign.rounds]
    pages.append(downloads_page(campaign))
    pages.append(ledger_page(list(ds.ledger), ds.public_key))
    pages.append(corrections_page(ds.published_corrections))
    pages.append(Page("table/index.html", "warmth_table", N_("送温暖工程统计表"), {"table": ds.campaign_table}))
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
