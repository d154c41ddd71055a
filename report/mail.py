"""Build the report's email and its archive, and send it over the Airflow SMTP connection.

The message is ``multipart/mixed``: a ``multipart/alternative`` of the plain text and a
``multipart/related`` HTML part whose charts are PNG parts referenced by Content-ID, then one CSV
attachment per table. Building writes the month's archive first; sending reads the message back
from it, so a retried send mails exactly what was archived.

Archive, one folder per month under ``data/published/reports/YYYY-MM/``:

* ``report.html``: the report with the charts as files (``charts/*.png``), for a browser;
* ``report.txt``, ``*.csv``: the plain-text version and the tables;
* ``message.eml``: the email as built, without sender and recipients (added when sent).

CSV cells that a spreadsheet would run as a formula (text starting, after any white space, with
``=``, ``+``, ``-``, ``@`` or their full-width forms, or starting with a tab or a carriage return)
get a leading apostrophe: social media text is untrusted.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from core.scratch import held, replacing, sweep
from report.charts import CHARTS, render_charts
from report.content import Report
from report.render import render_html, render_text, subject

log = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def defuse(value: Any) -> Any:
    """``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and (
        value.startswith(("\t", "\r")) or value.lstrip().startswith(FORMULA_STARTS)
    ):
        return "'" + value
    return value


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([defuse(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def build_message(report: Report, charts: dict[str, bytes]) -> EmailMessage:
    """The email, without From and To."""
    domain = "monthly-report.local"
    cids = {name: make_msgid(idstring=name, domain=domain) for name in charts}
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject(report)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"report-{report.month}", domain=domain)
    message.set_content(render_text(report))
    message.add_alternative(render_html(report, {name: f"cid:{cid[1:-1]}" for name, cid in cids.items()}),
                            subtype="html")  # fmt: skip
    html_part = message.get_payload()[1]
    for name, png in charts.items():
        html_part.add_related(
            png, "image", "png", cid=cids[name], filename=f"{name}.png", disposition="inline"
        )
    for table in report.tables.values():
        message.add_attachment(csv_bytes(table.columns, table.rows), "text", "csv",
                               filename=f"{table.name}-{report.month}.csv")  # fmt: skip
    return message


def write_archive(report: Report, archive_root: Path) -> Path:
    """Write the month's archive folder (replacing an earlier one whole); its path."""
    charts = render_charts(report)
    archive_root.mkdir(parents=True, exist_ok=True)
    target = archive_root / str(report.month)
    with (
        held(archive_root / ".archive.lock", f"{target}: another run is archiving the month"),
        replacing(target) as staging,
    ):
        sweep(archive_root)  # a killed run's half-written folder
        shutil.rmtree(archive_root / f".{report.month}.old", ignore_errors=True)  # earlier versions' name
        staging.mkdir()
        staging.chmod(0o755)  # the archive is for whoever reads the reports, whatever the umask
        (staging / "charts").mkdir()
        for name, png in charts.items():
            (staging / "charts" / f"{name}.png").write_bytes(png)
        (staging / "report.html").write_text(
            render_html(report, {name: f"charts/{name}.png" for name in CHARTS}), encoding="utf-8"
        )
        (staging / "report.txt").write_text(render_text(report), encoding="utf-8")
        for table in report.tables.values():
            (staging / f"{table.name}.csv").write_bytes(csv_bytes(table.columns, table.rows))
        (staging / "message.eml").write_bytes(build_message(report, charts).as_bytes())
    log.info("Archived the %s report in %s", report.month, target)
    return target


def read_message(archive: Path) -> EmailMessage:
    path = archive / "message.eml"
    if not path.exists():
        raise FileNotFoundError(f"no archived report message at {path}: build the report first")
    with path.open("rb") as handle:
        return BytesParser(policy=policy.SMTP).parse(handle)  # type: ignore[return-value]


def send(archive: Path, recipients: Sequence[str], smtp_conn_id: str) -> str:
    """Send the archived message to ``recipients`` over Airflow's SMTP connection; its subject.

    The connection gives host, port, TLS, login and the sender (extra ``from_email``), as for the
    alerts. ``SmtpHook`` sends only messages it builds itself, which cannot carry a text
    alternative or inline images, so its logged-in client sends this one.
    """
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    message = read_message(archive)
    with SmtpHook(smtp_conn_id=smtp_conn_id) as hook:
        sender = hook.from_email
        if not sender:
            raise ValueError(
                f"SMTP connection {smtp_conn_id!r} has no extra 'from_email': set the report's sender there"
            )
        del message["From"], message["To"]
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        client = hook._smtp_client
        if client is None:
            raise RuntimeError(f"SMTP connection {smtp_conn_id!r} did not connect")
        client.send_message(message, from_addr=sender, to_addrs=list(recipients))
    log.info("Sent %r to %d recipient(s) via %s", message["Subject"], len(recipients), smtp_conn_id)
    return str(message["Subject"])
