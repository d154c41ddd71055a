"""Mention scoring throughput against VADER alone, on the same texts.

Builds N mentions by cycling the hand-labelled set (``tests/data/sentiment_labelled.csv``: English,
Spanish, German, French, Italian, emoji-only, some HTML), each with a different number appended,
then times, in the same process and alternating order:

* baseline: VADER's ``polarity_scores`` on every text (no cleaning, no language detection);
* scorer:   ``transform.sentiment.score_many`` (HTML cleaning, lingua's parallel detection over 75
  languages, VADER on the English ones).

The first call loads lingua's language models (a few seconds, once per process); it is timed
apart and left out of the runs. Prints mentions/s for each and the scorer/baseline time ratio.

    python -m bench.sentiment_bench --mentions 5000 --repeat 3

With ``--lengths``, the cost of one mention by its length instead: ``score`` of one text of
1 KB, 10 KB, 100 KB, 1 MB and 10 MB (up to ``--max-chars``), each an English review repeated and,
as the worst case for VADER, a negated sentiment word every three words. Each time is printed as
a ratio to the baseline, timed alternately with it in the same process: scoring a text
exactly ``SCORED_CHARS`` long, the most the scorer reads. A bounded scorer stays at or under 1.0 however
long the text; VADER alone on the whole text (up to ``--uncapped-max-chars``, since it grows with
the square of the length; timed once) shows what the limit saves.

    python -m bench.sentiment_bench --lengths --repeat 5
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from transform.sentiment import SCORED_CHARS, SCORER_VERSION, score, score_many

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "sentiment_labelled.csv"


def mentions(n: int) -> list[str]:
    """``n`` texts cycling the labelled set, each made distinct by a trailing number."""
    with LABELLED.open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    return [f"{texts[i % len(texts)]} {i}" for i in range(n)]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


LENGTHS = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
TEXTS = {
    "review": (
        "Took the Lumo out for a long walk in the park today and honestly the ride was smoother than "
        "I expected. The basket is huge, but the wheel squeaks and support never answered my email. "
    ),
    # Every sentiment word has a non-lexicon word before it, so VADER runs its negation and idiom
    # checks (each re-reads the whole token list) for every third word; one "but" re-weighs all.
    "worst case": "not very good but ",
}


def text_of(unit: str, chars: int) -> str:
    return (unit * (chars // len(unit) + 1))[:chars]


def paired(fn: Callable[[], object], baseline: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median times of ``fn`` and ``baseline``, run alternately so that load from other processes
    weighs on both alike."""
    runs: tuple[list[float], list[float]] = ([], [])
    for r in range(repeat):
        for i in (0, 1) if r % 2 == 0 else (1, 0):
            runs[i].append(timed((fn, baseline)[i]))
    return statistics.median(runs[0]), statistics.median(runs[1])


def by_length(repeat: int, max_chars: int, uncapped_max_chars: int) -> None:
    """One mention's scoring time by its length, as a ratio to scoring SCORED_CHARS characters."""
    analyzer = SentimentIntensityAnalyzer()
    print(f"scorer {SCORER_VERSION}")
    print(f"cold start (build detector, load models): {timed(lambda: score(TEXTS['review'])):.2f} s")
    lengths = [n for n in LENGTHS if n <= max_chars]
    widths = (12, 10, 12, 11, 20, 11)
    for name, unit in TEXTS.items():
        at_cap = text_of(unit, SCORED_CHARS)
        print(f"\n{name}: baseline = score of {SCORED_CHARS:,} characters (the cap), timed beside each")
        header = ("characters", "score ms", "baseline ms", "/ baseline", "VADER whole text ms", "/ baseline")
        print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
        for chars in lengths:
            text = text_of(unit, chars)
            baseline = partial(score, at_cap)
            took, base = paired(partial(score, text), baseline, repeat)
            if chars <= uncapped_max_chars:
                whole, base_v = paired(partial(analyzer.polarity_scores, text), baseline, 1)
                vader = f"{whole * 1000:>20.1f} {whole / base_v:>11.2f}"
            else:
                vader = f"{'(not run)':>20} {'':>11}"
            print(f"{chars:>12,} {took * 1000:>10.1f} {base * 1000:>12.1f} {took / base:>11.2f} {vader}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lengths", action="store_true", help="one mention's time by its length")
    parser.add_argument("--max-chars", type=int, default=LENGTHS[-1])
    parser.add_argument("--uncapped-max-chars", type=int, default=100_000)
    args = parser.parse_args()
    if args.lengths:
        by_length(args.repeat, args.max_chars, args.uncapped_max_chars)
        return

    texts = mentions(args.mentions)
    analyzer = SentimentIntensityAnalyzer()
    print(f"scorer {SCORER_VERSION}")
    print(f"cold start (build detector, load models, score all): {timed(lambda: score_many(texts)):.2f} s")

    runs: dict[str, list[float]] = {"baseline": [], "scorer": []}
    candidates = {
        "baseline": lambda: [analyzer.polarity_scores(t) for t in texts],
        "scorer": lambda: score_many(texts),
    }
    for r in range(args.repeat):
        order = ("baseline", "scorer") if r % 2 == 0 else ("scorer", "baseline")
        for name in order:
            runs[name].append(timed(candidates[name]))

    n = len(texts)
    base, scorer = statistics.median(runs["baseline"]), statistics.median(runs["scorer"])
    print(f"{'mentions':>9} {'vader /s':>10} {'scorer /s':>10} {'scorer / vader time':>20}")
    print(f"{n:>9,} {n / base:>10,.0f} {n / scorer:>10,.0f} {scorer / base:>20.2f}")


if __name__ == "__main__":
    main()
