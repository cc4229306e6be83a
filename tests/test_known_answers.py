"""Known answers: published example numbers and values worked out by hand or with other tools.

Nothing here derives an expected value from the code under test. Resident ID
numbers follow GB 11643-1999 (公民身份号码): 17 digits, then a check character.
The check is worked by hand below: multiply the 17 digits by the weights
7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, add, take the remainder mod 11, and look it
up in "10X98765432" (remainder 0 → 1, 1 → 0, 2 → X, 3 → 9 …).
"""

from __future__ import annotations

import pandas as pd
import pytest

from warmth.pii import detect as pii
from warmth.pii.idcard import check_digit, is_valid_id15, is_valid_id18, luhn_valid, normalize_id, upgrade_id15
from warmth.staff.keys import recipient_ref

# The standard's own example (GB 11643-1999, also the example of Chinese Wikipedia):
# 北京市朝阳区, born 1949-12-31, sequence 002 (female).
# 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10 + 1·5 + 0·8 + 0·4 + 2·2
#   = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167 = 15·11 + 2 → remainder 2 → "X"
STANDARD = "11010519491231002X"
# The standard's second example: 广东省汕头市潮阳县, born 1880-01-01, sequence 001 (male).
# 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195 = 17·11 + 8 → remainder 8 → "4"
OLD_EXAMPLE = "440524188001010014"

# 15-digit numbers (before 1999: YYMMDD, no check) and their 18-digit forms, derived by hand:
# insert "19" after the 6-digit region code, then append the check of those 17 digits.
# 340524 800101 001 → 34052419800101001:
#   21+36+0+25+16+16+2+9+48+0+0+9+0+5+0+0+2 = 189 = 17·11 + 2 → "X" → 34052419800101001X
# 130503 670401 001 → 13050319670401001:
#   7+27+0+25+0+12+2+9+36+21+0+36+0+5+0+0+2 = 182 = 16·11 + 6 → "6" → 130503196704010016
UPGRADES = [("340524800101001", "34052419800101001X"), ("130503670401001", "130503196704010016")]

# More check characters worked by hand (the test IDs of test_pii.py and test_anonymize.py):
# 51110219900101123: 35+9+10+5+0+8+2+9+54+0+0+9+0+5+8+8+6 = 168 = 15·11 + 3 → "9"
# 51110219850615007: 35+9+10+5+0+8+2+9+48+15+0+54+10+25+0+0+14 = 244 = 22·11 + 2 → "X"
# 51110219800101123: 35+9+10+5+0+8+2+9+48+0+0+9+0+5+8+8+6 = 162 = 14·11 + 8 → "4"
CHECKS = [
    ("11010519491231002", "X"),
    ("44052418800101001", "4"),
    ("34052419800101001", "X"),
    ("13050319670401001", "6"),
    ("51110219900101123", "9"),
    ("51110219850615007", "X"),
    ("51110219800101123", "4"),
]


@pytest.mark.parametrize(("first17", "check"), CHECKS)
def test_check_digit_known_answers(first17, check):
    assert check_digit(first17) == check


def test_the_standards_example_is_valid_and_every_other_check_is_not():
    assert is_valid_id18(STANDARD)
    assert is_valid_id18(STANDARD.lower())  # a lower-case x is the same number
    for wrong in "0123456789":
        assert not is_valid_id18(STANDARD[:17] + wrong), wrong
    assert not is_valid_id18("110105194912310021")
    assert not is_valid_id18("11010519491331002X")  # month 13 (and its check no longer fits either)
    assert not is_valid_id18("11010519491231002")  # 17 characters
    # the 1880 example has the right check but the plugin wants a birth year from 1900 (recipients are alive);
    # the detector still flags it below
    assert check_digit(OLD_EXAMPLE[:17]) == OLD_EXAMPLE[17]
    assert not is_valid_id18(OLD_EXAMPLE)


def test_15_digit_numbers_and_their_18_digit_forms():
    for old, new in UPGRADES:
        assert is_valid_id15(old)
        assert upgrade_id15(old) == new
        assert is_valid_id18(new)
        assert normalize_id(old) == new
    assert not is_valid_id15("340524801301001")  # born 1980-13-01
    assert not is_valid_id15("34052480010100")  # 14 digits
    assert not is_valid_id15("34052480010100X")


def test_normalize_id_known_answers():
    assert normalize_id(STANDARD) == STANDARD
    assert normalize_id(" 11010519491231002x ") == STANDARD
    assert normalize_id("110105 19491231 002X") == STANDARD
    assert normalize_id("１１０１０５１９４９１２３１００２ｘ") == STANDARD  # full-width digits and ｘ
    assert normalize_id("110105194912310021") is None  # wrong check
    assert normalize_id(OLD_EXAMPLE) is None  # born before 1900
    assert normalize_id("") is None
    assert normalize_id("张三") is None


def test_detector_finds_the_standards_example_in_chinese_text():
    cells = pd.Series(
        ["春节慰问", "受助人张三，身份证号11010519491231002X，已领取", "旧证号340524800101001。", OLD_EXAMPLE, "110105194912310021"],
        index=["a", "b", "c", "d", "e"],
        dtype="str",
    )
    found = pii.scan_series(cells)
    assert found["index"].tolist() == ["b", "c", "d", "e"]
    assert found["kind"].tolist()[:2] == ["id18", "id15"]
    assert found["kind"].iloc[3] == "long-number"  # 18 digits, check wrong: still never published
    assert found["kind"].iloc[2] in pii.KINDS  # the 1880 example: flagged all the same
    assert found["masked"].tolist() == [
        "受助人张*，身份证号1101**********002X，已领取",  # the name is masked too (pii/context.py)
        "旧证号3405*******1001。",
        "4405**********0014",
        "1101**********0021",
    ]
    assert pii.mask("身份证：１１０１０５１９４９１２３１００２Ｘ") == "身份证：1101**********002X"


