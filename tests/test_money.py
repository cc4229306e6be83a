from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from warmth.core import money


def test_yuan_formats_to_the_fen_with_thousands():
    assert money.yuan(123456789) == "¥1,234,567.89"
    assert money.yuan(5) == "¥0.05"
    assert money.yuan(0) == "¥0.00"
    assert money.yuan(-150) == "-¥1.50"


def test_plain_and_wan():
    assert money.plain(123456789) == "1234567.89"
    assert money.plain(100) == "1.00"
    assert money.wan(123456789) == "123.46万元"
    assert money.wan(4999) == "0.00万元"
    assert money.wan(5000) == "0.01万元"


def test_parse_fen_is_exact():
    text = pd.Series(["0", "1", "0.1", "0.01", "1,234.5", "1200.00", "99999999999.99"])
    assert parse_list(text) == [0, 100, 10, 1, 123450, 120000, 9999999999999]


def parse_list(text):
    return [int(v) for v in money.parse_fen(text).tolist()]


@given(st.lists(st.integers(min_value=0, max_value=99_999_999_999), max_size=50))
def test_plain_round_trips_through_parse_and_decimal(values):
    text = pd.Series([money.plain(v) for v in values], dtype="str")
    assert parse_list(text) == values
    assert all(Decimal(t) * 100 == v for t, v in zip(text, values))


def test_amount_pattern_limits_digits():
    import re

    ok = ["0", "1.5", "999999999.99", "1,234.50", "999,999,999.99"]
    bad = ["1000000000", "6222021234567890123", "1,2345", "1.005", "-1", "1e3", ""]
    assert all(re.fullmatch(money.AMOUNT_PATTERN, v) for v in ok)
    assert not any(re.fullmatch(money.AMOUNT_PATTERN, v) for v in bad)


def test_published_decimal_text_per_record_from_distinct_values():
    """The record files' amounts and quantities: each record its own text, repeated values included."""
    import numpy as np

    from warmth.downloads.records import decimal_text

    values = np.array([123450, 5, 0, 123450, 100, 5, 9999999999999, 120000, 10], dtype=np.int64)
    assert decimal_text(values, trim=False).to_pylist() == [
        "1234.50", "0.05", "0.00", "1234.50", "1.00", "0.05", "99999999999.99", "1200.00", "0.10",
    ]  # fmt: skip
    assert decimal_text(values, trim=True).to_pylist() == ["1234.5", "0.05", "0", "1234.5", "1", "0.05", "99999999999.99", "1200", "0.1"]
    assert decimal_text(np.array([], dtype=np.int64), trim=False).to_pylist() == []
