"""The monthly report from a published demo warehouse: content, missing data, escaping, the email
over a real SMTP server, and the HTML in headless Chromium.

The warehouse is the session's full demo warehouse (every source, 9 October to 19 November 2026),
published with one hostile post: its text is HTML and a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pytest

from demo.run import alert_connections, smtp_catcher
from report import content, mail
from report.content import Month, ReportError, build_report
from report.render import render_html
from tests.chromium import browser, needs_chromium
from tests.conftest import DEMO_TODAY

NOVEMBER, OCTOBER, AUGUST = Month(2026, 11), Month(2026, 10), Month(2026, 8)
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> =HYPERLINK(\"http://evil\")"
FORMULA = ' =HYPERLINK("http://evil","click")'  # a spreadsheet runs it despite the leading space


@pytest.fixture(scope="module")
def published(full_warehouse, tmp_path_factory) -> tuple[Path, str]:
    """A data directory whose published snapshot is the demo warehouse; November's top post's
    text is hostile. The snapshot's path and the hostile post's key."""
    data = tmp_path_factory.mktemp("report") / "data"
    (data / "published").mkdir(parents=True)
    path = full_warehouse.copy(data / "published")
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists audit")
        con.execute(
            "create or replace table audit.publication as select 'run-42' as run_id, "
            "timestamptz '2026-11-20 06:00:00+00' as published_at, date '2026-10-09' as data_start, "
            "date '2026-11-19' as data_end"
        )
        (post_key,) = con.execute(
            """
            select p.post_key from marts.fct_post_performance as p
            join marts.dim_account as a using (account_key)
            where a.is_own and p.created_date between '2026-11-01' and '2026-11-30'
            order by p.engagements desc, p.views desc nulls last, p.post_key limit 1
            """
        ).fetchone()
        con.execute("update marts.dim_post set message = ? where post_key = ?", [HOSTILE, post_key])
        con.execute(
            """
            update marts.fct_mentions
            set mention_text = ?, author_name = '<b>author</b>', url = 'javascript:alert(1)'
            where mention_key = (
                select mention_key from marts.fct_mentions
                where mentions_own_brand and not is_on_own_post and mention_date >= '2026-11-01'
                order by engagements desc nulls last, reach desc nulls last, mention_key limit 1)
            """,
            [HOSTILE],
        )
        con.execute(
            """
            update marts.dim_post set message = ? where post_key = (
                select p.post_key from marts.fct_post_performance as p
                join marts.dim_account as a using (account_key)
                where a.is_own and p.created_date between '2026-11-01' and '2026-11-30'
                    and p.engagements is not null
                order by p.engagements, p.views nulls last, p.post_key limit 1)
            """,
            [FORMULA],
        )
    return path, post_key


def _report(published: tuple[Path, str], month: Month, company):
    with duckdb.connect(str(published[0]), read_only=True) as con:
        return build_report(con, month, company, today=DEMO_TODAY)


def test_months_on_the_company_clock() -> None:
    """The month before the run's date in the company's timezone, not UTC's."""
    midnight_utc = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
    assert Month.before(midnight_utc, "Europe/London") == Month(2026, 10)
    assert Month.before(midnight_utc, "America/Los_Angeles") == Month(2026, 9)  # still 31 October there
    late_utc = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert Month.before(late_utc, "Europe/Berlin") == Month(2026, 10)  # already 1 November there
    assert Month.before(late_utc, "Europe/London") == Month(2026, 9)
    assert Month.before(datetime(2026, 1, 1, 8, tzinfo=UTC), "Europe/London") == Month(2025, 12)
    assert Month.parse("2026-02").end == date(2026, 2, 28)
    assert Month(2026, 1).shift(-12) == Month(2025, 1) and Month(2026, 1).shift(-1) == Month(2025, 12)
    with pytest.raises(ReportError, match="YYYY-MM"):
        Month.parse("2026-13")


def test_changes_are_relative_for_counts_in_points_for_rates_and_left_out_when_incomparable() -> None:
    count = content.Kpi("engagements", "Engagements", "count", 120.0, 100.0, 150.0, "s", group="accounts")
    assert count.mom == pytest.approx(0.2) and count.yoy == pytest.approx(-0.2)
    rate = content.Kpi("engagement_rate", "Rate", "rate", 0.05, 0.04, None, "s", group="accounts")
    assert rate.mom == pytest.approx(0.01) and rate.yoy is None
    assert content.Kpi("sla_breaches", "SLA", "count", 5.0, 0.0, None, "s").mom is None  # from zero
    assert replace(count, incomparable=frozenset({"previous"})).mom is None
    assert replace(count, like_for_like=(0.5, None)).mom == 0.5


