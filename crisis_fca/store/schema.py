"""The store's tables, declared once: migrations, writer, reader and docs all read them.

Every column of every table is declared here (name, DuckDB type, constraint, meaning) and
nowhere else: migration ``0001_tables`` creates the run tables from these declarations
(``0003_alerts`` the monitor's :data:`ALERTS` table, ``0004_region_comparison``
:data:`REGION_COMPARISON`), the
writer casts each input column to its declared type, the reader and the exporter select
them in this order, and :func:`crisis_fca.store.schema_markdown` renders ``docs/schema.md``
from them (the views over the tables are in :mod:`crisis_fca.store.views`). To change a
column before any database you care about exists, edit it here; once files are in use,
append a migration instead (see :mod:`crisis_fca.store.migrations`).

Run semantics: every call of the writer adds a run (history is kept, nothing is replaced).
"Latest" means the most recently *recorded* successful run of a (case_name, profile): the one
with the highest ``runs.seq``, a number the store draws from a sequence inside the writing
transaction, so it is unique and does not depend on anybody's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALERTS",
    "ALERT_MODES",
    "ALERT_OUTCOMES",
    "ALERT_STATUSES",
    "DATA_TABLES",
    "REGION_COMPARISON",
    "RULE_CLASSES",
    "RUNS",
    "RUN_STATUSES",
    "RUN_TABLES",
    "TABLES",
    "Column",
    "Table",
    "quote",
    "table",
]

RUN_STATUSES = ("succeeded", "failed")
RULE_CLASSES = ("stable_same_day", "predictive", "failed")
ALERT_MODES = ("monitor", "replay")
ALERT_STATUSES = ("active", "inactive", "cannot_evaluate")
ALERT_OUTCOMES = ("occurred", "not_occurred", "unknown", "pending")


@dataclass(frozen=True)
class Column:
    """One column: DuckDB type (for CREATE and for casting input), constraint and meaning."""

    name: str
    type: str
    doc: str
    constraint: str = ""

    @property
    def is_list(self) -> bool:
        """Whether the column holds a list (``VARCHAR[]``)."""
        return self.type.endswith("[]")


@dataclass(frozen=True)
class Table:
    """One table: its columns in order (``run_id`` first), primary key and meaning."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """The columns a caller supplies (all but ``run_id``, which the store assigns)."""
        return tuple(c for c in self.columns if c.name != "run_id")


def quote(name: str) -> str:
    """A DuckDB identifier in double quotes, embedded quotes doubled.

    Example:
        >>> quote('a"b')
        '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


_RUN_ID = Column("run_id", "VARCHAR", "The run this row belongs to (`runs.run_id`).", "NOT NULL")


def _col(name: str, type_: str, doc: str, constraint: str = "") -> Column:
    return Column(name, type_, doc, constraint)


