"""Count given rules on any stretch of days (training, holdout, folds, baselines).

Mining counts rules inside its lead-time context; validation needs the same counts for
*fixed* rules on other days. This module rebuilds only the state copies the rules use,
from the states themselves, so that a holdout is counted with exactly the definitions
used in mining: a row (day t) counts when every involved copy is known, and copies
beyond the given states' last day are unknown -- so counting on the training slice of
the states can never read a holdout day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crisis_fca.rules.context import StatesLike, calendar_arrays, shifted_copies

__all__ = ["Item", "count_rules", "rule_counts"]

Item = tuple[str, int]
"""A state copy: (state name, day offset relative to t; negative = lag, positive = lead)."""


def count_rules(
    states: StatesLike,
    premises: list[tuple[Item, ...]],
    consequents: list[Item],
    rows: np.ndarray | None = None,
    require: list[tuple[Item, ...]] | None = None,
) -> dict[str, np.ndarray]:
    """Day counts ``n``, ``p``, ``c``, ``a`` of each rule on the selected days t.

    Args:
        states: the state set (bool ``values`` and ``known``).
        premises: each rule's premise copies.
        consequents: each rule's consequent copy.
        rows: bool mask over the days of ``states`` saying which days t may count
            (default all).
        require: per rule, extra copies that must be known for a day to count (e.g. the
            persistence baseline's trigger, so rule and baseline share their days).

    Returns:
        int arrays keyed ``n`` (evaluable days), ``p`` (premise holds), ``c`` (consequent
        holds), ``a`` (both hold).
    """
    extra = require or [() for _ in premises]
    used = sorted({it for group in (*premises, *extra) for it in group} | set(consequents))
    pos = {it: k for k, it in enumerate(used)}
    names = list(states.values.columns)
    col = {s: i for i, s in enumerate(names)}
    vals, known, present = calendar_arrays(states)
    v, k = (a[present] for a in shifted_copies(vals, known, [(col[s], o) for s, o in used]))
    pad = len(used)
    v = np.hstack([v, np.ones((len(v), 1), dtype=bool)])
    k = np.hstack([k, np.ones((len(k), 1), dtype=bool)])
    p_idx = _padded([[pos[it] for it in p] for p in premises], pad)
    r_idx = _padded([[pos[it] for it in r] for r in extra], pad)
    c_idx = np.array([pos[it] for it in consequents], dtype=np.int64)
    mask = np.ones(len(v), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    pv, pk, rk = _conj(v, p_idx), _conj(k, p_idx), _conj(k, r_idx)
    cv, ck = v[:, c_idx], k[:, c_idx]
    base = pk & rk & ck & mask[:, None]
    return {
        "n": base.sum(axis=0),
        "p": (base & pv).sum(axis=0),
        "c": (base & cv).sum(axis=0),
        "a": (base & pv & cv).sum(axis=0),
    }


def _padded(groups: list[list[int]], pad: int) -> np.ndarray:
    width = max(1, max((len(g) for g in groups), default=1))
    out = np.full((len(groups), width), pad, dtype=np.int64)
    for r, g in enumerate(groups):
        out[r, : len(g)] = g
    return out


def _conj(mat: np.ndarray, idx: np.ndarray) -> np.ndarray:
    if idx.shape[0] == 0:
        return np.ones((mat.shape[0], 0), dtype=bool)
    return np.asarray(np.logical_and.reduce([mat[:, idx[:, j]] for j in range(idx.shape[1])]))


def rule_counts(
    states: StatesLike, rules: pd.DataFrame, rows: np.ndarray | None = None, prefix: str = ""
) -> pd.DataFrame:
    """Counts of the rules in a rule frame, as columns ``{prefix}n_days`` etc.

    ``rules`` needs ``premise_states``, ``premise_offsets``, ``consequent_state`` and
    ``lead`` (as produced by mining).
    """
    premises = [
        tuple(zip(s, o, strict=True))
        for s, o in zip(rules["premise_states"], rules["premise_offsets"], strict=True)
    ]
    consequents = list(zip(rules["consequent_state"], rules["lead"].astype(int), strict=True))
    counts = count_rules(states, premises, consequents, rows)
    names = {"n": "n_days", "p": "premise_days", "c": "consequent_days", "a": "support_days"}
    return pd.DataFrame(
        {f"{prefix}{names[key]}": value.astype(np.int64) for key, value in counts.items()},
        index=rules.index,
    )
