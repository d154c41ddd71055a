"""The monthly report: numbers from the published marts, charts, an HTML email and its archive.

``content`` reads the numbers, ``charts`` draws them, ``render`` writes HTML and text, ``mail``
archives the month and sends it. :func:`build` and :func:`send` are the two steps the
``social_monthly_report`` DAG and ``python -m warehouse report`` run.
"""

from __future__ import annotations

from pathlib import Path

from core.config import CompanyConfig, load_config
from core.settings import paths
from report.content import Month, ReportError, build_report, open_published
from report.mail import send as send_archive
from report.mail import write_archive

__all__ = ["Month", "ReportError", "build", "send"]


def build(month: Month, config: CompanyConfig | None = None) -> Path:
    """Build ``month``'s report from the published snapshot and archive it; the archive folder."""
    config = config or load_config()
    with open_published(paths().published) as con:
        report = build_report(con, month, config)
    return write_archive(report, paths().published_reports)


def send(month: Month, config: CompanyConfig | None = None) -> str:
    """Mail ``month``'s archived report to ``reporting.recipients``; the subject sent."""
    config = config or load_config()
    return send_archive(
        paths().published_reports / str(month), config.reporting.recipients, config.reporting.smtp_conn_id
    )
