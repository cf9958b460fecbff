"""Tests for crisis_fca.text: keyword matching, pluggable scorers, daily text signals.

Hand cases use a plugin sentiment scorer whose compound is the number a post's title starts
with, so every daily value can be worked out on paper. Real-data checks read the posts JSON
with plain ``json`` and recompute what they assert with ``vaderSentiment`` and ``in``. The
faster VADER analyser (``crisis_fca._vader``) is compared with an unmodified vaderSentiment
analyser, score for score and bit for bit, on every post of the shipped cases, on hand-made
edge cases and on generated text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import vaderSentiment.vaderSentiment as vader_module
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from crisis_fca import text as text_module
from crisis_fca._vader import FastAnalyzer
from crisis_fca.config import PostsSource, TextConfig, available_cases, load_case
from crisis_fca.errors import ConfigError, SchemaError
from crisis_fca.ingest.posts import read_posts_by_day
from crisis_fca.text import (
    SCORE_KEYS,
    daily_text_signals,
    keyword_pattern,
    lexicon_scorer,
    post_scores,
    post_texts,
    text_signals,
    vader_scores,
)

UAE_JSON = "uae-covid-2020-2021/reddit_covid_uae_posts_by_day.json"
LA_JSON = "la-wildfire-2025/reddit_wildfire_posts_by_day.json"

PLUGIN = "crisis_fca_test_text_plugin"
PLUGIN_SOURCE = """
import pandas as pd

def leading_number(texts):
    compound = [float(t.split()[0]) for t in texts]
    return pd.DataFrame({"compound": compound}, index=range(7, 7 + len(texts)))

def has_x(texts):
    return pd.DataFrame({"x": [("x" in t.split()) for t in texts]})

def as_list(texts):
    return [0.0 for _ in texts]

def one_row_short(texts):
    return pd.DataFrame({"compound": [0.0] * (len(texts) - 1)})

def words(texts):
    return pd.DataFrame({"compound": ["high" for _ in texts]})

def no_compound(texts):
    return pd.DataFrame({"score": [0.0 for _ in texts]})

def probabilities(texts):
    return pd.DataFrame({"fear": [0.7 for _ in texts]})

def clashing(texts):
    return pd.DataFrame({"compound": [1 for _ in texts]})

def clashing_share(texts):
    return pd.DataFrame({"negative": [1 for _ in texts]})

