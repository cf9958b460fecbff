"""Daily truth values with an unknown mask, cut-off comparison, hysteresis and debounce.

A state's day is True, False or *unknown* (not evaluable: missing input, too little
history). :class:`Truth` keeps two aligned boolean arrays, ``value`` and ``known``,
with the invariant that ``value`` is False wherever ``known`` is False.

Hysteresis (Schmitt-trigger style switching, as in control engineering) and the
minimum-run debounce are *causal*: the state on a day depends only on that day and
earlier days, so a rule can never learn from the future through them. Unknown days
neither change the latched state nor reset a run; they stay unknown.

Example:
    >>> import numpy as np
    >>> t = directional(np.array([1.0, 5.0, 3.0, np.nan, 1.0]), 4.0, "above", release=2.0)
    >>> t.value.tolist(), t.known.tolist()
    ([False, True, True, False, False], [True, True, True, False, True])
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["Truth", "debounce", "directional", "known_false", "unknown"]

Floats = NDArray[np.float64]


class Truth(NamedTuple):
    """A state's daily truth: ``value`` (False where unknown) and ``known``."""

    value: NDArray[np.bool_]
    known: NDArray[np.bool_]


def unknown(n: int) -> Truth:
    """``n`` unknown days."""
    return Truth(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))


def known_false(truth: Truth) -> Truth:
    """Read unknown days as known False (the study's zero-filling)."""
    return Truth(truth.value.copy(), np.ones_like(truth.known))


def _beyond(score: Floats, cut: Floats, side: str, inclusive: bool) -> NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        if side == "above":
            return np.asarray(score >= cut if inclusive else score > cut, dtype=bool)
        return np.asarray(score <= cut if inclusive else score < cut, dtype=bool)


def directional(
    score: Floats,
    cutoff: Floats | float,
    side: Literal["above", "below"],
    *,
    inclusive: bool = False,
    release: Floats | float | None = None,
) -> Truth:
    """Compare ``score`` with ``cutoff`` on the given side; NaN in either is unknown.

    With ``release`` (hysteresis) the state switches on past ``cutoff`` and, once on,
    stays on while the score is still past ``release``.
    """
    score = np.asarray(score, dtype=float)
    cut = np.broadcast_to(np.asarray(cutoff, dtype=float), score.shape)
    known = ~np.isnan(score) & ~np.isnan(cut)
    on = _beyond(score, cut, side, inclusive) & known
    if release is None:
        return Truth(on, known)
    rel = np.broadcast_to(np.asarray(release, dtype=float), score.shape)
    known &= ~np.isnan(rel)
    hold = _beyond(score, rel, side, inclusive) & known
    value = np.zeros_like(known)
    latched = False
    for i in np.flatnonzero(known):
        latched = bool(hold[i]) if latched else bool(on[i])
        value[i] = latched
    return Truth(value, known)


def debounce(truth: Truth, min_run: int) -> Truth:
    """Confirm a flip only after ``min_run`` consecutive known days of the new value.

    The first known day takes its raw value; later the state changes on the
    ``min_run``-th consecutive known day that disagrees with it (so it flips late,
    never early).
    """
    if min_run <= 1:
        return truth
    value = np.zeros_like(truth.value)
    state: bool | None = None
    streak = 0
    for i in np.flatnonzero(truth.known):
        raw = bool(truth.value[i])
        if state is None or raw == state:
            state, streak = raw, 0
        else:
            streak += 1
            if streak >= min_run:
                state, streak = raw, 0
        value[i] = state
    return Truth(value, truth.known.copy())
