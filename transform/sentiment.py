"""Offline language detection and sentiment of brand mentions.

Each mention gets a language (lingua, 75 languages, models shipped in the wheel) and, only when
that language is English, a VADER sentiment (a lexicon and rules tuned for social-media text,
emoji included). A mention in any other language, or one whose language cannot be told (emoji
or hashtags only, fewer than three words), is ``unscored``: VADER's lexicon is English, and a
score for Spanish text would be a guess that looks like a measurement. Nothing is downloaded at
run time.

Cleaning, in order:

* HTML (RSS summaries): tags are removed with a regex and entities unescaped with
  ``html.unescape`` (stdlib). Both the language detector and VADER read the cleaned text.
* Only the first ``SCORED_CHARS`` characters of the cleaned text are read (cut at the last
  word boundary before them), by both lingua and VADER; cleaning itself reads at most the first
  ``RAW_CHARS_READ`` characters of the raw text, so markup cannot crowd words out of the budget.
  VADER's cost grows with the square of the text's length (its negation, idiom and "but" checks
  re-read the whole token list for each sentiment word: 0.15 s at 10,000 characters, 13 s at
  100,000), so without a bound one huge comment stalls the whole model; with it a 10 MB text
  costs what its first 5,000 characters do. Long before 5,000 characters VADER's compound has
  saturated (it normalises the sum of valences as x / sqrt(x² + 15)), and lingua needs a
  sentence, not a page. The stored text has its own, larger maximum (the dbt model
  ``int_mentions__sightings``, ``mention_text_max_chars``).
* For language detection only, URLs, ``@handles`` and whole ``#hashtags`` are removed: they are
  names, not language, and hashtags are very often English (``#babygear``) inside posts written
  in another language. VADER keeps them, because a hashtag word (``#love``) carries sentiment.

``SCORER_VERSION`` is stored with every scored row; it names both libraries' installed versions
and this module's thresholds, so any change of scorer shows in the data.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Literal

from lingua import ConfidenceValue, LanguageDetector, LanguageDetectorBuilder
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Label = Literal["positive", "negative", "neutral", "unscored"]

# VADER's own recommended cut-offs on the compound score.
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
# lingua answers "don't know" unless the likeliest language's confidence beats the runner-up's by
# this much. Among 75 languages a short English sentence scores ~0.1-0.3 against ~0.05 for the
# next, while one or two words split almost evenly; see DECISIONLOG.md for how it was chosen.
MIN_RELATIVE_DISTANCE = 0.05
# Under three words lingua's answer is noise ("lol" comes out as Tswana), so it is not asked.
MIN_WORDS = 3
SCORED_LANGUAGE = "en"
# What is read of a mention: the demo's longest is 215 characters; X (280), Instagram comments
# (2,200) and nearly every Facebook comment (8,000 at most) are read whole; a Reddit self post
# (40,000) or an X premium post (25,000) is judged by its opening. VADER on 5,000 characters of
# the worst text for it (a negated sentiment word every three words) takes ~0.1 s.
SCORED_CHARS = 5_000
# Raw characters cleaning reads to fill SCORED_CHARS: room for RSS summaries' markup and entities.
RAW_CHARS_READ = 4 * SCORED_CHARS

SCORER_VERSION = (
    f"vader-{version('vaderSentiment')}+lingua-{version('lingua-language-detector')}"
    f";thresholds={POSITIVE_THRESHOLD};min_distance={MIN_RELATIVE_DISTANCE};min_words={MIN_WORDS}"
    f";chars={SCORED_CHARS}"
)

# `[^<>]`, not `[^>]`: a tag cannot hold another `<`, and without it a text of many `<` and no
# `>` makes the search rescan the rest of the text from each `<` (quadratic: 1.2 s for 40,000).
_TAG = re.compile(r"<[^<>]*>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Score:
    """The scorer's answer for one mention; ``sentiment_score`` is VADER's compound (-1..1)."""

    language: str | None
    language_confidence: float
    sentiment_score: float | None
    sentiment_label: Label


def clean_text(text: str | None) -> str:
    """The text a reader sees: HTML tags removed, entities unescaped, whitespace collapsed."""
    if not text:
        return ""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def scored_text(text: str | None) -> str:
    """The part of a mention that is scored: its cleaned text, at most ``SCORED_CHARS`` long.

    A longer text is cut at its last whitespace before the limit (a word cut in half could read
    as another word), or at the limit itself when that part has no whitespace.
    """
    cleaned = clean_text(text[:RAW_CHARS_READ] if text else text)
    if len(cleaned) <= SCORED_CHARS:
        return cleaned
    head = cleaned[: SCORED_CHARS + 1]
    cut = head.rfind(" ")
    return (head[:cut] if cut > 0 else head[:SCORED_CHARS]).rstrip()


def language_text(text: str) -> str:
    """Cleaned text without URLs, @handles and #hashtags: the words that show the language."""
    stripped = _HASHTAG.sub(" ", _HANDLE.sub(" ", _URL.sub(" ", clean_text(text))))
    return _SPACES.sub(" ", stripped).strip()


