"""The real-name table (实名制汇总表) → public disbursement records.

The city keeps a real-name table internally: the public record columns plus
who received the aid (姓名, 身份证号, 联系电话, 银行卡号, 家庭住址 …). Only an
anonymized copy may be published. `anonymize` keeps the declared public
columns, drops every other column, and replaces the ID number by a
pseudonymous ``recipient_ref``: HMAC-SHA256 of the normalised ID under a secret
campaign key, so the same person gets the same ref in every row, round and
district, but nobody without the key can test an ID number against a ref
(an ID number has far too few possibilities for a plain hash; staff/keys.py).

Nothing personal is ever printed or written, except the refs: rejected rows
are described by row number, reason and a masked ID (first 4 and last 4
characters). A row whose public cells hold the row's own name, ID, phone,
bank card or address, or anything the build's personal-data scan refuses
(`warmth.pii`: ID, phone and card numbers, e-mail addresses …; staff/realname.py),
is kept out of the output, so an anonymized file never fails the build on personal data.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from warmth.core.files import csv_bytes
from warmth.core.layout import inside_built_site
from warmth.core.problems import excerpt
from warmth.core.schema import RECORD_COLUMNS, REQUIRED
from warmth.intake.forms import known_names
from warmth.intake.sources import read_rows
from warmth.pii.idcard import check_digit, normalize_id
from warmth.staff.keys import KEY_BYTES, KeyFileError, recipient_ref
from warmth.staff.realname import (
    COLUMN_ZH,
    DATE_HEADERS,
    ID_HEADERS,
    PUBLIC_COLUMNS,
    AnonymizeError,
    Rejected,
    clean_id,
    id_problem,
    mask_id,
    own_leaks,
    read_layout,
    scanned_leaks,
)
from warmth.staff.targets import check_target, write_target

log = logging.getLogger("warmth")


def _same(a: Path, b: Path) -> bool:
    if Path(os.path.abspath(a)) == Path(os.path.abspath(b)):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _check_targets(path: Path, out: Path, rejects: Path | None, protected: tuple[Path, ...] = ()) -> None:
    for target, zh, en in ((out, "公开文件", "public file"), (rejects, "问题清单", "rejects file")):
        if target is None:
            continue
        for folder in protected:
            if Path(folder).resolve() in Path(os.path.abspath(target)).resolve().parents:
                advice_zh, advice_en = (
                    ("先写到别处，用 make check FILE=… 检查后再放进去", "write it elsewhere, check it with make check FILE=…, then put it in place")
                    if target == out
                    else (
                        "问题清单只给工作人员看，请写到 private/ 等不公开的地方",
                        "the rejects list is for staff only: write it to private/ or another non-public place",
                    )
                )
                raise AnonymizeError(
                    f"{zh}不能写进数据文件夹 {folder}：{advice_zh}。\nThe {en} must not be written into the data folder {folder}: {advice_en}."
                )
        if _same(target, path):
            raise AnonymizeError(
                f"{zh}不能与实名制汇总表是同一个文件：{target}\nThe {en} must not be the real-name table itself: {target}"
            )
        if inside_built_site(target):
            raise AnonymizeError(
                f"{zh}不能写进网站输出文件夹（output/ 或已生成的网站）：{target}\n"
                f"The {en} must not be written inside a site output folder (output/ or a built site): {target}"
            )
    if rejects is not None and _same(rejects, out):
        raise AnonymizeError(f"问题清单和公开文件不能是同一个文件：{out}\nThe rejects file and the public file must differ: {out}")
    if out.suffix.lower() != ".csv":
        raise AnonymizeError(f"公开文件的文件名必须以 .csv 结尾：{out}\nThe public file's name must end in .csv: {out}")


WARNING = ("提醒（此行已写出，请核对）：", "warning (the row was written; check it): ")
SHOWN_ROWS = 10


def rejects_bytes(rejected: list[Rejected]) -> bytes:
    """The staff's list of rows left out, then the warnings: row, reason (zh, en), masked ID."""
    return csv_bytes(
        ["行号 row", "原因", "reason", "身份证号（已遮盖） masked ID"],
        [[str(r.row), r.reason_zh, r.reason_en, r.masked_id] for r in rejected],
    )


