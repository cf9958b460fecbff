"""Null family: what the circular-shift null model costs per rule set.

:func:`crisis_fca.rules.circular_null_pvalues` on every candidate that
``enumerate_candidates`` returns for the case's own rigorous mining settings (an upper
bound: ``mine_rules`` tests only those left after the form filters; the mining family's
``mine_rules, 1,000-shift null`` row counts those as ``tested``). The context and the
candidates are built before timing; the timed call computes the counts of every rule at
every admissible offset (all of them when there are fewer than 1,000) and the empirical
p-values. The table adds the cost per rule and per rule x offset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Task

__all__ = ["ENGINES", "tasks"]

Prepared = tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]


def _null(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    from crisis_fca.rules import build_context, circular_null_pvalues, enumerate_candidates

    states, mining = inputs["states"], inputs["mining"]
    ctx = build_context(states, mining)
    rules = enumerate_candidates(ctx, mining).rules

    def describe(out: tuple[Any, int]) -> dict[str, Any]:
        pvalues, offsets = out
        finite = pvalues[np.isfinite(pvalues)]
        return {
            "counts": {"rules": len(rules), "offsets": int(offsets)},
            "fingerprints": {},
            "extra": {"p_min": float(finite.min()) if len(finite) else None},
        }

    return (lambda: circular_null_pvalues(ctx, rules, mining.null)), describe


ENGINES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Prepared]] = {
    "crisis-fca-null": _null
}


def tasks(
    contexts: dict[str, str], *, repeats: int, slow: float, trace_below: float = 3.0
) -> list[Task]:
    """One task per context (label -> pickled ``{"states", "mining"}``)."""
    return [
        Task(
            family="null",
            context=label,
            engine="crisis-fca circular_null_pvalues",
            module=__name__,
            key="crisis-fca-null",
            inputs=path,
            cap=300.0,
            repeats=repeats,
            slow=slow,
            reference=True,
            trace_below=trace_below,
        )
        for label, path in contexts.items()
    ]
