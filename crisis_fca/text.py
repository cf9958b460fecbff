"""Text signals from posts: per-post sentiment and topic scores, then tidy daily signals.

A post's text is ``title + " " + text`` (the reference study's choice). Two scorers turn
texts into per-post numbers; both are *pluggable* through :class:`~crisis_fca.config.TextConfig`:

* ``text.sentiment`` -- ``"vader"`` (the default): the VADER compound score, -1..1, from the
  maintained ``vaderSentiment`` package (Hutto & Gilbert 2014, "VADER: A Parsimonious
  Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM). Any other value is an
  import path ``package.module:function`` to a callable that returns a ``compound`` column.
* ``text.topics`` -- ``"lexicon"`` (the default): one 0/1 column per keyword list in
  ``text.lexicons`` (the study's lists, see ``REFERENCE_STUDY.md``), or an import path to a
  callable (e.g. a model-based emotion classifier) returning 0/1 columns named by topic.

A scorer is any callable ``(texts: Sequence[str]) -> pd.DataFrame`` with one row per text, in
order, and numeric columns. Keyword matching is case-insensitive and comes in two modes; see
:func:`keyword_pattern`. Daily aggregation (:func:`daily_text_signals`) only produces rows for
days that have posts: a day without posts is *missing*, never a calm zero (the study filled
such days with 0, which manufactured "calm" days).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import pandas as pd

# vaderSentiment's own analyser, exported: the reference that FastAnalyzer is tested against.
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from crisis_fca._vader import FastAnalyzer
from crisis_fca.config import TextConfig
from crisis_fca.errors import ConfigError, SchemaError

__all__ = [
    "SCORE_KEYS",
    "Scorer",
    "SentimentIntensityAnalyzer",
    "daily_text_signals",
    "keyword_pattern",
    "lexicon_scorer",
    "post_scores",
    "post_texts",
    "prime_vader",
    "sentiment_scorer",
    "text_key",
    "text_signals",
    "topic_scorer",
    "vader_memo",
    "vader_scores",
]

Scorer = Callable[[Sequence[str]], pd.DataFrame]
"""Texts in, one row of numeric scores per text out (same order, same length)."""

SCORE_KEYS = ("post_id", "date", "compound")
"""The fixed leading columns of :func:`post_scores`; topic columns follow."""

_REQUIRED_POST_COLUMNS = ("date", "post_id", "title", "text")
_RESERVED_TOPICS = {*SCORE_KEYS, "negative", "positive"}  # "negative_share" is taken
_APOSTROPHES = "['\u2019]"  # ASCII apostrophe or the typographic one Reddit clients insert


def keyword_pattern(
    keywords: Sequence[str], matching: Literal["word", "substring"] = "word"
) -> re.Pattern[str]:
    """One compiled regex that finds any of ``keywords`` in *lower-cased* text.

    ``substring`` reproduces the study exactly: a keyword matches wherever ``kw in
    text.lower()`` holds, even inside other words ("mad" in "made", "ash" in "wash").

    ``word`` (crisis-fca's default) matches whole words only: a keyword may be neither
    preceded nor followed by a letter, digit or underscore, so "ash" matches "ash," and
    "ash-covered" but not "wash", "ashore" or "ashes", and "covid" matches "covid-19" but
    not "covid19". Inflections are **not** implied: "worried" does not match "worry"; list
    every form you want. Words inside a phrase match across any run of whitespace
    ("stay home" matches "stay\\nhome"); other punctuation in a keyword is literal
    ("sars-cov-2", "fact-check"), except that an apostrophe also matches the typographic
    one ("what's" matches "what’s").

    Raises:
        ConfigError: ``keywords`` is empty or holds a blank keyword (it would match everywhere).

    Example:
        >>> pattern = keyword_pattern(["mad", "stay home"])
        >>> [bool(pattern.search(t)) for t in ["i made it", "so mad!", "stay   home"]]
        [False, True, True]
        >>> bool(keyword_pattern(["mad"], "substring").search("i made it"))
        True
    """
    if not keywords or any(not kw.strip() for kw in keywords):
        msg = f"keyword list {list(keywords)!r} is empty or has a blank keyword; list real words"
        raise ConfigError(msg)
    if matching == "substring":
        return re.compile("|".join(re.escape(kw.lower()) for kw in keywords))
    # One boundary pair around the whole alternation (the engine backtracks into it): ~4x
    # faster on the UAE posts than a pair around each keyword, with the same matches.
    alternatives = "|".join(_word_body(kw) for kw in keywords)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _word_body(keyword: str) -> str:
    parts = [re.escape(part).replace("'", _APOSTROPHES) for part in keyword.lower().split()]
    return r"\s+".join(parts)


def lexicon_scorer(
    lexicons: Mapping[str, Sequence[str]], matching: Literal["word", "substring"] = "word"
) -> Scorer:
    """A topic scorer: one int 0/1 column per lexicon, 1 when any keyword matches.

    The regexes are compiled once, here, not per text.

    Example:
        >>> score = lexicon_scorer({"anger": ["mad"], "fire": ["ash"]})
        >>> score(["I made it", "MAD about the ash"]).to_dict("list")
        {'anger': [0, 1], 'fire': [0, 1]}
    """
    patterns = {topic: keyword_pattern(words, matching) for topic, words in lexicons.items()}

    def score(texts: Sequence[str]) -> pd.DataFrame:
        lowered = [t.lower() for t in texts]
        columns = {
            topic: [int(pattern.search(t) is not None) for t in lowered]
            for topic, pattern in patterns.items()
        }
        return pd.DataFrame(columns, index=pd.RangeIndex(len(lowered)), dtype="int64")

    return score


@functools.cache
def _vader() -> FastAnalyzer:
    return FastAnalyzer()


def vader_scores(texts: Sequence[str]) -> pd.DataFrame:
    """The VADER compound score of each text (column ``compound``, -1..1).

    One analyser is built per process and reused: :class:`~crisis_fca._vader.FastAnalyzer`,
    which gives vaderSentiment's scores exactly, without its per-word rescans of the whole
    text (those made the cost grow with the square of a post's length): the 2,375 UAE posts
    take about 1 s instead of 4-7 s.
    """
    compound = [_vader_compound(t) for t in texts]
    return pd.DataFrame({"compound": compound}, index=pd.RangeIndex(len(compound)), dtype="float64")


_SCORES: dict[str, float] = {}
"""Compound scores by :func:`text_key`: a score depends on the text alone, and the same posts
are scored again by every profile, region and re-run (in a process, and across processes
through :mod:`crisis_fca.score_cache`)."""


def text_key(text: str) -> str:
    """The memo key of a text: its SHA-1 (hex), so the memo never holds the texts themselves.

    Example:
        >>> text_key("calm")
        '2ec3d0c752de172cec395ce394d6af63877f5080'
    """
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _vader_compound(text: str) -> float:
    key = text_key(text)
    score = _SCORES.get(key)
    if score is None:
        score = _SCORES[key] = float(_vader().polarity_scores(text)["compound"])
    return score


def vader_memo() -> dict[str, float]:
    """A copy of the compound scores computed (or primed) in this process, by text key."""
    return dict(_SCORES)


def prime_vader(scores: Mapping[str, float]) -> None:
    """Add known compound scores (by :func:`text_key`) to the memo, e.g. from a cache file."""
    _SCORES.update(scores)


def sentiment_scorer(text: TextConfig) -> Scorer:
    """The scorer ``text.sentiment`` names: VADER or a plugin returning ``compound``."""
    if text.sentiment == "vader":
        return vader_scores
    return _plugin("text.sentiment", text.sentiment)


def topic_scorer(text: TextConfig) -> Scorer:
    """The scorer ``text.topics`` names: the case's lexicons or a plugin returning 0/1 columns."""
    if text.topics == "lexicon":
        return lexicon_scorer(text.lexicons, text.matching)
    return _plugin("text.topics", text.topics)


def _plugin(key: str, value: str) -> Scorer:
    module_name, sep, attr = value.partition(":")
    if not sep or not module_name or not attr:
        builtin = "vader" if key == "text.sentiment" else "lexicon"
        msg = (
            f"{key} = {value!r} is neither the built-in {builtin!r} nor an import path; "
            f"write {builtin!r} or 'package.module:function'"
        )
        raise ConfigError(msg)
    try:
        found = functools.reduce(getattr, attr.split("."), importlib.import_module(module_name))
    except (ImportError, AttributeError) as exc:
        msg = (
            f"{key} = {value!r} cannot be loaded ({type(exc).__name__}: {exc}); check the "
            "module is installed and importable and that it defines that function"
        )
        raise ConfigError(msg) from None
    if not callable(found):
        msg = f"{key} = {value!r} is a {type(found).__name__}, not a callable; name a function"
        raise ConfigError(msg)
    scorer: Scorer = found
    return scorer


def post_texts(posts: pd.DataFrame) -> pd.Series:
    """Each post's scored text, ``title + " " + text`` (a missing part counts as "")."""
    _require_columns(posts, ("title", "text"))
    title = posts["title"].fillna("").astype(str)
    body = posts["text"].fillna("").astype(str)
    return (title + " " + body).rename("post_text")


def post_scores(posts: pd.DataFrame, text: TextConfig) -> pd.DataFrame:
    """Per-post scores: ``post_id``, ``date``, ``compound``, then one 0/1 column per topic.

    Rows keep the order of ``posts``; later stages (dominant emotion, briefs) read this frame
    directly instead of re-scoring.

    Raises:
        SchemaError: ``posts`` lacks a column or has an unparsable date.
        ConfigError: a plugin scorer cannot be loaded or returns the wrong shape.
    """
    _require_columns(posts, _REQUIRED_POST_COLUMNS)
    texts = post_texts(posts).tolist()
    scores = pd.DataFrame({"post_id": posts["post_id"].to_numpy(), "date": _post_dates(posts)})
    scores["compound"] = _compound(texts, text)
    return pd.concat([scores, _topics(texts, text)], axis=1)


def _compound(texts: list[str], text: TextConfig) -> pd.Series:
    scores = _checked(sentiment_scorer(text)(texts), len(texts), "text.sentiment", text.sentiment)
    if "compound" not in scores.columns:
        msg = (
            f"text.sentiment = {text.sentiment!r} returned columns {list(scores.columns)} "
            "without 'compound'; return the sentiment score (-1..1) in a column named 'compound'"
        )
        raise ConfigError(msg)
    return scores["compound"].astype("float64")


def _topics(texts: list[str], text: TextConfig) -> pd.DataFrame:
    topics = _checked(topic_scorer(text)(texts), len(texts), "text.topics", text.topics)
    _check_topics(topics, text.topics)
    return topics.astype("int64")


def _require_columns(posts: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in posts.columns]
    if missing:
        msg = (
            f"posts frame lacks column(s) {missing} (has {list(posts.columns)}); "
            "build it with crisis_fca.ingest.posts or add the columns"
        )
        raise SchemaError(msg)


def _post_dates(posts: pd.DataFrame) -> pd.Series:
    raw = posts["date"].reset_index(drop=True)
    dates = pd.to_datetime(raw, format="ISO8601", errors="coerce")
    if dates.isna().any():
        row = int(dates.isna().to_numpy().argmax())
        msg = (
            f"posts column 'date', row {row} (post_id {posts['post_id'].iloc[row]!r}): "
            f"{raw.iloc[row]!r} is not a YYYY-MM-DD date; fix the posts adapter's output"
        )
        raise SchemaError(msg)
    if dates.dt.tz is not None:  # a post's day is its UTC day, as in the study
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    return dates.dt.normalize().astype("datetime64[ns]")


def _checked(scores: object, rows: int, key: str, value: str) -> pd.DataFrame:
    if isinstance(scores, pd.DataFrame):
        problem = _shape_problem(scores, rows)
        if not problem:
            return scores.reset_index(drop=True)
    else:
        problem = f"returned a {type(scores).__name__}, not a pandas DataFrame"
    msg = (
        f"{key} = {value!r} {problem}; a scorer must return a DataFrame with one row "
        "per text, in order, and numeric columns without missing values"
    )
    raise ConfigError(msg)


def _shape_problem(scores: pd.DataFrame, rows: int) -> str:
    if len(scores) != rows:
        return f"returned {len(scores)} rows for {rows} texts"
    bad = [str(c) for c in scores.columns if not pd.api.types.is_numeric_dtype(scores[c])]
    bad += [f"{c} (missing values)" for c in scores.columns if scores[c].isna().any()]
    return f"returned non-numeric or incomplete column(s) {bad}" if bad else ""


def _check_topics(topics: pd.DataFrame, value: str) -> None:
    names = [str(c) for c in topics.columns]
    bad_names = [n for n in names if not n.isidentifier() or n in _RESERVED_TOPICS]
    not_binary = [n for n in names if not topics[n].isin([0, 1]).all()]
    if bad_names or not_binary or len(set(names)) != len(names):
        msg = (
            f"text.topics = {value!r} returned columns {names}: each must be a unique "
            f"identifier other than {sorted(_RESERVED_TOPICS)} (bad: {bad_names}) holding only 0/1 "
            f"(bad: {not_binary}); threshold probabilities inside the scorer"
        )
        raise ConfigError(msg)


def daily_text_signals(
    scores: pd.DataFrame, text: TextConfig, domain: str = "social"
) -> pd.DataFrame:
    """Tidy daily signals (date, signal, value, coverage) from :func:`post_scores` output.

    Per day with posts: ``<domain>.sentiment`` (mean compound), ``<domain>.negative_share`` /
    ``<domain>.positive_share`` (share of posts with compound below ``negative_below`` /
    above ``positive_above``), and per topic ``<domain>.<topic>_posts`` (matching posts) and
    ``<domain>.<topic>_share`` (that count / posts). Days without posts get no row.
    """
    topics = [c for c in scores.columns if c not in SCORE_KEYS]
    day, compound = scores["date"], scores["compound"]
    wide = pd.DataFrame(
        {
            "sentiment": compound.groupby(day).mean(),
            "negative_share": (compound < text.negative_below).groupby(day).mean(),
            "positive_share": (compound > text.positive_above).groupby(day).mean(),
        }
    )
    posts_per_day = day.groupby(day).size()
    counts = scores[topics].groupby(day).sum()
    for topic in topics:
        wide[f"{topic}_posts"] = counts[topic]
        wide[f"{topic}_share"] = counts[topic] / posts_per_day
    return _tidy(wide, domain)


def _tidy(wide: pd.DataFrame, domain: str) -> pd.DataFrame:
    tidy = wide.astype("float64").rename_axis("date").reset_index()
    tidy = tidy.melt(id_vars="date", var_name="signal", value_name="value")
    tidy["signal"] = domain + "." + tidy["signal"].astype(str)
    tidy["date"] = tidy["date"].astype("datetime64[ns]")
    tidy["coverage"] = 1.0
    return tidy[["date", "signal", "value", "coverage"]]


def text_signals(posts: pd.DataFrame, text: TextConfig, domain: str = "social") -> pd.DataFrame:
    """Score every post and aggregate to tidy daily signals (see :func:`daily_text_signals`).

    Example:
        >>> posts = pd.DataFrame({"date": ["2020-03-01"] * 2, "post_id": ["a", "b"],
        ...     "title": ["Great news", "So mad"], "text": ["", "made a mess"]})
        >>> cfg = TextConfig(lexicons={"anger": ("mad",)})
        >>> signals = text_signals(posts, cfg)
        >>> signals["signal"].tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['social.sentiment', 'social.negative_share', 'social.positive_share',
         'social.anger_posts', 'social.anger_share']
        >>> signals["value"].round(3).tolist()  # VADER: +0.6249 and -0.7178
        [-0.046, 0.5, 0.5, 1.0, 0.5]
    """
    return daily_text_signals(post_scores(posts, text), text, domain)
