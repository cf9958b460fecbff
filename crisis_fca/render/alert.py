"""The daily alert brief: today's active triggers, what changed, and the replayed track record.

One self-contained HTML page per monitor run (``templates/alert.html.j2``), in the order an
operator needs it: the triggers active on the as-of day with their expected outcome, target
date, evidence and playbook action; the triggers that cannot be evaluated (inputs unknown,
never shown as inactive) and each input stream's freshness; what changed since the previous
monitor run; then the replay's track record against persistence with a Plotly timeline of
hits, false alarms and misses. Autoescaping is on (:mod:`crisis_fca.render.env`); plotly.js
is inlined only when there is a timeline to draw, and the figure (a Plotly JSON dict,
:mod:`crisis_fca.render.figjson`) travels as escaped JSON, as in the report
(:mod:`crisis_fca.render.report`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from crisis_fca.monitor.record import score_alerts, track_record
from crisis_fca.render import text as tx
from crisis_fca.render.env import TEMPLATES_DIR, inline_file, jinja_env, write_atomic
from crisis_fca.render.figjson import Figure, figure, figure_json, plotly_js, script_json
from crisis_fca.render.view import records

if TYPE_CHECKING:
    from crisis_fca.config import CaseConfig
    from crisis_fca.monitor.today import MonitorResult

__all__ = ["ReplayEvidence", "alert_filename", "alert_timeline", "render_alert", "write_alert"]

_PLOT_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": False}
_MARKERS = {
    "hit": ("circle", "#1e7b46", "hit"),
    "false_alarm": ("x", "#b3261e", "false alarm"),
    "miss": ("triangle-down", "#b36b00", "miss"),
    "not_scored": ("circle", "#b8bec9", "not scored"),
}


@dataclass(frozen=True)
class ReplayEvidence:
    """A stored (or just computed) replay, for the brief's track-record section."""

    alerts: pd.DataFrame
    """The replay's ``alerts`` rows (``alert_outcomes`` rows or a replay's own alerts)."""
    run_id: str = ""
    start: date | None = None
    end: date | None = None


def alert_filename(case: str, profile: str) -> str:
    """``<case>-<profile>-alert.html``: the alert brief's file name in the reports folder."""
    return f"{case}-{profile}-alert.html"


def render_alert(
    result: MonitorResult,
    case: CaseConfig,
    *,
    run_id: str = "",
    changes: pd.DataFrame | None = None,
    previous_run: str | None = None,
    replay: ReplayEvidence | None = None,
    generated: date | None = None,
    code_version: str = "",
    templates_dir: Path = TEMPLATES_DIR,
) -> str:
    """The alert brief of a monitor result as one HTML page (inputs are not modified).

    Args:
        result: the monitor's answer for the as-of day.
        case: the case configuration (title, region).
        run_id: the monitor run's id in the store.
        changes: :func:`crisis_fca.monitor.changes_since` rows (None: no previous run).
        previous_run: the previous monitor run's id.
        replay: the latest replay of the case (None: none recorded yet).
        generated: day the page is generated (default: today, UTC).
        code_version: the crisis-fca version shown in the footer.
        templates_dir: folder holding ``alert.html.j2`` and ``crisis.css``.
    """
    triggers = records(result.triggers)
    judged, labels = _judged_by(replay, result.as_of)
    record = track_record(judged, labels) if judged is not None else None
    timeline = alert_timeline(score_alerts(judged), labels) if judged is not None else None
    payload = (
        [{"id": "fig-timeline", **figure_json(timeline), "config": _PLOT_CONFIG}]
        if timeline is not None
        else []
    )
    template = jinja_env(templates_dir).get_template("alert.html.j2")
    return template.render(
        a=_header(result, case, run_id, generated, code_version),
        counts=_counts(result),
        active=[_card(t) for t in triggers if t["status"] == "active"],
        cannot=[_card(t) for t in triggers if t["status"] == "cannot_evaluate"],
        inactive=[_card(t) for t in triggers if t["status"] == "inactive"],
        none_active=_none_active(result),
        streams=[s for s in _streams(result.streams) if s["stale"] or s["feeds"]],
        quiet_streams=[s for s in _streams(result.streams) if not (s["stale"] or s["feeds"])],
        changes=[] if changes is None else records(changes),
        previous_run=previous_run or "",
        no_changes=_no_changes(changes, previous_run),
        record=[] if record is None else _record_rows(record),
        record_caption=_record_caption(replay, result.as_of, judged),
        no_record=_no_record(replay, result),
        timeline=timeline is not None,
        css=inline_file("crisis.css", templates_dir),
        plotlyjs=Markup(plotly_js()) if timeline is not None else "",
        figures_json=Markup(script_json(payload)),
    )


def write_alert(path: str | Path, page: str) -> Path:
    """Write a rendered alert brief atomically; return the path."""
    return write_atomic(path, page)


def _header(
    result: MonitorResult, case: CaseConfig, run_id: str, generated: date | None, version: str
) -> dict[str, Any]:
    return {
        "title": case.case.title,
        "region": case.case.region,
        "case": result.case,
        "profile": result.profile,
        "as_of": result.as_of,
        "rule_source": result.rule_set.source,
        "rules_through": result.rule_set.through,
        "run_id": run_id or "not stored",
        "generated": generated or datetime.now(UTC).date(),
        "code_version": version or "unknown",
    }


def _counts(result: MonitorResult) -> dict[str, int]:
    stale = int(result.streams["stale"].sum()) if not result.streams.empty else 0
    return {
        **{s: len(result.with_status(s)) for s in ("active", "cannot_evaluate", "inactive")},
        "stale": stale,
    }


