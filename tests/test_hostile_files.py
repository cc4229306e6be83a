"""Hostile and misleading files (issue 8, items 5 and 6): zip bombs, XML entities,
huge cells, formulas with stale results, hidden sheets, rows and columns,
symbolic links under data/rounds/, and values too long to print.

Every workbook here is made byte by byte (`book`), so each test says exactly
what the file holds; the refusals go through the real readers and commands.
"""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_intake import cli, tree_digest, valid_id

from warmth.core.problems import DataError, Problem, excerpt
from warmth.figures.dataset import read_dataset
from warmth.intake import package, sheet
from warmth.intake.listing import round_files
from warmth.intake.sources import SourceError, read_rows, read_xlsx

from test_validate import EN, row, write_csv

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ["记录编号", "金额（元）", "备注"]


def cells_xml(rows: list[list], *, first: int = 1, row_attrs: dict[int, str] | None = None) -> str:
    """<row>s of inline strings and numbers (None: no cell), numbered from ``first``."""
    out = []
    for number, values in enumerate(rows, start=first):
        cells = []
        for column, value in enumerate(values):
            ref = f"{chr(65 + column)}{number}"
            if value is None:
                continue
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        out.append(f'<row r="{number}" {(row_attrs or {}).get(number, "")}>{"".join(cells)}</row>')
    return "".join(out)


