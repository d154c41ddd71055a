"""The mention scorer against a hand-labelled set, and its rules one by one.

``tests/data/sentiment_labelled.csv`` holds social-media mentions of Lumo and two competitors,
labelled by a person reading them (not by what VADER says): English positive / negative /
neutral, including sarcasm, negation, slang, emoji, questions and complaints; Spanish, German,
French and Italian ones, labelled ``unscored`` because the scorer must not score them; and
emoji/hashtag-only ones with no language, also ``unscored`` by design (a reader would call
"😍😍😍 #lumo" positive, but there are no words to tell the language from).

Run with ``-s`` to see the accuracy and the confusion matrix.
"""

from __future__ import annotations

import csv
import threading
from collections import Counter
from pathlib import Path

import pytest

from transform import sentiment
from transform.sentiment import (
    Score,
    clean_text,
    detect_language,
    label_for,
    language_text,
    score,
    score_many,
    scored_text,
)

LABELLED = Path(__file__).resolve().parents[1] / "data" / "sentiment_labelled.csv"
LABELS = ("positive", "negative", "neutral", "unscored")

# Measured 78 / 107 = 0.729 on the English rows (vader 3.3.2, lingua 2.1.1, DECISIONLOG.md).
# The floor leaves room for three rows to move on a library upgrade; a bigger drop is a change
# of scorer that deserves a look, not a silent pass.
ACCURACY_FLOOR = 0.70


@pytest.fixture(scope="module")
def labelled() -> list[tuple[dict[str, str], Score]]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return list(zip(rows, score_many([row["text"] for row in rows]), strict=True))


def test_labelled_set_is_what_it_claims(labelled):
    languages = Counter(row["language"] for row, _ in labelled)
    english = Counter(row["label"] for row, _ in labelled if row["language"] == "en")
    assert len(labelled) >= 120
    assert {"es", "de", "fr", "it"} <= set(languages)
    assert sum(n for lang, n in languages.items() if lang not in ("en", "")) >= 25
    assert languages[""] >= 3
    assert min(english[label] for label in ("positive", "negative", "neutral")) >= 20
    assert all(row["label"] in LABELS for row, _ in labelled)
    assert all(row["label"] == "unscored" for row, _ in labelled if row["language"] != "en")


def test_english_accuracy_at_least_the_floor(labelled):
    english = [(row["label"], got.sentiment_label) for row, got in labelled if row["language"] == "en"]
    confusion = Counter(english)
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    accuracy = correct / len(english)

    print(f"\nEnglish accuracy: {correct} / {len(english)} = {accuracy:.3f} (floor {ACCURACY_FLOOR})")
    print("rows: labelled, columns: scored")
    print(f"{'':>10}" + "".join(f"{label:>10}" for label in LABELS))
    for want in LABELS[:3]:
        print(f"{want:>10}" + "".join(f"{confusion[(want, got)]:>10}" for got in LABELS))

    assert accuracy >= ACCURACY_FLOOR


def test_every_non_english_row_is_unscored(labelled):
    for row, got in labelled:
        if row["language"] == "en":
            continue
        assert got.sentiment_label == "unscored", row["text"]
        assert got.sentiment_score is None, row["text"]
        # Its language is the labelled one or unknown, never English.
        assert got.language in (row["language"] or None, None), row["text"]


def test_english_rows_are_detected_as_english(labelled):
    english = [got.language for row, got in labelled if row["language"] == "en"]
    assert english.count("en") >= len(english) - 3


def test_spanish_text_gets_no_sentiment_label():
    # Spanish that VADER would happily score: "fantástico", "super", "love" are in or near its lexicon.
    for text in (
        "Me encanta el carrito Lumo, es fantástico y super ligero",
        "El Lumo llegó con la rueda rota, fatal, no lo recomiendo",
        "Love el nuevo Lumo, es perfecto para la ciudad",
    ):
        got = score(text)
        assert got.language != "en", text
        assert got.sentiment_label == "unscored", text
        assert got.sentiment_score is None, text


@pytest.mark.parametrize(
    "text",
    [
        "😍😍😍",
        "#lumo #babygear",
        "@LumoStrollers 👍",
        "lol",
        "love it!!",
        "https://lumo.example/x",
        "",
        None,
    ],
)
def test_too_little_text_has_no_language(text):
    assert detect_language(text) == (None, 0.0)
    assert score(text) == Score(None, 0.0, None, "unscored")


@pytest.mark.parametrize(
    ("compound", "label"),
    [
        (1.0, "positive"),
        (0.05, "positive"),
        (0.0499, "neutral"),
        (0.0, "neutral"),
        (-0.0499, "neutral"),
        (-0.05, "negative"),
        (-1.0, "negative"),
    ],
)
def test_label_thresholds(compound, label):
    assert label_for(compound) == label


def test_html_is_stripped_before_scoring():
    summary = "<p>Lumo&#8217;s new stroller is <b>great</b> &amp; <a href='https://x.example'>light</a></p>"
    plain = "Lumo\u2019s new stroller is great & light"
    assert clean_text(summary) == plain
    assert score(summary) == score(plain)
    assert score(summary).sentiment_label == "positive"


