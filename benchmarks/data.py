"""The benchmark inputs: the real ``uae-covid`` states and synthetic persistent contexts.

- :func:`markov_context`: days x m independent two-state Markov chains (persistent,
  autocorrelated states, like lockdown regimes) -- the lattice family's synthetic rows.
- :func:`lead_time_states`: :func:`crisis_fca.rules.synthetic.synthetic_states` with
  crisis-like rare regimes -- the mining family's synthetic rows. ``s`` states with leads
  0..7 give a lead-time context of ``s`` premise and ``8 s`` consequent columns (24 states:
  the issue's 671 x 192; 50 states: 2,000 x 400).
- :func:`mining_task`: the one task every mining engine can solve identically -- the
  case's (or the default) rigorous mining settings, counted on *complete* days (every
  column known; mlxtend and pyfim cannot skip unknown cells per rule) with a pure support
  threshold (no prevalence cap) -- and :func:`baseline_input`, that task as a bool frame.
- :func:`save`: pickle an input for the workers.
"""

from __future__ import annotations

import pickle
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crisis_fca.rules import ClassConfig, MiningConfig, NullConfig, StateFrames, build_context
from crisis_fca.rules.mining import class_rows, min_count
from crisis_fca.rules.synthetic import synthetic_states

__all__ = [
    "MINING_STATES",
    "baseline_input",
    "confidence_fraction",
    "lead_time_states",
    "markov_context",
    "mining_task",
    "save",
]

MINING_STATES = {"671 x 192": (671, 24, 11), "2,000 x 400": (2000, 50, 12)}
"""Synthetic mining contexts: label -> (days, states, seed)."""


def markov_context(n: int, m: int, seed: int) -> pd.DataFrame:
    """``n`` days x ``m`` persistent states: prevalence U(0.1, 0.6), stay-on U(0.85, 0.98).

    Example:
        >>> frame = markov_context(30, 3, seed=1)
        >>> frame.shape, frame.dtypes.unique().tolist(), str(frame.index[0].date())
        ((30, 3), [dtype('bool')], '2020-03-01')
    """
    rng = np.random.default_rng(seed)
    out = np.zeros((n, m), dtype=bool)
    for j in range(m):
        p, stay = rng.uniform(0.1, 0.6), rng.uniform(0.85, 0.98)
        on = (1 - stay) * p / (1 - p)
        state = bool(rng.random() < p)
        draws = rng.random(n)
        for i in range(n):
            out[i, j] = state
            state = bool(draws[i] < (stay if state else on))
    days = pd.date_range("2020-03-01", periods=n, name="date")
    return pd.DataFrame(out, index=days, columns=[f"s{j:02d}.x:on" for j in range(m)])


def lead_time_states(days: int, states: int, seed: int) -> StateFrames:
    """Mobility and social regimes (plus a weekend) with rare, long crisis episodes.

    Mobility regimes switch on with probability 0.02 a day and off with 0.1 (prevalence
    ~1/6), social ones 0.03 / 0.12 (~1/5); five social states follow a mobility state two
    days later.
    """
    mobility = (states - 1) // 2
    return synthetic_states(
        days,
        mobility=mobility,
        social=states - 1 - mobility,
        coupled=5,
        seed=seed,
        mobility_rates=(0.02, 0.1),
        social_rates=(0.03, 0.12),
    )


def mining_task(base: MiningConfig | None = None, *, null: bool = False) -> MiningConfig:
    """The comparable mining task: ``base`` counted on complete days, support only.

    Leads, lags, premise length, support (5 %) and confidence (0.6) stay as configured;
    the null model is off unless ``null`` (then 1,000 shifts, as in the rigorous profile).
    """
    base = base or MiningConfig()
    if base.same_day.min_support != base.predictive.min_support or (
        base.same_day.min_confidence != base.predictive.min_confidence
    ):
        msg = "the comparable task needs one support and one confidence for both rule classes"
        raise ValueError(msg)
    classes = {
        name: getattr(base, name).model_copy(update={"min_days": 1, "max_prevalence": None})
        for name in ("same_day", "predictive")
    }
    return base.model_copy(
        update={
            "row_policy": "complete",
            **classes,
            "null": NullConfig(enabled=null, shifts=1000, seed=base.null.seed),
        }
    )


def baseline_input(states: StateFrames, task: MiningConfig) -> dict[str, Any]:
    """The task as mlxtend / pyfim see it: a bool frame of the complete days.

    Returns a dict with ``frame`` (str column names: mlxtend 0.25 breaks on numpy
    strings), ``premise`` (premise-side column names), ``consequent`` (consequent column
    -> its state), ``need`` (minimum rule days), ``max_len`` (premise states + 1) and
    ``confidence``.
    """
    ctx = build_context(states, task)
    frame = ctx.frame()[ctx.complete_rows()]
    rows = class_rows(ctx, task)["same_day"]
    cfg: ClassConfig = task.same_day
    return {
        "frame": frame.set_axis([str(c) for c in frame.columns], axis=1),
        "premise": [str(i) for i in ctx.premise_items["item"]],
        "consequent": {
            str(i): str(s)
            for i, s in zip(
                ctx.consequent_items["item"], ctx.consequent_items["state"], strict=True
            )
        },
        "need": min_count(cfg.min_support, cfg.min_days, rows),
        "max_len": task.max_premise + 1,
        "confidence": confidence_fraction(task),
    }


def confidence_fraction(task: MiningConfig) -> tuple[int, int]:
    """The minimum confidence as (numerator, denominator): a rule counts when
    ``den * a >= num * p`` -- exact, unlike float thresholds that differ by engine.

    >>> confidence_fraction(MiningConfig())
    (3, 5)
    """
    conf = Fraction(str(task.same_day.min_confidence or 0.0)).limit_denominator(10_000)
    return conf.numerator, conf.denominator


def save(obj: object, folder: Path, name: str) -> str:
    """Pickle ``obj`` as ``folder/name.pkl`` and return the path."""
    path = folder / f"{name}.pkl"
    with path.open("wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)
