"""The lead-time context: premise states on day t, consequent states on day t+k.

Row t of the context holds the premise items -- every selected state observed on day t
(named as the state, e.g. ``mobility.transit:low``) and optional lagged copies observed
on day t-l (``mobility.transit:low[t-1]``) -- and the consequent items -- led copies of
the selected states observed on day t+k (``social.fear:present[t+2]``; lead 0 = the same
day). The two sides are separate columns, so a led copy can never enter a premise and a
lagged copy can never be a consequent. Copies that would fall outside the window are
*unknown*, never wrapped or zero: the last k rows of a lead-k column and the first l
rows of a lag-l column are not evaluable.

Method: the lagged/led "sliding window" construction of temporal association rules
(Das et al., "Rule discovery from time series", KDD 1998), with an explicit known-mask
so that missing days are excluded instead of counted as absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from crisis_fca.errors import EmptyContextError, SchemaError

if TYPE_CHECKING:
    from crisis_fca.rules.params import MiningConfig

__all__ = [
    "ITEM_COLUMNS",
    "LeadTimeContext",
    "StateFrames",
    "StatesLike",
    "as_frames",
    "build_context",
    "calendar_arrays",
    "check_states",
    "item_name",
    "select_states",
    "shifted_copies",
]

ITEM_COLUMNS = ("item", "side", "state", "offset", "domain", "signal")


class StatesLike(Protocol):
    """What the rules stage reads from a ``StateSet`` (see notes/CONTRACTS.md)."""

    @property
    def values(self) -> pd.DataFrame: ...  # bool; False where unknown
    @property
    def known(self) -> pd.DataFrame: ...  # bool; False = not evaluable that day
    @property
    def meta(self) -> pd.DataFrame: ...  # index = state; domain, signal, parts


@dataclass(frozen=True)
class StateFrames:
    """A plain ``StatesLike`` record (tests, placebos, states built elsewhere)."""

    values: pd.DataFrame
    known: pd.DataFrame
    meta: pd.DataFrame

    def slice_rows(self, start: int, stop: int) -> StateFrames:
        """The days ``start:stop`` (positions), e.g. a training window."""
        return StateFrames(self.values.iloc[start:stop], self.known.iloc[start:stop], self.meta)


def as_frames(states: StatesLike) -> StateFrames:
    """``states`` as a :class:`StateFrames` (no copy of the frames)."""
    if isinstance(states, StateFrames):
        return states
    return StateFrames(states.values, states.known, states.meta)


@dataclass(frozen=True)
class LeadTimeContext:
    """Premise and consequent items as aligned bool matrices (rows = day t)."""

    index: pd.DatetimeIndex
    """Day t of every row."""
    premise_values: np.ndarray
    """(rows, premise items) bool: the item holds and is known."""
    premise_known: np.ndarray
    consequent_values: np.ndarray
    """(rows, consequent items) bool."""
    consequent_known: np.ndarray
    premise_items: pd.DataFrame
    """One row per premise column, in column order: ``ITEM_COLUMNS`` (offset = -lag)."""
    consequent_items: pd.DataFrame
    """One row per consequent column: ``ITEM_COLUMNS`` (offset = lead)."""
    meta: pd.DataFrame
    """The states' metadata (index = state name)."""

    @property
    def rows(self) -> int:
        """Number of days t in the context."""
        return len(self.index)

    def frame(self) -> pd.DataFrame:
        """All items as one bool frame (premise columns first), e.g. for mlxtend."""
        cols = [*self.premise_items["item"], *self.consequent_items["item"]]
        data = np.hstack([self.premise_values, self.consequent_values])
        return pd.DataFrame(data, index=self.index, columns=[str(c) for c in cols])

    def complete_rows(self) -> np.ndarray:
        """Bool mask of the rows on which every item is known."""
        return np.asarray(
            self.premise_known.all(axis=1) & self.consequent_known.all(axis=1), dtype=bool
        )


def item_name(state: str, offset: int, side: str) -> str:
    """The column name of a state copy.

    >>> item_name("social.fear:present", 2, "consequent")
    'social.fear:present[t+2]'
    >>> item_name("mobility.transit:low", -1, "premise")
    'mobility.transit:low[t-1]'
    >>> item_name("calendar.weekend", 0, "premise")
    'calendar.weekend'
    """
    if side == "premise":
        return state if offset == 0 else f"{state}[t{offset:+d}]"
    return f"{state}[t{offset:+d}]"


def check_states(states: StatesLike) -> None:
    """Raise a clear error unless ``states`` follows the ``StateSet`` contract."""
    values, known, meta = states.values, states.known, states.meta
    if values.shape[1] == 0 or values.shape[0] == 0:
        msg = (
            f"the state set is empty ({values.shape[0]} days x {values.shape[1]} states); "
            "build states first and check the case window"
        )
        raise EmptyContextError(msg)
    if not values.index.equals(known.index) or not values.columns.equals(known.columns):
        msg = "StateSet.values and StateSet.known must have the same dates and state columns"
        raise SchemaError(msg)
    bad = [
        c
        for c, v, k in zip(values.columns, values.dtypes, known.dtypes, strict=True)
        if v != np.dtype(bool) or k != np.dtype(bool)
    ]
    if bad:
        msg = f"state columns must be bool in values and known; not bool: {bad[:5]}"
        raise SchemaError(msg)
    _check_daily(values.index)
    missing = [c for c in values.columns if c not in meta.index]
    lacking = [c for c in ("domain", "signal", "parts") if c not in meta.columns]
    if missing or lacking:
        msg = (
            f"StateSet.meta must describe every state with columns domain, signal, parts; "
            f"states without meta: {missing[:5]}, missing meta columns: {lacking}"
        )
        raise SchemaError(msg)


