"""Corrections as they may be published: the values of a correction must not undo the privacy model.

A correction names a field's old and new value. For a field the model withholds
(recipient_ref, filed_on, a withheld note) both values are hidden; for a field it
may generalise (date, disbursing unit, recipient group, category, goods item) they
are hidden wherever that record's published value is generalised, since the old
or new value would tell what the site hides. Money, destination, fund source,
round and aid type — never generalised — are always shown, as is every reason.
"""

from __future__ import annotations

import pandas as pd

HIDDEN = "（不公开）"
GENERALISED_FIELDS = ("date", "disbursing_unit", "recipient_group", "category", "item")


def published_corrections(history: list[dict], checked: pd.DataFrame, published: pd.DataFrame, withheld: tuple[str, ...]) -> list[dict]:
    """``history`` (intake/corrections.py) with the values hidden that would undo the privacy model."""
    if not history:
        return []
    corrected = {c["record_id"] for c in history if c["field"] in GENERALISED_FIELDS}
    shown: dict[tuple[str, str], bool] = {}
    if corrected:
        mine = checked["record_id"].isin(corrected).to_numpy()
        ids = checked["record_id"].to_numpy()[mine]
        for field in GENERALISED_FIELDS:
            real = checked[field].astype(str).to_numpy()[mine]
            public = published[field].astype(str).to_numpy()[mine]
            for rid, a, b in zip(ids, real, public):
                shown[(rid, field)] = a == b  # only the few corrected records, never every record
    out = []
    for change in history:
        field = change["field"]
        hide = field in withheld or (field in GENERALISED_FIELDS and not shown.get((change["record_id"], field), False))
        out.append({**change, "old_value": HIDDEN, "new_value": HIDDEN} if hide else dict(change))
    return out
