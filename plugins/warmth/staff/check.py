"""Staff check: validate a data folder, or one incoming file, without building.

Nothing here writes into the data folder or the site: the only file written
is the optional report for the district contact — their own sheet with every
bad cell marked (`staff.report_book`) — and it must live elsewhere.
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warmth.core.campaign import load_campaign
from warmth.core.files import BOM
from warmth.core.layout import CAMPAIGN_FILE, looks_like_site
from warmth.core.problems import ConfigError, DataError, Problem
from warmth.core.schema import FORMULA_START, RECORD_COLUMNS
from warmth.figures.dataset import read_dataset
from warmth.intake.listing import file_name_problem
from warmth.intake.load import load_records, read_table
from warmth.intake.validate import validate_records
from warmth.staff.report_book import report_bytes, report_table
from warmth.staff.targets import check_target, write_target

REPORT_NAME = ("修改清单（REPORT=）", "report (REPORT=)")


def check_data(data_dir: Path) -> list[Problem]:
    """Every problem of a data folder (empty list: it would build)."""
    try:
        read_dataset(data_dir)
    except DataError as err:
        return err.problems
    return []


@dataclass(frozen=True)
class Placement:
    """Where an incoming file belongs, worked out from its rows, and the files already there it replaces."""

    round: str  # the round most of its rows name (or the one staff gave)
    destination: str  # the destination most of its rows name
    replaced: tuple[str, ...]  # data-folder names of the files of that round holding only that destination's records


def placement(existing: pd.DataFrame, frame: pd.DataFrame, round_id: str | None = None) -> Placement:
    """By content, not by name: the round and destination of ``frame``, and the files of ``existing`` it replaces."""
    named = frame.loc[frame["round"] != "", "round"]
    round_id = round_id or (named.mode().iloc[0] if len(named) else "")
    districts = frame.loc[frame["district"] != "", "district"]
    destination = districts.mode().iloc[0] if len(districts) else ""
    there = existing[(existing["_folder"].astype(str) == round_id) & (existing["district"] != "")]
    per_file = there.groupby(there["_file"].astype(str))["district"].agg(["nunique", "first"])
    replaced = per_file[(per_file["nunique"] == 1) & (per_file["first"] == destination)].index
    return Placement(round_id, destination, tuple(sorted(replaced)) if destination else ())


def check_incoming(
    data_dir: Path, path: Path, notices: list[str] | None = None, round_id: str | None = None
) -> tuple[list[Problem], Placement | None]:
    """Every problem of one incoming file, and where it would go (`Placement`).

    The file is checked against the campaign and the records already in the
    data folder: record ids must stay unique, except against the files it
    replaces (the same round and destination), whose records it takes the place of.
    """
    campaign = load_campaign(Path(data_dir) / CAMPAIGN_FILE)
    named = file_name_problem(Path(path))
    if named is not None:  # the name would be published: rename first (its rows are checked then)
        return [named], None
    problems: list[Problem] = []
    name = Path(path).name
    frame, _ = read_table(Path(path), name, RECORD_COLUMNS, problems, notices=notices)
    if frame is None:
        return problems, None
    absent = {name: frame.attrs.get("absent", ())}
    existing = load_records(Path(data_dir), []).frame
    itself = [f for f in set(existing["_file"].astype(str)) if (Path(data_dir) / f).resolve() == Path(path).resolve()]
    existing = existing[~existing["_file"].astype(str).isin(itself)]  # a file already in place, checked again
    where = placement(existing, frame, round_id)
    # the file goes into one round folder (rows naming another round are then mismatches)
    frame["_folder"] = where.round
    existing = existing[~existing["_file"].astype(str).isin(where.replaced)]
    both = pd.concat([existing, frame], ignore_index=True)  # duplicates are flagged on the later copy: this file
    both["_file"] = both["_file"].astype("category")
    both["_folder"] = both["_folder"].astype("category")
    _, found, _ = validate_records(both, campaign, absent)
    return sorted(problems + [p for p in found if p.file == name]), where


def check_file(data_dir: Path, path: Path, notices: list[str] | None = None) -> list[Problem]:
    """Every problem of one incoming file (`check_incoming`)."""
    return check_incoming(data_dir, path, notices)[0]


def _refuse_inside(target: Path, protected: list[Path]) -> None:
    target = target.resolve()
    if any(looks_like_site(folder) for folder in [target, *target.parents]):  # the build's marker, or data/SHA256SUMS
        raise ConfigError(
            f"报告不能写进已生成的网站：{target}\nThe report must not be written inside a built site: {target}"
        )
    for folder in protected:
        folder = folder.resolve()
        if target == folder or folder in target.parents:
            raise ConfigError(
                f"报告不能写进 {folder}（数据和网站文件夹只由生成命令修改）。\n"
                f"The report must not be written inside {folder}; data and site folders are never modified by a check."
            )


def write_report(
    problems: list[Problem], data_dir: Path, target: Path, *, protected: list[Path], single: Path | None = None, replace: bool = False
) -> list[Path]:
    """Write, per file with problems, the district's own sheet with every bad cell marked.

    ``target`` is a .xlsx or .csv file when checking one file (``single``), else a
    folder that receives one ``<round>-<file>.problems.xlsx`` per file with
    problems. A workbook is the district's sheet as typed, every bad cell filled
    red with a Chinese comment, a summary sheet first; a .csv holds the header
    and the rows with problems as typed, with a column saying what to fix
    (`staff.report_book`).
    Values are masked wherever they look like personal data. Every file is
    checked before any is written: none goes inside ``protected`` folders or a
    built site, none over an existing file unless ``replace``, none ever over a
    key file or a file the check reads (`staff.targets`).
    """
    _refuse_inside(target, protected)
    if single is None and target.suffix.lower() in (".csv", ".xlsx"):
        raise ConfigError(
            f"检查整个数据文件夹时，REPORT 应是一个文件夹（每个有问题的文件写一份清单）：{target}\n"
            f"When checking the whole data folder, REPORT must be a folder (one report per file with problems): {target}"
        )
    if single is None and os.path.lexists(target) and not target.is_dir():  # a file, or a link to one or to nothing
        raise ConfigError(
            f"检查整个数据文件夹时，REPORT 应是一个文件夹，而 {target} 是一个文件（或链接），不会写它。请换一个文件夹名。\n"
            f"When checking the whole data folder, REPORT must be a folder; {target} is a file (or a link) and is not written. "
            "Choose a folder name."
        )
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_file[problem.file].append(problem)
    planned = []
    for file, items in sorted(by_file.items()):
        source = single if single is not None else Path(data_dir) / file
        out = target if single is not None else Path(target) / (file.replace("/", "-").removeprefix("rounds-") + ".problems.xlsx")
        _refuse_inside(out, protected)
        check_target(out, *REPORT_NAME, replace=replace, reads=[source])
        planned.append((out, source, file, items))
    try:
        campaign = load_campaign(Path(data_dir) / CAMPAIGN_FILE)
    except ConfigError:
        campaign = None
    for out, source, file, items in planned:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":  # the rows with problems as typed, and what to fix
            buffer = io.StringIO()
            rows = report_table(items, source, file, campaign)
            csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows([[_cell(v) for v in row] for row in rows])
            payload = BOM + buffer.getvalue().encode("utf-8")
        else:  # the district's own sheet, marked up
            payload = report_bytes(items, source, file, campaign)
        write_target(out, payload, *REPORT_NAME, replace=replace)
    return [out for out, *_ in planned]


def _cell(value: str) -> str:
    """Safe in a spreadsheet: no formula can run, no character Excel rejects."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value
