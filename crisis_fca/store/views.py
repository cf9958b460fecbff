"""The analyst views: what "latest" means, stable and predictive rules, history, comparison.

"Latest" is the most recently *recorded* successful run of a (case_name, profile): the
highest ``runs.seq``. Re-running a case adds a run, so ``latest_*`` views change to the new
run while ``rule_history`` keeps every run. :data:`RUN_VIEWS` are created by migration
``0002_views``, :data:`ALERT_VIEWS` (the monitor's scored alerts) by ``0003_alerts``,
:data:`REGION_VIEWS` by ``0004_region_comparison``; all
are documented in ``docs/schema.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALERT_VIEWS", "REGION_VIEWS", "RUN_VIEWS", "VIEWS", "View"]


@dataclass(frozen=True)
class View:
    """One view: what it promises, and its SQL (a SELECT over tables and earlier views)."""

    name: str
    doc: str
    sql: str


_LATEST = "(SELECT run_id FROM latest_runs)"
RUN_VIEWS: tuple[View, ...] = (
    View(
        "latest_runs",
        "The latest successful run of each (case_name, profile): highest `seq`.",
        "SELECT * FROM runs WHERE status = 'succeeded'\n"
        "QUALIFY row_number() OVER (PARTITION BY case_name, profile ORDER BY seq DESC) = 1",
    ),
    View(
        "latest_rules",
        "Every rule of each latest run, with its case, profile and start time.",
        "SELECT l.case_name, l.profile, l.started AS run_started, r.*\n"
        "FROM rules AS r JOIN latest_runs AS l USING (run_id)",
    ),
    View(
        "stable_rules",
        "Latest rules classed `stable_same_day`.",
        "SELECT * FROM latest_rules WHERE rule_class = 'stable_same_day'",
    ),
    View(
        "predictive_rules",
        "Latest rules classed `predictive` (lead >= 1, validated).",
        "SELECT * FROM latest_rules WHERE rule_class = 'predictive'",
    ),
    View(
        "rule_history",
        "Every rule in every successful run, with the run's start time and whether that run is "
        "the latest of its case and profile; filter on `rule_id` to follow one rule.",
        "SELECT u.case_name, u.profile, u.seq, u.started AS run_started, u.config_hash,\n"
        f"  u.code_version, r.run_id IN {_LATEST} AS in_latest, r.*\n"
        "FROM rules AS r JOIN runs AS u USING (run_id) WHERE u.status = 'succeeded'",
    ),
    View(
        "case_comparison",
        "Rules (same premise, consequent and lead) present in the latest runs of more than one "
        "case under the same profile; lists are ordered by case name.",
        "SELECT profile, list_sort(premise) AS premise, consequent, lead,\n"
        "  count(DISTINCT case_name) AS n_cases,\n"
        "  list(case_name ORDER BY case_name) AS cases,\n"
        "  list(rule_class ORDER BY case_name) AS rule_classes,\n"
        "  list(confidence ORDER BY case_name) AS confidences,\n"
        "  list(lift ORDER BY case_name) AS lifts,\n"
        "  list(run_id ORDER BY case_name) AS run_ids,\n"
        "  min(rule_id) AS rule_id\n"
        "FROM latest_rules GROUP BY profile, list_sort(premise), consequent, lead\n"
        "HAVING count(DISTINCT case_name) > 1",
    ),
)

_SCORED = "status <> 'cannot_evaluate' AND outcome IN ('occurred', 'not_occurred')"
ALERT_VIEWS: tuple[View, ...] = (
    View(
        "alert_outcomes",
        "Every evaluated trigger with its verdict: `hit` (active, outcome occurred), "
        "`false_alarm` (active, did not occur), `miss` (inactive, occurred), "
        "`correct_negative`, or `cannot_evaluate` / `unknown` / `pending` (not scored); the "
        "same for the persistence baseline (the consequent held on the as-of day); "
        "`lead_time_error` = `outcome_offset` of active alerts; `scored` = rule and "
        "persistence both judged on the row (compare them on these rows only).",
        "SELECT a.*,\n"
        "  CASE WHEN status = 'cannot_evaluate' THEN 'cannot_evaluate'\n"
        "    WHEN outcome IN ('unknown', 'pending') THEN outcome\n"
        "    WHEN status = 'active' THEN"
        " CASE WHEN outcome = 'occurred' THEN 'hit' ELSE 'false_alarm' END\n"
        "    WHEN outcome = 'occurred' THEN 'miss' ELSE 'correct_negative' END AS verdict,\n"
        "  CASE WHEN persistence IS NULL THEN 'cannot_evaluate'\n"
        "    WHEN outcome IN ('unknown', 'pending') THEN outcome\n"
        "    WHEN persistence THEN"
        " CASE WHEN outcome = 'occurred' THEN 'hit' ELSE 'false_alarm' END\n"
        "    WHEN outcome = 'occurred' THEN 'miss' ELSE 'correct_negative' END"
        " AS persistence_verdict,\n"
        "  CASE WHEN status = 'active' THEN outcome_offset END AS lead_time_error,\n"
        "  CASE WHEN persistence THEN outcome_offset END AS persistence_lead_time_error,\n"
        f"  ({_SCORED} AND persistence IS NOT NULL) AS scored\n"
        "FROM alerts AS a",
    ),
)

REGION_VIEWS: tuple[View, ...] = (
    View(
        "latest_region_comparison",
        "The comparison rows of the most recently recorded regional batch of each "
        "(case_name, profile).",
        "SELECT * FROM region_comparison\n"
        "WHERE batch_id IN (\n"
        "  SELECT batch_id FROM region_comparison\n"
        "  QUALIFY row_number() OVER (PARTITION BY case_name, profile ORDER BY recorded DESC) = 1)",
    ),
)

VIEWS: tuple[View, ...] = (*RUN_VIEWS, *ALERT_VIEWS, *REGION_VIEWS)
