"""The formal context as bitsets, and the two derivation operators of FCA.

A formal context (G, M, I) here is a boolean frame: objects G are its rows (normally days),
attributes M its columns (state names such as ``mobility.transit:low``), and ``g I m`` when
the cell is True **and** the state is known that day. An unknown cell is "not asserted":
it never puts a day into an extent, but the known mask is kept so that every support can
also be reported over the days on which it was evaluable.

Each attribute's extent (and its known mask) is one Python ``int`` used as a bitset over the
rows: bit ``i`` is row ``i``. Intersections are then single ``&`` operations on 671-bit
integers and counts are ``int.bit_count()``, which is what makes the enumeration in
:mod:`crisis_fca.lattice.engine` fast in pure Python. The derivation operators follow
Ganter & Wille, *Formal Concept Analysis: Mathematical Foundations* (Springer, 1999), §1.1:
``A' = {m : every g in A has m}`` and ``B' = {g : g has every m in B}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crisis_fca.errors import ConfigError, EmptyContextError, SchemaError

__all__ = [
    "BitContext",
    "bit_context",
    "bits_to_positions",
    "check_context",
    "positions_to_bits",
]


@dataclass(frozen=True, eq=False)
class BitContext:
    """A validated formal context, one bitset per attribute.

    Attributes are kept in the order given by ``states`` (which need not be the frame's
    column order: the lattice builder orders them by support, which speeds up Close-by-One).
    """

    objects: pd.Index
    """Row labels (days), in frame order; bit ``i`` of every bitset is ``objects[i]``."""
    states: tuple[str, ...]
    extents: tuple[int, ...]
    """Per state: the days it holds and is known."""
    known: tuple[int, ...]
    """Per state: the days it is known (evaluable)."""
    _tables: _NameTables = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tables", _name_tables(self.states))

    @property
    def n_objects(self) -> int:
        """Number of objects (days)."""
        return len(self.objects)

    @property
    def all_objects(self) -> int:
        """The bitset holding every object."""
        return (1 << len(self.objects)) - 1

    def extent(self, attrs: int) -> int:
        """``B'``: the objects having every attribute of the bitmask ``attrs``."""
        result = self.all_objects
        for k, ext in enumerate(self.extents):
            if attrs >> k & 1:
                result &= ext
        return result

    def intent(self, objs: int) -> int:
        """``A'``: the bitmask of attributes shared by every object of the bitset ``objs``."""
        return sum(1 << k for k, ext in enumerate(self.extents) if objs & ext == objs)

    def evaluable(self, attrs: int) -> int:
        """The objects on which every attribute of ``attrs`` is known."""
        result = self.all_objects
        for k, known in enumerate(self.known):
            if attrs >> k & 1:
                result &= known
        return result

    def mask(self, states: Iterable[str]) -> int:
        """The bitmask of the named states.

        Raises:
            ConfigError: a name is not a state of this context.
        """
        position = {name: k for k, name in enumerate(self.states)}
        result = 0
        for name in states:
            if name not in position:
                msg = (
                    f"state {name!r} is not in the formal context, whose states are "
                    f"{sorted(self.states)}; check the spelling or the case's state list"
                )
                raise ConfigError(msg)
            result |= 1 << position[name]
        return result

    def names(self, attrs: int) -> tuple[str, ...]:
        """The names of the attributes in ``attrs``, sorted alphabetically."""
        to_alpha, labels = self._tables
        alpha = 0
        for chunk, bits in enumerate(to_alpha):
            alpha |= bits[attrs >> 8 * chunk & 255]
        result: tuple[str, ...] = ()
        for chunk, names in enumerate(labels):
            byte = alpha >> 8 * chunk & 255
            if byte:
                result += names[byte]
        return result


def bit_context(context: pd.DataFrame, known: pd.DataFrame | None = None) -> BitContext:
    """Validate a boolean days x states frame and turn it into bitsets.

    Args:
        context: Boolean frame, one row per object (day), one column per state.
        known: Optional boolean mask of the same shape; False = unknown that day, which
            counts as "not asserted" in the incidence relation.

    Returns:
        The context as bitsets; the inputs are not modified.

    Raises:
        EmptyContextError: no rows or no columns.
        SchemaError: non-boolean or non-string columns, duplicate labels, or a known mask
            that does not match the context.

    Example:
        >>> frame = pd.DataFrame({"a": [True, False, True], "b": [True, True, False]})
        >>> bc = bit_context(frame)
        >>> bin(bc.extents[0]), bc.names(bc.intent(0b001))
        ('0b101', ('a', 'b'))
    """
    check_context(context, known)
    columns = list(context.columns)
    values = context.to_numpy(dtype=bool)
    mask = np.ones_like(values) if known is None else known[columns].to_numpy(dtype=bool)
    return BitContext(
        objects=context.index,
        states=tuple(str(c) for c in columns),
        extents=_column_bits(values & mask),
        known=_column_bits(mask),
    )


