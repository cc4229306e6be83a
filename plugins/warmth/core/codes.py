"""Every problem code, declared once: its titles and its message templates.

A `Problem` (core/problems.py) names one of these codes; its message is made
from the code's template, so the same code always speaks the same words, in
Chinese first and English after. A code may have several message variants
(an unreadable file can be UTF-16, or not text at all …); each variant is a
pair of ``str.format`` templates filled with the call's named values.

The codes are a promise to staff and to scripts that read the reports: they
never change meaning. README's problem table lists every code with its titles
(a test compares the two).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SAVE_AS_CSV = "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。"
SAVE_AS_CSV_EN = "Save it in Excel as 'CSV UTF-8 (Comma delimited)'."
XLS_ZH = "不支持旧版 Excel 文件（.xls）。请在 Excel 中打开，另存为“Excel 工作簿（*.xlsx）”或“CSV UTF-8（逗号分隔）（*.csv）”后再提交。"
XLS_EN = (
    "Old binary Excel files (.xls) are not supported. Open the file in Excel and save it as "
    "'Excel Workbook (*.xlsx)' or 'CSV UTF-8 (Comma delimited) (*.csv)'."
)
NEW_BOOK = "请在 Excel 中选中记录 → 复制 → 粘贴到新建的工作簿（右键“选择性粘贴”→“数值”），另存为“Excel 工作簿（*.xlsx）”或“CSV UTF-8（逗号分隔）”后再提交。"
NEW_BOOK_EN = (
    "In Excel, copy the records, paste them into a new workbook (Paste Special → Values) and save it as "
    "'Excel Workbook (*.xlsx)' or 'CSV UTF-8 (Comma delimited)', then send that."
)
UNHIDE = "隐藏的内容看不见，却会被读取和公开，所以不接受。"
UNHIDE_EN = "Hidden content cannot be seen but would be read and published, so it is refused."


# The record columns as a district writes them (core/schema.py RECORD_COLUMNS; kept equal by a test).
COLUMN_LIST = ("记录编号、批次、发放日期、区县、发放单位、资金来源、救助类别、受助群体、救助形式、"
               "物资名称、数量、计量单位、金额（元）、受助人编码、建档日期、备注")
COLUMN_LIST_EN = ("record_id, round, date, district, disbursing_unit, fund_source, category, recipient_group, aid_type, "
                  "item, quantity, unit, amount_yuan, recipient_ref, filed_on, note")


# What to write in each record column, as the REPORT= workbook's comments show it to a district clerk
# (names of the campaign are added from campaign.toml where a declared name is wanted).
EXAMPLES: dict[str, str] = {
    "record_id": "SW-2012-01-0001（字母、数字、“-”，每条记录不同）",
    "round": "2012-01",
    "date": "2012-01-05 或 2012年1月5日",
    "district": "沙湾区",
    "disbursing_unit": "沙湾区总工会",
    "fund_source": "市总工会配套资金",
    "category": "生活救助",
    "recipient_group": "困难职工",
    "aid_type": "现金、物资 或 服务",
    "item": "大米",
    "quantity": "2 或 2.5",
    "unit": "袋",
    "amount_yuan": "1200 或 1200.50（不写“元”字，不写公式）",
    "recipient_ref": "由市总工会用 make anonymize 生成的 64 位编码，区县可留空",
    "filed_on": "2011-06-01",
    "note": "春节慰问（不写姓名、电话、身份证号、住址）",
}
# The REPORT= workbook's fixed texts (staff/report_book.py).
REPORT_TEXTS: dict[str, str] = {
    "summary_sheet": "问题汇总",
    "data_sheet": "原表（已标出问题）",
    "intro": "下表汇总了这份报表的问题；第二个工作表是报来的原表，有问题的单元格已标成红色，鼠标指向它可看批注：哪一列、错在哪里、应该怎么写。"
             "改好后请整份重新报送。",
    "none_left": "（本表没有问题）",
    "fix_column": "需要修改",
    "example": "例如：",
    "declared": "可填：",
    "footer_hidden": "（签名栏：为保护个人信息，此处不再显示）",
    "row_column": "行号",
    "column_hidden": "此列不是公开记录的列，为保护个人信息，内容不在本清单中显示。",
    "whole_file": "（整个文件）",
}


@dataclass(frozen=True)
class Code:
    """One problem code: short titles and message templates per variant ("" is the default)."""

    code: str
    title_zh: str
    title_en: str
    messages: Mapping[str, tuple[str, str]]

    def message(self, variant: str = "", **values) -> tuple[str, str]:
        zh, en = self.messages[variant]
        return zh.format(**values), en.format(**values)


def _one(zh: str, en: str) -> dict[str, tuple[str, str]]:
    return {"": (zh, en)}


CODES: tuple[Code, ...] = (
    # --- whole files ----------------------------------------------------------
    Code("encoding", "文件编码无法识别", "unknown encoding", {
        "utf16": ("文件是 UTF-16 编码（Excel 的“Unicode 文本”），不是 CSV。" + SAVE_AS_CSV,
                  "The file is UTF-16 (Excel's 'Unicode Text'), not CSV. " + SAVE_AS_CSV_EN),
        "bom": ("文件开头标明是 UTF-8，但第 {offset} 字节（第 {line} 行）不是 UTF-8。请在 Excel 中重新另存为“CSV UTF-8（逗号分隔）”。",
                "The file starts with a UTF-8 BOM but byte {offset} (line {line}) is not UTF-8. "
                "Save it again in Excel as 'CSV UTF-8 (Comma delimited)'."),
        "": ("无法识别文件编码：既不是 UTF-8（第 {utf8_at} 字节，第 {utf8_line} 行出错），"
             "也不是 GB18030/GBK（第 {gb_at} 字节，第 {gb_line} 行出错）。" + SAVE_AS_CSV,
             "Unknown encoding: neither UTF-8 (fails at byte {utf8_at}, line {utf8_line}) "
             "nor GB18030/GBK (fails at byte {gb_at}, line {gb_line}). " + SAVE_AS_CSV_EN),
    }),
    Code("binary", "不是文本文件", "not a text file", {
        "xlsx": ("这不是 CSV 文本文件，而像是改了扩展名的 Excel 工作簿（.xlsx）。请直接提交 .xlsx 文件，或" + SAVE_AS_CSV.removeprefix("请"),
                 "This is not a CSV text file; it looks like an Excel workbook (.xlsx) renamed to .csv. "
                 "Send the .xlsx itself, or save it in Excel as 'CSV UTF-8 (Comma delimited)'."),
        "xls": ("这不是 CSV 文本文件，而像是改了扩展名的旧版 Excel 文件（.xls）或加密的工作簿。" + XLS_ZH,
                "This is not a CSV text file; it looks like an old Excel file (.xls) or an encrypted workbook renamed to .csv. " + XLS_EN),
        "": ("这不是 CSV 文本文件（第 {offset} 字节是空字符 NUL），常见原因是把 Excel 文件（.xlsx/.xls）直接改名为 .csv。" + SAVE_AS_CSV,
             "This is not a CSV text file (NUL byte at offset {offset}); usually an Excel file (.xlsx/.xls) renamed to .csv. " + SAVE_AS_CSV_EN),
    }),
    Code("unsupported-format", "不支持的文件格式", "unsupported file format", {
        "": (XLS_ZH, XLS_EN),
        "encrypted": ("这是旧版 Excel 文件（.xls）或加密的工作簿。" + XLS_ZH + "（如有密码，请先取消密码保护。）",
                      "This is an old Excel file (.xls) or an encrypted workbook. " + XLS_EN + " (Remove any password protection first.)"),
        "suffix": ("不支持“{suffix}”文件。请提交 .xlsx 工作簿或 CSV UTF-8 文件。",
                   "'{suffix_en}' files are not supported. Send an .xlsx workbook or a CSV UTF-8 file."),
    }),
    Code("unreadable", "文件无法读取", "unreadable file", {
        "csv": ("无法读取此 CSV 文件：{detail}", "Cannot parse this CSV file: {detail}"),
        "header": ("无法读取表头：{detail}", "Cannot parse the header: {detail}"),
        "xlsx": ("无法读取这个 Excel 文件{detail_zh}：文件可能已损坏，或不是 .xlsx 工作簿。"
                 "请在 Excel 中打开后重新另存为“Excel 工作簿（*.xlsx）”或“CSV UTF-8（逗号分隔）”。",
                 "Cannot read this Excel file{detail_en}: it may be damaged or not an .xlsx workbook. "
                 "Open it in Excel and save it again as 'Excel Workbook (*.xlsx)' or 'CSV UTF-8 (Comma delimited)'."),
    }),
    Code("empty-file", "空文件", "empty file", {
        "": ("文件是空的。", "File is empty."),
        "no-sheet": ("工作簿里没有工作表。", "The workbook has no worksheet."),
        "sheet": ("工作表“{sheet}”是空的。", "Worksheet '{sheet}' is empty."),
    }),
    Code("no-header", "缺少表头", "no header", {
        "": ("第一行应为表头（列名），但它是空的。", "The first line must be the header, but it is empty."),
        "sheet": ("工作表“{sheet}”的第 1 行应为表头（列名），但它是空的。请删除表头上方的空行或标题行。",
                  "Row 1 of worksheet '{sheet}' must be the header, but it is empty. Delete blank or title rows above the header."),
    }),
    Code("extra-sheets", "多个工作表有内容", "more than one worksheet", _one(
        "只读取第一个工作表“{sheet}”，但工作表 {others} 里也有内容。请把记录合并到第一个工作表，或把每个工作表分别另存为一个文件。",
        "Only the first worksheet ('{sheet}') is read, but worksheet(s) {others_en} also hold data. "
        "Move the records into the first worksheet, or save each worksheet as its own file.",
    )),
    Code("xlsx-too-large", "工作簿太大", "workbook too large", {
        "parts": ("工作簿由 {count} 个部分组成，超过上限 {max} 个，不像是普通的 Excel 工作簿，未读取。" + NEW_BOOK,
                  "The workbook has {count} parts, more than the {max} allowed; it is not an ordinary Excel workbook "
                  "and was not read. " + NEW_BOOK_EN),
        "part": ("工作簿的一个部分解压后有 {size} MB，超过上限 {max} MB，未读取。记录很多时请另存为“CSV UTF-8（逗号分隔）”，或分成几个文件提交。",
                 "One part of the workbook unpacks to {size} MB, more than the {max} MB allowed; it was not read. "
                 "For this many records save as 'CSV UTF-8 (Comma delimited)', or send several files."),
        "total": ("工作簿解压后共有 {size} MB，超过上限 {max} MB，未读取。记录很多时请另存为“CSV UTF-8（逗号分隔）”，或分成几个文件提交。",
                  "The workbook unpacks to {size} MB in all, more than the {max} MB allowed; it was not read. "
                  "For this many records save as 'CSV UTF-8 (Comma delimited)', or send several files."),
        "columns": ("单元格 {cell} 在第 {column} 列，记录表最多 {max} 列。请删除表格右侧多余的内容后再提交。",
                    "Cell {cell} is in column {column}; a record table has at most {max} columns. Delete what stands to the right, then send it again."),
        "cells": ("工作表补齐后超过 {max} 个单元格（{rows} 行有内容，最宽 {width} 列），未读取。请删除多余的行和列，"
                  "或另存为“CSV UTF-8（逗号分隔）”。",
                  "The sheet, padded to one width, has more than {max} cells ({rows} rows with values, {width} columns at the widest); "
                  "it was not read. Delete unneeded rows and columns, or save it as 'CSV UTF-8 (Comma delimited)'."),
        "elements": ("工作表的 XML 中有超过 {max} 个元素堆在一处，不像是 Excel 保存的文件，未读取。" + NEW_BOOK,
                     "The sheet's XML piles up more than {max} elements in one place, which Excel never writes; it was not read. " + NEW_BOOK_EN),
    }),
    Code("xlsx-compression-ratio", "压缩比异常", "suspicious compression", _one(
        "工作簿的一个部分被压缩了 {ratio} 倍（解压后 {size} MB），正常的工作簿不到 {max} 倍。这是“压缩炸弹”的特征，文件未被解压读取。" + NEW_BOOK,
        "One part of the workbook is compressed {ratio} times (it unpacks to {size} MB); real workbooks stay below {max} times. "
        "That is the mark of a zip bomb, and the file was not unpacked. " + NEW_BOOK_EN,
    )),
    Code("xlsx-unsafe-xml", "工作簿含不安全的 XML", "unsafe XML in the workbook", _one(
        "工作簿的“{part}”部分含有 DTD 或实体声明。Excel 从不写这些，它们可能用来耗尽内存或读取本机文件，所以文件未被读取。" + NEW_BOOK,
        "The workbook part '{part}' holds a DTD or entity declarations. Excel never writes them; they can exhaust memory "
        "or read local files, so the file was not read. " + NEW_BOOK_EN,
    )),
    Code("cell-too-long", "单元格内容太长", "cell too long", _one(
        "单元格 {cells} 的内容超过 {max} 个字符（共 {count} 个单元格），不会被读取，也不会被显示。记录中的文字都很短"
        "（备注最多 200 个字符）：请检查这些单元格，删去多余的内容后再提交。",
        "Cell(s) {cells_en} hold more than {max} characters ({count} in all); they are neither read nor shown. Record cells "
        "are short (a note has at most 200 characters): check these cells and remove what does not belong there.",
    )),
    Code("formula-cell", "单元格是公式", "formula in a cell", _one(
        "单元格 {cells} 是公式（共 {count} 个）。记录里不能有公式：文件里保存的是公式上次算出的结果，可能已经过时，"
        "公开的数字就会与看到的不一致。请选中这些单元格 → 复制 → 在原处右键“选择性粘贴”→“数值”，核对后保存再提交。",
        "Cell(s) {cells_en} hold formulas ({count} in all). Records must hold values: the file keeps a formula's last result, "
        "which may be stale, so the published number could differ from what you see. Select the cells, Copy, then "
        "Paste Special → Values in place, check them, save and send again.",
    )),
    Code("hidden-sheet", "隐藏的工作表有内容", "hidden worksheet with data", _one(
        "工作表 {others} 被隐藏，但里面有内容。" + UNHIDE + "请右键工作表标签 →“取消隐藏”，核对其内容：记录放进第一个工作表，"
        "其余的工作表请删除，再提交。",
        "Worksheet(s) {others_en} are hidden but hold data. " + UNHIDE_EN + " Right-click a sheet tab → Unhide and check it: "
        "put the records into the first worksheet, delete the other sheets, and send it again.",
    )),
    Code("hidden-rows", "隐藏的行有内容", "hidden rows with data", _one(
        "第 {rows} 行被隐藏（或被筛选掉），但有内容（共 {count} 行）。" + UNHIDE + "请全选 → 右键行号 →“取消隐藏”"
        "（用了筛选的请“清除筛选”），核对这些行，不该报送的行请删除，再提交。",
        "Row(s) {rows_en} are hidden (or filtered out) but hold data ({count} in all). " + UNHIDE_EN + " Select all, "
        "right-click the row numbers → Unhide (or Clear Filter), check those rows, delete any that do not belong, and send it again.",
    )),
    Code("hidden-columns", "隐藏的列有内容", "hidden columns with data", _one(
        "第 {columns} 列被隐藏，但有内容（例如单元格 {cell}）。" + UNHIDE + "请全选 → 右键列标 →“取消隐藏”，"
        "核对这些列，不该报送的列请删除，再提交。",
        "Column(s) {columns_en} are hidden but hold data (e.g. cell {cell}). " + UNHIDE_EN + " Select all, right-click "
        "the column letters → Unhide, check those columns, delete any that do not belong, and send it again.",
    )),
    Code("ragged-row", "字段数与表头不同", "ragged row", {
        "": ("这一行有 {fields} 个字段，表头有 {width} 个。请检查多余或缺少的逗号。",
             "Row has {fields} fields but the header has {width}. Check for extra or missing commas."),
        "rows": ("第 {rows} 行的字段数与表头（{width} 个）不同。请检查多余或缺少的逗号。",
                 "Rows {rows_en} do not have the header's {width} fields. Check for extra or missing commas."),
    }),
    Code("no-rows", "只有表头没有记录", "no rows", _one("文件只有表头，没有记录。", "The file has a header but no rows.")),
    Code("unexpected-file", "多余的文件", "unexpected file", _one(
        "rounds/ 下只能放“rounds/<批次>/文件名.csv”。这个文件或文件夹不会被读取，请移走或另存为 CSV UTF-8。",
        "Only rounds/<round>/<name>.csv belongs under rounds/; move this away or save it as CSV UTF-8.",
    )),
    Code("personal-data-file-name", "文件名里有个人信息", "personal data in a file name", _one(
        "文件名或批次文件夹名里疑似有个人信息（{kind}）。文件名会随下载文件和封存存档一起公开。"
        "请改名，例如用区县拼音（shawan.csv）；受助人只用受助人编码表示。",
        "The file or round folder name looks like it holds personal data ({kind_en}). File names are "
        "published with the downloads and the sealed archive. Rename it, e.g. after the district (shawan.csv); "
        "recipients are identified only by recipient_ref.",
    )),
    Code("symlink", "符号链接", "symbolic link", {
        "": ("这是一个符号链接（快捷方式），不会被读取：rounds/ 下只接受文件和文件夹本身。请用它指向的文件或文件夹本身替换它。",
             "This is a symbolic link and is not read: only real files and folders belong under rounds/. "
             "Replace it with the file or folder itself."),
        "outside": ("这是一个指向数据文件夹之外的符号链接（快捷方式），不会被读取。请把要报送的文件本身复制到这里。",
                    "This is a symbolic link to a place outside the data folder and is not read. Copy the file itself here."),
    }),
    Code("no-records", "没有发放记录", "no records", _one(
        "没有找到任何发放记录文件（rounds/<批次>/*.csv）。", "No record files found (rounds/<round>/*.csv).",
    )),
    # --- the header -------------------------------------------------------------
    Code("personal-data-column", "个人信息列", "personal-data column", _one(
        "这一列是个人信息（姓名、身份证号、电话、银行卡号、住址等），不得公开。请删除这一列；受助人只用受助人编码表示。",
        "This column holds personal data (name, ID number, phone, bank card, address…) and must not be "
        "published. Delete it; recipients are identified only by recipient_ref.",
    )),
    Code("unknown-column", "未知的列名", "unknown column", _one(
        "未知的列名。表头只能用这些列名（中文或英文）：" + COLUMN_LIST + "。例如把“发放金额”改为“金额（元）”；不需要的列请删除。",
        "Unknown column. The header may only use these column names (Chinese or English): " + COLUMN_LIST_EN
        + ". For example, rename '发放金额' to '金额（元）'; delete columns that are not needed.",
    )),
    Code("duplicate-column", "列名重复", "duplicate column", _one("列名重复。", "Column appears twice.")),
    Code("unnamed-column", "没有列名的列", "unnamed column", _one(
        "第 {number} 列没有列名却有内容。", "Column {number} has no header but holds values.",
    )),
    Code("missing-column", "缺少必需的列", "missing column", _one(
        "缺少必需的列“{label}”（{column}）。", "Required column '{column}' ({label}) is missing.",
    )),
    Code("merged-cells", "数据区有合并单元格", "merged cells among the records", _one(
        "单元格 {range} 是合并的，合并后只有第一格有值，其余各行会被读成空值。请选中这些单元格，取消合并，并在每一行填上自己的值。",
        "Cells {range} are merged: only the first cell keeps its value and the other rows would be read as empty. "
        "Unmerge them and fill in each row's own value.",
    )),
    # --- cells ------------------------------------------------------------------
    Code("required", "必填项为空", "required value missing", {
        "": ("“{label}”必填，不能为空。", "'{column}' is required."),
        "plain": ("必填，不能为空。", "'{column}' is required."),
    }),
    Code("record-id-format", "记录编号格式不对", "malformed record id", _one(
        "记录编号只能包含字母、数字、“-”和“_”，必须以字母或数字开头，最长 64 个字符。",
        "record_id may contain only letters, digits, '-' and '_', must start with a letter or digit, and has at most 64 characters.",
    )),
    Code("duplicate-record-id", "记录编号重复", "duplicate record id", _one(
        "记录编号重复，已出现在 {first}。记录编号必须在所有文件和批次中唯一。",
        "Duplicate record_id, first seen at {first_en}; ids must be unique.",
    )),
    Code("undeclared-round-folder", "文件夹不是已声明的批次", "folder is not a declared round", _one(
        "文件所在文件夹不是已声明的批次（{rounds}）。", "The file's folder is not a declared round ({rounds_en}).",
    )),
    Code("round-folder-mismatch", "批次与文件夹不一致", "round differs from its folder", _one(
        "批次“{value}”与文件所在文件夹不一致。", "Round '{value}' differs from the folder the file is in.",
    )),
    Code("date-format", "日期无法识别", "unreadable date", {
        "": ("日期无法识别。请写成 2012-01-05、2012/1/5 或 2012年1月5日。", "Unreadable date. Use 2012-01-05, 2012/1/5 or 2012年1月5日."),
        "filed_on": ("建档日期无法识别。请写成 2011-06-01、2011/6/1 或 2011年6月1日。",
                     "Unreadable hardship-file date. Use 2011-06-01, 2011/6/1 or 2011年6月1日."),
        "correction": ("更正日期无法识别。请写成 2012-01-05、2012/1/5 或 2012年1月5日。",
                       "Unreadable correction date. Use 2012-01-05, 2012/1/5 or 2012年1月5日."),
        "redaction": ("删除日期无法识别。请写成 2012-01-05、2012/1/5 或 2012年1月5日。",
                      "Unreadable redaction date. Use 2012-01-05, 2012/1/5 or 2012年1月5日."),
    }),
    Code("date-outside-window", "日期不在活动期间", "date outside the campaign", _one(
        "发放日期不在活动期间（{start} 至 {end}）内。", "Date is outside the campaign window ({start} to {end}).",
    )),
    Code("undeclared-name", "名称未声明", "undeclared name", {
        "": ("“{value}”不是已声明的{label}。{hint}", "'{value}' is not a declared {column}.{hint_en}"),
        "allocation": ("“{value}”未在活动配置文件中声明。{hint}", "'{value}' is not a declared {column}."),
        "round": ("“{value}”不是已声明的批次（{rounds}）。", "'{value}' is not a declared round ({rounds_en})."),
    }),
    Code("aid-type", "救助形式不对", "unknown aid type", _one(
        "救助形式应为 现金、物资 或 服务（cash、goods、service）。", "aid_type must be cash, goods or service (现金/物资/服务).",
    )),
    Code("goods-required", "物资信息缺失", "goods details missing", _one(
        "救助形式为物资时，“{label}”必填。", "'{column}' is required when aid_type is goods.",
    )),
    Code("amount-format", "金额格式不对", "malformed amount", {
        "": ("金额应为 0 至 {max} 之间的数字，最多两位小数，例如 1200 或 1200.50。",
             "amount_yuan must be a number from 0 to {max} with at most two decimals, e.g. 1200 or 1200.50."),
        "allocation": ("金额应为 0 至 {max} 之间的数字，最多两位小数。",
                       "amount_yuan must be a number from 0 to {max} with at most two decimals."),
    }),
    Code("quantity-format", "数量格式不对", "malformed quantity", _one(
        "数量应为大于 0、不超过 {max} 的数字，最多两位小数。", "quantity must be a number > 0 and at most {max}, with at most two decimals.",
    )),
    Code("total-mismatch", "合计数与明细不符", "total differs from the rows", _one(
        "这是合计（小计）行，不作为记录公开；但它的“{label}”{value} 与所合计各行之和 {sum} 不一致。"
        "请核对各行的{label}和合计数，例如各行之和是 {sum}，合计就写 {sum}。",
        "This is a total (subtotal) row, not published as a record; but its {column} {value} differs from the sum of the rows it totals, {sum}. "
        "Check the rows and the total.",
    )),
    Code("recipient-ref-format", "受助人编码格式不对", "malformed recipient ref", _one(
        "受助人编码应为 32 至 64 位小写十六进制字符（0-9、a-f）。", "recipient_ref must be 32 to 64 lowercase hexadecimal characters.",
    )),
    Code("formula-prefix", "文字像公式", "text starts like a formula", _one(
        "文字不能以 = + - @ 或制表符开头（在 Excel 中会被当作公式执行）。", "Text must not start with = + - @ or a tab (Excel would run it as a formula).",
    )),
    Code("personal-data", "疑似个人信息", "personal data", _one(
        "疑似个人信息（{kind}），不得公开。请删除；受助人只用受助人编码表示。",
        "Looks like personal data ({kind_en}) and must not be published. Remove it; use recipient_ref.",
    )),
    Code("note-too-long", "备注太长", "note too long", _one(
        "备注最多 {max} 个字符。", "note may have at most {max} characters.",
    )),
    Code("duplicate-allocation", "拨付额重复", "allocation listed twice", _one(
        "同一资金来源和区县的拨付额重复出现。", "The same fund source and destination appear twice.",
    )),
    Code("duplicate-submission", "报送记录重复", "submission listed twice", _one(
        "同一批次（{round}）和区县重复出现，已在第 {first} 行。", "The same round ({round}) and district appear twice; first at row {first}.",
    )),
    # --- corrections ----------------------------------------------------------------
    Code("correction-reason-required", "更正说明为空", "correction without a reason", _one(
        "更正说明必填：每一处更正都要公开说明理由。", "reason is required: every correction is published with its reason.",
    )),
    Code("duplicate-correction-id", "更正编号重复", "duplicate correction id", _one(
        "更正编号重复，已出现在第{first}行。更正编号必须唯一。", "Duplicate correction_id, first seen at row {first}; ids must be unique.",
    )),
    Code("correction-field", "不能更正的字段", "field cannot be corrected", _one(
        "“{value}”不能更正。可更正的字段：{fields}；撤回记录写 {withdraw}。记录编号和批次不能更正：请撤回该记录并另报新记录。",
        "'{value}' cannot be corrected. Correctable fields: {fields_en}; '{withdraw}' withdraws the record. "
        "record_id and round cannot change: withdraw and report a new record.",
    )),
    Code("correction-withdraw-values", "撤回记录的值不对", "withdrawal with values", {
        "new": ("撤回记录时“新值”应为空或 true。", "To withdraw a record, new_value must be empty or 'true'."),
        "old": ("撤回记录时“原值”应为空。", "To withdraw a record, old_value must be empty."),
    }),
    Code("undeclared-round", "批次未声明", "undeclared round", _one(
        "批次不是已声明的批次（{rounds}）。", "Round is not a declared round ({rounds_en}).",
    )),
    Code("correction-unknown-record", "更正的记录不存在", "corrected record not found", _one(
        "没有记录编号为“{record_id}”的记录，无法更正。", "No record has record_id '{record_id}'; nothing to correct.",
    )),
    Code("correction-withdrawn-record", "记录已撤回", "record already withdrawn", _one(
        "记录“{record_id}”已被此前的更正撤回，不能再更正。", "Record '{record_id}' was withdrawn by an earlier correction and cannot be corrected.",
    )),
    Code("correction-old-value-mismatch", "原值与当前值不一致", "old value differs", _one(
        "原值“{old}”与记录“{record_id}”的“{field}”当前值“{current}”不一致，更正未采用。",
        "old_value '{old}' differs from the current {field} of record '{record_id}', '{current}'; the correction was not applied.",
    )),
    # --- redactions (take-down) ------------------------------------------------------
    Code("redaction-id-format", "删除编号格式不对", "malformed redaction id", _one(
        "删除编号只能包含字母、数字、“-”和“_”，以字母或数字开头，最长 {max} 个字符（删除记录编号时，记录改称 redacted-<删除编号>）。",
        "redaction_id may contain only letters, digits, '-' and '_', must start with a letter or digit, and has at most {max} "
        "characters (a record whose id is removed becomes redacted-<redaction_id>).",
    )),
    Code("duplicate-redaction-id", "删除编号重复", "duplicate redaction id", _one(
        "删除编号重复，已出现在第{first}行。删除编号必须唯一。", "Duplicate redaction_id, first seen at row {first}; ids must be unique.")),
    Code("redaction-reason-required", "删除理由为空", "redaction without a reason", _one(
        "删除理由必填：删除这件事和它的理由会记入账本并公开（被删除的值不会）。",
        "reason is required: the fact of the redaction and its reason are recorded in the ledger and published (never the value).")),
    Code("redaction-target", "删除对象写法不对", "malformed redaction target", _one(
        "对象应为记录编号、sha256:<记录编号的 SHA-256>、correction:<更正编号> 或 file:<输入文件内容的 SHA-256>（64 位小写十六进制）。",
        "target must be a record_id, sha256:<SHA-256 of a record_id>, correction:<correction_id> or "
        "file:<SHA-256 of an input file's bytes> (64 lowercase hex digits).",
    )),
    Code("redaction-field", "不能删除的字段", "field cannot be redacted", {
        "record": ("记录中只能删除这些字段的值：{fields}。", "Only these fields of a record can be redacted: {fields_en}."),
        "correction": ("更正中只能删除 old_value、new_value、reason（原值、新值、更正说明）。",
                       "Only old_value, new_value and reason of a correction can be redacted."),
        "file": ("输入文件只能删除文件名：字段写 name（文件名）。", "Only the name of an input file can be redacted: write field name."),
    }),
    Code("redaction-names-value", "删除表里写了要删除的值", "redaction names the value", _one(
        "要删除的是记录编号本身，对象就不能写这个编号（否则删除表里就有这个值）。请把对象改为 {target}。",
        "The record_id itself is removed, so the target must not be that id (or redactions.csv would hold the value). "
        "Write the target as {target}.",
    )),
    Code("redaction-unknown-target", "删除对象不存在", "redaction target not found", {
        "record": ("没有这条记录（sha256: 按记录原来编号的 SHA-256 查找），无法删除。",
                   "No record has this id (sha256: matches the SHA-256 of a record's original id); nothing to redact."),
        "correction": ("没有更正编号为“{target}”的更正，无法删除。", "No correction has correction_id '{target}'; nothing to redact."),
        "file": ("账本中没有哪个已封存批次的输入文件内容的 SHA-256 是这个值。文件名只在封存时写进账本；未封存的文件直接改名即可。",
                 "No sealed round's input file in the ledger has this SHA-256. File names enter the ledger only when a round "
                 "is sealed; a file of a round not yet sealed can simply be renamed."),
    }),
    Code("redaction-old-ledger", "旧格式账本行中的文件名", "file name in an old ledger line", _one(
        "这个文件的名字记在账本第 {line} 行，这一行是旧格式（没有 format 2）：它的哈希值覆盖文件名本身，删掉文件名会断开哈希链，所以无法删除。"
        "2 版格式（make seal 现在写的格式）的行可以删除文件名。",
        "This file's name is in ledger line {line}, an old-format line (no format 2): its hash covers the name itself, so "
        "removing the name would break the hash chain, and it cannot be redacted. Lines of format 2 (what make seal writes "
        "now) can have file names removed.",
    )),
    Code("redaction-pending", "删除尚未记入账本", "redaction not yet in the ledger", _one(
        "批次 {round} 已封存，删除 {ids} 还没有记入账本：已封存的存档或账本里还有被删除的值，账本也还没有记录这次删除。"
        "请运行 make redact（先生成网站，再改写存档、在账本中记一行，然后重新生成网站），再发布网站。",
        "Round {round} is sealed and redaction(s) {ids} are not yet in the ledger: the sealed archive or the ledger still "
        "holds the removed value, and the ledger does not record the redaction. Run make redact (it builds, rewrites the archive, "
        "appends a ledger line and builds again), then publish the site.",
    )),
    Code("redaction-ledger-mismatch", "删除表与账本不一致", "redactions differ from the ledger", {
        "missing": ("账本第 {line} 行记录了删除 {id}，但 redactions.csv 中没有它。记入账本的删除不能撤销：请把这一行放回 redactions.csv。",
                    "Ledger line {line} records redaction {id}, but redactions.csv lacks it. A redaction in the ledger "
                    "cannot be undone: put the line back into redactions.csv."),
        "changed": ("删除 {id} 的{what}与账本第 {line} 行记录的不同。记入账本的删除不能修改：请恢复原来的写法。",
                    "Redaction {id} differs from ledger line {line} in {what_en}. A redaction in the ledger cannot be "
                    "changed: restore what was written."),
    }),
    # --- the sealed history -----------------------------------------------------------
    Code("ledger-format", "账本格式不对", "malformed ledger", {
        "bom": ("账本文件开头有 BOM，请用原样的文件。", "The ledger starts with a byte-order mark; use the file as written."),
        "json": ("这一行不是 JSON（账本每行一个清单）。", "This line is not JSON (one manifest per line)."),
        "object": ("这一行不是 JSON 对象。", "This line is not a JSON object."),
        "canonical": ("这一行不是规范格式（键排序、无空格），可能被重新保存或修改过。",
                      "This line is not in canonical form (sorted keys, no spaces); it was re-saved or edited."),
        "entries": ("{key} 应为非空的文件列表。", "{key} must be a non-empty list of files."),
        "entry": ("{key} 中的条目应为 {{path, bytes, sha256}}。", "Each {key} entry must be {{path, bytes, sha256}}."),
        "entry-path": ("{key} 中的路径应在 {prefix} 之下。", "{key} paths must lie under {prefix}."),
        "entry-order": ("{key} 应按路径排序且不重复。", "{key} must be sorted by path, without repeats."),
        "fields": ("清单缺少字段。", "The manifest lacks fields."),
        "round": ("批次编号格式不对。", "Malformed round id."),
        "sealed_on": ("sealed_on 应为日期 YYYY-MM-DD。", "sealed_on must be a date YYYY-MM-DD."),
        "hash": ("{key} 应为 64 位十六进制 SHA-256。", "{key} must be a 64-hex-digit SHA-256."),
        "format": ("format 应为 2（没有 format 的行是旧格式）。", "format must be 2 (a line without format is of the old format)."),
        "extra-fields": ("清单有不认识的字段。", "The manifest has unknown fields."),
        "entry-2": ("{key} 中的条目应为 {{path, bytes, sha256}} 或 {{path_sha256, bytes, sha256}}。",
                    "Each {key} entry must be {{path, bytes, sha256}} or {{path_sha256, bytes, sha256}}."),
        "entry-repeat": ("{key} 中有同一个文件出现两次。", "A file appears twice in {key}."),
        "redacted_on": ("redacted_on 应为日期 YYYY-MM-DD。", "redacted_on must be a date YYYY-MM-DD."),
        "redactions": ("redactions 应为非空列表，每项为 {{id, target, field, reason, date, value_sha256}}。",
                       "redactions must be a non-empty list of {{id, target, field, reason, date, value_sha256}}."),
        "redaction-id": ("删除编号 {value} 在账本中出现两次。", "Redaction {value} appears twice in the ledger."),
        "redaction-before-seal": ("批次 {value} 的删除行出现在它的封存行之前。", "A redaction line of round {value} comes before the round was sealed."),
        "signature": ("signature 应为 64 字节 Ed25519 签名的 base64（标准写法，带 = 补齐）。",
                      "signature must be the base64 (standard, padded) of a 64-byte Ed25519 signature."),
    }),
    Code("ledger-chain", "账本哈希链断开", "ledger chain broken", _one(
        "哈希链断开：previous 应为 {expected}（上一行的 SHA-256），实为 {previous}。上一行或这一行被改过、删过或调换过。",
        "Hash chain broken: previous should be {expected} (SHA-256 of the line before), is {previous}. A line was changed, removed or reordered.",
    )),
    Code("ledger-duplicate-round", "批次重复封存", "round sealed twice", _one(
        "批次 {round} 已在第 {first} 行封存过。", "Round {round} was already sealed on line {first}.",
    )),
    Code("ledger-public-key", "账本公钥不对", "ledger public key unusable", {
        "malformed": ("{path} 不是 Ed25519 公钥（PEM 格式，-----BEGIN PUBLIC KEY-----）。请从 git 恢复 make signkey 写出的原文件。",
                      "{path} is not an Ed25519 public key (PEM, -----BEGIN PUBLIC KEY-----). Restore the file make signkey wrote from git."),
        "missing": ("账本第 {line} 行有签名，但数据文件夹里没有公钥 {path}，签名无法核对。请从 git 恢复公钥文件。",
                    "Ledger line {line} is signed, but the data folder has no public key {path} to check it with. Restore the key file from git."),
    }),
    Code("ledger-signature-missing", "账本行没有签名", "ledger line not signed", _one(
        "这一行没有签名，但它之前的第 {first} 行已经签名：开始签名以后，每一行都必须用工会的私钥签名。"
        "这一行可能是没有私钥的人写入或改动的；请从 git 恢复账本，再用 make seal / make redact（SIGNKEY=…）重新写入。",
        "This line is not signed, but line {first} before it is: once lines are signed, every later line must be signed "
        "with the union's key. It may have been written or changed by someone without the key; restore the ledger from git "
        "and write the line again with make seal / make redact (SIGNKEY=…).",
    )),
    Code("ledger-signature-bad", "账本签名不符", "ledger signature does not verify", _one(
        "这一行的签名与公钥 {path}（指纹 {fingerprint}）不符：这一行在签名之后被改过，或者不是用工会的私钥签的。请从 git 恢复账本。",
        "This line's signature does not verify with the public key {path} (fingerprint {fingerprint}): the line was changed "
        "after it was signed, or it was not signed with the union's key. Restore the ledger from git.",
    )),
    Code("sealed-input-changed", "已封存的输入文件被改动", "sealed input changed", {
        "gone": ("批次 {round} 已于 {sealed_on} 封存，这个输入文件不见了。请从 git 恢复原文件。",
                 "Round {round} was sealed on {sealed_on}; this input file is gone. Restore it from git."),
        "changed": ("批次 {round} 已于 {sealed_on} 封存，这个输入文件被改过（SHA-256 封存时 {sealed}，现在 {now}）。请从 git 恢复原文件；更正需另行登记。",
                    "Round {round} was sealed on {sealed_on}; this input file changed (SHA-256 sealed {sealed}, now {now}). "
                    "Restore it from git; corrections must be recorded separately."),
        "added": ("批次 {round} 已于 {sealed_on} 封存，之后不能再往 rounds/{round}/ 加文件。请移走这个文件。",
                  "Round {round} was sealed on {sealed_on}; no file may be added to rounds/{round}/ afterwards. Move this file away."),
    }),
    Code("sealed-archive-changed", "已封存的存档被改动", "sealed archive changed", {
        "path": ("清单中的路径不在 {prefix} 之下。", "A published path in the manifest is not under {prefix}."),
        "gone": ("批次 {round} 的存档文件不见了。请从 git 恢复。", "The archived file of round {round} is gone. Restore it from git."),
        "changed": ("批次 {round} 的存档文件被改过（SHA-256 封存时 {sealed}，现在 {now}）。请从 git 恢复。",
                    "The archived file of round {round} changed (SHA-256 sealed {sealed}, now {now}). Restore it from git."),
        "added": ("批次 {round} 的存档里多了一个封存时没有的文件。请移走。", "Round {round}'s archive holds a file that was not sealed. Move it away."),
        "rewrite": ("批次 {round} 的存档文件不是网站写出的格式（UTF-8 BOM、每格加引号），无法在其中删除值。请从 git 恢复。",
                    "The archived file of round {round} is not in the format the site writes (UTF-8 with BOM, every field "
                    "quoted), so no value can be taken out of it. Restore it from git."),
    }),
)

CODE: dict[str, Code] = {c.code: c for c in CODES}