def book(*sheets: tuple[str, str, str], strings: list[str] | None = None, prolog: dict[str, str] | None = None) -> bytes:
    """A minimal .xlsx: sheets as (name, state, XML inside <worksheet>), shared strings, a prolog per part."""
    prolog = prolog or {}
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    }
    entries, rels = [], []
    for i, (name, state, body) in enumerate(sheets, start=1):
        entries.append(f'<sheet name="{name}" sheetId="{i}" state="{state}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{DOC}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        parts[f"xl/worksheets/sheet{i}.xml"] = f'<worksheet xmlns="{MAIN}">{body}</worksheet>'
    if strings is not None:
        rels.append(f'<Relationship Id="rIdS" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    parts["xl/workbook.xml"] = f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>{"".join(entries)}</sheets></workbook>'
    parts["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{RELS}">{"".join(rels)}</Relationships>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, prolog.get(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n') + text)
    return buffer.getvalue()


def one_sheet(rows_xml: str, before: str = "", after: str = "", *, state: str = "visible") -> bytes:
    return book(("记录", state, f"{before}<sheetData>{rows_xml}</sheetData>{after}"))


def refused(raw: bytes) -> SourceError:
    with pytest.raises(SourceError) as exc:
        read_xlsx(raw)
    return exc.value


def test_a_made_workbook_reads_like_one_from_excel():
    raw = one_sheet(cells_xml([HEADER, ["SW-1", 1200, "慰问"], ["SW-2", 300.5, None]]))
    assert read_xlsx(raw) == (HEADER, [(2, ["SW-1", "1200", "慰问"]), (3, ["SW-2", "300.5", ""])])


# ------------------------------------------------------------- zip bombs


def bomb(size: int = 200_000_000) -> bytes:
    """A workbook whose one shared string unpacks to ``size`` bytes: about 227 KB on disk for 200 MB."""
    raw = book(("记录", "visible", f"<sheetData>{cells_xml([HEADER])}<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c></row></sheetData>"),
               strings=["x"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                out.writestr(info.filename, src.read(info.filename))
                continue
            with out.open(info.filename, "w") as handle:
                handle.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
                block = b"A" * (1 << 20)
                for _ in range(size // len(block)):
                    handle.write(block)
                handle.write(b"</t></si></sst>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "沙湾区.xlsx"
    path.write_bytes(bomb())
    return path


def test_zip_bomb_is_refused_from_the_directory_with_small_memory(bomb_file):
    assert bomb_file.stat().st_size < 300_000  # the 227 KB file: one 200 MB string
    tracemalloc.start()
    try:
        err = refused(bomb_file.read_bytes())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # nothing was unpacked (the file itself is read before tracing)
    assert err.rule == "xlsx-compression-ratio"
    assert "压缩炸弹" in err.message_zh and "zip bomb" in err.message_en
    assert err.message_zh.index("压缩") < str(err).index("compressed")  # Chinese first
    assert "AAAA" not in str(err)


def test_zip_bomb_through_the_build_and_make_check(tmp_path, root, small_data, bomb_file):
    target = small_data / "rounds/2012-01/bomb.xlsx"
    target.write_bytes(bomb_file.read_bytes())
    with pytest.raises(DataError) as err:
        read_dataset(small_data)
    assert [(p.file, p.rule) for p in err.value.problems] == [("rounds/2012-01/bomb.xlsx", "xlsx-compression-ratio")]
    result = cli(root, "check", "--data", str(small_data), "--file", str(bomb_file))
    assert result.returncode == 1 and "xlsx-compression-ratio" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < 2_000


def test_each_size_cap_has_its_refusal(monkeypatch):
    raw = one_sheet(cells_xml([HEADER, ["SW-1", 1, "x" * 500]]))
    monkeypatch.setattr(package, "XLSX_MAX_PART_BYTES", 400)
    assert (refused(raw).rule, "上限" in refused(raw).message_zh) == ("xlsx-too-large", True)
    monkeypatch.undo()
    monkeypatch.setattr(package, "XLSX_MAX_TOTAL_BYTES", 1_000)
    err = refused(raw)
    assert err.rule == "xlsx-too-large" and "MB" in err.message_zh
    monkeypatch.undo()
    monkeypatch.setattr(package, "XLSX_MAX_PARTS", 3)
    err = refused(raw)
    assert err.rule == "xlsx-too-large" and "部分" in err.message_zh


def test_a_part_larger_than_its_directory_says_stops_at_the_declared_size():
    raw = bytearray(bomb(20_000_000))
    entry = raw.find(b"PK\x01\x02")  # the zip's directory: claim sharedStrings.xml unpacks to 2,000 bytes
    while raw[entry + 46 : entry + 46 + int.from_bytes(raw[entry + 28 : entry + 30], "little")] != b"xl/sharedStrings.xml":
        entry = raw.find(b"PK\x01\x02", entry + 1)
        assert entry > 0
    raw[entry + 24 : entry + 28] = (2_000).to_bytes(4, "little")
    tracemalloc.start()
    try:
        err = refused(bytes(raw))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.rule == "unreadable" and peak < 5 * 2**20


def test_millions_of_parts_are_refused_before_zipfile_lists_them():
    raw = bytearray(one_sheet(cells_xml([HEADER])))
    end = raw.rfind(b"PK\x05\x06")
    raw[end + 10 : end + 12] = (0xFFFF).to_bytes(2, "little")  # a ZIP64-sized directory
    err = refused(bytes(raw))
    assert err.rule == "xlsx-too-large" and "65,535" in err.message_zh


# ------------------------------------------------------------ unsafe XML

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]>\n"
)


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml", "_rels/.rels"])
def test_entity_expansion_is_refused_in_any_part(part):
    raw = book(("记录", "visible", f"<sheetData>{cells_xml([HEADER, ['SW-1', 1, '慰问']])}</sheetData>"), strings=["慰问"],
               prolog={part: LAUGHS})
    tracemalloc.start()
    try:
        err = refused(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.rule == "xlsx-unsafe-xml" and part in err.message_zh and "DTD" in err.message_en
    assert peak < 5 * 2**20 and "lol" not in str(err)


def test_external_entities_are_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-511102", encoding="utf-8")
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
    raw = book(("记录", "visible", f"<sheetData>{cells_xml([HEADER, ['&xxe;', 1, 'x']])}</sheetData>"),
               prolog={"xl/worksheets/sheet1.xml": prolog})
    err = refused(raw)
    assert err.rule == "xlsx-unsafe-xml" and "TOP-SECRET" not in str(err)


def test_millions_of_empty_elements_keep_memory_small():
    junk = "".join(f'<x a="{i * 7919 % 100_003}"/>' for i in range(300_000)) + "<y>" * 10 + "</y>" * 10
    raw = one_sheet(cells_xml([HEADER, ["SW-1", 1, "慰问"]]), before=junk, after=junk)
    tracemalloc.start()
    try:
        assert read_xlsx(raw)[1] == [(2, ["SW-1", "1", "慰问"])]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # 600,000 elements kept, with their attributes, would take over 100 MB


def test_too_deep_or_too_crowded_xml_is_refused(monkeypatch):
    deep = one_sheet(cells_xml([HEADER]), before="<x>" * 100 + "</x>" * 100)
    assert refused(deep).rule == "unreadable"
    monkeypatch.setattr(package, "XLSX_MAX_RECORD_ELEMENTS", 1_000)
    crowded = one_sheet(cells_xml([HEADER]) + '<row r="2">' + "<x/>" * 2_000 + "</row>")
    assert refused(crowded).rule == "xlsx-too-large"


# ------------------------------------------------------------ huge cells


def test_an_over_long_cell_is_named_never_shown():
    ident = valid_id()
    long = "慰问" * 300 + ident + "很" * 400
    raw = one_sheet(cells_xml([HEADER, ["SW-1", 1, "慰问"], ["SW-2", 2, long]]))
    err = refused(raw)
    assert err.rule == "cell-too-long" and "C3" in err.message_zh and "C3" in err.message_en
    assert "1,000" in err.message_zh and ident not in str(err) and "慰问慰问" not in str(err)
    shared = book(("记录", "visible", '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'), strings=["备" * 1_001])
    assert refused(shared).rule == "cell-too-long"
    assert read_xlsx(one_sheet(cells_xml([HEADER, ["SW-1", 1, "很" * 1_000]])))[1][0][1][2] == "很" * 1_000


def test_cells_beyond_the_last_column_or_too_many_cells_are_refused(monkeypatch):
    far = one_sheet(cells_xml([HEADER]) + '<row r="2"><c r="ZZ2"><v>1</v></c></row>')
    err = refused(far)
    assert err.rule == "xlsx-too-large" and "ZZ2" in err.message_zh
    formatted_only = one_sheet(cells_xml([HEADER, ["SW-1", 1, "x"]]) + '<row r="3"><c r="XFD3" s="0"/></row>')
    assert read_xlsx(formatted_only)[0] == HEADER  # an empty formatted cell far right is harmless
    monkeypatch.setattr(sheet, "XLSX_MAX_CELLS", 10)
    err = refused(one_sheet(cells_xml([HEADER] + [["SW", 1, "x"]] * 5)))
    assert err.rule == "xlsx-too-large" and "10" in err.message_zh


# ---------------------------------------------------------------- formulas


def test_a_formula_with_a_stale_result_is_refused_naming_the_cell():
    rows = cells_xml([HEADER] + [[f"SW-{i}", 100, "慰问"] for i in range(2, 12)])
    stale = '<row r="12"><c r="A12" t="inlineStr"><is><t>SW-12</t></is></c><c r="B12"><f>1+1</f><v>999999</v></c></row>'
    err = refused(one_sheet(rows + stale))
    assert err.rule == "formula-cell"
    assert "B12" in err.message_zh and "选择性粘贴" in err.message_zh and "数值" in err.message_zh
    assert "Paste Special" in err.message_en and "999999" not in str(err)


def test_formulas_from_excel_and_openpyxl_are_refused(tmp_path):
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["记录编号", "金额（元）", "数量"])
    ws.append(["SW-1", 100, 2])
    ws["F12"] = "=B2*C2"
    ws["G3"] = "=SUM(B2:B2)"
    wb.save(path)
    err = refused(path.read_bytes())
    assert err.rule == "formula-cell" and "G3、F12" in err.message_zh and "(2 in all)" in err.message_en
    shared = one_sheet(cells_xml([HEADER]) + '<row r="2"><c r="B2"><f t="shared" ref="B2:B3" si="0">1+1</f><v>2</v></c></row>'
                       '<row r="3"><c r="B3"><f t="shared" si="0"/><v>2</v></c></row>')
    assert "B2、B3" in refused(shared).message_zh


# ------------------------------------------------------------ hidden content


def test_a_hidden_sheet_with_data_is_refused_an_empty_one_ignored(tmp_path):
    visible = ("记录", "visible", f"<sheetData>{cells_xml([HEADER, ['SW-1', 1, '慰问']])}</sheetData>")
    secret = ("旧名单", "hidden", f"<sheetData>{cells_xml([['姓名'], ['张三']])}</sheetData>")
    err = refused(book(visible, secret))
    assert err.rule == "hidden-sheet" and "旧名单" in err.message_zh and "取消隐藏" in err.message_zh
    assert refused(book(visible, ("x", "veryHidden", secret[2]))).rule == "hidden-sheet"
    empty = ("空表", "hidden", "<sheetData/>")
    assert read_xlsx(book(empty, visible)) == (HEADER, [(2, ["SW-1", "1", "慰问"])])  # the first visible sheet is read
    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    other = wb.create_sheet("第二批")
    other.append(["SW-9"])
    other.sheet_state = "hidden"
    wb.save(path)
    assert refused(path.read_bytes()).rule == "hidden-sheet"


def test_hidden_rows_with_data_are_refused_naming_them(tmp_path):
    rows = [HEADER] + [[f"SW-{i}", 100, "慰问"] for i in range(2, 8)]
    raw = one_sheet(cells_xml(rows, row_attrs={3: 'hidden="1"', 6: 'hidden="true" ht="0"'}))
    err = refused(raw)
    assert err.rule == "hidden-rows" and "第 3、6 行" in err.message_zh and "筛选" in err.message_zh
    assert "Row(s) 3, 6" in err.message_en
    empty_hidden = one_sheet(cells_xml([HEADER, ["SW-1", 1, "x"]]) + '<row r="3" hidden="1"/>')
    assert read_xlsx(empty_hidden)[1] == [(2, ["SW-1", "1", "x"])]
    zero_height = one_sheet(cells_xml(rows[:3], row_attrs={2: 'customHeight="1" ht="15"'}), before='<sheetFormatPr zeroHeight="1"/>')
    assert "第 1、3 行" in refused(zero_height).message_zh  # rows hidden by default, row 2 shown
    path = tmp_path / "r.xlsx"
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.active.row_dimensions[4].hidden = True
    wb.save(path)
    assert "第 4 行" in refused(path.read_bytes()).message_zh


def test_hidden_columns_with_data_are_refused_naming_them(tmp_path):
    rows = cells_xml([HEADER, ["SW-1", 1, "张三 13912345678"]])
    err = refused(one_sheet(rows, before='<cols><col min="3" max="3" width="0" customWidth="1"/></cols>'))
    assert err.rule == "hidden-columns" and "第 C 列" in err.message_zh and "C1" in err.message_zh
    assert "13912345678" not in str(err)
    assert read_xlsx(one_sheet(rows, before='<cols><col min="5" max="9" hidden="1"/></cols>'))[1]  # hidden but empty
    default_zero = one_sheet(rows, before='<sheetFormatPr defaultColWidth="0"/><cols><col min="1" max="2" width="9"/></cols>')
    assert "第 C 列" in refused(default_zero).message_zh
    path = tmp_path / "c.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(["SW-1", 1, "x"])
    wb.active.column_dimensions["B"].hidden = True
    wb.save(path)
    assert "第 B 列" in refused(path.read_bytes()).message_zh


def test_hidden_content_through_make_check(tmp_path, root, small_data):
    incoming = tmp_path / "沙湾区.xlsx"
    incoming.write_bytes(one_sheet(cells_xml([EN, row()], row_attrs={2: 'hidden="1"'})))
    before = tree_digest(small_data)
    result = cli(root, "check", "--data", str(small_data), "--file", str(incoming))
    assert result.returncode == 1 and "hidden-rows" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.index("隐藏") < result.stderr.index("hidden")
    assert tree_digest(small_data) == before


def test_the_real_name_table_is_read_by_the_same_checks(tmp_path):
    from warmth.staff.anonymize import anonymize

    table = tmp_path / "汇总表.xlsx"
    table.write_bytes(one_sheet(cells_xml([["姓名", "身份证号"], ["张三", valid_id()]]), before='<cols><col min="2" max="2" hidden="1"/></cols>'))
    with pytest.raises(SourceError) as exc:
        anonymize(table, tmp_path / "out.csv", key=bytes(32))
    assert exc.value.rule == "hidden-columns" and not (tmp_path / "out.csv").exists()


# --------------------------------------------------------- symbolic links


@pytest.fixture
def outside(tmp_path) -> Path:
    """A record file outside the data folder, holding an ID number: reading it would be noticed."""
    path = tmp_path / "elsewhere" / "private.csv"
    path.parent.mkdir()
    write_csv(path, EN, [row(record_id="OUT-1", note=valid_id())])
    return path


def test_a_symlinked_file_outside_the_data_folder_is_refused_never_read(small_data, outside):
    link = small_data / "rounds/2012-01/linked.csv"
    link.symlink_to(outside)
    problems: list[Problem] = []
    assert "rounds/2012-01/linked.csv" not in [p.relative_to(small_data).as_posix() for _, p in round_files(small_data, problems)]
    assert [(p.file, p.rule) for p in problems] == [("rounds/2012-01/linked.csv", "symlink")]
    assert "数据文件夹之外" in problems[0].message_zh and "outside the data folder" in problems[0].message_en
    with pytest.raises(DataError) as err:
        read_dataset(small_data)
    assert [p.rule for p in err.value.problems] == ["symlink"]  # not personal-data: the file was never read


def test_a_symlinked_round_folder_and_links_inside_the_data_folder_are_refused(small_data, outside):
    (small_data / "rounds/2012-09").symlink_to(outside.parent, target_is_directory=True)
    inside = small_data / "rounds/2012-01/copy.csv"
    inside.symlink_to(small_data / "rounds/2012-01/shawan.csv")
    problems: list[Problem] = []
    files = [p.relative_to(small_data).as_posix() for _, p in round_files(small_data, problems)]
    assert "rounds/2012-01/copy.csv" not in files and not any(f.startswith("rounds/2012-09/") for f in files)
    assert sorted((p.file, p.rule, "之外" in p.message_zh) for p in problems) == [
        ("rounds/2012-01/copy.csv", "symlink", False),
        ("rounds/2012-09", "symlink", True),
    ]


def test_a_symlinked_rounds_folder_is_refused(tmp_path, outside):
    data = tmp_path / "data"
    data.mkdir()
    (outside.parent / "2012-01").mkdir()
    (data / "rounds").symlink_to(outside.parent, target_is_directory=True)
    problems: list[Problem] = []
    assert round_files(data, problems) == []
    assert [(p.file, p.rule) for p in problems] == [("rounds", "symlink")]


# ---------------------------------------------------- values too long to print


def test_a_200_mb_value_is_quoted_as_a_short_excerpt():
    value = "很" * 200_000_000
    problem = Problem.of("note-too-long", "rounds/2012-01/a.csv", 3, "note", value, max=200)
    assert problem.value == "很" * 39 + "…"
    assert len(problem.format()) < 300
    err = SourceError("unsupported-format", "suffix", suffix=value, suffix_en=value)
    assert len(str(err)) < 300 and "很" * 39 + "…" in err.message_zh


def test_a_long_value_with_an_id_number_in_the_middle_is_masked_before_it_is_cut():
    ident = valid_id()
    for head in (10, 25, 30, 36):  # the ID wholly inside the excerpt, across the cut, just before it
        value = "备" * head + ident + "注" * 5_000
        shown = excerpt(value)
        assert len(shown) == 40 and shown.endswith("…")
        assert ident not in shown and ident[4:14] not in shown and ident[6:] not in shown
        problem = Problem.of("undeclared-name", "a.csv", 2, "district", value, label="区县", column="district", hint="", hint_en="")
        for text in (problem.value, problem.message_zh, problem.message_en, problem.format()):
            assert ident not in text and ident[6:14] not in text and len(text) < 400
    assert excerpt("short 13912345678") == "short 139****5678"


def test_a_long_sheet_name_is_quoted_short(tmp_path):
    name = "第二批" + "很" * 5_000
    raw = book(("记录", "visible", f"<sheetData>{cells_xml([HEADER])}</sheetData>"), (name, "visible", f"<sheetData>{cells_xml([['x']])}</sheetData>"))
    err = refused(raw)
    assert err.rule == "extra-sheets" and len(str(err)) < 600 and "第二批" in err.message_zh


def test_read_rows_dispatches_hostile_xlsx_too(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(one_sheet(cells_xml([HEADER]) + '<row r="2"><c r="B2"><f>1+1</f><v>2</v></c></row>'))
    with pytest.raises(SourceError) as exc:
        read_rows(path)
    assert exc.value.rule == "formula-cell"
    assert os.path.getsize(path) < 5_000


def test_headers_logged_by_anonymize_are_quoted_short(tmp_path, caplog):
    import logging

    from warmth.staff.anonymize import anonymize

    ident = valid_id()
    header = ["身份证号", "记录编号", "批次", "发放日期", "区县", "发放单位", "资金来源", "救助类别", "受助群体", "救助形式", "金额（元）",
              "说明" * 2_000 + ident]
    table = tmp_path / "t.csv"
    table.write_text(",".join(header) + "\n" + ",".join([ident, *(row()[i] for i in (0, 1, 2, 3, 4, 5, 6, 7, 8)), "100", "x"]) + "\n",
                     encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="warmth"):
        try:
            anonymize(table, tmp_path / "out.csv", key=bytes(32))
        except Exception:  # noqa: BLE001 - only the log line matters here
            pass
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "说明说明" in logged and ident not in logged and len(logged) < 400


def test_an_unexpected_error_is_printed_masked_and_short():
    from warmth.cli import UNEXPECTED_CHARS, _quoted

    ident = valid_id()
    text = _quoted(ValueError("could not convert: " + "9" * 50 + " " + ident + " " + "x" * 100_000))
    assert len(text) == UNEXPECTED_CHARS and text.startswith("ValueError: could not convert") and ident not in text
