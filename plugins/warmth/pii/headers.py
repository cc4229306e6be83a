"""Column headers that mean personal data (姓名, 身份证, 电话, name, phone …)."""

from __future__ import annotations

import re
import unicodedata

# Chinese terms, found anywhere in the header (联系电话, 受助人姓名, 银行卡号 …).
HEADER_TERMS_ZH = (
    "姓名", "名字", "身份证", "证件号", "证件号码", "电话", "手机", "联系方式", "联系人", "银行卡", "账号", "帐号",
    "卡号", "户名", "住址", "地址", "家庭住址", "户籍", "户口", "邮箱", "邮件", "微信", "收款人", "领款人", "领取人",
    "签名", "签字", "出生日期", "生日",
)  # fmt: skip
# English words and compounds, compared with the header's words and runs of adjacent words.
HEADER_TERMS_EN = frozenset(
    {
        "name", "names", "fullname", "firstname", "lastname", "surname", "givenname", "familyname",
        "idnumber", "idno", "idnum", "idcard", "idcardno", "idcardnumber", "identity", "identitycard", "identitynumber",
        "passport", "ssn",
        "phone", "phoneno", "phonenumber", "mobile", "mobileno", "mobilephone", "cellphone", "tel", "telno", "telephone",
        "contact", "contactinfo", "wechat", "qq",
        "bankcard", "bankcardno", "account", "accountno", "accountnumber", "cardno", "cardnumber",
        "address", "homeaddress", "email", "emailaddress",
        "birthday", "birthdate", "dateofbirth", "dob", "payee", "signature",
    }
)  # fmt: skip
# "name" after one of these is not a person's name (unit_name, item_name …).
NOT_A_PERSON = frozenset(
    {
        "unit", "item", "goods", "product", "file", "district", "county", "category", "group", "fund", "source", "round",
        "campaign", "org", "organization", "organisation", "company", "enterprise", "bank", "branch", "column", "field",
        "sheet", "table", "project", "aid", "material", "disbursing",
    }
)  # fmt: skip
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def is_personal_header(header: str) -> bool:
    """True for column headers that mean personal data: Chinese 姓名, 名字, 身份证, 证件号, 证件号码,
    电话, 手机, 联系方式, 银行卡, 账号, 帐号, 卡号, 住址, 地址, 家庭住址, 户籍, 邮箱; English name, full_name,
    id_number, id_no, idcard, id_card, identity, phone, mobile, tel, telephone, bank_card, account, card_no,
    address, email (case-insensitive, NFKC, ignoring spaces, `_`, `-`). False for every declared column
    header of the record format.

    A few more are recognised too: 联系人, 户名, 户口, 邮件, 微信, 收款人, 领款人, 领取人, 签名, 签字, 出生日期, 生日;
    first_name, last_name, surname, passport, cellphone, contact, wechat, qq, birthday, dob, payee, signature.
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    compact = re.sub(r"[\s_\-]+", "", text).casefold()
    if any(term in compact for term in HEADER_TERMS_ZH) or compact in HEADER_TERMS_EN:
        return True
    words = [w.casefold() for w in _WORDS.findall(text)]
    for i in range(len(words)):
        for j in range(i + 1, min(i + 4, len(words)) + 1):
            joined = "".join(words[i:j])
            if joined in HEADER_TERMS_EN and not (joined in ("name", "names") and i > 0 and words[i - 1] in NOT_A_PERSON):
                return True
    return False
