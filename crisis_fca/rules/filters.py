"""Rule filters, each switchable and each reporting how many rules it removed.

The order follows the reference study's "clean" pruning of predictive rules
(conviction/leverage, backward, led premise, persistence, definitional links, stronger
direction, shorter premise, top N per consequent; ``shared/REFERENCE_STUDY.md``), after
the confidence/lift thresholds, with crisis-fca's additions slotted in: the
circular-shift significance test, the cross-domain restriction and the minimal-generator
test (a premise that is not a key of its FCA closure restates a shorter rule; Bastide et
al., CL 2000). Filters run separately on same-day and predictive rules, as the study
ran them as two pipelines. Definitional links and persistence are derived from the
states' metadata (``parts`` and ``signal``), not from a hand list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Protocol

import numpy as np
import pandas as pd

from crisis_fca.rules.mining import object_array
from crisis_fca.rules.params import ClassConfig, FilterConfig, MiningConfig

__all__ = [
    "DATA_STEPS",
    "FILTER_STEPS",
    "STRUCTURAL_STEPS",
    "apply_filters",
    "cross_domain",
    "state_signals",
]

STRUCTURAL_STEPS = (
    "no_backward",
    "no_led_premise",
    "no_persistence",
    "no_definitional",
    "cross_domain_only",
)
"""Filters that look only at a rule's form (its states and offsets), never at the data:
they define which hypotheses are worth testing, so they run before the significance test."""
DATA_STEPS = (
    "min_confidence",
    "min_lift",
    "significance",
    "conviction_leverage",
    "stronger_direction",
    "shorter_premise",
    "minimal_generator",
    "top_n",
)
"""Filters that look at the rule's counts; set-level ones (direction, shorter premise,
top N) last, on the rules that survived everything else."""
FILTER_STEPS = STRUCTURAL_STEPS + DATA_STEPS


@dataclass(frozen=True)
class _Env:
    cfg: ClassConfig
    signal: dict[str, str]
    parts: dict[str, tuple[str, ...]]
    inputs: dict[str, tuple[str, ...]]
    _signals: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def filters(self) -> FilterConfig:
        return self.cfg.filters

    def signal_of(self, state: str) -> str:
        return self.signal.get(state) or state.split(":", 1)[0]

    def signals(self, state: str) -> frozenset[str]:
        """The state's family and aligned inputs, and those of its parts (memoised)."""
        found = self._signals.get(state)
        if found is None:
            own = (state, *self.parts.get(state, ()))
            found = frozenset({self.signal_of(s) for s in own}) | {
                i for s in own for i in self.inputs.get(s, ())
            }
            self._signals[state] = found
        return found


def _tuples(meta: pd.DataFrame, column: str) -> dict[str, tuple[str, ...]]:
    if column not in meta.columns:
        return {}
    return {
        str(k): tuple(str(x) for x in v) if isinstance(v, tuple | list) else ()
        for k, v in meta[column].items()
    }


def _lookups(
    meta: pd.DataFrame,
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    signal = {str(k): str(v) for k, v in meta["signal"].items()}
    return signal, _tuples(meta, "parts"), _tuples(meta, "inputs")


def state_signals(state: str, meta: pd.DataFrame) -> set[str]:
    """Signals a state is defined from: its family (``signal``) and aligned ``inputs``
    (when ``meta`` has them), and those of its ``parts``.

    A state missing from ``meta`` is taken to be ``<signal>:<condition>``.

    >>> meta = pd.DataFrame(
    ...     {"signal": ["s.a", "m.b", "c.x"], "parts": [(), (), ("s.a:hi", "m.b:lo")]},
    ...     index=["s.a:hi", "m.b:lo", "c.x:on"],
    ... )
    >>> sorted(state_signals("c.x:on", meta))
    ['c.x', 'm.b', 's.a']
    """
    return set(_Env(ClassConfig(), *_lookups(meta)).signals(state))


def cross_domain(rules: pd.DataFrame, meta: pd.DataFrame, neutral: tuple[str, ...]) -> np.ndarray:
    """True where a rule's states span at least two non-neutral domains."""
    dom = meta["domain"].astype(str).to_dict()

    def spans(states: tuple[str, ...], cons: str) -> bool:
        found = {dom.get(s, s.split(".", 1)[0]) for s in (*states, cons)}
        return len(found - set(neutral)) >= 2

    return _per_pair(rules, spans)


class _Columns(Protocol):
    """A table read a column at a time: a ``DataFrame`` or the :class:`_Rows` of a step."""

    def __getitem__(self, name: str) -> Any: ...

    def __contains__(self, name: object) -> bool: ...


class _Rows:
    """The rules one filter step sees: the ``alive`` rows of the candidates.

    Columns come out as NumPy arrays of just those rows (a step reads one to three of
    some thirty columns, so no frame is copied); the set-level steps that need pandas
    call :meth:`frame`.
    """

    def __init__(self, rules: pd.DataFrame, alive: np.ndarray) -> None:
        self._rules, self._alive = rules, alive

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self._rules[name].to_numpy()[self._alive])

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def frame(self) -> pd.DataFrame:
        return self._rules[self._alive]


