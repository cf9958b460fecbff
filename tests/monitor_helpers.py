"""A small hand-made case for the monitor tests: y follows x two days later, exactly.

x is a fixed pseudo-random 0/1 series (not persistent), social.y copies it two days later
and is missing (no posts) every eleventh day. The only rule the case can mine is
``mobility.x:high -> social.y:high[t+2]``: confidence 1, lift 1 / P(y), and every answer
of the monitor and the replay follows from x by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from crisis_fca.align import AlignedSignals, coverage_table
from crisis_fca.config import CaseConfig, parse_case

START = date(2021, 1, 1)
DAYS = 120


def x_series(days: int = DAYS) -> list[int]:
    """The 0/1 values of x, day by day (seeded)."""
    return [int(v) for v in np.random.default_rng(7).integers(0, 2, size=days)]


def y_missing(t: int) -> bool:
    """Day t (0-based) has no posts."""
    return t % 11 == 5


def toy_case(
    monitor: dict[str, Any] | None = None,
    states: dict[str, Any] | None = None,
    **extra: Any,
) -> CaseConfig:
    """The toy case; ``monitor`` fills ``[monitor]``, ``states`` adds state definitions,
    ``extra`` adds top-level tables."""
    raw: dict[str, Any] = {
        "case": {"name": "toy", "title": "Toy case <b>bold</b>", "event_start": START},
        "window": {"start": START, "end": START + timedelta(days=DAYS - 1)},
        "sources": [
            {"name": "sensors", "kind": "daily_csv", "path": "x.csv", "domain": "mobility"},
            {"name": "posts", "kind": "daily_csv", "path": "y.csv", "domain": "social"},
        ],
        "states": {
            "define": {
                "mobility.x:high": {
                    "kind": "threshold",
                    "signal": "mobility.x",
                    "above": 0.5,
                    "description": "x was high",
                },
                "social.y:high": {
                    "kind": "threshold",
                    "signal": "social.y",
                    "above": 0.5,
                    "description": "y was high",
                },
                **(states or {}),
            }
        },
        "mining": {
            "leads": [2],
            "max_premise": 1,
            "premise_states": ["mobility.*"],
            "led_states": ["social.*"],
            "null": {"min_offset": 5},
        },
        "validation": {"train_fraction": 0.7, "min_holdout_days": 5, "folds": 0},
        "playbook": {
            "entries": {
                "social.y:high": {
                    "owner": "OES",
                    "action": "Post updates",
                    "stand_down": "Two calm days",
                }
            }
        },
        "monitor": monitor or {},
        **extra,
    }
    return parse_case(raw)


def toy_aligned(days: int = DAYS) -> AlignedSignals:
    """The toy case's aligned signals (every day of the window)."""
    x = x_series(days)
    y = [np.nan if y_missing(t) else float(x[t - 2]) if t >= 2 else 0.0 for t in range(days)]
    index = pd.date_range(START, periods=days, name="date")
    values = pd.DataFrame({"mobility.x": np.array(x, dtype=float), "social.y": y}, index=index)
    status = values.notna().replace({True: "observed", False: "missing"}).astype(str)
    source_of = {"mobility.x": "sensors", "social.y": "posts"}
    return AlignedSignals(values, status, coverage_table(status, source_of), None, source_of)


def day(t: int) -> date:
    """The date of day t (0-based)."""
    return START + timedelta(days=t)
