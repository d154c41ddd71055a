"""The alert rules: what counts as "something just blew up", evaluated at one instant.

Every rule reads the live warehouse as it was at ``now``: only mentions published and messages
sent before ``now`` count, and a reply after ``now`` has not happened yet. So an hourly run is a
pure function of its data interval's end, and replaying the hours of a past week shows what the
alerts would have said then. Thresholds come from ``alerts:`` in the company config.

* **negative_spike** — negative mentions of the own brand in the last ``window_hours`` against
  the same-length windows of the ``baseline_days`` before. Fires when the count is at least
  ``min_mentions`` and its modified z-score, 0.6745 * (count - median) / MAD, exceeds ``max_z``
  (3.5, Iglewicz and Hoaglin's outlier bar), and the negative share of the window's brand
  mentions is ``min_share_ratio`` (2) times the baseline's: a busy day (a popular post) brings
  more mentions of every kind, a crisis mostly negative ones. Median and MAD, unlike mean and
  standard deviation, are not dragged up by the spike itself once it enters the baseline; the MAD
  has a floor of the Poisson spread (√median) so a quiet baseline of near-constant counts does
  not turn one extra complaint into an outlier.
* **viral_mention** — a mention of the own brand published in the last ``within_hours`` whose
  author reaches ``min_reach`` people (X followers; a subreddit's size says nothing about one
  post, so Reddit reach does not count) or that drew ``min_engagements`` engagements. One
  incident per mention.
* **unanswered** — inbound items that need a response (``fct_support_conversations``) and have
  waited ``after_minutes`` without one, among those from the last ``within_hours``. One incident
  per own account: a backlog is one problem, not fifty.
* **stale_source** — a source whose newest successful load (any of its raw tables) is older
  than ``after_hours``. Sources that never loaded anything are not configured, not stale.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from alerts.notify import Evidence
from core.config import CompanyConfig, NegativeSpikeRule
from core.database import RAW_SCHEMA

MARTS = "marts"
EVIDENCE = 10


@dataclass(frozen=True)
class Finding:
    """One rule firing at one instant; ``key`` names the incident across runs."""

    key: str
    rule: str
    title: str
    summary: str
    evidence: tuple[Evidence, ...] = ()
    data_hint: str = ""
    facts: dict[str, float | int | str] = field(default_factory=dict)


def evaluate(con: duckdb.DuckDBPyConnection, config: CompanyConfig, now: datetime) -> list[Finding]:
    """Every rule's findings at ``now`` (aware), in a stable order."""
    now = now.astimezone(UTC)
    return [
        *negative_spike(con, config, now),
        *viral_mentions(con, config, now),
        *unanswered(con, config, now),
        *stale_sources(con, config, now),
    ]


def _naive(moment: datetime) -> datetime:
    """The warehouse's convention: UTC timestamps without a time zone."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def _waited(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days {hours % 24} h"


# ------------------------------------------------------------------------------ negative spike


@dataclass(frozen=True)
class SpikeTest:
    """The numbers behind a negative-spike verdict."""

    count: int
    median: float
    mad: float
    z: float
    share: float
    baseline_share: float
    fires: bool


def spike_test(
    count: int,
    total: int,
    baseline: Sequence[int],
    baseline_totals: Sequence[int],
    rule: NegativeSpikeRule,
) -> SpikeTest:
    """``count`` negative mentions out of ``total`` in the window, against the baseline windows'
    negative counts and totals: the modified z-score (MAD floored at the Poisson spread) and the
    negative share against the baseline's pooled share."""
    median = statistics.median(baseline) if baseline else 0.0
    mad = statistics.median([abs(b - median) for b in baseline]) if baseline else 0.0
    spread = max(mad, 0.6745 * math.sqrt(max(median, 1.0)))
    z = 0.6745 * (count - median) / spread
    share = count / total if total else 0.0
    pooled = sum(baseline_totals)
    baseline_share = sum(baseline) / pooled if pooled else 0.0
    fires = (
        count >= rule.min_mentions
        and z > rule.max_z
        and (baseline_share == 0.0 or share >= rule.min_share_ratio * baseline_share)
    )
    return SpikeTest(count, median, mad, z, share, baseline_share, fires)


