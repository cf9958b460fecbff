"""The benchmark suite's entry point: ``.venv/bin/python -m benchmarks.run [--quick]``.

Builds every input once (the real ``uae-covid`` states come from the end-to-end row's
first run), runs each engine in its own worker process (:mod:`benchmarks.harness`),
prints progress to stderr and the tables and the issue-9 target checks to stdout.
``--markdown FILE`` also writes the tables as markdown (the README's performance
section), ``--json FILE`` every measurement.

The sizes of a full and a ``--quick`` run are in :mod:`benchmarks.plan`.
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
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import endtoend
from benchmarks.data import save
from benchmarks.harness import Result, Task, run_task, skipped
from benchmarks.plan import FAMILIES, FULL, QUICK, UAE, Settings, default_data_dir, plan
from benchmarks.report import HEADERS, agreement, render, table_rows, time_cell
from benchmarks.targets import flow_table, paired_table, stage_table, target_lines

__all__ = ["main"]


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
        tasks = plan(folder, states, settings, families, args.data_dir or default_data_dir())
        for i, task in enumerate(tasks, 1):
            if settings.leaves_out(task):
                results.append(skipped(task, "full run only"))
            else:
                results.append(_run(task, f"[{i}/{len(tasks)}]"))
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
    path = save(inputs, folder, "uae_case")
    only_states = "end-to-end" not in families
    task, *flow = endtoend.tasks(path, repeats=settings.e2e_repeats, states_only=only_states)
    result = _run(task, "[0]")
    if "end-to-end" in families:
        results.append(result)
        results += [_run(t, "[0]") for t in flow]  # right after the library, same conditions
    if not dump.exists():
        msg = f"the uae-covid states could not be built from {data_dir}: {result.message}"
        raise SystemExit(msg)
    with dump.open("rb") as fh:
        return pickle.load(fh)


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
    """The whole report: header, main table, end-to-end stages, flow vs library, targets.

    Blocks are separated by blank lines (markdown needs them around tables).
    """
    blocks = [
        f"crisis-fca benchmarks ({settings.name}: median of {settings.repeats} runs after a "
        f"warm-up; * = one cold run, the warm-up exceeded {settings.slow:g} s)"
        + ("  \n" if markdown else "\n")
        + machine
    ]
    rows = table_rows(r for r in results if r.task.family != "end-to-end")
    if rows:
        blocks.append(render(HEADERS, rows, markdown=markdown))
    e2e = next((r for r in results if r.task.key == "pipeline"), None)
    if e2e is not None:
        blocks.append(f"End-to-end {e2e.task.context}, library (no Prefect), by stage:")
        blocks.append(stage_table(e2e, markdown=markdown))
    e2e_rows = {r.task.key: r for r in results if r.task.family == "end-to-end"}
    if (flow := e2e_rows.get("flow")) is not None:
        blocks.append(
            f"End-to-end {flow.task.context}: the Prefect flow (refresh, render; ephemeral "
            "server) vs the library, same run; counts agree: "
            + agreement(flow, list(e2e_rows.values()))
        )
        blocks.append(flow_table(e2e or flow, flow, markdown=markdown))
    if (paired := e2e_rows.get("flow-paired")) is not None:
        blocks.append(
            f"End-to-end {paired.task.context}: what the flow adds, measured in one process "
            "(Prefect imported, its server running), library / flow / skeleton flow per pass:"
        )
        blocks.append(paired_table(paired, markdown=markdown))
    targets = "\n".join(f"- {line}" for line in target_lines(results, UAE))
    blocks.append(
        "Targets (issue 9):\n\n" + targets if markdown else "Targets (issue 9):\n" + targets
    )
    return "\n\n".join(blocks)


def _as_dict(result: Result) -> dict[str, Any]:
    out = dataclasses.asdict(result)
    out["median"] = result.median
    return out


if __name__ == "__main__":
    raise SystemExit(main())
