"""The personal-data detector: every kind found, ordinary text never flagged, masks leak nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from warmth.core.schema import RECORD_COLUMNS
from warmth.pii import detect as pii
from warmth.pii.fold import computed_special_ranges, fold
from warmth.pii.headers import is_personal_header
from warmth.pii.idcard import is_valid_id15, is_valid_id18
from warmth.pii.unicode_ranges import SPECIAL_RANGES

from independent import gb11643_check

CONTACT = frozenset({"lsszghbzb@126.com"})
PHONES = frozenset({"2133419", "2131730"})  # the campaign's own phone and fax may be shown beside a phone cue
FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def id18(region: str = "511102", birth: str = "19900101", seq: str = "123") -> str:
    """A valid ID; its check character from the ISO 7064 formula, not from the code under test."""
    first17 = region + birth + seq
    return first17 + gb11643_check(first17)


def id18_ending_in_x(region: str = "511102", birth: str = "19850615") -> str:
    seq = next(f"{n:03d}" for n in range(1000) if gb11643_check(f"{region}{birth}{n:03d}") == "X")
    return id18(region, birth, seq)


def luhn_complete(body: str) -> str:
    """``body`` + the digit that makes it pass the Luhn check."""
    for d in "0123456789":
        if luhn(body + d):
            return body + d
    raise AssertionError


def luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def luhn_failing(body: str) -> str:
    return next(body + d for d in "0123456789" if not luhn(body + d))


ID = id18()  # 511102199001011234-ish, valid
ID_X = id18_ending_in_x()
ID15 = "511102900101123"
WRONG_CHECK = ID[:17] + str((int(ID[17]) + 1) % 10) if ID[17] != "X" else ID[:17] + "0"
BAD_BIRTH = id18(birth="19901332")  # check digit right, month 13
CARD16 = luhn_complete("411111111111111")
CARD19 = luhn_complete("400012341234123412")
CARD62 = luhn_failing("622202020000123")  # UnionPay prefix, not Luhn-valid
NOT_A_CARD16 = luhn_failing("400012341234123")
MOBILE = "13912345678"


def test_constructed_numbers_are_what_they_claim():
    # known answers (tests/test_known_answers.py shows the sums): 51110219900101123 → 9, 51110219850615007 → X
    assert ID == "511102199001011239" and ID_X == "51110219850615007X"
    assert CARD16 == "4111111111111111"  # the well-known Visa test number
    assert is_valid_id18(ID) and is_valid_id18(ID_X) and ID_X.endswith("X")
    assert is_valid_id15(ID15)
    assert not is_valid_id18(WRONG_CHECK) and not is_valid_id18(BAD_BIRTH)
    assert luhn(CARD16) and luhn(CARD19) and len(CARD19) == 19
    assert not luhn(CARD62) and CARD62.startswith("62") and len(CARD62) == 16
    assert not luhn(NOT_A_CARD16)


def kinds(text: str, allowed: frozenset[str] = CONTACT, phones: frozenset[str] = frozenset()) -> str | None:
    found = pii.scan_series(pd.Series([text], dtype="str"), allowed_emails=allowed, allowed_phones=phones)
    assert len(found) <= 1
    return None if found.empty else found["kind"].iloc[0]


# (cell text, expected kind, digits that must not survive masking or None for already-masked values)
POSITIVE = [
    # 18-digit IDs
    (ID, "id18", ID),
    (ID_X, "id18", ID_X),
    (ID_X.lower(), "id18", ID_X[:17]),
    (ID.translate(FULLWIDTH), "id18", ID),
    (ID_X.translate(FULLWIDTH), "id18", ID_X[:17]),
    (f"身份证{ID}号", "id18", ID),
    (f"身份证号码：{ID_X}，春节慰问", "id18", ID_X),
    (f"{ID}春节慰问", "id18", ID),
    (f"春节慰问{ID}", "id18", ID),
    (f"受助人{ID.translate(FULLWIDTH)}领取", "id18", ID),
    (f"{ID[:6]} {ID[6:14]} {ID[14:]}", "id18", ID[6:14]),
    (f"{ID[:6]}-{ID[6:10]}-{ID[10:14]}-{ID[14:]}", "id18", ID[6:14]),
    (f"{ID[:6]}\u3000{ID[6:14]}\u3000{ID[14:]}", "id18", ID[6:14]),
    (f"{ID[:4]}\u200b{ID[4:]}", "id18", ID[4:]),  # zero-width space pasted from a web page
    (f"电话13912345678，身份证{ID}", "id18", ID),  # the most serious kind is reported
    # 15-digit IDs
    (ID15, "id15", ID15),
    (f"旧证号{ID15}。", "id15", ID15),
    (f"{ID15[:6]} {ID15[6:12]} {ID15[12:]}", "id15", ID15[6:12]),
    (ID15.translate(FULLWIDTH), "id15", ID15),
    # long numbers: 15+ digit runs that are not valid IDs
    (WRONG_CHECK, "long-number", WRONG_CHECK),
    (BAD_BIRTH, "long-number", BAD_BIRTH),
    (f"身份证{WRONG_CHECK}", "long-number", WRONG_CHECK),
    ("123456789012345", "long-number", "123456789012345"),
    (NOT_A_CARD16, "long-number", NOT_A_CARD16),
    (f"{ID}1200", "long-number", ID),  # an ID glued to an amount
    ("12345678901234567890123", "long-number", "12345678901234567890123"),
    # bank cards
    (CARD16, "bank-card", CARD16),
    (CARD19, "bank-card", CARD19),
    (CARD62, "bank-card", CARD62),
    (f"卡号{CARD19}转账", "bank-card", CARD19),
    (" ".join([CARD16[i : i + 4] for i in range(0, 16, 4)]), "bank-card", CARD16[4:12]),
    ("-".join([CARD19[i : i + 4] for i in range(0, 19, 4)]), "bank-card", CARD19[4:12]),
    (CARD16.translate(FULLWIDTH), "bank-card", CARD16),
    # masked IDs (still leak region, sex, birth date)
    ("5111**********1234", "masked-id", None),
    ("511102********123X", "masked-id", None),
    ("511102********123x", "masked-id", None),
    ("5111 **** **** 1234", "masked-id", None),
    ("5111××××××××××1234", "masked-id", None),
    ("5111＊＊＊＊＊＊＊＊＊＊1234", "masked-id", None),
    ("身份证号5111**********123X，已核实", "masked-id", None),
    ("51************1234", "masked-id", None),
    # masked phones
    ("139****5678", "masked-phone", None),
    ("139 **** 5678", "masked-phone", None),
    ("电话139****5678", "masked-phone", None),
    ("139-****-5678", "masked-phone", None),
    ("+86 139****5678", "masked-phone", None),
    # mobiles
    (MOBILE, "mobile", MOBILE),
    ("+8613912345678", "mobile", MOBILE),
    ("+86 139 1234 5678", "mobile", "12345678"),
    ("+86-139-1234-5678", "mobile", "1234"),
    ("0086 13912345678", "mobile", MOBILE),
    ("8613912345678", "mobile", MOBILE),
    ("(+86)139 1234 5678", "mobile", "1234"),
    ("139-1234-5678", "mobile", "1234"),
    ("139 1234 5678", "mobile", "1234"),
    ("电话13912345678联系", "mobile", MOBILE),
    ("手机：１３９－１２３４－５６７８", "mobile", "1234"),
    ("15012345678", "mobile", "15012345678"),
    ("19912345678", "mobile", "19912345678"),
    # landlines with an area code
    ("0833-2133419", "landline", "2133419"),
    ("(0833)2133419", "landline", "2133419"),
    ("（0833）2133419", "landline", "2133419"),
    ("(0833) 2133419", "landline", "2133419"),
    ("0833 2133419", "landline", "2133419"),
    ("0833—2133419", "landline", "2133419"),
    ("028-12345678", "landline", "12345678"),
    ("010-62345678", "landline", "62345678"),
    ("08332133419", "landline", "2133419"),
    ("02862345678", "landline", "62345678"),
    ("电话0833-2133419转", "landline", "2133419"),
    ("+86 833 2133419", "landline", "2133419"),
    ("０８３３－２１３３４１９", "landline", "2133419"),
    # e-mails
    ("abc@example.com", "email", "abc@"),
    ("联系a.b-c@qq.com春节", "email", "a.b-c@"),
    ("123456789@qq.com", "email", "123456789"),
    ("ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email", "abc@"),
    ("x.lsszghbzb@126.com", "email", "x.lsszghbzb"),
    ("lsszghbzb@126.com.cn", "email", "lsszghbzb"),
]


@pytest.mark.parametrize(("text", "kind", "secret"), POSITIVE)
def test_personal_data_is_found(text, kind, secret):
    assert kinds(text) == kind


@pytest.mark.parametrize(("text", "kind", "secret"), POSITIVE)
def test_mask_leaks_no_full_number(text, kind, secret):
    masked = pii.mask(text, allowed_emails=CONTACT)
    if secret is None:  # already masked: shown as it is
        assert masked == text
    else:
        assert secret not in masked
        assert secret not in fold(masked)
        assert masked != text
    # scan_series shows the same masked text
    found = pii.scan_series(pd.Series([text]), allowed_emails=CONTACT)
    assert found["masked"].tolist() == [masked]


NEGATIVE = [
    "",
    "家庭3人，月收入800元",
    "2012-01-05",
    "2012/1/5",
    "2012年1月5日",
    "20120105",
    "2011-12-20至2012-01-22",
    "2012-01-05 08:30",
    "1200.50",
    "1,234,567.89",
    "1200",
    "金额1,200.50元，共3人",
    "SZ-2012-01-000123",
    "EMS-2012-02-000252",
    "SZ-2012-01-000123 2012-01-05",
    "大米2袋",
    "数量：3",
    "2133419",
    "联系电话2133419",
    "电话：2133419，传真：2131730",
    "0833",
    "春节慰问",
    "过冬取暖补贴",
    "平安返乡车票",
    "市中区总工会",
    "峨边彝族自治县困难职工帮扶中心",
    "a1a50d0316b131632a226b1f58d7292d3991c009f50203b4ddada1e36726f0be",
    "第2批共1500元",
    "12345",
    "12345678901234",  # 14 digits: not a mobile, below the long-number threshold
    "1500 2000元",
    "3×5",
    "x2",
    "棉被1床×2",
    "lsszghbzb@126.com",  # the campaign's own address (allow-list)
    "LSSZGHBZB@126.COM",
    "咨询lsszghbzb@126.com或电话2133419",
    "①春节慰问②过冬取暖补贴",
    "１２００元",
    "共计１５００元，２０１２年１月５日发放",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_text_is_not_flagged(text):
    assert kinds(text, phones=PHONES) is None
    assert pii.mask(text, allowed_emails=CONTACT, allowed_phones=PHONES) == text


def test_allow_list_is_case_insensitive_and_optional():
    assert kinds("lsszghbzb@126.com", frozenset({"LssZghBzb@126.com"})) is None
    assert kinds("lsszghbzb@126.com", frozenset()) == "email"
    assert pii.mask("lsszghbzb@126.com") == "l***@126.com"
    assert pii.mask("写信到 Someone@Example.com 咨询") == "写信到 S***@Example.com 咨询"


def test_mask_formats():
    assert pii.mask(ID_X) == f"{ID_X[:4]}**********{ID_X[-4:]}"
    assert pii.mask(f"身份证{ID}号") == f"身份证{ID[:4]}**********{ID[-4:]}号"
    assert pii.mask(ID.translate(FULLWIDTH)) == f"{ID[:4]}**********{ID[-4:]}"
    assert pii.mask(MOBILE) == "139****5678"
    assert pii.mask("+86 139 1234 5678") == "+86 139 **** 5678"
    assert pii.mask(CARD19) == f"{CARD19[:4]}{'*' * 11}{CARD19[-4:]}"
    assert pii.mask("0833-2133419") == "0833-*****19"
    assert pii.mask("(0833)2133419") == "(0833)*****19"
    assert pii.mask("alice@example.com") == "a***@example.com"
    assert pii.mask("5111**********1234") == "5111**********1234"
    # characters that fold to several (㉑ → 21) or to none (soft hyphen) keep the rest of the text in place
    assert pii.mask("①号㉑户 139\u00ad1234\u200b5678 ㉒") == "①号㉑户 139****5678 ㉒"
    text = f"张三 身份证{ID_X} 电话13912345678 春节慰问"
    assert pii.mask(text) == f"张三 身份证{ID_X[:4]}**********{ID_X[-4:]} 电话139****5678 春节慰问"


def test_every_kind_has_labels_and_is_tested():
    numbers = {"id18", "id15", "masked-id", "masked-phone", "mobile", "landline", "bank-card", "long-number", "email"}
    words = {"name", "address", "birth-date", "qq", "wechat", "plate"}  # tests/test_pii_disguises.py
    assert set(pii.KINDS) == numbers | words
    assert all(zh and en for zh, en in pii.KINDS.values())
    assert {kind for _, kind, _ in POSITIVE} == numbers


# --- scan_series ------------------------------------------------------------


def test_scan_series_reports_index_labels():
    values = pd.Series(
        ["春节慰问", f"身份证{ID}", None, "139****5678", "第2批共1500元", "lsszghbzb@126.com", "电话0833-2133419"],
        index=["r7", "r3", "r9", "r1", "r2", "r5", "r4"],
        dtype="str",
    )
    found = pii.scan_series(values, allowed_emails=CONTACT)
    assert list(found.columns) == ["index", "kind", "masked"]
    assert found["index"].tolist() == ["r3", "r1", "r4"]
    assert found["kind"].tolist() == ["id18", "masked-phone", "landline"]
    assert found["masked"].tolist() == [f"身份证{ID[:4]}**********{ID[-4:]}", "139****5678", "电话0833-*****19"]


def test_scan_series_integer_and_multi_index():
    values = pd.Series(["a", MOBILE, "b", MOBILE], index=[40, 30, 20, 10])
    assert pii.scan_series(values)["index"].tolist() == [30, 10]
    multi = pd.Series(["a", MOBILE], index=pd.MultiIndex.from_tuples([("x.csv", 2), ("y.csv", 5)]))
    assert pii.scan_series(multi)["index"].tolist() == [("y.csv", 5)]


def test_scan_series_clean_and_empty_give_empty_frame():
    for values in (pd.Series(["春节慰问", None, "2012-01-05"], dtype="str"), pd.Series([], dtype="str"), pd.Series([], dtype=object)):
        found = pii.scan_series(values)
        assert found.empty
        assert list(found.columns) == ["index", "kind", "masked"]


@pytest.mark.parametrize("dtype", ["str", "string[python]", "string[pyarrow]", "category", "object", pd.ArrowDtype(pa.string())])
def test_scan_series_accepts_any_text_dtype(dtype):
    values = pd.Series(["春节慰问", None, f"{ID}", "x"], index=[5, 6, 7, 8]).astype(dtype)
    found = pii.scan_series(values)
    assert found["index"].tolist() == [7]
    assert found["kind"].tolist() == ["id18"]


def test_scan_series_numbers_in_object_column():
    values = pd.Series([13912345678, 1200, float("nan"), int(ID)], dtype=object)
    assert pii.scan_series(values)["kind"].tolist() == ["mobile", "id18"]


def test_large_repetitive_column_uses_distinct_values_and_keeps_positions():
    # > 2 × SAMPLE rows of few distinct values: matched once per distinct value;
    # two chunks, so positions must be offset across chunks.
    notes = np.array(["春节慰问", "过冬取暖补贴", "平安返乡车票", "", "第2批共1500元"], dtype=object)
    first = notes[np.arange(60_000) % len(notes)].copy()
    second = notes[np.arange(50_000) % len(notes)].copy()
    first[123] = f"身份证{ID}"
    second[0] = MOBILE
    second[49_999] = MOBILE
    chunked = pa.chunked_array([pa.array(first, type=pa.large_string()), pa.array(second, type=pa.large_string())])
    values = pd.Series(pd.arrays.ArrowStringArray(chunked), index=np.arange(110_000) + 1000)
    assert len(pii.candidates(values)) == 3
    found = pii.scan_series(values)
    assert found["index"].tolist() == [1123, 61_000, 110_999]
    assert found["kind"].tolist() == ["id18", "mobile", "mobile"]


def test_prefilter_passes_no_ordinary_cell():
    """Normal data never reaches the per-cell Python check (that is what keeps 1M rows fast)."""
    rows = 5000
    text = [f"SZ-2012-0{1 + i % 2}-{i:06d}" for i in range(rows)]
    text += [f"{2011 + i % 2}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(rows)]
    text += [f"{i * 37 % 100000:,}.{i % 100:02d}" for i in range(rows)]
    text += ["春节慰问", "过冬取暖补贴", "平安返乡车票", "市中区总工会", "家庭3人，月收入800元", "第2批共1500元", "2133419", "大米"]
    assert len(pii.candidates(pd.Series(text, dtype="str"))) == 0


def test_scan_is_deterministic():
    values = pd.Series([f"身份证{ID}", "139****5678", "春节慰问", MOBILE] * 3, dtype="str")
    pd.testing.assert_frame_equal(pii.scan_series(values), pii.scan_series(values))


# --- properties -------------------------------------------------------------

CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)
PUNCT = st.sampled_from(list("，。、：；！？（）《》“”") + ["元", "人", "袋", "桶", "批", "月", "日"])
SMALL_NUMBER = st.one_of(
    st.integers(min_value=0, max_value=999_999).map(str),
    st.tuples(st.integers(0, 99_999), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]:02d}"),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(CHINESE, PUNCT), st.one_of(SMALL_NUMBER, st.just(""))), max_size=12))
def test_ordinary_chinese_text_with_small_numbers_is_never_flagged(pieces):
    text = "".join(words + number for words, number in pieces)
    # random characters can make a cue and a name (受助人王明), never a number
    found = pii._find(pii.numerals(pii.fold(text)), pii.Allowed())
    assert not [m for m in found if m.kind not in ("name", "address", "birth-date")], text


birth_dates = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2011, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
valid_ids = st.tuples(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), birth_dates, st.from_regex(r"[0-9]{3}", fullmatch=True)).map(lambda t: id18(*t))


@settings(max_examples=200, deadline=None)
@given(valid_ids, CHINESE, CHINESE, st.booleans(), st.booleans())
def test_any_valid_id_in_chinese_text_is_found_and_masked(number, before, after, fullwidth, lower):
    shown = number.lower() if lower else number
    shown = shown.translate(FULLWIDTH) if fullwidth else shown
    text = before + shown + after
    found = pii.scan_series(pd.Series([text], index=["cell"]))
    assert found["kind"].tolist() == ["id18"]
    masked = found["masked"].iloc[0]
    assert number[:17] not in masked and number[4:14] not in fold(masked)
    assert masked.startswith(before) and masked.endswith(after)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", " ", "-"]), CHINESE)
def test_any_mobile_is_found_and_masked(number, sep, before):
    shown = number[:3] + sep + number[3:7] + sep + number[7:]
    text = before + shown
    assert kinds(text) == "mobile"
    assert pii.mask(text) == f"{before}{number[:3]}{sep}****{sep}{number[7:]}"


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[3-6][0-9]{14,17}", fullmatch=True), CHINESE)
def test_any_luhn_card_is_found_and_masked(body, before):
    card = luhn_complete(body)
    assume(not is_valid_id18(card))  # an 18-digit number can be both; the ID is reported
    text = before + card
    assert kinds(text) == "bank-card"
    assert card not in pii.mask(text) and card[4:-4] not in pii.mask(text)


# Characters the patterns care about, in ASCII and in forms NFKC or the folding changes.
STRUCTURAL = list("0123456789 -*xX@().+86") + list("０１２３４５６７８９＊×＠（）－—\u3000\u00a0\u200b\u00ad＋Ｘｘ") + ["\t", "中", "a", "m", "c", "o"]
PIECES = [ID, ID_X, ID15, CARD16, CARD62, MOBILE, "139****5678", "5111**********1234", "0833-2133419", "(0833)", "2133419", "+86", "a@b.cn"]
PIECES += [p.translate(FULLWIDTH) for p in PIECES] + [
    "１３９＊＊＊＊５６７８",
    "０８３３－２１３３４１９",
    "139\u30001234\u30005678",
    "5111××××××××××1234",
    "ａ＠ｂ．ｃｎ",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=STRUCTURAL, max_size=6)), max_size=8))
def test_prefilter_never_drops_a_cell_the_exact_check_would_flag(parts):
    text = "".join(parts)
    if pii._analyse(text, pii.Allowed()) is not None:
        assert len(pii.candidates(pd.Series([text], dtype="str"))) == 1, text


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), st.from_regex(r"[0-9a-f]{32,64}", fullmatch=True)))
def test_arbitrary_text_never_crashes(text):
    found = pii.scan_series(pd.Series([text, text[::-1]]))
    assert set(found["kind"]) <= set(pii.KINDS)
    for masked in found["masked"]:
        assert isinstance(masked, str)
    pii.mask(text)


# --- headers ----------------------------------------------------------------

PERSONAL_HEADERS = [
    "姓名", "名字", "身份证", "证件号", "证件号码", "电话", "手机", "联系方式", "银行卡", "账号", "帐号", "卡号", "住址", "地址",
    "家庭住址", "户籍", "邮箱", "身份证号码", "受助人姓名", "联系电话", "手机号码", "银行卡号", " 姓 名 ", "户名", "出生日期",
    "name", "full_name", "id_number", "id_no", "idcard", "id_card", "identity", "phone", "mobile", "tel", "telephone",
    "bank_card", "account", "card_no", "address", "email",
    "Name", "NAME", "Full Name", "full-name", "FULL_NAME", "fullName", "IDCard", "ID-Number", "id no", "Id_Card_No",
    "ＩＤ＿ＮＵＭＢＥＲ", "Ｐｈｏｎｅ", "e-mail", "E_Mail", "recipient_name", "recipient name", "phone_number", "phoneNumber",
    "mobile_no", "home_address", "bank_account", "account_no", "first_name", "surname",
]  # fmt: skip
NOT_PERSONAL_HEADERS = [c.name for c in RECORD_COLUMNS] + [c.zh for c in RECORD_COLUMNS] + [
    "金额(元)", "RECORD_ID", "Record Id", "AmountYuan", "unit_name", "item_name", "单位名称", "物资名称", "id", "hotel", "telegram",
    "remark", "username", "",
]  # fmt: skip


@pytest.mark.parametrize("header", PERSONAL_HEADERS)
def test_personal_headers(header):
    assert is_personal_header(header)


@pytest.mark.parametrize("header", NOT_PERSONAL_HEADERS)
def test_declared_and_ordinary_headers_are_not_personal(header):
    assert not is_personal_header(header)


def test_special_ranges_match_this_pythons_unicode_data():

    assert list(SPECIAL_RANGES) == computed_special_ranges()


def test_a_list_of_amounts_with_decimals_is_not_a_number():
    """Found by hypothesis: 一10000，100.01，100.00 joined into a plausible 15-digit ID."""
    assert pii.mask("一10000，100.01，100.00") == "一10000，100.01，100.00"
    assert pii.mask("补助 1500.00，2000.50，300.00") == "补助 1500.00，2000.50，300.00"
    assert pii.mask("身份证 511102.19900101.1239") != "身份证 511102.19900101.1239"  # dots between ID groups still join
    assert pii.mask("一510511，165428，165428") == "一510511，165428，165428"  # a list of figures, Luhn by chance
    assert pii.mask("扣扣100.00") == "扣扣100.00"  # an amount after a QQ cue is no QQ number


def test_hashes_are_shown_whole():
    """A SHA-256 digest with a long digit run is a hash, not a number: messages print it in full."""
    digest = "401b130" + "1234567890123456" + "3839a" + "0" * 36
    assert len(digest) == 64
    assert pii.mask(f"previous 应为 {digest}（上一行的 SHA-256）") == f"previous 应为 {digest}（上一行的 SHA-256）"
    assert pii.mask("身份证号 11010519491231002X") == "身份证号 1101**********002X"
