"""What a run measures: the sizes (:data:`FULL`, :data:`QUICK`) and every task's input.

The full run has the lattice on 671 x {8, 16, 24, 32, 48} synthetic states, mining and the
null on 671 x 192 and 2,000 x 400, five repeats and five warm end-to-end passes (library
and Prefect flow; ten for the paired library / flow / skeleton row), the regions flow on
the 8 UAE regions with 1 and 2 Dask workers and 1,000 synthetic regions with 1 and 2
workers (and 100 with 2, for memory), each regions row after a small warm-up. ``--quick``
(CI) keeps 671 x 16 and 671 x 192, three repeats, the
cold end-to-end passes only, the UAE regions with 2 workers and 50 synthetic regions with
1 and 2 (one cold run each), and shows as skipped mlxtend's fpgrowth
(5-50x slower than its apriori here: 645 s on uae-covid), mlxtend on uae-covid (15-40 s,
1.3 GB) and the mining row with the null (the null family times the null). Inputs are
pickled into the run's temporary folder, one file per context.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import lattice, mining, null, regions
from benchmarks.data import (
    MINING_STATES,
    baseline_input,
    confidence_fraction,
    lead_time_states,
    markov_context,
    mining_task,
    save,
)
from benchmarks.harness import ROOT, Task
from crisis_fca.config import load_case
from crisis_fca.rules import MiningConfig

__all__ = ["FAMILIES", "FULL", "QUICK", "UAE", "Settings", "default_data_dir", "plan"]

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
    region_workers: tuple[int, ...] = (1, 2)
    """Dask thread workers of the regions flow rows on the UAE regions."""
    synthetic_regions: tuple[tuple[int, tuple[int, ...]], ...] = ((1000, (1, 2)), (100, (2,)))
    """(synthetic regions, Dask worker counts) of the synthetic regions rows."""
    region_warmup: bool = True
    """Regions rows: a small warm-up run before the timed one (else one cold run)."""

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
    region_workers=(2,),
    synthetic_regions=((50, (1, 2)),),
    region_warmup=False,
    left_out=(
        ("mining", "mlxtend-fpgrowth", ""),  # 645 s on uae-covid: apriori is mlxtend's fast path
        ("mining", "mlxtend-apriori", UAE),  # 15-40 s and 1.3 GB
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


def plan(
    folder: Path,
    states: Any,
    settings: Settings,
    families: tuple[str, ...],
    data_dir: Path | None = None,
) -> list[Task]:
    """Every task of the chosen families, inputs pickled into ``folder``."""
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
        paths = {k: save(v, folder, f"lattice_{i}") for i, (k, v) in enumerate(contexts.items())}
        plan += lattice.tasks(paths, **timing)
    synthetic = {k: lead_time_states(*MINING_STATES[k]) for k in settings.mining_sizes}
    if "mining" in families:
        inputs = _mining_inputs(folder, states, synthetic)
        plan += mining.tasks(inputs, **timing)
    if "null" in families:
        plan += null.tasks(_null_inputs(folder, states, synthetic), **timing)
    if "regions" in families:
        plan += regions.tasks(
            folder,
            data_dir or default_data_dir(),
            case=UAE,
            uae_workers=settings.region_workers,
            synthetic=settings.synthetic_regions,
            warmup=settings.region_warmup,
        )
    return plan


def _mining_inputs(
    folder: Path, states: Any, synthetic: dict[str, Any]
) -> dict[str, tuple[str, str]]:
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
            save(ours, folder, f"mining_{i}"),
            save(theirs, folder, f"baseline_{i}"),
        )
    return out


def _null_inputs(folder: Path, states: Any, synthetic: dict[str, Any]) -> dict[str, str]:
    sources = {f"{UAE} (rigorous settings)": (states, load_case(UAE).mining)}
    sources |= {
        f"synthetic {k} (default settings)": (s, MiningConfig()) for k, s in synthetic.items()
    }
    return {
        label: save({"states": frames, "mining": cfg}, folder, f"null_{i}")
        for i, (label, (frames, cfg)) in enumerate(sources.items())
    }
