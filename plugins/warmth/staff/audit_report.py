"""``make audit-report``: the person-level detail the public site withholds, for the union's own
discipline office (纪检): which recipient refs received aid in several destinations or the same aid
more than once, with their record ids.

The report holds recipient refs, so it is as private as the real-name table: it is
written only outside the data folder and any built site (private/ is the place, and
git ignores it), never over an existing file unless asked, and readable by its owner only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from warmth.core import money
from warmth.core.files import csv_bytes
from warmth.core.layout import inside_built_site
from warmth.core.problems import ConfigError
from warmth.figures.dataset import read_dataset
from warmth.figures.findings.context import Context
from warmth.figures.findings.fairness import multi_district_detail, repeat_detail
from warmth.staff.targets import check_target, configured_keys, write_target

HEADER = ["规则 rule", "区县 district", "资金来源 fund_source", "记录数 records", "金额（元） amount_yuan", "记录编号 record_ids", "说明 explanation"]


def _refuse(out: Path, data_dir: Path, replace: bool) -> None:
    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise ConfigError(f"核查报告的文件名应以 .csv 结尾：{out}\nThe audit report's name must end in .csv: {out}")
    resolved = out.resolve()
    if resolved == data_dir.resolve() or data_dir.resolve() in resolved.parents or inside_built_site(out):
        raise ConfigError(
            f"核查报告含受助人编码，不能写进数据文件夹或网站文件夹：{out}。请写到 private/ 里。\n"
            f"The audit report holds recipient refs and must not be written into the data folder or a site: {out}. Write it to private/."
        )
    check_target(out, "核查报告", "audit report", replace=replace, keys=configured_keys())


def audit_rows(data_dir: Path) -> list[list[str]]:
    """Every person-level fairness finding, with refs and record ids."""
    ds = read_dataset(Path(data_dir))
    ctx = Context(ds.checked, ds.campaign, ds.records)
    table = pa.concat_tables([multi_district_detail(ctx), repeat_detail(ctx)]).to_pandas()
    amounts = table["amount_fen"].to_numpy(np.int64)
    return [
        [rule, district, source, str(records), money.plain(fen), ids, zh]
        for rule, district, source, records, fen, ids, zh in zip(
            table["rule"], table["district"], table["fund_source"], table["records"], amounts, table["record_ids"], table["explanation_zh"]
        )
    ]


def write_audit_report(data_dir: Path, out: Path, *, replace: bool = False) -> int:
    """Write the report (UTF-8 with BOM, for Excel); returns the number of findings."""
    _refuse(Path(out), Path(data_dir), replace)
    rows = audit_rows(data_dir)
    write_target(Path(out), csv_bytes(HEADER, rows), "核查报告", "audit report", replace=replace, private=True)
    return len(rows)


__all__ = ["HEADER", "audit_rows", "write_audit_report"]
