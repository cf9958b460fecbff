"""The ``crisis_pipeline`` flow: one case, every stage a task, results in DuckDB and HTML.

Order: ingest (one task per source) -> align -> states -> lattice -> rules (mined on the
training days, validated on the holdout) -> store (DuckDB, plus the brief and report,
rendered with the run id and put in place only after the database committed) -> artifacts.
The stage tasks are in :mod:`flows.tasks`; the library does the work.

A re-run with the same case file, data files and library code takes ingest ... rules from
the cache (Prefect logs ``Cached``, and the flow logs which stages it reused); it still
records a new run in the store, so ``latest_runs`` shows when the case was last run. If a
stage fails, the failure and its reason are recorded in the store's ``runs`` table before
the flow run fails.

Runs offline with no server: Prefect starts a temporary local API in the process (set
``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120`` on small machines); called that way
the flow sends no heartbeats (:mod:`flows.local`). The artifacts are created by the flow run
itself, not by a task of their own. See :mod:`flows` for the settings the project relies on.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from prefect import get_run_logger
from prefect.runtime import flow_run
from prefect.tasks import Task

from crisis_fca.config import REPORTS_DIR, CaseConfig, load_case, resolve_data_dir
from crisis_fca.pipeline import CaseRun
from flows.artifacts import publish_run_artifacts, rule_rows, run_markdown, validated_rules
from flows.cache import run_fingerprint, source_fingerprint, was_cached
from flows.local import local_flow
from flows.tasks import (
    align_stage,
    ingest_source,
    lattice_stage,
    record_failed_run,
    rules_stage,
    states_stage,
    store_stage,
    whole,
)

__all__ = [
    "STAGES",
    "Analysis",
    "PipelineResult",
    "analyse",
    "crisis_pipeline",
    "resolve_db",
    "warm_sources",
]

STAGES = ("ingest", "align", "states", "lattice", "rules")
"""The cached stages, in order."""


@dataclass(frozen=True)
class Analysis:
    """A case analysed by the stage tasks: the run, and which stages the cache served."""

    run: CaseRun
    fingerprint: str
    cached: tuple[str, ...]
    """Cached stages; ``ingest:<source>`` for each source read from the cache."""


@dataclass(frozen=True)
class PipelineResult:
    """What one ``crisis_pipeline`` run produced, and where."""

    case: str
    profile: str
    run_id: str
    flow_run_id: str
    db: Path
    brief: Path | None
    report: Path | None
    cached: tuple[str, ...]
    summary: dict[str, Any] = field(default_factory=dict)


def analyse(
    case: CaseConfig, data_dir: Path, *, refresh: bool = False, reuse: Collection[str] = ()
) -> Analysis:
    """Run the cached stages of one case as tasks (in a flow, or nested in a task).

    Args:
        case: the validated case.
        data_dir: the raw data folder.
        refresh: recompute the stages even when the cache holds their result.
        reuse: sources read from the cache even when ``refresh`` (the regional flow has just
            refreshed the shared ones once, instead of once per region).
    """
    fingerprint = run_fingerprint(case, data_dir)
    cached: list[str] = []
    timings: dict[str, float] = {}
    log = (cached, timings)
    reads = [
        _read(case, name, data_dir, refresh=refresh and name not in reuse, log=log)
        for name in (s.name for s in case.sources)
    ]
    kw = {"fingerprint": fingerprint}
    ingest = _stage(
        align_stage, refresh, log, "align", case=case, reads=reads, data_dir=data_dir, **kw
    )
    states = _stage(states_stage, refresh, log, "states", ingest=ingest, case=case, **kw)
    lattice = _stage(lattice_stage, refresh, log, "lattice", states=states, cfg=case.lattice, **kw)
    rules = _stage(
        rules_stage,
        refresh,
        log,
        "rules",
        states=states,
        mining=case.mining,
        validation=case.validation,
        **kw,
    )
    _log_cache(case.name, fingerprint, cached)
    return Analysis(CaseRun(ingest, states, lattice, rules, timings), fingerprint, tuple(cached))


@local_flow(name="crisis-pipeline", log_prints=False)
def crisis_pipeline(
    case: str = "uae-covid",
    profile: str = "rigorous",
    data_dir: Path | None = None,
    db: Path | None = None,
    out_dir: Path | None = None,
    *,
    render: bool = True,
    refresh: bool = False,
) -> PipelineResult:
    """Analyse one case, store the run in DuckDB, write its brief and report.

    Args:
        case: case name (``uae-covid``) or path to a case TOML file.
        profile: ``rigorous`` (default) or another profile the case file defines.
        data_dir: raw data folder (default ``$CRISIS_FCA_DATA_DIR``, else ``data/raw``).
        db: DuckDB file (default ``$CRISIS_FCA_DB``, else ``reports/crisis.duckdb``).
        out_dir: folder for the brief and report (default ``reports/``, as ``crisis-fca run``).
        render: write the brief and report (about 6-9 s and 7.6 MB for ``uae-covid``).
        refresh: recompute every stage even when the cache holds its result.
    """
    started = datetime.now(UTC)
    config = load_case(case, profile=profile)
    folder, database = resolve_data_dir(data_dir), resolve_db(db)
    flow_run_id = str(flow_run.id)
    extra: dict[str, Any] = {"orchestrator": "prefect", "flow_run_id": flow_run_id}
    try:
        analysis = analyse(config, folder, refresh=refresh)
    except Exception as exc:
        record_failed_run(config, folder, database, started, _reason(exc), extra=extra)
        raise
    extra.update(fingerprint=analysis.fingerprint, cached_stages=list(analysis.cached))
    pages = (out_dir or REPORTS_DIR) if render else None  # as `crisis-fca run`
    stored = store_stage(whole(analysis.run), database, started, pages, extra)
    run_id, files = stored.run_id, stored.files
    _publish(config, analysis, run_id, files)
    written = ", ".join(map(str, files)) or "none"
    get_run_logger().info("run %s stored in %s; files: %s", run_id, database, written)
    return PipelineResult(
        case=config.name,
        profile=config.profile,
        run_id=run_id,
        flow_run_id=flow_run_id,
        db=database,
        brief=files[0] if files else None,
        report=files[1] if files else None,
        cached=analysis.cached,
        summary=dict(analysis.run.rules.summary),
    )


def warm_sources(
    case: CaseConfig, data_dir: Path, names: Collection[str], *, refresh: bool = False
) -> tuple[str, ...]:
    """Read the named sources once so later (parallel) readers find them in the cache.

    Returns the names that were already cached.
    """
    cached: list[str] = []
    for name in names:
        _read(case, name, data_dir, refresh=refresh, log=(cached, {}))
    return tuple(c.removeprefix("ingest:") for c in cached)


def resolve_db(db: Path | None) -> Path:
    """The store file: the argument, else ``$CRISIS_FCA_DB``, else ``reports/crisis.duckdb``."""
    from crisis_fca.store import DEFAULT_DB

    return Path(db or os.environ.get("CRISIS_FCA_DB") or DEFAULT_DB).expanduser().resolve()


_Log = tuple[list[str], dict[str, float]]
"""Where :func:`_stage` notes cached stages and seconds per stage."""


def _read(case: CaseConfig, name: str, data_dir: Path, *, refresh: bool, log: _Log) -> Any:
    key = source_fingerprint(case, name, data_dir)
    return _stage(
        ingest_source,
        refresh,
        log,
        f"ingest:{name}",
        case=case,
        source_name=name,
        data_dir=data_dir,
        fingerprint=key,
    )


def _stage(stage: Task[..., Any], refresh: bool, log: _Log, label: str, **kwargs: Any) -> Any:
    start = perf_counter()
    runnable = stage.with_options(refresh_cache=True) if refresh else stage
    quoted = {k: v if k == "fingerprint" else whole(v) for k, v in kwargs.items()}
    state = runnable(**quoted, return_state=True)
    value = state.result()  # raises the stage's own exception when it failed
    cached, timings = log
    timings[label] = round(perf_counter() - start, 3)
    if was_cached(state):
        cached.append(label)
    return value


def _log_cache(name: str, fingerprint: str, cached: list[str]) -> None:
    logger = get_run_logger()
    computed = [s for s in STAGES if not any(c.split(":")[0] == s for c in cached)]
    if cached:
        reused, fresh = ", ".join(cached), ", ".join(computed) or "nothing"
        logger.info(
            "%s: inputs unchanged (fingerprint %s); reused cached %s; computed %s",
            name,
            fingerprint,
            reused,
            fresh,
        )
    else:
        logger.info(
            "%s: no cached results for fingerprint %s; computed every stage", name, fingerprint
        )


def _publish(config: CaseConfig, analysis: Analysis, run_id: str, files: tuple[Path, ...]) -> None:
    run = analysis.run
    rules = validated_rules(run.rules)  # the artifacts show only these
    counts = {
        "days": len(run.states.values),
        "states": len(run.states.values.columns),
        "concepts": len(run.lattice.lattice.concepts),
    }
    title = f"{config.case.title}: {config.name} ({config.profile})"
    markdown = run_markdown(
        title, run_id, run.rules.summary, rules, counts=counts, cached=analysis.cached, files=files
    )
    publish_run_artifacts(config.name, config.profile, markdown, rule_rows(rules), files)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
