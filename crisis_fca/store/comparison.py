"""The regions' side of the store: :func:`write_region_comparison`.

``crisis-fca regions`` stores every region's run with :func:`~crisis_fca.store.write_run`,
then the cross-region tally (:func:`crisis_fca.regions.region_comparison`) here, in one
transaction, under the regional batch's id.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from crisis_fca.store.connection import WRITE_LOCK_TIMEOUT, ConOrPath, connection
from crisis_fca.store.frames import _checked
from crisis_fca.store.migrations import migrate
from crisis_fca.store.schema import REGION_COMPARISON
from crisis_fca.store.writer import _insert_frame, transaction

__all__ = ["write_region_comparison"]


def write_region_comparison(
    con_or_path: ConOrPath,
    comparison: pd.DataFrame,
    *,
    batch_id: str,
    case: str,
    profile: str,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
) -> int:
    """Append one regional batch's comparison rows atomically; return how many were written.

    Args:
        con_or_path: a DuckDB connection (left open) or the database file (opened for
            writing, upgraded if older, closed afterwards).
        comparison: :func:`crisis_fca.regions.region_comparison` rows plus a ``run_ids``
            column (each listed region's ``runs.run_id``).
        batch_id: the regional run's id; ``case`` and ``profile``: the regional case.
        lock_timeout: seconds to wait for another process holding the file.

    Raises:
        StorageError: the frame does not fit the table (the message names the column), or
            DuckDB refused a value; nothing of the batch is kept then.
    """
    recorded = datetime.now(UTC).replace(tzinfo=None)
    lists = [c.name for c in REGION_COMPARISON.columns if c.is_list]
    frame = comparison.assign(batch_id=batch_id, case_name=case, profile=profile, recorded=recorded)
    frame = frame.assign(**{c: frame[c].map(list) for c in lists if c in frame})
    frame = _checked(REGION_COMPARISON, frame)
    with connection(con_or_path, read_only=False, lock_timeout=lock_timeout) as con:
        migrate(con)
        with transaction(con, f"the region comparison of batch {batch_id}"):
            if len(frame):
                _insert_frame(con, REGION_COMPARISON, None, frame)
    return len(frame)
