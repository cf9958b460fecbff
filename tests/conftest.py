"""Shared fixtures: the real data folder (../shared/data) and small hand-made inputs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CRISIS_FCA_DATA_DIR", ROOT.parent / "shared" / "data")).resolve()


def pytest_configure(config: pytest.Config) -> None:
    """VADER's score cache (crisis_fca.score_cache) in a folder of this session only, so
    no test reads scores an earlier session or the user's runs left behind."""
    if "CRISIS_FCA_CACHE_DIR" not in os.environ:
        os.environ["CRISIS_FCA_CACHE_DIR"] = tempfile.mkdtemp(prefix="crisis-fca-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: pass --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real raw-data folder the study's cases are read from."""
    if not (SHARED_DATA / "google_mobility_ae").is_dir():
        pytest.fail(f"real data folder not found at {SHARED_DATA}; set CRISIS_FCA_DATA_DIR")
    return SHARED_DATA