def test_coverage_counts_source_days_per_group(company) -> None:
    """One of six accounts missing 31 days is 5/6 coverage; the web misses 3 of 31 days."""
    gaps = [content.Gap("youtube", "Lumo Strollers", tuple(AUGUST.days())),
            content.Gap("google_analytics", "social sessions", tuple(AUGUST.days()[:3]))]  # fmt: skip
    coverage = content._coverage(gaps, AUGUST, company, today=date(2026, 11, 20))
    assert coverage == {"accounts": pytest.approx(5 / 6), "web": pytest.approx(28 / 31), "listening": 1.0,
                        "support": 1.0}  # fmt: skip


def test_a_month_that_has_not_started_is_refused(published, company) -> None:
    with pytest.raises(ReportError, match="December 2026 has not started yet"):
        _report(published, Month(2026, 12), company)


def test_no_published_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no published warehouse at .* run the social_transform_publish"):
        content.open_published(tmp_path / "warehouse.duckdb")


def test_kpis_equal_the_marts(published, company) -> None:
    """Each headline number against the marts it comes from, queried here at another grain."""
    report = _report(published, NOVEMBER, company)
    with duckdb.connect(str(published[0]), read_only=True) as con:
        own = "account_key in (select account_key from marts.dim_account where is_own)"
        engagements, views = con.execute(
            f"select sum(engagements), sum(views) from marts.fct_account_daily "
            f"where {own} and metric_date between '2026-11-01' and '2026-11-30'"
        ).fetchone()
        sessions, key_events, revenue = con.execute(
            "select sum(sessions), sum(key_events), sum(total_revenue) from marts.fct_social_traffic_daily "
            "where report_date >= '2026-11-01' and report_date < '2026-12-01'"
        ).fetchone()
        followers = con.execute(
            f"""select sum(followers) from (
                  select account_key, arg_max(followers, metric_date) as followers
                  from marts.fct_account_daily
                  where {own} and followers is not null and metric_date between '2026-11-01' and '2026-11-30'
                  group by 1)"""
        ).fetchone()[0]
        voice = con.execute(
            "select sum(mentions) filter (where is_own) / sum(mentions), "
            "(sum(positive_mentions) filter (where is_own) - sum(negative_mentions) filter (where is_own)) "
            "/ (sum(positive_mentions) filter (where is_own) + sum(negative_mentions) filter (where is_own)) "
            "from marts.fct_share_of_voice_daily where mention_date between '2026-11-01' and '2026-11-30'"
        ).fetchone()
        support = con.execute(
            "select quantile_cont(first_response_seconds, 0.5) filter (where needs_response) / 60, "
            "count(*) filter (where needs_response and not is_within_sla) "
            "from marts.fct_support_conversations "
            "where first_inbound_date between '2026-11-01' and '2026-11-30'"
        ).fetchone()
        campaigns = con.execute(
            "select (sum(revenue) - sum(cost)) / sum(cost) from marts.fct_campaign_performance "
            "where cost > 0 and revenue is not null "
            "and not (end_date < '2026-11-01' or start_date > '2026-11-30')"
        ).fetchone()[0]
    expected = {
        "followers": followers,
        "engagements": engagements,
        "views": views,
        "engagement_rate": engagements / views,
        "social_sessions": sessions,
        "key_events": key_events,
        "revenue": revenue,
        "share_of_voice": voice[0],
        "net_sentiment": voice[1],
        "median_first_response_minutes": support[0],
        "sla_breaches": support[1],
        "campaign_roi": campaigns,
    }
    got = {kpi.key: kpi.value for kpi in report.kpis}
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert value is not None and got[key] == pytest.approx(float(value), rel=1e-9), key
    # October, the month before, is covered from its 6th (under 90 % of its account-days): no
    # change against it is shown for account, web and listening numbers, but October's own sums are
    # there. Followers compare the accounts with a reading in both months.
    engagements_kpi = report.kpi("engagements")
    assert engagements_kpi.previous is not None and engagements_kpi.mom is None
    assert {"previous"} <= engagements_kpi.incomparable
    assert engagements_kpi.year_before is None and engagements_kpi.yoy is None  # no November 2025
    with duckdb.connect(str(published[0]), read_only=True) as con:
        now, then = con.execute(
            f"""select sum(n.followers_end), sum(o.followers_end)
                from marts.fct_account_monthly n join marts.fct_account_monthly o using (account_key)
                where n.{own} and n.month_start = '2026-11-01' and o.month_start = '2026-10-01'
                and n.followers_end is not null and o.followers_end is not null"""
        ).fetchone()
        platform_change = dict(con.execute(
            f"""select platform, sum(followers_end - followers_start) from marts.fct_account_monthly
                where {own} and month_start = '2026-11-01' group by 1"""
        ).fetchall())  # fmt: skip
    assert report.kpi("followers").mom == pytest.approx((now - then) / then)
    table = report.tables["platforms"]
    assert {r["platform"]: r["follower_change"] for r in table.dicts()} == platform_change
    # November was not over on the demo's today: the report says so; October was.
    assert report.in_progress_through == date(2026, 11, 19)
    assert "This month is not over:</strong> the figures cover 1\u201319 Nov" in render_html(
        report, _chart_srcs("x")
    )
    assert _report(published, OCTOBER, company).in_progress_through is None
    # October is covered from its 6th: the comparison says so; November 2025, with no data, does not.
    october_gaps = _report(published, OCTOBER, company).gaps
    assert report.comparison_gaps == {OCTOBER: sum(len(gap.days) for gap in october_gaps)}
    assert "October 2026 is missing" in render_html(report, _chart_srcs("x"))


