"""The benchmark suite's entry point: ``.venv/bin/python -m benchmarks.run [--quick]``.

Builds every input once (the real ``uae-covid`` states come from the end-to-end row's
first run), runs each engine in its own worker process (:mod:`benchmarks.harness`),
prints progress to stderr and the tables and the issue-9 target checks to stdout.
``--markdown FILE`` also writes the tables as markdown (the README's performance
section), ``--json FILE`` every measurement.

Sizes (:data:`FULL`, :data:`QUICK`): the full run has the lattice on 671 x {8, 16, 24, 32,
48} synthetic states, mining and the null on 671 x 192 and 2,000 x 400, five repeats and
five warm end-to-end runs (10-15 minutes on 2 cores). ``--quick`` (CI) keeps 671 x 16 and
671 x 192, three repeats, the cold end-to-end run only, and shows as skipped mlxtend's
fpgrowth (5-50x slower than its apriori here: 645 s on uae-covid), mlxtend on uae-covid
(15-40 s, 1.2 GB) and the mining row with the null (the null family times it).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import endtoend, lattice, mining, null, regions
from benchmarks.harness import ROOT, Result, Task, run_task, skipped
from benchmarks.report import HEADERS, render, table_rows, time_cell
from benchmarks.targets import stage_table, target_lines

__all__ = ["FAMILIES", "FULL", "QUICK", "Settings", "default_data_dir", "main"]

FAMILIES = ("end-to-end", "lattice", "mining", "null", "regions")
UAE = "uae-covid"


@dataclass(frozen=True)
class Settings:
    """How big and how often: one of :data:`FULL` or :data:`QUICK`."""

    name: str
    repeats: int
    slow: float
    """A warm-up slower than this (s) is the only run of that row."""
    trace_below: float
    """Trace allocations only for rows faster than this (s)."""
    lattice_sizes: tuple[int, ...]
    mining_sizes: tuple[str, ...]
    e2e_repeats: int
    left_out: tuple[tuple[str, str, str], ...] = ()
    """(family, engine key, context prefix) of rows shown as skipped ("" matches any)."""

    def leaves_out(self, task: Task) -> bool:
        """True when ``task`` is one of the rows this size skips."""
        return any(
            task.family == family and task.key.startswith(key) and task.context.startswith(ctx)
            for family, key, ctx in self.left_out
        )


FULL = Settings("full", 5, 10.0, 1.0, (8, 16, 24, 32, 48), ("671 x 192", "2,000 x 400"), 5)
QUICK = Settings(
    "quick",
    3,
    5.0,
    1.0,
    (16,),
    ("671 x 192",),
    0,
    left_out=(
        ("mining", "mlxtend-fpgrowth", ""),  # 645 s on uae-covid: apriori is mlxtend's fast path
        ("mining", "mlxtend-apriori", UAE),  # 15-40 s and 1.2 GB
        ("mining", "crisis-fca-mine-null", ""),  # the null family times the null
    ),
)


def default_data_dir() -> Path:
    """``$CRISIS_FCA_DATA_DIR``, else ``../shared/data`` beside the checkout, else ``data/raw``."""
    env = os.environ.get("CRISIS_FCA_DATA_DIR")
    if env:
        return Path(env)
    shared = ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else ROOT / "data" / "raw"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="CI-sized run (about 2 minutes)")
    parser.add_argument(
        "--repeats", type=int, help="timed repeats after the warm-up (default 5, quick 3)"
    )
    parser.add_argument(
        "--only", action="append", choices=FAMILIES, help="run only this family (repeatable)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="raw data folder (default: see README)"
    )
    parser.add_argument(
        "--markdown", type=Path, help="also write the tables as markdown to this file"
    )
    parser.add_argument(
        "--json", type=Path, help="also write every measurement as JSON to this file"
    )
    parser.add_argument(
        "--render", type=Path, help="print a run saved with --json instead of measuring"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite (or re-print a saved run); 1 when a row failed, else 0."""
    args = _parse(argv)
    if args.render:
        settings, results, machine = _load(args.render)
    else:
        settings, results, machine = _measure(args)
    print(_document(results, settings, machine, markdown=False))
    if args.markdown:
        text = _document(results, settings, machine, markdown=True)
        args.markdown.write_text(text + "\n", encoding="utf-8")
    if args.json:
        saved = {
            "settings": dataclasses.asdict(settings),
            "machine": machine,
            "results": [_as_dict(r) for r in results],
        }
        args.json.write_text(json.dumps(saved, indent=1, default=str), encoding="utf-8")
    return 1 if any(r.status == "error" for r in results) else 0


