"""Issue 11, item 4: make check shows what the build will show (findings apart from errors)."""

from __future__ import annotations

from test_intake import cli, tree_digest

from independent import read_rows
from test_validate import EN, write_csv

HEAD = "以下不是错误，网站生成后会作为核查结果公开"


def test_check_of_the_folder_lists_the_findings_apart(root, small_data):
    result = cli(root, "check", "--data", str(small_data))
    assert result.returncode == 0, result.stderr
    before, _, after = result.stdout.partition(HEAD)
    assert "检查通过" in before and after  # the findings come after the verdict, in their own section
    assert "Not errors — will be published as findings" in result.stdout
    assert "超出专款用途" in after  # the sample plants earmark breaches


def test_check_of_a_file_shows_the_findings_with_the_file_in_place(root, small_data, tmp_path):
    rows = read_rows(small_data / "rounds/2012-01/shawan.csv")
    # one record now paid from a source for a category outside its earmark (both read from campaign.toml)
    import tomllib

    campaign = tomllib.loads((small_data / "campaign.toml").read_text(encoding="utf-8"))
    source = next(s for s in campaign["fund_sources"] if len(s["categories"]) < len(campaign["categories"]))
    outside = next(c["name"] for c in campaign["categories"] if c["name"] not in source["categories"])
    rows[0]["fund_source"], rows[0]["category"] = source["name"], outside
    incoming = tmp_path / "沙湾区-更正.csv"
    write_csv(incoming, EN, [[r[c] for c in EN] for r in rows])
    before = tree_digest(small_data)
    as_is = cli(root, "check", "--data", str(small_data)).stdout
    result = cli(root, "check", "--data", str(small_data), "--file", str(incoming))
    assert result.returncode == 0, result.stderr
    assert tree_digest(small_data) == before  # the file was put in place in a temporary copy only
    assert "rounds/2012-01/shawan.csv" in result.stderr  # which file it replaces, by content
    section = result.stdout.partition(HEAD)[2]
    assert "涉及沙湾区的" in section
    # (its category is not named: alone in its group it is published as 其他)
    assert any(line.startswith("  - earmark: 沙湾区") and source["name"] in line for line in section.splitlines())

    def earmark(text):
        return next(line for line in text.splitlines() if "超出专款用途" in line)

    assert earmark(section) != earmark(as_is)  # the findings are those of the folder with the file in place