def format_rejected(rejected: list[Rejected], limit: int = 50) -> str:
    """Rejected rows (and warnings) as report lines for the terminal (masked; safe to print)."""
    lines = [f"第{r.row}行 (row {r.row}) 身份证号 {r.masked_id or '（空）'}：{r.reason_zh}\n    {r.reason_en}" for r in rejected[:limit]]
    if len(rejected) > limit:
        lines.append(f"……仅列出前 {limit} 行，共 {len(rejected)} 行。 / … only the first {limit} of {len(rejected)} are listed.")
    return "\n".join(lines)



def _rows_text(numbers) -> tuple[str, str]:
    shown = [str(n) for n in list(numbers)[:SHOWN_ROWS]]
    more = len(numbers) > SHOWN_ROWS
    return "、".join(shown) + ("……" if more else ""), ", ".join(shown) + (", …" if more else "")


def consistency_warnings(people: pd.DataFrame) -> list[Rejected]:
    """One ID under different names, or one name in one unit under different IDs: a warning each.

    ``people``: row, id (normalised, valid), name (normalised; may be empty), unit.
    The warnings name rows and masked IDs only, never a name or a whole ID.
    """
    warnings: list[Rejected] = []
    named = people[people["name"] != ""]
    by_id = named.groupby("id", sort=False)["name"].nunique()
    for id_text in by_id[by_id > 1].index:
        rows = named.loc[named["id"] == id_text, "row"].tolist()
        zh, en = _rows_text(rows)
        warnings.append(Rejected(
            rows[0],
            WARNING[0] + f"同一个身份证号在第 {zh} 行写着不同的姓名。请核对是否填错了身份证号或姓名（同一人应写同一个姓名）。",
            WARNING[1] + f"the same ID number stands under different names in rows {en}. Check whether the ID or the name is wrong.",
            mask_id(id_text), warning=True,
        ))
    by_person = named.groupby(["name", "unit"], sort=False)["id"].nunique()
    for name, unit in by_person[by_person > 1].index:
        group = named[(named["name"] == name) & (named["unit"] == unit)]
        rows = group["row"].tolist()
        zh, en = _rows_text(rows)
        masked = " / ".join(mask_id(i) for i in dict.fromkeys(group["id"]))
        warnings.append(Rejected(
            rows[0],
            WARNING[0] + f"第 {zh} 行的姓名和发放单位相同，身份证号却不同。如果是同一个人，请改成同一个身份证号；如果是同名的两个人，可不改。",
            WARNING[1] + f"rows {en} have the same name and disbursing unit but different ID numbers. "
            "If they are one person, use one ID; two people of the same name need no change.",
            masked, warning=True,
        ))
    return sorted(warnings, key=lambda w: w.row)


# ------------------------------------------------------------- anonymize


OUT_NAME = ("公开文件（OUT=）", "public file (OUT=)")
REJECTS_NAME = ("问题清单（REJECTS=）", "rejects file (REJECTS=)")


