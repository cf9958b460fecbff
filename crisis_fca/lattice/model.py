"""The result types of the FCA stage: :class:`Concept` and :class:`Lattice`.

A :class:`Lattice` holds every concept (or, for an iceberg, the frequent ones) of a days x
states context, its cover relation (the Hasse diagram) and the bitset context it came from,
so that it can also answer the questions rule mining asks: the closure of a set of states
and whether a premise is a minimal generator of it (Y. Bastide et al., "Mining minimal
non-redundant association rules using frequent closed itemsets", CL 2000: a set is a
minimal generator when no proper subset has the same closure, i.e. dropping any one state
enlarges its extent). Build one with :func:`crisis_fca.lattice.build_lattice`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.lattice.context import BitContext, bits_to_positions, positions_to_bits
from crisis_fca.lattice.weekly import date_runs, day_numbers

__all__ = ["Concept", "Lattice"]


@dataclass(frozen=True, slots=True)
class Concept:
    """One formal concept: the days (extent) sharing exactly these states (intent)."""

    index: int
    """Position in :attr:`Lattice.concepts` (0 = top)."""
    intent: tuple[str, ...]
    """State names, sorted."""
    extent_bits: int
    """The extent as a bitset: bit ``i`` set = ``Lattice.objects[i]`` is in the extent."""
    support: int
    """Number of days in the extent."""
    evaluable: int
    """Number of days on which every state of the intent was known (support's denominator)."""
    stability: float
    """Intensional stability in [0, 1] (NaN when not computed); rounds to 1.0 for most large
    extents -- rank by :attr:`instability` instead."""
    instability: float
    """``1 - stability`` at full relative precision (the share of sub-samples of the
    extent whose shared states differ from the intent)."""
    delta: int
    """Days the extent has beyond its largest lower cover (Delta-measure); removing those
    days changes the intent. ``2**-delta <= instability``."""
    stability_exact: bool
    """False when the stability is a Monte-Carlo estimate (or was not computed)."""
    n_objects: int = field(repr=False)
    """Number of objects in the context (the extent bitset's width)."""

    @property
    def extent(self) -> np.ndarray:
        """Sorted row positions (int64) of the extent's days."""
        return bits_to_positions(self.extent_bits, self.n_objects)


@dataclass(frozen=True, eq=False)
class Lattice:
    """A concept lattice (or iceberg) and its cover relation; see :func:`build_lattice`."""

    objects: pd.Index
    """The context's rows (days)."""
    states: tuple[str, ...]
    """The context's columns, in frame order."""
    concepts: tuple[Concept, ...]
    """Ordered by support (descending), then intent size and names: top first."""
    edges: tuple[tuple[int, int], ...]
    """Cover relation as sorted ``(upper, lower)`` index pairs (``upper`` covers ``lower``)."""
    min_support: int
    """Smallest support kept, in days (0 = the full lattice)."""
    stability_method: str
    """How :attr:`Concept.stability` was computed, in words."""
    context: BitContext = field(repr=False)
    """The bitset context (attributes in the engine's support order, not frame order)."""
    by_extent: Mapping[int, int] = field(repr=False)
    """Extent bitset -> concept index."""

    def __repr__(self) -> str:
        return (
            f"<Lattice {len(self.concepts)} concepts, {len(self.edges)} edges, "
            f"{len(self.objects)} objects x {len(self.states)} states, "
            f"min_support {self.min_support}>"
        )

    @property
    def top(self) -> Concept:
        """The concept of all days (its intent: the states holding every day)."""
        return self.concepts[0]

    @property
    def bottom(self) -> Concept | None:
        """The concept of all states; None in an iceberg that cut it off."""
        index = self.by_extent.get(self.context.extent((1 << len(self.states)) - 1))
        return None if index is None else self.concepts[index]

    def upper_covers(self, index: int) -> tuple[int, ...]:
        """Indices of the concepts directly above concept ``index``."""
        return tuple(up for up, low in self.edges if low == index)

    def lower_covers(self, index: int) -> tuple[int, ...]:
        """Indices of the concepts directly below concept ``index``."""
        return tuple(low for up, low in self.edges if up == index)

    def extent_of(self, states: Iterable[str]) -> np.ndarray:
        """``B'``: sorted positions of the days on which every named state holds."""
        return bits_to_positions(self.context.extent(self.context.mask(states)), len(self.objects))

    def intent_of(self, positions: Iterable[int]) -> tuple[str, ...]:
        """``A'``: the states holding on every day at the given row positions (sorted).

        Raises:
            IndexError: a position is outside ``0 .. len(objects) - 1``.
        """
        rows = [int(p) for p in positions]
        outside = [p for p in rows if not 0 <= p < len(self.objects)]
        if outside:
            msg = f"row positions must lie in 0..{len(self.objects) - 1}; got {outside[:5]}"
            raise IndexError(msg)
        return self.context.names(self.context.intent(positions_to_bits(rows)))

    def closure(self, states: Iterable[str]) -> tuple[str, ...]:
        """``B''``: every state that holds whenever all the named states hold (sorted)."""
        return self.context.names(
            self.context.intent(self.context.extent(self.context.mask(states)))
        )

    def is_minimal_generator(self, states: Iterable[str]) -> bool:
        """True when no proper subset of ``states`` has the same closure.

        It suffices that dropping any single state enlarges the extent: a smaller subset
        with the same extent would force every set between the two to share it.
        """
        attrs = self.context.mask(states)
        extent = self.context.extent(attrs)
        bits = [1 << k for k in range(len(self.context.states)) if attrs >> k & 1]
        return all(self.context.extent(attrs & ~bit) != extent for bit in bits)

    def concept_of(self, states: Iterable[str]) -> Concept | None:
        """The concept whose intent is the closure of ``states``; None if below min_support."""
        index = self.by_extent.get(self.context.extent(self.context.mask(states)))
        return None if index is None else self.concepts[index]

    def dates(self, index: int) -> pd.Index:
        """The row labels (days) of concept ``index``'s extent."""
        return self.objects[self.concepts[index].extent]

    def extent_ranges(self, index: int) -> str:
        """Concept ``index``'s days as runs, e.g. ``2020-03-26..2020-04-18, 2020-05-24``."""
        return ", ".join(self.extent_runs(index))

    def extent_runs(self, index: int) -> list[str]:
        """The runs of :meth:`extent_ranges` as a list (labels joined if not dates)."""
        days = self.dates(index)
        if isinstance(days, pd.DatetimeIndex):
            return date_runs(days)
        return [", ".join(str(day) for day in days)] if len(days) else []

    def to_frame(self, *, date_ranges: bool = False) -> pd.DataFrame:
        """One row per concept, in the shape of the store's ``concepts`` table plus extras.

        Columns: ``concept_id``, ``intent`` (tuple), ``extent_size`` (days), ``support``
        (extent_size / days in the context), ``evaluable_days`` (days every intent state
        was known), ``stability``, ``instability``, ``delta``, ``stability_exact``, and with
        ``date_ranges=True`` a ``date_ranges`` list per concept (needs a DatetimeIndex).
        """
        n = len(self.objects)
        frame = pd.DataFrame(
            {
                "concept_id": [c.index for c in self.concepts],
                "intent": [c.intent for c in self.concepts],
                "extent_size": [c.support for c in self.concepts],
                "support": [c.support / n for c in self.concepts],
                "evaluable_days": [c.evaluable for c in self.concepts],
                "stability": [c.stability for c in self.concepts],
                "instability": [c.instability for c in self.concepts],
                "delta": [c.delta for c in self.concepts],
                "stability_exact": [c.stability_exact for c in self.concepts],
            }
        )
        if date_ranges:
            frame["date_ranges"] = self._all_runs()
        return frame

    def _all_runs(self) -> list[list[str]]:
        """Every concept's extent as date runs, sharing one date conversion.

        On a gap-free daily calendar in date order (the normal case) a run is a block of
        set bits: its first days are ``ext & ~(ext << 1)``, its last ``ext & ~(ext >> 1)``.
        """
        if not isinstance(self.objects, pd.DatetimeIndex):
            msg = "date ranges need a DatetimeIndex of days as objects; use extent_runs() instead"
            raise SchemaError(msg)
        n = len(self.objects)
        labels = list(self.objects.strftime("%Y-%m-%d"))
        if not np.array_equal(day_numbers(self.objects), np.arange(n)):
            return [date_runs(self.dates(c.index)) for c in self.concepts]
        result = []
        for c in self.concepts:
            ext = c.extent_bits
            firsts = bits_to_positions(ext & ~(ext << 1), n).tolist()
            lasts = bits_to_positions(ext & ~(ext >> 1), n).tolist()
            result.append(
                [
                    labels[f] if f == t else f"{labels[f]}..{labels[t]}"
                    for f, t in zip(firsts, lasts, strict=True)
                ]
            )
        return result
