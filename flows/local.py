"""Flows called in this process: no flow-run heartbeat when the server is the temporary one.

Prefect 3 starts a heartbeat thread for every flow run (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``,
180 s by default) so that a server can notice a run whose process died
(https://docs.prefect.io/v3/advanced/detect-zombie-flows). The thread sleeps in 1 s steps and
is joined when the run ends, so each run waits for the rest of the current step: up to 1 s,
about 0.5 s on average, measured on this project's flow (an empty flow took 1.3 s with the
thread, 0.3 s without).

In ephemeral mode (``PREFECT_API_URL`` unset: ``make run``, ``crisis-fca flow``) the server
is a subprocess of this one and dies with it, so no one could act on a heartbeat. A
:class:`LocalFlow` called directly in that mode runs with heartbeats off; with a server
configured (a ``prefect server start`` URL, the test harness) or run by a deployment (the
runner calls the flow engine, not ``__call__``) it is a plain Prefect flow.

:func:`freeze_imports` is for the process that runs flows (the CLI, the benchmark's flow
worker): importing Prefect leaves some 330,000 long-lived objects (pydantic models, settings,
the server's schemas), and every full collection of Python's cyclic garbage collector walks
them all -- ~0.6 s of GC per ``uae-covid`` run, against ~0.2 s once they are frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from prefect import Flow
from prefect.settings import (
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    get_current_settings,
    temporary_settings,
)

__all__ = ["LocalFlow", "freeze_imports", "heartbeats_needed", "local_flow"]

P = ParamSpec("P")
R = TypeVar("R")


def freeze_imports() -> int:
    """Keep what the process holds now out of every later garbage collection; returns the count.

    Call it once, after the imports and before the first flow run, in a process that exists to
    run flows: the objects frozen (modules, Prefect's settings and schemas) live as long as the
    process anyway, and cyclic garbage among them would never be collected (``gc.freeze``).
    A collection first, so that no garbage is frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def heartbeats_needed() -> bool:
    """Whether a flow run now should send heartbeats: only when a real server is configured."""
    return get_current_settings().api.url is not None


class LocalFlow(Flow[P, R]):
    """A Prefect flow whose direct call sends no heartbeats in ephemeral mode.

    Everything else is :class:`prefect.Flow`'s (``with_options`` returns a plain flow).
    """

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:  # type: ignore[override]
        """Run the flow and return its result (see :meth:`prefect.Flow.__call__`)."""
        call: Callable[..., R] = super().__call__
        if heartbeats_needed():
            return call(*args, **kwargs)
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            return call(*args, **kwargs)


def local_flow(**options: Any) -> Callable[[Callable[P, R]], LocalFlow[P, R]]:
    """``@flow(**options)`` giving a :class:`LocalFlow`."""

    def decorate(fn: Callable[P, R]) -> LocalFlow[P, R]:
        return LocalFlow(fn, **options)

    return decorate
