"""The pipeline on a date far from the usual: the demo's today is 1 March 2028, so its last day
is 29 February and its calendar has moved 65 weeks from the story as written.

Every step runs as the command line runs it, in its own process on the demo's calendar
(`DEMO_TODAY`, `WAREHOUSE_TODAY`): the demo server, each source's extractor over real HTTP, the
loader, then `python -m warehouse publish` (dbt build, every check, the snapshot). The run must
publish with no blocking failure, and the snapshot must hold the demo's story on its new dates:
the incident's negative mentions, the new traffic source, campaigns with their verdicts, the
support inbox and the competitors.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from core.settings import PROJECT_ROOT
from demo import story
from demo.connections import demo_connections
from demo.run import demo_server, free_port
from warehouse.orchestration import EXTRACT_SOURCES

pytestmark = pytest.mark.e2e

TODAY = date(2028, 3, 1)
START, END = TODAY - timedelta(days=42), TODAY - timedelta(days=1)


def run(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1200
    )
    assert completed.returncode == 0, (
        f"{' '.join(args)}:\n{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
    )
    return completed.stdout


@pytest.mark.timeout(1800)
def test_the_pipeline_publishes_the_story_on_29_february_2028(tmp_path: Path, monkeypatch) -> None:
    shift = story.shift_for(TODAY)
    incident = story.INCIDENT_DAYS[0] + shift
    assert date(2028, 2, 29) == END and START <= incident <= END
    data = tmp_path / "data"
    calendar = {"DEMO_TODAY": TODAY.isoformat(), "WAREHOUSE_TODAY": TODAY.isoformat()}
    env = {
        **os.environ,
        **calendar,
        "WAREHOUSE_DATA_DIR": str(data),
        "PYTHONPATH": str(PROJECT_ROOT),
        "GX_ANALYTICS_ENABLED": "False",
    }
    env.pop("WAREHOUSE_DUCKDB_PATH", None)
    registry = data / "demo" / "campaigns.yml"
    written = PROJECT_ROOT / "config" / "campaigns.yml"
    run(
        env,
        "-c",
        "from pathlib import Path; from demo.story import campaign_registry; "
        f"campaign_registry(Path({str(written)!r}), Path({str(registry)!r}))",
    )
    env["WAREHOUSE_CAMPAIGNS"] = str(registry)
    monkeypatch.setenv("DEMO_TODAY", TODAY.isoformat())  # the server child process's calendar
    with demo_server(free_port(), TODAY, chaos_rate=0.0) as url:
        env.update(demo_connections(url, today=TODAY))
        for source in EXTRACT_SOURCES:
            run(env, "-m", "extractors", source, "--start", START.isoformat(), "--end", END.isoformat())
    first = START - timedelta(days=30)  # the streams' look-backs landed earlier days too
    run(env, "-m", "warehouse", "load", "--start", first.isoformat(), "--end", END.isoformat())
    out = run(env, "-m", "warehouse", "publish", "--start", first.isoformat(), "--end", END.isoformat())
    assert "published" in out

    with duckdb.connect(str(data / "published" / "warehouse.duckdb"), read_only=True) as con:
        statuses = con.execute("select distinct status from audit.publication").fetchall()
        assert statuses == [("current",)]
        blocking = con.execute(
            "select count(*) from audit.check_results where severity = 'blocking' and not success"
        ).fetchone()
        assert blocking == (0,)
        negative = dict(
            con.execute(
                """select mention_date, count(*) from marts.fct_mentions
                where sentiment_label = 'negative' and mention_date between ? and ? group by 1""",
                [incident - timedelta(days=7), incident],
            ).fetchall()
        )
        assert negative[incident] > 3 * negative[incident - timedelta(days=7)]
        sources = {
            r[0] for r in con.execute("select session_source from marts.fct_new_traffic_sources").fetchall()
        }
        assert "threads.net" in sources
        verdicts = con.execute(
            "select count(*) from marts.fct_campaign_performance where sessions_verdict is not null"
        ).fetchone()
        assert verdicts[0] >= 1
        support = con.execute(
            "select count(*) from marts.fct_support_conversations where first_inbound_date = ?", [END]
        ).fetchone()
        assert support[0] > 0
        competitors = con.execute("select count(*) from marts.dim_account where not is_own").fetchone()
        assert competitors[0] >= 6
        leap_day = con.execute(
            "select count(*) from marts.fct_account_daily where metric_date = DATE '2028-02-29'"
        ).fetchone()
        assert leap_day[0] >= 5
