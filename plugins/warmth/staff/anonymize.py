"""The real-name table (实名制汇总表) → public disbursement records.

The city keeps a real-name table internally: the public record columns plus
who received the aid (姓名, 身份证号, 联系电话, 银行卡号, 家庭住址 …). Only an
anonymized copy may be published. `anonymize` keeps the declared public
columns, drops every other column, and replaces the ID number by a
pseudonymous ``recipient_ref``: HMAC-SHA256 of the normalised ID under a secret
campaign key, so the same person gets the same ref in every row, round and
district, but nobody without the key can test an ID number against a ref
(an ID number has far too few possibilities for a plain hash).

The key is 32 random bytes in a file (`keygen`), kept off the web server and
out of git (``*.key`` is ignored), and the same for the whole campaign: a new
key gives every person a new ref.

Nothing personal is ever printed or written, except the refs: rejected rows
are described by row number, reason and a masked ID (first 4 and last 4
characters). A row whose public cells hold the row's own name, ID, phone,
bank card or address, or anything the build's personal-data scan refuses
(`warmth.pii`: ID, phone and card numbers, e-mail addresses …), is kept out
of the output, so an anonymized file never fails the build on personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from warmth.core.files import atomic_write, csv_bytes
from warmth.core.layout import OUTPUT_MARKER
from warmth.core.problems import WarmthError
from warmth.core.schema import PERSONAL_DATA_SCAN, RECORD_COLUMNS, REQUIRED, header_map, normalize_header
from warmth.intake.sources import read_rows
from warmth.pii.detect import KINDS as PII_KINDS
from warmth.pii.detect import scan_series
from warmth.pii.idcard import ID15, ID18, check_digit, normalize_id, plausible_birth

log = logging.getLogger("warmth")

KEY_ENV = "WARMTH_KEY_FILE"
DEFAULT_KEY_NAME = "campaign.key"
KEY_BYTES = 32

COLUMN_ZH = {c.name: c.zh for c in RECORD_COLUMNS}
PUBLIC_COLUMNS = tuple(c.name for c in RECORD_COLUMNS)


def _key(text: str) -> str:
    """Header matching: NFKC, case-folded, and no spaces at all (``身 份 证 号`` is common in forms)."""
    return re.sub(r"\s+", "", normalize_header(text))


ID_HEADERS = frozenset(
    _key(h)
    for h in (
        "身份证号", "身份证号码", "证件号码", "公民身份号码", "id_number",
        "身份证", "证件号", "居民身份证号码", "公民身份证号码", "身份证件号码",
    )
)
DATE_HEADERS = frozenset(normalize_header(h) for c in RECORD_COLUMNS if c.type == "date" for h in (c.name, c.zh))
PUBLIC_HEADERS = {_key(k): v for k, v in header_map(RECORD_COLUMNS).items()}

# Dropped columns whose values must not show up in any public cell of their row:
# kind, Chinese label, parts of Chinese headers, whole English headers.
PERSONAL_KINDS = (
    ("id", "身份证号", ("身份证", "证件号", "身份号码"), ()),
    ("name", "姓名", ("姓名", "名字", "收款人", "领款人", "领取人", "户名", "联系人"), ("name", "full_name", "payee")),
    ("phone", "电话", ("电话", "手机", "联系方式", "微信"), ("phone", "mobile", "tel", "telephone", "wechat", "qq")),
    ("bank", "银行卡号", ("卡号", "账号", "帐号", "银行卡"), ("bank_card", "bank_account", "account")),
    ("address", "住址", ("住址", "地址"), ("address",)),
)
MIN_LEN = {"name": 2, "phone": 5, "bank": 7, "address": 8, "id": 7}
KIND_ZH = {kind: zh for kind, zh, _, _ in PERSONAL_KINDS}
KIND_EN = {"name": "name", "phone": "phone number", "bank": "bank card number", "address": "address", "id": "ID number"}
SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)


class KeyFileError(WarmthError):
    """The campaign key file is missing, malformed, or would be overwritten."""


class AnonymizeError(WarmthError):
    """The table cannot be anonymized; ``rejected`` lists rows refused so far (masked)."""

    def __init__(self, message: str, rejected: list[Rejected] | None = None):
        self.rejected = rejected or []
        super().__init__(message)


# -------------------------------------------------------------------- key


def keygen(path: Path) -> Path:
    """Write a new campaign key: 32 random bytes, mode 0600, never over an existing file."""
    path = Path(path)
    if _inside_site(path):
        raise KeyFileError(
            f"密钥文件不能放在网站输出文件夹里：{path}\nThe key file must not be inside a site output folder: {path}"
        )
    if path.exists():
        raise KeyFileError(
            f"密钥文件已存在，不会覆盖：{path}。整个活动必须一直使用同一个密钥（换密钥会让同一受助人的编码全部改变）；"
            "确需新密钥，请先把旧文件移走并妥善保管。\n"
            f"The key file already exists and is not overwritten: {path}. Keep one key for the whole campaign "
            "(a new key changes every recipient's ref); to start over, move the old file away first and keep it safe."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-key-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if the file appeared meanwhile
        except FileExistsError:
            raise KeyFileError(f"密钥文件已存在，不会覆盖：{path}\nThe key file already exists and is not overwritten: {path}") from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise KeyFileError(f"密钥文件已存在，不会覆盖：{path}\nThe key file already exists and is not overwritten: {path}") from None
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def load_key(path: Path | None) -> bytes:
    """The campaign key from ``path``, else from $WARMTH_KEY_FILE; exactly 32 bytes."""
    if path is None:
        env = os.environ.get(KEY_ENV, "").strip()
        if not env:
            raise KeyFileError(
                f"没有指定密钥文件。请用 --key 指定，或设置环境变量 {KEY_ENV}；第一次使用请先运行 keygen 生成密钥。\n"
                f"No key file given. Pass --key or set {KEY_ENV}; run keygen once to create the key."
            )
        path = Path(env)
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise KeyFileError(
            f"找不到密钥文件：{path}。第一次使用请先运行 make keygen（每个活动一次），或用 KEY=… 指定已有的密钥。\n"
            f"Key file not found: {path}. Run make keygen once per campaign, or point KEY=… at the existing key."
        ) from None
    if not path.is_file() or size != KEY_BYTES:
        raise KeyFileError(
            f"密钥文件无效：{path}（应为 {KEY_BYTES} 字节，实际 {size} 字节）。请使用 keygen 生成的原始密钥文件。\n"
            f"Invalid key file: {path} (must be exactly {KEY_BYTES} bytes, found {size}). Use the file keygen wrote."
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:  # changed while reading
        raise KeyFileError(f"密钥文件无效：{path}\nInvalid key file: {path}")
    return key


def recipient_ref(key: bytes, id_number: str) -> str | None:
    """HMAC-SHA256 of the normalised 18-character ID, 64 lowercase hex; None if the ID is not valid."""
    normal = normalize_id(id_number)
    if normal is None:
        return None
    return hmac.new(key, normal.encode("ascii"), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Rejected:
    """A row left out of the public file, described for staff without personal data."""

    row: int
    reason_zh: str
    reason_en: str
    masked_id: str


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def mask_id(text: str) -> str:
    """First 4 and last 4 characters, the rest as ``*``; short values fully masked."""
    text = _clean(text)
    if len(text) < 12:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def _id_problem(raw: str) -> tuple[str, str] | None:
    """Why an ID cell is unusable, or None when it is a valid ID number."""
    text = _clean(raw)
    if not text:
        return (
            "身份证号为空（单位受助的记录，如困难企业，没有实名信息，可直接写进批次文件夹的 CSV）",
            "ID number is empty (records of organizations, e.g. 困难企业, have no real-name data: put them straight into the round's CSV)",
        )
    if SCIENTIFIC.fullmatch(text):
        return (
            "身份证号被 Excel 存成了数字（科学计数法），后几位已丢失。请把该列设为“文本”格式，重新输入完整号码",
            "the ID number was stored as a number in Excel (scientific notation) and lost its last digits; "
            "format the column as Text and enter the full number again",
        )
    if normalize_id(text) is not None:
        return None
    if ID18.fullmatch(text):
        if not plausible_birth(text[6:14]):
            return "身份证号中的出生日期无效", "the birth date inside the ID number is not a valid date"
        return "身份证号校验位不对（可能有数字填错）", "the ID number's check character is wrong (a digit may be mistyped)"
    if ID15.fullmatch(text):
        return "15 位身份证号中的出生日期无效", "the birth date inside the 15-digit ID number is not a valid date"
    return (
        "身份证号应为 18 位（最后一位可以是 X）或旧的 15 位数字",
        "an ID number has 18 characters (the last may be X) or, old style, 15 digits",
    )


def _personal_kind(header_key: str) -> str | None:
    for kind, _, parts, whole in PERSONAL_KINDS:
        if header_key in whole or any(p in header_key for p in parts):
            return kind
    return None


def _own_leaks(public: dict[str, str], personal: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(public column, kind zh, kind en) for every public cell holding this row's own name, ID, phone, card or address."""
    own = []
    for kind, value in personal:
        value = _clean(value).replace("-", "")
        if len(value) >= MIN_LEN[kind]:
            own.append((kind, value))
    found = []
    for column, cell in public.items():
        if not cell or column == "recipient_ref":
            continue
        text = _clean(cell)
        flat = text.replace("-", "")
        for kind in dict.fromkeys(kind for kind, value in own if value in flat or value in text):
            found.append((column, KIND_ZH[kind], KIND_EN[kind]))
    return found


