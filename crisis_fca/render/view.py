"""What the render stage reads: one run's metadata and frames, checked once.

Rendering is pure: :class:`RunView` bundles everything a brief or a report shows, and
the renderers return HTML strings. The frames have the store's columns (``docs/schema.md``;
extra columns are ignored), so a run can be rendered straight after the pipeline or later
from :func:`crisis_fca.store.read_run`. Per-day state frames (``StateSet.values`` /
``known``), the aligned signals and the posts are optional: without them the brief omits
the past firing dates and the report the time-series figures, and each says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.render.playbook import PlaybookConfig

__all__ = ["REQUIRED_COLUMNS", "Phase", "RunMeta", "RunView", "phases_from_states", "records"]

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "rules": (
        "rule_id",
        "premise",
        "consequent",
        "lead",
        "premise_days",
        "support_days",
        "evaluable_days",
        "support",
        "confidence",
        "ci_low",
        "ci_high",
        "lift",
        "q_value",
        "null_p",
        "rule_class",
        "reasons",
    ),
    "validations": (
        "rule_id",
        "fold",
        "train_start",
        "train_end",
        "test_start",
        "test_end",
        "train_confidence",
        "test_confidence",
        "test_lift",
        "test_premise_days",
        "passed",
        "reason",
    ),
    "states": ("state", "domain", "signal", "condition", "kind", "description", "parts"),
    "coverage": (
        "signal",
        "source",
        "domain",
        "days",
        "observed",
        "filled",
        "low_coverage",
        "missing",
        "first",
        "last",
    ),
    "concepts": ("concept_id", "intent", "extent_size", "support", "stability", "date_ranges"),
    "signals": ("date", "signal", "value", "status"),
    "posts": ("date", "post_id", "title"),
}
"""Columns each frame must have (the store's, minus ``run_id``); extras are ignored."""


@dataclass(frozen=True)
class RunMeta:
    """Who, what and when: the run's identity as shown in every header."""

    run_id: str
    case: str
    title: str
    window_start: date
    window_end: date
    profile: str
    config_hash: str
    code_version: str
    generated: date
    """Day the brief was generated; with the playbook's ``valid_days`` it sets valid-until."""
    region: str = ""
    description: str = ""

    @property
    def window_days(self) -> int:
        """Calendar days in the case window, both ends included."""
        return (self.window_end - self.window_start).days + 1


@dataclass(frozen=True)
class Phase:
    """A named period of the crisis (shaded in the report's time series)."""

    name: str
    start: date
    end: date
    description: str = ""


@dataclass(frozen=True, eq=False)
class RunView:
    """One run, ready to render. Frames are never modified by the renderers.

    A view is read as immutable: what the pages derive from it (the brief's cards) is
    worked out once per view object and reused by the next page, so to render a changed
    run build a new view (e.g. ``dataclasses.replace``) rather than editing these frames
    in place.

    Attributes:
        meta: The run's identity.
        rules: ``rules`` table rows (classes ``predictive``, ``stable_same_day``, ``failed``).
        validations: ``validations`` rows; fold 0 is the chronological holdout, later folds
            are rolling-origin checks.
        states: ``states`` table rows (``crisis_fca.store.states_table``); an optional
            ``inputs`` column (the underlying signals, as in ``StateSet.meta``) is used
            to name data streams.
        coverage: ``coverage`` table rows.
        concepts: ``concepts`` table rows (None: no lattice figure).
        concept_edges: Cover pairs ``(upper concept_id, lower concept_id)``
            (``Lattice.edges``); None = derived from the intents.
        state_values: Per-day states (``StateSet.values``), for firing dates and heatmap.
        state_known: Per-day evaluability (``StateSet.known``), same shape.
        signals: ``signals`` table rows (long: date, signal, value, status).
        posts: Posts in the window (``AlignedSignals.posts``: date, post_id, title, ...).
        phases: Crisis phases to shade.
        playbook: The case's ``[playbook]``.
    """

    meta: RunMeta
    rules: pd.DataFrame
    validations: pd.DataFrame
    states: pd.DataFrame
    coverage: pd.DataFrame
    concepts: pd.DataFrame | None = None
    concept_edges: tuple[tuple[int, int], ...] | None = None
    state_values: pd.DataFrame | None = None
    state_known: pd.DataFrame | None = None
    signals: pd.DataFrame | None = None
    posts: pd.DataFrame | None = None
    phases: tuple[Phase, ...] = ()
    playbook: PlaybookConfig = field(default_factory=PlaybookConfig)

    def __post_init__(self) -> None:
        for name, columns in REQUIRED_COLUMNS.items():
            frame = getattr(self, name)
            if isinstance(frame, pd.DataFrame) and frame.shape == (0, 0):
                # the store's "no rows for this table" (e.g. a run without rules)
                object.__setattr__(self, name, pd.DataFrame(columns=list(columns)))
            elif frame is not None:
                _check_columns(name, frame)
        _check_state_frames(self.state_values, self.state_known)

    @property
    def descriptions(self) -> dict[str, str]:
        """State name -> plain-language description."""
        return dict(zip(self.states["state"], self.states["description"].fillna(""), strict=True))


def phases_from_states(
    values: pd.DataFrame, known: pd.DataFrame, states: pd.DataFrame
) -> tuple[Phase, ...]:
    """The crisis phases (``calendar.phase:*`` or kind ``phase`` states), one per run of days.

    Example:
        >>> days = pd.date_range("2025-01-05", periods=4, name="date")
        >>> v = pd.DataFrame({"calendar.phase:spread": [False, True, True, False]}, index=days)
        >>> meta = pd.DataFrame({"state": ["calendar.phase:spread"], "kind": ["phase"],
        ...                      "description": ["The spread"]})
        >>> phases_from_states(v, v | True, meta)[0].start
        datetime.date(2025, 1, 6)
    """
    kinds = dict(zip(states["state"], states["kind"], strict=True))
    texts = dict(zip(states["state"], states["description"].fillna(""), strict=True))
    out: list[Phase] = []
    for state in values.columns:
        if kinds.get(state) != "phase" and not str(state).startswith("calendar.phase:"):
            continue
        held = values[state].astype(bool) & known[state].astype(bool)
        for start, end in _runs(held[held].index):
            out.append(Phase(str(state).partition(":")[2] or str(state), start, end, texts[state]))
    return tuple(sorted(out, key=lambda p: (p.start, p.name)))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts keyed by column name (str).

    Example:
        >>> records(pd.DataFrame({"a": [1, 2]}))
        [{'a': 1}, {'a': 2}]
    """
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _runs(days: Iterable[pd.Timestamp]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in (pd.Timestamp(d).date() for d in days):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _check_columns(name: str, frame: object) -> None:
    if not isinstance(frame, pd.DataFrame):
        msg = f"RunView.{name} must be a pandas DataFrame, got {type(frame).__name__}"
        raise SchemaError(msg)
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in frame.columns]
    if missing:
        msg = (
            f"RunView.{name} lacks columns {missing} (it has {list(frame.columns)[:12]}); "
            f"pass the store's '{name}' table as read by crisis_fca.store.read_run, or build "
            "it with the same columns (see docs/schema.md)."
        )
        raise SchemaError(msg)


def _check_state_frames(values: pd.DataFrame | None, known: pd.DataFrame | None) -> None:
    if values is None and known is None:
        return
    if values is None or known is None:
        msg = "RunView.state_values and state_known come together (StateSet.values / .known)"
        raise SchemaError(msg + "; pass both or neither")
    if not (values.index.equals(known.index) and values.columns.equals(known.columns)):
        msg = (
            f"RunView.state_values {values.shape} and state_known {known.shape} must have the "
            "same dates and state columns; pass StateSet.values and StateSet.known of one run"
        )
        raise SchemaError(msg)
    if not isinstance(values.index, pd.DatetimeIndex):
        msg = "RunView.state_values must be indexed by a DatetimeIndex of days (StateSet.values)"
        raise SchemaError(msg)
