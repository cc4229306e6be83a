import pytest

from warmth.core.campaign import load_campaign
from warmth.core.problems import ConfigError


def test_default_campaign_has_the_notice_names(root):
    c = load_campaign(root / "data" / "campaign.toml")
    assert c.names("destinations") == [
        "市中区", "沙湾区", "五通桥区", "金口河区", "犍为县", "井研县", "夹江县", "沐川县",
        "峨边彝族自治县", "马边彝族自治县", "峨眉山市", "市直",
    ]
    assert c.names("fund_sources") == [
        "中央财政追加资金", "省总工会慰问资金", "市财政安排资金", "市总工会配套资金", "单位筹集资金", "社会捐赠",
    ]
    assert c.names("categories") == [
        "生活救助", "医疗救助", "助学救助", "就业援助", "心理疏导", "农民工帮扶", "一线职工慰问", "劳模慰问", "困难企业慰问",
    ]
    assert c.names("recipient_groups") == ["困难职工", "农民工", "困难职工子女", "一线职工", "劳动模范", "困难企业"]
    assert c.round_ids == ["2012-01", "2012-02"]
    assert str(c.rounds[0].deadline) == "2012-01-20"
    assert (str(c.start), str(c.end)) == ("2011-12-20", "2012-01-22")
    assert c.contact == {"unit": "市总工会经济保障女工部", "phone": "2133419", "fax": "2131730", "email": "lsszghbzb@126.com"}
    assert c.sample_data is True


def test_campaign_problems_are_all_listed(tmp_path, root):
    text = (root / "data" / "campaign.toml").read_text(encoding="utf-8")
    text = text.replace('slug = "shawan"', 'slug = "Sha Wan"').replace("end = 2012-01-22", "end = 2011-01-01")
    text = text.replace('categories = ["生活救助", "困难企业慰问"]', 'categories = ["生活救助", "旅游"]')
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    message = str(err.value)
    assert "Sha Wan" in message and "start is after end" in message and "旅游" in message


def test_missing_or_broken_campaign_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_campaign(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[campaign\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_campaign(bad)


def test_wrong_shapes_are_reported_not_crashing(tmp_path, root):
    text = (root / "data" / "campaign.toml").read_text(encoding="utf-8")
    text = text.replace("[contact]", "[contact_old]", 1).replace("[[rounds]]", "[[rounds_old]]")
    path = tmp_path / "campaign.toml"
    path.write_text('rounds = ["2012-01", "2012-02"]\ncontact = "someone"\n' + text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    message = str(err.value)
    assert "[[rounds]]" in message and "[contact]" in message
