"""Build the StateSet: evaluate every configured state on the aligned daily signals.

Order of work, each step driven by ``[states]`` in the case file:

1. check the definitions (references, cycles, input signals) -- :mod:`.resolve`;
2. evaluate primitive states (threshold, baseline ratio, z-score, quantile, STL,
   change, dominant, calendar), apply the optional minimum run, then read unknown days
   as False for the states named in ``unknown_as_false`` (the study's zero-filling);
3. evaluate composites in dependency order with three-valued logic (:mod:`.expr`);
4. keep the configured day set (``days``), drop helper states (``emit = false``) and
   states filtered by ``prune``, and describe each remaining state in ``meta``.

Example:
    >>> import pandas as pd
    >>> from crisis_fca.states.spec import StatesConfig
    >>> values = pd.DataFrame({"mobility.retail": [-30.0, -10.0, None]},
    ...                       index=pd.date_range("2020-03-01", periods=3, name="date"))
    >>> cfg = StatesConfig.model_validate({"define": {"mobility.retail:drop": {
    ...     "kind": "threshold", "signal": "mobility.retail", "below": -25,
    ...     "description": "Retail visits more than 25 % below baseline"}}})
    >>> s = build_states(values, cfg)
    >>> s.values["mobility.retail:drop"].tolist(), s.known["mobility.retail:drop"].tolist()
    ([True, False, False], [True, True, False])
"""

from __future__ import annotations

from datetime import date
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from crisis_fca.errors import ConfigError, SchemaError
from crisis_fca.states import spec as sp
from crisis_fca.states.baseline import ratio_state, threshold_state
from crisis_fca.states.calendar import phase_mask, weekend_mask
from crisis_fca.states.change import change_state, dominant_state
from crisis_fca.states.expr import evaluate_expr, parse_expr
from crisis_fca.states.resolve import check_inputs, evaluation_order, flatten
from crisis_fca.states.rolling import quantile_state, zscore_state
from crisis_fca.states.seasonal import stl_state
from crisis_fca.states.stateset import StateSet
from crisis_fca.states.truth import Truth, debounce, known_false

if TYPE_CHECKING:
    from crisis_fca.config import CaseConfig

__all__ = ["AlignedLike", "build_states", "states_for_case"]


class AlignedLike(Protocol):
    """What :func:`states_for_case` needs of ``crisis_fca.align.AlignedSignals``."""

    @property
    def values(self) -> pd.DataFrame: ...

    @property
    def status(self) -> pd.DataFrame: ...


def build_states(
    values: pd.DataFrame,
    config: sp.StatesConfig,
    *,
    event_start: date | None = None,
    status: pd.DataFrame | None = None,
) -> StateSet:
    """Evaluate the enabled states of ``config`` on daily ``values``.

    Args:
        values: aligned signals -- a daily, gap-free DatetimeIndex; float columns named
            ``<domain>.<name>``; NaN = not usable that day. Not modified.
        config: the case's ``[states]`` table (profile already applied).
        event_start: first day of the crisis; baselines must end before it.
        status: optional per-cell ``observed|filled|low_coverage|missing`` (same shape);
            with ``days = "any_source"`` a day counts as present unless ``missing``.

    Returns:
        The StateSet (bool ``values``/``known``, ``meta``), on every day of ``values``
        unless ``days = "any_source"`` keeps only days some source covers.

    Raises:
        ConfigError: unknown / disabled / cyclic references, a missing input signal, a
            baseline that overlaps the event.
        SchemaError: ``values`` is not a daily gap-free frame of numbers.
    """
    _check_frame(values)
    order = evaluation_order(config)
    check_inputs(config, values.columns)
    specs = config.enabled()
    truths: dict[str, Truth] = {}
    for name in order:
        truths[name] = _evaluate(
            name, specs[name], values, truths=truths, config=config, event_start=event_start
        )
    rows = _kept_days(values, config, status)
    emitted = [n for n in specs if specs[n].emit]
    frame = pd.DataFrame({n: truths[n].value[rows] for n in emitted}, index=values.index[rows])
    known = pd.DataFrame({n: truths[n].known[rows] for n in emitted}, index=values.index[rows])
    frame, known, pruned = _prune(frame.astype(bool), known.astype(bool), config.prune)
    return StateSet(frame, known, _meta(list(frame.columns), specs), pruned)


def states_for_case(aligned: AlignedLike, case: CaseConfig) -> StateSet:
    """:func:`build_states` for a loaded case (its ``states`` table and event start)."""
    return build_states(
        aligned.values, case.states, event_start=case.case.event_start, status=aligned.status
    )