def check_context(context: pd.DataFrame, known: pd.DataFrame | None = None) -> None:
    """Raise unless ``context`` (and ``known``) is a usable boolean formal context.

    Raises:
        EmptyContextError: no rows or no columns.
        SchemaError: non-boolean or non-string columns, duplicate labels, or a known mask
            whose rows or columns differ from the context's.
    """
    _check_frame(context, "context")
    if known is not None:
        _check_frame(known, "known mask")
        _check_same_shape(context, known)


def positions_to_bits(positions: Iterable[int]) -> int:
    """The bitset of the given row positions.

    Example:
        >>> positions_to_bits([0, 2])
        5
    """
    return sum(1 << int(p) for p in set(positions))


def bits_to_positions(bits: int, n_objects: int) -> np.ndarray:
    """The sorted row positions (int64) set in ``bits``.

    Example:
        >>> bits_to_positions(0b1010, 4).tolist()
        [1, 3]
    """
    raw = np.frombuffer(bits.to_bytes((n_objects + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little", count=n_objects)).astype(np.int64)


_NameTables = tuple[tuple[tuple[int, ...], ...], tuple[tuple[tuple[str, ...], ...], ...]]


def _name_tables(states: tuple[str, ...]) -> _NameTables:
    """Byte-wise lookup tables for :meth:`BitContext.names` (thousands of calls per lattice).

    The first maps each byte of an intent bitmask to the same states' bits in alphabetical
    order; the second maps each byte of such an alphabetical mask to its names, in order,
    so an intent is named by a few lookups and tuple concatenations.
    """
    m = len(states)
    alphabetical = sorted(states)
    rank = {name: r for r, name in enumerate(alphabetical)}
    chunks = range(0, m, 8)

    def members(chunk: int, byte: int) -> list[int]:
        return [chunk + b for b in range(8) if byte >> b & 1 and chunk + b < m]

    to_alpha = tuple(
        tuple(sum(1 << rank[states[k]] for k in members(c, v)) for v in range(256)) for c in chunks
    )
    names = tuple(
        tuple(tuple(alphabetical[k] for k in members(c, v)) for v in range(256)) for c in chunks
    )
    return to_alpha, names


def _column_bits(values: np.ndarray) -> tuple[int, ...]:
    """One int per column of a bool matrix; bit i = row i."""
    packed = np.packbits(values, axis=0, bitorder="little")
    return tuple(int.from_bytes(packed[:, k].tobytes(), "little") for k in range(values.shape[1]))


def _check_frame(frame: pd.DataFrame, what: str) -> None:
    """Shape, labels and dtypes every formal context must have."""
    if frame.shape[0] == 0:
        msg = (
            f"the {what} has no objects (0 rows, columns {list(frame.columns)[:5]}): a lattice "
            "needs at least one day; check the case window and that the states stage produced rows"
        )
        raise EmptyContextError(msg)
    if frame.shape[1] == 0:
        msg = (
            f"the {what} has no attributes (0 state columns over {frame.shape[0]} days): a lattice "
            "needs at least one state; enable states in the case file or check the states stage"
        )
        raise EmptyContextError(msg)
    bad = [c for c in frame.columns if not isinstance(c, str) or not c.strip()]
    if bad:
        msg = f"{what} column labels must be non-empty state names (str); got {bad[:5]}"
        raise SchemaError(msg)
    for axis, labels in (("column", frame.columns), ("row", frame.index)):
        dup = labels[labels.duplicated()]
        if len(dup):
            msg = f"{what} has duplicate {axis} labels {list(dup[:5])}; each must appear once"
            raise SchemaError(msg)
    non_bool = [(c, str(t)) for c, t in frame.dtypes.items() if t != np.dtype(bool)]
    if non_bool:
        col, dtype = non_bool[0]
        msg = (
            f"{what} column {col!r} has dtype {dtype}, expected bool ({len(non_bool)} such "
            "columns); pass the states stage's boolean frame, with unknown days in a known mask"
        )
        raise SchemaError(msg)


def _check_same_shape(context: pd.DataFrame, known: pd.DataFrame) -> None:
    """The known mask must label exactly the context's cells."""
    if not known.index.equals(context.index):
        msg = (
            f"known mask rows ({len(known)}, first {list(known.index[:2])}) differ from the "
            f"context rows ({len(context)}, first {list(context.index[:2])}); build both from "
            "the same states result"
        )
        raise SchemaError(msg)
    if set(known.columns) != set(context.columns):
        extra = sorted(set(known.columns) ^ set(context.columns))
        msg = (
            f"known mask and context columns differ on {extra[:5]}; build both from the same states"
        )
        raise SchemaError(msg)