def _measure(args: argparse.Namespace) -> tuple[Settings, list[Result], str]:
    """Run every task of the chosen families; the machine line records the load."""
    families = tuple(args.only or FAMILIES)
    settings = QUICK if args.quick else FULL
    if args.repeats:
        settings = dataclasses.replace(settings, repeats=args.repeats, e2e_repeats=args.repeats)
    loads = [os.getloadavg()[0]]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="crisis-fca-bench-") as tmp:
        folder = Path(tmp)
        states = _uae_states(folder, args, settings, families, results)
        plan = _plan(folder, states, settings, families)
        for i, task in enumerate(plan, 1):
            if settings.leaves_out(task):
                results.append(skipped(task, "full run only"))
            else:
                results.append(_run(task, f"[{i}/{len(plan)}]"))
    if "regions" in families:
        results += regions.rows()
    loads.append(os.getloadavg()[0])
    return settings, results, _machine(loads)


def _load(path: Path) -> tuple[Settings, list[Result], str]:
    """A run saved with ``--json``, to print it again (e.g. as markdown)."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    raw = saved["settings"]
    raw["left_out"] = tuple(tuple(x) for x in raw["left_out"])
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    settings = Settings(**fields)
    results = []
    for row in saved["results"]:
        row.pop("median", None)
        task = Task(**row.pop("task"))
        results.append(Result(task=task, **row))
    return settings, results, saved["machine"]


def _run(task: Task, progress: str) -> Result:
    start = time.perf_counter()
    if task.requires and importlib.util.find_spec(task.requires) is None:
        result = skipped(task, f"{task.requires} not installed")
    else:
        result = run_task(task)
    took = time.perf_counter() - start
    print(
        f"{progress} {task.family} | {task.context} | {task.engine}: {time_cell(result)} "
        f"(row took {took:.0f} s)",
        file=sys.stderr,
        flush=True,
    )
    return result


def _uae_states(
    folder: Path,
    args: argparse.Namespace,
    settings: Settings,
    families: tuple[str, ...],
    results: list[Result],
) -> Any:
    """Run the end-to-end row (or just ingest + states) and load the states it dumped."""
    if not set(families) & {"end-to-end", "lattice", "mining", "null"}:
        return None
    dump = folder / "uae_states.pkl"
    data_dir = args.data_dir or default_data_dir()
    inputs = {"case": UAE, "data_dir": str(data_dir), "dump_states": str(dump)}
    path = _save(inputs, folder, "uae_case")
    only_states = "end-to-end" not in families
    (task,) = endtoend.tasks(path, repeats=settings.e2e_repeats, states_only=only_states)
    result = _run(task, "[0]")
    if "end-to-end" in families:
        results.append(result)
    if not dump.exists():
        msg = f"the uae-covid states could not be built from {data_dir}: {result.message}"
        raise SystemExit(msg)
    with dump.open("rb") as fh:
        return pickle.load(fh)


def _save(obj: object, folder: Path, name: str) -> str:
    from benchmarks.data import save

    return save(obj, folder, name)


def _plan(folder: Path, states: Any, settings: Settings, families: tuple[str, ...]) -> list[Task]:
    """Every task of the chosen families, inputs pickled into ``folder``."""
    from benchmarks.data import MINING_STATES, lead_time_states, markov_context

    timing: dict[str, Any] = {
        "repeats": settings.repeats,
        "slow": settings.slow,
        "trace_below": settings.trace_below,
    }
    plan: list[Task] = []
    if "lattice" in families:
        real = f"{UAE} 671 x {states.values.shape[1]} (real)"
        contexts = {real: {"values": states.values, "known": states.known}}
        for m in settings.lattice_sizes:
            contexts[f"markov 671 x {m}"] = {
                "values": markov_context(671, m, seed=m),
                "known": None,
            }
        paths = {k: _save(v, folder, f"lattice_{i}") for i, (k, v) in enumerate(contexts.items())}
        plan += lattice.tasks(paths, **timing)
    synthetic = {k: lead_time_states(*MINING_STATES[k]) for k in settings.mining_sizes}
    if "mining" in families:
        inputs = _mining_inputs(folder, states, synthetic)
        plan += mining.tasks(inputs, **timing)
    if "null" in families:
        plan += null.tasks(_null_inputs(folder, states, synthetic), **timing)
    return plan


def _mining_inputs(
    folder: Path, states: Any, synthetic: dict[str, Any]
) -> dict[str, tuple[str, str]]:
    from benchmarks.data import baseline_input, confidence_fraction, mining_task
    from crisis_fca.config import load_case

    out = {}
    sources = {UAE: (states, load_case(UAE).mining)} | {
        f"synthetic {k}": (s, None) for k, s in synthetic.items()
    }
    for i, (name, (frames, base)) in enumerate(sources.items()):
        task = mining_task(base)
        theirs = baseline_input(frames, task)
        items = f"{len(theirs['premise'])} + {len(theirs['consequent'])}"
        size = f"{len(theirs['frame'])} complete days x {items} items"
        ours = {"states": frames, "task": task, "confidence": confidence_fraction(task)}
        out[f"{name} ({size})"] = (
            _save(ours, folder, f"mining_{i}"),
            _save(theirs, folder, f"baseline_{i}"),
        )
    return out


def _null_inputs(folder: Path, states: Any, synthetic: dict[str, Any]) -> dict[str, str]:
    from crisis_fca.config import load_case
    from crisis_fca.rules import MiningConfig

    sources = {f"{UAE} (rigorous settings)": (states, load_case(UAE).mining)}
    sources |= {
        f"synthetic {k} (default settings)": (s, MiningConfig()) for k, s in synthetic.items()
    }
    return {
        label: _save({"states": frames, "mining": cfg}, folder, f"null_{i}")
        for i, (label, (frames, cfg)) in enumerate(sources.items())
    }


def _machine(loads: Sequence[float]) -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "absent"

    with open("/proc/meminfo", encoding="ascii") as fh:
        mem_gb = int(fh.readline().split()[1]) / 2**20
    packages = ("numpy", "pandas", "scipy", "mlxtend", "concepts", "pyfim")
    return (
        f"{date.today().isoformat()} | {platform.machine()}, {os.cpu_count()} cores, "
        f"{mem_gb:.0f} GB RAM, load average {loads[0]:.1f} at start, {loads[-1]:.1f} at end | "
        f"Python {platform.python_version()} | " + ", ".join(f"{p} {version(p)}" for p in packages)
    )


def _document(results: list[Result], settings: Settings, machine: str, *, markdown: bool) -> str:
    parts = [
        f"crisis-fca benchmarks ({settings.name}: median of {settings.repeats} runs after a "
        f"warm-up; * = one cold run, the warm-up exceeded {settings.slow:g} s)",
        machine,
        "",
    ]
    rows = table_rows(r for r in results if r.task.family != "end-to-end")
    if rows:
        parts.append(render(HEADERS, rows, markdown=markdown))
    e2e = next((r for r in results if r.task.family == "end-to-end"), None)
    if e2e is not None:
        parts += [
            "",
            f"End-to-end {e2e.task.context}, library (no Prefect; flow row: hook):",
            stage_table(e2e, markdown=markdown),
        ]
    parts += ["", "Targets (issue 9):", *(f"- {line}" for line in target_lines(results, UAE))]
    return "\n".join(parts)


def _as_dict(result: Result) -> dict[str, Any]:
    out = dataclasses.asdict(result)
    out["median"] = result.median
    return out


if __name__ == "__main__":
    raise SystemExit(main())
