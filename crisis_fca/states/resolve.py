"""Static checks on a set of state definitions: references, cycles, inputs, order.

Composite states refer to other states by name. Before anything is evaluated, every
reference must name an enabled state (a typo gets the closest names suggested), the
references must not loop, and every input signal must exist in the aligned data. The
evaluation order is a depth-first topological sort (Tarjan 1976's DFS colouring), which
also yields the looping path when there is one.

Example:
    >>> from crisis_fca.states.spec import StatesConfig
    >>> cfg = StatesConfig.model_validate({"define": {
    ...     "x.a:on": {"kind": "threshold", "signal": "x.a", "above": 0, "description": "a"},
    ...     "x.b:on": {"kind": "composite", "expr": "not x.a:on", "description": "not a"}}})
    >>> evaluation_order(cfg)
    ['x.a:on', 'x.b:on']
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

from crisis_fca.errors import ConfigError
from crisis_fca.states.expr import names_in, parse_expr
from crisis_fca.states.spec import CompositeSpec, DominantSpec, StatesConfig, StateSpec

__all__ = [
    "check_inputs",
    "evaluation_order",
    "flatten",
    "input_signals",
    "references",
    "select_states",
]


def references(spec: StateSpec) -> tuple[str, ...]:
    """States a composite names (in order, without repeats); () for other kinds."""
    if not isinstance(spec, CompositeSpec):
        return ()
    return tuple(dict.fromkeys(names_in(parse_expr(spec.expr))))


def input_signals(spec: StateSpec) -> tuple[str, ...]:
    """Aligned signals a non-composite state reads directly."""
    if isinstance(spec, DominantSpec):
        return spec.signals
    signal = getattr(spec, "signal", None)
    return (signal,) if signal else ()


def _close(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return (
        f"did you mean {', '.join(repr(c) for c in close)}?" if close else "no similar name exists"
    )


def _check_references(config: StatesConfig) -> None:
    enabled = config.enabled()
    for name, spec in enabled.items():
        for ref in references(spec):
            if ref in enabled:
                continue
            if ref in config.define:
                msg = (
                    f"composite state {name!r} uses state {ref!r}, which is disabled "
                    f"(enabled = false) in this profile; enable it or drop it from the expression"
                )
            else:
                expr = getattr(spec, "expr", "")
                msg = (
                    f"composite state {name!r} uses unknown state {ref!r} in {expr!r}; "
                    f"{_close(ref, enabled)} Define it under "
                    f'[states.define."{ref}"] or fix the name.'
                )
            raise ConfigError(msg)


def evaluation_order(config: StatesConfig) -> list[str]:
    """Enabled state names with every composite after the states it uses.

    Raises:
        ConfigError: a reference to an unknown or disabled state, or a cycle (named).
    """
    _check_references(config)
    enabled = config.enabled()
    order: list[str] = []
    colour: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if colour.get(name) == 2:
            return
        if colour.get(name) == 1:
            loop = [*path[path.index(name) :], name]
            msg = (
                f"composite states refer to each other in a cycle: {' -> '.join(loop)}; "
                "a composite cannot depend on itself -- break the loop in one expression"
            )
            raise ConfigError(msg)
        colour[name] = 1
        for ref in references(enabled[name]):
            visit(ref, [*path, name])
        colour[name] = 2
        order.append(name)

    for name in enabled:
        visit(name, [])
    return order


def check_inputs(config: StatesConfig, columns: Iterable[str]) -> None:
    """Every enabled state's input signals exist among ``columns``.

    Raises:
        ConfigError: naming the state, the missing signal and the closest columns.
    """
    available = [str(c) for c in columns]
    for name, spec in config.enabled().items():
        for signal in input_signals(spec):
            if signal not in available:
                msg = (
                    f"state {name!r} reads signal {signal!r}, which the aligned data does not "
                    f"have; {_close(signal, available)} Fix the signal name, add the source "
                    "or lexicon that produces it, or set enabled = false for this state."
                )
                raise ConfigError(msg)


def flatten(name: str, specs: Mapping[str, StateSpec]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(emitted states, input signals) that ``name`` is transitively defined from."""
    parts: set[str] = set()
    inputs: set[str] = set(input_signals(specs[name]))
    stack = list(references(specs[name]))
    while stack:
        ref = stack.pop()
        if specs[ref].emit:
            parts.add(ref)
        inputs.update(input_signals(specs[ref]))
        stack.extend(references(specs[ref]))
    return tuple(sorted(parts)), tuple(sorted(inputs))


def select_states(config: StatesConfig, patterns: Iterable[str]) -> StatesConfig:
    """Only the enabled states matching a glob pattern, plus every state they use.

    States pulled in only as dependencies keep their own ``emit`` flag. Useful to build
    one domain's states from signals of that domain alone.

    Raises:
        ConfigError: no enabled state matches, or a kept composite has a bad reference.
    """
    wanted = list(patterns)
    _check_references(config)
    enabled = config.enabled()
    stack = [n for n in enabled if any(fnmatchcase(n, p) for p in wanted)]
    if not stack:
        msg = f"no enabled state matches {wanted}; known states: {', '.join(enabled) or 'none'}"
        raise ConfigError(msg)
    keep: set[str] = set()
    while stack:
        name = stack.pop()
        if name not in keep:
            keep.add(name)
            stack.extend(references(enabled[name]))
    define = {n: spec for n, spec in enabled.items() if n in keep}
    return config.model_copy(update={"define": define})
