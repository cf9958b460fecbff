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
stale result. The stage code is the library's plus this module and :mod:`flows.tasks` (the
align task and the stored format live here).

How a stage result is kept (Prefect's default local storage, ``$PREFECT_HOME/storage``):

* the **result** -- the stage's output as one plain pickle (protocol 5, :class:`StagePickle`),
  written raw at ``storage/<key>``: no base64, no JSON around it;
* its **metadata** -- Prefect's small JSON record (serializer, storage key) -- apart, at
  ``storage/crisis-fca-keys/<key>`` (:class:`StageKeys`, the policy's ``key_storage``).

Prefect looks a key up by reading its record; with the metadata apart that is a few hundred
bytes instead of the whole result unpickled, so a cache hit unpickles each result once, not
twice (https://docs.prefect.io/v3/concepts/caching, "cache key storage"). A record whose
result file is gone, lies outside the current storage folder or is newer than the record
(a rewrite cut short) counts as a miss, so the stage is computed again rather than the run
failing.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import json
import pickle
from collections.abc import Callable
from dataclasses import fields
from functools import cache
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import cloudpickle  # type: ignore[import-untyped]
import duckdb
from prefect.cache_policies import CacheKeyFnPolicy
from prefect.client.schemas.objects import State, TaskRun
from prefect.context import TaskRunContext
from prefect.filesystems import LocalFileSystem
from prefect.serializers import Serializer
from prefect.settings import get_current_settings
from prefect.tasks import Task
from pydantic import Field

from crisis_fca.config import CaseConfig, PostsSource, config_hash
from crisis_fca.fetch import data_checksums, sha256_file
from crisis_fca.ingest import source_file
from crisis_fca.lattice.model import Concept

__all__ = [
    "DOWNSTREAM",
    "KEYS_FOLDER",
    "STAGE_CACHE",
    "StageKeys",
    "StagePickle",
    "code_digest",
    "library_digest",
    "run_fingerprint",
    "source_fingerprint",
    "stage_cache_key",
    "stage_digest",
    "transient_io",
    "was_cached",
]

_FLOWS = Path(__file__).resolve().parent
_LIBRARY = _FLOWS.parent / "crisis_fca"
_STAGE_MODULES = ("cache.py", "tasks.py")
"""Modules of :mod:`flows` that run in, or define the stored form of, a cached stage."""

KEYS_FOLDER = "crisis-fca-keys"
"""Folder of Prefect's local result storage that holds the stage results' metadata."""

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


@cache
def stage_digest() -> str:
    """The stage code's digest: :func:`library_digest` and the flows' stage modules."""
    digest = hashlib.sha256(library_digest().encode())
    for name in _STAGE_MODULES:
        digest.update(b"\0" + name.encode() + b"\0" + (_FLOWS / name).read_bytes())
    return digest.hexdigest()[:12]


def run_fingerprint(case: CaseConfig, data_dir: Path) -> str:
    """Key of a case's analysis: configuration, the bytes of its files, the library code."""
    sums = data_checksums(case, data_dir)
    missing = sorted({s.name for s in case.sources} - set(sums))
    parts = [config_hash(case), stage_digest(), *(f"{k}={v}" for k, v in sorted(sums.items()))]
    parts += [f"{name}=absent" for name in missing]
    return _digest(parts)


def source_fingerprint(case: CaseConfig, source_name: str, data_dir: Path) -> str:
    """Key of one source's read (and text scoring): its settings and its file's bytes."""
    source = next(s for s in case.sources if s.name == source_name)
    parts = [source.model_dump_json(), stage_digest(), sha256_file(source_file(source, data_dir))]
    if isinstance(source, PostsSource):
        parts.append(case.text.model_dump_json())
    return _digest(parts)


def stage_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """``cache_key_fn`` of the stage tasks: stage name + the ``fingerprint`` argument."""
    return f"crisis-fca-{context.task.name}-{parameters['fingerprint']}"


class StagePickle(Serializer):
    """Prefect result serializer of the cached stages: one plain pickle, protocol 5.

    Prefect's default (``pickle``) base64-encodes a cloudpickle and, stored with its
    metadata, wraps that in JSON: 20 MB of text for ``uae-covid``'s stages, built and parsed
    on every write and read. This writes the pickle's bytes as they are, so it is only
    for results whose metadata is stored apart (:data:`STAGE_CACHE`). The standard pickler
    is used (C, no per-object Python hook) with reducers for what it cannot or should not
    take the slow way: read-only mappings, and lattice concepts (a frozen slots dataclass
    pickles through a Python ``__getstate__`` per concept); anything else it refuses falls
    back to cloudpickle.
    """

    type: str = Field(default="crisis-fca-pickle", frozen=True)

    def dumps(self, obj: Any) -> bytes:
        """The object as pickle bytes."""
        buffer = io.BytesIO()
        try:
            _StagePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
        except (pickle.PicklingError, TypeError, AttributeError):
            return bytes(cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        return buffer.getvalue()

    def loads(self, blob: bytes) -> Any:
        """The object back from :meth:`dumps`' bytes."""
        return pickle.loads(blob)  # our own results, in our own storage


class StageKeys(LocalFileSystem):
    """Where the cached stages' result metadata lives: ``<local storage>/crisis-fca-keys``.

    The folder follows Prefect's current ``results.local_storage_path`` (by default
    ``$PREFECT_HOME/storage``) at each use, as the results themselves do, so a changed
    ``PREFECT_HOME`` (the tests' fresh one) changes both. Reading a record checks that its
    result file is still there, in the current storage folder, and not newer than the record
    (a rewrite that stopped half-way): otherwise Prefect would find the key, fail to read the
    result and fail the stage; this way the stage is recomputed.
    """

    _block_type_name: ClassVar[str] = "crisis-fca stage keys"

    def _resolve_path(self, path: str) -> Path:
        base = _storage_root() / KEYS_FOLDER
        resolved = (base / path).resolve()
        if base not in resolved.parents:
            raise ValueError(f"{path!r} is outside the stage key folder {base}")
        return resolved

    async def aread_path(self, path: str) -> bytes:
        """The record at ``path``, if its result file is where it says."""
        return self.read_path(path)

    def read_path(self, path: str, _sync: bool | None = None) -> bytes:  # type: ignore[override]
        """The record at ``path``, if its result file is where it says."""
        record = self._resolve_path(path)
        written = record.stat().st_mtime_ns
        return _live_record(record.read_bytes(), written)


STAGE_CACHE = CacheKeyFnPolicy(cache_key_fn=stage_cache_key, key_storage=StageKeys())
"""Cache policy of the stage tasks: :func:`stage_cache_key`, metadata in :class:`StageKeys`."""


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


def _storage_root() -> Path:
    return Path(get_current_settings().results.local_storage_path).expanduser().resolve()


def _live_record(content: bytes, written: int) -> bytes:
    """``content`` if the result its metadata points at is there and complete; else raise.

    Prefect writes the result, then its metadata: a result newer than the metadata
    (``written``, ns) was being rewritten when its run stopped, and may be cut short.
    """
    metadata = json.loads(content)  # Prefect's ResultRecordMetadata, as JSON
    key = metadata.get("storage_key")
    if metadata.get("storage_block_id") is None and key is not None:
        result = Path(key)
        root = _storage_root()
        if root not in result.parents or not result.is_file():
            raise FileNotFoundError(f"stage result {result} is gone or outside {root}")
        if result.stat().st_mtime_ns > written:
            raise FileNotFoundError(f"stage result {result} is newer than its record")
    return content


def _mappingproxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _fields_reducer(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """A pickle reducer rebuilding a dataclass from its fields in order (None: cannot)."""
    names = [f.name for f in fields(cls)]
    if len(names) < 2 or not all(f.init and not f.kw_only for f in fields(cls)):
        return None
    values = attrgetter(*names)
    return lambda obj: (cls, values(obj))


def _reducers() -> dict[type, Callable[[Any], tuple[Any, ...]]]:
    reducers: dict[type, Callable[[Any], tuple[Any, ...]]] = {
        MappingProxyType: lambda m: (_mappingproxy, (dict(m),))
    }
    if (concept := _fields_reducer(Concept)) is not None:
        reducers[Concept] = concept
    return reducers


class _StagePickler(pickle.Pickler):
    # A dict, not a ChainMap: the C pickler looks every object up in it, and a ChainMap's
    # Python __getitem__ made that lookup cost more than the pickling. It is a snapshot of
    # copyreg's table: a type registered there later is not seen, and if it then cannot be
    # pickled, StagePickle.dumps falls back to cloudpickle.
    dispatch_table = {**copyreg.dispatch_table, **_reducers()}  # noqa: RUF012


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
