"""Rolling z-score and rolling-quantile states over past-only windows.

Each day is compared with the ``window`` calendar days *before* it (the day itself is
never in its own reference window: the rolling statistic is shifted by one day), so a
state can be computed on day t with data up to t only -- no look-ahead, which a
chronological holdout relies on. Missing days are skipped inside the window; a day is
unknown when it is missing or its window holds fewer than ``min_periods`` observed days.

A window with zero spread (a constant signal) gives z = 0 on a day equal to the mean
(no deviation, so the state is known False) and +/-inf on a day that differs.

Example:
    >>> import pandas as pd
    >>> from crisis_fca.states.spec import ZScoreSpec
    >>> s = pd.Series([1.0, 2, 1, 2, 9], index=pd.date_range("2020-01-01", periods=5))
    >>> spec = ZScoreSpec(kind="zscore", signal="x", window=4, above=3, description="spike")
    >>> t = zscore_state(s, spec)
    >>> t.value.tolist(), t.known.tolist()
    ([False, False, False, False, True], [False, False, False, False, True])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crisis_fca.states.spec import QuantileSpec, ZScoreSpec
from crisis_fca.states.truth import Truth, directional

__all__ = ["past_zscore", "quantile_state", "zscore_state"]


def past_zscore(series: pd.Series, window: int, min_periods: int) -> NDArray[np.float64]:
    """z of each day against the mean and sample std of the previous ``window`` days."""
    roll = series.rolling(window, min_periods=min_periods)
    mean = roll.mean().shift(1).to_numpy(dtype=float)
    std = roll.std(ddof=1).shift(1).to_numpy(dtype=float)
    dev = series.to_numpy(dtype=float) - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = dev / std
    flat = std == 0
    z[flat] = np.where(dev[flat] == 0, 0.0, np.where(dev[flat] > 0, np.inf, -np.inf))
    return np.asarray(z, dtype=np.float64)


def zscore_state(series: pd.Series, spec: ZScoreSpec) -> Truth:
    """The past-window z-score against the ``above``/``below`` z cut-off."""
    z = past_zscore(series, spec.window, spec.min_periods or spec.window)
    return directional(z, spec.cutoff, spec.side, inclusive=spec.inclusive, release=spec.release)


def quantile_state(series: pd.Series, spec: QuantileSpec) -> Truth:
    """The value against the past window's ``above``/``below`` quantile (linear)."""
    roll = series.rolling(spec.window, min_periods=spec.min_periods or spec.window)
    cut = roll.quantile(spec.cutoff).shift(1).to_numpy(dtype=float)
    release = None
    if spec.release is not None:
        release = roll.quantile(spec.release).shift(1).to_numpy(dtype=float)
    return directional(
        series.to_numpy(dtype=float), cut, spec.side, inclusive=spec.inclusive, release=release
    )
