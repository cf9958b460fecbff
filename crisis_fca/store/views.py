"""The analyst views: what "latest" means, stable and predictive rules, history, comparison.

"Latest" is the most recently *recorded* successful run of a (case_name, profile): the
highest ``runs.seq``. Re-running a case adds a run, so ``latest_*`` views change to the new
run while ``rule_history`` keeps every run. The views are created by migration
``0002_views`` and documented in ``docs/schema.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VIEWS", "View"]


@dataclass(frozen=True)
class View:
    """One view: what it promises, and its SQL (a SELECT over tables and earlier views)."""

    name: str
    doc: str
    sql: str


_LATEST = "(SELECT run_id FROM latest_runs)"
VIEWS: tuple[View, ...] = (
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
