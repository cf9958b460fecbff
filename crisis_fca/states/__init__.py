"""Behavioural states: aligned daily signals in, named binary states out.

A state is named ``<domain>.<signal>:<condition>`` (``mobility.transit:drop``,
``social.fear:present``, ``calendar.weekend``) and defined in the case file under
``[states.define."<name>"]`` with one of these kinds:

=============== ==================================================================
kind            holds on a day when ...
=============== ==================================================================
threshold       the signal is above / below a fixed cut-off
baseline_ratio  the signal is above / below a multiple of a pre-event baseline
zscore          the signal's z-score against the previous ``window`` days passes a cut-off
quantile        the signal passes a quantile of the previous ``window`` days
stl             the STL (period 7) residual passes a cut-off in robust SDs
change          the change since the previous observed day passes ``delta``
dominant        one signal is the largest of a list (e.g. emotion post counts)
composite       an AND / OR / NOT / at_least expression over other states holds
weekend, phase  calendar: the region's weekend days, or a named date range
=============== ==================================================================

Missing input makes a state *unknown* that day (``known`` False), never False; the
``study`` profile restates the reference study's zero-filling with ``unknown_as_false``.
Every state carries a plain-language description for the briefs.

Entry points: :func:`build_states` (aligned values + ``StatesConfig`` -> :class:`StateSet`),
:func:`states_for_case` (the same for a loaded case), :func:`select_states` (a subset of a
configuration with everything it depends on).
"""

from __future__ import annotations

from crisis_fca.states.baseline import BaselineOverlapWarning
from crisis_fca.states.build import AlignedLike, build_states, states_for_case
from crisis_fca.states.resolve import select_states
from crisis_fca.states.spec import (
    BaselineRatioSpec,
    BaselineWindow,
    ChangeSpec,
    CompositeSpec,
    DominantSpec,
    PhaseSpec,
    PruneConfig,
    QuantileSpec,
    StatesConfig,
    StateSpec,
    STLSpec,
    ThresholdSpec,
    WeekendPeriod,
    WeekendSpec,
    ZScoreSpec,
)
from crisis_fca.states.stateset import META_COLUMNS, StateSet

__all__ = [
    "META_COLUMNS",
    "AlignedLike",
    "BaselineOverlapWarning",
    "BaselineRatioSpec",
    "BaselineWindow",
    "ChangeSpec",
    "CompositeSpec",
    "DominantSpec",
    "PhaseSpec",
    "PruneConfig",
    "QuantileSpec",
    "STLSpec",
    "StateSet",
    "StateSpec",
    "StatesConfig",
    "ThresholdSpec",
    "WeekendPeriod",
    "WeekendSpec",
    "ZScoreSpec",
    "build_states",
    "select_states",
    "states_for_case",
]
