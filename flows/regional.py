"""The ``regional_pipeline`` flow: one case across the regions of its mobility source, on Dask.

Each region is the case re-targeted by :func:`crisis_fca.regions.region_case` (stored as case
``<case>--<region>``, e.g. ``uae-covid--dubai``). The flow

1. reads the sources every region shares (posts, case counts) once, warming the cache;
2. submits one ``analyse-region`` task per region to the task runner -- prefect-dask's
   ``DaskTaskRunner`` (https://docs.prefect.io/integrations/prefect-dask): a local cluster of
   2 thread workers by default, or an existing cluster by address. Inside, the stage tasks
   of :func:`flows.pipeline.analyse` run nested, with the same content-keyed caching;
3. stores each region as it finishes, one write at a time from the flow (DuckDB allows one
   writing process per file; the store also waits on a held lock), or records the region's
   failure with its reason -- a region with bad or missing data fails alone;
4. writes the cross-region comparison (:func:`crisis_fca.regions.region_comparison`) to the
   ``region_comparison`` table of the same database, and publishes artifacts.

Thread workers are the default because in ephemeral mode (no ``PREFECT_API_URL``) every
process worker starts its own temporary Prefect server (tens of seconds each); with a real
server (``prefect server start``) process workers cost little more than threads. Every
listening socket the local cluster opens (scheduler, dashboard, workers) is on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from crisis_fca.config import REPORTS_DIR, CaseConfig, load_case, resolve_data_dir
from crisis_fca.regions import (
    case_regions,
    mobility_source,
    region_case,
    region_comparison,
    region_label,
)
from flows.artifacts import comparison_rows, publish_regional_artifacts, regional_markdown
from flows.comparison import store_comparison
from flows.pipeline import Analysis, analyse, resolve_db, warm_sources
from flows.tasks import record_failed_run, store_stage, whole

__all__ = ["RegionalResult", "analyse_region", "dask_runner", "regional_flow", "regional_pipeline"]

_LOOPBACK = "127.0.0.1:0"


@dataclass(frozen=True)
class RegionalResult:
    """What one ``regional_pipeline`` run stored."""

    case: str
    profile: str
    batch_id: str
    db: Path
    stored: dict[str, str] = field(default_factory=dict)
    """Region label -> run id, for regions that completed."""
    failed: dict[str, str] = field(default_factory=dict)
    """Region label -> why it failed (also in its ``runs`` row)."""
    shared_rules: int = 0
    """Rules that hold in more than one region."""


def dask_runner(
    workers: int = 2, *, processes: bool = False, address: str | None = None
) -> TaskRunner[Any]:
    """A ``DaskTaskRunner``: an existing cluster at ``address``, else a local loopback cluster.

    Raises:
        ImportError: prefect-dask is not installed (``pip install 'crisis-fca[dask]'``).
    """
    import dask
    from prefect_dask.task_runners import DaskTaskRunner

    # Dask's statistical profiler keeps its samples in memory for the cluster's lifetime:
    # measured, 1,000 regions grew the process 60 % with it and 8 % without (benchmarks/).
    dask.config.set({"distributed.worker.profile.enabled": False})
    if address:
        return DaskTaskRunner(address=address)
    cluster: dict[str, Any] = {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": processes,
        "dashboard_address": _LOOPBACK,  # None would still open 0.0.0.0:8787
        "worker_dashboard_address": _LOOPBACK,
    }
    if processes:
        cluster["host"] = "127.0.0.1"  # thread workers talk in-process (inproc://)
    return DaskTaskRunner(cluster_kwargs=cluster)


def _default_runner() -> TaskRunner[Any]:
    try:
        return dask_runner()
    except ImportError:  # the `dask` extra is missing: still run, two regions at a time
        return ThreadPoolTaskRunner(max_workers=2)


@task(name="analyse-region", task_run_name="region-{label}", cache_policy=NO_CACHE)
def analyse_region(
    case: CaseConfig,
    region: str,
    label: str,
    data_dir: Path,
    *,
    source: str | None = None,
    refresh: bool = False,
) -> Analysis:
    """The stage tasks of one region, nested (shared sources come from the warmed cache)."""
    regional = region_case(case, region, source)
    shared = {s.name for s in case.sources} - {mobility_source(case, source).name}
    return analyse(regional, data_dir, refresh=refresh, reuse=shared)


@flow(name="regional-pipeline", task_runner=_default_runner())
def regional_pipeline(
    case: str = "uae-covid",
    profile: str = "rigorous",
    regions: list[str] | None = None,
    data_dir: Path | None = None,
    db: Path | None = None,
    *,
    out_dir: Path | None = None,
    source: str | None = None,
    render: bool = False,
    refresh: bool = False,
) -> RegionalResult:
    """Run one case for every region of its mobility source; compare the rules across regions.

    Args:
        case: case name or path to a case TOML.
        profile: ``rigorous`` (default) or another profile of the case.
        regions: regions to run (``""`` = country level, else ``sub_region_1`` names or ISO
            codes); default: the ``regions`` the case file names on its mobility source.
        data_dir: raw data folder (default ``$CRISIS_FCA_DATA_DIR``, else ``data/raw``).
        db: DuckDB file (default ``$CRISIS_FCA_DB``, else ``reports/crisis.duckdb``).
        out_dir: folder for briefs and reports when ``render`` (default ``reports/``).
        source: the mobility source the regions belong to, if the case has several.
        render: write a brief and report per region (about 6 s and 7.5 MB each).
        refresh: recompute every stage even when the cache holds its result.
    """
    started = datetime.now(UTC)
    config = load_case(case, profile=profile)
    wanted = tuple(regions) if regions is not None else case_regions(config, source)
    folder, database = resolve_data_dir(data_dir), resolve_db(db)
    batch = str(flow_run.id)
    shared = [s.name for s in config.sources if s.name != mobility_source(config, source).name]
    warm_sources(config, folder, shared, refresh=refresh)
    futures = {
        analyse_region.submit(config, r, region_label(r), folder, source=source, refresh=refresh): r
        for r in wanted
    }
    render_to = (out_dir or REPORTS_DIR) if render else None
    target = _Target(config, folder, database, started, batch, render_to)
    stored, failed, rules = _collect(target, futures)
    comparison = region_comparison(rules)
    run_ids = [tuple(stored[label] for label in labels) for labels in comparison["regions"]]
    comparison = comparison.assign(run_ids=pd.Series(run_ids, index=comparison.index, dtype=object))
    store_comparison(database, comparison, batch, config.name, config.profile)
    title = f"{config.case.title}: {config.name} ({config.profile}) across {len(wanted)} regions"
    markdown = regional_markdown(title, stored, failed, comparison)
    publish_regional_artifacts(config.name, config.profile, markdown, comparison_rows(comparison))
    shared_rules = int((comparison["n_regions"] > 1).sum()) if len(comparison) else 0
    get_run_logger().info(
        "%d region(s) stored, %d failed (%s); %d rule(s) hold in more than one region; "
        "comparison in %s, table region_comparison, batch_id %s",
        len(stored), len(failed), ", ".join(failed) or "none", shared_rules, database, batch,
    )  # fmt: skip
    return RegionalResult(
        config.name, config.profile, batch, database, stored, failed, shared_rules
    )


def regional_flow(
    workers: int = 2, *, processes: bool = False, address: str | None = None
) -> Flow[..., RegionalResult]:
    """``regional_pipeline`` on a chosen Dask cluster (``address``) or local cluster size."""
    runner = dask_runner(workers, processes=processes, address=address)
    return regional_pipeline.with_options(task_runner=runner)


@dataclass(frozen=True)
class _Target:
    """Where and as what the regions of one regional run are recorded."""

    config: CaseConfig
    data_dir: Path
    db: Path
    started: datetime
    batch: str
    out_dir: Path | None


def _collect(
    target: _Target, futures: Mapping[PrefectFuture[Analysis], str]
) -> tuple[dict[str, str], dict[str, str], dict[str, pd.DataFrame]]:
    """Store each region as it finishes (one writer: this flow), or record its failure."""
    from crisis_fca.records import rules_frame

    stored: dict[str, str] = {}
    failed: dict[str, str] = {}
    rules: dict[str, pd.DataFrame] = {}
    for future in as_completed(list(futures)):
        region = futures[future]
        label = region_label(region)
        extra: dict[str, Any] = {"orchestrator": "prefect", "regional_case": target.config.name,
                 "region": region, "batch_id": target.batch}  # fmt: skip
        try:
            analysis = _finished(future)
        except Exception as exc:  # a region fails alone, with its reason recorded
            failed[label] = _failed(label, exc)
            record_failed_run(region_case(target.config, region), target.data_dir, target.db,
                              target.started, failed[label], extra=extra)  # fmt: skip
            continue
        try:  # the store records its own failures
            done = store_stage(
                whole(analysis.run), target.db, target.started, target.out_dir, extra
            )
        except Exception as exc:  # recorded by write_run
            failed[label] = _failed(label, exc)
            continue
        stored[label] = done.run_id
        rules[region] = rules_frame(analysis.run.rules)
    return stored, failed, rules


def _finished(future: PrefectFuture[Analysis]) -> Analysis:
    """The region's analysis, or the exception its task run failed with."""
    future.wait()
    state = future.state
    if not state.is_completed():
        raise _unwrap(state.result(raise_on_failure=False))
    return state.result()  # type: ignore[no-any-return]


def _failed(label: str, exc: BaseException) -> str:
    reason = _reason(exc)
    get_run_logger().warning("region %s failed: %s", label, reason)
    return reason


def _unwrap(value: Any) -> BaseException:
    return value if isinstance(value, BaseException) else RuntimeError(str(value))


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