def _in(name: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"NOT NULL CHECK ({quote(name)} IN ({listed}))"


RUNS = Table(
    "runs",
    "One row per pipeline run, successful or failed. Re-running adds a row; nothing is replaced.",
    (
        _col("run_id", "VARCHAR", "Unique id: UTC start time + random suffix.", "PRIMARY KEY"),
        _col(
            "seq",
            "BIGINT",
            "Order in which the store recorded runs; defines 'latest'.",
            "NOT NULL UNIQUE DEFAULT nextval('runs_seq')",
        ),
        _col("case_name", "VARCHAR", "Case name, e.g. `uae-covid`.", "NOT NULL"),
        _col("profile", "VARCHAR", "Profile, e.g. `rigorous` or `study`.", "NOT NULL"),
        _col("config_hash", "VARCHAR", "Fingerprint of the validated case configuration."),
        _col("data_checksums", "JSON", "Object: raw file -> checksum of its bytes."),
        _col("params", "JSON", "Object: the run's parameters (as given by the pipeline)."),
        _col("code_version", "VARCHAR", "crisis-fca version / git revision that produced the run."),
        _col("started", "TIMESTAMP", "When the run started (UTC).", "NOT NULL"),
        _col("finished", "TIMESTAMP", "When the run finished or failed (UTC)."),
        _col("status", "VARCHAR", "`succeeded` or `failed`.", _in("status", RUN_STATUSES)),
        _col("error", "VARCHAR", "Why the run failed (NULL when it succeeded)."),
        _col(
            "schema_version",
            "INTEGER",
            "Store schema version the run was written with.",
            "NOT NULL",
        ),
        _col("recorded", "TIMESTAMP", "When the store committed this row (UTC).", "NOT NULL"),
    ),
)

_COUNT = "BIGINT"
DATA_TABLES: tuple[Table, ...] = (
    Table(
        "signals",
        "Every aligned daily signal value of the run, long format.",
        (
            _RUN_ID,
            _col("date", "DATE", "Calendar day.", "NOT NULL"),
            _col("signal", "VARCHAR", "`<domain>.<name>`, e.g. `mobility.transit`.", "NOT NULL"),
            _col("value", "DOUBLE", "The day's value; NULL when not usable (missing or masked)."),
            _col("status", "VARCHAR", "`observed`, `filled`, `low_coverage` or `missing`."),
        ),
        key=("run_id", "date", "signal"),
    ),
    Table(
        "coverage",
        "Per-signal day counts by status over the case window.",
        (
            _RUN_ID,
            _col("signal", "VARCHAR", "Signal name.", "NOT NULL"),
            _col("source", "VARCHAR", "Source (case file `[[sources]]` name) it came from."),
            _col("domain", "VARCHAR", "Domain, e.g. `mobility`, `social`."),
            _col("days", _COUNT, "Days in the case window."),
            _col("observed", _COUNT, "Days with an observed value."),
            _col("filled", _COUNT, "Days filled by the gap policy."),
            _col("low_coverage", _COUNT, "Days masked for low coverage."),
            _col("missing", _COUNT, "Days without a usable value."),
            _col("first", "DATE", "First observed day."),
            _col("last", "DATE", "Last observed day."),
        ),
        key=("run_id", "signal"),
    ),
    Table(
        "states",
        "Every binary state of the run, with how often it held and was unknown.",
        (
            _RUN_ID,
            _col(
                "state",
                "VARCHAR",
                "`<domain>.<signal>:<condition>`, e.g. `mobility.transit:low`.",
                "NOT NULL",
            ),
            _col("domain", "VARCHAR", "Domain of the state."),
            _col("signal", "VARCHAR", "Underlying signal (or state family)."),
            _col("condition", "VARCHAR", "Condition, e.g. `low`, `present`."),
            _col(
                "kind", "VARCHAR", "How it is computed: threshold, zscore, composite, calendar, ..."
            ),
            _col("description", "VARCHAR", "Plain-language definition (used in briefs)."),
            _col(
                "parts", "VARCHAR[]", "States a composite is defined from (empty for primitives)."
            ),
            _col("true_days", _COUNT, "Known days on which the state held."),
            _col("known_days", _COUNT, "Days on which the state was evaluable."),
            _col("unknown_days", _COUNT, "Days on which the state was unknown."),
        ),
        key=("run_id", "state"),
    ),
    Table(
        "concepts",
        "Formal concepts of the run's lattice.",
        (
            _RUN_ID,
            _col("concept_id", _COUNT, "Concept number within the run.", "NOT NULL"),
            _col("intent", "VARCHAR[]", "The states shared by every day of the extent."),
            _col("extent_size", _COUNT, "Number of days in the extent."),
            _col("support", "DOUBLE", "Extent size / days in the context."),
            _col("stability", "DOUBLE", "Intensional stability of the concept."),
            _col("date_ranges", "VARCHAR[]", "The extent as `YYYY-MM-DD..YYYY-MM-DD` ranges."),
        ),
        key=("run_id", "concept_id"),
    ),
    Table(
        "rules",
        "Every lead-time rule the run kept or classified, with all metrics.",
        (
            _RUN_ID,
            _col(
                "rule_id",
                "VARCHAR",
                "Stable id of premise|consequent|lead (`store.rule_id`).",
                "NOT NULL",
            ),
            _col("premise", "VARCHAR[]", "States that hold on day t (sorted).", "NOT NULL"),
            _col("consequent", "VARCHAR", "State expected on day t + lead.", "NOT NULL"),
            _col("lead", _COUNT, "Lead in days (0 = same day).", "NOT NULL"),
            _col("premise_days", _COUNT, "Evaluable days on which the premise held."),
            _col("support_days", _COUNT, "Evaluable days on which premise and consequent held."),
            _col("evaluable_days", _COUNT, "Days on which every state of the rule was known."),
            _col("support", "DOUBLE", "support_days / evaluable_days."),
            _col("confidence", "DOUBLE", "support_days / premise_days."),
            _col("ci_low", "DOUBLE", "Wilson 95 % interval of the confidence, low end."),
            _col("ci_high", "DOUBLE", "Wilson 95 % interval of the confidence, high end."),
            _col("lift", "DOUBLE", "Confidence / consequent prevalence."),
            _col("leverage", "DOUBLE", "support - premise prevalence * consequent prevalence."),
            _col("conviction", "DOUBLE", "(1 - consequent prevalence) / (1 - confidence)."),
            _col("fisher_p", "DOUBLE", "Fisher exact p-value (assumes independent days)."),
            _col("null_p", "DOUBLE", "Empirical p-value under the circular-shift null."),
            _col("q_value", "DOUBLE", "Benjamini-Hochberg q-value over all candidates tested."),
            _col("concept", "VARCHAR[]", "Intent of the concept the rule comes from."),
            _col("minimal_generator", "BOOLEAN", "Whether the premise is a minimal generator."),
            _col("kind", "VARCHAR", "`same_day` (lead and lags 0) or `predictive`."),
            _col("lead_time", _COUNT, "The study's lead time: lead, else the largest lag."),
            _col("cross_domain", "BOOLEAN", "Whether premise and consequent span two domains."),
            _col("train_days", _COUNT, "Evaluable training days (the mining window)."),
            _col("train_confidence", "DOUBLE", "Confidence on the training days."),
            _col("train_lift", "DOUBLE", "Lift on the training days."),
            _col("holdout_days", _COUNT, "Evaluable holdout days (never seen by mining)."),
            _col("holdout_premise_days", _COUNT, "Holdout days on which the premise held."),
            _col("holdout_support_days", _COUNT, "Holdout days on which the rule held."),
            _col("holdout_confidence", "DOUBLE", "Confidence on the holdout days."),
            _col("holdout_lift", "DOUBLE", "Lift on the holdout days."),
            _col("passed", "BOOLEAN", "Whether the rule passed the holdout test."),
            _col(
                "folds_passed", "DOUBLE", "Share of rolling-origin folds passed (NULL: no folds)."
            ),
            _col("skill_precision", "DOUBLE", "Holdout precision of the rule as an alarm."),
            _col("skill_recall", "DOUBLE", "Holdout recall of the rule as an alarm."),
            _col("persistence_precision", "DOUBLE", "Same for 'consequent today -> in k days'."),
            _col("persistence_recall", "DOUBLE", "Recall of the persistence baseline."),
            _col(
                "beats_persistence", "BOOLEAN", "Whether the rule beats persistence (predictive)."
            ),
            _col("filters_passed", "VARCHAR[]", "Filters the rule passed, in the order applied."),
            _col(
                "rule_class",
                "VARCHAR",
                "`stable_same_day`, `predictive` or `failed`.",
                _in("rule_class", RULE_CLASSES),
            ),
            _col("reasons", "VARCHAR", "Why the rule got its class (e.g. which fold failed)."),
        ),
        key=("run_id", "rule_id"),
    ),
    Table(
        "validations",
        "Chronological out-of-sample checks, one row per rule and fold.",
        (
            _RUN_ID,
            _col("rule_id", "VARCHAR", "The rule checked (`rules.rule_id`).", "NOT NULL"),
            _col("fold", _COUNT, "Fold number (0 = first).", "NOT NULL"),
            _col("train_start", "DATE", "First training day."),
            _col("train_end", "DATE", "Last training day."),
            _col("test_start", "DATE", "First test (holdout) day."),
            _col("test_end", "DATE", "Last test day."),
            _col("train_confidence", "DOUBLE", "Confidence on the training days."),
            _col("test_confidence", "DOUBLE", "Confidence on the test days."),
            _col("test_lift", "DOUBLE", "Lift on the test days."),
            _col("test_premise_days", _COUNT, "Test days on which the premise held."),
            _col("passed", "BOOLEAN", "Whether the rule held on this fold."),
            _col("reason", "VARCHAR", "Why it passed or failed."),
        ),
        key=("run_id", "rule_id", "fold"),
    ),
    Table(
        "briefs",
        "Rendered policy briefs and where they were written.",
        (
            _RUN_ID,
            _col(
                "rule_id", "VARCHAR", "The rule the brief is about (NULL for a case-level brief)."
            ),
            _col("rendered_text", "VARCHAR", "The brief's text as rendered."),
            _col("output_path", "VARCHAR", "File the brief was written to."),
        ),
    ),
)

ALERTS = Table(
    "alerts",
    "Every trigger evaluated by a monitor or replay run: one row per (run, as-of day, rule); "
    "rows with status `active` are the alerts raised. Written by `crisis_fca.store.write_alerts` "
    "(migration `0003_alerts`), never by `write_run`.",
    (
        _col(
            "run_id",
            "VARCHAR",
            "The monitor or replay run that evaluated the trigger (its own id, not a row of "
            "`runs`).",
            "NOT NULL",
        ),
        _col("case_name", "VARCHAR", "Case name, e.g. `uae-covid`.", "NOT NULL"),
        _col("profile", "VARCHAR", "Profile, e.g. `rigorous`.", "NOT NULL"),
        _col(
            "mode",
            "VARCHAR",
            "`monitor` (one as-of day, outcome not judged) or `replay` (as-of replay).",
            _in("mode", ALERT_MODES),
        ),
        _col("recorded", "TIMESTAMP", "When the store committed the run's rows (UTC).", "NOT NULL"),
        _col("as_of", "DATE", "The day evaluated, on the data known that day.", "NOT NULL"),
        _col("rule_id", "VARCHAR", "The rule (`rules.rule_id` of the same rule).", "NOT NULL"),
        _col(
            "premise", "VARCHAR[]", "The rule's premise items (sorted; `[t-k]` = k days earlier)."
        ),
        _col("consequent", "VARCHAR", "The state the rule expects.", "NOT NULL"),
        _col("lead", _COUNT, "The rule's lead (consequent offset).", "NOT NULL"),
        _col("warning_days", _COUNT, "Days from the as-of day to the target date.", "NOT NULL"),
        _col("target_date", "DATE", "The day the outcome is expected.", "NOT NULL"),
        _col(
            "rules_through",
            "DATE",
            "Last day of the data the rule set was mined and validated on (never after `as_of`).",
            "NOT NULL",
        ),
        _col(
            "rules_run_id",
            "VARCHAR",
            "Stored pipeline run whose rules were used (NULL: mined as of `rules_through`).",
        ),
        _col(
            "status",
            "VARCHAR",
            "`active`, `inactive` (a premise state known false) or `cannot_evaluate` "
            "(a premise state unknown and none known false).",
            _in("status", ALERT_STATUSES),
        ),
        _col("unknown_inputs", "VARCHAR[]", "Premise items unknown on their day."),
        _col("confidence", "DOUBLE", "The rule's training confidence in the rule set used."),
        _col("lift", "DOUBLE", "The rule's training lift in the rule set used."),
        _col(
            "persistence",
            "BOOLEAN",
            "Persistence baseline: the consequent held on the as-of day (NULL: unknown).",
        ),
        _col(
            "outcome",
            "VARCHAR",
            "The consequent on the target date, as known that day: `occurred`, "
            "`not_occurred`, `unknown` (no data) or `pending` (not judged / after the data).",
            _in("outcome", ALERT_OUTCOMES),
        ),
        _col(
            "outcome_offset",
            _COUNT,
            "Days from the target date to the nearest day after `as_of` the consequent held, "
            "within `[monitor] lead_tolerance_days` (0 = on the day; NULL = none, or not judged).",
        ),
    ),
    key=("run_id", "as_of", "rule_id"),
)

REGION_COMPARISON = Table(
    "region_comparison",
    "Which rules hold in how many regions: one row per (regional batch, rule) for rules classed "
    "`stable_same_day` or `predictive` in at least one region. Written by "
    "`crisis_fca.store.write_region_comparison` after every region's own run is stored "
    "(`crisis-fca regions`; migration `0004_region_comparison`). Only the mobility source "
    "changes between regions, so a social-only rule holds everywhere by construction: read "
    "`n_regions` as replication only for rules with a mobility item.",
    (
        _col(
            "batch_id",
            "VARCHAR",
            "The regional run (the Prefect flow run id of `regional_pipeline`).",
            "NOT NULL",
        ),
        _col("case_name", "VARCHAR", "The regional case, e.g. `uae-covid`.", "NOT NULL"),
        _col("profile", "VARCHAR", "Profile, e.g. `rigorous`.", "NOT NULL"),
        _col(
            "recorded", "TIMESTAMP", "When the store committed the batch's rows (UTC).", "NOT NULL"
        ),
        _col("rule_id", "VARCHAR", "The rule (`rules.rule_id` in each region's run).", "NOT NULL"),
        _col("premise", "VARCHAR[]", "The rule's premise items (sorted).", "NOT NULL"),
        _col("consequent", "VARCHAR", "The state the rule expects.", "NOT NULL"),
        _col("lead", _COUNT, "Days from premise to consequent.", "NOT NULL"),
        _col("n_regions", _COUNT, "Regions where the rule holds.", "NOT NULL"),
        _col(
            "n_compared", _COUNT, "Regions whose run succeeded (and so were compared).", "NOT NULL"
        ),
        _col("regions", "VARCHAR[]", "The regions where it holds (`country` = country rows)."),
        _col("rule_classes", "VARCHAR[]", "Its class in each of those regions, same order."),
        _col("confidences", "DOUBLE[]", "Its training confidence in each, same order."),
        _col("lifts", "DOUBLE[]", "Its training lift in each, same order."),
        _col("run_ids", "VARCHAR[]", "Each of those regions' run (`runs.run_id`), same order."),
    ),
    key=("batch_id", "rule_id"),
)

TABLES: tuple[Table, ...] = (RUNS, *DATA_TABLES, ALERTS, REGION_COMPARISON)

RUN_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if "run_id" in t.names)
"""Tables whose rows belong to one run (what ``read_run`` and ``export_run`` return);
``region_comparison`` belongs to a regional batch instead."""


def table(name: str) -> Table:
    """The declared table called ``name`` (KeyError if there is none)."""
    return {t.name: t for t in TABLES}[name]
