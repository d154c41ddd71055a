"""
### Hourly listening and alerts

Every hour, reads the fast-moving sources (mentions: X search, Reddit, RSS feeds, comments on
own posts; the support inbox: Messenger conversations, X mentions of own accounts and the
replies to them) for yesterday and today, loads them, rebuilds the mention and support models
(dbt build, tests included), then evaluates the alert rules of the company config at the end of
the hour (`alerts/rules.py`): a negative-mention spike, a viral mention, inbound items
unanswered past their time, a source that stopped delivering.

An incident alerts once, by email (SMTP connection) and to a Slack-compatible webhook, and its
resolution is sent when it clears (`alerts.incidents` in the warehouse keeps the state). A
delivery that fails fails the task; the next run sends what is still pending.

**Publishing.** Once its dbt build (tests included) has passed, the run puts the mention and
support marts it rebuilt (`fct_mentions`, `fct_mention_brands`, `fct_support_conversations`) into
the published snapshot, every other table staying as the daily `social_transform_publish` run
published it, so an alert's link shows the rows it names. It runs first in the writer pool, but
no alert waits on it: a publish that fails fails the run (and is retried once), while the rules
are evaluated and the alerts sent all the same; before the first daily publish there is nothing
to refresh and it is skipped. Trigger with `{"at": "2026-11-17T18:00:00+00:00"}` to evaluate
another instant. Every task that writes DuckDB runs in the one-slot `duckdb_writer` pool.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task
from airflow.sdk.definitions.taskgroup import TaskGroup
from airflow.timetables.interval import CronDataIntervalTimetable

from warehouse.orchestration import DEFAULT_ARGS, LISTENING_STREAMS, WRITER_POOL


@task(execution_timeout=timedelta(minutes=40))
def extract(source: str, **context: Any) -> list[dict[str, Any]]:
    """Land one source's listening and inbox streams for yesterday and today."""
    from warehouse.orchestration import instant_from_context
    from warehouse.pipeline import extract as extract_source

    today = instant_from_context(context).date()
    return extract_source(
        source, today - timedelta(days=1), today, context["run_id"], streams=LISTENING_STREAMS[source]
    )


@task(pool=WRITER_POOL, execution_timeout=timedelta(minutes=20))
def load_raw(landed: list[list[dict[str, Any]]], **context: Any) -> dict[str, int]:
    """Load what the extracts landed (no asset update: the daily transform is not started)."""
    from warehouse.pipeline import load

    return load([p for source_partitions in landed for p in source_partitions], context["run_id"])


@task(pool=WRITER_POOL, retries=0, execution_timeout=timedelta(minutes=30))
def build_models() -> str | None:
    """dbt build of the mention and support marts and everything they depend on; the raw
    tables' watermark it built from (the publish refuses marts built from another load)."""
    from warehouse.pipeline import build_listening, raw_watermark

    watermark = raw_watermark()
    build_listening()
    return watermark


# Ahead of the rule evaluation in the one-slot pool, so an alert's link finds its rows.
@task(pool=WRITER_POOL, retries=1, priority_weight=10)
def publish(watermark: str | None, **context: Any) -> dict[str, int]:
    """Publish the marts just built for BI, leaving the rest of the snapshot as it is."""
    from airflow.sdk.exceptions import AirflowSkipException

    from warehouse.orchestration import instant_from_context
    from warehouse.pipeline import publish_listening

    today = instant_from_context(context).date()
    publication = publish_listening(today - timedelta(days=1), today, context["run_id"], watermark)
    if publication is None:
        raise AirflowSkipException("no published snapshot yet: the daily run publishes the first")
    return publication.tables


@task(pool=WRITER_POOL, retries=0)
def evaluate_rules(**context: Any) -> dict[str, list[str]]:
    """Evaluate the alert rules at the end of the hour; open and resolve incidents."""
    from alerts.run import evaluate
    from warehouse.orchestration import instant_from_context

    return evaluate(instant_from_context(context))


@task(pool=WRITER_POOL, retries=3, retry_delay=timedelta(minutes=2))
def send_alerts(**context: Any) -> list[str]:
    """Send each new incident and each resolution once, through the email and webhook notifiers."""
    from datetime import UTC

    from alerts.run import deliver

    return deliver(datetime.now(UTC), context)


with DAG(
    dag_id="social_listening_alerts",
    description="Hourly mentions and support inbox, alert rules, email and webhook alerts",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1, "retry_delay": timedelta(minutes=2)},
    params={
        "at": Param(
            None, type=["null", "string"], format="date-time", description="evaluate at this instant"
        ),
    },
    tags=["listening", "support", "alerts", "hourly"],
) as dag:
    landed = []
    for source in LISTENING_STREAMS:
        with TaskGroup(group_id=source, tooltip=f"listening streams of {source}"):
            landed.append(extract.override(task_id="extract")(source))
    built = build_models()
    load_raw(landed) >> built
    publish(built)  # a leaf: its failure fails the run, and no alert waits on it
    built >> evaluate_rules() >> send_alerts()