def column_list(rules: _Columns, name: str) -> list[Any]:
    """A column as a Python list: iterating a pandas ``str`` or object column element by
    element costs ~20x more."""
    return list(np.asarray(rules[name], dtype=object).tolist())


def _per_pair(rules: _Columns, test: Callable[[tuple[str, ...], str], bool]) -> np.ndarray:
    """``test(premise states, consequent state)`` for every rule, computed once per pair
    (the same pair recurs at every lead and lag): rules are grouped by their ``pair_key``
    (from the enumeration; recomputed when a frame lacks it)."""
    (premises, consequents), inverse = _distinct_pairs(rules)
    done = np.fromiter(
        (test(p, c) for p, c in zip(premises, consequents, strict=True)),
        dtype=bool,
        count=len(premises),
    )
    return np.asarray(done[inverse])


def _distinct_pairs(rules: _Columns) -> tuple[tuple[list[Any], list[Any]], np.ndarray]:
    """The distinct (premise states, consequent state) pairs, and each rule's pair."""
    if "pair_key" in rules:
        keys = np.asarray(rules["pair_key"], dtype=np.int64)
    else:
        pairs = zip(
            column_list(rules, "premise_states"),
            column_list(rules, "consequent_state"),
            strict=True,
        )
        keys = pd.factorize(object_array(list(pairs)))[0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    premises = np.asarray(rules["premise_states"], dtype=object)[first].tolist()
    consequents = np.asarray(rules["consequent_state"], dtype=object)[first].tolist()
    return (premises, consequents), inverse


def _unrelated(rules: _Columns, related: Callable[[str, str], bool]) -> np.ndarray:
    """True where no premise state is ``related`` to the consequent state (per pair)."""
    return _per_pair(rules, lambda p, c: not any(related(s, c) for s in p))


def _max_offset(rules: _Columns) -> np.ndarray:
    """The latest premise offset of each rule (computed once per distinct offset tuple)."""
    offsets = column_list(rules, "premise_offsets")
    latest = {o: max(o) for o in dict.fromkeys(offsets)}
    return np.fromiter((latest[o] for o in offsets), dtype=np.int64, count=len(offsets))


def apply_filters(
    rules: pd.DataFrame,
    meta: pd.DataFrame,
    mining: MiningConfig,
    steps: tuple[str, ...] = FILTER_STEPS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``steps`` (in the order of :data:`FILTER_STEPS`) on each rule class.

    Args:
        rules: candidates with metrics, ``q_value``, ``cross_domain`` and
            ``minimal_generator`` columns; if it already has ``removed_by`` (an earlier
            call), only the rules still kept are filtered.
        meta: the states' metadata (domain, signal, parts, optional inputs).
        mining: class thresholds and filter switches.
        steps: which filters to run.

    Returns:
        A copy of ``rules`` with ``removed_by`` (the step that removed the rule, ``""`` if
        kept) and a report: ``rule_class``, ``step``, ``enabled``, ``removed``, ``remaining``.
    """
    if "removed_by" in rules:
        removed = rules["removed_by"].to_numpy(dtype=object).copy()
    else:
        removed = np.full(len(rules), "", dtype=object)
    report = []
    lookups = _lookups(meta)
    classes = rules["rule_class"].to_numpy(dtype=object)
    for cls in ("same_day", "predictive"):
        env = _Env(getattr(mining, cls), *lookups)
        alive = (classes == cls) & (removed == "")
        for step in (s for s in FILTER_STEPS if s in steps):
            enabled = _enabled(step, env)
            if enabled:
                keep = _STEPS[step](_Rows(rules, alive), env)
                gone = np.flatnonzero(alive)[~keep]
                removed[gone] = step
                alive[gone] = False
                report.append((cls, step, True, len(gone), int(alive.sum())))
            else:
                report.append((cls, step, False, 0, int(alive.sum())))
    cols = ["rule_class", "step", "enabled", "removed", "remaining"]
    removed_by = pd.Series(removed, index=rules.index, dtype=object)
    return rules.assign(removed_by=removed_by), pd.DataFrame(report, columns=cols)


def _enabled(step: str, env: _Env) -> bool:
    if step in ("min_confidence", "min_lift"):
        return getattr(env.cfg, step) is not None
    if step == "top_n":
        return env.filters.top_n > 0
    return bool(getattr(env.filters, step))


def _min_confidence(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(r["confidence"] >= (env.cfg.min_confidence or 0) - 1e-12)


def _min_lift(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(r["lift"] >= (env.cfg.min_lift or 0) - 1e-12)


def _significance(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(r["q_value"] <= env.filters.alpha)


def _cross(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(r["cross_domain"], dtype=bool)


def _conviction_leverage(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray((r["conviction"] >= env.filters.min_conviction) & (r["leverage"] > 0))


def _no_backward(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(np.asarray(r["lead"], dtype=np.int64) >= _max_offset(r))


def _no_led_premise(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(_max_offset(r) <= 0)


def _no_persistence(r: _Rows, env: _Env) -> np.ndarray:
    return _unrelated(r, lambda s, c: env.signal_of(s) == env.signal_of(c))


def _no_definitional(r: _Rows, env: _Env) -> np.ndarray:
    if env.filters.definitional_links == "parts":

        def linked(s: str, c: str) -> bool:
            return c in env.parts.get(s, ()) or s in env.parts.get(c, ())
    else:

        def linked(s: str, c: str) -> bool:
            return bool(env.signals(s) & env.signals(c))

    return _unrelated(r, linked)


def _stronger_direction(rows: _Rows, env: _Env) -> np.ndarray:
    """Of same-day A->B and B->A keep the higher conviction (then support, then name)."""
    r = rows.frame()
    single = (r["horizon"] == 0) & (r["premise"].map(len) == 1)
    key = {
        (p[0], c): i
        for i, (p, c, s) in enumerate(
            zip(r["premise_states"], r["consequent_state"], single, strict=True)
        )
        if s
    }
    score = list(zip(r["conviction"], r["support_days"], strict=True))
    keep = np.ones(len(r), dtype=bool)
    for (a, b), i in key.items():
        j = key.get((b, a))
        if j is not None and (score[j], a) > (score[i], b):
            keep[i] = False
    return keep


def _shorter_premise(rows: _Rows, env: _Env) -> np.ndarray:
    """A longer premise within ``points`` of a kept sub-premise's confidence goes."""
    r = rows.frame()
    conf = dict(zip(zip(r["premise"], r["consequent"], strict=True), r["confidence"], strict=True))
    points = env.filters.shorter_premise_points + 1e-12
    two_sided = env.filters.shorter_premise_two_sided
    keep = np.ones(len(r), dtype=bool)
    for i, (prem, cons, c) in enumerate(
        zip(r["premise"], r["consequent"], r["confidence"], strict=True)
    ):
        subs = [
            conf[(s, cons)]
            for k in range(1, len(prem))
            for s in combinations(prem, k)
            if (s, cons) in conf
        ]
        gaps = [c - sub for sub in subs]
        if any(abs(g) <= points if two_sided else g <= points for g in gaps):
            keep[i] = False
    return keep


def _minimal_generator(r: _Rows, env: _Env) -> np.ndarray:
    return np.asarray(r["minimal_generator"], dtype=bool)


def _top_n(rows: _Rows, env: _Env) -> np.ndarray:
    r = rows.frame()
    by = list(env.filters.rank_by)
    asc = [k == "q_value" for k in by]
    order = r.assign(_p=r["premise"].map("|".join)).sort_values(
        [*by, "_p"], ascending=[*asc, True], kind="stable"
    )
    ranks = order.groupby("consequent", sort=False).cumcount()
    return (ranks.reindex(r.index) < env.filters.top_n).to_numpy()


_STEPS: dict[str, Callable[[_Rows, _Env], np.ndarray]] = {
    "min_confidence": _min_confidence,
    "min_lift": _min_lift,
    "significance": _significance,
    "cross_domain_only": _cross,
    "conviction_leverage": _conviction_leverage,
    "no_backward": _no_backward,
    "no_led_premise": _no_led_premise,
    "no_persistence": _no_persistence,
    "no_definitional": _no_definitional,
    "stronger_direction": _stronger_direction,
    "shorter_premise": _shorter_premise,
    "minimal_generator": _minimal_generator,
    "top_n": _top_n,
}