def test_a_month_without_data_says_so_and_shows_no_zero(published, company, tmp_path) -> None:
    report = _report(published, AUGUST, company)
    assert all(kpi.value is None for kpi in report.kpis)
    sources = {(gap.source, gap.account) for gap in report.gaps}
    assert {("facebook_pages", "Lumo Strollers UK"), ("google_analytics", "social sessions")} <= sources
    assert all(len(gap.days) == 31 and gap.ranges == "1\u201331 Aug" for gap in report.gaps)
    html = render_html(report, {name: "x.png" for name in report.series} | _chart_srcs("x"))
    kpi_cells = re.findall(r'<tr id="kpi-[a-z_]+">.*?</tr>', html, re.S)
    assert len(kpi_cells) == 12 and all(">no data<" in row for row in kpi_cells)
    assert not any(re.search(r">0(\.0+)?%?<", row) for row in kpi_cells)


def test_numbers_from_a_held_back_mart_say_so_and_as_of_when(published, company, tmp_path) -> None:
    """A snapshot that keeps fct_account_monthly at an older run's version (a blocking check
    failed downstream of it): the report names the mart, the KPIs read from it, as of which run
    and when, and why, escaped; a current mart is not named."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published[0], path)
    reason = "engagement_rate_between_0_and_1 on marts.fct_account_daily <b>"
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create or replace table audit.publication as
            select * from (values
                ('marts.fct_account_monthly', 'run-41', timestamptz '2026-11-18 06:00:00+00', 'held_back', ?),
                ('marts.fct_mentions', 'run-42', timestamptz '2026-11-20 06:00:00+00', 'current', null)
            ) as t (table_name, run_id, published_at, status, held_back_reason)
            """,
            [reason],
        )
    report = _report((path, published[1]), NOVEMBER, company)
    [held] = report.held_back
    assert (held.mart, held.run_id, held.reason) == ("fct_account_monthly", "run-41", reason)
    assert {"Followers", "Engagements", "Engagement rate", "Reach / views"} == set(held.kpis)
    assert report.published_run_id == "run-42"
    html = render_html(report, _chart_srcs("x"))
    [item] = re.findall(r'<li id="held-back-fct_account_monthly">(.*?)</li>', html, re.S)
    assert "as of run run-41, published 2026-11-18 06:00" in item and "Followers" in item
    assert "&lt;b&gt;" in item and "<b>" not in item
    assert "fct_mentions" not in re.findall(r'<table id="held-back".*?</table>', html, re.S)[0]
    from report.render import render_text

    assert "HELD BACK" in render_text(report) and "fct_account_monthly, as of run run-41" in render_text(
        report
    )
    unheld = _report(published, NOVEMBER, company)  # a snapshot without per-mart rows holds none back
    assert unheld.held_back == [] and 'id="held-back"' not in render_html(unheld, _chart_srcs("x"))