NOT_CALLABLE = 3
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real importable module of scorers, removed from sys.modules afterwards."""
    (tmp_path / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield PLUGIN
    sys.modules.pop(PLUGIN, None)


def _posts(rows: list[tuple[str, str, str, str]], index: list[int] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "post_id", "title", "text"], index=index)
    return frame.assign(subreddit="dubai", created_utc=0.0, score=1)


def _load_posts(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8") as handle:
        by_day: dict[str, list[dict[str, Any]]] = json.load(handle)["posts_by_day"]
    rows = [
        (day, p["post_id"], p["title"], p["text"], p["subreddit"], p["created_utc"], p["score"])
        for day, posts in by_day.items()
        for p in posts
    ]
    columns = ["date", "post_id", "title", "text", "subreddit", "created_utc", "score"]
    return pd.DataFrame(rows, columns=columns).assign(date=lambda f: pd.to_datetime(f["date"]))


def _values(signals: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (d.strftime("%Y-%m-%d"), s): v
        for d, s, v in signals[["date", "signal", "value"]].itertuples(index=False)
    }


# --- keyword matching -------------------------------------------------------------------

MATCH_CASES = [
    # keyword, text, matches as a word, matches as a substring (the study)
    ("mad", "I made it home", False, True),
    ("mad", "So MAD about this!", True, True),
    ("ash", "wash the car", False, True),
    ("ash", "Walked ashore", False, True),
    ("ash", "ashes everywhere", False, True),  # no plural implied
    ("ash", "ash-covered cars", True, True),
    ("ash", "Ash, smoke", True, True),
    ("anger", "endangering lives", False, True),
    ("worried", "I worry", False, False),  # no inflection implied
    ("stay home", "Please STAY\n  home", True, False),
    ("stay home", "stay home", True, True),
    ("stay home", "stayhome", False, False),
    ("shelter in place", "shelter  in\tplace now", True, False),
    ("sars-cov-2", "New SARS-CoV-2 variant", True, True),
    ("sars-cov-2", "sars cov 2", False, False),
    ("fact-check", "a fact-check: false", True, True),
    ("fact-check", "fact-checked", False, True),
    ("what's happening", "What\u2019s happening in Palisades?", True, False),
    ("what's happening", "what's happening?", True, True),
    ("covid", "covid-19 cases", True, True),
    ("covid", "#COVID19 cases", False, True),
    ("icu", "in the ICU.", True, True),
    ("icu", "ridiculous", False, True),
]


@pytest.mark.parametrize(("keyword", "text", "as_word", "as_substring"), MATCH_CASES)
def test_keyword_pattern_word_and_substring(
    keyword: str, text: str, as_word: bool, as_substring: bool
) -> None:
    """Word mode needs whole words; substring mode is exactly `kw in text.lower()`."""
    assert bool(keyword_pattern([keyword], "word").search(text.lower())) is as_word
    assert bool(keyword_pattern([keyword], "substring").search(text.lower())) is as_substring
    assert as_substring is (keyword in text.lower())


def test_keyword_pattern_escapes_regex_characters() -> None:
    """Regex metacharacters in keywords are literal in both modes."""
    for matching in ("word", "substring"):
        pattern = keyword_pattern(["c++", "what if?"], matching)  # type: ignore[arg-type]
        assert pattern.search("learn c++ now")
        assert pattern.search("what if? then")
        assert not pattern.search("what i")
        assert not pattern.search("cxx")


@pytest.mark.parametrize("keywords", [[], ["fire", "  "]])
def test_keyword_pattern_refuses_blank_keywords(keywords: list[str]) -> None:
    """An empty list or a blank keyword would match every post, so it is refused."""
    with pytest.raises(ConfigError, match="empty or has a blank keyword"):
        keyword_pattern(keywords)


def test_lexicon_scorer_is_case_insensitive_and_ordered() -> None:
    """One int 0/1 column per lexicon, in lexicon order; keywords match any case."""
    score = lexicon_scorer({"fire": ["Wildfire", "ash"], "anger": ["mad"]}, "word")
    out = score(["WILDFIRE near us", "we made it, washed the car", "mad Ash"])
    assert list(out.columns) == ["fire", "anger"]
    assert out.dtypes.tolist() == ["int64", "int64"]
    assert out.to_dict("list") == {"fire": [1, 0, 1], "anger": [0, 0, 1]}
    assert score([]).shape == (0, 2)


# --- per-post scores and daily signals (hand cases) ----------------------------------------

HAND_ROWS = [
    # date, post_id, title (leading number = compound with the plugin), text
    ("2020-03-02", "c", "0.5 good", "x made it"),
    ("2020-03-01", "a", "-0.5 bad", "x so mad"),
    ("2020-03-01", "b", "-0.05 meh", None),
    ("2020-03-04", "d", "0.06 fine", "made"),
    ("2020-03-01", "e", "0.05 ok", "MAD x"),
]


def test_post_texts_joins_title_and_body() -> None:
    """Text is title + " " + body; a missing body is an empty string."""
    texts = post_texts(_posts(HAND_ROWS)).tolist()
    assert texts[:3] == ["0.5 good x made it", "-0.5 bad x so mad", "-0.05 meh "]


def test_daily_signals_by_hand(plugin: str) -> None:
    """Means, strict-threshold shares and topic counts per day; 03-03 has no posts, no rows."""
    cfg = TextConfig(sentiment=f"{plugin}:leading_number", lexicons={"anger": ("mad",)})
    signals = text_signals(_posts(HAND_ROWS, index=[40, 30, 20, 10, 0]), cfg)
    assert list(signals.columns) == ["date", "signal", "value", "coverage"]
    assert str(signals["date"].dtype) == "datetime64[ns]"
    assert (signals["coverage"] == 1.0).all()
    values = _values(signals)
    assert len(values) == 3 * 5
    assert not any(day == "2020-03-03" for day, _ in values)
    # 03-01: compounds -0.5, -0.05, 0.05; -0.05 and 0.05 sit on the cut-offs, not past them.
    assert values["2020-03-01", "social.sentiment"] == pytest.approx(-0.5 / 3)
    assert values["2020-03-01", "social.negative_share"] == pytest.approx(1 / 3)
    assert values["2020-03-01", "social.positive_share"] == 0.0
    assert values["2020-03-01", "social.anger_posts"] == 2.0  # "so mad", "MAD x"
    assert values["2020-03-01", "social.anger_share"] == pytest.approx(2 / 3)
    assert values["2020-03-02", "social.anger_posts"] == 0.0  # "made" is not "mad"
    assert values["2020-03-04", "social.positive_share"] == 1.0
    assert values["2020-03-04", "social.sentiment"] == pytest.approx(0.06)


def test_substring_matching_reproduces_the_study(plugin: str) -> None:
    """With matching="substring" "made" counts as anger, as in the study."""
    cfg = TextConfig(
        sentiment=f"{plugin}:leading_number", matching="substring", lexicons={"anger": ("mad",)}
    )
    values = _values(text_signals(_posts(HAND_ROWS), cfg))
    assert values["2020-03-02", "social.anger_posts"] == 1.0
    assert values["2020-03-04", "social.anger_share"] == 1.0


def test_signal_names_follow_domain_and_order(plugin: str) -> None:
    """Signals are <domain>.<name>, sentiment first then topics in config order, dates sorted."""
    cfg = TextConfig(
        sentiment=f"{plugin}:leading_number", lexicons={"zeta": ("x",), "alpha": ("ok",)}
    )
    signals = text_signals(_posts(HAND_ROWS), cfg, domain="forum")
    assert list(dict.fromkeys(signals["signal"])) == [
        "forum.sentiment",
        "forum.negative_share",
        "forum.positive_share",
        "forum.zeta_posts",
        "forum.zeta_share",
        "forum.alpha_posts",
        "forum.alpha_share",
    ]
    first = signals[signals["signal"] == "forum.zeta_posts"]
    assert first["date"].is_monotonic_increasing
    assert first["value"].tolist() == [2.0, 1.0, 0.0]


def test_post_scores_frame(plugin: str) -> None:
    """One row per post in input order: post_id, date, compound, then 0/1 topics."""
    cfg = TextConfig(
        sentiment=f"{plugin}:leading_number", topics=f"{plugin}:has_x", lexicons={"a": ("b",)}
    )
    scores = post_scores(_posts(HAND_ROWS, index=[5, 4, 3, 2, 1]), cfg)
    assert list(scores.columns) == [*SCORE_KEYS, "x"]
    assert scores["post_id"].tolist() == ["c", "a", "b", "d", "e"]
    assert scores["compound"].tolist() == [0.5, -0.5, -0.05, 0.06, 0.05]
    assert scores["x"].tolist() == [1, 1, 0, 0, 1]
    assert str(scores["date"].dtype) == "datetime64[ns]"
    assert scores["date"].iloc[0] == pd.Timestamp("2020-03-02")


def test_input_is_not_mutated_and_result_is_order_free(plugin: str) -> None:
    """The posts frame is left as it was; shuffling posts does not change the signals."""
    cfg = TextConfig(sentiment=f"{plugin}:leading_number", lexicons={"anger": ("mad",)})
    posts = _posts(HAND_ROWS)
    before = posts.copy(deep=True)
    signals = text_signals(posts, cfg)
    pd.testing.assert_frame_equal(posts, before)
    shuffled = text_signals(posts.iloc[[4, 2, 0, 3, 1]], cfg)
    pd.testing.assert_frame_equal(signals, shuffled)


def test_no_posts_gives_no_rows() -> None:
    """An empty posts frame gives an empty tidy frame with the usual columns and dtypes."""
    cfg = TextConfig(lexicons={"anger": ("mad",)})
    signals = text_signals(_posts([]), cfg)
    assert signals.empty
    assert list(signals.columns) == ["date", "signal", "value", "coverage"]
    assert str(signals["date"].dtype) == "datetime64[ns]"
    assert list(post_scores(_posts([]), cfg).columns) == [*SCORE_KEYS, "anger"]


def test_vader_is_the_default_scorer() -> None:
    """The built-in sentiment is vaderSentiment's compound for title + " " + text."""
    posts = _posts([("2020-03-01", "a", "Great news", "everyone is safe")])
    scores = post_scores(posts, TextConfig())
    expected = SentimentIntensityAnalyzer().polarity_scores("Great news everyone is safe")
    assert scores["compound"].tolist() == [expected["compound"]]
    assert list(scores.columns) == list(SCORE_KEYS)


