"""The ``crisis_monitor`` flow: ingest -> monitor -> alert brief, on a daily cron.

Order: ingest (one cached task per source, shared with ``crisis_pipeline``) -> align ->
monitor (the validated triggers on the as-of day, from the data known that day:
:func:`crisis_fca.monitor.monitor_day`) -> record (the alerts in DuckDB, and what changed
since the previous monitor run) -> alert brief (HTML) -> a markdown artifact with the
answer. The library does the work (:mod:`crisis_fca.monitor.run` is its I/O edge).

Serving it daily needs a real Prefect server on loopback (schedules never fire on the
temporary server of ephemeral mode, see :mod:`flows.serve`)::

    prefect server start --host 127.0.0.1 --port 4200           # terminal 1
    export PREFECT_API_URL=http://127.0.0.1:4200/api            # terminal 2
    python -m flows.monitor uae-covid="0 7 * * *" la-wildfire    # CASE[:PROFILE][=CRON]

Each deployment is ``crisis-monitor/<case>``; ``CASE`` alone runs daily at 07:00 UTC,
after the 06:00 pipeline run of :mod:`flows.serve` that refreshes the stored rule set.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from crisis_fca.config import REPORTS_DIR, CaseConfig, load_case, resolve_data_dir
from crisis_fca.monitor import MonitorResult, last_data_day, monitor_day, monitor_lines
from crisis_fca.monitor.run import (
    RecordedMonitor,
    latest_replay,
    record_monitor,
    stored_rule_set,
    write_alert_brief,
)
from crisis_fca.pipeline import IngestResult, code_version
from flows.artifacts import artifact_key
from flows.cache import run_fingerprint, source_fingerprint, transient_io
from flows.local import local_flow
from flows.pipeline import resolve_db
from flows.serve import CaseSchedule, flow_deployments, serve_cases, serve_main
from flows.tasks import align_stage, ingest_source

__all__ = [
    "DEFAULT_MONITOR_CRON",
    "MonitorFlowResult",
    "alert_brief_stage",
    "crisis_monitor",
    "main",
    "monitor_deployments",
    "monitor_stage",
    "record_stage",
    "serve_monitors",
]

DEFAULT_MONITOR_CRON = "0 7 * * *"
"""Every day at 07:00 (an hour after the pipeline's default 06:00 run)."""

_RETRIES = 2
_DELAYS = [2.0, 10.0]


@dataclass(frozen=True)
class MonitorFlowResult:
    """What one ``crisis_monitor`` run produced, and where."""

    case: str
    profile: str
    as_of: date
    active: int
    run_id: str | None
    brief: Path


@task(name="monitor", cache_policy=NO_CACHE)
def monitor_stage(
    ingest: IngestResult, case: CaseConfig, db: Path, as_of: date | None, run_id: str | None
) -> tuple[MonitorResult, str]:
    """The triggers on the as-of day (default: the last day with data), and where the rule
    set came from."""
    day = as_of or last_data_day(ingest.aligned)
    stored, choice = stored_rule_set(db, case, day, run_id)
    return monitor_day(ingest.aligned, case, day, stored=stored), choice


@task(
    name="record-monitor",
    cache_policy=NO_CACHE,
    retries=_RETRIES,
    retry_delay_seconds=_DELAYS,
    retry_condition_fn=transient_io,
)
def record_stage(db: Path, result: MonitorResult) -> RecordedMonitor:
    """Store the run's alerts in DuckDB; compare with the previous monitor run."""
    return record_monitor(db, result)


@task(
    name="alert-brief",
    cache_policy=NO_CACHE,
    retries=_RETRIES,
    retry_delay_seconds=_DELAYS,
    retry_condition_fn=transient_io,
)
def alert_brief_stage(
    out_dir: Path, result: MonitorResult, case: CaseConfig, recorded: RecordedMonitor, db: Path
) -> Path:
    """Write the alert brief (with the latest recorded replay's track record)."""
    replay = latest_replay(db, case)
    return write_alert_brief(
        out_dir, result, case, recorded=recorded, replay=replay, code_version=code_version()
    )


@local_flow(name="crisis-monitor", log_prints=False)
def crisis_monitor(
    case: str = "uae-covid",
    profile: str = "rigorous",
    data_dir: Path | None = None,
    db: Path | None = None,
    out_dir: Path | None = None,
    *,
    as_of: date | None = None,
    run_id: str | None = None,
) -> MonitorFlowResult:
    """Ingest a case, evaluate its validated triggers on the as-of day, write the alert brief.

    Args:
        case: case name (``uae-covid``) or path to a case TOML file.
        profile: ``rigorous`` (default) or another profile the case file defines.
        data_dir: raw data folder (default ``$CRISIS_FCA_DATA_DIR``, else ``data/raw``).
        db: DuckDB file (default ``$CRISIS_FCA_DB``, else ``reports/crisis.duckdb``).
        out_dir: folder for the alert brief (default ``reports/``).
        as_of: the day to evaluate (default: the last day with data).
        run_id: a stored pipeline run whose rules to use (default: the latest, if its data
            ended by the as-of day; else a rule set mined on the data up to that day).
    """
    config = load_case(case, profile=profile)
    folder, database = resolve_data_dir(data_dir), resolve_db(db)
    reads = [
        ingest_source(config, s.name, folder, source_fingerprint(config, s.name, folder))
        for s in config.sources
    ]
    ingest = align_stage(config, reads, folder, run_fingerprint(config, folder))
    result, choice = monitor_stage(ingest, config, database, as_of, run_id)
    recorded = record_stage(database, result)
    brief = alert_brief_stage(out_dir or REPORTS_DIR, result, config, recorded, database)
    text = "\n".join([*monitor_lines(result), f"({choice})", f"Alert brief: {brief}"])
    create_markdown_artifact(
        key=artifact_key(config.name, config.profile, "alerts"),
        markdown="```\n" + text + "\n```",
        description=f"Triggers of {config.name} ({config.profile}) as of {result.as_of}",
    )
    get_run_logger().info("%s", text)
    return MonitorFlowResult(
        config.name,
        config.profile,
        result.as_of,
        len(result.with_status("active")),
        recorded.run_id if recorded.rows else None,
        brief,
    )


def monitor_deployments(
    schedules: Sequence[CaseSchedule],
    *,
    data_dir: Path | None = None,
    db: Path | None = None,
    timezone: str = "UTC",
) -> list[Any]:
    """One ``RunnerDeployment`` of ``crisis_monitor`` per schedule (see
    :func:`flows.serve.flow_deployments`).

    Raises:
        ConfigError: an unknown case or profile, or a cron string that does not parse.
    """
    return flow_deployments(
        crisis_monitor,
        schedules,
        data_dir=data_dir,
        db=db,
        timezone=timezone,
        what="Daily triggers of ",
        tags=("monitor",),
    )


def serve_monitors(
    schedules: Sequence[CaseSchedule],
    *,
    data_dir: Path | None = None,
    db: Path | None = None,
    timezone: str = "UTC",
) -> None:
    """Register the monitor deployments and serve them until interrupted.

    Raises:
        ConfigError: ``PREFECT_API_URL`` is unset (schedules would never fire), or see
            :func:`monitor_deployments`.
    """
    serve_cases((), monitors=schedules, data_dir=data_dir, db=db, timezone=timezone)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m flows.monitor CASE[:PROFILE][=CRON] ...``: serve until Ctrl-C.

    ``CASE`` alone runs at :data:`DEFAULT_MONITOR_CRON` (07:00), not the pipeline's 06:00.
    """
    return serve_main(
        argv,
        prog="python -m flows.monitor",
        description=__doc__,
        monitor_cron=DEFAULT_MONITOR_CRON,
    )


if __name__ == "__main__":
    sys.exit(main())
