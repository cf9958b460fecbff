"""Live monitoring: which validated triggers fire on a day, and an honest as-of replay.

During a crisis an operator needs the daily answer: which validated triggers are active
on the latest data, and what they predict for the coming days. Everything is computed
"as of" a day D from the data known on D only -- the aligned signals are cut at D before
any state is built, and the rule set used on D was mined and validated on data up to D (a
stored run that ended by then, or one re-mined on the spot). Modules:

- :mod:`~crisis_fca.monitor.config`: the case file's ``[monitor]`` table (:class:`MonitorConfig`).
- :mod:`~crisis_fca.monitor.asof`: data and states as known on D; enough history or not.
- :mod:`~crisis_fca.monitor.ruleset`: the rule set usable on D (:class:`RuleSet`).
- :mod:`~crisis_fca.monitor.triggers`: three-valued trigger evaluation, stream staleness.
- :mod:`~crisis_fca.monitor.today`: :func:`monitor_day`, the one-day answer.
- :mod:`~crisis_fca.monitor.lines`: :func:`monitor_lines`, that answer as plain text.
- :mod:`~crisis_fca.monitor.backtest`: :func:`replay`, every day of a range re-mined weekly
  (the module is not called ``replay``: a submodule would shadow the lazily exported function).
- :mod:`~crisis_fca.monitor.record`: the replay's track record against persistence.
- :mod:`~crisis_fca.monitor.changes`: what changed since the previous monitor run.

Entry points::

    from crisis_fca.monitor import monitor_day, replay
    result = monitor_day(ingest.aligned, case, as_of=date(2021, 3, 1))
    print("\\n".join(monitor_lines(result)))

The names below are imported on first use (PEP 562): :mod:`crisis_fca.config` imports
:class:`MonitorConfig` from here and must not pull in the rules and states stages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_fca._lazy import lazy_exports
from crisis_fca.monitor.config import MonitorConfig

if TYPE_CHECKING:
    from crisis_fca.monitor.asof import (
        History,
        first_feasible_day,
        history,
        states_as_of,
        truncate_aligned,
    )
    from crisis_fca.monitor.backtest import ReplayResult, replay
    from crisis_fca.monitor.changes import changes_since
    from crisis_fca.monitor.lines import monitor_lines
    from crisis_fca.monitor.record import replay_table, score_alerts, track_record
    from crisis_fca.monitor.ruleset import RuleSet, rule_set_as_of, rule_set_from_store
    from crisis_fca.monitor.today import (
        MonitorResult,
        alert_rows,
        last_data_day,
        monitor_day,
    )
    from crisis_fca.monitor.triggers import evaluate_triggers, stream_status

_LAZY = {
    "asof": ("History", "first_feasible_day", "history", "states_as_of", "truncate_aligned"),
    "changes": ("changes_since",),
    "record": ("replay_table", "score_alerts", "track_record"),
    "backtest": ("ReplayResult", "replay"),
    "ruleset": ("RuleSet", "rule_set_as_of", "rule_set_from_store"),
    "today": ("MonitorResult", "alert_rows", "last_data_day", "monitor_day"),
    "lines": ("monitor_lines",),
    "triggers": ("evaluate_triggers", "stream_status"),
}

__all__ = [
    "History",
    "MonitorConfig",
    "MonitorResult",
    "ReplayResult",
    "RuleSet",
    "alert_rows",
    "changes_since",
    "evaluate_triggers",
    "first_feasible_day",
    "history",
    "last_data_day",
    "monitor_day",
    "monitor_lines",
    "replay",
    "replay_table",
    "rule_set_as_of",
    "rule_set_from_store",
    "score_alerts",
    "states_as_of",
    "stream_status",
    "track_record",
    "truncate_aligned",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