def test_a_partly_covered_month_names_each_source_and_its_missing_days(published, company) -> None:
    """The warehouse starts on 9 October, a few days earlier through look-backs (X and the inbox
    further): those sources miss the first days of October, and every day a gap lists has no
    data in the mart, while every other day has."""
    report = _report(published, OCTOBER, company)
    gaps = {(gap.source, gap.account): gap for gap in report.gaps}
    starts_late = {(platform, account.name) for platform in ("facebook_pages", "instagram", "linkedin",
                         "youtube") for account in company.own_accounts(platform)}  # fmt: skip
    starts_late |= {("google_analytics", "social sessions"), ("listening", "mentions")}
    assert starts_late <= set(gaps)
    for key in starts_late:  # a run of days from the 1st, then data (look-backs reach 6 October)
        assert re.match(r"1\u2013[5-8] Oct", gaps[key].ranges), (key, gaps[key].ranges)
    with duckdb.connect(str(published[0]), read_only=True) as con:
        for (platform, account), gap in gaps.items():
            if platform not in ("facebook_pages", "instagram", "x", "linkedin", "youtube"):
                continue
            with_data = {row[0] for row in con.execute(
                """select d.metric_date from marts.fct_account_daily d
                   join marts.dim_account a using (account_key)
                   where a.is_own and d.platform = ? and a.account_name = ? and d.metric_date between ? and ?
                   and (d.engagements is not null or d.views is not null)""",
                [platform, account, OCTOBER.start, OCTOBER.end]).fetchall()}  # fmt: skip
            assert set(gap.days).isdisjoint(with_data) and set(OCTOBER.days()) - set(gap.days) == with_data
    assert len(report.tables["data_gaps"].rows) == len(gaps)


def _chart_srcs(prefix: str) -> dict[str, str]:
    from report.charts import CHARTS

    return {name: f"{prefix}/{name}.png" for name in CHARTS}


def _parts(message: EmailMessage) -> tuple[str, str, dict[str, bytes], dict[str, list[dict]]]:
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    images = {part["Content-ID"].strip().strip("<>"): part.get_content() for part in message.walk()
              if part.get_content_maintype() == "image"}  # fmt: skip
    csvs = {part.get_filename(): list(csv.DictReader(io.StringIO(part.get_content())))
            for part in message.iter_attachments() if part.get_content_type() == "text/csv"}  # fmt: skip
    return html, text, images, csvs


