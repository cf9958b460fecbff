"""Each premise's formal concept: its closure, extent and minimal-generator status.

In the premise-side formal context (objects = days of the mining window, attributes =
premise items, incidence = the item holds and is known), a premise P has the extent
P' (days on which all of P holds) and the closure P'' (every item holding on all of
those days); (P', P'') is a formal concept (Ganter & Wille, *Formal Concept Analysis*,
1999). P is a *minimal generator* (a key) of its closure when no proper subset has the
same extent -- equivalently, dropping any one item enlarges the extent (Pasquier et al.,
"Efficient mining of association rules using closed itemset lattices", Inf. Syst. 1999;
Bastide et al., "Mining minimal non-redundant association rules", CL 2000). A rule whose
premise is not a minimal generator restates a shorter rule with the same days.

A small vectorised helper is used instead of a lattice: only the concepts of the
premises that reach the filters are needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crisis_fca._blas import day_counts, one_blas_thread
from crisis_fca.rules.context import LeadTimeContext

__all__ = ["premise_concepts"]


def premise_concepts(ctx: LeadTimeContext, premises: list[tuple[int, ...]]) -> pd.DataFrame:
    """Closure, extent size and minimal-generator flag of each premise.

    Args:
        ctx: the lead-time context whose premise columns and rows form the formal context.
        premises: premise column-index tuples.

    Returns:
        One row per premise: ``premise_closure`` (sorted item names), ``closure_days``
        (extent size) and ``minimal_generator`` (bool).
    """
    vals = ctx.premise_values
    names = ctx.premise_items["item"].to_numpy().astype(str)
    if not premises:
        return pd.DataFrame(columns=["premise_closure", "closure_days", "minimal_generator"])
    extents = np.stack([vals[:, list(p)].all(axis=1) for p in premises], axis=1)
    sizes = extents.sum(axis=0)
    with one_blas_thread():
        intent = day_counts(extents, vals) == sizes[:, None]
    closures = [tuple(sorted(str(x) for x in names[row])) for row in intent]
    return pd.DataFrame(
        {
            "premise_closure": closures,
            "closure_days": sizes.astype(np.int64),
            "minimal_generator": [
                _is_key(vals, p, int(k)) for p, k in zip(premises, sizes, strict=True)
            ],
        }
    )


def _is_key(vals: np.ndarray, premise: tuple[int, ...], size: int) -> bool:
    """Dropping any one item must enlarge the extent (the empty set holds on every row)."""
    for drop in range(len(premise)):
        rest = [c for k, c in enumerate(premise) if k != drop]
        bigger = vals[:, rest].all(axis=1).sum() if rest else vals.shape[0]
        if bigger == size:
            return False
    return True
