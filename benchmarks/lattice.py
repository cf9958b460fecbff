"""Lattice family: the full daily concept lattice, crisis-fca vs ``concepts`` vs pyfim.

Engines (keys of :data:`ENGINES`), each timed from the bool days x states frame:

- ``crisis-fca``: :func:`crisis_fca.lattice.build_lattice` -- concepts, cover edges and
  exact stability (the reference for counts and fingerprints);
- ``crisis-fca-nostab``: the same with ``with_stability=False`` -- concepts and edges,
  the like-for-like comparison with ``concepts``;
- ``crisis-fca-enum``: the Fast Close-by-One enumeration alone (``closed_sets``), the
  like-for-like comparison with pyfim;
- ``concepts``: ``concepts.Context(...).lattice`` on the *transposed* context (states as
  objects, days as properties), its faster orientation: the baseline;
- ``pyfim``: ``fim.eclat(target="c")`` closed itemsets (intents only, no edges). pyfim
  never reports the closure of the empty set (the top concept's intent, even when an
  item holds on every day) and cannot report an itemset with no supporting day (the
  bottom concept when the states never all hold together); both are added back before
  counting, so its count is comparable.

Fingerprints: ``intents`` hashes the set of intents, ``edges`` the set of cover pairs as
(upper intent, lower intent); on the transposed ``concepts`` lattice an intent is a
concept's extent and our lower cover is its upper neighbour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.harness import Task

__all__ = ["ENGINES", "ENGINE_LABELS", "fingerprint", "tasks"]

Prepared = tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]

ENGINE_LABELS = {
    "crisis-fca": "crisis-fca build_lattice (+ stability)",
    "crisis-fca-nostab": "crisis-fca build_lattice (no stability)",
    "crisis-fca-enum": "crisis-fca closed_sets (enumeration only)",
    "concepts": "concepts 0.9 (transposed)",
    "pyfim": "pyfim eclat closed sets (intents only)",
}


def fingerprint(keys: Iterable[str]) -> str:
    """A short order-free hash of a collection of distinct string keys.

    >>> fingerprint(["b", "a"]) == fingerprint(["a", "b"]) != fingerprint(["a"])
    True
    """
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]


def _key(states: Iterable[str]) -> str:
    return "|".join(sorted(states))


def _crisis_fca(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    from crisis_fca.lattice import build_lattice

    values, known = inputs["values"], inputs.get("known")
    stability = bool(params.get("stability", True))

    def describe(lat: Any) -> dict[str, Any]:
        intents = [c.intent for c in lat.concepts]
        edges = [f"{_key(intents[u])}>{_key(intents[lo])}" for u, lo in lat.edges]
        return {
            "counts": {"concepts": len(intents), "edges": len(edges)},
            "fingerprints": {
                "intents": fingerprint(map(_key, intents)),
                "edges": fingerprint(edges),
            },
        }

    return (lambda: build_lattice(values, known, with_stability=stability)), describe


def _crisis_fca_enum(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    from crisis_fca.lattice.context import bit_context
    from crisis_fca.lattice.engine import closed_sets

    bits = bit_context(inputs["values"], inputs.get("known"))
    order = sorted(
        range(len(bits.states)), key=lambda k: (bits.extents[k].bit_count(), bits.states[k])
    )
    extents = [bits.extents[k] for k in order]
    names = [bits.states[k] for k in order]

    def describe(found: list[tuple[int, int]]) -> dict[str, Any]:
        intents = [_key(n for k, n in enumerate(names) if itt >> k & 1) for _, itt in found]
        return {
            "counts": {"concepts": len(found)},
            "fingerprints": {"intents": fingerprint(intents)},
        }

    return (lambda: closed_sets(extents, bits.n_objects)), describe


def _concepts(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    import concepts

    frame: pd.DataFrame = inputs["values"]
    objects = [str(c) for c in frame.columns]
    days = [f"d{d:%Y-%m-%d}" for d in frame.index]
    rows = [tuple(col) for col in frame.to_numpy(dtype=bool).T.tolist()]

    def run() -> Any:
        return concepts.Context(objects, days, rows).lattice

    def describe(lattice: Any) -> dict[str, Any]:
        intents = [_key(c.extent) for c in lattice]
        edges = [f"{_key(c.extent)}>{_key(up.extent)}" for c in lattice for up in c.upper_neighbors]
        return {
            "counts": {"concepts": len(intents), "edges": len(edges)},
            "fingerprints": {"intents": fingerprint(intents), "edges": fingerprint(edges)},
        }

    return run, describe


def _pyfim(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    import fim

    frame: pd.DataFrame = inputs["values"]
    columns = np.array([str(c) for c in frame.columns], dtype=object)
    values = frame.to_numpy(dtype=bool)

    def run() -> Any:
        tracts = [columns[row].tolist() for row in values]
        return fim.eclat(tracts, target="c", supp=-1, zmin=0, report="a")

    def describe(found: list[tuple[tuple[str, ...], int]]) -> dict[str, Any]:
        intents = {_key(itemset) for itemset, _ in found}
        intents.add(_key(columns[values.all(axis=0)]))  # top: never reported
        if not values.all(axis=1).any():
            intents.add(_key(columns))  # bottom with an empty extent
        return {
            "counts": {"concepts": len(intents)},
            "fingerprints": {"intents": fingerprint(intents)},
        }

    return run, describe


ENGINES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Prepared]] = {
    "crisis-fca": _crisis_fca,
    "crisis-fca-nostab": lambda inputs, params: _crisis_fca(inputs, {"stability": False}),
    "crisis-fca-enum": _crisis_fca_enum,
    "concepts": _concepts,
    "pyfim": _pyfim,
}


def tasks(
    contexts: dict[str, str],
    *,
    repeats: int,
    slow: float,
    trace_below: float = 3.0,
    cap: float = 60.0,
) -> list[Task]:
    """One task per engine and context (``contexts``: label -> pickled ``{"values", "known"}``).

    ``concepts`` is the baseline, capped at ``cap`` seconds per run; crisis-fca with
    stability is the reference for counts.
    """
    return [
        Task(
            family="lattice",
            context=label,
            engine=ENGINE_LABELS[key],
            module=__name__,
            key=key,
            inputs=path,
            cap=cap if key == "concepts" else 300.0,
            repeats=repeats,
            slow=slow,
            baseline=key == "concepts",
            reference=key == "crisis-fca",
            requires="fim" if key == "pyfim" else "",
            trace_below=trace_below,
        )
        for label, path in contexts.items()
        for key in ENGINE_LABELS
    ]