def _scanned_leaks(rows: list[tuple[int, list[str]]], public: dict[str, int]) -> dict[int, list[tuple[str, str, str]]]:
    """Position → (column, kind zh, kind en): what the build's personal-data scan would refuse.

    The very detector the validator runs (`pii.scan_series` over
    `validate.PERSONAL_DATA_SCAN`), so a file this writes never fails the build
    on personal data, and the staff learn about it with the real-name table's row.
    """
    import pandas as pd

    found: dict[int, list[tuple[str, str, str]]] = {}
    for column in PERSONAL_DATA_SCAN:
        index = public.get(column)
        if index is None:
            continue
        values = pd.Series([cells[index] for _, cells in rows], dtype="str")
        hits = scan_series(values)
        for position, kind in zip(hits["index"], hits["kind"]):
            zh, en = PII_KINDS[kind]
            found.setdefault(int(position), []).append((column, zh, en))
    return found


# ------------------------------------------------------------------ paths


def _inside_site(path: Path) -> bool:
    """Inside a folder named ``output`` (or ``output.*``), or inside a previous site build."""
    for resolved in {Path(os.path.abspath(path)), Path(path).resolve()}:  # as written, and through symlinks
        for folder in resolved.parents:
            if folder.name == "output" or folder.name.startswith("output."):
                return True
            if (folder / OUTPUT_MARKER).is_file():
                return True
    return False


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
        if _inside_site(target):
            raise AnonymizeError(
                f"{zh}不能写进网站输出文件夹（output/ 或已生成的网站）：{target}\n"
                f"The {en} must not be written inside a site output folder (output/ or a built site): {target}"
            )
    if rejects is not None and _same(rejects, out):
        raise AnonymizeError(f"问题清单和公开文件不能是同一个文件：{out}\nThe rejects file and the public file must differ: {out}")
    if out.suffix.lower() != ".csv":
        raise AnonymizeError(f"公开文件的文件名必须以 .csv 结尾：{out}\nThe public file's name must end in .csv: {out}")


