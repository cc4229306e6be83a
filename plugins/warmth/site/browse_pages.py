"""Browse pages: by disbursing unit, by week, the search page, and the findings page's filters.

Page models as plain dicts, like site/pages.py, from the published records only
(figures/browse.py: every figure is a sum of quasi-identifier groups, so every
cell holds 0 or at least k records).
"""

from __future__ import annotations

import pandas as pd

from warmth.core.campaign import Campaign
from warmth.figures.aggregate import breakdown
from warmth.figures.browse import of_unit, of_week, qi_cube, unit_rows, units, week_rows, weeks
from warmth.figures.dataset import Dataset
from warmth.figures.findings import RULES
from warmth.figures.findings.rules import DISTRICT_SEPARATOR
from warmth.site.i18n import N_
from warmth.site.pages import Page

SEVERITIES = (("high", N_("高")), ("medium", N_("中")), ("low", N_("低")))
SEVERITY_ZH = dict(SEVERITIES)
SEVERITY_ORDER = {code: i for i, (code, _) in enumerate(SEVERITIES)}


def _nonzero(rows: list[dict]) -> list[dict]:
    """A breakdown without the rows that hold nothing (a unit pays in one or two destinations)."""
    return [r for r in rows if r["records"]]


def _totals(cube: pd.DataFrame) -> dict:
    return {"records": int(cube["records"].sum()), "fen": int(cube["fen"].sum())}


def _dimensions(cube: pd.DataFrame, campaign: Campaign) -> dict:
    return {
        "by_district": _nonzero(breakdown(cube, "district", campaign)),
        "by_round": _nonzero(breakdown(cube, "round", campaign)),
        "by_category": _nonzero(breakdown(cube, "category", campaign)),
        "by_recipient_group": _nonzero(breakdown(cube, "recipient_group", campaign)),
        "by_aid_type": _nonzero(breakdown(cube, "aid_type", campaign)),
    }


def unit_pages(cube: pd.DataFrame, campaign: Campaign) -> list[Page]:
    pages = [Page("units/index.html", "warmth_units", N_("发放单位"), {"units": unit_rows(cube, campaign), "totals": _totals(cube)})]
    for unit in units(cube, campaign):
        mine = of_unit(cube, unit.label)
        data = {"unit": unit, "totals": _totals(mine), "by_week": week_rows(mine, campaign), **_dimensions(mine, campaign)}
        data["merged"] = unit.label == campaign.other_unit_label
        pages.append(Page(f"units/{unit.key}/index.html", "warmth_unit", unit.label, data))
    return pages


def week_pages(cube: pd.DataFrame, campaign: Campaign) -> list[Page]:
    pages = [Page("weeks/index.html", "warmth_weeks", N_("按周浏览"), {"weeks": week_rows(cube, campaign), "totals": _totals(cube)})]
    for week in weeks(cube, campaign):
        mine = of_week(cube, week.key)
        data = {"week": week, "totals": _totals(mine), "by_unit": unit_rows(mine, campaign), **_dimensions(mine, campaign)}
        pages.append(Page(f"weeks/{week.key}/index.html", "warmth_week", week.label, data))
    return pages


def search_page(cube: pd.DataFrame, campaign: Campaign) -> Page:
    """The search and receipt-lookup page; without JavaScript it lists where to look instead."""
    labels = {
        "rounds": {r.id: r.label for r in campaign.rounds},
        "destinations": {d.name: d.slug for d in campaign.destinations},
    }
    return Page(
        "search/index.html", "warmth_search", N_("搜索与查询"),
        {"units": unit_rows(cube, campaign), "weeks": week_rows(cube, campaign), "labels": labels},
    )


def browse_pages(ds: Dataset, pages: list[Page]) -> list[Page]:
    """Every unit and week page, their indexes and the search page; the findings page made filterable,
    and each destination page given the records its filter loads (downloads/browse.py)."""
    for page in pages:
        if page.template == "warmth_findings":
            filterable_findings(page, ds.campaign)
        elif "destination" in page.data:
            page.data["browse_path"] = f"browse/districts/{page.data['destination'].slug}.json"
    cube = qi_cube(ds.records)
    return [*unit_pages(cube, ds.campaign), *week_pages(cube, ds.campaign), search_page(cube, ds.campaign)]


def filterable_findings(page: Page, campaign: Campaign) -> None:
    """The findings page: rules grouped by severity (high first) with counts, rows tagged for the filter."""
    explained = {rule.code: rule for rule in RULES}
    rows = sorted(page.data["findings_summary"], key=lambda r: SEVERITY_ORDER[r["severity"]])
    for row in rows:
        row["severity_zh"] = SEVERITY_ZH[row["severity"]]
    page.data["findings_summary"] = rows
    for code, findings in page.data["findings_by_rule"].items():
        for finding in findings:
            finding["severity_zh"] = SEVERITY_ZH[explained[code].severity]
            finding["districts"] = [d for d in (finding["district"] or "").split(DISTRICT_SEPARATOR) if d]
    page.data["severities"] = [
        {
            "code": code,
            "zh": zh,
            "rules": sum(1 for r in rows if r["severity"] == code and r["count"]),
            "count": sum(r["count"] for r in rows if r["severity"] == code),
        }
        for code, zh in SEVERITIES
    ]
    present = {d for findings in page.data["findings_by_rule"].values() for f in findings for d in f["districts"]}
    page.data["finding_districts"] = [d for d in campaign.destinations if d.name in present]
