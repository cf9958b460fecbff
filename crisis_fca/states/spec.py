"""Configuration of behavioural states: the ``[states]`` table of a case file.

Each state is defined under ``[states.define."<domain>.<signal>:<condition>"]`` with a
``kind`` that picks the rule (see :mod:`crisis_fca.states`). Definitions are a TOML
*table keyed by state name* rather than an array, so a profile can override one field
of one state (``[profiles.study.states.define."social.emotion:fear_dominant"]
ties = "first"``) through the case file's deep merge, without restating the list.
A profile cannot change a state's ``kind`` this way (the merged table would mix two
kinds' keys and fail validation): give both profiles the same kind and override its
parameters, or switch the state off with ``enabled = false``.

Example:
    >>> spec = ThresholdSpec(kind="threshold", signal="mobility.retail", below=-25,
    ...                      description="Retail visits more than 25 % below baseline")
    >>> spec.side, spec.cutoff
    ('below', -25.0)
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from crisis_fca._model import FrozenModel
from crisis_fca.states.calendar import resolve_schedule
from crisis_fca.states.expr import parse_expr

__all__ = [
    "STATE_NAME_PATTERN",
    "BaselineRatioSpec",
    "BaselineWindow",
    "ChangeSpec",
    "CompositeSpec",
    "DominantSpec",
    "PhaseSpec",
    "PruneConfig",
    "QuantileSpec",
    "STLSpec",
    "StateSpec",
    "StatesConfig",
    "ThresholdSpec",
    "WeekendPeriod",
    "WeekendSpec",
    "ZScoreSpec",
]

STATE_NAME_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)?$"
"""``domain.signal`` or ``domain.signal:condition``, lower-case identifiers."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Spec(FrozenModel):
    description: str = Field(min_length=1)
    """Plain language for briefs: what holding this state means on a day."""
    enabled: bool = True
    """``false`` removes the state (a profile can switch a base state off)."""
    emit: bool = True
    """``false`` = helper: evaluated for composites but not a column of the StateSet."""


class _Primitive(_Spec):
    min_run: int = Field(default=1, ge=1)
    """A flip is confirmed only after this many consecutive known days (causal debounce)."""


class _Directional(_Primitive):
    above: float | None = None
    below: float | None = None
    inclusive: bool = False
    """``true`` compares with >= / <= instead of the study's strict > / <."""
    release: float | None = None
    """Hysteresis: once on, the state stays on until the score crosses this level."""

    @model_validator(mode="after")
    def _one_side(self) -> _Directional:
        if (self.above is None) == (self.below is None):
            msg = "set exactly one of 'above' or 'below' (the cut-off and its direction)"
            raise ValueError(msg)
        if self.release is not None:
            cut = self.cutoff
            if (self.side == "above" and self.release >= cut) or (
                self.side == "below" and self.release <= cut
            ):
                msg = (
                    f"release {self.release} must lie on the other side of the cut-off {cut} "
                    f"(below it for 'above', above it for 'below') so the state can hold on"
                )
                raise ValueError(msg)
        return self

    @property
    def side(self) -> Literal["above", "below"]:
        """Which side of the cut-off makes the state hold."""
        return "above" if self.above is not None else "below"

    @property
    def cutoff(self) -> float:
        """The configured cut-off, whichever side it is on."""
        return float(self.above if self.above is not None else self.below)  # type: ignore[arg-type]


class ThresholdSpec(_Directional):
    """The signal's value against a fixed cut-off (the study's Google thresholds)."""

    kind: Literal["threshold"]
    signal: str