def negative_spike(con: duckdb.DuckDBPyConnection, config: CompanyConfig, now: datetime) -> list[Finding]:
    rule = config.alerts.negative_spike
    if not _table_exists(con, MARTS, "fct_mentions"):
        return []
    window = timedelta(hours=rule.window_hours)
    buckets = int(timedelta(days=rule.baseline_days) / window)
    counts = {
        bucket: (negative, total)
        for bucket, negative, total in con.execute(
            f"""
            select cast(floor((epoch($now) - epoch(published_at)) / $seconds) as integer),
                   count(*) filter (where sentiment_label = 'negative'), count(*)
            from {MARTS}.fct_mentions
            where mentions_own_brand
              and published_at <= $now and published_at > $now - to_seconds($seconds * $buckets)
            group by 1
            """,
            {"now": _naive(now), "seconds": window.total_seconds(), "buckets": buckets + 1},
        ).fetchall()
    }
    negative, total = counts.get(0, (0, 0))
    history = [counts.get(b, (0, 0)) for b in range(1, buckets + 1)]
    test = spike_test(negative, total, [n for n, _ in history], [t for _, t in history], rule)
    if not test.fires:
        return []
    brand = config.brand.name
    rows = con.execute(
        f"""
        select mention_source, author_name, published_at, reach, engagements, url, mention_text
        from {MARTS}.fct_mentions
        where mentions_own_brand and sentiment_label = 'negative'
          and published_at <= $now and published_at > $now - to_seconds($seconds)
        order by engagements desc nulls last, reach desc nulls last, published_at
        limit {EVIDENCE}
        """,
        {"now": _naive(now), "seconds": window.total_seconds()},
    ).fetchall()
    evidence = tuple(
        Evidence(
            text=text or "",
            url=url,
            label=f"{source} · {author or 'unknown author'} · {published:%Y-%m-%d %H:%M} UTC · "
            f"reach {reach or 0:,} · {engagements or 0:,} engagements",
        )
        for source, author, published, reach, engagements, url, text in rows
    )
    hours = rule.window_hours
    return [
        Finding(
            key=f"negative_spike:{config.listening_targets()[0].id}",
            rule="negative_spike",
            title=f"Negative mention spike: {test.count} negative mentions of {brand} in {hours} h",
            summary=(
                f"{test.count} negative mentions of {brand} in the {hours} hours to {_when(now)} "
                f"({test.share:.0%} of its {total} mentions); a usual {hours} hours over the last "
                f"{rule.baseline_days} days has {test.median:g} (median; MAD {test.mad:g}), "
                f"{test.baseline_share:.0%} of the mentions. Modified z-score {test.z:.1f}, alert "
                f"above {rule.max_z:g}. The most engaging ones are below."
            ),
            evidence=evidence,
            data_hint=f"{MARTS}.fct_mentions where mentions_own_brand and sentiment_label = 'negative'",
            facts={"count": test.count, "median": test.median, "z": round(test.z, 2)},
        )
    ]


# ------------------------------------------------------------------------------- viral mention


def viral_mentions(con: duckdb.DuckDBPyConnection, config: CompanyConfig, now: datetime) -> list[Finding]:
    rule = config.alerts.viral_mention
    if not _table_exists(con, MARTS, "fct_mentions"):
        return []
    rows = con.execute(
        f"""
        select mention_key, mention_source, author_name, published_at, reach, engagements,
               sentiment_label, url, mention_text
        from {MARTS}.fct_mentions
        where mentions_own_brand
          and published_at <= $now and published_at > $now - to_hours($hours)
          and ((mention_source = 'x' and reach >= $reach) or engagements >= $engagements)
        order by published_at, mention_key
        """,
        {
            "now": _naive(now),
            "hours": rule.within_hours,
            "reach": rule.min_reach,
            "engagements": rule.min_engagements,
        },
    ).fetchall()
    brand = config.brand.name
    findings = []
    for key, source, author, published, reach, engagements, sentiment, url, text in rows:
        who = author or "an unknown author"
        findings.append(
            Finding(
                key=f"viral_mention:{key}",
                rule="viral_mention",
                title=f"Viral candidate: a {sentiment} {source} mention of {brand} by {who}",
                summary=(
                    f"Published {published:%Y-%m-%d %H:%M} UTC by {who}: reach {reach or 0:,}, "
                    f"{engagements or 0:,} engagements (alert at reach {rule.min_reach:,} on X "
                    f"or {rule.min_engagements:,} engagements). Sentiment: {sentiment}."
                ),
                evidence=(
                    Evidence(
                        text=text or "",
                        url=url,
                        label=f"{source} · {who} · {published:%Y-%m-%d %H:%M} UTC · reach {reach or 0:,}",
                    ),
                ),
                data_hint=f"{MARTS}.fct_mentions where mention_key = '{key}'",
                facts={"reach": reach or 0, "engagements": engagements or 0},
            )
        )
    return findings


