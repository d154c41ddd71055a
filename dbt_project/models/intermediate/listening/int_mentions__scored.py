"""Language and sentiment of each mention's text, scored offline (transform/sentiment.py).

Incremental: a mention is scored once per version of its text (``text_hash``); later runs score
only mentions they have not seen, so the cost follows new mentions, not history. Rows scored by
an older scorer are scored again (``scorer_version``), so changing the scorer needs no full
refresh. A language the scorer does not read is labelled ``unscored``, never guessed.
"""

import pandas as pd

from transform.sentiment import SCORER_VERSION, score_many

COLUMNS = {
    "mention_key": "string",
    "text_hash": "string",
    "language": "string",
    "language_confidence": "float64",
    "sentiment_score": "float64",
    "sentiment_label": "string",
    "scorer_version": "string",
}


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key=["mention_key", "text_hash"])
    todo = dbt.ref("int_mentions__deduplicated").project("mention_key, text_hash, mention_text")
    if dbt.is_incremental:
        # What is left to score, found by DuckDB: only those rows reach Python.
        scored = session.sql(
            f"select mention_key, text_hash from {dbt.this} where scorer_version = ?", params=[SCORER_VERSION]
        )
        todo = todo.join(scored, "mention_key, text_hash", how="anti")
    todo = todo.df()
    scores = score_many(todo["mention_text"].fillna("").tolist())
    return pd.DataFrame(
        {
            "mention_key": todo["mention_key"],
            "text_hash": todo["text_hash"],
            "language": [s.language for s in scores],
            "language_confidence": [s.language_confidence for s in scores],
            "sentiment_score": [s.sentiment_score for s in scores],
            "sentiment_label": [s.sentiment_label for s in scores],
            "scorer_version": SCORER_VERSION,
        }
    ).astype(COLUMNS)
