"""Day-over-day change and dominant-category states.

Change (the study's sentiment shift / improved / worsened) compares a day with the
previous *observed* day, not the previous calendar day: a day without posts has no
sentiment, and the study measured each day with posts against the last day that had
posts. The first observed day has nothing to compare with and is unknown; so is a day
whose previous observation is more than ``max_gap_days`` back, when that is set.

Dominance (the study's "dominant emotion") asks whether one category has the most
matching posts. The study broke ties -- including days where no emotion matched at all --
in favour of the first listed emotion, fear, which is why its "dominant emotion fear"
held on 85 % of days; ``ties = "none"`` requires the target to be strictly largest.

Example:
    >>> import numpy as np, pandas as pd
    >>> from crisis_fca.states.spec import ChangeSpec
    >>> s = pd.Series([0.1, np.nan, 0.5, 0.4], index=pd.date_range("2020-01-01", periods=4))
    >>> spec = ChangeSpec(kind="change", signal="x", direction="up", delta=0.2, description="up")
    >>> t = change_state(s, spec)
    >>> t.value.tolist(), t.known.tolist()
    ([False, False, True, False], [False, False, True, True])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crisis_fca.states.spec import ChangeSpec, DominantSpec
from crisis_fca.states.truth import Truth, directional

__all__ = ["change_state", "dominant_state"]


def change_state(series: pd.Series, spec: ChangeSpec) -> Truth:
    """Change against the previous observed day, compared with ``delta``."""
    observed = series.dropna()
    delta = observed.diff()
    if spec.max_gap_days is not None:
        gap = observed.index.to_series().diff().dt.days
        delta = delta.where(gap <= spec.max_gap_days)
    change = delta.reindex(series.index).to_numpy(dtype=float)
    if spec.direction == "shift":
        return directional(np.abs(change), spec.delta, "above", inclusive=spec.inclusive)
    if spec.direction == "up":
        return directional(change, spec.delta, "above", inclusive=spec.inclusive)
    return directional(change, -spec.delta, "below", inclusive=spec.inclusive)


def dominant_state(frame: pd.DataFrame, spec: DominantSpec) -> Truth:
    """Whether ``spec.target`` is the largest of ``spec.signals`` (columns of ``frame``).

    Known only when every listed signal is known that day.
    """
    matrix = frame.loc[:, list(spec.signals)].to_numpy(dtype=float)
    known = ~np.isnan(matrix).any(axis=1)
    target = spec.signals.index(spec.target)
    filled = np.where(np.isnan(matrix), -np.inf, matrix)
    if spec.ties == "first":
        value = np.argmax(filled, axis=1) == target
    else:
        others = np.delete(filled, target, axis=1)
        value = filled[:, target] > others.max(axis=1)
    return Truth(np.asarray(value, dtype=bool) & known, known)
