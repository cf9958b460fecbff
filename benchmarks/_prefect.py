"""Prefect in a benchmark worker: a private ``PREFECT_HOME``, and its temporary server timed.

Every worker that runs a flow calls :func:`isolate` before Prefect is imported: a fresh
temporary ``PREFECT_HOME`` (no flow-run history, result cache or database shared with
another worker, the checkout's ``.prefect`` or ``~/.prefect``; removed when the worker
exits), telemetry off, the ephemeral server's start-up allowance raised to 120 s (2
cores), its task-run recorder batched (:mod:`flows`' defaults), and ``PREFECT_API_URL``
unset -- ephemeral mode, as ``make run`` uses it.

:func:`start_server` starts Prefect's temporary local API exactly as the first flow call
would (``get_client`` in ephemeral mode starts a ``SubprocessASGIServer``, a uvicorn
subprocess) and returns the seconds it took, so the benchmarks can report that fixed
start-up apart from the flow's own time. :func:`server_peak_mb` reads that subprocess's
peak resident set (``VmHWM``): the worker's own ``ru_maxrss`` does not include it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time

from flows import PREFECT_DEFAULTS  # the package's __init__ only: it does not import prefect

__all__ = ["SETTINGS", "isolate", "server_peak_mb", "start_server"]

SETTINGS = dict(PREFECT_DEFAULTS)
"""Set in every flow worker (the Makefile's and the tests' settings, :mod:`flows`' defaults)."""


def isolate() -> str:
    """Point this process at a fresh temporary ``PREFECT_HOME``; returns its path.

    Must run before ``prefect`` is imported (its settings are read at first use). The
    folder is removed at exit, after Prefect's own exit hook has stopped the server
    (exit hooks run last-registered first, and Prefect registers its hook later).
    """
    home = tempfile.mkdtemp(prefix="crisis-fca-bench-prefect-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["PREFECT_HOME"] = home
    os.environ.update(SETTINGS)
    os.environ.pop("PREFECT_API_URL", None)  # ephemeral mode: the temporary server
    return home


def start_server() -> float:
    """Start Prefect's temporary server (as the first flow would) and return the seconds.

    Start-up ends at the server's first answer to a real API call (``/admin/version``, which
    every flow run's client makes first): on a fresh server that call alone takes ~1.3 s
    after the health check passes, a fixed cost that would otherwise be charged to the
    first flow pass. Returns ~0 when the server already runs in this process.
    """
    from prefect.client.orchestration import get_client

    start = time.perf_counter()
    with get_client(sync_client=True) as client:
        client.api_healthcheck()
        client.api_version()
    return time.perf_counter() - start


def server_peak_mb() -> float | None:
    """Peak resident set of this process's temporary Prefect server, in MB (None: none)."""
    try:
        from prefect.server.api.server import SubprocessASGIServer
    except ImportError:
        return None
    peaks = []
    for server in SubprocessASGIServer._instances.values():
        proc = server.server_process
        if proc is None or proc.poll() is not None:
            continue
        try:
            with open(f"/proc/{proc.pid}/status", encoding="ascii") as fh:
                peaks += [int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:")]
        except OSError:
            continue
    return max(peaks) if peaks else None
