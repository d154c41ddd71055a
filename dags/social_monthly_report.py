"""
### Monthly social report

On the 1st of each month at 08:00 in the company's timezone (`company.timezone`), builds the report
of the previous calendar month from the **published** warehouse (what BI sees; a run held back by
its checks never reaches it), archives it in `data/published/reports/YYYY-MM/` (HTML, charts,
CSVs, the email), then mails it to `reporting.recipients` over the SMTP connection
`reporting.smtp_conn_id` (default `smtp_default`).

* Another month: trigger with `{"month": "2026-10"}`; `{"send": false}` archives without mailing.
* Past months: `airflow backfill create --dag-id social_monthly_report --from-date 2026-07-01
  --to-date 2026-10-02` reports June to September (runs on the 1st of July to October, each for the
  month before).

A month the warehouse covers only in part says so in the report: which source, which days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task
from airflow.timetables.trigger import CronTriggerTimetable

from warehouse.orchestration import DEFAULT_ARGS, company_timezone

TIMEZONE = company_timezone()


@task
def build_report(**context: Any) -> dict[str, str]:
    from report import build
    from warehouse.orchestration import report_month_from_context

    month = report_month_from_context(context, TIMEZONE)
    return {"month": str(month), "archive": str(build(month))}


@task(retries=3, retry_delay=timedelta(minutes=10))
def send_report(built: dict[str, str], **context: Any) -> str:
    import logging

    from report import Month, send

    month = built["month"]
    if not context["params"].get("send", True):
        logging.getLogger(__name__).info("Not sending the %s report (send is false)", month)
        return ""
    return send(Month.parse(month))


with DAG(
    dag_id="social_monthly_report",
    description="Monthly HTML email report with charts and CSVs, from the published warehouse",
    doc_md=__doc__,
    schedule=CronTriggerTimetable("0 8 1 * *", timezone=TIMEZONE),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1, "retry_delay": timedelta(minutes=5)},
    params={
        "month": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
            description="Report this month (YYYY-MM) instead of the one before the run's date",
        ),
        "send": Param(True, type="boolean", description="Mail the report (else only archive it)"),
    },
    tags=["report"],
) as dag:
    send_report(build_report())
