"""Stage outputs reshaped into the store's tables (pure; the store declares the columns).

The rules stage speaks in its own vocabulary (``status`` ``clean_predictive``, item names
with lag suffixes, a rolling-origin fold table); the store speaks the analysts' (one row
per rule with a hashed ``rule_id`` and a ``rule_class``). This module is the one place
that translates, so neither stage has to know the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crisis_fca.store import rule_id, signals_table, states_table
from crisis_fca.store.schema import table

if TYPE_CHECKING:
    from crisis_fca.align import AlignedSignals
    from crisis_fca.lattice import Lattice
    from crisis_fca.rules import RulesResult
    from crisis_fca.states import StateSet

__all__ = ["CLASS_OF_STATUS", "concepts_frame", "rules_frame", "run_tables", "validations_frame"]

CLASS_OF_STATUS = {
    "stable_same_day": "stable_same_day",
    "clean_predictive": "predictive",
    "failed": "failed",
}
"""The rules stage's ``status`` -> the store's ``rule_class``."""

_RENAMES = {
    "n_days": "evaluable_days",
    "confidence_low": "ci_low",
    "confidence_high": "ci_high",
    "premise_closure": "concept",
    "rule_class": "kind",
    "train_n_days": "train_days",
    "holdout_n_days": "holdout_days",
    "stability": "folds_passed",
}


def rules_frame(result: RulesResult) -> pd.DataFrame:
    """The store's ``rules`` rows for every classified rule of ``result``."""
    rules = result.rules
    if rules.empty:
        return pd.DataFrame()
    premises = pd.Series([tuple(sorted(p)) for p in rules["premise"]], index=rules.index, dtype=object)
    passed = pd.Series(
        [_filters_passed(result, kind) for kind in rules["rule_class"]], index=rules.index, dtype=object
    )
    frame = rules.rename(columns=_RENAMES).assign(
        premise=premises,
        consequent=rules["consequent_state"],
        rule_class=rules["status"].map(CLASS_OF_STATUS),
        filters_passed=passed,
        reasons=rules["reasons"].map(_reason_text),
    )
    frame["rule_id"] = [
        rule_id(p, c, int(k))
        for p, c, k in zip(frame["premise"], frame["consequent"], frame["lead"], strict=True)
    ]
    return frame[[c.name for c in table("rules").data_columns]]


def validations_frame(result: RulesResult, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Fold 0 = the chronological holdout; folds 1.. = the rolling-origin folds."""
    rules = result.rules
    if rules.empty:
        return pd.DataFrame()
    ids = dict(zip(rules["rule_id"], rules_frame(result)["rule_id"], strict=True))
    first_holdout = pd.Timestamp(result.summary["first_holdout_day"])
    holdout = pd.DataFrame(
        {
            "rule_id": rules["rule_id"].map(ids),
            "fold": 0,
            "train_start": days[0],
            "train_end": first_holdout - pd.Timedelta(days=1),
            "test_start": first_holdout,
            "test_end": days[-1],
            "train_confidence": rules["train_confidence"],
            "test_confidence": rules["holdout_confidence"],
            "test_lift": rules["holdout_lift"],
            "test_premise_days": rules["holdout_premise_days"],
            "passed": rules["passed"].astype("boolean"),
            "reason": rules["reasons"].map(_reason_text),
        }
    )
    folds = result.folds
    if folds.empty:
        return holdout
    rolling = pd.DataFrame(
        {
            "rule_id": folds["rule_id"].map(ids),
            "fold": folds["fold"].astype(int) + 1,
            "train_start": days[0],
            "train_end": pd.to_datetime(folds["train_end"]),
            "test_start": pd.to_datetime(folds["test_start"]),
            "test_end": pd.to_datetime(folds["test_end"]),
            "train_confidence": np.nan,
            "test_confidence": folds["test_confidence"],
            "test_lift": folds["test_lift"],
            "test_premise_days": np.nan,
            "passed": folds["passed"].astype("boolean"),
            "reason": np.where(
                folds["rediscovered"], "re-mined on the fold's past", "not re-mined on its past"
            ),
        }
    )
    return pd.concat([holdout, rolling], ignore_index=True)


def concepts_frame(lattice: Lattice) -> pd.DataFrame:
    """The store's ``concepts`` rows."""
    frame = lattice.to_frame(date_ranges=isinstance(lattice.objects, pd.DatetimeIndex))
    if "date_ranges" not in frame:
        frame["date_ranges"] = [() for _ in range(len(frame))]
    columns = ["concept_id", "intent", "extent_size", "support", "stability", "date_ranges"]
    return frame[columns]


def run_tables(
    aligned: AlignedSignals, states: StateSet, lattice: Lattice, result: RulesResult
) -> dict[str, pd.DataFrame]:
    """Every table of one run except ``briefs`` (added by the render stage)."""
    return {
        "signals": signals_table(aligned.values, aligned.status),
        "coverage": aligned.coverage,
        "states": states_table(states.values, states.known, states.meta),
        "concepts": concepts_frame(lattice),
        "rules": rules_frame(result),
        "validations": validations_frame(result, pd.DatetimeIndex(states.values.index)),
    }


def _filters_passed(result: RulesResult, kind: str) -> tuple[str, ...]:
    steps = result.mining.steps
    done = steps[(steps["rule_class"] == kind) & steps["enabled"]]
    return tuple(str(s) for s in done["step"])


def _reason_text(reasons: Any) -> str:
    if isinstance(reasons, str):
        return reasons
    if reasons is None or (isinstance(reasons, float) and np.isnan(reasons)):
        return ""
    return "; ".join(str(r) for r in reasons)
