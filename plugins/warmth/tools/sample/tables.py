"""What the sample generator knows about this campaign, as declared tables.

Names are those of ``data/campaign.toml``; a campaign that names things
differently still works (unknown destinations, categories and sources get
default weights), it only loses the flavour and some planted problems. Every
number here feeds the seeded random draws: changing one changes the sample,
and the committed ``data/`` folder must then be regenerated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from warmth.core.schema import AID_TYPES as _AID_TYPES
from warmth.core.schema import RECORD_COLUMNS

# (English header, Chinese header), in file order: the declared record format.
COLUMNS: tuple[tuple[str, str], ...] = tuple((col.name, col.zh) for col in RECORD_COLUMNS)

AID_TYPES: tuple[str, ...] = tuple(_AID_TYPES)  # cash, goods, service
AID_TYPES_ZH: tuple[str, ...] = tuple(_AID_TYPES.values())  # 现金, 物资, 服务
CASH, GOODS, SERVICE = 0, 1, 2

FEN_PER_THOUSAND_YUAN = 100_000
FILED_FROM = date(2008, 1, 1)  # earliest hardship-file date; days are counted from it

# --- campaign-specific knowledge (names as declared in campaign.toml) -------

HARDSHIP = "困难职工"
MIGRANT = "农民工"
CHILDREN = "困难职工子女"
ENTERPRISE = "困难企业"

PROVINCIAL_SOURCE = "省总工会慰问资金"
PROVINCIAL_COUNTIES = ("马边彝族自治县", "峨边彝族自治县")
PROVINCIAL_ENTERPRISE_CATEGORY = "困难企业慰问"
PROVINCIAL_WORKER_CATEGORY = "生活救助"
LATE_DESTINATION = "沐川县"  # has not sent its second-round report
CITY_LEVEL = "市直"

# Relative number of records per destination (default 0.8).
DESTINATION_WEIGHTS = {
    "市中区": 1.7, "沙湾区": 0.8, "五通桥区": 0.9, "金口河区": 0.45, "犍为县": 1.4,
    "井研县": 0.8, "夹江县": 0.9, "沐川县": 0.6, "峨边彝族自治县": 0.5,
    "马边彝族自治县": 0.5, "峨眉山市": 1.4, "市直": 1.8,
}
DEFAULT_DESTINATION_WEIGHT = 0.8
# Category weights at city level (市直), times the category's own weight.
CITY_CATEGORY_BOOST = (("一线职工慰问", 1.5), ("劳模慰问", 1.5), ("农民工帮扶", 0.5))
# Record-id prefixes; other slugs use their upper-cased letters.
PREFIXES = {
    "shizhong": "SZ", "shawan": "SW", "wutongqiao": "WTQ", "jinkouhe": "JKH",
    "qianwei": "QW", "jingyan": "JY", "jiajiang": "JJ", "muchuan": "MC",
    "ebian": "EB", "mabian": "MB", "emeishan": "EMS", "shizhi": "SZHI",
}
# City-level units reporting under 市直, with relative weights.
CITY_UNITS = (
    ("市总工会", 3.0), ("市教育工会", 2.0), ("市卫生工会", 1.5), ("市直机关工会", 1.0),
    ("市财贸工会", 1.0), ("市建设工会", 1.0), ("市交通运输工会", 1.0), ("市农林水工会", 0.6),
    ("市国资系统工会", 0.8), ("市邮政工会", 0.4),
)
# Elsewhere: the county federation, and its hardship centre for this share of records.
HELP_CENTRE_SHARE = 0.1
# Relative weight of fund sources (default 0.15; the provincial source is handled apart).
SOURCE_WEIGHTS = {
    "中央财政追加资金": 0.28, "市财政安排资金": 0.22, "市总工会配套资金": 0.20,
    "单位筹集资金": 0.18, "社会捐赠": 0.12,
}
DEFAULT_SOURCE_WEIGHT = 0.15
CITY_SOURCE_BOOST = {"单位筹集资金": 2.5, "中央财政追加资金": 0.6}
# The provincial delegation: yuan per enterprise, per hardship worker; its note.
PROVINCIAL_ENTERPRISE_YUAN = (10000, 15000, 20000)
PROVINCIAL_WORKER_YUAN = (1000, 2000)
PROVINCIAL_NOTE = "省总工会慰问团慰问"


@dataclass(frozen=True)
class Style:
    """How one district writes its files."""

    chinese_header: bool = False
    dates: str = "iso"  # iso 2012-01-05 | slash 2012/1/5 | cjk 2012年1月5日
    chinese_aid: bool = False
    fixed_cents: bool = False  # 1200.00 instead of 1200
    bom: bool = True


STYLES = {
    "井研县": Style(chinese_header=True, dates="slash", chinese_aid=True),
    "夹江县": Style(chinese_header=True, dates="cjk", chinese_aid=True, fixed_cents=True),
    "峨边彝族自治县": Style(chinese_header=True, dates="slash", chinese_aid=True, fixed_cents=True),
}
NO_BOM_FILES = {("2012-02", "井研县")}  # (round, destination) saved as UTF-8 without BOM
GB18030_FILES = {("2012-01", "井研县")}  # saved by Excel as plain "CSV" on Chinese Windows

# Goods: item → (unit, quantity options in tenths, their weights).
ITEMS: dict[str, tuple[str, tuple[int, ...], tuple[float, ...]]] = {
    "大米": ("袋", (10, 20, 30), (0.5, 0.35, 0.15)),
    "食用油": ("桶", (10, 20), (0.7, 0.3)),
    "棉被": ("床", (10, 20), (0.8, 0.2)),
    "购药卡": ("张", (10, 20, 30, 40, 50), (0.3, 0.3, 0.2, 0.1, 0.1)),
    "羽绒服": ("件", (10, 20), (0.85, 0.15)),
    "慰问品": ("份", (10, 20, 30), (0.7, 0.2, 0.1)),
    "学习用品": ("套", (10, 20), (0.75, 0.25)),
    "煤": ("吨", (5, 10, 15, 20), (0.3, 0.4, 0.2, 0.1)),
}
ITEM_NAMES = tuple(ITEMS)
PRICE_STEP_FEN = {"煤": 1000}  # price rounding per item
DEFAULT_PRICE_STEP_FEN = 50  # 0.50 yuan
PRICE_SPREAD = 0.04  # per destination and item: price factor ~ N(1, spread), clipped to 0.9–1.1
HEATING_ITEM, HEATING_NOTE = "煤", "过冬取暖补贴"  # half of the coal records carry the note


@dataclass(frozen=True)
class Service:
    """One kind of service: probability, value range and step in yuan, note."""

    p: float
    lo: float
    hi: float
    step: float
    note: str


@dataclass(frozen=True)
class Profile:
    """What aid under one category looks like."""

    weight: float
    groups: tuple[tuple[str, float], ...]
    aid: tuple[float, float, float]  # P(cash), P(goods), P(service)
    cash: tuple[int, int, int] = (300, 2000, 100)  # yuan: low, high, usual step
    goods: tuple[tuple[str, float, float], ...] = ()  # item, weight, base unit price (yuan)
    services: tuple[Service, ...] = ()
    notes: tuple[str, ...] = ("春节慰问",)


PROFILES: dict[str, Profile] = {
    "生活救助": Profile(
        32, ((HARDSHIP, 0.92), (MIGRANT, 0.08)), (0.6, 0.4, 0.0), (300, 2000, 100),
        (("大米", 0.3, 150), ("食用油", 0.25, 120), ("棉被", 0.2, 200), ("煤", 0.15, 900), ("羽绒服", 0.1, 350)),
        notes=("春节慰问", "过冬取暖补贴", "低保边缘户生活补助", "市领导慰问", "因灾致困生活救助"),
    ),
    "医疗救助": Profile(
        9, ((HARDSHIP, 0.94), (MIGRANT, 0.06)), (0.7, 0.3, 0.0), (500, 5000, 100),
        (("购药卡", 1.0, 300),),
        notes=("大病医疗补助", "赠送购药卡", "住院自付费用补助"),
    ),
    "助学救助": Profile(
        8, ((CHILDREN, 1.0),), (0.88, 0.12, 0.0), (1000, 3000, 500),
        (("学习用品", 0.8, 150), ("羽绒服", 0.2, 300)),
        notes=("贫困大学生助学", "春节助学慰问", "市领导走访慰问"),
    ),
    "就业援助": Profile(
        4, ((HARDSHIP, 0.55), (MIGRANT, 0.45)), (0.4, 0.0, 0.6), (500, 3000, 500),
        services=(Service(0.5, 200, 1200, 100, "职业技能培训"), Service(0.5, 0, 0, 1, "就业招聘会推荐岗位")),
        notes=("创业扶持", "送岗位上门"),
    ),
    "心理疏导": Profile(
        2.5, ((MIGRANT, 0.5), ("一线职工", 0.3), (HARDSHIP, 0.2)), (0.0, 0.05, 0.95),
        goods=(("慰问品", 1.0, 100),),
        services=(Service(0.7, 0, 0, 1, "心理咨询热线"), Service(0.3, 50, 300, 10, "一对一心理疏导")),
        notes=("新生代农民工心理咨询",),
    ),
    "农民工帮扶": Profile(
        13, ((MIGRANT, 1.0),), (0.3, 0.2, 0.5), (300, 1500, 100),
        (("慰问品", 0.5, 150), ("羽绒服", 0.3, 350), ("棉被", 0.2, 200)),
        services=(
            Service(0.65, 80, 450, 0.5, "平安返乡车票"),
            Service(0.25, 0, 0, 1, "法律援助"),
            Service(0.10, 0, 0, 1, "欠薪追讨协助"),
        ),
        notes=("春节慰问", "返乡前慰问"),
    ),
    "一线职工慰问": Profile(
        22, (("一线职工", 1.0),), (0.15, 0.85, 0.0), (200, 800, 100),
        (("慰问品", 1.0, 200),),
        notes=("节日坚守岗位慰问", "春节慰问", "共进年夜饭"),
    ),
    "劳模慰问": Profile(
        5, (("劳动模范", 1.0),), (0.6, 0.3, 0.1), (500, 2000, 100),
        (("慰问品", 1.0, 300),),
        services=(Service(1.0, 100, 500, 50, "保健义诊"),),
        notes=("劳模走访慰问", "春节慰问"),
    ),
    "困难企业慰问": Profile(
        1, ((ENTERPRISE, 1.0),), (1.0, 0.0, 0.0), (5000, 20000, 1000),
        notes=("困难企业走访慰问", "座谈了解企业困难"),
    ),
}
# A category this generator does not know: plain cash help for hardship workers.
UNKNOWN_PROFILE = Profile(2, ((HARDSHIP, 1.0),), (1.0, 0.0, 0.0))
DEFAULT_GOODS = (("慰问品", 1.0, 200),)  # a profile that may give goods but names none
DEFAULT_SERVICES = (Service(1.0, 0, 0, 1, "上门服务"),)  # ... or services

# Records per person, by group (default 1.2): how often the same recipient comes back.
RECORDS_PER_PERSON = {HARDSHIP: 1.8, MIGRANT: 1.25, CHILDREN: 1.15, "一线职工": 1.1, "劳动模范": 1.3, ENTERPRISE: 1.4}
DEFAULT_RECORDS_PER_PERSON = 1.2
# Share of persons (other than hardship workers, who all have one) with a hardship file date.
FILED_SHARE = {CHILDREN: 0.25, MIGRANT: 0.05}

ROUND1_SHARE = 0.65
NOTE_SHARE = 0.15
SERVICE_NOTE_SHARE = 0.8
REF_MISSING_SHARE = 0.03
CROSS_DESTINATION_SHARE = 0.01  # hardship workers helped outside their home destination
BREACH_SHARE = 0.002  # fund source outside its earmarked categories
FILED_ISSUE_SHARE = 0.005  # hardship workers without a file, or filed after the aid
CENTS_SHARE = 0.08  # cash amounts with cents
MAX_DIGIT_RUN = 10  # recipient refs never hold 11+ digits in a row (looks like a phone number)
