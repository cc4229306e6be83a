"""The reader never crashes: arbitrary bytes end in records or in problems."""

from __future__ import annotations

import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warmth.core.problems import DataError
from warmth.figures.dataset import read_dataset

from test_validate import EN, row

CELL = st.one_of(st.text(max_size=12), st.sampled_from(["", '"', ",", "\n", "\r\n", "沙湾区", "800", "2012/1/5", "goods"]))


def check(folder, payload: bytes) -> None:
    path = folder / "rounds" / "2012-01" / "a.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    try:
        ds = read_dataset(folder)
    except DataError as err:
        assert err.problems and all(p.file and p.rule for p in err.problems)
    else:
        assert len(ds.records) >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_arbitrary_bytes(tmp_path_factory, root, payload):
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(root / "data" / "campaign.toml", folder)
    check(folder, payload)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELL, max_size=18), max_size=6), st.booleans(), st.sampled_from(["\n", "\r\n"]))
def test_arbitrary_rows_under_a_real_header(tmp_path_factory, root, rows, with_good_row, newline):
    import csv
    import io

    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(root / "data" / "campaign.toml", folder)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(EN)
    if with_good_row:
        writer.writerow(row())
    writer.writerows(rows)
    check(folder, buffer.getvalue().encode("utf-8"))
