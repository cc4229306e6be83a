"""The Atom feed (/feed.xml): each round that has published records and each correction, newest
first, written by feedgenerator (the feed library Pelican's own feeds use).

Every date comes from the data (site/basics.py ``feed_entries``), never the clock: a feed with
no entries says the data's "as of" date, so two builds of the same data are byte-identical.
Ids are tag URIs on the campaign's own e-mail address, so they stay the same wherever the site
is published.
"""

from __future__ import annotations

import datetime as dt
import html

from feedgenerator import Atom1Feed

from warmth.core import money
from warmth.core.campaign import Campaign

CHINA = dt.timezone(dt.timedelta(hours=8))


class _DataDatedFeed(Atom1Feed):
    """An Atom feed whose <updated> is given, not taken from the clock when there are no entries."""

    def __init__(self, *args, updated: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._updated = updated

    def latest_post_date(self) -> dt.datetime:
        return max([self._updated] + [i["updateddate"] for i in self.items if i.get("updateddate")])


def _when(iso: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(iso), dt.time(), CHINA)


def atom_feed(entries: list[dict], campaign: Campaign, siteurl: str, as_of: str) -> bytes:
    """The feed's bytes: ``entries`` as `feed_entries` gives them (newest first), links under ``siteurl``."""
    tag = f"tag:{campaign.contact.get('email', '')},{campaign.notice_date}:"
    sample = "示例数据，非真实数据。" if campaign.sample_data else ""
    dates = [e["date"] for e in entries] or [as_of or campaign.end.isoformat()]
    feed = _DataDatedFeed(
        title=f"{campaign.short_title}：新批次与更正",
        link=f"{siteurl}/",
        description=f"{campaign.organization}送温暖活动救助款物公开：每个批次发布的发放记录，以及对已公开记录的每一次更正。{sample}",
        language="zh-CN",
        author_name=campaign.organization,
        author_email=campaign.contact.get("email") or None,
        subtitle=f"{campaign.organization}送温暖活动救助款物公开：每个批次发布的发放记录，以及对已公开记录的每一次更正。{sample}",
        feed_url=f"{siteurl}/feed.xml",
        feed_copyright=campaign.licence.get("title") or campaign.licence.get("id"),
        feed_guid=f"{tag}feed",
        updated=_when(max(dates)),
    )
    for e in entries:
        if e["kind"] == "round":
            rnd = e["round"]
            title = f"{rnd.label}：{money.count(e['records'])} 条发放记录，{money.yuan(e['fen'])}"
            link = f"{siteurl}/rounds/{rnd.id}/"
            summary = (
                f"批次 {rnd.id}（报送截止 {rnd.deadline}）公开了 {money.count(e['records'])} 条发放记录，"
                f"金额 {money.yuan(e['fen'])}。各区县的报送情况和金额见批次页面，记录可在数据下载页下载。"
            )
        else:
            x = e["correction"]
            withdrawn = x["field"] == "withdrawn"
            title = f"更正 {x['correction_id']}：记录 {x['record_id']}" + ("撤回" if withdrawn else f"的 {x['field']}")
            link = f"{siteurl}/corrections/#r-{x['record_id']}"
            change = (
                f"撤回整条记录 {x['record_id']}" if withdrawn
                else f"记录 {x['record_id']} 的 {x['field']} 由“{x['old_value']}”改为“{x['new_value']}”"
            )
            summary = f"{x['date']}：{change}。更正说明：{x['reason']}"
        # Atom's summary is type="html": escaped once more, so a reader shows the text and never runs it as HTML
        feed.add_item(title=title, link=link, description=html.escape(summary, quote=False), unique_id=f"{tag}{e['id']}", updateddate=_when(e["date"]))
    return feed.writeString("utf-8").encode("utf-8")