def rejects_bytes(rejected: list[Rejected]) -> bytes:
    """The staff's list of rows left out: row, reason (zh, en), masked ID."""
    return csv_bytes(
        ["行号 row", "原因", "reason", "身份证号（已遮盖） masked ID"],
        [[str(r.row), r.reason_zh, r.reason_en, r.masked_id] for r in rejected],
    )


def format_rejected(rejected: list[Rejected], limit: int = 50) -> str:
    """Rejected rows as report lines for the terminal (masked; safe to print)."""
    lines = [f"第{r.row}行 (row {r.row}) 身份证号 {r.masked_id or '（空）'}：{r.reason_zh}\n    {r.reason_en}" for r in rejected[:limit]]
    if len(rejected) > limit:
        lines.append(f"……仅列出前 {limit} 行，共 {len(rejected)} 行。 / … only the first {limit} of {len(rejected)} are listed.")
    return "\n".join(lines)


# ----------------------------------------------------------------- header


@dataclass(frozen=True)
class _Layout:
    public: dict[str, int]  # public column → index in the table
    id_index: int
    personal: list[tuple[str, int]]  # (kind, index) of dropped personal columns
    dropped: list[str]  # headers of every dropped column


def _layout(header: list[str]) -> _Layout:
    public: dict[str, int] = {}
    ids: list[int] = []
    duplicates: list[str] = []
    for i, cell in enumerate(header):
        key = _key(cell)
        name = PUBLIC_HEADERS.get(key)
        if name is not None:
            if name in public:
                duplicates.append(f"{name}（{COLUMN_ZH[name]}）")
            public[name] = i
        elif key in ID_HEADERS:
            ids.append(i)
    if not ids:
        raise AnonymizeError(
            "找不到身份证号列。表格第 1 行必须是表头（请删除表头上方的标题行），身份证号所在列的列名应为"
            "“身份证号”“身份证号码”“证件号码”或“公民身份号码”。\n"
            "No ID number column found. Row 1 must be the header (delete any title rows above it), and the ID column "
            "must be named 身份证号, 身份证号码, 证件号码, 公民身份号码 or id_number."
        )
    if len(ids) > 1:
        names = "、".join(f"第 {i + 1} 列" for i in ids)
        raise AnonymizeError(
            f"有多个身份证号列（{names}），无法确定用哪一列。请只保留一列。\n"
            f"More than one ID number column (columns {', '.join(str(i + 1) for i in ids)}); keep only one."
        )
    if duplicates:
        raise AnonymizeError(f"列名重复：{'、'.join(duplicates)}。\nColumns appear twice: {', '.join(duplicates)}.")
    if "recipient_ref" in public:
        raise AnonymizeError(
            "实名制汇总表不应有“受助人编码”列：编码由身份证号计算得出。请删除该列后重试。\n"
            "The real-name table must not have a recipient_ref (受助人编码) column: refs are computed from the ID number. Remove it."
        )
    missing = [name for name in REQUIRED if name not in public]
    if missing:
        zh = "、".join(f"“{COLUMN_ZH[n]}”" for n in missing)
        raise AnonymizeError(
            f"缺少必需的列：{zh}。公开记录的列名见说明文档（中文或英文列名均可）。\n"
            f"Required columns are missing: {', '.join(missing)}. See the README for the record columns (Chinese or English names)."
        )
    used = set(public.values()) | set(ids)
    personal = []
    dropped = []
    for i, cell in enumerate(header):
        if i in used:
            continue
        dropped.append(cell or f"（第 {i + 1} 列）")
        kind = _personal_kind(_key(cell))
        if kind is not None:
            personal.append((kind, i))
    personal.append(("id", ids[0]))
    return _Layout(public, ids[0], personal, dropped)