def test_daily_text_signals_reuses_scores(plugin: str) -> None:
    """Aggregating a stored scores frame equals scoring and aggregating in one call."""
    cfg = TextConfig(sentiment=f"{plugin}:leading_number", lexicons={"anger": ("mad",)})
    posts = _posts(HAND_ROWS)
    scores = post_scores(posts, cfg)
    pd.testing.assert_frame_equal(daily_text_signals(scores, cfg), text_signals(posts, cfg))


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("sentiment", "no_such_package.scores:vader2", r"cannot be loaded \(ModuleNotFoundError"),
        ("sentiment", "json:no_such_function", r"cannot be loaded \(AttributeError"),
        ("sentiment", "roberta", "neither the built-in 'vader' nor an import path"),
        ("topics", "lexicons", "neither the built-in 'lexicon' nor an import path"),
        ("sentiment", "{plugin}:NOT_CALLABLE", "is a int, not a callable"),
        ("sentiment", "{plugin}:as_list", "returned a list, not a pandas DataFrame"),
        ("sentiment", "{plugin}:one_row_short", "returned 4 rows for 5 texts"),
        ("sentiment", "{plugin}:words", r"non-numeric or incomplete column\(s\) \['compound'\]"),
        ("sentiment", "{plugin}:no_compound", r"returned columns \['score'\] without 'compound'"),
        ("topics", "{plugin}:probabilities", r"holding only 0/1 \(bad: \['fear'\]\)"),
        ("topics", "{plugin}:clashing", r"other than .*\(bad: \['compound'\]\)"),
        ("topics", "{plugin}:clashing_share", r"other than .*\(bad: \['negative'\]\)"),
    ],
)
def test_bad_scorer_config_names_key_and_value(
    plugin: str, field: str, value: str, expected: str
) -> None:
    """A bad import path or a wrongly shaped result is a ConfigError naming key and value."""
    value = value.format(plugin=plugin)
    cfg = TextConfig(**{field: value})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=expected) as info:
        post_scores(_posts(HAND_ROWS), cfg)
    assert f"text.{field} = {value!r}" in str(info.value)


