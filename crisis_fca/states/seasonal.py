"""Seasonal-residual anomaly states with STL.

Mobility has a strong weekly cycle, so a fixed threshold flags every quiet Sunday. STL
(Seasonal-Trend decomposition using LOESS; R. B. Cleveland, W. S. Cleveland, McRae and
Terpenning, *Journal of Official Statistics* 6(1), 1990; here
:class:`statsmodels.tsa.seasonal.STL`) splits the series into trend, a period-7 seasonal
part and a residual; a day is anomalous when its residual is large in robust standard
deviations (1.4826 x the median absolute deviation of the residuals).

STL's smoothers are two-sided, so a single fit lets later days shape a day's residual.
The default ``causal`` mode therefore refits on the trailing ``window`` days ending at
each day and scores only that last day (about 1 ms per day); ``centered`` fits once and
is meant for description, not for rules that are validated forward in time. Missing
days inside a fit window are linearly interpolated for the fit only and stay unknown.

Example:
    >>> import numpy as np, pandas as pd
    >>> from crisis_fca.states.spec import STLSpec
    >>> days = pd.date_range("2020-01-06", periods=42)
    >>> x = pd.Series(np.tile([5.0, 5, 5, 5, 5, 1, 1], 6), index=days)
    >>> x.iloc[-1] = -20.0                       # a Sunday far below its weekly pattern
    >>> spec = STLSpec(kind="stl", signal="x", window=28, below=-3, description="drop")
    >>> t = stl_state(x, spec)
    >>> bool(t.value[-1]), int(t.value.sum()), int(t.known.sum())
    (True, 1, 15)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crisis_fca.states.spec import STLSpec
from crisis_fca.states.truth import Truth, directional

__all__ = ["robust_residual_z", "stl_state"]

_MAD_TO_SD = 1.4826


def _residuals(values: NDArray[np.float64], period: int, robust: bool) -> NDArray[np.float64]:
    # imported lazily: it costs ~2 s and only STL states need it
    from statsmodels.tsa.seasonal import STL  # noqa: PLC0415

    filled = pd.Series(values).interpolate(limit_direction="both").to_numpy(dtype=float)
    return np.asarray(STL(filled, period=period, robust=robust).fit().resid, dtype=float)


def robust_residual_z(
    resid: NDArray[np.float64], observed: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Residuals divided by 1.4826 x MAD of the observed residuals.

    A (near-)zero MAD -- a signal that follows its pattern exactly -- gives 0 where the
    residual is negligible and +/-inf elsewhere, instead of dividing noise by noise.
    """
    r = resid[observed]
    scale = _MAD_TO_SD * float(np.median(np.abs(r - np.median(r))))
    tol = 1e-9 * (1.0 + float(np.max(np.abs(r))))
    if scale > tol:
        return resid / scale
    return np.where(np.abs(resid) <= tol, 0.0, np.where(resid > 0, np.inf, -np.inf))


def _scores(series: pd.Series, spec: STLSpec) -> NDArray[np.float64]:
    x = series.to_numpy(dtype=float)
    observed = ~np.isnan(x)
    need = max(spec.min_periods or spec.window, 2 * spec.period + 1)
    out = np.full(len(x), np.nan)
    if spec.mode == "centered":
        if observed.sum() >= need:
            z = robust_residual_z(_residuals(x, spec.period, spec.robust), observed)
            out[observed] = z[observed]
        return out
    for t in np.flatnonzero(observed):
        lo = t - spec.window + 1
        if lo < 0 or observed[lo : t + 1].sum() < need:
            continue
        z = robust_residual_z(
            _residuals(x[lo : t + 1], spec.period, spec.robust), observed[lo : t + 1]
        )
        out[t] = z[-1]
    return out


def stl_state(series: pd.Series, spec: STLSpec) -> Truth:
    """The STL residual (robust z) against the ``above``/``below`` cut-off."""
    return directional(
        _scores(series, spec),
        spec.cutoff,
        spec.side,
        inclusive=spec.inclusive,
        release=spec.release,
    )
