"""vaderSentiment's analyser without its quadratic per-word work: same lexicon, rules and scores.

Why this exists: ``SentimentIntensityAnalyzer.polarity_scores`` (vaderSentiment 3.3.2)
lower-cases the *whole* word list again inside ``_negation_check`` and
``_special_idioms_check``, which run up to three times per lexicon word, so a post of n words
costs O(n^2) ``str.lower`` calls: about 30 million for the 2,375 UAE posts, most of the 4-7 s
that scoring them took. :class:`FastAnalyzer` lower-cases each word once per text, and skips
three smaller costs: the character-by-character emoji pass over texts without an emoji, a
method call per word outside the lexicon, and the list shifting in ``_but_check``.

The rules are vaderSentiment's code (MIT licence): inherited unchanged (``SentiText``,
``sentiment_valence``, ``_least_check``, ``score_valence`` and the lexicons), or copied into
the overrides below with only the changes each docstring names. ``tests/test_text.py`` checks
that every score (``neg``, ``neu``, ``pos`` and ``compound``) equals an unmodified
analyser's exactly, on every post of the shipped cases and on hand-made edge cases. The
vaderSentiment module itself is not patched: its own analyser keeps the original code.
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
)

__all__ = ["FastAnalyzer"]

_NEGATE = frozenset(NEGATE)


class _Words(list[str]):
    """``SentiText.words_and_emoticons`` plus ``lowered``: the same words, lower-cased once.

    The inherited rules receive this list where they received the plain one (it still is a
    list of the same words); the overridden checks read ``lowered`` instead of lower-casing
    every word again on every call.
    """

    def __init__(self, words: list[str]) -> None:
        super().__init__(words)
        self.lowered = [w.lower() for w in words]


def _negated(word_lower: str) -> bool:
    """vaderSentiment's ``negated([word])`` for one lower-cased word, as a set lookup.

    ``negated`` lower-cases its input (again: callers pass lower-cased words, and
    ``str.lower`` is idempotent), copies the 59-word NEGATE list and scans it; then, with
    its default ``include_nt=True``, any word containing "n't" negates ("isn't", but also
    "n't" inside longer tokens).
    """
    return word_lower in _NEGATE or "n't" in word_lower


class FastAnalyzer(SentimentIntensityAnalyzer):  # type: ignore[misc]  # untyped base class
    """A ``SentimentIntensityAnalyzer`` whose scores equal the original's, bit for bit, faster.

    Built with vaderSentiment's packaged word and emoji lexicons.

    Example:
        >>> FastAnalyzer().polarity_scores("VADER is VERY SMART, handsome, and FUNNY!!!")
        {'neg': 0.0, 'neu': 0.233, 'pos': 0.767, 'compound': 0.9342}
    """

    def __init__(self) -> None:
        super().__init__()
        self._emoji_chars = frozenset(e for e in self.emojis if len(e) == 1)

    def _describe_emojis(self, text: str) -> str:
        """``text`` with each one-character emoji replaced by its description.

        vaderSentiment's loop from ``polarity_scores`` (a space goes before a description
        unless it starts the text or follows a plain space, none after it; emojis of several
        code points are never matched whole), run only on texts that hold an emoji at all:
        one text in fifty does, and the loop is the slow part.
        """
        if self._emoji_chars.isdisjoint(text):
            return text
        pieces: list[str] = []
        prev_space = True
        for char in text:
            if char in self._emoji_chars:
                if not prev_space:
                    pieces.append(" ")
                pieces.append(self.emojis[char])
                prev_space = False
            else:
                pieces.append(char)
                prev_space = char == " "
        return "".join(pieces)

    def polarity_scores(self, text: str) -> dict[str, float]:
        """vaderSentiment's ``polarity_scores``: ``neg``, ``neu``, ``pos`` and ``compound``.

        The original with three changes: emojis are described by :meth:`_describe_emojis`,
        the words are a :class:`_Words` so the checks below can read them lower-cased, and a
        word outside the lexicon gets its 0 here instead of in ``sentiment_valence``.
        """
        text = self._describe_emojis(text).strip()
        sentitext = SentiText(text)
        words = sentitext.words_and_emoticons = _Words(sentitext.words_and_emoticons)
        lowered = words.lowered
        sentiments: list[float] = []
        for i, item in enumerate(words):
            word = lowered[i]
            # Booster words and "kind of" are modifiers, not sentiment; a word outside the
            # lexicon scores 0, as sentiment_valence would append, without the call.
            if (
                word in BOOSTER_DICT
                or (i < len(words) - 1 and word == "kind" and lowered[i + 1] == "of")
                or word not in self.lexicon
            ):
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words, sentiments)
        scores: dict[str, float] = self.score_valence(sentiments, text)
        return scores

    @staticmethod
    def _negation_check(valence: float, words_and_emoticons: _Words, start_i: int, i: int) -> float:
        """vaderSentiment's ``_negation_check``, reading the words lower-cased once per text."""
        lower = words_and_emoticons.lowered
        if start_i == 0 and _negated(lower[i - 1]):  # 1 word preceding lexicon word
            valence = valence * N_SCALAR
        if start_i == 1:
            if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
                valence = valence * 1.25
            elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
                pass  # "without doubt" is no negation
            elif _negated(lower[i - 2]):  # 2 words preceding the lexicon word position
                valence = valence * N_SCALAR
        if start_i == 2:
            # vaderSentiment's operator precedence: "so"/"this" just before the lexicon word
            # boosts it even without a "never"
            never_so = lower[i - 3] == "never" and lower[i - 2] in ("so", "this")
            if never_so or lower[i - 1] in ("so", "this"):
                valence = valence * 1.25
            elif lower[i - 3] == "without" and "doubt" in (lower[i - 2], lower[i - 1]):
                pass  # "without (...) doubt" is no negation
            elif _negated(lower[i - 3]):  # 3 words preceding the lexicon word position
                valence = valence * N_SCALAR
        return valence

    @staticmethod
    def _special_idioms_check(valence: float, words_and_emoticons: _Words, i: int) -> float:
        """vaderSentiment's ``_special_idioms_check``, reading the words lower-cased once."""
        lower = words_and_emoticons.lowered
        onezero = f"{lower[i - 1]} {lower[i]}"
        twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
        twoone = f"{lower[i - 2]} {lower[i - 1]}"
        threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
        threetwo = f"{lower[i - 3]} {lower[i - 2]}"

        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
                break

        if len(lower) - 1 > i:
            zeroone = f"{lower[i]} {lower[i + 1]}"
            if zeroone in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroone]
        if len(lower) - 1 > i + 1:
            zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
            if zeroonetwo in SPECIAL_CASES:
                valence = SPECIAL_CASES[zeroonetwo]

        # check for booster/dampener bi-grams such as 'sort of' or 'kind of'
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in BOOSTER_DICT:
                valence = valence + BOOSTER_DICT[n_gram]
        return valence

    @staticmethod
    def _but_check(words_and_emoticons: _Words, sentiments: list[float]) -> list[float]:
        """vaderSentiment's ``_but_check``: halve scores before the first "but", boost after.

        Two changes: the words are read lower-cased once, and a score is replaced in place
        where the original pops and re-inserts it (the same list, without shifting its tail
        twice per score). Its quirk is kept: the score changed is the *first* one equal to the
        current score (``list.index``), so equal scores on both sides of "but" interact.
        """
        lower = words_and_emoticons.lowered
        if "but" in lower:
            bi = lower.index("but")
            for sentiment in sentiments:
                si = sentiments.index(sentiment)
                if si < bi:
                    sentiments[si] = sentiment * 0.5
                elif si > bi:
                    sentiments[si] = sentiment * 1.5
        return sentiments
