"""posts_by_day adapter: real UAE and LA Reddit files + malformed JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crisis_fca.config import PostsSource
from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest import POST_COLUMNS
from crisis_fca.ingest.posts import read_posts_by_day

UAE = "uae-covid-2020-2021/reddit_covid_uae_posts_by_day.json"
LA = "la-wildfire-2025/reddit_wildfire_posts_by_day.json"
SOURCE = PostsSource(name="reddit", kind="posts_by_day", domain="social", path=UAE)


@pytest.fixture(scope="module")
def uae(data_dir: Path) -> Any:
    return read_posts_by_day(SOURCE, data_dir / UAE)


def test_uae_2375_posts_on_620_days(uae: Any, data_dir: Path) -> None:
    raw = json.loads((data_dir / UAE).read_text(encoding="utf-8"))["posts_by_day"]
    assert sum(len(posts) for posts in raw.values()) == 2375
    assert len(uae.posts) == 2375
    signals = uae.signals
    assert len(signals) == 620
    assert set(signals["signal"]) == {"social.posts"}
    assert signals["value"].sum() == 2375
    assert (signals["coverage"] == 1.0).all()
    by_day = dict(zip(signals["date"].dt.strftime("%Y-%m-%d"), signals["value"], strict=True))
    assert by_day == {day: float(len(posts)) for day, posts in raw.items()}


def test_uae_busiest_day_and_a_day_without_posts(uae: Any) -> None:
    signals = uae.signals.set_index("date")["value"]
    assert signals.max() == 16
    assert pd.Timestamp("2020-07-19") not in signals.index  # no posts: missing, not 0
    window = pd.date_range("2020-03-01", "2021-12-31")
    assert len(window.difference(signals.index)) == 51


def test_posts_frame_columns_types_and_order(uae: Any) -> None:
    posts = uae.posts
    assert tuple(posts.columns) == POST_COLUMNS
    assert posts["date"].dtype == "datetime64[ns]"
    assert str(posts["created_utc"].dtype) == "datetime64[ns, UTC]"
    assert posts["score"].dtype == "float64"
    assert posts.equals(posts.sort_values(["date", "created_utc"], ignore_index=True))
    assert (posts["created_utc"].dt.tz_convert(None).dt.normalize() == posts["date"]).all()
    assert (posts["text"] == "").sum() == 1056  # link posts keep an empty body


def test_first_post_is_the_earliest_of_the_first_day(uae: Any, data_dir: Path) -> None:
    raw = json.loads((data_dir / UAE).read_text(encoding="utf-8"))["posts_by_day"]
    earliest = min(raw[min(raw)], key=lambda post: post["created_utc"])
    first = uae.posts.iloc[0]
    assert first["post_id"] == earliest["post_id"]
    assert first["title"] == earliest["title"]
    assert first["created_utc"] == pd.Timestamp(earliest["created_utc"])


def test_la_139_posts_on_30_days(data_dir: Path) -> None:
    data = read_posts_by_day(SOURCE, data_dir / LA)
    assert len(data.posts) == 139
    assert len(data.signals) == 30
    assert data.signals["date"].min() == pd.Timestamp("2025-01-03")
    assert data.signals["date"].max() == pd.Timestamp("2025-02-04")


# --- hand-made files ---------------------------------------------------------------


def _post(title: Any = "Fire near me", **extra: Any) -> dict[str, Any]:
    return {"post_id": "a1", "title": title, "text": "body", "subreddit": "x", **extra}


def _file(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "posts.json"
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def test_unsorted_days_null_text_and_empty_days(tmp_path: Path) -> None:
    content = {
        "metadata": {},
        "posts_by_day": {
            "2025-01-09": [
                _post("late", created_utc="2025-01-09T20:00:00+00:00"),
                _post(None, text=None, created_utc=1736380800),  # 2025-01-09 00:00 UTC
            ],
            "2025-01-08": [_post("only")],
            "2025-01-10": [],
        },
    }
    data = read_posts_by_day(SOURCE, _file(tmp_path, content))
    assert data.signals["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-08", "2025-01-09"]
    assert data.signals["value"].tolist() == [1.0, 2.0]
    assert data.posts["title"].tolist() == ["only", "", "late"]
    assert data.posts["text"].tolist() == ["body", "", "body"]
    assert data.posts["created_utc"].iloc[1] == pd.Timestamp("2025-01-09", tz="UTC")


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"posts\.json: the file is empty"):
        read_posts_by_day(SOURCE, _file(tmp_path, "  \n"))


def test_not_json_names_position(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"posts\.json: not valid JSON .* line 2, column 1"):
        read_posts_by_day(SOURCE, _file(tmp_path, '{"posts_by_day": {}\n'))


@pytest.mark.parametrize(
    ("content", "found"),
    [
        ([1, 2], "a JSON list at the top level"),
        ({"metadata": {}, "days": {}}, r"top-level keys \['days', 'metadata'\]"),
        ({"posts_by_day": [1]}, "'posts_by_day' holding a list"),
    ],
)
def test_json_that_is_not_posts_by_day(tmp_path: Path, content: Any, found: str) -> None:
    with pytest.raises(SchemaError, match=rf"not a posts-by-day file: expected .*found {found}"):
        read_posts_by_day(SOURCE, _file(tmp_path, content))


@pytest.mark.parametrize("key", ["2025-1-8", "2025-02-30", "yesterday"])
def test_day_key_that_is_not_a_date(tmp_path: Path, key: str) -> None:
    with pytest.raises(SchemaError, match=rf"day key '{key}' under 'posts_by_day' is not a date"):
        read_posts_by_day(SOURCE, _file(tmp_path, {"posts_by_day": {key: [_post()]}}))


def test_duplicate_day_key(tmp_path: Path) -> None:
    text = '{"posts_by_day": {"2025-01-08": [], "2025-01-08": []}}'
    with pytest.raises(SchemaError, match=r"the key '2025-01-08' appears twice"):
        read_posts_by_day(SOURCE, _file(tmp_path, text))


def test_post_without_title_names_file_day_and_index(tmp_path: Path) -> None:
    post = _post()
    del post["title"]
    path = _file(tmp_path, {"posts_by_day": {"2025-01-08": [_post(), post]}})
    with pytest.raises(
        SchemaError, match=r"posts\.json: day '2025-01-08', post 1 \(0-based\) has no 'title'"
    ):
        read_posts_by_day(SOURCE, path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("created_utc", "last tuesday", "'created_utc' 'last tuesday' is neither"),
        ("score", "many", "'score' 'many' is not a number"),
        ("title", ["a"], r"'title' is \['a'\]; expected a string"),
    ],
)
def test_bad_post_fields(tmp_path: Path, field: str, value: Any, message: str) -> None:
    post = {**_post(), field: value}
    path = _file(tmp_path, {"posts_by_day": {"2025-01-08": [post]}})
    with pytest.raises(SchemaError, match=rf"day '2025-01-08', post 0 \(0-based\): {message}"):
        read_posts_by_day(SOURCE, path)


def test_post_that_is_not_an_object(tmp_path: Path) -> None:
    path = _file(tmp_path, {"posts_by_day": {"2025-01-08": ["just text"]}})
    with pytest.raises(SchemaError, match=r"post 0 \(0-based\) is a str"):
        read_posts_by_day(SOURCE, path)


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    raw = '{"posts_by_day":\n {"2025-01-08": [{"title": "caf\u00e9"}]}}'.encode("latin-1")
    path.write_bytes(raw)
    assert raw.index(b"\xe9") == 48
    with pytest.raises(DataSourceError, match=r"not UTF-8 text: byte 0xe9 at offset 48 \(line 2\)"):
        read_posts_by_day(SOURCE, path)
