"""The monitor's answer as plain text: what the CLI prints and the flow's artifact shows.

Active triggers come first, with their target date, evidence and playbook action; then the
triggers that cannot be evaluated (their inputs unknown -- never reported as inactive) and
the inactive ones; then the input streams that were not observed on the as-of day, grouped
by source with their last observation ("reddit: 26 signals missing on 2021-12-31, last
observed 2021-12-29, 2 days before"). With too little history it says so first.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crisis_fca.monitor.today import MonitorResult
from crisis_fca.render import text as tx
from crisis_fca.render.view import records

__all__ = ["monitor_lines"]


def monitor_lines(result: MonitorResult) -> list[str]:
    """The monitor's answer as plain text lines: active triggers first, then the rest."""
    rs = result.rule_set
    lines = [
        f"{result.case} ({result.profile} profile) as of {result.as_of}, on the data known "
        "that day only."
    ]
    if rs.history is not None and not rs.history.enough:
        lines.append(f"TOO LITTLE HISTORY: {rs.note}.")
    else:
        lines.append(f"Rule set: {rs.source}; it used no data after {rs.through}.")
        if rs.rules.empty:
            lines.append(f"No trigger to evaluate: {rs.note}.")
    for status, title in (
        ("active", "ACTIVE"),
        ("cannot_evaluate", "CANNOT EVALUATE (inputs unknown; not the same as inactive)"),
        ("inactive", "INACTIVE"),
    ):
        rows = result.with_status(status)
        if len(rows):
            lines.append(f"{title}: {len(rows)}")
            lines += [line for row in records(rows) for line in _trigger(row)]
    lines += _stream_lines(result)
    return lines


def _trigger(r: dict[str, Any]) -> list[str]:
    out = [
        f"  - {r['sentence']} Target date {r['target_date']} "
        f"({tx.days_text(int(str(r['warning_days'])))} ahead); false-alarm risk {r['band']}.",
        f"    evidence: {r['evidence']}",
    ]
    if r["status"] == "active":
        playbook = f"{r['owner']}: {r['action']}" if r["owner"] else "NO PLAYBOOK for this outcome"
        out.append(f"    playbook: {playbook}")
    if r["missing"]:
        out.append(f"    inputs: {r['missing']}")
    return out


def _stream_lines(result: MonitorResult) -> list[str]:
    """Fresh streams counted, stale ones grouped by source, status and last observation."""
    s = result.streams
    if s.empty:
        return ["Streams: no input signal."]
    stale = s[s["stale"]]
    lines = [f"Streams: {len(s) - len(stale)} of {len(s)} signals observed on {result.as_of}."]
    keys = ["source", "status", "last_observed", "days_since"]
    for _, group in stale.groupby(keys, dropna=False, sort=True):
        first = records(group)[0]
        last, since = first["last_observed"], first["days_since"]
        when = (
            "never observed"
            if last is None or pd.isna(last)
            else f"last observed {last}, {tx.days_text(int(since))} before"
        )
        source, status = first["source"], first["status"]
        feeding = sorted(group.loc[group["used_by"].map(len) > 0, "signal"])
        feeds = f"; trigger inputs among them: {', '.join(feeding)}" if feeding else ""
        lines.append(
            f"  - {source or 'unknown source'}: {len(group)} signal(s) {status} on "
            f"{result.as_of}, {when}{feeds}"
        )
    return lines