# ------------------------------------------------------------- anonymize


def anonymize(
    path: Path, out: Path, *, key: bytes, rejects: Path | None = None, protected: tuple[Path, ...] = ()
) -> tuple[int, list[Rejected]]:
    """Real-name table (.csv in UTF-8/GB18030, or .xlsx) → public record CSV.

    Returns (rows written, rows rejected). ``out`` gets the English record
    columns in schema order, UTF-8 with BOM, every field quoted, LF, written
    atomically. Rows with a missing or invalid ID, an empty required field, or
    personal data in a public cell are left out and returned as `Rejected`
    (masked ID only); ``rejects``, if given, receives them as a CSV for staff.
    Raises `AnonymizeError` (a WarmthError) for an unusable table or target,
    and when no row at all could be published (``out`` is then not written).
    ``protected`` folders (the data folder) are never written into.
    """
    path, out = Path(path), Path(out)
    rejects = Path(rejects) if rejects is not None else None
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise KeyFileError(f"密钥必须是 {KEY_BYTES} 字节。\nThe key must be exactly {KEY_BYTES} bytes.")
    _check_targets(path, out, rejects, protected)

    header, rows = read_rows(path, date_columns=DATE_HEADERS, id_columns=ID_HEADERS)
    layout = _layout(header)
    if not rows:
        raise AnonymizeError("表格只有表头，没有记录。\nThe table has a header but no rows.")
    log.info(
        "不公开、已删除的列 / columns dropped (not public)：%s；%s → 受助人编码 recipient_ref",
        "、".join(layout.dropped) or "（无 / none）",
        header[layout.id_index],
    )

    # Excel keeps 15 digits: an 18-digit ID typed into a number cell ends in "000"
    # and mostly fails its check. When any such ID fails, none ending in 000 is trusted.
    ids = [_clean(cells[layout.id_index]) for _, cells in rows]
    truncated = any(len(t) == 18 and t.isdigit() and t.endswith("000") and check_digit(t[:17]) != t[17] for t in ids)

    written: list[list[str]] = []
    rejected: list[Rejected] = []
    scanned = _scanned_leaks(rows, layout.public)
    for position, ((number, cells), id_text) in enumerate(zip(rows, ids, strict=True)):
        reasons: list[tuple[str, str]] = []
        problem = _id_problem(id_text)
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
        leaks = _own_leaks(public, [(kind, cells[i]) for kind, i in layout.personal]) + scanned.get(position, [])
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

    if rejects is not None:
        atomic_write(rejects, rejects_bytes(rejected), private=True)
    if not written:
        raise AnonymizeError(
            f"没有一行可以公开：全部 {len(rejected)} 行都有问题，未写出公开文件。\n"
            f"No row can be published: all {len(rejected)} rows have problems; the public file was not written.\n"
            + format_rejected(rejected),
            rejected,
        )
    atomic_write(out, csv_bytes(list(PUBLIC_COLUMNS), written), private=False)
    return len(written), rejected