def test_missing_post_column_is_a_schema_error() -> None:
    """A posts frame without `title` names the column."""
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['title'\]"):
        text_signals(_posts(HAND_ROWS).drop(columns="title"), TextConfig())


@pytest.mark.parametrize(
    ("bad", "shown"), [("13th of March", "'13th of March'"), (None, "nan"), ("2020-02-30", "'2020")]
)
def test_unparsable_date_is_a_schema_error(bad: str | None, shown: str) -> None:
    """A date that is not a date names the column, the row, the post and the value."""
    posts = _posts([("2020-03-01", "a", "hi", ""), (bad, "b", "hi", "")])  # type: ignore[list-item]
    with pytest.raises(SchemaError, match=rf"column 'date', row 1 \(post_id 'b'\): {shown}"):
        text_signals(posts, TextConfig())


def test_dates_are_normalised_to_naive_days(plugin: str) -> None:
    """Timestamps with a time or a time zone become their (UTC) calendar day."""
    stamps = pd.to_datetime(["2020-03-01 23:30", "2020-03-02 01:00"]).tz_localize("Asia/Dubai")
    posts = pd.DataFrame({"date": stamps, "post_id": ["a", "b"], "title": ["1", "0"], "text": ""})
    scores = post_scores(posts, TextConfig(sentiment=f"{plugin}:leading_number"))
    assert scores["date"].tolist() == [pd.Timestamp("2020-03-01"), pd.Timestamp("2020-03-01")]
    assert str(scores["date"].dtype) == "datetime64[ns]"


# --- real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def uae_posts(data_dir: Path) -> pd.DataFrame:
    """All 2,375 UAE posts as the adapter's posts frame."""
    return _load_posts(data_dir / UAE_JSON)


@pytest.fixture(scope="module")
def uae_scores(uae_posts: pd.DataFrame) -> pd.DataFrame:
    """VADER + the study's lexicons matched as whole words, for every UAE post (about 5 s, once)."""
    study = load_case("uae-covid", profile="study").text
    return post_scores(uae_posts, study.model_copy(update={"matching": "word"}))


