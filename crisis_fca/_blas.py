"""Day counts as small dense products, on one BLAS thread.

Counting the days two sets of columns hold together is a product of 0/1 matrices
(``x.T @ y``): a few hundred columns by a few hundred days, milliseconds of work. OpenBLAS
splits even products this small over every core, and on a busy 2-core machine the threads
wait on each other: measured here, 12 ms per product with two threads under load against
1.4 ms with one. :func:`one_blas_thread` pins BLAS to one thread for such products
(``threadpoolctl``, the maintained way to do it at run time; the process setting is restored
afterwards), which also leaves the other core to the Dask worker or test running beside.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["day_counts", "one_blas_thread"]


@functools.cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS limited to one thread."""
    with _controller().limit(limits=1, user_api="blas"):
        yield


def day_counts(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x.T @ y`` for 0/1 (bool or float32) day-by-column matrices, as exact int64 counts.

    float32 holds every integer up to 2**24 exactly, far above any number of days.

    Example:
        >>> day_counts(np.array([[1, 0], [1, 1]], bool), np.array([[1], [1]], bool)).tolist()
        [[2], [1]]
    """
    a = x.astype(np.float32, copy=False)
    b = y.astype(np.float32, copy=False)
    counts: np.ndarray = np.rint(a.T @ b).astype(np.int64)
    return counts
