"""What an operator sees in the Prefect UI for each run: a summary, the rules, the files.

Per case run (:func:`publish_run_artifacts`):

* a **markdown** summary: window, days, states, concepts, candidate and kept rule counts,
  the same-day holdout pass rate, the top validated rules, which stages came from the cache;
* a **table** of the validated rules (stable same-day and clean predictive);
* **links** to the brief and the report when they were written.

Per regional run (:func:`publish_regional_artifacts`): a markdown summary of the regions
(stored / failed, with the reason) and a table of the cross-region comparison.

Artifact keys (lowercase letters, digits and dashes, as Prefect requires) are stable per
case and profile, so the UI's Artifacts page shows each one's history across runs
(https://docs.prefect.io/v3/develop/artifacts). The text builders are pure and tested
without a server; only the ``publish_*`` functions talk to Prefect. They are plain functions
called from the flow run, so the artifacts belong to that run, without a task run (and its
state changes on the server) of their own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

if TYPE_CHECKING:
    from crisis_fca.rules import RulesResult

__all__ = [
    "artifact_key",
    "comparison_rows",
    "publish_regional_artifacts",
    "publish_run_artifacts",
    "regional_markdown",
    "rule_rows",
    "run_markdown",
    "validated_rules",
]

_VALIDATED = ("stable_same_day", "predictive")
_TOP = 5


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key from free text: lowercase, runs of other characters -> ``-``.

    Example:
        >>> artifact_key("uae-covid--abu-dhabi", "rigorous", "Rules")
        'uae-covid-abu-dhabi-rigorous-rules'
    """
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).casefold()).strip("-")


def validated_rules(result: RulesResult) -> pd.DataFrame:
    """The store-shaped rows (:func:`crisis_fca.records.rules_frame`) of the validated rules.

    What :func:`rule_rows` and :func:`run_markdown` show, without shaping every failed
    candidate first (a tenth of a second for ``uae-covid``).
    """
    from crisis_fca.records import CLASS_OF_STATUS, rules_frame

    rules = result.rules
    if not rules.empty:
        rules = rules[rules["status"].map(CLASS_OF_STATUS).isin(_VALIDATED)]
    return rules_frame(replace(result, rules=rules))


