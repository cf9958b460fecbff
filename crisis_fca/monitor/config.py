"""The ``[monitor]`` table of a case file: which rules are triggers, and how the replay runs.

The defaults monitor the rules the pipeline classes as validated predictive, re-mine the
rule set once a week in a replay, and flag every input stream not observed on the as-of
day. This module imports nothing from :mod:`crisis_fca.config`, which imports it.

Example:
    >>> cfg = MonitorConfig()
    >>> cfg.cadence_days, cfg.classes, cfg.min_train_days
    (7, ('predictive',), 28)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisis_fca._model import FrozenModel

__all__ = ["MonitorConfig"]


class MonitorConfig(FrozenModel):
    """How validated rules become daily triggers, and how they are replayed."""

    classes: tuple[Literal["predictive", "stable_same_day"], ...] = Field(
        default=("predictive",), min_length=1
    )
    """Store rule classes (``rules.rule_class``) monitored as triggers."""
    min_warning_days: int = Field(default=1, ge=0)
    """Monitor only rules whose outcome comes at least this many days after the latest
    trigger observation (0 also keeps same-day rules when ``classes`` includes them)."""
    require_beats_persistence: bool = False
    """``true``: drop triggers that did not beat persistence on the holdout."""
    cadence_days: int = Field(default=7, ge=1)
    """Replay: re-mine and re-validate the rule set every this many days (expanding window)."""
    min_train_days: int = Field(default=28, ge=1)
    """No rule set is mined on fewer training days than this (four of every weekday), on
    top of what the case's null model and holdout need (see ``monitor.asof``)."""
    holdout_days: int | None = Field(default=None, ge=1)
    """``None``: the case's ``[validation]`` split; N: the last N days up to the as-of day
    are the holdout, so the training window grows with the replay."""
    stale_after_days: int = Field(default=0, ge=0)
    """A stream whose last observation is more than this many days before the as-of day
    is flagged stale (0: anything not observed on the day itself)."""
    lead_tolerance_days: int = Field(default=3, ge=0)
    """Lead-time error: the outcome's nearest occurrence within this many days of the
    target date counts as early or late by that many days."""
