"""Publish: the downloads under /data/, byte-stable, with sizes and SHA-256.

Record files can hold a million rows, so they are written once per distinct
input (pyarrow's CSV writer, not DataFrame.to_csv) into a content-addressed
cache and linked into each build. Small files are made in memory and hashed
as they are written. Every CSV is UTF-8 with BOM (Excel in Chinese opens it)
and every amount has exactly two decimals.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from warmth.core import money
from warmth.core.campaign import Campaign
from warmth.core.files import BOM, atomic_write, csv_bytes
from warmth.core.layout import DATA_DIR
from warmth.core.schema import ALLOCATION_COLUMNS, COLUMN_NAMES, NOTE_MAX, RECORD_COLUMNS
from warmth.figures.aggregate import Aggregates, breakdown, report_status
from warmth.figures.campaign_table import table_csv, table_xlsx
from warmth.intake.corrections import HISTORY_KEYS
from warmth.intake.validate import RECIPIENT_REF, RECORD_ID


@dataclass(frozen=True)
class Download:
    path: str  # relative to /data/, e.g. "summary/by-district.csv"
    bytes: int
    sha256: str
    title: str = ""


def _arrow(series: pd.Series) -> pa.Array:
    """A column as an Arrow string array (categoricals decoded by code)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = pa.array(series.cat.codes.to_numpy(), mask=series.isna().to_numpy())
        labels = pa.array(list(series.cat.categories.astype(str)), type=pa.large_string())
        return pc.fill_null(pc.take(labels, codes), "")
    return pa.array(series, type=pa.large_string())


