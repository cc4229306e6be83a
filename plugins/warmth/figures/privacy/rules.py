"""The privacy rules, declared: which groups of records must hold at least k, and how to get there.

Each rule names the dimensions that form its groups, the generalisable
dimensions it may recode (in order: the first is given up first), and the
stratum: the fixed dimensions inside which small groups are merged when every
generalisation is used up. Every published table groups the published records
by a subset of some rule's dimensions, so each of its cells is a union of groups
of at least k (README "Privacy", where the list of tables is given).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warmth.figures.privacy.codes import Codes, class_people, class_sizes, group_key


@dataclass(frozen=True)
class Rule:
    name: str  # stable name, used in the privacy report
    zh: str  # what it protects, in Chinese (about page)
    dims: tuple[str, ...]  # the groups
    recode: tuple[str, ...]  # generalisable dimensions, given up in this order
    stratum: tuple[str, ...]  # fixed dimensions: small groups merge only inside one stratum
    measure: str = "records"  # "records", "people" (distinct people) or "sensitive" (homogeneity)
    goods_only: bool = False

    def bad(self, codes: Codes, k: int, exempt: np.ndarray) -> np.ndarray:
        """Records in groups that break the rule (records of unavoidable strata exempt)."""
        mask = ~exempt & (codes.goods if self.goods_only else True)
        key = group_key(codes, self.dims, mask)
        if self.measure == "sensitive":
            # a group (categories aside) whose every record has a sensitive category
            valid = key >= 0
            bad = np.zeros(len(key), dtype=bool)
            if valid.any():
                plain = np.bincount(key[valid], weights=~codes.sensitive[codes["category"][valid]], minlength=int(key.max()) + 1)
                bad[valid] = plain[key[valid]] == 0
            return bad
        size = class_people(key, codes.refs) if self.measure == "people" else class_sizes(key)
        return (size > 0) & (size < k)


RECORD_QUASI_IDENTIFIERS = ("district", "round", "aid_type", "disbursing_unit", "recipient_group", "date", "category")

RULES: tuple[Rule, ...] = (
    Rule(
        "record-groups", "发放记录中，区县、批次、救助形式、发放单位、受助群体、日期、救助类别都相同的记录至少 k 条",
        RECORD_QUASI_IDENTIFIERS, ("date", "disbursing_unit", "recipient_group", "category"), ("district", "round", "aid_type"),
    ),
    Rule(
        "sensitive-categories", "上述组合（不看救助类别）中，不会全部是医疗救助等敏感类别",
        RECORD_QUASI_IDENTIFIERS[:-1], ("date", "disbursing_unit", "recipient_group", "category"), ("district", "round", "aid_type"),
        measure="sensitive",
    ),
    Rule(
        "source-tables", "资金来源 × 区县 × 救助类别的每个格子至少 k 条",
        ("fund_source", "district", "category"), ("category",), ("fund_source", "district"),
    ),
    Rule(
        "goods-tables", "区县物资表中每种物资（同一计量单位）至少 k 条",
        ("district", "item", "goods_unit"), ("item",), ("district",), goods_only=True,
    ),
    Rule(
        "people-counts", "统计表中每个区县 × 受助群体的受助人数为 0 或至少 k 人",
        ("district", "recipient_group"), ("recipient_group",), ("district",), measure="people",
    ),
)

# Tables whose dimensions are only where the money went (destination, fund source,
# round, aid type). Their cells are published as they are: a cell below k there is
# listed as unavoidable, since hiding it would hide where money went.
FIXED_TABLES: tuple[tuple[str, ...], ...] = (
    ("district",), ("fund_source",), ("round",), ("aid_type",),
    ("district", "round"), ("district", "fund_source"), ("district", "aid_type"), ("round", "fund_source"),
)
