"""What changed since the previous monitor run: triggers that appeared, went, or changed state.

Both runs are compared by rule id on their ``alerts`` rows (one as-of day each): a rule in
the current rule set only is ``new``, in the previous one only ``dropped``; a rule in
both is ``changed`` when its status moved (e.g. ``inactive`` -> ``active``: it fired;
``active`` -> ``inactive``: it stood down; anything -> ``cannot_evaluate``: its inputs went
missing) and ``unchanged`` otherwise. Active rules come first, so the brief leads with
what needs attention.

Example:
    >>> import pandas as pd
    >>> prev = pd.DataFrame({"rule_id": ["a", "b"], "status": ["inactive", "active"],
    ...     "as_of": pd.to_datetime(["2021-03-01"] * 2)})
    >>> now = pd.DataFrame({"rule_id": ["a", "c"], "status": ["active", "inactive"],
    ...     "as_of": pd.to_datetime(["2021-03-02"] * 2)})
    >>> out = changes_since(now, prev)
    >>> out["rule_id"].tolist(), out["change"].tolist()
    (['a', 'c', 'b'], ['changed', 'new', 'dropped'])
    >>> out[["before", "after"]].values.tolist()
    [['inactive', 'active'], [None, 'inactive'], ['active', None]]
"""

from __future__ import annotations

import pandas as pd

from crisis_fca.render import text as tx

__all__ = ["CHANGE_COLUMNS", "changes_since"]

CHANGE_COLUMNS = ("rule_id", "rule", "change", "before", "after", "previous_as_of")
_ORDER = {"changed": 0, "new": 1, "dropped": 2, "unchanged": 3}


def changes_since(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """``CHANGE_COLUMNS`` rows comparing two runs' ``alerts`` rows (``rule_id``, ``status``,
    ``as_of``, and ``premise``/``consequent``/``lead`` to word the rule when present); an
    empty frame when there is no previous run."""
    if previous is None or previous.empty:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    before = dict(zip(previous["rule_id"].astype(str), previous["status"].astype(str), strict=True))
    after = dict(zip(current["rule_id"].astype(str), current["status"].astype(str), strict=True))
    prev_day = pd.Timestamp(previous["as_of"].max()).date()
    words = {**_sentences(previous), **_sentences(current)}
    rows = []
    for rule_id in [*after, *(r for r in before if r not in after)]:
        b, a = before.get(rule_id), after.get(rule_id)
        if b is None:
            change = "new"
        elif a is None:
            change = "dropped"
        else:
            change = "unchanged" if a == b else "changed"
        rows.append((rule_id, words.get(rule_id, rule_id), change, b, a, prev_day))
    frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS), dtype=object)  # None stays None
    active = frame["after"].eq("active") | frame["before"].eq("active")
    key = frame["change"].map(_ORDER) * 2 + (~active).astype(int)
    return (
        frame.assign(_k=key)
        .sort_values(["_k", "rule_id"])
        .drop(columns="_k")
        .reset_index(drop=True)
    )


def _sentences(rows: pd.DataFrame) -> dict[str, str]:
    if not {"premise", "consequent", "lead"} <= set(rows.columns):
        return {}
    return {
        str(r): tx.rule_sentence(tuple(p), str(c), int(k), {})
        for r, p, c, k in zip(
            rows["rule_id"], rows["premise"], rows["consequent"], rows["lead"], strict=True
        )
    }
