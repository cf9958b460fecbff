"""The ``store-comparison`` task: the regional batch's comparison rows into the run database.

:func:`crisis_fca.regions.region_comparison` computes the rows and
:func:`crisis_fca.store.write_region_comparison` writes them (one transaction, table
``region_comparison``, migration ``0004_region_comparison``); this module only wraps that
write as a task retried on transient I/O, after every region's own run is stored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.cache import transient_io

__all__ = ["store_comparison"]


@task(
    name="store-comparison",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[2.0, 10.0],
    retry_condition_fn=transient_io,
)
def store_comparison(
    db: Path, comparison: pd.DataFrame, batch_id: str, case: str, profile: str
) -> int:
    """Append the comparison rows of one regional run to ``region_comparison``; return the count."""
    from crisis_fca.store import write_region_comparison

    return write_region_comparison(db, comparison, batch_id=batch_id, case=case, profile=profile)