# ---------------------------------------------------------------------------------- unanswered


def unanswered(con: duckdb.DuckDBPyConnection, config: CompanyConfig, now: datetime) -> list[Finding]:
    rule = config.alerts.unanswered
    if not _table_exists(con, MARTS, "fct_support_conversations"):
        return []
    rows = con.execute(
        f"""
        select platform, account_id, any_value(account_name) over (partition by platform, account_id),
               support_item_key, channel, author_name, first_inbound_at, url, inbound_text,
               count(*) over (partition by platform, account_id) as waiting
        from {MARTS}.fct_support_conversations
        where needs_response
          and first_inbound_at <= $now - to_minutes($after)
          and first_inbound_at > $now - to_hours($within)
          and (first_reply_at is null or first_reply_at > $now)
        order by platform, account_id, first_inbound_at, support_item_key
        """,
        {"now": _naive(now), "after": rule.after_minutes, "within": rule.within_hours},
    ).fetchall()
    by_account: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        by_account.setdefault((row[0], row[1]), []).append(row)
    findings = []
    naive_now = _naive(now)
    for (platform, account_id), items in by_account.items():
        name, waiting = items[0][2] or account_id, items[0][9]
        oldest = items[0][6]
        evidence = tuple(
            Evidence(
                text=text or "",
                url=url,
                label=f"{channel.replace('_', ' ')} · {author or 'unknown author'} · "
                f"waiting {_waited((naive_now - inbound).total_seconds())}",
            )
            for _, _, _, _, channel, author, inbound, url, text, _ in items[:EVIDENCE]
        )
        plural = "s" if waiting != 1 else ""
        findings.append(
            Finding(
                key=f"unanswered:{platform}:{account_id}",
                rule="unanswered",
                title=f"{waiting} inbound item{plural} unanswered on {name} ({platform})",
                summary=(
                    f"{waiting} message{plural}, comment{plural} or mention{plural} needing a "
                    f"response on {name} have waited more than {rule.after_minutes} minutes "
                    f"(SLA {config.support.first_response_sla_minutes} minutes); the oldest since "
                    f"{oldest:%Y-%m-%d %H:%M} UTC. The longest-waiting are below."
                ),
                evidence=evidence,
                data_hint=(
                    f"{MARTS}.fct_support_conversations where account_id = '{account_id}' "
                    "and needs_response and not is_answered"
                ),
                facts={"waiting": waiting},
            )
        )
    return findings


# -------------------------------------------------------------------------------- stale source


def stale_sources(con: duckdb.DuckDBPyConnection, config: CompanyConfig, now: datetime) -> list[Finding]:
    rule = config.alerts.stale_source
    tables = [
        name
        for (name,) in con.execute(
            """
            select table_name from information_schema.columns
            where table_schema = $schema and column_name = '_loaded_at'
              and table_name like '%\\_\\_%' escape '\\' and table_name not like 'company\\_\\_%' escape '\\'
            order by 1
            """,
            {"schema": RAW_SCHEMA},
        ).fetchall()
    ]
    if not tables:
        return []
    union = " union all ".join(
        f"select '{t}' as raw_table, max(_loaded_at) as loaded_at from {RAW_SCHEMA}.{t}" for t in tables
    )
    newest: dict[str, tuple[datetime, list[str]]] = {}
    for table, loaded_at in con.execute(f"select * from ({union}) where loaded_at is not null").fetchall():
        source = table.split("__", 1)[0]
        latest, streams = newest.get(source, (loaded_at, []))
        newest[source] = (max(latest, loaded_at), [*streams, table])
    findings = []
    for source, (loaded_at, streams) in sorted(newest.items()):
        age = now - loaded_at.astimezone(UTC)
        if age <= timedelta(hours=rule.after_hours):
            continue
        hours = int(age.total_seconds() // 3600)
        findings.append(
            Finding(
                key=f"stale_source:{source}",
                rule="stale_source",
                title=f"{source} has delivered nothing for {hours} hours",
                summary=(
                    f"The newest successful load of {source} was at {_when(loaded_at.astimezone(UTC))}, "
                    f"{hours} hours before {_when(now)} (alert after {rule.after_hours} h). Check the "
                    f"extract task of {source} in the social_extract_load DAG: its log names the "
                    "stream, account and day that failed and what to do."
                ),
                data_hint=", ".join(f"{RAW_SCHEMA}.{t}" for t in streams),
                facts={"hours": hours},
            )
        )
    return findings
