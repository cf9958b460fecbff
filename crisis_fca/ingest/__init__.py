"""Source adapters: raw files in, tidy daily signals out.

Every adapter reads one file and returns a :class:`SourceData` whose ``signals`` frame is
tidy and daily -- one row per (date, signal) with columns:

========== ============== =====================================================
column     dtype          meaning
========== ============== =====================================================
date       datetime64[ns] the calendar day (midnight, no time zone)
signal     str            ``<domain>.<name>``, e.g. ``mobility.transit``
value      float64        the day's value (NaN where the file has no value)
coverage   float64        share of the day's expected data the file holds, 0..1
========== ============== =====================================================

A day the file does not mention has no row at all (alignment marks it *missing*); a day
with ``coverage`` below the case's ``min_coverage`` is *low-coverage* (the half-day last
row of a PeMS export). Adapters never fill gaps and never clip to the case window: that
is the alignment stage's job, driven by configuration.

Post sources also return the posts themselves (``posts``) so :mod:`crisis_fca.text` can
score them. All I/O of the ingest stage lives in this subpackage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crisis_fca.errors import DataSourceError

if TYPE_CHECKING:
    from crisis_fca.config import Source

__all__ = ["POST_COLUMNS", "SIGNAL_COLUMNS", "SourceData", "read_source", "source_file"]

SIGNAL_COLUMNS = ("date", "signal", "value", "coverage")
POST_COLUMNS = ("date", "post_id", "title", "text", "subreddit", "created_utc", "score")


@dataclass(frozen=True)
class SourceData:
    """What one adapter read from one file."""

    name: str
    """The source's name in the case file."""
    path: Path
    signals: pd.DataFrame
    """Tidy daily signals, columns :data:`SIGNAL_COLUMNS`."""
    posts: pd.DataFrame | None = None
    """Posts (columns :data:`POST_COLUMNS`) for text sources, else ``None``."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Plain-language remarks for the coverage report (e.g. a flagged partial day)."""


def source_file(source: Source, data_dir: Path) -> Path:
    """The source's file inside ``data_dir``; a clear error when it is not there."""
    path = (data_dir / source.path).resolve()
    if not path.is_file():
        msg = (
            f"source {source.name!r}: file {path} does not exist "
            f"(key sources.path = {source.path!r}, data folder {data_dir}). "
            "Point --data-dir / $CRISIS_FCA_DATA_DIR at the folder that holds it, "
            "or run `crisis-fca data fetch CASE` to download it."
        )
        raise DataSourceError(msg)
    if path.stat().st_size == 0:
        msg = f"source {source.name!r}: file {path} is empty (0 bytes); re-download or replace it"
        raise DataSourceError(msg)
    return path


def read_source(source: Source, data_dir: Path) -> SourceData:
    """Read one configured source with the adapter named by its ``kind``."""
    # Imported here: the adapters import this module for SourceData (an import cycle otherwise).
    from crisis_fca.ingest import calfire, daily_csv, google, jhu, pems, posts

    readers: dict[str, Callable[[Any, Path], SourceData]] = {
        "google_mobility": google.read_google_mobility,
        "pems": pems.read_pems,
        "posts_by_day": posts.read_posts_by_day,
        "daily_csv": daily_csv.read_daily_csv,
        "jhu_csse": jhu.read_jhu_csse,
        "calfire": calfire.read_calfire,
    }
    path = source_file(source, data_dir)
    return readers[source.kind](source, path)