def rule_rows(rules: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """Validated rules of a store-shaped ``rules`` frame as JSON-ready rows, best first.

    Best = stable same-day before predictive, then the highest holdout lift.
    """
    if rules.empty:
        return []
    kept = rules[rules["rule_class"].isin(_VALIDATED)].assign(
        _order=lambda f: f["rule_class"].map({c: i for i, c in enumerate(_VALIDATED)})
    )
    kept = kept.sort_values(["_order", "holdout_lift"], ascending=[True, False])
    rows = [
        {
            "premise": " & ".join(r["premise"]),
            "consequent": r["consequent"],
            "lead_days": int(r["lead"]),
            "class": r["rule_class"],
            "days": f"{int(r['support_days'])}/{int(r['premise_days'])}",
            "confidence": _num(r["confidence"]),
            "holdout_confidence": _num(r["holdout_confidence"]),
            "holdout_lift": _num(r["holdout_lift"]),
            "q_value": _num(r["q_value"], 4),
            "rule_id": r["rule_id"],
        }
        for r in kept.to_dict("records")
    ]
    return rows[:limit] if limit is not None else rows


def run_markdown(
    title: str,
    run_id: str,
    summary: Mapping[str, Any],
    rules: pd.DataFrame,
    *,
    counts: Mapping[str, int],
    cached: Sequence[str],
    files: Sequence[Path] = (),
) -> str:
    """The markdown summary of one case run."""
    rate = summary.get("same_day_pass_rate")
    lines = [
        f"# {title}",
        "",
        f"Run `{run_id}`: {summary.get('days')} days, holdout from "
        f"{summary.get('first_holdout_day')} ({summary.get('holdout_days')} days).",
        "",
        "| measure | value |",
        "|---|---|",
        *(f"| {name} | {value:,} |" for name, value in counts.items()),
        f"| same-day candidates tested | {summary.get('candidates_same_day', 0):,} |",
        f"| predictive candidates tested | {summary.get('candidates_predictive', 0):,} |",
        f"| same-day kept -> stable | {summary.get('same_day_kept')} -> "
        f"{summary.get('same_day_stable')} |",
        f"| same-day holdout pass rate | {'-' if rate is None else f'{rate:.0%}'} |",
        f"| predictive kept -> clean | {summary.get('predictive_kept')} -> "
        f"{summary.get('predictive_clean')} |",
        "",
        "## Top validated rules",
        "",
        *_rules_markdown(rule_rows(rules, _TOP)),
        "",
        f"Stages from the cache (inputs unchanged): {', '.join(cached) if cached else 'none'}.",
    ]
    lines += [f"- [{p.name}]({p.resolve().as_uri()})" for p in files]
    return "\n".join(lines)


def comparison_rows(comparison: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """The cross-region comparison as JSON-ready rows (lists joined as text)."""
    rows = [
        {
            "premise": " & ".join(r["premise"]),
            "consequent": r["consequent"],
            "lead_days": int(r["lead"]),
            "regions": f"{int(r['n_regions'])}/{int(r['n_compared'])}",
            "where": ", ".join(r["regions"]),
            "classes": ", ".join(r["rule_classes"]),
        }
        for r in comparison.to_dict("records")
    ]
    return rows[:limit] if limit is not None else rows


def regional_markdown(
    title: str, stored: Mapping[str, str], failed: Mapping[str, str], comparison: pd.DataFrame
) -> str:
    """The markdown summary of a regional run: each region's outcome and the shared rules."""
    lines = [f"# {title}", "", "| region | outcome |", "|---|---|"]
    lines += [f"| {region} | stored as run `{run_id}` |" for region, run_id in stored.items()]
    lines += [f"| {region} | **failed**: {_cell(reason)} |" for region, reason in failed.items()]
    shared = comparison[comparison["n_regions"] > 1] if len(comparison) else comparison
    lines += [
        "",
        f"{len(comparison)} validated rule(s) across {len(stored)} region(s); "
        f"{len(shared)} hold in more than one.",
    ]
    for row in comparison_rows(shared, _TOP):
        lines.append(
            f"- {row['premise']} -> {row['consequent']} (+{row['lead_days']} d): "
            f"{row['regions']} regions ({row['where']})"
        )
    return "\n".join(lines)


def publish_run_artifacts(
    case: str, profile: str, markdown: str, rows: list[dict[str, Any]], files: Sequence[Path]
) -> None:
    """Create the run's markdown, table and link artifacts (in the current flow run)."""
    create_markdown_artifact(markdown, key=artifact_key(case, profile, "summary"))
    create_table_artifact(
        rows,
        key=artifact_key(case, profile, "rules"),
        description=f"Validated rules of {case} ({profile}): stable same-day and clean predictive",
    )
    for path in files:
        create_link_artifact(
            path.resolve().as_uri(),
            link_text=path.name,
            key=artifact_key(case, profile, "brief" if "brief" in path.name else "report"),
        )


def publish_regional_artifacts(
    case: str, profile: str, markdown: str, rows: list[dict[str, Any]]
) -> None:
    """Create the regional run's markdown summary and comparison table artifacts (in the
    current flow run)."""
    create_markdown_artifact(markdown, key=artifact_key(case, profile, "regions"))
    create_table_artifact(
        rows,
        key=artifact_key(case, profile, "region-comparison"),
        description=f"Rules of {case} ({profile}) by the number of regions they hold in",
    )


def _rules_markdown(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["No rule passed validation."]
    head = [
        "| premise | consequent | lead | class | confidence | holdout lift |",
        "|---|---|---|---|---|---|",
    ]
    return head + [
        f"| {_cell(r['premise'])} | {_cell(r['consequent'])} | {r['lead_days']} d | {r['class']} "
        f"| {r['confidence']} | {r['holdout_lift']} |"
        for r in rows
    ]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _num(value: Any, digits: int = 3) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return round(float(value), digits)
