"""Social-media posts grouped by day (``posts_by_day`` JSON) -> posts + ``<domain>.posts``.

Shape (as written by the reference study's PRAW collector)::

    {"metadata": {...},
     "posts_by_day": {"YYYY-MM-DD": [{"post_id": ..., "title": ..., "text": ...,
                                      "subreddit": ..., "created_utc": ..., "score": ...,
                                      ...}, ...]}}

Day keys are UTC calendar days and need not be in order. The adapter returns the posts
(columns :data:`~crisis_fca.ingest.POST_COLUMNS`, for :mod:`crisis_fca.text`) and one
signal, ``<domain>.posts``, the number of posts per day. A day with no posts (absent or an
empty list) gets **no row**: the collector saw nothing, which is missing data, not a calm
day (the reference study filled such days with zeros).

Degraded, with a note, rather than refused: a ``null`` title or text (read as empty), a
lone UTF-16 surrogate left by a scraper that cut an emoji in half (replaced by U+FFFD), and
a ``created_utc`` on another UTC day than its day key (the day key is kept). Refused: a day
key in the future, JSON nested too deeply or with an integer too long to read.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.ingest import POST_COLUMNS, SourceData
from crisis_fca.ingest._common import (
    future_day_message,
    latest_allowed_day,
    origin,
    read_text,
    tidy_signals,
)

if TYPE_CHECKING:
    from crisis_fca.config import PostsSource

__all__ = ["read_posts_by_day"]

_DAY_KEY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHAPE = '{"metadata": {...}, "posts_by_day": {"YYYY-MM-DD": [post, ...]}}'
_SURROGATE = re.compile("[\ud800-\udfff]")


class _DuplicateKeyError(Exception):
    """A JSON object repeats a key (``json`` would silently keep the last one)."""


def read_posts_by_day(source: PostsSource, path: Path) -> SourceData:
    """Read a ``posts_by_day`` JSON file into posts and a daily post count.

    Returns:
        ``posts`` sorted by day, then ``created_utc``; ``title`` / ``text`` that are
        ``null`` become ``""``. Signal ``<domain>.posts`` (coverage 1.0) on days with posts.

    Raises:
        DataSourceError: the file is empty or not UTF-8.
        SchemaError: not JSON, not the posts-by-day shape, a day key that is not a
            ``YYYY-MM-DD`` date or appears twice, or a post without a title or with a bad
            ``created_utc`` / ``score`` (the message names the day key and post index).
    """
    where = origin(source.name, path)
    by_day = _posts_by_day(_load(path, where), where)
    posts = _posts_frame(by_day, where)
    counts = posts.groupby("date").size().astype("float64")
    days = pd.Series(counts.index, index=counts.index)
    signals = tidy_signals(days, {"posts": counts}, source.domain)
    notes = _degraded(by_day) + _off_day(posts)
    return SourceData(name=source.name, path=path, signals=signals, posts=posts, notes=notes)


def _load(path: Path, where: str) -> Any:
    text = read_text(path, where)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        msg = (
            f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}). "
            f"Expected {_SHAPE}; re-download the file or fix the syntax there."
        )
        raise SchemaError(msg) from None
    except _DuplicateKeyError as exc:
        msg = (
            f"{where}: the key {exc.args[0]!r} appears twice in one JSON object (for a day "
            "key: the same date twice); merge the two entries into one."
        )
        raise SchemaError(msg) from None
    except RecursionError:
        msg = (
            f"{where}: the JSON is nested too deeply to be posts by day (arrays or objects "
            f"inside each other thousands of levels deep). Expected {_SHAPE}."
        )
        raise SchemaError(msg) from None
    except ValueError as exc:  # an integer with more than 4300 digits
        reason = str(exc).split(";")[0]
        msg = f"{where}: a value cannot be read ({reason}); fix or remove it. Expected {_SHAPE}."
        raise SchemaError(msg) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _posts_by_day(obj: Any, where: str) -> dict[pd.Timestamp, tuple[str, list[Any]]]:
    if not isinstance(obj, dict) or not isinstance(obj.get("posts_by_day"), dict):
        msg = (
            f"{where}: not a posts-by-day file: expected {_SHAPE}, found {_describe(obj)}. "
            "Point the source at the collector's posts_by_day JSON, or use another kind."
        )
        raise SchemaError(msg)
    out: dict[pd.Timestamp, tuple[str, list[Any]]] = {}
    for key, posts in obj["posts_by_day"].items():
        day = _day(key, where)
        if not isinstance(posts, list):
            msg = f"{where}: day {key!r} holds a {type(posts).__name__}, not a list of posts"
            raise SchemaError(msg)
        out[day] = (key, posts)
    return out


def _describe(obj: Any) -> str:
    if not isinstance(obj, dict):
        return f"a JSON {type(obj).__name__} at the top level"
    if "posts_by_day" in obj:
        return f"'posts_by_day' holding a {type(obj['posts_by_day']).__name__}"
    return f"top-level keys {sorted(obj)}"


def _day(key: str, where: str) -> pd.Timestamp:
    stamp = None
    if _DAY_KEY.fullmatch(key):
        try:
            stamp = datetime.strptime(key, "%Y-%m-%d")
        except ValueError:  # e.g. 2020-02-30
            stamp = None
    if stamp is None:
        msg = (
            f"{where}: day key {key!r} under 'posts_by_day' is not a date YYYY-MM-DD; "
            "rename it to the posts' UTC calendar day"
        )
        raise SchemaError(msg)
    if stamp >= latest_allowed_day():
        raise SchemaError(future_day_message(where, "day key under 'posts_by_day'", key, stamp))
    return pd.Timestamp(stamp)


def _posts_frame(by_day: dict[pd.Timestamp, tuple[str, list[Any]]], where: str) -> pd.DataFrame:
    rows = [
        _post_row(day, post, f"{where}: day {key!r}, post {index}")
        for day, (key, posts) in by_day.items()
        for index, post in enumerate(posts)
    ]
    frame = pd.DataFrame(rows, columns=list(POST_COLUMNS))
    frame = frame.astype(
        {
            "date": "datetime64[ns]",
            "post_id": str,
            "title": str,
            "text": str,
            "subreddit": str,
            "created_utc": "datetime64[ns, UTC]",
            "score": "float64",
        }
    )
    return frame.sort_values(["date", "created_utc"], kind="stable", ignore_index=True)


def _post_row(day: pd.Timestamp, post: Any, at: str) -> tuple[Any, ...]:
    if not isinstance(post, dict):
        msg = f"{at} (0-based) is a {type(post).__name__}; each post must be a JSON object"
        raise SchemaError(msg)
    if "title" not in post:
        msg = f"{at} (0-based) has no 'title' field; every post needs one (null for none)"
        raise SchemaError(msg)
    return (
        day,
        _text(post.get("post_id"), "post_id", at),
        _text(post["title"], "title", at),
        _text(post.get("text"), "text", at),
        _text(post.get("subreddit"), "subreddit", at),
        _created(post.get("created_utc"), at),
        _score(post.get("score"), at),
    )


def _text(value: Any, field: str, at: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    msg = f"{at} (0-based): {field!r} is {value!r}; expected a string (or null)"
    raise SchemaError(msg)


def _created(value: Any, at: str) -> pd.Timestamp | None:
    try:
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return pd.Timestamp(datetime.fromtimestamp(value, tz=UTC))
        stamp = datetime.fromisoformat(str(value))
        return pd.Timestamp(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).tz_convert(UTC)
    except (ValueError, OverflowError, OSError):
        msg = (
            f"{at} (0-based): 'created_utc' {value!r} is neither an ISO 8601 time "
            "nor Unix seconds; fix or remove the value"
        )
        raise SchemaError(msg) from None


def _score(value: Any, at: str) -> float:
    if value is None:
        return float("nan")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not _infinite(value):
        return float(value)
    kind = " (it is infinite)" if number else ""
    msg = f"{at} (0-based): 'score' {value!r} is not a number{kind}; fix or remove the value"
    raise SchemaError(msg)


def _infinite(value: float) -> bool:
    try:
        return math.isinf(value)
    except OverflowError:  # an int too large for a float
        return True


def _degraded(by_day: dict[pd.Timestamp, tuple[str, list[Any]]]) -> tuple[str, ...]:
    """Notes on posts read with a fallback: null title / text, lone surrogates."""
    posts = [p for _, day_posts in by_day.values() for p in day_posts]
    nulls = {f: sum(p.get(f, "") is None for p in posts) for f in ("title", "text")}
    cut = sum(any(isinstance(v, str) and _SURROGATE.search(v) for v in p.values()) for p in posts)
    notes = [
        f"{n} post(s) have a null {field}, read as empty text (a post with neither title "
        "nor text still counts as a post and scores neutral)"
        for field, n in nulls.items()
        if n
    ]
    if cut:
        notes.append(
            f"{cut} post(s) hold a lone UTF-16 surrogate (an emoji cut in half by the "
            "scraper), replaced by U+FFFD"
        )
    return tuple(notes)


def _off_day(posts: pd.DataFrame) -> tuple[str, ...]:
    """A note when posts' ``created_utc`` falls on another UTC day than their day key."""
    created = posts["created_utc"].dt.tz_convert(UTC).dt.tz_localize(None).dt.normalize()
    off = posts[created.notna() & (created != posts["date"])]
    if off.empty:
        return ()
    first = off.iloc[0]
    return (
        f"{len(off)} post(s) were created on another UTC day than their day key (e.g. post "
        f"{first['post_id']!r} under {first['date']:%Y-%m-%d}, created "
        f"{first['created_utc']:%Y-%m-%d %H:%M} UTC); they are counted on their day key",
    )
