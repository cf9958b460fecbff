"""VADER scores kept between processes: a JSON file of compound scores by text hash.

VADER is the slowest step of ingest (about 1 s for the 2,375 UAE posts on 2 cores with
:class:`crisis_fca._vader.FastAnalyzer`; 4-7 s with vaderSentiment's own analyser), and a
score depends on the text and the VADER version alone. Daily runs, the monitor and every
region re-read the same posts, so the scores are kept in ``vader-<version>.json`` under the cache folder --
``$CRISIS_FCA_CACHE_DIR``, else ``$XDG_CACHE_HOME/crisis-fca``, else ``~/.cache/crisis-fca``
(the Makefile uses ``.cache/`` in the checkout); ``CRISIS_FCA_CACHE_DIR=off`` disables it.

The file holds hashes and numbers, never the texts. It is only an accelerator: an
unreadable, foreign or corrupt file is ignored (and replaced on the next save), and a save
that fails (read-only or full disk) leaves the run untouched -- results never depend on it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from crisis_fca._atomic import atomic_write_text
from crisis_fca.errors import StorageError
from crisis_fca.text import prime_vader, vader_memo

__all__ = ["CACHE_ENV", "cache_path", "load_scores", "save_scores"]

CACHE_ENV = "CRISIS_FCA_CACHE_DIR"
_FORMAT = "crisis-fca vader scores 1"


def cache_path() -> Path | None:
    """The score file for the installed VADER, or None when caching is off."""
    folder = os.environ.get(CACHE_ENV)
    if folder is not None and folder.strip().lower() in {"off", "0", "none", ""}:
        return None
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = str(Path(base) / "crisis-fca")
    try:
        vader = version("vaderSentiment")
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        vader = "unknown"
    return Path(folder).expanduser() / f"vader-{vader}.json"


def load_scores(path: Path | None = None) -> int:
    """Prime the in-process VADER memo from the cache file; return how many scores it held."""
    path = path if path is not None else cache_path()
    if path is None:
        return 0
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0  # absent, unreadable or corrupt: score afresh
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        return 0
    raw = payload.get("scores")
    if not isinstance(raw, dict):
        return 0
    scores = {
        str(k): float(v)
        for k, v in raw.items()
        if isinstance(v, int | float) and math.isfinite(v) and -1.0 <= v <= 1.0
    }
    prime_vader(scores)
    return len(scores)


def save_scores(path: Path | None = None, *, known: int = 0) -> bool:
    """Write the memo to the cache file when it grew beyond the ``known`` scores loaded.

    Returns whether the file was written; never raises for a folder it cannot write.
    """
    path = path if path is not None else cache_path()
    memo = vader_memo()
    if path is None or len(memo) <= known:
        return False
    text = json.dumps({"format": _FORMAT, "scores": memo}, separators=(",", ":"), sort_keys=True)
    with contextlib.suppress(OSError, StorageError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        return True
    return False
