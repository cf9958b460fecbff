"""One Prefect task per pipeline stage, each a thin wrapper around library calls.

=============== ===================================================== ======= ========
task            library call                                          cached  retries
=============== ===================================================== ======= ========
``ingest``      ``read_source`` + ``source_signals`` (one source)     source  I/O
``align``       ``align_signals``                                     run     -
``states``      ``states_for_case``                                   run     -
``lattice``     ``case_lattice``                                      run     -
``rules``       ``validate_rules`` (mine on the past, check holdout)  run     -
``store``       ``store_run``: brief and report rendered with the run  -       I/O
                id, DuckDB written (one transaction), pages put in
                place only after the commit
``record-failure`` ``record_failure``                                 -       I/O
=============== ===================================================== ======= ========

"Cached" says which fingerprint keys the result (:mod:`flows.cache`); a cached stage's result
is stored as one raw pickle with its Prefect metadata apart (``STAGE``: the cache policy, the
serializer and persistence, the same for every cached task). Retries apply only
to transient I/O errors (:func:`flows.cache.transient_io`): an OS error or a DuckDB file
lock, never a data or configuration error. Tasks that are not cached use ``NO_CACHE``, so
Prefect never hashes their (large) arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from crisis_fca.align import align_signals
from crisis_fca.config import CaseConfig, LatticeConfig, config_hash
from crisis_fca.ingest import SourceData, read_source
from crisis_fca.pipeline import (
    CaseLattice,
    CaseRun,
    IngestResult,
    StoredRun,
    case_lattice,
    code_version,
    require_known_states,
)
from crisis_fca.pipeline import source_signals as tidy_source_signals
from crisis_fca.rules import MiningConfig, RulesResult, ValidationConfig, validate_rules
from crisis_fca.states import StateSet, states_for_case
from flows.cache import STAGE_CACHE, StagePickle, transient_io

__all__ = [
    "STAGE",
    "SourceRead",
    "align_stage",
    "ingest_source",
    "lattice_stage",
    "record_failed_run",
    "rules_stage",
    "states_stage",
    "store_stage",
    "whole",
]

SourceRead = tuple[SourceData, pd.DataFrame]
"""What the ingest task returns: the adapter's output and its tidy signals (text scored)."""

T = TypeVar("T")

_RETRIES = 2
_DELAYS = [2.0, 10.0]

STAGE: dict[str, Any] = {
    "cache_policy": STAGE_CACHE,
    "result_serializer": StagePickle(),
    "persist_result": True,
}
"""Options of every cached stage task (see :mod:`flows.cache`)."""


def whole(value: T) -> T:
    """Pass a large stage output to a task without Prefect walking it.

    Prefect visits every element of task arguments to find futures; for a lattice with
    12,000 concepts that cost 5-15 s per call. ``quote`` skips the walk (and the UI's
    dependency arrow for that argument); the task receives the value itself.
    """
    return cast(T, quote(value))


@task(
    name="ingest",
    task_run_name="ingest-{source_name}",
    retries=_RETRIES,
    retry_delay_seconds=_DELAYS,
    retry_condition_fn=transient_io,
    **STAGE,
)
def ingest_source(
    case: CaseConfig, source_name: str, data_dir: Path, fingerprint: str
) -> SourceRead:
    """Read one source file and derive its signals (posts are scored here: the slow part)."""
    source = next(s for s in case.sources if s.name == source_name)
    data = read_source(source, data_dir)
    return data, tidy_source_signals(data, case)


@task(name="align", **STAGE)
def align_stage(
    case: CaseConfig, reads: Sequence[SourceRead], data_dir: Path, fingerprint: str
) -> IngestResult:
    """Align every source's signals on the case's daily calendar (as ``ingest_case`` does)."""
    posts = [data.posts for data, _ in reads if data.posts is not None]
    aligned = align_signals(
        pd.concat([tidy for _, tidy in reads], ignore_index=True),
        case.window,
        case.signals,
        posts=pd.concat(posts, ignore_index=True) if posts else None,
    )
    return IngestResult(case, data_dir, tuple(data for data, _ in reads), aligned)


@task(name="states", **STAGE)
def states_stage(ingest: IngestResult, case: CaseConfig, fingerprint: str) -> StateSet:
    """Named binary states of every day (refused when no data state is ever known)."""
    states = states_for_case(ingest.aligned, case)
    require_known_states(states, case)
    return states


@task(name="lattice", **STAGE)
def lattice_stage(states: StateSet, cfg: LatticeConfig, fingerprint: str) -> CaseLattice:
    """The concept lattice of days x states."""
    return case_lattice(states, cfg)


@task(name="rules", **STAGE)
def rules_stage(
    states: StateSet, mining: MiningConfig, validation: ValidationConfig, fingerprint: str
) -> RulesResult:
    """Lead-time rules mined on the training days and validated on the later holdout."""
    return validate_rules(states, mining, validation)


@task(
    name="store",
    cache_policy=NO_CACHE,
    retries=_RETRIES,
    retry_delay_seconds=_DELAYS,
    retry_condition_fn=transient_io,
)
def store_stage(
    run: CaseRun,
    db: Path,
    started: datetime,
    out_dir: Path | None = None,
    params: Mapping[str, Any] | None = None,
) -> StoredRun:
    """Record the run in DuckDB and, with ``out_dir``, write its brief and report.

    One library call, so the pages carry the run id and appear only once the database has
    committed (see :func:`crisis_fca.pipeline.store_run`).
    """
    from crisis_fca.pipeline import store_run

    return store_run(run, db, started, out_dir, params=params)


@task(
    name="record-failure",
    cache_policy=NO_CACHE,
    retries=_RETRIES,
    retry_delay_seconds=_DELAYS,
    retry_condition_fn=transient_io,
)
def record_failed_run(
    case: CaseConfig,
    data_dir: Path,
    db: Path,
    started: datetime,
    error: str,
    *,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Record a run that failed before the store, with its reason; return its run id."""
    from crisis_fca.fetch import data_checksums
    from crisis_fca.store import RunRecord, record_failure

    record = RunRecord(
        case=case.name,
        profile=case.profile,
        config_hash=config_hash(case),
        data_checksums=data_checksums(case, data_dir),
        code_version=code_version(),
        started=started,
        finished=datetime.now(UTC),
        params=dict(extra or {}),
    )
    return record_failure(db, record, error)