class BaselineWindow(FrozenModel):
    """A closed date range whose observed values form the baseline."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> BaselineWindow:
        if self.end < self.start:
            msg = f"baseline end {self.end} is before start {self.start}; swap them"
            raise ValueError(msg)
        return self


class BaselineRatioSpec(_Directional):
    """The value against ``above``/``below`` times a baseline statistic."""

    kind: Literal["baseline_ratio"]
    signal: str
    baseline: BaselineWindow | Annotated[int, Field(ge=1)]
    """A date window, or N = the first N observed days of the signal (the study's PeMS rule)."""
    statistic: Literal["mean", "median"] = "mean"
    by_daytype: bool = False
    """Separate baselines for weekdays and weekend days (traffic has a weekly cycle)."""
    weekend: str = "sat,sun"
    """The weekend schedule ``by_daytype`` splits on: a region (``AE``, ``US``) or day list."""
    allow_overlap: bool = False
    """``true`` = a baseline reaching the event start only warns (reproductions only)."""

    @field_validator("weekend")
    @classmethod
    def _schedule(cls, value: str) -> str:
        resolve_schedule(value)
        return value


class _Rolling(_Directional):
    signal: str
    window: int = Field(ge=2)
    """Length of the past-only window in calendar days (today is never inside it)."""
    min_periods: int | None = Field(default=None, ge=2)
    """Observed days needed in the window (default: ``window``)."""

    @model_validator(mode="after")
    def _periods(self) -> _Rolling:
        if self.min_periods is not None and self.min_periods > self.window:
            msg = f"min_periods {self.min_periods} exceeds window {self.window}"
            raise ValueError(msg)
        return self


class ZScoreSpec(_Rolling):
    """(value - past mean) / past standard deviation against a z cut-off."""

    kind: Literal["zscore"]


class QuantileSpec(_Rolling):
    """The value against a quantile of the past window; above/below/release are levels."""

    kind: Literal["quantile"]

    @model_validator(mode="after")
    def _levels(self) -> QuantileSpec:
        for level in (self.cutoff, self.release):
            if level is not None and not 0 < level < 1:
                msg = f"quantile level {level} must be strictly between 0 and 1"
                raise ValueError(msg)
        return self


class STLSpec(_Directional):
    """STL seasonal-trend residual in robust standard deviations (MAD x 1.4826)."""

    kind: Literal["stl"]
    signal: str
    period: int = Field(default=7, ge=2)
    window: int = Field(default=56, ge=5)
    """Causal mode: each day's residual comes from a fit on the trailing ``window`` days."""
    min_periods: int | None = Field(default=None, ge=5)
    mode: Literal["causal", "centered"] = "causal"
    """``centered`` fits once on the whole series: faster, but later days shape the residual."""
    robust: bool = False

    @model_validator(mode="after")
    def _fits(self) -> STLSpec:
        if self.window < 2 * self.period + 1:
            need = 2 * self.period + 1
            msg = f"window {self.window} must hold two periods plus one day (>= {need})"
            raise ValueError(msg)
        return self


class ChangeSpec(_Primitive):
    """Day-over-day change against the previous *observed* day."""

    kind: Literal["change"]
    signal: str
    direction: Literal["shift", "up", "down"]
    """``shift``: |change| > delta; ``up``: change > delta; ``down``: change < -delta."""
    delta: float = Field(gt=0)
    inclusive: bool = False
    max_gap_days: int | None = Field(default=None, ge=1)
    """Unknown when the previous observed day is further back than this (default: no limit)."""


class DominantSpec(_Primitive):
    """Whether ``target`` has the largest value among ``signals`` (e.g. emotion post counts)."""

    kind: Literal["dominant"]
    signals: tuple[str, ...] = Field(min_length=2)
    target: str
    ties: Literal["first", "none"] = "none"
    """``first``: ties (all-zero days too) go to the first listed signal, as the study did;
    ``none``: the target must be strictly largest."""

    @model_validator(mode="after")
    def _target_listed(self) -> DominantSpec:
        if len(set(self.signals)) != len(self.signals):
            msg = f"signals {list(self.signals)} list a signal twice"
            raise ValueError(msg)
        if self.target not in self.signals:
            msg = f"target {self.target!r} must be one of signals {list(self.signals)}"
            raise ValueError(msg)
        return self


class CompositeSpec(_Spec):
    """Three-valued AND / OR / NOT / at_least(k, ...) over other states."""

    kind: Literal["composite"]
    expr: str
    """E.g. ``"(mobility.retail:drop or mobility.transit:drop) and not mobility.x:y"``."""

    @field_validator("expr")
    @classmethod
    def _parses(cls, value: str) -> str:
        parse_expr(value)
        return value


class WeekendPeriod(FrozenModel):
    """The weekend days in force between two dates (open-ended when omitted)."""

    start: date | None = None
    end: date | None = None
    days: tuple[Weekday, ...] = Field(min_length=1)


class WeekendSpec(_Spec):
    """Calendar weekend; ``schedule`` is a region (``AE``, ``US``), ``"sat,sun"`` or periods."""

    kind: Literal["weekend"]
    schedule: str | tuple[WeekendPeriod, ...] = "sat,sun"

    @field_validator("schedule")
    @classmethod
    def _known(cls, value: str | tuple[WeekendPeriod, ...]) -> str | tuple[WeekendPeriod, ...]:
        if isinstance(value, str):
            resolve_schedule(value)
        return value


class PhaseSpec(_Spec):
    """A named crisis phase: holds on every day from ``start`` to ``end``."""

    kind: Literal["phase"]
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> PhaseSpec:
        if self.end < self.start:
            msg = f"phase end {self.end} is before start {self.start}; swap them"
            raise ValueError(msg)
        return self


StateSpec = Annotated[
    ThresholdSpec
    | BaselineRatioSpec
    | ZScoreSpec
    | QuantileSpec
    | STLSpec
    | ChangeSpec
    | DominantSpec
    | CompositeSpec
    | WeekendSpec
    | PhaseSpec,
    Field(discriminator="kind"),
]


class PruneConfig(FrozenModel):
    """Drop emitted states that are too rare or too common (the study's LA feature filter)."""

    min_true_days: int = Field(default=0, ge=0)
    max_prevalence: float = Field(default=1.0, gt=0, le=1)
    """Share of known days; a state above it is dropped."""


class StatesConfig(FrozenModel):
    """The ``[states]`` table: definitions plus how unknown days and the day set are treated."""

    define: dict[str, StateSpec] = Field(default_factory=dict)
    unknown_as_false: tuple[str, ...] = ()
    """Glob patterns of non-composite states whose unknown days count as known False --
    the study's zero-filled no-post days. Leave empty to keep unknown as unknown."""
    days: Literal["calendar", "any_source"] = "calendar"
    """``any_source`` keeps only days on which some signal in ``day_signals`` has data
    (the study's LA matrix); ``calendar`` keeps every day of the case window."""
    day_signals: tuple[str, ...] = ("*",)
    prune: PruneConfig = PruneConfig()

    @field_validator("define")
    @classmethod
    def _names(cls, value: dict[str, StateSpec]) -> dict[str, StateSpec]:
        for name in value:
            if not re.match(STATE_NAME_PATTERN, name):
                msg = (
                    f"state name {name!r} must look like 'domain.signal:condition' "
                    "(lower-case identifiers, e.g. 'mobility.transit:low' or 'calendar.weekend')"
                )
                raise ValueError(msg)
        return value

    def enabled(self) -> dict[str, StateSpec]:
        """The enabled definitions, in file order."""
        return {name: spec for name, spec in self.define.items() if spec.enabled}