def test_uae_signals_only_on_days_with_posts(uae_scores: pd.DataFrame) -> None:
    """620 of the 671 days have posts; the 51 others get no row at all."""
    signals = daily_text_signals(uae_scores, load_case("uae-covid").text)
    sentiment = signals[signals["signal"] == "social.sentiment"]
    assert len(uae_scores) == 2375
    assert len(sentiment) == 620
    assert signals["value"].notna().all()
    calendar = {date(2020, 3, 1) + timedelta(days=i) for i in range(671)}
    observed = set(sentiment["date"].dt.date)
    missing = calendar - observed
    assert len(missing) == 51
    assert {date(2020, 7, 19), date(2021, 12, 30), date(2021, 12, 31)} <= missing


def test_uae_daily_mean_matches_vader_directly(data_dir: Path, uae_scores: pd.DataFrame) -> None:
    """2020-03-13: five posts scored with vaderSentiment by hand give the same daily values."""
    with (data_dir / UAE_JSON).open(encoding="utf-8") as handle:
        day = json.load(handle)["posts_by_day"]["2020-03-13"]
    analyzer = SentimentIntensityAnalyzer()
    compound = [analyzer.polarity_scores(p["title"] + " " + p["text"])["compound"] for p in day]
    assert compound == [0.6674, -0.1779, 0.25, -0.9144, 0.959]
    values = _values(daily_text_signals(uae_scores, load_case("uae-covid").text))
    assert values["2020-03-13", "social.sentiment"] == pytest.approx(sum(compound) / 5)
    assert values["2020-03-13", "social.negative_share"] == pytest.approx(2 / 5)
    assert values["2020-03-13", "social.positive_share"] == pytest.approx(3 / 5)


def test_uae_fear_days_substring_versus_word(
    data_dir: Path, uae_posts: pd.DataFrame, uae_scores: pd.DataFrame
) -> None:
    """The study's substring fear flag holds on 53 days; whole words on 52 (not 'panicking')."""
    fear = load_case("uae-covid", profile="study").text.lexicons["fear"]
    with (data_dir / UAE_JSON).open(encoding="utf-8") as handle:
        by_day = json.load(handle)["posts_by_day"]
    by_hand = {
        d
        for d, posts in by_day.items()
        if any(kw in (p["title"] + " " + p["text"]).lower() for p in posts for kw in fear)
    }
    substring = lexicon_scorer({"fear": fear}, "substring")(post_texts(uae_posts).tolist())
    substring_days = _fear_days(uae_scores[list(SCORE_KEYS)].assign(fear=substring["fear"]))
    word_days = _fear_days(uae_scores)
    assert substring_days == by_hand
    assert (len(substring_days), len(word_days)) == (53, 52)
    assert substring_days - word_days == {"2020-03-13"}  # "are we not panicking" (post fhvmie)
    assert word_days <= substring_days


def _fear_days(scores: pd.DataFrame) -> set[str]:
    signals = daily_text_signals(scores, TextConfig())
    fear = signals[(signals["signal"] == "social.fear_posts") & (signals["value"] >= 1)]
    return set(fear["date"].dt.strftime("%Y-%m-%d"))


def test_la_fear_days_reproduce_the_study(data_dir: Path) -> None:
    """LA, substring: fear on 13 days as in the study's matrix; whole words: 9 of the 30."""
    posts = _load_posts(data_dir / LA_JSON)
    case = load_case("la-wildfire", profile="study").text
    counts = {}
    for matching in ("substring", "word"):
        cfg = case.model_copy(update={"matching": matching})
        values = _values(text_signals(posts, cfg))
        days = {d for (d, s), v in values.items() if s == "social.fear_posts" and v >= 1}
        counts[matching] = len(days)
        assert sum(s == "social.sentiment" for _, s in values) == 30
    assert counts == {"substring": 13, "word": 9}


def test_la_endangering_is_neither_fear_nor_anger_as_words(data_dir: Path) -> None:
    """Post 1hxhvgo says "endangering": substring finds 'danger' and 'anger', words find neither."""
    posts = _load_posts(data_dir / LA_JSON)
    post = posts[posts["post_id"] == "1hxhvgo"]
    lexicons = load_case("la-wildfire", profile="study").text.lexicons
    text = post_texts(post).iloc[0].lower()
    assert "endangering" in text
    assert not any(f" {kw} " in f" {text} " for kw in ("danger", "anger"))
    emotions = {k: lexicons[k] for k in ("fear", "anger")}
    for matching, expected in (("substring", 1), ("word", 0)):
        cfg = TextConfig(sentiment="vader", matching=matching, lexicons=emotions)
        scores = post_scores(post, cfg)
        assert scores[["fear", "anger"]].to_numpy().tolist() == [[expected, expected]]


