"""What every site needs besides its data pages: the date the data runs to, a page for every
folder a URL can be cut back to, the 404 page, and the entries of the Atom feed and the sitemap.

Pure functions of the dataset, like pages.py; the words are the theme's (templates
warmth_index.html, warmth_404.html, warmth_sitemap.xml, warmth_robots.txt; the feed's are site/feed.py's),
the Pelican glue (generator.py) renders them. No clock: every date comes from the data, so
two builds of the same data are byte-identical.
"""

from __future__ import annotations

from datetime import date, timedelta

from warmth.figures.aggregate import breakdown, select
from warmth.figures.dataset import Dataset
from warmth.site.i18n import N_
from warmth.site.pages import Page, Reporting, bars, mark_missing

WEEK_END = timedelta(days=6)  # published dates are the Monday of their week (README "Privacy")


def data_as_of(ds: Dataset) -> str:
    """The latest date the published data speaks of (ISO), or "" when it names none.

    The latest of: a report received (data/submissions.csv), a correction, and the end of the
    latest week a published record falls in (never past the campaign's end). Record dates are
    read as published, week by week, so the date tells nothing the downloads do not.
    """
    found: list[str] = []
    weeks = [d for d in ds.records["date"].astype(str).unique().tolist() if d]
    if weeks:
        end = min(date.fromisoformat(max(weeks)) + WEEK_END, ds.campaign.end)
        found.append(end.isoformat())
    if ds.submissions is not None and len(ds.submissions):
        found.append(str(ds.submissions["received_on"].max()))
    found += [str(c["date"]) for c in ds.corrections if c.get("date")]
    return max(found, default="")


def round_dates(ds: Dataset) -> dict[str, str]:
    """Round id → the latest date of what it published (as `data_as_of`, within the round); rounds without records left out."""
    dates: dict[str, str] = {}
    records = ds.records
    for rnd in ds.campaign.rounds:
        mine = records.loc[records["round"] == rnd.id, "date"].astype(str)
        if not len(mine):
            continue
        found = [d for d in mine.unique().tolist() if d]
        last = min(date.fromisoformat(max(found)) + WEEK_END, ds.campaign.end).isoformat() if found else ds.campaign.start.isoformat()
        if ds.submissions is not None and len(ds.submissions):
            received = ds.submissions.loc[ds.submissions["round"] == rnd.id, "received_on"]
            if len(received):
                last = max(last, str(received.max()))
        dates[rnd.id] = last
    return dates


def index_pages(ds: Dataset, rep: Reporting) -> list[Page]:
    """/districts/, /sources/, /categories/ and /rounds/: what a URL cut back to its folder shows.

    (/data/ stays a folder of downloads only: every file under it is in SHA256SUMS and the
    auditors' set; /downloads/ lists them.)
    """
    agg, campaign = ds.agg, ds.campaign
    cube = agg.cube
    by_district = mark_missing(breakdown(cube, "district", campaign, unreported=rep.silent), rep, campaign)
    rounds = []
    for i, rnd in enumerate(campaign.rounds):
        mine = select(cube, round=rnd.id)
        rounds.append({
            "round": rnd, "records": int(mine["records"].sum()), "fen": int(mine["fen"].sum()),
            "missing": [row for row in rep.status if row["cells"][i] is None],
        })
    return [
        Page("districts/index.html", "warmth_index", N_("区县"), {
            "kind": "districts", "rows": by_district, "bars": bars(N_("各区县发放金额"), by_district), "status": rep.status,
        }),
        Page("sources/index.html", "warmth_index", N_("资金来源"), {
            "kind": "sources", "rows": breakdown(cube, "fund_source", campaign), "items": campaign.fund_sources,
        }),
        Page("categories/index.html", "warmth_index", N_("救助类别"), {
            "kind": "categories", "rows": breakdown(cube, "category", campaign),
            "allowed": {c.name: [s for s in campaign.fund_sources if c.name in s.categories] for c in campaign.categories},
        }),
        Page("rounds/index.html", "warmth_index", N_("批次"), {"kind": "rounds", "rounds": rounds}),
    ]


def feed_entries(ds: Dataset, dates: dict[str, str]) -> list[dict]:
    """The Atom feed's entries, newest first: each round that has published records, each correction.

    {kind, id, date (ISO), round or correction}; the template words them.
    """
    entries = []
    cube = ds.agg.cube
    for rnd in ds.campaign.rounds:
        if rnd.id not in dates:
            continue
        mine = select(cube, round=rnd.id)
        entries.append({
            "kind": "round", "id": f"rounds/{rnd.id}", "date": dates[rnd.id], "round": rnd,
            "records": int(mine["records"].sum()), "fen": int(mine["fen"].sum()),
        })
    for c in ds.published_corrections:
        entries.append({"kind": "correction", "id": f"corrections/{c['correction_id']}", "date": str(c["date"]), "correction": c})
    return sorted(entries, key=lambda e: (e["date"], e["id"]), reverse=True)


def site_urls(pages: list[Page], extra: list[str]) -> list[str]:
    """Every HTML page's folder URL ("" for the home page), sorted: the sitemap's list."""
    urls = {p.save_as.removesuffix("index.html") for p in pages} | set(extra)
    return sorted(urls)
