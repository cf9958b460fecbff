"""Turning results into the printed table: times, ratios, memory, counts, agreement.

Within one (family, context) group, ``x base`` is the baseline's median divided by the
row's (above 1 = faster than the baseline; mining takes the faster mlxtend path). When
every baseline hit its cap the ratio is a lower bound, ``> N x``. ``agree`` compares the
counts and fingerprints a row shares with the group's reference row (``ref``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from benchmarks.harness import Result

__all__ = [
    "HEADERS",
    "agreement",
    "format_seconds",
    "per_minute",
    "render",
    "speedup",
    "table_rows",
    "time_cell",
]

HEADERS = (
    "family",
    "context",
    "engine",
    "median",
    "cpu",
    "x base",
    "py MB",
    "RSS MB (+run)",
    "counts",
    "agree",
)


def format_seconds(seconds: float) -> str:
    """Seconds as ``0.42 ms``, ``12.3 ms``, ``1.23 s`` or ``61 s``.

    >>> [format_seconds(s) for s in (0.00042, 0.0123, 1.234, 61.2)]
    ['0.42 ms', '12.3 ms', '1.23 s', '61 s']
    """
    if seconds < 0.01:
        return f"{seconds * 1e3:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s"


def per_minute(count: int, seconds: float) -> str:
    """``count`` per minute of ``seconds``: ``8.4``, ``412``, ``1,234``.

    >>> per_minute(8, 57.0), per_minute(1000, 145.6)
    ('8.4', '412')
    """
    rate = count / seconds * 60
    return f"{rate:.1f}" if rate < 10 else f"{rate:,.0f}"


def time_cell(result: Result) -> str:
    """The median (``*`` = a single cold run), ``> cap`` on a timeout, or the status."""
    if result.status == "ok" and result.median is not None:
        return format_seconds(result.median) + ("*" if result.single else "")
    if result.status == "timeout":
        return f"> {result.task.cap:g} s"
    return result.status


def _baseline(group: Sequence[Result]) -> tuple[float, bool] | None:
    """(seconds, is a lower bound) of the fastest baseline in the group."""
    done = [r.median for r in group if r.task.baseline and r.median is not None]
    if done:
        return min(done), False
    capped = [r.task.cap for r in group if r.task.baseline and r.status == "timeout"]
    return (max(capped), True) if capped else None


def speedup(result: Result, group: Sequence[Result]) -> str:
    """The baseline's median over this row's, formatted (``—`` when undefined)."""
    base = _baseline(group)
    if base is None or result.median is None or result.median <= 0:
        return "—"
    ratio = base[0] / result.median
    if base[1] and ratio < 1:
        return "—"  # slower than the cap the baseline hit: no bound either way
    text = f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.2g}"
    return f"> {text}x" if base[1] else f"{text}x"


def agreement(result: Result, group: Sequence[Result]) -> str:
    """``ref`` for the reference row, ``yes``/``NO ...`` for rows that share checks."""
    if result.task.reference:
        return "ref"
    ref = next((r for r in group if r.task.reference), None)
    if ref is None or ref.status != "ok" or result.status != "ok":
        return "—"
    counts = sorted(set(result.counts) & set(ref.counts))
    prints = sorted(set(result.fingerprints) & set(ref.fingerprints))
    if not counts and not prints:
        return "—"
    wrong = [
        f"{k} {result.counts[k]} vs {ref.counts[k]}"
        for k in counts
        if result.counts[k] != ref.counts[k]
    ]
    wrong += [f"{k} differ" for k in prints if result.fingerprints[k] != ref.fingerprints[k]]
    return "NO: " + "; ".join(wrong) if wrong else "yes"


def _memory(result: Result) -> tuple[str, str]:
    py = f"{result.py_peak_mb:.0f}" if result.py_peak_mb is not None else "—"
    if result.maxrss_mb is None:
        return py, "—"
    extra = result.maxrss_mb - (result.ready_rss_mb or 0.0)
    return py, f"{result.maxrss_mb:.0f} (+{extra:.0f})"


def _counts(result: Result) -> str:
    parts = [f"{k} {v:,}" for k, v in result.counts.items()]
    rules, offsets = result.counts.get("rules"), result.counts.get("offsets")
    if result.task.family == "null" and result.median and rules and offsets:
        parts.append(f"{result.median / rules * 1e6:.0f} µs/rule")
        parts.append(f"{result.median / (rules * offsets) * 1e9:.0f} ns/rule-shift")
    regions = result.counts.get("regions")
    if result.task.family == "regions" and result.median and regions:
        parts.append(f"{per_minute(regions, result.median)} regions/min")
        for name, why in result.extra.get("failed", {}).items():
            parts.append(f"failed: {name or 'country'} ({why[:70]})")
    if result.status in ("error", "skipped") and result.message:
        parts.append(result.message)
    return ", ".join(parts)


def table_rows(results: Iterable[Result]) -> list[list[str]]:
    """One row of cells per result, in :data:`HEADERS` order."""
    results = list(results)
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.task.family, r.task.context), []).append(r)
    rows = []
    for r in results:
        group = groups[(r.task.family, r.task.context)]
        py, rss = _memory(r)
        rows.append(
            [
                r.task.family,
                r.task.context,
                r.task.engine,
                time_cell(r),
                format_seconds(r.cpu_median) if r.cpu_median is not None else "—",
                speedup(r, group),
                py,
                rss,
                _counts(r),
                agreement(r, group),
            ]
        )
    return rows


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], *, markdown: bool = False) -> str:
    """A plain-text (aligned) or GitHub-markdown table.

    >>> print(render(["a", "bb"], [["1", "2"]], markdown=True))
    | a | bb |
    |---|---|
    | 1 | 2 |
    """
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
