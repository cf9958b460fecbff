"""Building the concept lattice of a days x states context.

:func:`build_lattice` enumerates every concept (or, with ``min_support``, the iceberg of
frequent ones) with the Fast Close-by-One engine of :mod:`crisis_fca.lattice.engine`, on
attributes ordered by ascending support (the order in which Close-by-One prunes best),
derives the cover relation and each concept's intensional stability and Delta-measure, and
returns a frozen :class:`~crisis_fca.lattice.model.Lattice`. Sources are cited in
:mod:`crisis_fca.lattice.engine`.
"""

from __future__ import annotations

import gc
import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from types import MappingProxyType

import pandas as pd

from crisis_fca.errors import ConfigError
from crisis_fca.lattice.context import BitContext, bit_context
from crisis_fca.lattice.engine import (
    MAX_TERMS,
    MC_SAMPLES,
    closed_sets,
    instability,
    instability_estimate,
    lower_cover_extents,
)
from crisis_fca.lattice.model import Concept, Lattice

__all__ = ["build_lattice", "iceberg_lattice"]


def build_lattice(
    context: pd.DataFrame,
    known: pd.DataFrame | None = None,
    *,
    min_support: float = 0,
    with_stability: bool = True,
    max_terms: int = MAX_TERMS,
) -> Lattice:
    """The concept lattice of a boolean days x states frame.

    Args:
        context: Boolean frame, index = objects (days), columns = state names.
        known: Optional mask of the same shape; False = unknown that day (not asserted).
        min_support: Keep only concepts with at least this many days (an int) or this share
            of all days (a float in [0, 1], rounded up to whole days); 0 = the full lattice.
        with_stability: Compute stability (skip it for speed when not needed).
        max_terms: Per-concept term budget of the exact stability before estimating.

    Returns:
        The lattice; the inputs are not modified.

    Raises:
        EmptyContextError: the frame has no rows or no columns.
        SchemaError: the frame or the mask is malformed (see :func:`bit_context`).
        ConfigError: ``min_support`` is negative, above 1 as a fraction, or above the day count.

    Example:
        >>> frame = pd.DataFrame({"a": [True, True, False], "b": [True, False, True]})
        >>> lat = build_lattice(frame)
        >>> [(c.intent, c.support) for c in lat.concepts]
        [((), 3), (('a',), 2), (('b',), 2), (('a', 'b'), 1)]
        >>> lat.edges
        ((0, 1), (0, 2), (1, 3), (2, 3))
    """
    bits = _support_ordered(bit_context(context, known))
    min_count = _min_count(min_support, bits.n_objects)
    with _gc_paused():
        return _build(context, bits, min_count, with_stability, max_terms)


def iceberg_lattice(
    context: pd.DataFrame, known: pd.DataFrame | None = None, *, min_support: float
) -> Lattice:
    """Only the concepts with at least ``min_support`` days (int) or share of days (float).

    The iceberg is the upper part of the lattice: its covers are the full lattice's covers
    between kept concepts, and stability still counts the cut-off concepts below.

    Example:
        >>> frame = pd.DataFrame({"a": [True, True, False], "b": [True, False, True]})
        >>> [c.intent for c in iceberg_lattice(frame, min_support=2).concepts]
        [(), ('a',), ('b',)]
    """
    return build_lattice(context, known, min_support=min_support)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a lattice is built.

    Building creates ~10^5 tuples and lists, none of them in reference cycles; the cyclic
    collector would rescan them over and over (measured: a quarter of the build time for
    671 x 24). Reference counting still frees everything; the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(
    context: pd.DataFrame, bits: BitContext, min_count: int, with_stability: bool, max_terms: int
) -> Lattice:
    """Enumerate, name, order, cover and measure the concepts (see :func:`build_lattice`)."""
    named = [
        (ext, itt, bits.names(itt))
        for ext, itt in closed_sets(bits.extents, bits.n_objects, min_count)
    ]
    named.sort(key=lambda t: (-t[0].bit_count(), len(t[2]), t[2]))
    by_extent = {ext: i for i, (ext, _, _) in enumerate(named)}
    covers = lower_cover_extents([(ext, itt) for ext, itt, _ in named], bits.extents)
    edges = _edges(covers, by_extent)
    stab = [
        _instability(ext, cs, max_terms) if with_stability else (math.nan, False)
        for (ext, _, _), cs in zip(named, covers, strict=True)
    ]
    return Lattice(
        objects=bits.objects,
        states=tuple(str(c) for c in context.columns),
        concepts=_concepts(bits, named, covers, stab),
        edges=edges,
        min_support=min_count,
        stability_method=_method(stab, with_stability),
        context=bits,
        by_extent=MappingProxyType(by_extent),
    )


