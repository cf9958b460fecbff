"""The monitor's edge: reading rule sets from the store, recording runs, writing the brief.

The other modules of :mod:`crisis_fca.monitor` are pure; these functions are the I/O the
CLI (``crisis-fca monitor`` / ``replay``) and the Prefect flow (``flows/monitor.py``)
share, in the manner of :func:`crisis_fca.pipeline.store_run`: the store is touched only
through :mod:`crisis_fca.store`, pages only through :mod:`crisis_fca.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from crisis_fca.config import CaseConfig
from crisis_fca.errors import StorageError
from crisis_fca.monitor.backtest import ReplayResult
from crisis_fca.monitor.changes import changes_since
from crisis_fca.monitor.ruleset import RuleSet, rule_set_from_store
from crisis_fca.monitor.today import MonitorResult, alert_rows
from crisis_fca.render.alert import ReplayEvidence, alert_filename, render_alert, write_alert

__all__ = [
    "RecordedMonitor",
    "latest_replay",
    "record_monitor",
    "record_replay",
    "stored_rule_set",
    "write_alert_brief",
]


def stored_rule_set(
    db: Path, case: CaseConfig, day: date, run_id: str | None = None
) -> tuple[RuleSet | None, str]:
    """The stored rule set to monitor ``day`` with, and a note on the choice.

    With ``run_id``, that run's rules (refused with
    :class:`~crisis_fca.errors.LeakageError` if its data reached past ``day``). Without,
    the latest run of the case and profile if its data ended by ``day``; else None, and
    the monitor mines and validates a rule set on the data up to ``day``.

    Raises:
        StorageError: ``run_id`` is given but the store or the run does not exist.
        LeakageError: the named run used data after ``day``.
    """
    from crisis_fca.store import stored_rules, upgrade

    if not db.exists():
        if run_id is not None:
            msg = f"there is no crisis-fca database at {db}, so run {run_id!r} cannot be read"
            raise StorageError(msg)
        return None, f"no store at {db}: the rule set comes from the data up to {day}"
    upgrade(db)
    found = stored_rules(db, case.name, case.profile, run_id)
    if found is None:
        return None, (
            f"no stored run of {case.name}/{case.profile}: the rule set comes from the data "
            f"up to {day}"
        )
    if run_id is None and (found.through is None or found.through > day):
        return None, (
            f"the latest stored run {found.run_id} used data up to {found.through}, after "
            f"{day}: the rule set comes from the data up to {day} instead"
        )
    rule_set = rule_set_from_store(found.rules, found.run_id, found.through, case, day)
    return rule_set, f"rules of stored run {found.run_id} (data up to {found.through})"


@dataclass(frozen=True)
class RecordedMonitor:
    """Where a monitor run landed and how it compares with the previous one."""

    run_id: str
    rows: int
    """Rows stored (one per trigger; 0 when no trigger was evaluated)."""
    previous_run: str | None
    changes: pd.DataFrame


def record_monitor(db: Path, result: MonitorResult) -> RecordedMonitor:
    """Store the monitor run's rows; find the previous monitor run and what changed."""
    from crisis_fca.store import latest_alert_run, read_alerts, write_alerts

    rows = alert_rows(result)
    run_id = write_alerts(db, rows)
    previous = latest_alert_run(
        db, result.case, result.profile, "monitor", exclude=run_id, through=result.as_of
    )
    before = read_alerts(db, previous) if previous else None
    return RecordedMonitor(run_id, len(rows), previous, changes_since(rows, before))


def record_replay(db: Path, replay: ReplayResult) -> str:
    """Store a replay's judged rows (mode ``replay``); return its run id."""
    from crisis_fca.store import write_alerts

    return write_alerts(db, replay.alerts)


def latest_replay(db: Path, case: CaseConfig) -> ReplayEvidence | None:
    """The most recently recorded replay of the case and profile, or None."""
    from crisis_fca.store import latest_alert_run, read_alerts

    if not db.exists():
        return None
    run_id = latest_alert_run(db, case.name, case.profile, "replay")
    if run_id is None:
        return None
    rows = read_alerts(db, run_id)
    days = pd.to_datetime(rows["as_of"])
    return ReplayEvidence(rows, run_id, days.min().date(), days.max().date())


def write_alert_brief(
    out_dir: Path,
    result: MonitorResult,
    case: CaseConfig,
    *,
    recorded: RecordedMonitor | None = None,
    replay: ReplayEvidence | None = None,
    code_version: str = "",
) -> Path:
    """Render the alert brief and write it as ``<case>-<profile>-alert.html``; return it."""
    page = render_alert(
        result,
        case,
        run_id=recorded.run_id if recorded else "",
        changes=recorded.changes if recorded else None,
        previous_run=recorded.previous_run if recorded else None,
        replay=replay,
        code_version=code_version,
    )
    return write_alert(out_dir / alert_filename(result.case, result.profile), page)
