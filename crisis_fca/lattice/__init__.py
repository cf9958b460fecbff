"""Formal Concept Analysis of days x behavioural states.

A boolean days x states frame (the *formal context*; unknown cells are "not asserted") goes
in; out comes the daily concept lattice -- every group of days sharing exactly a set of
states -- with its cover relation (Hasse diagram), concept stability, iceberg filtering and
the closure / minimal-generator queries rule mining needs, plus the study's weekly
majority-vote collapse, extents as date runs, and ``.cxt`` / CSV / ``concepts`` exports.

Methods (details and sources in each module): Fast Close-by-One enumeration on int bitsets
(Outrata & Vychodil 2012) in :mod:`~crisis_fca.lattice.engine`; cover relation as maximal
candidate extents (Lindig 2000); intensional stability (Kuznetsov 2007) exactly by
inclusion-exclusion over lower covers; FCA foundations from Ganter & Wille (1999).
The ``concepts`` library remains the reference implementation the tests compare against
and the ``.cxt`` reader; it is too slow for daily lattices (minutes for 671 x 24 days as
objects), which is why this engine exists.

Example:
    >>> import pandas as pd
    >>> days = pd.date_range("2020-03-26", periods=4, name="date")
    >>> ctx = pd.DataFrame({"mobility.transit:low": [True, True, True, False],
    ...                     "social.fear:present": [False, True, True, True]}, index=days)
    >>> lat = build_lattice(ctx)
    >>> both = lat.concept_of(["mobility.transit:low", "social.fear:present"])
    >>> both.support, lat.extent_ranges(both.index)
    (2, '2020-03-27..2020-03-28')
"""

from __future__ import annotations

from crisis_fca.lattice.build import build_lattice, iceberg_lattice
from crisis_fca.lattice.context import BitContext, bit_context
from crisis_fca.lattice.export import object_labels, to_concepts_context, to_csv, to_cxt
from crisis_fca.lattice.model import Concept, Lattice
from crisis_fca.lattice.weekly import STUDY_WEEKLY_MIN_DAYS, date_ranges, weekly_majority

__all__ = [
    "STUDY_WEEKLY_MIN_DAYS",
    "BitContext",
    "Concept",
    "Lattice",
    "bit_context",
    "build_lattice",
    "date_ranges",
    "iceberg_lattice",
    "object_labels",
    "to_concepts_context",
    "to_csv",
    "to_cxt",
    "weekly_majority",
]
