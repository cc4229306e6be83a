"""The small published tables: summaries, allocations, findings, corrections and
the campaign table (CSV and a byte-stable .xlsx), each made in memory as bytes.

Every column list comes from core/schema.py, the same declaration the data
package describes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from warmth.core import money
from warmth.core.campaign import Campaign
from warmth.core.files import BOM, csv_bytes
from warmth.core.schema import ALLOCATED_VS_DISBURSED_COLUMNS, ALLOCATION_COLUMNS, FINDINGS_COLUMNS, HISTORY_KEYS, SUMMARY_COLUMNS
from warmth.downloads.plain import append_text_row
from warmth.downloads.records import decimal_text
from warmth.figures.aggregate import Aggregates, breakdown, report_status

# /data/summary/by-<dimension>.csv → the dimension summed
SUMMARIES: tuple[tuple[str, str], ...] = (
    ("summary/by-district.csv", "district"),
    ("summary/by-fund-source.csv", "fund_source"),
    ("summary/by-category.csv", "category"),
    ("summary/by-recipient-group.csv", "recipient_group"),
    ("summary/by-aid-type.csv", "aid_type"),
    ("summary/by-round.csv", "round"),
)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def summary_files(agg: Aggregates, campaign: Campaign) -> dict[str, bytes]:
    """The small summary CSVs: path under /data/ → bytes.

    A destination or round that has sent no records has an empty amount (not
    yet reported), never 0.00.
    """
    status = report_status(agg.cube, campaign)
    silent = {"district": {row["name"] for row in status if not any(row["cells"])}}
    silent["round"] = {rnd.id for i, rnd in enumerate(campaign.rounds) if all(row["cells"][i] is None for row in status)}
    files = {}
    header = [c.name for c in SUMMARY_COLUMNS]
    for path, dim in SUMMARIES:
        rows = breakdown(agg.cube, dim, campaign, unreported=silent.get(dim, set()))
        files[path] = csv_bytes(header, [[r["name"], r["records"], money.plain(r["fen"]) if r["reported"] else ""] for r in rows])
    alloc = agg.allocations
    files["summary/allocated-vs-disbursed.csv"] = csv_bytes(
        [c.name for c in ALLOCATED_VS_DISBURSED_COLUMNS],
        [
            [s, d, money.plain(a)] + (["", ""] if d in silent["district"] else [money.plain(b), money.plain(c)])
            for s, d, a, b, c in alloc[["fund_source", "district", "allocated", "disbursed", "balance"]].itertuples(index=False)
        ],
    )
    return files


def findings_bytes(findings: pd.DataFrame) -> bytes:
    """/data/findings.csv: one row per finding (there can be ~100k at a million records: Arrow writes them)."""
    source = {"explanation": "explanation_zh"}  # published name → findings frame column
    columns = {}
    for column in FINDINGS_COLUMNS:
        if column.name == "amount_yuan":
            columns[column.name] = decimal_text(findings["amount_fen"].to_numpy(np.int64), trim=False)
        else:
            values = findings[source.get(column.name, column.name)]
            columns[column.name] = pa.array(values.astype(str), type=pa.large_string())
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


def corrections_bytes(corrections: list[dict]) -> bytes:
    """/data/corrections.csv: every correction applied, in order."""
    return csv_bytes(list(HISTORY_KEYS), [[c[k] for k in HISTORY_KEYS] for c in corrections])


# --- the campaign table -----------------------------------------------------------


def _cells(table: dict, row: dict) -> list:
    """Money as exact two-decimal text; people as whole numbers."""
    return [money.plain(row[key]) if key.endswith("_yuan") else row[key] for key, _ in table["columns"]]


def campaign_table_csv(table: dict) -> bytes:
    header = [key for key, _ in table["columns"]]
    return csv_bytes(header, [_cells(table, r) for r in [*table["rows"], table["total"]]])


def campaign_table_xlsx(table: dict, campaign: Campaign) -> bytes:
    """The same table as a workbook; money as exact decimal text in number format."""
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "送温暖工程统计表"
    # every string typed as a string: openpyxl would turn one starting with "=" into a live formula
    append_text_row(sheet, [f"{campaign.organization}送温暖工程统计表" + ("（示例数据，非真实数据）" if campaign.sample_data else "")])
    append_text_row(sheet, [title for _, title in table["columns"]])
    for row in [*table["rows"], table["total"]]:
        cells = _cells(table, row)
        append_text_row(sheet, [Decimal(c) if isinstance(c, str) and c.replace(".", "", 1).lstrip("-").isdigit() else c for c in cells])
    for column in sheet.iter_cols(min_row=3):
        for cell in column:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    fixed = dt.datetime(*FIXED_TIME)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = campaign.organization
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(payload: bytes) -> bytes:
    """Rewrite a zip with fixed entry times (and fixed document dates, which openpyxl
    sets to "now" on saving) so identical content gives identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    stamp = dt.datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    return out.getvalue()
