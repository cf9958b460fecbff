"""Rule metrics from day counts, vectorised over rules.

From the four counts of a rule on its evaluable days -- ``n`` days, premise on ``p``,
consequent on ``c``, both on ``a`` -- this module computes support, confidence with the
Wilson score interval (Wilson, JASA 1927; recommended by Brown, Cai & DasGupta,
Statistical Science 2001), lift, leverage (Piatetsky-Shapiro 1991), conviction (Brin et
al., SIGMOD 1997) and the one-sided Fisher exact p-value (hypergeometric upper tail).
The definitions match mlxtend's ``association_rules`` (tested against it).

Fisher's test assumes independent days, which crisis days are not: it is reported, but
the decision uses the circular-shift null in :mod:`crisis_fca.rules.null`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "METRIC_COLUMNS",
    "Z95",
    "add_metrics",
    "fisher_greater",
    "rule_metrics",
    "wilson_interval",
]

Z95 = 1.959963984540054
METRIC_COLUMNS = (
    "support",
    "confidence",
    "confidence_low",
    "confidence_high",
    "lift",
    "leverage",
    "conviction",
    "fisher_p",
)


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (NaN where ``trials`` is 0).

    >>> low, high = wilson_interval(np.array([5]), np.array([5]))
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.5655, 1.0)
    """
    k = np.asarray(successes, dtype=float)
    m = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        phat = k / m
        denom = 1 + z**2 / m
        centre = (phat + z**2 / (2 * m)) / denom
        half = z / denom * np.sqrt(phat * (1 - phat) / m + z**2 / (4 * m**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def fisher_greater(a: np.ndarray, p: np.ndarray, c: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One-sided Fisher exact p-value P(X >= a), X ~ Hypergeometric(n days, c, p drawn).

    >>> two = np.array([2])
    >>> round(float(fisher_greater(two, two, two, np.array([4]))[0]), 6)
    0.166667
    """
    from scipy.stats import hypergeom  # lazy: scipy.stats costs ~1 s to import

    a, p, c, n = (np.asarray(x, dtype=np.int64) for x in (a, p, c, n))
    out = np.full(a.shape, np.nan)
    ok = (n > 0) & (p > 0)
    out[ok] = hypergeom.sf(a[ok] - 1, n[ok], c[ok], p[ok])
    return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)


def rule_metrics(n: np.ndarray, p: np.ndarray, c: np.ndarray, a: np.ndarray) -> pd.DataFrame:
    """``METRIC_COLUMNS`` for rules with the given counts (NaN where undefined).

    Conviction is infinite when confidence is 1 (as in mlxtend).

    >>> m = rule_metrics(np.array([10]), np.array([4]), np.array([5]), np.array([3]))
    >>> m[["support", "confidence", "lift", "leverage", "conviction"]].round(4).iloc[0].tolist()
    [0.3, 0.75, 1.5, 0.1, 2.0]
    """
    n, p, c, a = (np.asarray(x, dtype=float) for x in (n, p, c, a))
    with np.errstate(divide="ignore", invalid="ignore"):
        support = a / n
        confidence = a / p
        prevalence = c / n
        lift = confidence / prevalence
        leverage = support - (p / n) * prevalence
        conviction = np.where(confidence >= 1, np.inf, (1 - prevalence) / (1 - confidence))
    low, high = wilson_interval(a, p)
    return pd.DataFrame(
        {
            "support": support,
            "confidence": confidence,
            "confidence_low": low,
            "confidence_high": high,
            "lift": lift,
            "leverage": leverage,
            "conviction": np.where(np.isnan(confidence), np.nan, conviction),
            "fisher_p": fisher_greater(a, p, c, n),
        }
    )


def add_metrics(rules: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """A copy of ``rules`` with ``METRIC_COLUMNS`` computed from its count columns.

    Reads ``{prefix}n_days``, ``{prefix}premise_days``, ``{prefix}consequent_days`` and
    ``{prefix}support_days``; writes ``{prefix}<metric>``.
    """
    cols = [f"{prefix}{c}" for c in ("n_days", "premise_days", "consequent_days", "support_days")]
    metrics = rule_metrics(*(rules[c].to_numpy() for c in cols))
    metrics.index = rules.index
    return pd.concat([rules, metrics.add_prefix(prefix)], axis=1)
