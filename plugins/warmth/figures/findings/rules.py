"""The campaign's rules that findings check: codes, severities, names and what the notice asks.

Declarative: the codes are a contract with pages and downloads (README, "Findings").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str  # stable code, a contract with pages and downloads
    severity: str  # "high" | "medium" | "low"
    zh: str  # short Chinese name
    en: str
    explanation_zh: str  # what the notice asks for, in our own words
    explanation_en: str = ""  # the same, for the English pages


RULES: tuple[Rule, ...] = (
    Rule(
        "over-allocation", "high", "超出拨付额发放", "Spent beyond the allocation",
        "每一笔专项资金拨到区县时都有确定的数额，区县只能在这个数额以内发放。"
        "某项资金在某区县发放的合计大于拨给它的数额，说明出现了超支，或者拨付记录不完整。",
        "Each earmarked fund reaches a destination as a fixed amount, and the destination may disburse only within it. "
        "When a fund's disbursements in a destination add up to more than was allocated to it, the fund was overspent "
        "or the allocation records are incomplete.",
    ),
    Rule(
        "unspent-balance", "medium", "资金未用完", "Allocation not used up",
        "通知把拨到各地的“两节”送温暖资金定为专项帮扶资金，要求活动结束时全部用于帮扶。"
        "活动结束后拨付额仍大于发放额的，结余数额在此公开。",
        "The notice makes the New Year and Spring Festival relief money an earmarked fund to be used up on relief by "
        "the end of the campaign. Where the allocation still exceeds what was disbursed after the campaign, the balance"
        " is published here.",
    ),
    Rule(
        "earmark", "high", "超出专款用途", "Outside the fund's earmarked categories",
        "专款专用：每项资金只能花在活动配置中为它列明的救助类别上，不能挪作他用，也不能自行扩大用途。"
        "用某项资金支付了它不包括的救助类别，即为超出用途。",
        "Earmarked funds are used only for their purpose: each fund may pay only for the relief categories the campaign"
        " lists for it, never for other uses. A fund paying for a category it does not include has been used outside "
        "its earmark.",
    ),
    Rule(
        "file-first-missing", "medium", "困难职工缺建档日期", "Hardship worker without a file date",
        "帮扶困难职工要依据困难档案进行，程序是先建档、再帮扶，并实行实名制。"
        "记录没有填写建档日期，就无法核实这笔帮扶是否有档可依。",
        "Help for workers in hardship follows their hardship file: the file is opened first, then help is given, under "
        "real names. A record without a file date cannot show that the help had a file behind it.",
    ),
    Rule(
        "file-first-late", "high", "先帮扶后建档", "Helped before the file was opened",
        "帮扶困难职工要依据困难档案进行，程序是先建档、再帮扶。"
        "建档日期晚于发放日期，说明帮扶在建档之前，顺序颠倒。",
        "Help for workers in hardship follows their hardship file: the file is opened first, then help is given. A file"
        " date later than the disbursement date means the help came before the file.",
    ),
    Rule(
        "fairness-multi-district", "medium", "跨区县受助", "Aid in more than one destination",
        "救助款物要公开、公平、公正地分配。同一受助人在不止一个区县领取救助，"
        "可能是重复申领，也可能有正当原因（如异地务工），公开供核实。",
        "Relief is to be shared openly, fairly and justly. A recipient helped in more than one destination may have "
        "claimed twice, or may have a good reason (working away from home); it is published so that it can be checked.",
    ),
    Rule(
        "fairness-repeat", "low", "同类多次受助", "Same aid received more than once",
        "同一受助人从同一资金来源多次领取同一类别的救助，可能是分批发放等正常情况，"
        "也可能是重复发放；为体现公平，予以公开供监督。",
        "A recipient who received the same category of aid from the same fund more than once may have been paid in "
        "instalments, or paid twice; for fairness it is published for supervision.",
    ),
    Rule(
        "late-report", "medium", "逾期报送", "Report received after the deadline",
        "各级工会须在规定期限前把送温暖统计表和实名制汇总表报到市总工会。"
        "收到日期晚于该批次截止日期的，在此列出。",
        "Unions at every level must send the campaign's statistics table and real-name list to the city federation by "
        "the deadline. Reports received after their round's deadline are listed here.",
    ),
    Rule(
        "missing-report", "high", "未报送", "Report missing",
        "各级工会须按批次报送发放情况。该批次应报未报、也没有任何发放记录的区县，在此列出。",
        "Unions at every level must report each round. Destinations that owed a round's report and sent neither a "
        "report nor any record are listed here.",
    ),
)


RULE_CODES: tuple[str, ...] = tuple(r.code for r in RULES)


RULE = {r.code: r for r in RULES}


RULE_POS = {r.code: i for i, r in enumerate(RULES)}


COLUMNS: tuple[str, ...] = (
    "rule", "severity", "district", "fund_source", "record_ids", "records", "amount_fen",
    "explanation_zh", "explanation_en",
)


ID_LIMIT = 50  # over-allocation lists at most this many record ids


HARDSHIP_GROUP = "困难职工"  # the group the file-first rules apply to


DISTRICT_SEPARATOR = "、"
