"""VADER's score cache: scores survive the process, and the cache can never change a result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crisis_fca import score_cache, text
from crisis_fca.score_cache import cache_path, load_scores, save_scores

TEXTS = ["Lockdown again, I am so angry", "Great news: vaccines for everyone!", "meh"]


@pytest.fixture
def empty_memo(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """A process memo of this test only (the real dict is swapped out, then restored)."""
    memo: dict[str, float] = {}
    monkeypatch.setattr(text, "_SCORES", memo)
    return memo


def test_scores_round_trip_through_the_file(tmp_path: Path, empty_memo: dict[str, float]) -> None:
    fresh = text.vader_scores(TEXTS)["compound"].tolist()
    path = tmp_path / "vader.json"
    assert save_scores(path) is True
    stored = path.read_text(encoding="utf-8")
    assert not any(t.lower() in stored.lower() for t in TEXTS)  # hashes and numbers only
    empty_memo.clear()
    assert load_scores(path) == 3
    assert set(empty_memo) == {text.text_key(t) for t in TEXTS}
    assert text.vader_scores(TEXTS)["compound"].tolist() == fresh
    assert save_scores(path, known=3) is False  # nothing new: no rewrite


def test_a_corrupt_or_foreign_file_is_ignored(tmp_path: Path, empty_memo: dict[str, float]) -> None:
    path = tmp_path / "vader.json"
    for content in ("{not json", json.dumps({"scores": {"x": 0.5}}), json.dumps([1, 2])):
        path.write_text(content, encoding="utf-8")
        assert load_scores(path) == 0
    key = text.text_key("meh")
    bad = {"format": score_cache._FORMAT, "scores": {key: 7.0, "k": "NaN"}}
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert load_scores(path) == 0  # out-of-range and non-numeric values are dropped
    expected = text.SentimentIntensityAnalyzer().polarity_scores("meh")["compound"]
    assert text.vader_scores(["meh"])["compound"].tolist() == [expected]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_an_unwritable_cache_never_fails_the_run(
    tmp_path: Path, empty_memo: dict[str, float]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        text.vader_scores(TEXTS)
        assert save_scores(folder / "vader.json") is False
    finally:
        folder.chmod(0o755)


def test_an_unwritable_path_never_fails_the_run(
    tmp_path: Path, empty_memo: dict[str, float]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    text.vader_scores(TEXTS)
    assert save_scores(blocker / "sub" / "vader.json") is False


def test_cache_location_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRISIS_FCA_CACHE_DIR", "off")
    assert cache_path() is None
    monkeypatch.setenv("CRISIS_FCA_CACHE_DIR", "/somewhere")
    path = cache_path()
    assert path is not None
    assert path.parent == Path("/somewhere")
    assert path.name.startswith("vader-")
    assert path.suffix == ".json"
    monkeypatch.delenv("CRISIS_FCA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_path() == Path("/xdg/crisis-fca") / path.name


def test_ingest_writes_the_cache_and_a_second_process_gets_the_same_signals(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real data: la-wildfire's posts scored once, then read back; signals identical."""
    import subprocess
    import sys

    monkeypatch.setenv("CRISIS_FCA_CACHE_DIR", str(tmp_path))
    code = (
        "import sys; from pathlib import Path\n"
        "from crisis_fca.config import load_case\n"
        "from crisis_fca.pipeline import ingest_case\n"
        "r = ingest_case(load_case('la-wildfire'), Path(sys.argv[1]))\n"
        "print(r.aligned.values.to_json())\n"
    )
    first = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True, check=True
    )
    files = list(tmp_path.glob("vader-*.json"))
    assert len(files) == 1
    held = json.loads(files[0].read_text(encoding="utf-8"))["scores"]
    assert len(held) > 100  # one score per distinct post text (139 posts)
    second = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True, check=True
    )
    assert second.stdout == first.stdout
