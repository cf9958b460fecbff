"""Issue 9's targets checked against one run, and the end-to-end stage table.

Targets (same machine, same run):

- daily ``uae-covid`` lattice (concepts and cover edges): >= 20x faster than ``concepts``
  transposed, and under 1 s (checked on ``build_lattice`` without stability, the
  like-for-like row; the time with stability is printed beside it);
- mining + metrics + FDR on the ``uae-covid`` lead-time context: >= 10x faster than
  mlxtend's faster path + ``association_rules``, and within 2x of pyfim (checked on
  ``mine_rules`` with the null off: enumeration, metrics, Fisher FDR, closures, filters);
- end-to-end ``uae-covid`` under 10 s (the cold run: what one CLI invocation pays);
- peak memory of the end-to-end process under 1 GB (``ru_maxrss``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from benchmarks.harness import Result
from benchmarks.report import format_seconds, render

__all__ = ["stage_table", "target_lines"]


def stage_table(result: Result, *, markdown: bool = False) -> str:
    """Cold (first run, plus the library import) and warm (median) seconds per stage."""
    if result.status != "ok" or not result.stages:
        return f"end-to-end: {result.status} {result.message}".strip()
    cold, warm = result.stages[0], result.stages[1:]
    names = list(cold)
    rows = [["import crisis_fca", format_seconds(result.extra.get("import_s", 0.0)), "—"]]
    for name in names:
        median = statistics.median(s[name] for s in warm) if warm else None
        rows.append([name, format_seconds(cold[name]), format_seconds(median) if median else "—"])
    total_cold = sum(cold.values()) + result.extra.get("import_s", 0.0)
    total_warm = statistics.median(sum(s.values()) for s in warm) if warm else None
    rows.append(
        ["total", format_seconds(total_cold), format_seconds(total_warm) if total_warm else "—"]
    )
    rss = f"{result.maxrss_mb:.0f} MB" if result.maxrss_mb else "—"
    rows.append(["peak RSS (ru_maxrss, whole process)", rss, ""])
    headers = ["stage", "cold (first run)", f"warm (median of {len(warm)})"]
    return render(headers, rows, markdown=markdown)


def _find(results: Sequence[Result], family: str, key: str, context: str) -> Result | None:
    for r in results:
        if r.task.family == family and r.task.key == key and r.task.context.startswith(context):
            return r
    return None


def _verdict(ok: bool | None) -> str:
    return "met" if ok else ("NOT MET" if ok is False else "not measured")


def _times(base: Result, ours: Result) -> str:
    """``N x (CPU M x)``: the baseline's wall and CPU medians over ours (``>``: capped)."""
    assert ours.median is not None
    if base.median is None:
        return f"> {base.task.cap / ours.median:.1f}x"
    text = f"{base.median / ours.median:.1f}x"
    if base.cpu_median and ours.cpu_median:
        text += f" (CPU time {base.cpu_median / ours.cpu_median:.1f}x)"
    return text


def _fastest(results: Sequence[Result]) -> Result | None:
    """The fastest finished baseline, else a capped one (its cap is a lower bound)."""
    done = [r for r in results if r.task.baseline and r.median is not None]
    if done:
        return min(done, key=lambda r: r.median or 0.0)
    return next((r for r in results if r.task.baseline and r.status == "timeout"), None)


def target_lines(results: Sequence[Result], uae: str = "uae-covid") -> list[str]:
    """One line per target: the measured values, the target, met or not."""
    lines = _lattice_lines(results, uae) + _mining_lines(results, uae)
    e2e = _find(results, "end-to-end", "pipeline", uae)
    if e2e and e2e.stages:
        cold = sum(e2e.stages[0].values()) + e2e.extra.get("import_s", 0.0)
        warm_runs = [sum(s.values()) for s in e2e.stages[1:]]
        warm = f" (warm {format_seconds(statistics.median(warm_runs))})" if warm_runs else ""
        lines.append(
            f"end-to-end uae-covid, every stage: cold {format_seconds(cold)}{warm} "
            f"-> < 10 s {_verdict(cold < 10)}"
        )
    if e2e and e2e.maxrss_mb:
        verdict = _verdict(e2e.maxrss_mb < 1024)
        lines.append(f"peak memory uae-covid: {e2e.maxrss_mb:.0f} MB -> < 1 GB {verdict}")
    lines.append("regions (1,000 in bounded memory): not measured (hook)")
    return lines


def _lattice_lines(results: Sequence[Result], uae: str) -> list[str]:
    ours = _find(results, "lattice", "crisis-fca-nostab", uae)
    ref = _find(results, "lattice", "concepts", uae)
    if not (ours and ours.median and ref and ref.status in ("ok", "timeout")):
        return []
    stab = _find(results, "lattice", "crisis-fca", uae)
    with_stab = f", {format_seconds(stab.median)} with stability" if stab and stab.median else ""
    base = ref.median or ref.task.cap
    cpu = ours.cpu_median or ours.median
    return [
        f"lattice uae-covid: {format_seconds(ours.median)} (CPU {format_seconds(cpu)}){with_stab}; "
        f"{_times(ref, ours)} faster than concepts transposed -> >= 20x "
        f"{_verdict(base / ours.median >= 20)}, < 1 s {_verdict(ours.median < 1)}"
    ]


def _mining_lines(results: Sequence[Result], uae: str) -> list[str]:
    ours = _find(results, "mining", "crisis-fca-mine", uae)
    if not (ours and ours.median):
        return []
    group = [
        r for r in results if r.task.family == "mining" and r.task.context == ours.task.context
    ]
    lines = []
    base = _fastest(group)
    if base is not None:
        ratio = (base.median or base.task.cap) / ours.median
        lines.append(
            f"mining + metrics + FDR uae-covid: {format_seconds(ours.median)}; "
            f"{_times(base, ours)} faster than mlxtend's faster path -> >= 10x "
            f"{_verdict(ratio >= 10)}"
        )
    fim = _find(results, "mining", "pyfim", uae)
    if fim and fim.median:
        times = ours.median / fim.median
        lines.append(
            f"mining vs pyfim uae-covid: {times:.1f}x pyfim's time ({format_seconds(fim.median)}) "
            f"-> within 2x {_verdict(times <= 2)}"
        )
    else:
        lines.append("mining vs pyfim uae-covid: not measured (pyfim not installed or skipped)")
    return lines