def test_language_text_drops_urls_handles_and_hashtags():
    text = "Die Räder vom Lumo quietschen @LumoStrollers #fail #strollerlife https://lumo.example/p?id=1"
    assert language_text(text) == "Die Räder vom Lumo quietschen"
    # The hashtag would have made it look English; without it the German is detected.
    assert detect_language(text)[0] == "de"


def test_sentiment_keeps_hashtags_and_emoji():
    assert score("Took the Lumo to the park today #love").sentiment_label == "positive"
    assert score("Took the Lumo to the park today 😠").sentiment_label == "negative"


def test_score_and_score_many_agree():
    texts = ["Lumo wheels broke after a week, awful", "Il passeggino Lumo è leggerissimo", "😍", None]
    assert score_many(texts) == [score(text) for text in texts]
    assert score_many([]) == []


def test_detector_is_built_once_across_threads(monkeypatch):
    monkeypatch.setattr(sentiment, "_detector", None)
    built: list[object] = []
    barrier = threading.Barrier(8)

    def build() -> None:
        barrier.wait()
        built.append(sentiment._get_detector())

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 8 and len({id(d) for d in built}) == 1


def test_scorer_version_names_both_libraries_and_thresholds():
    assert sentiment.SCORER_VERSION.startswith("vader-3.3.2+lingua-2.1.")
    assert "thresholds=0.05" in sentiment.SCORER_VERSION


# A mention far beyond what is scored: a positive opening, then 10 MB of complaint. Only the
# opening is read, so it is scored as the opening alone is, and never as the complaint.
OPENING = (
    "Took the Lumo out for a long walk in the park today and honestly the ride was smoother than I "
    "expected. I love the huge basket, the canopy blocks the sun, and my daughter fell asleep within "
    "minutes. Wonderful stroller, so easy to fold. "
) * 30
COMPLAINT = "Lumo support never answered, the wheel broke, awful and useless. "
HUGE = OPENING + COMPLAINT * (10_000_000 // len(COMPLAINT))


class _Recording:
    """The real detector or analyzer, noting the length of every text it is given."""

    def __init__(self, real: object, lengths: list[int]) -> None:
        self._real, self._lengths = real, lengths

    def compute_language_confidence_values(self, text: str):
        self._lengths.append(len(text))
        return self._real.compute_language_confidence_values(text)

    def compute_language_confidence_values_in_parallel(self, texts: list[str]):
        self._lengths.extend(len(text) for text in texts)
        return self._real.compute_language_confidence_values_in_parallel(texts)

    def polarity_scores(self, text: str):
        self._lengths.append(len(text))
        return self._real.polarity_scores(text)


@pytest.fixture
def read_lengths(monkeypatch) -> dict[str, list[int]]:
    """What lingua and VADER were given while the test ran: the length of each text."""
    lengths: dict[str, list[int]] = {"lingua": [], "vader": []}
    detector, analyzer = sentiment._get_detector(), sentiment._get_analyzer()
    monkeypatch.setattr(sentiment, "_get_detector", lambda: _Recording(detector, lengths["lingua"]))
    monkeypatch.setattr(sentiment, "_get_analyzer", lambda: _Recording(analyzer, lengths["vader"]))
    return lengths


def test_a_huge_mention_is_scored_from_its_first_characters_only(read_lengths):
    assert len(HUGE) >= 10_000_000
    got = score(HUGE)
    assert got == score(OPENING[: sentiment.SCORED_CHARS])
    assert got.language == "en" and got.sentiment_label == "positive"
    assert score(COMPLAINT * 100).sentiment_label == "negative"  # what reading it all would weigh
    # lingua and VADER never saw more than the limit, by either path.
    score_many([HUGE, "Lumo wheels broke after a week, awful", HUGE])
    assert read_lengths["lingua"] and read_lengths["vader"]
    assert max(read_lengths["lingua"] + read_lengths["vader"]) <= sentiment.SCORED_CHARS


def test_the_scored_part_ends_at_a_word_boundary_within_the_limit():
    text = "word " * 3_000  # 15,000 characters
    part = scored_text(text)
    assert len(part) <= sentiment.SCORED_CHARS and text.startswith(part)
    assert part.endswith("word") and len(part) > sentiment.SCORED_CHARS - len("word ")
    # No whitespace to cut at: the limit itself.
    assert scored_text("a" * 10_000_000) == "a" * sentiment.SCORED_CHARS
    # Markup does not count against the limit: cleaning reads further into the raw text.
    tagged = "<b>word</b> " * 2_000  # 24,000 raw characters, 10,000 of them words
    assert scored_text(tagged) == scored_text("word " * 2_000)
    # Shorter texts are read whole.
    assert scored_text("Lumo is great") == "Lumo is great"
    assert scored_text(None) == ""


def test_a_lone_angle_bracket_is_text_and_a_tag_holds_no_other():
    # A tag is `<` up to the next `>` with no `<` in between: a run of `<` with no `>` is kept as
    # text (and is read in one pass, not once per `<`).
    assert clean_text("<" * 100_000 + " ok") == "<" * 100_000 + " ok"
    assert clean_text("a < b and <i>c</i>") == "a < b and c"
    assert clean_text("1 <2 <b>bold</b>") == "1 <2 bold"


def test_scorer_version_names_the_scored_length():
    assert f"chars={sentiment.SCORED_CHARS}" in sentiment.SCORER_VERSION
