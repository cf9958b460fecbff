"""Mining end to end: context, enumeration, metrics, null model, FDR, concepts, filters.

This is the "discover" half of the rules stage (:func:`mine_rules`); validation on later
days is :mod:`crisis_fca.rules.validation`. Every candidate that met the enumeration
constraints is tested -- Fisher exact p and the circular-shift null p -- and the
Benjamini-Hochberg q-values are taken over all of them, before any confidence or lift
threshold, so that selecting rules cannot hide how many hypotheses were examined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crisis_fca.rules.closure import premise_concepts
from crisis_fca.rules.context import LeadTimeContext, StatesLike, build_context
from crisis_fca.rules.filters import (
    DATA_STEPS,
    STRUCTURAL_STEPS,
    apply_filters,
    column_list,
    cross_domain,
)
from crisis_fca.rules.metrics import add_metrics
from crisis_fca.rules.mining import enumerate_candidates
from crisis_fca.rules.null import bh_qvalues, circular_null_pvalues
from crisis_fca.rules.params import MiningConfig

__all__ = ["RULE_COLUMNS", "MiningResult", "mine_rules", "rule_ids"]

RULE_COLUMNS = (
    "rule_id",
    "premise",
    "consequent",
    "rule_class",
    "lead",
    "max_lag",
    "horizon",
    "lead_time",
    "n_days",
    "premise_days",
    "consequent_days",
    "support_days",
    "support",
    "confidence",
    "confidence_low",
    "confidence_high",
    "lift",
    "leverage",
    "conviction",
    "fisher_p",
    "fisher_q",
    "null_p",
    "q_value",
    "cross_domain",
    "premise_closure",
    "closure_days",
    "minimal_generator",
    "premise_states",
    "premise_offsets",
    "consequent_state",
)


@dataclass(frozen=True)
class MiningResult:
    """What mining found on one window of days."""

    rules: pd.DataFrame
    """The rules that passed every filter: ``RULE_COLUMNS``, deterministic order."""
    candidates: pd.DataFrame
    """Every tested candidate: ``RULE_COLUMNS`` + ``removed_by`` (``""`` = kept)."""
    steps: pd.DataFrame
    """How many rules each enumeration constraint and filter removed, per rule class:
    ``stage`` (enumeration|filter), ``rule_class``, ``step``, ``enabled``, ``removed``,
    ``remaining``."""
    rows: int
    """Days t in the mining window."""
    first_day: pd.Timestamp
    last_day: pd.Timestamp
    offsets: int
    """Circular-shift offsets used by the null (0 = null not run)."""


def mine_rules(states: StatesLike, mining: MiningConfig) -> MiningResult:
    """Mine lead-time rules on every day of ``states`` (slice them to mine a window).

    Args:
        states: a ``StateSet`` (or any ``StatesLike``): bool values/known and meta.
        mining: leads, lags, selections, thresholds, null model and filters.

    Returns:
        The kept rules, every candidate with its metrics and fate, and the step counts.
    """
    ctx = build_context(states, mining)
    cand = enumerate_candidates(ctx, mining)
    rules, form = apply_filters(
        _described(ctx, cand.rules, mining), ctx.meta, mining, STRUCTURAL_STEPS
    )
    rules, offsets = _tested(ctx, rules, mining)
    rules, data = apply_filters(rules, ctx.meta, mining, DATA_STEPS)
    steps = pd.concat(
        [
            cand.enumeration.assign(stage="enumeration", enabled=True),
            form.assign(stage="form"),
            data.assign(stage="data"),
        ],
        ignore_index=True,
    )[["stage", "rule_class", "step", "enabled", "removed", "remaining"]]
    candidates = rules[[*RULE_COLUMNS, "removed_by"]].reset_index(drop=True)
    kept = candidates[candidates["removed_by"] == ""].drop(columns="removed_by")
    return MiningResult(
        rules=kept.reset_index(drop=True),
        candidates=candidates,
        steps=steps,
        rows=ctx.rows,
        first_day=ctx.index[0],
        last_day=ctx.index[-1],
        offsets=offsets,
    )


def _described(ctx: LeadTimeContext, rules: pd.DataFrame, mining: MiningConfig) -> pd.DataFrame:
    """Metrics, ids, cross-domain flag and premise concepts of every candidate."""
    rules = add_metrics(rules)
    concepts = _concepts(ctx, rules)
    return rules.assign(
        rule_id=rule_ids(rules),
        lead_time=np.where(rules["lead"] > 0, rules["lead"], rules["max_lag"]).astype(np.int64),
        cross_domain=cross_domain(rules, ctx.meta, mining.neutral_domains),
        **{c: concepts[c].to_numpy() for c in concepts.columns},
    )


def _tested(
    ctx: LeadTimeContext, rules: pd.DataFrame, mining: MiningConfig
) -> tuple[pd.DataFrame, int]:
    """Null p and BH q-values (null and Fisher) over the candidates still standing.

    The family of tested hypotheses is every candidate that passed the enumeration and
    form filters; rules removed by form (persistence, definitional links, ...) are not
    hypotheses of interest and get NaN.
    """
    tested = (rules["removed_by"] == "").to_numpy()
    null_p = np.full(len(rules), np.nan)
    offsets = 0
    if mining.null.enabled and tested.any():
        null_p[tested], offsets = circular_null_pvalues(ctx, rules[tested], mining.null)
    fisher = np.where(tested, rules["fisher_p"].to_numpy(dtype=float), np.nan)
    rules = rules.assign(fisher_q=bh_qvalues(fisher), null_p=null_p, q_value=bh_qvalues(null_p))
    return rules, offsets


def _concepts(ctx: LeadTimeContext, rules: pd.DataFrame) -> pd.DataFrame:
    cols = column_list(rules, "premise_cols")
    unique = sorted(set(cols))
    table = premise_concepts(ctx, unique)
    table.index = pd.Index(range(len(unique)))
    where = {p: i for i, p in enumerate(unique)}
    out = table.loc[[where[p] for p in cols]]
    return out.reset_index(drop=True).set_axis(rules.index)


def rule_ids(rules: pd.DataFrame) -> pd.Series:
    """Readable, unique rule keys: ``"a & b => c[t+k]"``."""
    premises = column_list(rules, "premise")
    joined = {p: " & ".join(p) for p in dict.fromkeys(premises)}
    return pd.Series(
        [
            f"{joined[p]} => {c}"
            for p, c in zip(premises, column_list(rules, "consequent"), strict=True)
        ],
        index=rules.index,
        dtype=object,
    )