def _check_daily(index: pd.Index) -> None:
    if not isinstance(index, pd.DatetimeIndex):
        msg = f"the state index must be a DatetimeIndex of days; got {type(index).__name__}"
        raise SchemaError(msg)
    days = index.values.astype("datetime64[D]")
    steps = np.diff(days.astype(np.int64))
    if (days != index.values).any() or (len(steps) and (steps < 1).any()):
        at = int(np.argmax(steps < 1)) if len(steps) and (steps < 1).any() else 0
        msg = (
            f"the state index must hold midnight dates in increasing order, each once; "
            f"check the dates around {index[at]}; sort and de-duplicate the days first"
        )
        raise SchemaError(msg)


def calendar_arrays(states: StatesLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values and known masks on every calendar day from the first to the last day.

    Leads and lags count calendar days, not rows: a day absent from the index (e.g. the
    study's LA day set skips 2025-01-04) is inserted as unknown. Returns (values, known,
    present) where ``present`` marks the days of the original index.
    """
    index = pd.DatetimeIndex(states.values.index)
    days = index.values.astype("datetime64[D]").astype(np.int64)
    pos = days - days[0]
    full = int(pos[-1]) + 1
    vals = np.zeros((full, states.values.shape[1]), dtype=bool)
    known = np.zeros_like(vals)
    vals[pos] = states.values.to_numpy(dtype=bool) & states.known.to_numpy(dtype=bool)
    known[pos] = states.known.to_numpy(dtype=bool)
    present = np.zeros(full, dtype=bool)
    present[pos] = True
    return vals, known, present


def select_states(states: list[str], patterns: tuple[str, ...]) -> list[str]:
    """States matching any of the shell-style ``patterns``, in their original order.

    >>> select_states(["social.fear:present", "mobility.transit:low"], ("social.*",))
    ['social.fear:present']
    """
    return [s for s in states if any(fnmatchcase(s, p) for p in patterns)]


def build_context(states: StatesLike, mining: MiningConfig) -> LeadTimeContext:
    """Build the lead-time context of ``states`` for the leads/lags in ``mining``.

    Never mutates ``states``. Raises :class:`EmptyContextError` when the selections
    leave no premise or no consequent column.
    """
    check_states(states)
    names = [str(c) for c in states.values.columns]
    vals, known, present = calendar_arrays(states)
    col = {s: i for i, s in enumerate(names)}
    prem = [(s, 0) for s in select_states(names, mining.premise_states)]
    prem += [(s, -lag) for lag in mining.lags for s in select_states(names, mining.lagged_states)]
    cons = [
        (s, k)
        for k in mining.leads
        for s in select_states(names, mining.consequent_states if k == 0 else mining.led_states)
    ]
    if not prem or not cons:
        msg = (
            f"the lead-time context has {len(prem)} premise and {len(cons)} consequent columns; "
            "check premise_states / consequent_states / led_states patterns against the state names"
        )
        raise EmptyContextError(msg)
    pv, pk = (a[present] for a in shifted_copies(vals, known, [(col[s], o) for s, o in prem]))
    cv, ck = (a[present] for a in shifted_copies(vals, known, [(col[s], o) for s, o in cons]))
    pk, ck = _apply_row_policy(mining.row_policy, prem, cons, pk, ck)
    return LeadTimeContext(
        index=pd.DatetimeIndex(states.values.index),
        premise_values=pv & pk,
        premise_known=pk,
        consequent_values=cv & ck,
        consequent_known=ck,
        premise_items=_items(prem, "premise", states.meta),
        consequent_items=_items(cons, "consequent", states.meta),
        meta=states.meta.copy(),
    )


def shifted_copies(
    vals: np.ndarray, known: np.ndarray, spec: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Copies of columns ``(j, offset)``: row t holds day t+offset; outside = unknown.

    >>> v, k = shifted_copies(np.array([[True], [False], [True]]), np.ones((3, 1), bool), [(0, 1)])
    >>> v[:, 0].tolist(), k[:, 0].tolist()
    ([False, True, False], [True, True, False])
    """
    n = vals.shape[0]
    out_v = np.zeros((n, len(spec)), dtype=bool)
    out_k = np.zeros((n, len(spec)), dtype=bool)
    for c, (j, off) in enumerate(spec):
        lo, hi = max(0, -off), min(n, n - off)
        if lo < hi:
            out_v[lo:hi, c] = vals[lo + off : hi + off, j]
            out_k[lo:hi, c] = known[lo + off : hi + off, j]
    return out_v, out_k


def _apply_row_policy(
    policy: str,
    prem: list[tuple[str, int]],
    cons: list[tuple[str, int]],
    pk: np.ndarray,
    ck: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    if policy == "per_rule":
        return pk, ck
    if policy == "complete":
        full = np.asarray(pk.all(axis=1) & ck.all(axis=1), dtype=bool)
        return pk & full[:, None], ck & full[:, None]
    p_off = np.array([o != 0 for _, o in prem], dtype=bool)
    c_off = np.array([o != 0 for _, o in cons], dtype=bool)
    rows = np.asarray(pk[:, p_off].all(axis=1) & ck[:, c_off].all(axis=1), dtype=bool)
    pk = np.where(p_off[None, :], pk & rows[:, None], pk)
    ck = np.where(c_off[None, :], ck & rows[:, None], ck)
    return pk, ck


def _items(spec: list[tuple[str, int]], side: str, meta: pd.DataFrame) -> pd.DataFrame:
    domain, signal = (meta[c].astype(str).to_dict() for c in ("domain", "signal"))
    rows = [(item_name(s, o, side), side, s, o, domain[s], signal[s]) for s, o in spec]
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))
