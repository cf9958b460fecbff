"""Triggers in plain words, each condition naming the data streams it is measured on.

A condition is one premise item: its state's description (the case file's plain-language
definition), when it must be observed (today, yesterday, k days earlier) and the data
streams behind it, each with its source, e.g. ``mobility.transit (google)``. Streams come
from the states frame's optional ``inputs`` column (``StateSet.meta``), else the state's
``signal`` when that is an aligned signal, else the aligned signals named after it
(``social.fear`` -> ``social.fear_posts``, ``social.fear_share``), else the signals of the
states it is composed of; calendar states are derived from the date alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.view import RunView

__all__ = ["Condition", "conditions", "state_signals", "state_streams"]


@dataclass(frozen=True)
class Condition:
    """One measurable condition of a trigger."""

    state: str
    when: str
    text: str
    streams: tuple[str, ...]


def conditions(view: RunView, premise: Sequence[str]) -> tuple[Condition, ...]:
    """The premise as conditions, in premise order, days counted from the latest one."""
    descriptions = view.descriptions
    items, _ = tx.normalized(premise, 0)
    out = []
    for state, offset in items:
        out.append(
            Condition(
                state=state,
                when=tx.when_text(offset),
                text=tx.describe_state(state, descriptions),
                streams=state_streams(view, state),
            )
        )
    return tuple(out)


def state_streams(view: RunView, state: str) -> tuple[str, ...]:
    """The data streams (``signal (source)``) a state is measured on, sorted."""
    sources = dict(zip(view.coverage["signal"], view.coverage["source"], strict=True))
    signals = state_signals(view, state)
    if not signals:
        domain = state.split(".", 1)[0]
        return ("the calendar date",) if domain == "calendar" else (f"{domain} (derived)",)
    return tuple(f"{s} ({sources[s]})" if _known(sources.get(s)) else s for s in sorted(signals))


def state_signals(view: RunView, state: str) -> set[str]:
    """The aligned signals a state is computed from (empty for calendar states)."""
    aligned = {str(s) for s in view.coverage["signal"]}
    return _signals(view.states, state, aligned, set())


def _signals(states: pd.DataFrame, state: str, aligned: set[str], seen: set[str]) -> set[str]:
    """The aligned signals behind ``state``: its inputs, its signal, or its parts' signals."""
    if state in seen:
        return set()
    seen.add(state)
    rows = states[states["state"] == state]
    if rows.empty:
        signal = state.partition(":")[0]
        return {signal} if signal in aligned else set()
    row = rows.iloc[0]
    inputs = _names(row.get("inputs")) if "inputs" in rows.columns else []
    if inputs:
        return set(inputs)
    signal = str(row["signal"])
    if signal in aligned:
        return {signal}
    family = {s for s in aligned if s.startswith(f"{signal}_")}  # social.fear -> fear_posts
    if family:
        return family
    found: set[str] = set()
    for part in _names(row["parts"]):
        found |= _signals(states, part, aligned, seen)
    return found


def _names(value: Any) -> list[str]:
    if value is None or isinstance(value, str | float):
        return [value] if isinstance(value, str) and value else []
    return [str(v) for v in _iter(value)]


def _iter(value: Any) -> Iterable[Any]:
    return list(value) if hasattr(value, "__iter__") else []


def _known(source: Any) -> bool:
    return isinstance(source, str) and bool(source) and not pd.isna(source)