def _card(t: dict[str, Any]) -> dict[str, Any]:
    return {**t, "warning": tx.days_text(int(t["warning_days"]))}


def _none_active(result: MonitorResult) -> str:
    if result.rule_set.rules.empty:
        return f"No trigger to evaluate: {result.rule_set.note}."
    n = len(result.triggers)
    return (
        f"None of the {n} validated trigger{'s' if n != 1 else ''} is active on "
        f"{result.as_of}; below: those that could not be evaluated, and the inactive ones."
    )


def _streams(streams: pd.DataFrame) -> list[dict[str, Any]]:
    """Stale streams and trigger inputs first; missing numbers shown as ``n/a``."""
    if streams.empty:
        return []
    rows = streams.assign(feeds=streams["used_by"].map(len))
    ordered = rows.sort_values(["stale", "feeds", "signal"], ascending=[False, False, True])
    return [
        {
            **r,
            "last_observed": None if pd.isna(r["last_observed"]) else r["last_observed"],
            "days_since": None if pd.isna(r["days_since"]) else int(r["days_since"]),
        }
        for r in records(ordered)
    ]


def _no_changes(changes: pd.DataFrame | None, previous_run: str | None) -> str:
    if previous_run is None:
        return "This is the first monitor run of this case and profile in the store."
    if changes is None or changes.empty:
        return f"The previous monitor run {previous_run} evaluated no trigger; nothing to compare."
    return ""


def _record_rows(record: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in records(record):
        beats = r["beats_persistence"]
        out.append(
            {
                **r,
                "rule": "Overall (all triggers)" if r["rule_id"] == "overall" else r["rule"],
                "precision": tx.fmt_pct(r["precision"], 0),
                "recall": tx.fmt_pct(r["recall"], 0),
                "peirce": tx.fmt_num(r["peirce"]),
                "lead_error": tx.fmt_num(r["lead_error"], 1),
                "persistence_peirce": tx.fmt_num(r["persistence_peirce"]),
                "beats": "n/a" if beats is None or pd.isna(beats) else ("yes" if beats else "no"),
            }
        )
    return out


def _judged_by(
    replay: ReplayEvidence | None, as_of: date
) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """The replay rows whose target day had come by ``as_of`` (the brief cannot know more)."""
    if replay is None or replay.alerts.empty:
        return None, {}
    rows = replay.alerts[pd.to_datetime(replay.alerts["target_date"]) <= pd.Timestamp(as_of)]
    if rows.empty:
        return None, {}
    labels = {
        str(r): tx.rule_sentence(tuple(p), str(c), int(k), {})
        for r, p, c, k in zip(
            rows["rule_id"], rows["premise"], rows["consequent"], rows["lead"], strict=True
        )
    }
    return rows.reset_index(drop=True), labels


def _no_record(replay: ReplayEvidence | None, result: MonitorResult) -> str:
    if replay is None or replay.alerts.empty:
        return (
            "No replay of this case with any alert is recorded yet: run `crisis-fca replay "
            f"{result.case} --start DATE --end DATE` to measure how its triggers would have "
            "fared, day by day, against persistence."
        )
    return (
        f"The recorded replay {replay.run_id} ({replay.start}..{replay.end}) has no alert whose "
        f"target day had come by {result.as_of}, so there is no track record as of that day."
    )


def _record_caption(replay: ReplayEvidence | None, as_of: date, judged: pd.DataFrame | None) -> str:
    if replay is None or judged is None:
        return ""
    first, last = (
        pd.to_datetime(judged["as_of"]).min().date(),
        pd.to_datetime(judged["as_of"]).max().date(),
    )
    return (
        f"Replay {replay.run_id}: the alerts raised {first}..{last} whose target day had come "
        f"by {as_of}. On each day the replay used only the rule set mined and "
        "validated on the data up to that day, and the states known that day. Rule and "
        "persistence (the outcome's own state on the alert day) are scored on the same days; "
        "Peirce = hit rate minus false-alarm rate (0 = no skill)."
    )


def alert_timeline(alerts: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Rows = triggers, x = as-of day: hits, false alarms, misses; grey = not scored.

    ``alerts`` are scored rows (:func:`~crisis_fca.monitor.score_alerts`); a row is drawn
    by its verdict only when it is ``scored`` (the same rows as the track-record table).
    Returns a figure dict in the Plotly JSON schema.
    """
    names = labels or {}
    shown = alerts["verdict"].where(alerts["scored"].astype(bool), "not_scored")
    data = []
    for verdict, (symbol, colour, word) in _MARKERS.items():
        rows = alerts[shown == verdict]
        data.append(
            {
                "type": "scatter",
                "x": pd.to_datetime(rows["as_of"]).dt.strftime("%Y-%m-%d").tolist(),
                "y": [html.escape(names.get(str(r), str(r))) for r in rows["rule_id"]],
                "mode": "markers",
                "name": word,
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": 5 if verdict == "not_scored" else 9,
                },
                "customdata": pd.to_datetime(rows["target_date"]).dt.strftime("%Y-%m-%d").tolist(),
                "hovertemplate": f"%{{x}}: {word}, target %{{customdata}}<br>%{{y}}<extra></extra>",
            }
        )
    return figure(
        data,
        {
            "title": {"text": "Alert timeline over the replay"},
            "height": max(260, 60 * alerts["rule_id"].nunique() + 140),
            "margin": {"l": 20, "r": 20, "t": 50, "b": 40},
            "yaxis": {"automargin": True},
            "legend": {"orientation": "h"},
        },
    )
