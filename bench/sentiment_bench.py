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
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from transform.sentiment import SCORER_VERSION, score_many

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

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
