"""The child side of the measurement protocol: ``python -m benchmarks._worker SPEC``.

``SPEC`` is the JSON written by :func:`benchmarks.harness.run_task`. The worker limits its
address space, imports the engine's module, loads the pickled input, lets the engine
prepare (untimed), then calls it ``1 + repeats`` times -- the first call is the warm-up,
and when the warm-up alone exceeds ``slow`` seconds it is the only measurement -- with the
cyclic garbage collector run between calls, never inside one. Counts and fingerprints
are taken from the last result, outside the timed region. Events go to a private copy of
stdout, one JSON object per line; anything the engines print lands on stderr.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pickle
import resource
import sys
import time
import traceback
import tracemalloc
from typing import IO, Any

__all__ = ["current_rss_mb", "main", "maxrss_mb"]


def current_rss_mb() -> float:
    """This process's resident set size now, in MB (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MB (``ru_maxrss`` is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Measure the engine described by the JSON spec in ``argv[0]``."""
    spec = json.loads((argv if argv is not None else sys.argv[1:])[0])
    out = _private_stdout()
    try:
        _limit_memory(float(spec["memory_gb"]))
        _measure(spec, out)
    except MemoryError:
        _emit(out, event="error", message=f"MemoryError (over {spec['memory_gb']:g} GB)")
    except Exception as exc:  # report any engine failure as a row, not a crash
        traceback.print_exc()
        _emit(out, event="error", message=f"{type(exc).__name__}: {exc}"[:300])
    return 0


def _measure(spec: dict[str, Any], out: IO[str]) -> None:
    module = importlib.import_module(spec["module"])
    with open(spec["inputs"], "rb") as fh:
        inputs = pickle.load(fh)
    run, describe = module.ENGINES[spec["engine"]](inputs, spec["params"])
    del inputs
    gc.collect()
    _emit(out, event="ready", rss_mb=current_rss_mb())
    result: Any = None
    walls = []
    for i in range(1 + int(spec["repeats"])):
        result = None
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - start)
        cpu = time.process_time() - cpu
        _emit(out, event="run", wall=walls[-1], cpu=cpu, stages=getattr(result, "stages", None))
        if i == 0 and walls[0] > spec["slow"]:
            break
    outcome = describe(result)
    _emit(out, event="done", maxrss_mb=maxrss_mb(), **outcome)
    timed = walls[1:] or walls
    if sorted(timed)[len(timed) // 2] <= spec["trace_below"]:
        result = None
        gc.collect()
        tracemalloc.start()
        run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        _emit(out, event="traced", py_peak_mb=peak / 2**20)


def _limit_memory(gigabytes: float) -> None:
    """Cap the address space so a runaway engine raises MemoryError instead of swapping."""
    limit = int(gigabytes * 2**30)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _private_stdout() -> IO[str]:
    """A private copy of stdout for events; fd 1 and ``sys.stdout`` now go to stderr."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def _emit(out: IO[str], **event: Any) -> None:
    out.write(json.dumps(event) + "\n")
    out.flush()


if __name__ == "__main__":
    raise SystemExit(main())
