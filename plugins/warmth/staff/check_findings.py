"""make check shows what the build will show: the findings, apart from the errors.

Breaches of the campaign's rules are not input errors: the build publishes
them as findings (核查结果). `make check` lists them after its verdict, in a
section of their own, so staff see before publishing what the site will say:
for the data folder as it is, or — with ``FILE=`` — for the data folder with
the incoming file in place (in a temporary copy: the data folder is never
touched). Findings about people give counts only, as on the site.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from warmth.core import money
from warmth.core.problems import DataError, WarmthError
from warmth.figures.dataset import read_dataset
from warmth.figures.findings import summary
from warmth.staff.check import Placement

SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
SHOWN = 30  # findings listed one by one; the rest are counted
HEAD = ("以下不是错误，网站生成后会作为核查结果公开 / Not errors — will be published as findings:")


def findings_report(findings: pd.DataFrame, destination: str = "") -> str:
    """The findings section: a line per rule with findings, then the findings themselves (first few)."""
    if findings is None or not len(findings):
        return "核查结果：没有 / Findings: none"
    lines = [HEAD]
    for row in summary(findings):
        if row["count"]:
            amount = f"，{money.yuan(row['amount_fen'])}" if row["amount_fen"] else ""
            lines.append(f"  [{SEVERITY_ZH[row['severity']]}] {row['zh']}：{row['count']} 项{amount} / {row['en']}: {row['count']}")
    shown = findings
    if destination:
        mine = findings["district"].str.split("、").apply(lambda names: destination in names)
        shown = findings[mine]
        lines.append(f"涉及{destination}的 {len(shown)} 项 / {len(shown)} concerning {destination}:")
    for rule, text in zip(shown["rule"].head(SHOWN), shown["explanation_zh"].head(SHOWN)):
        lines.append(f"  - {rule}: {text}")
    if len(shown) > SHOWN:
        lines.append(f"  ……另有 {len(shown) - SHOWN} 项，见网站“核查结果”页 / … {len(shown) - SHOWN} more on the findings page")
    return "\n".join(lines)


def check_folder(data_dir: Path) -> tuple[list, pd.DataFrame | None]:
    """Every problem of a data folder, and its findings when it has none (read once)."""
    try:
        return [], read_dataset(Path(data_dir)).findings
    except DataError as err:
        return err.problems, None


def data_findings(data_dir: Path) -> pd.DataFrame | None:
    """The findings of a data folder that builds (None when it does not)."""
    try:
        return read_dataset(Path(data_dir)).findings
    except (DataError, WarmthError):
        return None


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)  # read only by the check: a hard link costs nothing
    except OSError:
        shutil.copy2(source, target)


def findings_with(data_dir: Path, path: Path, where: Placement) -> pd.DataFrame | None:
    """The findings of the data folder with the incoming file in place (in a temporary copy)."""
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix="warmth-check-") as temp:
        copy = Path(temp) / "data"
        shutil.copytree(data_dir, copy, symlinks=True, copy_function=_link_or_copy, ignore=shutil.ignore_patterns("history"))
        for name in where.replaced:
            (copy / name).unlink()
        folder = copy / "rounds" / where.round
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / f"incoming-{Path(path).name}")
        return data_findings(copy)


def placement_note(where: Placement) -> str:
    """What make check FILE= says about where the file goes and which file it replaces (by content, not by name)."""
    slot = f"这是{where.destination}批次 {where.round} 的报表"
    slot_en = f"by its rows this is {where.destination}'s report for round {where.round}"
    if not where.replaced:
        return (f"说明：按内容判断，{slot}；数据文件夹里还没有这一批次、这个区县的文件。make accept FILE=… 会把它放进去。\n"
                f"Note: {slot_en}; the data folder has no file of that round and destination yet. make accept FILE=… puts it in place.")
    return (
        f"注意：按内容判断，{slot}，将替换 {'、'.join(where.replaced)}（同一批次、同一区县）。"
        "make accept FILE=… 会把它放进去，原文件的全部记录由新文件取代，原文件存入 history/。\n"
        f"Note: {slot_en}; it replaces {', '.join(where.replaced)} (same round, same destination). "
        "make accept FILE=… puts it in place; the old file is kept in history/."
    )
