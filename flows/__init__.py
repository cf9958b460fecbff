"""Prefect orchestration of crisis-fca: only orchestration lives here, the work is in the library.

Modules:

- :mod:`flows.pipeline`: ``crisis_pipeline`` -- one case, one task per stage, cached on the
  inputs' content, stored in DuckDB, rendered, with artifacts for the Prefect UI.
- :mod:`flows.regional`: ``regional_pipeline`` -- one case across the regions of its Google
  mobility source, in parallel on Dask, with a cross-region comparison table in DuckDB.
- :mod:`flows.serve`: cron-scheduled deployments of ``crisis_pipeline``, one per case.
- :mod:`flows.tasks`, :mod:`flows.cache`, :mod:`flows.artifacts`, :mod:`flows.comparison`:
  the stage tasks, their cache keys, stored form and retry rule, the artifacts, the
  comparison table.
- :mod:`flows.local`: flows that, called without a server, send no heartbeats.

Prefect settings the project relies on (set by the Makefile and the tests, never in a
user's profile; importing :mod:`flows` also sets all but the first and the last as defaults
of this process, so ``crisis-fca flow`` run outside ``make`` behaves the same -- a value the
user exported wins):

- ``PREFECT_HOME=<repo>/.prefect``: flow-run history and the result cache stay in the
  checkout (the cache survives re-runs).
- ``DO_NOT_TRACK=1``: no client telemetry.
- ``PREFECT_SERVER_ANALYTICS_ENABLED=false``: no server telemetry (offline: no DNS errors).
- ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120``: the temporary server can take
  12-30 s to start on 2 cores; the default 20 s fails.
- ``PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE=500`` and
  ``PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL=1``: the server records task runs
  in one write a second, not one write per state change (see below).
- ``PREFECT_API_URL`` unset: ephemeral mode, no server to run; set it to a
  ``prefect server start`` URL for schedules.

Why the task-run recorder batches: Prefect 3 clients report task-run states as events, and
the server's recorder writes each one in its own SQLite transaction by default (batch size 1),
some 30 writes per pipeline run, still going on when the run returns. The next flow run's
``create_flow_run`` then meets "database is locked" (SQLite refuses a read transaction's
upgrade to a write after another commit; no busy timeout helps), the server answers 503 and
Prefect's client sleeps 2 s before retrying (PrefectHQ/prefect#18934). Measured: 9 no-op
tasks per flow, back to back on the temporary server, 2.3 s per run by default and 0.47 s
with these two settings. The recorder still writes every task run within a second, and all
of them when the server stops (checked: 9 of 9 task runs and 32 of 32 events in the database
of a process that exits right after its flow).
"""

from __future__ import annotations

import os

__all__: list[str] = ["PREFECT_DEFAULTS"]

PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "500",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
}
"""Set before Prefect is first imported (this package's modules import it after this runs)."""

for _key, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_key, _value)
