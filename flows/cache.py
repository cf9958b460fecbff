"""What makes a cached stage result reusable, and which failures are worth a retry.

Prefect caches a task's result under the key its ``cache_key_fn`` returns
(https://docs.prefect.io/v3/concepts/caching). Our keys are *content* fingerprints, never
argument hashes of big frames:

* a **source** fingerprint -- the source's configuration, the text-scoring settings (for
  post sources), the SHA-256 of its file and the stage code's digest -- keys the read +
  score of one file, so the regions of a case share the scored posts;
* a **run** fingerprint -- :func:`crisis_fca.config.config_hash` of the (region) case,
  :func:`crisis_fca.fetch.data_checksums` of its files and the stage code's digest -- keys
  the align, states, lattice and rules stages.

Unchanged inputs give the same key, so a re-run loads the stored result instead of
computing it and Prefect logs ``Cached``. Any edit to the case file, a data file or a
``crisis_fca`` module the stages may run changes the key; modules that only run after the
cached stages (:data:`DOWNSTREAM`: store, render, CLI, ...) do not. A new module counts as
stage code until it is listed there, so a forgotten entry costs a recomputation, never a
stale result. Results are kept under ``$PREFECT_HOME/storage``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from prefect.client.schemas.objects import State, TaskRun
from prefect.context import TaskRunContext
from prefect.tasks import Task

from crisis_fca.config import CaseConfig, PostsSource, config_hash
from crisis_fca.fetch import data_checksums, sha256_file
from crisis_fca.ingest import source_file

__all__ = [
    "DOWNSTREAM",
    "code_digest",
    "library_digest",
    "run_fingerprint",
    "source_fingerprint",
    "stage_cache_key",
    "transient_io",
    "was_cached",
]

_LIBRARY = Path(__file__).resolve().parent.parent / "crisis_fca"

DOWNSTREAM = (
    "__main__.py", "cli.py", "fetch.py", "records.py", "regions.py", "monitor", "render", "store",
)  # fmt: skip
"""``crisis_fca`` modules and subpackages that never run inside a cached stage."""


def code_digest(root: Path, downstream: tuple[str, ...] = DOWNSTREAM) -> str:
    """SHA-256 (12 hex digits) of every ``.py`` file under ``root`` but the ``downstream`` ones."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in downstream or "__pycache__" in rel.parts:
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def library_digest() -> str:
    """:func:`code_digest` of the installed ``crisis_fca`` (computed once per process)."""
    return code_digest(_LIBRARY)


def run_fingerprint(case: CaseConfig, data_dir: Path) -> str:
    """Key of a case's analysis: configuration, the bytes of its files, the library code."""
    sums = data_checksums(case, data_dir)
    missing = sorted({s.name for s in case.sources} - set(sums))
    parts = [config_hash(case), library_digest(), *(f"{k}={v}" for k, v in sorted(sums.items()))]
    parts += [f"{name}=absent" for name in missing]
    return _digest(parts)


def source_fingerprint(case: CaseConfig, source_name: str, data_dir: Path) -> str:
    """Key of one source's read (and text scoring): its settings and its file's bytes."""
    source = next(s for s in case.sources if s.name == source_name)
    parts = [source.model_dump_json(), library_digest(), sha256_file(source_file(source, data_dir))]
    if isinstance(source, PostsSource):
        parts.append(case.text.model_dump_json())
    return _digest(parts)


def stage_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """``cache_key_fn`` of the stage tasks: stage name + the ``fingerprint`` argument."""
    return f"crisis-fca-{context.task.name}-{parameters['fingerprint']}"


def transient_io(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """``retry_condition_fn``: retry OS-level I/O errors and a DuckDB file lock, nothing else.

    A user error (a missing column, a bad config, a frame the store rejects) fails the same
    way every time, so retrying it only delays the message -- and, for the store, would add
    one failed-run row per attempt.
    """
    error = state.data if isinstance(state.data, BaseException) else None
    return _is_transient(error)


def was_cached(state: State[Any]) -> bool:
    """Whether a finished task state was served from the cache."""
    return state.is_completed() and state.name == "Cached"


def _is_transient(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            return True
        if isinstance(exc, OSError):
            return not isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError)
        exc, seen = exc.__cause__, seen + 1
    return False


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
