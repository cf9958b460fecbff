"""The DuckDB system of record: every run, its tables, analyst views, safe concurrent writes.

Modules:

- :mod:`~crisis_fca.store.schema`: every table's columns, declared once.
- :mod:`~crisis_fca.store.views`: the analyst views and what "latest" means.
- :mod:`~crisis_fca.store.migrations`: named, ordered migrations recorded in the file
  (modelled on sqlite-utils' ``Migrations``, with a read-only :func:`pending`).
- :mod:`~crisis_fca.store.connection`: opening the file with a bounded wait for the lock.
- :mod:`~crisis_fca.store.frames`: checking a run's frames against the schema; :func:`rule_id`.
- :mod:`~crisis_fca.store.writer`: :func:`write_run`, one transaction per run.
- :mod:`~crisis_fca.store.reader`: :func:`query`, :func:`list_runs`, :func:`read_run`,
  :func:`export_run`, all on read-only connections.
- :mod:`~crisis_fca.store.tidy`: stage outputs reshaped into the ``signals`` / ``states`` frames.
- :mod:`~crisis_fca.store.alerts`: :func:`write_alerts`, :func:`read_alerts`,
  :func:`latest_alert_run`, :func:`stored_rules` -- the monitor's side of the store.
- :mod:`~crisis_fca.store.comparison`: :func:`write_region_comparison`, the regions' side.
- :mod:`~crisis_fca.store.docs`: ``docs/schema.md`` and the example questions.

Concurrency follows DuckDB's model (one writing process per file, many read-only ones:
https://duckdb.org/docs/current/connect/concurrency); atomicity is DuckDB's ACID
transactions with its write-ahead log.
"""

from __future__ import annotations

from crisis_fca.store.alerts import (
    StoredRules,
    latest_alert_run,
    read_alerts,
    stored_rules,
    write_alerts,
)
from crisis_fca.store.comparison import write_region_comparison
from crisis_fca.store.connection import (
    DEFAULT_DB,
    READ_LOCK_TIMEOUT,
    WRITE_LOCK_TIMEOUT,
    connect,
)
from crisis_fca.store.docs import EXAMPLES, Example, schema_markdown
from crisis_fca.store.frames import prepared_tables, rule_id
from crisis_fca.store.migrations import MIGRATIONS, SCHEMA_VERSION, Migration, migrate, pending
from crisis_fca.store.reader import export_run, list_runs, query, read_run
from crisis_fca.store.schema import (
    ALERTS,
    DATA_TABLES,
    REGION_COMPARISON,
    RULE_CLASSES,
    RUN_STATUSES,
    RUN_TABLES,
    TABLES,
)
from crisis_fca.store.tidy import signals_table, states_table
from crisis_fca.store.views import VIEWS
from crisis_fca.store.writer import RunRecord, new_run_id, record_failure, upgrade, write_run

__all__ = [
    "ALERTS",
    "DATA_TABLES",
    "DEFAULT_DB",
    "EXAMPLES",
    "MIGRATIONS",
    "READ_LOCK_TIMEOUT",
    "REGION_COMPARISON",
    "RULE_CLASSES",
    "RUN_STATUSES",
    "RUN_TABLES",
    "SCHEMA_VERSION",
    "TABLES",
    "VIEWS",
    "WRITE_LOCK_TIMEOUT",
    "Example",
    "Migration",
    "RunRecord",
    "StoredRules",
    "connect",
    "export_run",
    "latest_alert_run",
    "list_runs",
    "migrate",
    "new_run_id",
    "pending",
    "prepared_tables",
    "query",
    "read_alerts",
    "read_run",
    "record_failure",
    "rule_id",
    "schema_markdown",
    "signals_table",
    "states_table",
    "stored_rules",
    "upgrade",
    "write_alerts",
    "write_region_comparison",
    "write_run",
]