def test_the_email_arrives_over_smtp_with_text_html_inline_charts_and_csvs(
    published, company, tmp_path, monkeypatch
) -> None:
    report = _report(published, NOVEMBER, company)
    archive = mail.write_archive(report, tmp_path / "reports")
    with smtp_catcher() as (port, received):
        for name, value in alert_connections(port, "http://127.0.0.1:9/unused").items():
            monkeypatch.setenv(name, value)
        subject = mail.send(archive, company.reporting.recipients, company.reporting.smtp_conn_id)
    assert len(received) == 1
    message = received[0]
    assert message["Subject"] == subject
    assert subject.startswith("Lumo Strollers social report, November 2026: ")
    assert f"{report.kpi('engagements').value:,.0f} engagements" in subject
    assert message["To"] == ", ".join(company.reporting.recipients)
    assert message["From"] == "alerts@lumo.example"
    html, text, images, csvs = _parts(message)

    # Every chart the HTML shows is an image part of the message, referenced by Content-ID.
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert len(cids) == 4 and set(cids) == set(images)
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000 for png in images.values())
    assert 'style="' in html and "<style" not in html  # inline CSS only

    # The CSVs parse, and their numbers are the report's, which are the marts' (test above).
    assert set(csvs) == {f"{name}-2026-11.csv" for name in report.tables}
    kpis = {row["kpi"]: row for row in csvs["kpis-2026-11.csv"]}
    for kpi in report.kpis:
        assert float(kpis[kpi.key]["value"]) == pytest.approx(kpi.value, rel=1e-12), kpi.key
    with duckdb.connect(str(published[0]), read_only=True) as con:
        top = con.execute(
            """select p.engagements from marts.fct_post_performance p
               join marts.dim_account a using (account_key)
               where a.is_own and p.created_date between '2026-11-01' and '2026-11-30'
               order by p.engagements desc, p.views desc nulls last, p.post_key limit 5"""
        ).fetchall()
        platform_engagements = dict(con.execute(
            """select m.platform, sum(m.engagements) from marts.fct_account_monthly m
               join marts.dim_account a using (account_key)
               where a.is_own and m.month_start = '2026-11-01' group by 1"""
        ).fetchall())  # fmt: skip
    assert [int(row["engagements"]) for row in csvs["top_posts-2026-11.csv"]] == [row[0] for row in top]
    by_platform = {row["platform"]: int(row["engagements"]) for row in csvs["platforms-2026-11.csv"]}
    assert by_platform == platform_engagements
    assert {row["campaign"] for row in csvs["campaigns-2026-11.csv"]} >= {"Black Friday sale"}
    brands = {row["brand"] for row in csvs["competitors-2026-11.csv"]}
    assert brands == {"Lumo", "Bramble Baby", "Kiddo Motion"}

    # The hostile post: escaped in HTML, plain in the text part, defused in the CSV.
    assert "<script" not in html.lower() and "<img src=x" not in html
    escaped = "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert html.count(escaped) == 2  # the top post and the top mention
    assert "<script>document.title='pwned'</script>" in text
    assert csvs["top_posts-2026-11.csv"][0]["text"] == HOSTILE  # starts with "<": no formula, kept
    assert csvs["top_mentions-2026-11.csv"][0]["text"] == HOSTILE
    assert csvs["bottom_posts-2026-11.csv"][0]["text"] == "'" + FORMULA  # a spreadsheet shows it as text
    defused = mail.csv_bytes(("text",), [("=1+1",), ("\uff20SUM(A1)",), ("\t1",), ("fine",)])
    assert defused == "text\r\n'=1+1\r\n'\uff20SUM(A1)\r\n'\t1\r\nfine\r\n".encode()
    # The hostile mention's author is escaped and its javascript: URL is never a link.
    assert "&lt;b&gt;author&lt;/b&gt;" in html and "<b>author" not in html
    assert "javascript:" not in html and "javascript:" not in text

    # The archive holds the same report for a browser, with the charts as files, readable by all;
    # building the month again replaces it whole.
    charts = sorted(f"{name}.png" for name in cids_names(cids))
    assert sorted(p.name for p in (archive / "charts").iterdir()) == charts
    assert {p.name for p in archive.glob("*.csv")} == {f"{name}.csv" for name in report.tables}
    assert archive.stat().st_mode & 0o777 == 0o755
    (archive / "stale.txt").write_text("from an earlier build")
    assert mail.write_archive(report, tmp_path / "reports") == archive
    assert not (archive / "stale.txt").exists() and (archive / "message.eml").exists()
    left = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert left == [".archive.lock", "2026-11"]  # no staging folder left


def cids_names(cids: list[str]) -> list[str]:
    """``follower_trend`` from a Content-ID ``…follower_trend@monthly-report.local``."""
    return [re.search(r"\.([a-z_]+)@", f".{cid}").group(1) for cid in cids]


def test_a_missing_sender_is_a_clear_error(published, company, tmp_path, monkeypatch) -> None:
    archive = mail.write_archive(_report(published, NOVEMBER, company), tmp_path / "reports")
    with smtp_catcher() as (port, received):
        connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                      "extra": {"disable_ssl": True, "disable_tls": True}}  # fmt: skip
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
        with pytest.raises(ValueError, match="SMTP connection 'smtp_default' has no extra 'from_email'"):
            mail.send(archive, ["a@lumo.example"], "smtp_default")
    assert received == []


@needs_chromium
def test_the_html_renders_in_headless_chromium_with_the_hostile_text_as_text(
    published, company, tmp_path
) -> None:
    """Chromium loads the archived report (charts as files): the hostile post is text in the DOM,
    no script ran (the title is the report's), every chart image loaded; a screenshot is kept."""
    archive = mail.write_archive(_report(published, NOVEMBER, company), tmp_path / "reports")
    with browser(760, 3800) as page:
        page.goto((archive / "report.html").as_uri())
        page.wait_for_load()
        dom = page.evaluate("document.documentElement.outerHTML")
        screenshot = page.screenshot(tmp_path / "report.png")
    assert "<title>Lumo Strollers social report, November 2026" in dom  # the hostile script never ran
    assert "<script" not in dom.lower()
    assert (
        dom.count("&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;")
        == 2
    )
    assert len(re.findall(r'<img src="charts/[a-z_]+\.png"', dom)) == 4
    assert screenshot.startswith(b"\x89PNG") and len(screenshot) > 100_000
