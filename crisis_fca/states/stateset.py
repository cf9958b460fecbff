"""The states stage's output: named binary states per day, with an unknown mask.

Example:
    >>> import pandas as pd
    >>> idx = pd.date_range("2020-03-01", periods=3, name="date")
    >>> values = pd.DataFrame({"calendar.weekend": [True, False, False]}, index=idx)
    >>> meta = pd.DataFrame({"domain": ["calendar"], "signal": ["calendar.weekend"],
    ...     "condition": [""], "kind": ["calendar"], "description": ["Weekend day"],
    ...     "parts": [()], "inputs": [()]}, index=pd.Index(["calendar.weekend"], name="state"))
    >>> s = StateSet(values, values | True, meta)
    >>> row = s.summary().loc["calendar.weekend"]
    >>> int(row["true_days"]), int(row["known_days"]), round(float(row["prevalence"]), 3)
    (1, 3, 0.333)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crisis_fca.errors import SchemaError

__all__ = ["META_COLUMNS", "StateSet"]

META_COLUMNS = ("domain", "signal", "condition", "kind", "description", "parts", "inputs")
"""``meta`` columns: ``signal`` is the state family (the name before ``:``), ``parts`` the
emitted states a composite is defined from (transitively), ``inputs`` the aligned signals
it reads (transitively)."""


@dataclass(frozen=True)
class StateSet:
    """Daily binary states (see ``notes/CONTRACTS.md``).

    ``values`` is False wherever ``known`` is False; count a state's evidence on its
    known days only.
    """

    values: pd.DataFrame
    """bool; index = the days, columns = state names."""
    known: pd.DataFrame
    """bool, same shape; False = the state could not be evaluated that day."""
    meta: pd.DataFrame
    """One row per state (index = state name), columns :data:`META_COLUMNS`."""
    pruned: tuple[str, ...] = ()
    """States computed but dropped by the ``[states.prune]`` filter."""

    def __post_init__(self) -> None:
        for label, frame in (("values", self.values), ("known", self.known)):
            bad = [str(c) for c, t in frame.dtypes.items() if t != np.dtype(bool)]
            if bad:
                msg = (
                    f"StateSet.{label} must be bool; columns {bad} are not -- "
                    "cast with .astype(bool)"
                )
                raise SchemaError(msg)
        if not (
            self.values.index.equals(self.known.index)
            and self.values.columns.equals(self.known.columns)
        ):
            msg = "StateSet.values and StateSet.known must have the same index and columns"
            raise SchemaError(msg)
        if not self.meta.index.equals(self.values.columns):
            msg = "StateSet.meta must have one row per state, in the order of the value columns"
            raise SchemaError(msg)
        leak = (self.values & ~self.known).any()
        if leak.any():
            msg = (
                f"StateSet.values is True on unknown days for {list(leak[leak].index)}; "
                "mask it with known"
            )
            raise SchemaError(msg)

    @property
    def names(self) -> list[str]:
        """State names, in column order."""
        return [str(c) for c in self.values.columns]

    def summary(self) -> pd.DataFrame:
        """Per state: kind, true / known / unknown days, prevalence on known days, description."""
        true_days = self.values.sum().astype(int)
        known_days = self.known.sum().astype(int)
        return pd.DataFrame(
            {
                "kind": self.meta["kind"],
                "true_days": true_days,
                "known_days": known_days,
                "unknown_days": len(self.values) - known_days,
                "prevalence": (true_days / known_days.where(known_days > 0)).astype(float),
                "description": self.meta["description"],
            },
            index=self.meta.index,
        )