def _support_ordered(bits: BitContext) -> BitContext:
    """The same context with attributes in ascending support: Close-by-One's fast order."""
    order = sorted(
        range(len(bits.states)), key=lambda k: (bits.extents[k].bit_count(), bits.states[k])
    )
    return BitContext(
        objects=bits.objects,
        states=tuple(bits.states[k] for k in order),
        extents=tuple(bits.extents[k] for k in order),
        known=tuple(bits.known[k] for k in order),
    )


def _concepts(
    bits: BitContext,
    named: list[tuple[int, int, tuple[str, ...]]],
    covers: list[list[int]],
    stab: list[tuple[float, bool]],
) -> tuple[Concept, ...]:
    """Assemble the Concept records (supports, evaluable days, stability, delta)."""
    n = bits.n_objects
    # only states with unknown days shrink the evaluable days: count once per combination
    partial = sum(1 << k for k, known in enumerate(bits.known) if known != bits.all_objects)
    evaluable_days = {0: n}
    result = []
    for i, ((ext, itt, names), cs, (inst, exact)) in enumerate(
        zip(named, covers, stab, strict=True)
    ):
        support = ext.bit_count()
        evaluable = evaluable_days.get(itt & partial)
        if evaluable is None:
            evaluable = evaluable_days[itt & partial] = bits.evaluable(itt & partial).bit_count()
        delta = support - cs[0].bit_count() if cs else support  # covers come largest first
        result.append(Concept(i, names, ext, support, evaluable, 1.0 - inst, inst, delta, exact, n))
    return tuple(result)


def _edges(covers: list[list[int]], by_extent: dict[int, int]) -> tuple[tuple[int, int], ...]:
    """(upper, lower) index pairs, sorted, for the covers that are in the lattice."""
    get = by_extent.get
    pairs = [(upper, get(c, -1)) for upper, cs in enumerate(covers) for c in cs]
    return tuple(sorted(pair for pair in pairs if pair[1] >= 0))


def _instability(extent: int, covers: list[int], max_terms: int) -> tuple[float, bool]:
    """Exact ``1 - stability`` when the inclusion-exclusion fits ``max_terms``, else an estimate."""
    exact = instability(extent, covers, max_terms)
    if exact is not None:
        return exact, True
    return instability_estimate(extent, covers), False


def _method(stab: list[tuple[float, bool]], computed: bool) -> str:
    """A plain-language note on how stability was obtained."""
    if not computed:
        return "not computed (with_stability=False)"
    estimated = sum(not exact for _, exact in stab)
    exact_note = "exact by inclusion-exclusion over lower covers (1 - stability to 1e-11 relative)"
    if not estimated:
        return exact_note
    return (
        f"{exact_note} for {len(stab) - estimated} concepts; Monte-Carlo estimate "
        f"({MC_SAMPLES} seeded samples, s.e. <= 0.008) for {estimated} whose exact sum "
        "exceeded the term budget"
    )


def _min_count(min_support: float, n_objects: int) -> int:
    """Validate ``min_support`` and convert it to a day count."""
    if isinstance(min_support, bool) or not isinstance(min_support, numbers.Real):
        msg = (
            f"min_support must be a day count (int) or a share of days (float), got {min_support!r}"
        )
        raise ConfigError(msg)
    if not isinstance(min_support, numbers.Integral):
        if not 0.0 <= min_support <= 1.0:
            msg = (
                f"min_support {min_support} as a float is a share of days and must be in [0, 1]; "
                "pass an int for a number of days"
            )
            raise ConfigError(msg)
        return math.ceil(round(float(min_support) * n_objects, 9))
    if not 0 <= min_support <= n_objects:
        msg = f"min_support {min_support} days is outside 0..{n_objects} (the context's day count)"
        raise ConfigError(msg)
    return int(min_support)
