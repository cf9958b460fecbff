"""Regions family (issue 9, item 5): HOOK -- skipped until the Dask regions flow exists.

What it will measure: the 8 UAE regions and 1,000 synthetic regions x 974 days through
the regions flow on a local Dask cluster with 1 and 2 workers -- regions per minute,
scaling from 1 to 2 workers, and peak RSS per worker (bounded: regions must stream, not
sit in RAM together). To add it: give this module an ``ENGINES`` dict like the other
families (an engine that runs the flow on a pickled list of region inputs and returns
the number of regions done) and return real :class:`~benchmarks.harness.Task` rows from
:func:`tasks`; :mod:`benchmarks.run` already prints whatever rows come back.
"""

from __future__ import annotations

from benchmarks.harness import Result, Task, skipped

__all__ = ["REASON", "rows"]

REASON = "skipped: the Dask regions flow does not exist yet (hook in benchmarks/regions.py)"


def rows() -> list[Result]:
    """The placeholder rows, marked as skipped."""
    return [
        skipped(
            Task(
                family="regions",
                context=context,
                engine="regions flow, Dask 1 and 2 workers",
                module=__name__,
                key="",
                inputs="",
            ),
            REASON,
        )
        for context in ("8 UAE regions", "1,000 synthetic regions x 974 days")
    ]
