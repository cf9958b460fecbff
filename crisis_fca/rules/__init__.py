"""Lead-time association rules, mined on the past and validated out of sample.

"When these states hold today, expect that state in k days": premises are states on
day t (and optional lagged copies), consequents are states on day t+k, counted only on
days where every involved state is known. Every candidate gets support, confidence with
a Wilson interval, lift, leverage, conviction, Fisher's p and a circular-shift null
p-value; Benjamini-Hochberg q-values are taken over all candidates. Switchable filters
remove definitional, persistent and redundant rules, and validation mines on the
training window only and checks the rules on later days.

Entry points::

    from crisis_fca.rules import validate_rules
    result = validate_rules(state_set, case.mining, case.validation)
    result.rules, result.summary, result.mining.steps
"""

from __future__ import annotations

from crisis_fca.rules.context import (
    LeadTimeContext,
    StateFrames,
    StatesLike,
    build_context,
    item_name,
)
from crisis_fca.rules.discover import RULE_COLUMNS, MiningResult, mine_rules
from crisis_fca.rules.evaluate import count_rules, rule_counts
from crisis_fca.rules.filters import FILTER_STEPS, apply_filters
from crisis_fca.rules.metrics import rule_metrics, wilson_interval
from crisis_fca.rules.mining import enumerate_candidates
from crisis_fca.rules.null import bh_qvalues, circular_null_pvalues, shift_domain
from crisis_fca.rules.params import (
    ClassConfig,
    FilterConfig,
    MiningConfig,
    NullConfig,
    ValidationConfig,
)
from crisis_fca.rules.validation import RulesResult, holdout_start, validate_rules

__all__ = [
    "FILTER_STEPS",
    "RULE_COLUMNS",
    "ClassConfig",
    "FilterConfig",
    "LeadTimeContext",
    "MiningConfig",
    "MiningResult",
    "NullConfig",
    "RulesResult",
    "StateFrames",
    "StatesLike",
    "ValidationConfig",
    "apply_filters",
    "bh_qvalues",
    "build_context",
    "circular_null_pvalues",
    "count_rules",
    "enumerate_candidates",
    "holdout_start",
    "item_name",
    "mine_rules",
    "rule_counts",
    "rule_metrics",
    "shift_domain",
    "validate_rules",
    "wilson_interval",
]
