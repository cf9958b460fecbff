"""Synthetic persistent state sets with known cross-domain links (tests, benchmarks, placebos).

Each primitive state is a two-state Markov chain (an on/off regime with geometric
durations), the simplest model of the persistent regimes -- lockdowns, news cycles --
that make Fisher's test over-confident on crisis days. The first ``coupled`` social
states copy a mobility state ``lag`` days later with a share ``noise`` of days flipped,
so the truth is known: mobility i on day t predicts social i on day t+lag, and nothing
else links the domains.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crisis_fca.rules.context import StateFrames

__all__ = ["markov_regime", "synthetic_states"]


def markov_regime(rng: np.random.Generator, days: int, p_on: float, p_off: float) -> np.ndarray:
    """A bool on/off regime: off -> on with ``p_on`` per day, on -> off with ``p_off``.

    >>> markov_regime(np.random.default_rng(0), 5, 0.0, 0.0).tolist()
    [False, False, False, False, False]
    """
    draws = rng.random(days + 1)
    state = bool(draws[0] < p_on / max(p_on + p_off, 1e-12))
    out = np.zeros(days, dtype=bool)
    for t in range(days):
        out[t] = state
        state = bool(draws[t + 1] >= p_off) if state else bool(draws[t + 1] < p_on)
    return out


def synthetic_states(
    days: int = 671,
    *,
    mobility: int = 15,
    social: int = 14,
    coupled: int = 5,
    lag: int = 2,
    noise: float = 0.1,
    unknown: float = 0.0,
    seed: int = 0,
    start: str = "2020-03-01",
    mobility_rates: tuple[float, float] = (0.05, 0.1),
    social_rates: tuple[float, float] = (0.08, 0.15),
) -> StateFrames:
    """A ``StatesLike`` with ``mobility`` + ``social`` regime states and a weekend.

    Args:
        days: number of consecutive days.
        mobility: number of ``mobility.m<i>:low`` states.
        social: number of ``social.s<i>:present`` states.
        coupled: social states i < coupled follow mobility state i ``lag`` days later.
        lag: the coupling's lead time in days.
        noise: share of days on which a coupled social state is flipped.
        unknown: share of days on which every social state is unknown (no posts).
        seed: random seed (the result is deterministic).
        start: first day.
        mobility_rates: daily (off -> on, on -> off) switching probabilities of the
            mobility regimes; smaller = longer, crisis-like regimes.
        social_rates: the same for the social regimes.

    Example:
        >>> s = synthetic_states(days=30, mobility=2, social=2, coupled=1, seed=1)
        >>> s.values.shape, bool((s.values["social.s0:present"].iloc[2:].to_numpy()
        ...     != s.values["mobility.m0:low"].iloc[:-2].to_numpy()).mean() < 0.3)
        ((30, 5), True)
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=days, freq="D", name="date")
    cols: dict[str, np.ndarray] = {}
    for i in range(mobility):
        cols[f"mobility.m{i}:low"] = markov_regime(rng, days, *mobility_rates)
    for i in range(social):
        state = markov_regime(rng, days, *social_rates)
        if i < min(coupled, mobility):
            source = np.concatenate(
                [np.zeros(lag, dtype=bool), cols[f"mobility.m{i}:low"][: days - lag]]
            )
            state = source ^ (rng.random(days) < noise)
        cols[f"social.s{i}:present"] = state
    cols["calendar.weekend"] = np.asarray(index.day_of_week >= 5)
    values = pd.DataFrame(cols, index=index)
    known = pd.DataFrame(True, index=index, columns=values.columns)
    social_cols = [c for c in values.columns if c.startswith("social.")]
    known.loc[rng.random(days) < unknown, social_cols] = False
    return StateFrames(values & known, known, _meta(list(values.columns)))


def _meta(states: list[str]) -> pd.DataFrame:
    rows = []
    for state in states:
        family, _, condition = state.partition(":")
        domain = family.split(".", 1)[0]
        kind = "calendar" if domain == "calendar" else "threshold"
        rows.append((state, domain, family, condition, kind, f"synthetic {state}", (), (family,)))
    cols = ["state", "domain", "signal", "condition", "kind", "description", "parts", "inputs"]
    return pd.DataFrame(rows, columns=cols).set_index("state")
