"""Run one engine on one input in a fresh subprocess, with a per-run time cap.

The parent side of the measurement protocol (the child side is :mod:`benchmarks._worker`).
A :class:`Task` names an engine (``module`` + key in that module's ``ENGINES``) and a
pickled input; :func:`run_task` starts ``python -m benchmarks._worker`` on it and reads
one JSON event per line: ``ready`` (imports done, input loaded), one ``run`` per timed
call (the first is the warm-up), ``done`` (counts, fingerprints, peak RSS) and
``traced`` (the tracemalloc peak of one extra call). Every run must report within
``Task.cap`` seconds, or the worker -- and only that worker, by its pid -- is killed and
the row reads "> cap".

Memory: ``maxrss_mb`` is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the worker
(peak resident set of the whole process: interpreter, imports, input and every run);
``ready_rss_mb`` is its resident set just before the first run, so the difference is the
engine's own high-water mark. ``py_peak_mb`` is :mod:`tracemalloc`'s peak over one extra
call: Python and NumPy allocations only (not pyfim's C heap), skipped for slow engines
because tracing slows pure-Python code several times.
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["ROOT", "SLACK", "STARTUP_ALLOWANCE", "Result", "Task", "run_task", "skipped"]

ROOT = Path(__file__).resolve().parent.parent
"""The checkout (the worker runs with it as its working directory)."""
STARTUP_ALLOWANCE = 180.0
"""Seconds a worker may take to import, load its input and prepare (untimed set-up)."""
SLACK = 1.0
"""Seconds allowed beyond the cap for garbage collection and reporting between runs."""


@dataclass(frozen=True)
class Task:
    """One cell of the benchmark table: an engine on an input."""

    family: str
    context: str
    """Row label of the input, e.g. ``uae-covid 671 x 32``."""
    engine: str
    """Row label of the engine, e.g. ``concepts (transposed)``."""
    module: str
    """Module whose ``ENGINES`` dict holds the engine."""
    key: str
    inputs: str
    """Path of the pickled input."""
    cap: float = 120.0
    """Seconds allowed per run."""
    repeats: int = 5
    slow: float = 10.0
    """A warm-up slower than this is the only measurement (marked ``*``)."""
    baseline: bool = False
    """Ratios in this (family, context) are taken against this row."""
    reference: bool = False
    """Counts and fingerprints in this (family, context) are checked against this row."""
    params: dict[str, Any] = field(default_factory=dict)
    memory_gb: float = 8.0
    """Address-space limit of the worker (a runaway baseline fails instead of swapping)."""
    requires: str = ""
    """Module the engine imports (e.g. ``fim``); the row is skipped when it is missing."""
    trace_below: float = 3.0
    """Trace allocations (one extra call) only when the median is below this."""


@dataclass
class Result:
    """What one task measured."""

    task: Task
    status: str = "error"
    """``ok``, ``timeout``, ``error`` or ``skipped``."""
    walls: list[float] = field(default_factory=list)
    """Timed runs after the warm-up (or the warm-up alone when it was slow)."""
    single: bool = False
    cpus: list[float] = field(default_factory=list)
    """Process CPU seconds of the same runs (all threads; less sensitive to other load)."""
    counts: dict[str, int] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    stages: list[dict[str, float]] = field(default_factory=list)
    """Per-run stage times (end-to-end rows), warm-up first."""
    extra: dict[str, Any] = field(default_factory=dict)
    ready_rss_mb: float | None = None
    maxrss_mb: float | None = None
    py_peak_mb: float | None = None
    message: str = ""

    @property
    def median(self) -> float | None:
        """Median wall time of the timed runs (None unless ``ok``)."""
        return statistics.median(self.walls) if self.status == "ok" and self.walls else None

    @property
    def cpu_median(self) -> float | None:
        """Median process CPU time of the timed runs (None unless ``ok``)."""
        return statistics.median(self.cpus) if self.status == "ok" and self.cpus else None


def skipped(task: Task, why: str) -> Result:
    """A row that was not run, with the reason shown in the table."""
    return Result(task=task, status="skipped", message=why)


def run_task(task: Task, python: str = sys.executable) -> Result:
    """Run ``task`` in a fresh worker process and collect its events."""
    spec = {
        "module": task.module,
        "engine": task.key,
        "inputs": task.inputs,
        "repeats": task.repeats,
        "slow": task.slow,
        "trace_below": min(task.trace_below, task.cap / 4),
        "params": task.params,
        "memory_gb": task.memory_gb,
    }
    result = Result(task=task)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        with subprocess.Popen(
            [python, "-m", "benchmarks._worker", json.dumps(spec)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        ) as proc:
            _collect(proc, task, result)
        err.seek(0)
        tail = err.read()[-2000:].strip()
    if result.status == "error" and not result.message:
        result.message = tail.splitlines()[-1] if tail else f"worker exited {proc.returncode}"
    return result


def _collect(proc: subprocess.Popen[str], task: Task, result: Result) -> None:
    """Read the worker's events into ``result``, killing the worker at a cap."""
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=_pump, args=(proc.stdout, events), daemon=True).start()
    timeout, runs = STARTUP_ALLOWANCE, list[float]()
    cpus: list[float] = []
    while True:
        try:
            event = events.get(timeout=timeout)
        except queue.Empty:
            proc.kill()  # our own worker, by its pid
            if result.status != "ok":
                result.status = "timeout" if "ready" in result.extra else "error"
                result.message = result.message or f"no answer within {timeout:.0f} s"
            break
        if event is None:
            break
        timeout = task.cap + SLACK
        _apply(event, result, runs, cpus)
    proc.wait()


def _apply(event: dict[str, Any], result: Result, runs: list[float], cpus: list[float]) -> None:
    """Fold one worker event into ``result``."""
    kind = event["event"]
    if kind == "ready":
        result.extra["ready"] = True
        result.ready_rss_mb = event["rss_mb"]
    elif kind == "run":
        runs.append(event["wall"])
        cpus.append(event["cpu"])
        if event.get("stages"):
            result.stages.append(event["stages"])
    elif kind == "done":
        result.status = "ok"
        result.single = len(runs) == 1
        result.walls = runs[:1] if result.single else runs[1:]
        result.cpus = cpus[:1] if result.single else cpus[1:]
        result.counts = event["counts"]
        result.fingerprints = event["fingerprints"]
        result.extra.update(event.get("extra", {}))
        result.maxrss_mb = event["maxrss_mb"]
    elif kind == "traced":
        result.py_peak_mb = event["py_peak_mb"]
    elif kind == "error":
        result.status = "error"
        result.message = event["message"]


def _pump(stream: IO[str], events: queue.Queue[dict[str, Any] | None]) -> None:
    """Forward JSON lines from the worker; None at end of stream."""
    for line in stream:
        if line.startswith("{"):
            events.put(json.loads(line))
    events.put(None)
