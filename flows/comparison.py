"""The ``region_comparison`` table: which rules hold in how many regions, per regional run.

:func:`crisis_fca.regions.region_comparison` computes the rows; :func:`store_comparison`
appends them to the run database in one transaction, tagged with the regional flow run's
id (``batch_id``), after every region's own run is stored. The table is created on first
use (``CREATE TABLE IF NOT EXISTS``) until the store declares it in a migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.cache import transient_io

__all__ = ["COMPARISON_DDL", "store_comparison"]

COMPARISON_DDL = """CREATE TABLE IF NOT EXISTS region_comparison (
    batch_id VARCHAR NOT NULL,
    case_name VARCHAR NOT NULL,
    profile VARCHAR NOT NULL,
    recorded TIMESTAMP NOT NULL,
    rule_id VARCHAR NOT NULL,
    premise VARCHAR[] NOT NULL,
    consequent VARCHAR NOT NULL,
    lead BIGINT NOT NULL,
    n_regions BIGINT NOT NULL,
    n_compared BIGINT NOT NULL,
    regions VARCHAR[],
    rule_classes VARCHAR[],
    confidences DOUBLE[],
    lifts DOUBLE[],
    run_ids VARCHAR[],
    PRIMARY KEY (batch_id, rule_id)
)"""
"""One row per rule per regional run (``batch_id`` = the flow run id): where it holds."""

_INSERT = "INSERT INTO region_comparison BY NAME SELECT * FROM _comparison"


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
    from crisis_fca.store import connect

    recorded = datetime.now(UTC).replace(tzinfo=None)  # UTC, naive: as the store's columns
    frame = comparison.assign(batch_id=batch_id, case_name=case, profile=profile, recorded=recorded)
    lists = ["premise", "regions", "rule_classes", "confidences", "lifts", "run_ids"]
    frame = frame.assign(**{c: frame[c].map(list) for c in lists if c in frame})
    con = connect(db, read_only=False)
    try:  # closing without COMMIT discards the transaction: all rows or none
        con.execute("BEGIN TRANSACTION")
        con.execute(COMPARISON_DDL)
        if len(frame):
            con.register("_comparison", frame)
            con.execute(_INSERT)
            con.unregister("_comparison")
        con.execute("COMMIT")
    finally:
        con.close()
    return len(frame)