# --- VADER: the fast analyser gives vaderSentiment's scores exactly ---------------------------

REFERENCE = SentimentIntensityAnalyzer()
FAST = FastAnalyzer()


def _exact(scores: dict[str, float]) -> list[str]:
    """Keys and values as ``repr``: equal lists mean equal floats bit for bit (and -0.0 != 0.0)."""
    return [f"{key}={value!r}" for key, value in scores.items()]


def _mismatches(texts: list[str]) -> list[str]:
    """The texts (shortened) whose fast scores differ from vaderSentiment's, with both scores."""
    bad = []
    for t in texts:
        expected, got = REFERENCE.polarity_scores(t), FAST.polarity_scores(t)
        if _exact(got) != _exact(expected):
            bad.append(f"{t[:60]!r}: vaderSentiment {expected}, fast {got}")
    return bad


def test_reference_is_the_unmodified_vader() -> None:
    """The reference runs vaderSentiment's own code (nothing patched the module or its class),
    so the equality tests below compare with the real thing."""
    for name in ("negated", "normalize", "allcap_differential", "scalar_inc_dec", "SentiText"):
        assert getattr(vader_module, name).__module__ == vader_module.__name__, name
    for name in ("polarity_scores", "_negation_check", "_special_idioms_check", "_but_check"):
        method = getattr(SentimentIntensityAnalyzer, name)
        assert method.__module__ == vader_module.__name__, name
        assert method is not getattr(FastAnalyzer, name), name


def test_fast_vader_equals_vader_on_every_real_post(data_dir: Path) -> None:
    """Every post of every shipped case, as the adapter reads it, scores exactly the same."""
    texts = []
    for name in available_cases():
        for source in load_case(name).sources:
            if isinstance(source, PostsSource):
                posts = read_posts_by_day(source, data_dir / source.path).posts
                texts += post_texts(posts).tolist()
    assert len(texts) >= 2375 + 139  # UAE and LA posts
    assert _mismatches(texts) == []


LONG = " ".join(["Not bad, but NOT great!!! No love, never so good, kind of sad :("] * 80)