def _decimal_text(values: np.ndarray, *, trim: bool) -> pa.Array:
    """Integer hundredths → "12.30" (trim=False) or shortest exact "12.3" (trim=True)."""
    whole = pc.cast(pa.array(values // 100), pa.large_string())
    cents = pc.utf8_lpad(pc.cast(pa.array(values % 100), pa.large_string()), 2, "0")
    text = pc.binary_join_element_wise(whole, cents, pa.scalar(".", pa.large_string()))
    if trim:
        text = pc.replace_substring_regex(text, r"\.?0+$", "")
        text = pc.if_else(pc.equal(text, ""), "0", text)
    return text


def public_table(typed: pd.DataFrame) -> pa.Table:
    """The published form of the records: every column as text, canonical values.

    Built with Arrow compute kernels: no per-record Python and no float.
    """
    columns = {}
    for name in COLUMN_NAMES:
        if name == "amount_yuan":
            columns[name] = _decimal_text(typed["amount_fen"].to_numpy(np.int64), trim=False)
        elif name == "quantity":
            goods = pa.array((typed["aid_type"] == "goods").to_numpy())
            columns[name] = pc.if_else(goods, _decimal_text(typed["quantity"].to_numpy(np.int64), trim=True), "")
        else:
            columns[name] = _arrow(typed[name])
    return pa.table(columns)


class _HashingFile:
    """A file sink that hashes what is written through it (no second read)."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.size += view.nbytes
        return self.handle.write(view)

    def flush(self) -> None:
        self.handle.flush()


def _write_records_csv(table: pa.Table, path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        sink = _HashingFile(handle)
        sink.write(BOM)
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed", batch_size=8192))
    return sink.size, sink.digest.hexdigest()


def record_tables(typed: pd.DataFrame, campaign: Campaign):
    """Yield (path under /data/, Arrow table) for every published record file.

    Records are published ordered by round, then destination (declared order),
    then input order. One sort and one take; each round file is then a slice
    and each destination file a concatenation of slices (no copies).
    """
    rounds = typed["round"].cat.codes.to_numpy(np.int64)
    dests = typed["district"].cat.codes.to_numpy(np.int64)
    order = np.lexsort((dests, rounds))
    table = public_table(typed)
    if not np.array_equal(order, np.arange(len(order))):
        table = table.take(pa.array(order))
    rounds, dests = rounds[order], dests[order]
    yield "disbursements.csv", table
    key = rounds * len(campaign.destinations) + dests
    bounds = np.searchsorted(key, np.arange(len(campaign.rounds) * len(campaign.destinations) + 1))

    def part(r: int, d: int) -> pa.Table:
        i = r * len(campaign.destinations) + d
        return table.slice(bounds[i], bounds[i + 1] - bounds[i])

    for r, rnd in enumerate(campaign.rounds):
        start, stop = bounds[r * len(campaign.destinations)], bounds[(r + 1) * len(campaign.destinations)]
        if stop > start:
            yield f"rounds/{rnd.id}/disbursements.csv", table.slice(start, stop - start)
    for d, dest in enumerate(campaign.destinations):
        parts = [part(r, d) for r in range(len(campaign.rounds))]
        if any(p.num_rows for p in parts):
            yield f"districts/{dest.slug}/disbursements.csv", pa.concat_tables(parts)


def write_record_files(typed: pd.DataFrame, campaign: Campaign, data_out: Path, cache_key: str, cache_dir: Path | None) -> list[Download]:
    """Write (or link from the cache) every record file; return their downloads."""
    cached = cache_dir / "records" / cache_key if cache_dir else None
    manifest_path = cached / "manifest.json" if cached else None
    if manifest_path is None or not manifest_path.exists():
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
        target = Path(tempfile.mkdtemp(prefix=".records-", dir=cached.parent if cached else data_out.parent))
        jobs = list(record_tables(typed, campaign))
        # Arrow formats CSV without holding the GIL, so two writers use both cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = pool.map(lambda job: _write_records_csv(job[1], target / job[0]), jobs)
            manifest = {rel: list(result) for (rel, _), result in zip(jobs, results)}
        (target / "manifest.json").write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        if cached:
            shutil.rmtree(cached, ignore_errors=True)
            os.replace(target, cached)
        else:
            cached = target
        manifest_path = cached / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    downloads = []
    for rel, (size, sha) in sorted(manifest.items()):
        dest = data_out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(cached / rel, dest)
        except OSError:
            shutil.copyfile(cached / rel, dest)
        downloads.append(Download(rel, size, sha))
    if cache_dir is None:
        shutil.rmtree(cached, ignore_errors=True)
    return downloads


def records_key(digests: dict[str, str]) -> str:
    """Cache key of the record files: the inputs as read, the package's code, pyarrow and pandas."""
    code = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for module in sorted(package.rglob("*.py")):  # any module may change what is published
        code.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes())
    blob = json.dumps(
        {"inputs": digests, "code": code.hexdigest(), "pyarrow": pa.__version__, "pandas": pd.__version__},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def summary_files(agg: Aggregates, campaign: Campaign) -> dict[str, bytes]:
    """The small summary CSVs: path under /data/ → bytes.

    A destination or round that has sent no records has an empty amount (not
    yet reported), never 0.00.
    """
    status = report_status(agg.cube, campaign)
    silent = {"district": {row["name"] for row in status if not any(row["cells"])}}
    silent["round"] = {rnd.id for i, rnd in enumerate(campaign.rounds) if all(row["cells"][i] is None for row in status)}
    files = {}
    header = ["name", "records", "amount_yuan"]
    for path, dim in (
        ("summary/by-district.csv", "district"),
        ("summary/by-fund-source.csv", "fund_source"),
        ("summary/by-category.csv", "category"),
        ("summary/by-recipient-group.csv", "recipient_group"),
        ("summary/by-aid-type.csv", "aid_type"),
        ("summary/by-round.csv", "round"),
    ):
        rows = breakdown(agg.cube, dim, campaign, unreported=silent.get(dim, set()))
        files[path] = csv_bytes(header, [[r["name"], r["records"], money.plain(r["fen"]) if r["reported"] else ""] for r in rows])
    alloc = agg.allocations
    files["summary/allocated-vs-disbursed.csv"] = csv_bytes(
        ["fund_source", "district", "allocated_yuan", "disbursed_yuan", "balance_yuan"],
        [
            [s, d, money.plain(a)] + (["", ""] if d in silent["district"] else [money.plain(b), money.plain(c)])
            for s, d, a, b, c in alloc[["fund_source", "district", "allocated", "disbursed", "balance"]].itertuples(index=False)
        ],
    )
    return files


FINDINGS_COLUMNS = [
    ("rule", "string", "规则"), ("severity", "string", "严重程度"), ("district", "string", "区县"),
    ("fund_source", "string", "资金来源"), ("records", "integer", "记录数"), ("amount_yuan", "number", "金额（元）"),
    ("record_ids", "string", "记录编号"), ("explanation", "string", "说明"), ("explanation_en", "string", "explanation"),
]


def findings_bytes(findings: pd.DataFrame) -> bytes:
    """/data/findings.csv: one row per finding (there can be ~100k at a million records: Arrow writes them)."""
    columns = {name: pa.array(findings[name].astype(str), type=pa.large_string()) for name in ("rule", "severity", "district", "fund_source")}
    columns["records"] = pa.array(findings["records"].astype(str), type=pa.large_string())
    columns["amount_yuan"] = _decimal_text(findings["amount_fen"].to_numpy(np.int64), trim=False)
    columns["record_ids"] = pa.array(findings["record_ids"].astype(str), type=pa.large_string())
    columns["explanation"] = pa.array(findings["explanation_zh"].astype(str), type=pa.large_string())
    columns["explanation_en"] = pa.array(findings["explanation_en"].astype(str), type=pa.large_string())
    sink = io.BytesIO()
    sink.write(BOM)
    pacsv.write_csv(pa.table(columns), sink, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue()


def allocations_bytes(agg: Aggregates) -> bytes:
    alloc = agg.allocations
    return csv_bytes(
        [c.name for c in ALLOCATION_COLUMNS],
        [[s, d, money.plain(a)] for s, d, a in alloc[["fund_source", "district", "allocated"]].itertuples(index=False)],
    )


# --- Frictionless Data Package ------------------------------------------------

def _record_schema(campaign: Campaign) -> dict:
    enums = {
        "round": campaign.round_ids,
        "district": campaign.names("destinations"),
        "fund_source": campaign.names("fund_sources"),
        "category": campaign.published_names("categories"),
        "recipient_group": campaign.published_names("recipient_groups"),
        "aid_type": ["cash", "goods", "service"],
    }
    fields = []
    for col in RECORD_COLUMNS:
        field = {"name": col.name, "title": col.zh, "type": col.type, "description": col.description}
        constraints: dict = {}
        if col.required == "yes":
            constraints["required"] = True
        if col.name in enums:
            constraints["enum"] = enums[col.name]
        if col.name == "record_id":
            constraints.update({"unique": True, "pattern": RECORD_ID})
        if col.name == "recipient_ref":
            constraints["pattern"] = RECIPIENT_REF
        if col.name in ("amount_yuan", "quantity"):
            constraints["minimum"] = 0
        if col.name == "note":
            constraints["maxLength"] = NOTE_MAX
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": ["record_id"], "missingValues": [""]}


def _summary_schema(columns: list[tuple[str, str, str]]) -> dict:
    return {
        "fields": [{"name": n, "type": t, "title": title} for n, t, title in columns],
        "missingValues": [""],
    }


SUMMARY_COLUMNS = [("name", "string", "名称"), ("records", "integer", "记录数"), ("amount_yuan", "number", "金额（元）")]
ALLOC_VS_COLUMNS = [
    ("fund_source", "string", "资金来源"), ("district", "string", "区县"),
    ("allocated_yuan", "number", "拨付（元）"), ("disbursed_yuan", "number", "发放（元）"), ("balance_yuan", "number", "结余（元）"),
]


def _resource_name(path: str) -> str:
    """Frictionless names are lowercase [a-z0-9._-]; slugs and round ids already are."""
    return path.removesuffix(".csv").replace("/", "-")


def datapackage(campaign: Campaign, downloads: list[Download], table: dict | None = None) -> bytes:
    """datapackage.json describing every CSV under /data/ (deterministic bytes)."""
    record_schema = _record_schema(campaign)
    table_columns = [
        (key, "string" if key == "district" else "integer" if key.startswith("reached_") else "number", title)
        for key, title in (table or {"columns": []})["columns"]
    ]
    resources = []
    for item in sorted(downloads, key=lambda d: d.path):
        if not item.path.endswith(".csv"):
            continue
        if item.path.endswith("disbursements.csv"):
            schema = record_schema
        elif item.path == "allocations.csv":
            schema = _summary_schema([(c.name, c.type, c.zh) for c in ALLOCATION_COLUMNS])
        elif item.path == "summary/allocated-vs-disbursed.csv":
            schema = _summary_schema(ALLOC_VS_COLUMNS)
        elif item.path == "corrections.csv":
            schema = _summary_schema([(k, "string", k) for k in HISTORY_KEYS])
        elif item.path == "findings.csv":
            schema = _summary_schema(FINDINGS_COLUMNS)
        elif item.path == "summary/campaign-table.csv":
            schema = _summary_schema(table_columns)
        else:
            schema = _summary_schema(SUMMARY_COLUMNS)
        resources.append(
            {
                "name": _resource_name(item.path),
                "path": item.path,
                "title": item.title or item.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "bytes": item.bytes,
                "hash": f"sha256:{item.sha256}",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                "schema": schema,
            }
        )
    package = {
        "profile": "tabular-data-package",
        "name": "warmth-campaign-disbursements",
        "title": campaign.title,
        "description": f"{campaign.organization}送温暖活动救助款物的来源、数量、种类和走向。"
        + ("示例数据，非真实数据。" if campaign.sample_data else ""),
        "licenses": [
            {k: v for k, v in (("name", campaign.licence.get("id")), ("path", campaign.licence.get("url")), ("title", campaign.licence.get("title"))) if v}
        ],
        "sources": [{"title": f"{campaign.organization} {campaign.notice_number}"}],
        "resources": resources,
    }
    return (json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def sha256sums(downloads: list[Download]) -> bytes:
    """``sha256sum -c`` format, one line per file under /data/, sorted by path."""
    lines = [f"{d.sha256}  {d.path}\n" for d in sorted(downloads, key=lambda d: d.path)]
    return "".join(lines).encode("utf-8")


TITLES = {
    "disbursements.csv": "全部发放记录 / all disbursement records",
    "allocations.csv": "资金拨付表 / allocations",
    "datapackage.json": "数据包说明（Frictionless Data Package）",
    "summary/by-district.csv": "按区县汇总 / by destination",
    "summary/by-fund-source.csv": "按资金来源汇总 / by fund source",
    "summary/by-category.csv": "按救助类别汇总 / by category",
    "summary/by-recipient-group.csv": "按受助群体汇总 / by recipient group",
    "summary/by-aid-type.csv": "按救助形式汇总 / by aid type",
    "summary/by-round.csv": "按批次汇总 / by round",
    "summary/allocated-vs-disbursed.csv": "拨付与发放对照 / allocated vs disbursed",
    "ledger.jsonl": "封存账本（哈希链）/ ledger of sealed rounds",
    "findings.csv": "核查结果 / findings",
    "corrections.csv": "更正记录 / corrections",
    "summary/campaign-table.csv": "送温暖工程统计表 / campaign table by destination",
    "summary/campaign-table.xlsx": "送温暖工程统计表（Excel）/ campaign table (Excel)",
}


def title_for(path: str, campaign: Campaign) -> str:
    if path in TITLES:
        return TITLES[path]
    parts = path.split("/")
    if parts[0] == "rounds":
        return f"{parts[1]} 批次发放记录 / records of round {parts[1]}"
    if parts[0] == "districts":
        for dest in campaign.destinations:
            if dest.slug == parts[1]:
                return f"{dest.name}发放记录 / records of {dest.slug}"
    return path


def publish(
    out: Path,
    typed: pd.DataFrame,
    agg: Aggregates,
    campaign: Campaign,
    *,
    records_key: str,
    cache_dir: Path | None,
    archived: dict[str, tuple[Path, int, str]] | None = None,
    ledger: bytes | None = None,
    findings: pd.DataFrame | None = None,
    table: dict | None = None,
    corrections: list[dict] | None = None,
) -> list[Download]:
    """Write everything under ``out``/data/; return the downloads, SHA256SUMS last.

    ``archived`` maps paths under /data/ of sealed rounds to (archived file,
    bytes, sha256): those are published exactly as sealed, whatever the
    current data would give. ``ledger`` is published as /data/ledger.jsonl.
    """
    data_out = Path(out) / DATA_DIR
    data_out.mkdir(parents=True, exist_ok=True)
    downloads = write_record_files(typed, campaign, data_out, records_key, cache_dir)
    if archived:
        downloads = [d for d in downloads if d.path not in archived]
        for rel, (source, size, sha) in sorted(archived.items()):
            target = data_out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            shutil.copyfile(source, target)
            downloads.append(Download(rel, size, sha))
    small = {"allocations.csv": allocations_bytes(agg), **summary_files(agg, campaign)}
    if findings is not None:
        small["findings.csv"] = findings_bytes(findings)
    if corrections:
        small["corrections.csv"] = csv_bytes(list(HISTORY_KEYS), [[c[k] for k in HISTORY_KEYS] for c in corrections])
    if table is not None:
        small["summary/campaign-table.csv"] = table_csv(table)
        small["summary/campaign-table.xlsx"] = table_xlsx(table, campaign)
    if ledger is not None:
        small["ledger.jsonl"] = ledger
    for rel, payload in small.items():
        atomic_write(data_out / rel, payload)
        downloads.append(Download(rel, len(payload), hashlib.sha256(payload).hexdigest()))
    downloads = [Download(d.path, d.bytes, d.sha256, title_for(d.path, campaign)) for d in downloads]
    package = datapackage(campaign, downloads, table)
    atomic_write(data_out / "datapackage.json", package)
    downloads.append(Download("datapackage.json", len(package), hashlib.sha256(package).hexdigest(), TITLES["datapackage.json"]))
    sums = sha256sums(downloads)
    atomic_write(data_out / "SHA256SUMS", sums)
    downloads = sorted(downloads, key=lambda d: d.path)
    downloads.append(Download("SHA256SUMS", len(sums), hashlib.sha256(sums).hexdigest(), "校验和清单 / checksums"))
    return downloads