def _check_frame(values: pd.DataFrame) -> None:
    index = values.index
    if not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        msg = "values must have a non-empty DatetimeIndex of days (the aligned signals' index)"
        raise SchemaError(msg)
    expected = pd.date_range(index[0], periods=len(index), freq="D")
    if not index.equals(expected):
        msg = (
            f"values must hold every calendar day once, in order, at midnight "
            f"({index[0]}..{index[-1]}); align the signals first (crisis_fca.align)"
        )
        raise SchemaError(msg)
    bad = [
        str(c)
        for c, t in values.dtypes.items()
        if not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t)
    ]
    if bad:
        msg = (
            f"signal columns {bad} are not numeric; the aligned values must be float "
            "(NaN = missing)"
        )
        raise SchemaError(msg)


def _evaluate(
    name: str,
    spec: sp.StateSpec,
    values: pd.DataFrame,
    *,
    truths: dict[str, Truth],
    config: sp.StatesConfig,
    event_start: date | None,
) -> Truth:
    if isinstance(spec, sp.CompositeSpec):
        return evaluate_expr(parse_expr(spec.expr), truths.__getitem__)
    truth = debounce(_primitive(name, spec, values, event_start), getattr(spec, "min_run", 1))
    if any(fnmatchcase(name, pattern) for pattern in config.unknown_as_false):
        truth = known_false(truth)
    return truth


def _primitive(
    name: str, spec: sp.StateSpec, values: pd.DataFrame, event_start: date | None
) -> Truth:
    index = pd.DatetimeIndex(values.index)
    if isinstance(spec, sp.WeekendSpec):
        try:
            mask = weekend_mask(index, spec.schedule)
        except ValueError as exc:
            raise ConfigError(f"state {name!r}: {exc}") from None
        return Truth(mask, np.ones(len(index), dtype=bool))
    if isinstance(spec, sp.PhaseSpec):
        return Truth(phase_mask(index, spec), np.ones(len(index), dtype=bool))
    if isinstance(spec, sp.DominantSpec):
        return dominant_state(values, spec)
    series = values[spec.signal].astype(float)  # type: ignore[union-attr]
    if isinstance(spec, sp.BaselineRatioSpec):
        return ratio_state(series, spec, event_start=event_start, name=name)
    evaluate = {
        sp.ThresholdSpec: threshold_state,
        sp.ZScoreSpec: zscore_state,
        sp.QuantileSpec: quantile_state,
        sp.STLSpec: stl_state,
        sp.ChangeSpec: change_state,
    }[type(spec)]
    truth: Truth = evaluate(series, spec)  # type: ignore[operator]
    return truth


def _kept_days(
    values: pd.DataFrame, config: sp.StatesConfig, status: pd.DataFrame | None
) -> np.ndarray:
    if config.days == "calendar":
        return np.ones(len(values), dtype=bool)
    columns = [c for c in values.columns if any(fnmatchcase(str(c), p) for p in config.day_signals)]
    if status is not None:
        present = status.reindex(index=values.index, columns=columns) != "missing"
        present &= status.reindex(index=values.index, columns=columns).notna()
    else:
        present = values[columns].notna()
    return present.any(axis=1).to_numpy(dtype=bool)


def _prune(
    values: pd.DataFrame, known: pd.DataFrame, prune: sp.PruneConfig
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    true_days = values.sum()
    known_days = known.sum()
    share = true_days / known_days.where(known_days > 0)
    drop = (true_days < prune.min_true_days) | (share > prune.max_prevalence)
    dropped = tuple(str(c) for c in drop[drop].index)
    return values.drop(columns=list(dropped)), known.drop(columns=list(dropped)), dropped


def _meta(names: list[str], specs: dict[str, sp.StateSpec]) -> pd.DataFrame:
    rows = []
    for name in names:
        spec = specs[name]
        parts, inputs = flatten(name, specs)
        family, _, condition = name.partition(":")
        kind = "calendar" if isinstance(spec, sp.WeekendSpec | sp.PhaseSpec) else spec.kind
        rows.append((name.split(".")[0], family, condition, kind, spec.description, parts, inputs))
    meta = pd.DataFrame(
        rows,
        columns=["domain", "signal", "condition", "kind", "description", "parts", "inputs"],
        index=pd.Index(names, name="state", dtype=object),
    )
    return meta.astype(dict.fromkeys(meta.columns, object))