def anonymize(
    path: Path, out: Path, *, key: bytes, rejects: Path | None = None, protected: tuple[Path, ...] = (), replace: bool = False,
    warnings: list[Rejected] | None = None,
) -> tuple[int, list[Rejected]]:
    """Real-name table (.csv in UTF-8/GB18030, or .xlsx) → public record CSV.

    Returns (rows written, rows rejected). ``out`` gets the English record
    columns in schema order, UTF-8 with BOM, every field quoted, LF, written
    atomically. Rows with a missing or invalid ID, an empty required field, or
    personal data in a public cell are left out and returned as `Rejected`
    (masked ID only); ``rejects``, if given, receives them as a CSV for staff.
    Raises `AnonymizeError` (a WarmthError) for an unusable table or target,
    and when no row at all could be published (``out`` is then not written).
    ``protected`` folders (the data folder) are never written into. ``out``
    and ``rejects`` are never written over an existing file unless ``replace``,
    and never over a key file or the table itself (`staff.targets`).

    Rows written but inconsistent with each other — one ID under different
    names, one name and unit under different IDs — are warnings
    (`consistency_warnings`): listed after the rejected rows in ``rejects``
    and added to ``warnings``, by row number and masked ID only.
    """
    path, out = Path(path), Path(out)
    rejects = Path(rejects) if rejects is not None else None
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise KeyFileError(f"密钥必须是 {KEY_BYTES} 字节。\nThe key must be exactly {KEY_BYTES} bytes.")
    _check_targets(path, out, rejects, protected)
    check_target(out, *OUT_NAME, replace=replace, reads=(path,))
    if rejects is not None:
        check_target(rejects, *REJECTS_NAME, replace=replace, reads=(path,))

    # a real-name table is a form too: its title (实名制汇总表) above the header is skipped
    header, rows = read_rows(path, date_columns=DATE_HEADERS, id_columns=ID_HEADERS, header_names=known_names(RECORD_COLUMNS))
    layout = read_layout(header)
    if not rows:
        raise AnonymizeError("表格只有表头，没有记录。\nThe table has a header but no rows.")
    log.info(
        "不公开、已删除的列 / columns dropped (not public)：%s；%s → 受助人编码 recipient_ref",
        "、".join(excerpt(h) for h in layout.dropped) or "（无 / none）",  # headers come from the table: quoted short, masked
        excerpt(header[layout.id_index]),
    )

    # Excel keeps 15 digits: an 18-digit ID typed into a number cell ends in "000"
    # and mostly fails its check. When any such ID fails, none ending in 000 is trusted.
    ids = [clean_id(cells[layout.id_index]) for _, cells in rows]
    truncated = any(len(t) == 18 and t.isdigit() and t.endswith("000") and check_digit(t[:17]) != t[17] for t in ids)

    written: list[list[str]] = []
    rejected: list[Rejected] = []
    scanned = scanned_leaks(rows, layout.public)
    for position, ((number, cells), id_text) in enumerate(zip(rows, ids, strict=True)):
        reasons: list[tuple[str, str]] = []
        problem = id_problem(id_text)
        if problem is None and truncated and len(id_text) == 18 and id_text.endswith("000"):
            problem = (
                "身份证号末尾为 000，而本表有末尾为 000 且校验位不对的号码：该列可能被 Excel 当成数字保存过，后几位已丢失。"
                "请核对原始号码，并把该列设为“文本”格式",
                "the ID ends in 000 while other IDs ending in 000 fail their check: the column was probably stored as numbers "
                "in Excel and lost digits; check the original number and format the column as Text",
            )
        if problem is not None:
            reasons.append(problem)
        public = {name: cells[i] for name, i in layout.public.items()}
        empty = [name for name in REQUIRED if not public.get(name)]
        if empty:
            reasons.append(
                (
                    "必填项为空：" + "、".join(f"{COLUMN_ZH[n]}（{n}）" for n in empty),
                    "required field(s) empty: " + ", ".join(empty),
                )
            )
        leaks = own_leaks(public, [(kind, cells[i]) for kind, i in layout.personal]) + scanned.get(position, [])
        if leaks:
            unique: dict[tuple[str, str], tuple[str, str, str]] = {}
            for leak in leaks:  # one per column and kind (own check and scan may both find an ID)
                unique.setdefault(leak[:2], leak)
            leaks = list(unique.values())
            reasons.append(
                (
                    "公开列中含有个人信息：" + "、".join(f"{COLUMN_ZH[c]}（{c}）含{zh}" for c, zh, _ in leaks) + "。请从公开列中删去",
                    "personal data in a public column: " + ", ".join(f"{c} holds a {en}" for c, _, en in leaks)
                    + "; remove it from the public columns",
                )
            )
        if reasons:
            rejected.append(
                Rejected(number, "；".join(r[0] for r in reasons) + "。", "; ".join(r[1] for r in reasons) + ".", mask_id(id_text))
            )
            continue
        public["recipient_ref"] = recipient_ref(key, id_text)
        written.append([public.get(name, "") for name in PUBLIC_COLUMNS])

    names = [i for kind, i in layout.personal if kind == "name"][:1]
    people = pd.DataFrame({
        "row": [n for n, _ in rows],
        "id": [normalize_id(i) or i for i in ids],  # a 15-digit ID and its 18-digit form are one person
        "name": [clean_id(cells[names[0]]) if names else "" for _, cells in rows],
        "unit": [cells[layout.public["disbursing_unit"]] if "disbursing_unit" in layout.public else "" for _, cells in rows],
    })
    people = people[[id_problem(i) is None for i in ids]]
    found = consistency_warnings(people)
    if warnings is not None:
        warnings.extend(found)
    if rejects is not None:
        write_target(rejects, rejects_bytes(rejected + found), *REJECTS_NAME, replace=replace, private=True)
    if not written:
        raise AnonymizeError(
            f"没有一行可以公开：全部 {len(rejected)} 行都有问题，未写出公开文件。\n"
            f"No row can be published: all {len(rejected)} rows have problems; the public file was not written.\n"
            + format_rejected(rejected),
            rejected,
        )
    write_target(out, csv_bytes(list(PUBLIC_COLUMNS), written), *OUT_NAME, replace=replace)
    return len(written), rejected