# --- Luhn (ISO/IEC 7812) and bank cards ---------------------------------------
# Published test numbers, each checked by hand: from the right, double every second digit
# (subtract 9 from a result over 9) and add everything; the total must end in 0.
# 4111111111111111 (Visa test card): undoubled 8·1 = 8; doubled 7·2 + 4·2 = 22; 8 + 22 = 30 ✓
# 5500005555555559 (Mastercard test card): 9+1+5+1+5+1+5+1+5+1+0+0+0+0+5+1 = 40 ✓
# 6212345678901232 (UnionPay-style): 2+6+2+2+0+9+8+5+6+1+4+6+2+2+2+3 = 60 ✓
# 6200000000000005 and 6205500000000000004 (UnionPay test cards of Stripe's documentation): 10 ✓ and 20 ✓
# 79927398713 (the classic example of the Luhn algorithm): 3+2+7+7+9+6+7+4+9+9+7 = 70 ✓; padded with
# leading zeros to 16 digits (0000079927398713) the total is unchanged, so it is a card-length Luhn number.
CARDS = ["4111111111111111", "5500005555555559", "6212345678901232", "6200000000000005", "6205500000000000004", "0000079927398713"]
# Last digit changed, so the total no longer ends in 0, and not starting with 62: only a long digit run.
NOT_CARDS = ["4111111111111112", "5500005555555558", "0000079927398710"]


def test_luhn_classic_example():
    assert luhn_valid("79927398713")  # what decides "bank-card"
    assert not luhn_valid("79927398710")
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


@pytest.mark.parametrize("card", CARDS)
def test_published_test_cards_are_bank_cards(card):
    found = pii.scan_series(pd.Series([card, f"卡号{card}转账"], dtype="str"))
    assert found["kind"].tolist() == ["bank-card", "bank-card"]
    hidden = "*" * (len(card) - 8)
    assert found["masked"].tolist() == [card[:4] + hidden + card[-4:], f"卡号{card[:4]}{hidden}{card[-4:]}转账"]


@pytest.mark.parametrize("number", NOT_CARDS)
def test_luhn_invalid_16_digits_not_starting_with_62_are_long_numbers(number):
    assert pii.scan_series(pd.Series([number], dtype="str"))["kind"].tolist() == ["long-number"]


def test_unionpay_prefix_is_a_card_without_luhn_and_groups_must_check_out():
    assert not luhn_valid("6212345678901231")
    assert pii.scan_series(pd.Series(["6212345678901231"], dtype="str"))["kind"].tolist() == ["bank-card"]
    assert pii.mask("4111 1111 1111 1111") == "4111 **** **** 1111"
    # digits in groups of four are a card only when they check out (amounts and dates are often grouped)
    assert pii.scan_series(pd.Series(["4111 1111 1111 1112"], dtype="str")).empty
    assert pii.scan_series(pd.Series(["79927398713"], dtype="str")).empty  # 11 digits: too short for any kind


# --- recipient refs: HMAC-SHA256 under a fixed key -------------------------------
# Expected values computed independently with OpenSSL (OpenSSL 3, not Python):
#   printf %s 11010519491231002X | openssl dgst -sha256 -mac HMAC \
#       -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY = bytes(range(32))  # 0x00 … 0x1f
REF_STANDARD = "a66755453b106dcea0cfa264214ae59ff1e8b067f3e5f3aa8085e1d8757880eb"  # of "11010519491231002X"
REF_34052419800101001X = "7f0e36bc6b5afd13b3089010e26216193eac0485c9ff80ce2cbe085f3f528138"
REF_130503196704010016 = "6c326c193a5f69f47795dca7205d2924ec9167bcc6b9f58a76567e0f09f45722"
REF_OF_15_AS_TYPED = "b7a4e8d280c25a1ed5c81ae83b4225472f2e254cb66c55bf41c9df963182a398"  # of "340524800101001": must NOT be used


def test_recipient_ref_known_answers():
    assert recipient_ref(KEY, STANDARD) == REF_STANDARD
    for written in ("11010519491231002x", " 11010519491231002X ", "110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ"):
        assert recipient_ref(KEY, written) == REF_STANDARD, written
    assert recipient_ref(KEY, "34052419800101001X") == REF_34052419800101001X
    assert recipient_ref(KEY, "130503196704010016") == REF_130503196704010016


def test_a_15_digit_id_gets_the_ref_of_its_18_digit_form():
    assert recipient_ref(KEY, "340524800101001") == REF_34052419800101001X != REF_OF_15_AS_TYPED
    assert recipient_ref(KEY, "130503670401001") == REF_130503196704010016


def test_recipient_ref_of_an_invalid_id_is_none():
    assert recipient_ref(KEY, "110105194912310021") is None
    assert recipient_ref(KEY, "") is None
    assert recipient_ref(KEY, "340524801301001") is None  # 15 digits, month 13