EDGE_TEXTS = [
    # empty, blank, punctuation only
    "",
    " ",
    "\n\t ",
    "!!!",
    "???",
    "?!?!?!?!",
    "!!!!!!! good ?????",
    "good!!!!!",
    "bad???",
    # emojis: alone, adjacent, after spaces of other kinds, several code points, non-emoji symbols
    "😀",
    "😀😀😀",
    " 😀 ",
    "good😀bad",
    "😀good",
    "good 😀",
    "good\u3000😀",
    "so 💔 sad 👍🏽",
    "👨\u200d👩\u200d👧 family",
    "🇦🇪 flag",
    "©®™‼ ok",
    ":) :( :D <3 :-) ;)",
    # capitals
    "GOOD",
    "GOOD day",
    "This is GOOD",
    "THIS IS GOOD",
    "VERY good",
    "very GOOD",
    "KIND OF GOOD",
    "I LOVE it but HATE it",
    "Today SUX!",
    # negation words and "n't" anywhere in a word
    "isn't good",
    "ISN'T good",
    "isnt good",
    "is not good",
    "don’t like it",
    "can'tstand good",
    "xn'tx good",
    "n't good",
    "it's not bad at all",
    "Not bad",
    "nothing good",
    "never good",
    "uh-uh good",
    "rarely good",
    "despite good reviews",
    "not, good",
    "no, good",
    "No! good",
    # never so/this, without doubt, and the precedence quirk ("so" boosts without "never")
    "never so good",
    "never this good",
    "so good",
    "this good",
    "never so very good",
    "never ever so good",
    "never ever this good",
    "without doubt good",
    "without doubt, good",
    "without a doubt, excellent",
    "Without a doubt good",
    "without good",
    "without any doubt good",
    # kind of / sort of and other booster n-grams
    "kind of good",
    "kind good",
    "kind",
    "good kind",
    "kind of",
    "Kind Of good",
    "sort of good",
    "kinda good",
    "just enough good",
    "it was just enough to be good",
    "very very very good",
    # least
    "least good",
    "at least good",
    "very least good",
    "the least good",
    "least",
    "at least",
    "At least it isn't a horrible book.",
    "the least bad option",
    # but: before/after, several, equal scores on both sides (list.index quirk)
    "good but bad",
    "bad but good",
    "good but good",
    "good good but good good",
    "but",
    "but good",
    "good but",
    "BUT good",
    "good, but; bad",
    "good but bad but good",
    "no good but bad",
    "happy sad happy but sad happy sad",
    "nice nice nice nice but nice",
    "butter is good",
    # "no" as a word and as negation
    "no",
    "no good",
    "no no",
    "no problem",
    "no or nor good",
    "no way good",
    "No love, no hate",
    "good no",
    # idioms
    "the shit",
    "the bomb",
    "bad ass",
    "badass",
    "yeah right",
    "kiss of death",
    "to die for",
    "beating heart",
    "bus stop",
    "cut the mustard",
    "the shit is good",
    "it is the bomb today",
    "that was bad ass good",
    "the shit bad ass",  # two idioms in reach of one word: the first found wins
    "yeah right the bomb",
    "bus stop beating heart",
    # slang, numbers
    "lol",
    "LOL omg",
    "sux",
    "10/10 would recommend",
    "-1 bad",
    "3 stars",
    # non-ASCII: Arabic, accents, sigma, dotted I, Kelvin sign, ligature
    "الحمد لله good",
    "Ça va très bien, merci! Schön.",
    "ΣΟΦΟΣ good",
    "İstanbul is GREAT",
    "\u212a good",
    "ﬁne good",
    # HTML and markup
    "<b>good</b> &amp; <script>alert('bad')</script>",
    "&lt;3 great",
    "[nice](javascript:x)",
    # invisible characters, a lone surrogate
    "good\u200bbad",
    "good\u00a0bad",
    "\ufeffgood",
    "\u202egood\u202c",
    "\ud83d good",
    # very long
    LONG,
    "A" * 3000 + " good",
]


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_fast_vader_equals_vader_on_edge_cases(text: str) -> None:
    """Each rule's corner (negation, but, least, idioms, caps, emojis, punctuation) agrees."""
    assert _mismatches([text]) == []


def test_vader_scores_uses_the_fast_analyser(monkeypatch: pytest.MonkeyPatch) -> None:
    """crisis-fca's VADER scorer is the fast analyser, with vaderSentiment's compounds."""
    monkeypatch.setattr(text_module, "_SCORES", {})
    expected = [REFERENCE.polarity_scores(t)["compound"] for t in EDGE_TEXTS]
    assert vader_scores(EDGE_TEXTS)["compound"].tolist() == expected
    assert isinstance(text_module._vader(), FastAnalyzer)


_LEXICON_SAMPLE = sorted(REFERENCE.lexicon)[::150]  # about 50 words, positive and negative
_VOCABULARY = sorted(
    {*NEGATE, *BOOSTER_DICT, *SPECIAL_CASES, *" ".join(SPECIAL_CASES).split(), *_LEXICON_SAMPLE}
    | {"but", "kind", "of", "never", "so", "this", "without", "doubt", "least", "at", "very"}
    | {"no", "or", "nor", "good", "bad", "great", "horrible", ":)", ":(", ":D", "😀", "💔", "n't"}
)
_TOKEN = st.builds(
    lambda word, case, punctuation: case(word) + punctuation,
    st.sampled_from(_VOCABULARY) | st.text(max_size=4),
    st.sampled_from([str, str.lower, str.upper, str.title]),
    st.sampled_from(["", "", "", ",", ".", "!", "?", "!!!", "??"]),
)


@settings(max_examples=250, deadline=None)
@given(st.lists(_TOKEN, max_size=30), st.sampled_from([" ", "  ", "\n", " \t"]))
def test_fast_vader_equals_vader_on_generated_text(tokens: list[str], separator: str) -> None:
    """Random sentences of rule words (negations, boosters, idiom parts, "but", "least",
    lexicon words), in any case and punctuation, mixed with arbitrary text, agree."""
    assert _mismatches([separator.join(tokens)]) == []


def test_lower_is_idempotent() -> None:
    """The fast negation check uses a word lower-cased once where vaderSentiment lower-cases
    it twice; that is the same only because lower-casing a lower-cased text changes nothing."""
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.lower().lower() != c.lower()] == []