_lock = threading.Lock()
_detector: LanguageDetector | None = None
_analyzer: SentimentIntensityAnalyzer | None = None


def _get_detector() -> LanguageDetector:
    # Built once per process; lingua loads each language's models lazily on first use and shares
    # them between threads, so one detector serves every caller.
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = (
                    LanguageDetectorBuilder.from_all_languages()
                    .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
                    .build()
                )
    return _detector


def _get_analyzer() -> SentimentIntensityAnalyzer:
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def _enough_words(text: str) -> bool:
    return sum(any(ch.isalpha() for ch in word) for word in text.split()) >= MIN_WORDS


def _pick(values: Sequence[ConfidenceValue]) -> tuple[str | None, float]:
    """lingua's own rule (``detect_language_of``) applied to its confidence values, keeping the value."""
    if not values or values[0].value <= 0.0:
        return None, 0.0
    top = values[0]
    # Rounded: the parallel and the single-text paths differ in the last bits of the float.
    confidence = round(top.value, 4)
    if len(values) > 1 and top.value - values[1].value < MIN_RELATIVE_DISTANCE:
        return None, confidence
    return top.language.iso_code_639_1.name.lower(), confidence


def detect_language(text: str | None) -> tuple[str | None, float]:
    """ISO 639-1 code of the mention's language (None when it cannot be told) and lingua's confidence.

    The confidence is lingua's probability (0..1, over 75 languages) of its likeliest language,
    also when that language was not distinct enough to be returned; 0.0 when there were fewer
    than ``MIN_WORDS`` words to ask about.
    """
    words = language_text(text or "")
    if not _enough_words(words):
        return None, 0.0
    return _pick(_get_detector().compute_language_confidence_values(words))


def label_for(compound: float) -> Label:
    """VADER's compound score as a label, with VADER's recommended +/-0.05 cut-offs."""
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def _score(text: str, language: str | None, confidence: float) -> Score:
    if language != SCORED_LANGUAGE:
        return Score(language, confidence, None, "unscored")
    compound = _get_analyzer().polarity_scores(text)["compound"]
    return Score(language, confidence, compound, label_for(compound))


def score(text: str | None) -> Score:
    """Language and sentiment of one mention; ``unscored`` unless the mention is detected as English.

    Only the mention's first ``SCORED_CHARS`` characters are read (``scored_text``).
    """
    text = scored_text(text)
    language, confidence = detect_language(text)
    return _score(text, language, confidence)


def score_many(texts: Iterable[str | None]) -> list[Score]:
    """``score`` for many mentions, detecting their languages on all cores at once."""
    cleaned = [scored_text(text) for text in texts]
    words = [language_text(text) for text in cleaned]
    todo = [i for i, w in enumerate(words) if _enough_words(w)]
    detected: list[tuple[str | None, float]] = [(None, 0.0)] * len(cleaned)
    if todo:
        values = _get_detector().compute_language_confidence_values_in_parallel([words[i] for i in todo])
        for i, v in zip(todo, values, strict=True):
            detected[i] = _pick(v)
    return [_score(text, *found) for text, found in zip(cleaned, detected, strict=True)]
