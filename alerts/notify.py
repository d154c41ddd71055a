"""Deliver alerts by email (the SMTP connection) and to a Slack-compatible webhook.

Both channels are Airflow notifiers (``BaseNotifier``), so the same objects work as task callbacks
and from the alerting task, which calls ``notify(context)`` on each (see :func:`deliver`).

Alerts carry untrusted text (social media posts, handles, links), so every channel escapes it for
its own format, and nothing is ever evaluated as a template:

* Email: ``SmtpNotifier`` renders ``subject`` and ``html_content`` with Jinja against the task
  context, where ``{{ conn.smtp_default.password }}`` resolves to a secret. :class:`AlertEmailNotifier`
  declares no template fields and renders every value verbatim; the body is also built with
  ``html.escape`` and braces as ``&#123;``/``&#125;``, and the subject is one line with braces
  replaced, so even a stock renderer would find no template in it.
* Webhook: Slack's escaping (``&``, ``<``, ``>``) keeps ``<!channel>`` and links out; a zero-width
  space after ``@`` keeps ``@channel``, ``@here`` and handles from pinging anyone; only http(s)
  URLs without ``|``, ``<``, ``>`` or spaces become links.

Connections:

* ``smtp_default`` (or another id): the smtp provider's connection — host, port, login,
  password, and extras ``from_email`` (required here), ``disable_ssl`` / ``disable_tls`` (both
  default false: implicit TLS, then STARTTLS), ``timeout``, ``retry_limit``.
* ``alerts_webhook`` (or another id): any connection type (``http`` is natural) whose
  **password** is the full webhook URL — Airflow masks passwords in the UI and in task logs, and a
  Slack webhook URL is a secret. For a receiver whose URL is not secret, ``host`` may hold the full
  URL instead. Optional extras: ``timeout_seconds`` (10), ``max_attempts`` (4),
  ``backoff_seconds`` (2).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import BaseHook, BaseNotifier
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from core.text import one_line, safe_http_url

log = logging.getLogger(__name__)

DEFAULT_SMTP_CONN_ID = "smtp_default"
DEFAULT_WEBHOOK_CONN_ID = "alerts_webhook"
MAX_EVIDENCE = 10  # items shown per alert; the rest are counted
SUBJECT_LIMIT = 200
SLACK_TEXT_LIMIT = 2900  # a section's text may hold 3000 characters
ZWSP = "\u200b"


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: a post or comment. ``text`` and ``url`` are untrusted."""

    text: str
    url: str | None
    label: str  # e.g. "x · @someone · 2026-11-17 14:05 UTC · reach 120,000 · negative"


@dataclass(frozen=True)
class Alert:
    """One incident, opened or resolved. Titles and summaries may quote untrusted text."""

    key: str  # stable incident key, e.g. "negative_spike:lumo"
    rule: str  # negative_spike | viral_mention | unanswered | stale_source
    status: str  # "open" | "resolved"
    title: str
    summary: str
    evidence: tuple[Evidence, ...]
    data_link: str | None  # a BI/dashboard URL
    data_hint: str  # where the rows are, e.g. "published.fct_mentions where mention_id = 'x:123'"
    opened_at: datetime  # aware UTC
    resolved_at: datetime | None


class DeliveryError(RuntimeError):
    """One or more alerts did not reach one or more channels; ``failed`` says which."""

    def __init__(self, failed: Sequence[tuple[str, str, str]]):
        self.failed = tuple(failed)  # (alert key, channel, reason)
        lines = "; ".join(f"alert {key!r} via {channel}: {reason}" for key, channel, reason in failed)
        super().__init__(f"{len(self.failed)} alert deliveries failed: {lines}")

    @property
    def failed_keys(self) -> frozenset[str]:
        return frozenset(key for key, _, _ in self.failed)


class WebhookDeliveryError(RuntimeError):
    """The webhook refused the message or stayed unreachable. Never holds the webhook URL."""


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _status_label(alert: Alert) -> str:
    return "resolved" if alert.status == "resolved" else "open"


# --- email ----------------------------------------------------------------------------------


def _h(text: str) -> str:
    """HTML-escape ``text``; braces become entities so no template engine finds a tag in it."""
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _h_multiline(text: str) -> str:
    return "<br>".join(_h(line) for line in text.splitlines())


def _link(url: str | None, label: str) -> str:
    safe = safe_http_url(url)
    if safe is None:
        return _h(label)
    return f'<a href="{_h(safe)}">{_h(label)}</a>'


def render_subject(alert: Alert, company_name: str) -> str:
    """One line, no braces: ``[Company alert] Title`` or ``[Company alert] [resolved] Title``."""
    prefix = f"[{company_name} alert]"
    if alert.status == "resolved":
        prefix += " [resolved]"
    subject = one_line(f"{prefix} {alert.title}", SUBJECT_LIMIT)
    return subject.replace("{", "(").replace("}", ")")


def render_email(alert: Alert, company_name: str) -> tuple[str, str]:
    """The subject and the HTML body of ``alert``'s email; every value is escaped."""
    if alert.status == "resolved" and alert.resolved_at is not None:
        status = f"Resolved at {_when(alert.resolved_at)} (opened {_when(alert.opened_at)})"
    else:
        status = f"Open since {_when(alert.opened_at)}"
    parts = [
        '<html><body style="font-family: Arial, sans-serif; font-size: 14px; color: #222;">',
        f'<p style="color: #666;">{_h(company_name)} alert · {_h(alert.rule)} · {_h(status)}</p>',
        f"<h2>{_h(one_line(alert.title))}</h2>",
        f"<p>{_h_multiline(alert.summary)}</p>",
    ]
    if alert.evidence:
        parts.append("<h3>Evidence</h3><ul>")
        for item in alert.evidence[:MAX_EVIDENCE]:
            parts.append(
                f"<li>{_link(item.url, one_line(item.label))}"
                f'<blockquote style="margin: 4px 0 10px 0; padding-left: 8px; border-left: 3px solid #ccc;">'
                f"{_h_multiline(item.text)}</blockquote></li>"
            )
        parts.append("</ul>")
        if len(alert.evidence) > MAX_EVIDENCE:
            parts.append(f"<p>… and {len(alert.evidence) - MAX_EVIDENCE} more.</p>")
    parts.append("<h3>Data</h3>")
    if safe_http_url(alert.data_link):
        parts.append(f"<p>{_link(alert.data_link, 'Open the data')}</p>")
    parts.append(f"<p>Where the rows are: <code>{_h(alert.data_hint)}</code></p>")
    parts.append(f'<p style="color: #666;">Alert key: {_h(alert.key)}</p>')
    parts.append("</body></html>")
    return render_subject(alert, company_name), "\n".join(parts)


class AlertEmailNotifier(SmtpNotifier):
    """``SmtpNotifier`` that sends its subject and body verbatim: nothing is a Jinja template.

    The stock notifier renders ``subject`` and ``html_content`` against the task context (on
    ``__call__``, and again for fields it fills from the connection), which would evaluate
    ``{{ conn.smtp_default.password }}`` quoted in a mention. Here no field is templated, and
    :meth:`render_template` returns its input unchanged for every other rendering path.
    """

    template_fields = ()

    def render_template(self, content: Any, context: Any, jinja_env: Any = None, seen_oids: Any = None):
        return content


# --- webhook --------------------------------------------------------------------------------


def _m(text: str) -> str:
    """Slack mrkdwn escaping, and a zero-width space after ``@`` so no mention pings anyone."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"[@\uff20](?=\w)", lambda m: m.group(0) + ZWSP, escaped)


def _m_clip(text: str, limit: int) -> str:
    """Escaped ``text``, shortened (before escaping, so no entity is cut) to fit ``limit``."""
    escaped = _m(text)
    cut = len(text)
    while len(escaped) > limit and cut > 0:
        cut = min(cut - 1, int(cut * 0.9))
        escaped = _m(text[:cut].rstrip() + "…")
    return escaped


def _m_link(url: str | None, label: str) -> str:
    safe = safe_http_url(url)
    label_text = _m(one_line(label, 200))
    if safe is None:
        return label_text
    return f"<{safe.replace('&', '&amp;')}|{label_text}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def render_webhook(alert: Alert, company_name: str) -> dict[str, Any]:
    """The Slack-compatible message (``text`` fallback plus mrkdwn ``blocks``) for ``alert``."""
    title = one_line(alert.title, 300)
    heading = f"[{company_name} alert]" + (" Resolved:" if alert.status == "resolved" else "")
    if alert.status == "resolved" and alert.resolved_at is not None:
        when = f"resolved at {_when(alert.resolved_at)} (opened {_when(alert.opened_at)})"
    else:
        when = f"open since {_when(alert.opened_at)}"
    blocks: list[dict[str, Any]] = [
        _section(f"*{_m(heading)}* {_m(title)}"),
        _section(_m_clip(alert.summary, SLACK_TEXT_LIMIT)),
    ]
    if alert.evidence:
        blocks.append(_section("*Evidence*"))
        for item in alert.evidence[:MAX_EVIDENCE]:
            text = _m_clip(one_line(item.text), 1500)
            blocks.append(_section(f"• {_m_link(item.url, item.label)}\n>{text}"))
        if len(alert.evidence) > MAX_EVIDENCE:
            blocks.append(_section(f"… and {len(alert.evidence) - MAX_EVIDENCE} more."))
    data = f"Where the rows are: {_m_clip(one_line(alert.data_hint), 1000)}"
    if safe_http_url(alert.data_link):
        data = f"{_m_link(alert.data_link, 'Open the data')} · {data}"
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": data},
                {"type": "mrkdwn", "text": f"{_m(alert.rule)} · {when} · key {_m(alert.key)}"},
            ],
        }
    )
    return {"text": f"{_m(heading)} {_m(title)}", "blocks": blocks}


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class WebhookNotifier(BaseNotifier):
    """Posts a Slack-compatible JSON ``payload`` to the URL in connection ``webhook_conn_id``.

    Retries connection errors, timeouts, 429 and 5xx with exponential backoff; any other answer
    fails at once. Errors and logs name the connection and the URL's host, never its path (a Slack
    webhook's path is its secret). Nothing is templated: the payload is sent as given.
    """

    template_fields = ()

    def __init__(self, payload: Mapping[str, Any], *, webhook_conn_id: str = DEFAULT_WEBHOOK_CONN_ID):
        super().__init__()
        self.payload = dict(payload)
        self.webhook_conn_id = webhook_conn_id

    def notify(self, context: Any) -> None:
        """Send the payload (sync). ``context`` is not used: the message is complete already."""
        conn = BaseHook.get_connection(self.webhook_conn_id)
        url = conn.password or conn.host or ""
        where = f"webhook connection {self.webhook_conn_id!r}"
        if safe_http_url(url) is None:
            raise WebhookDeliveryError(
                f"{where}: its password (or host) must be the full http(s) webhook URL"
            )
        _mask(url)
        parts = urlsplit(url)
        where += f" (host {parts.hostname})"
        extra = conn.extra_dejson
        timeout = float(extra.get("timeout_seconds", 10))
        attempts = int(extra.get("max_attempts", 4))
        backoff = float(extra.get("backoff_seconds", 2))
        secrets = [s for s in (url, parts.path, parts.query) if len(s) > 1]

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            exponential = min(backoff * 2 ** (state.attempt_number - 1), 60.0)
            retry_after = getattr(error, "retry_after", None)
            return min(max(exponential, retry_after or 0.0), 60.0)

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "%s: attempt %d of %d failed (%s); retrying",
                where,
                state.attempt_number,
                attempts,
                error,
            )

        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(attempts),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            retrying(self._post_once, url, timeout, where, secrets)
        except _Transient as error:
            reason = str(error)
        else:
            log.info("%s: delivered", where)
            return
        # Raised outside the except block: no chained exception carries requests' message (with the URL).
        raise WebhookDeliveryError(f"{where}: gave up after {attempts} attempts: {reason}")

    def _post_once(self, url: str, timeout: float, where: str, secrets: Sequence[str]) -> None:
        failure = None
        try:
            response = requests.post(url, json=self.payload, timeout=timeout, allow_redirects=False)
        except requests.Timeout:
            failure = f"no answer within {timeout:g} s"
        except requests.RequestException as error:
            failure = f"cannot connect ({type(error).__name__})"
        if failure is not None:
            raise _Transient(failure)
        status = response.status_code
        if 200 <= status < 300:
            return
        body = response.text[:200]
        for secret in secrets:
            body = body.replace(secret, "***")
        body = one_line(body)
        if status == 429 or status >= 500:
            retry_after = response.headers.get("Retry-After", "")
            raise _Transient(
                f"HTTP {status} {body}".strip(),
                float(retry_after) if retry_after.isdigit() else None,
            )
        raise WebhookDeliveryError(
            f"{where}: the webhook refused the message with HTTP {status} {body}".strip()
            + " (check the connection's URL and the receiver's payload rules)"
        )


def _mask(url: str) -> None:
    """Register the URL and its path with Airflow's log masker (urllib3 logs paths at debug level)."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older task SDKs
        return
    mask_secret(url)
    path = urlsplit(url).path
    if len(path) > 8:
        mask_secret(path)


# --- delivery -------------------------------------------------------------------------------


def deliver(
    alerts: Sequence[Alert],
    context: Mapping[str, Any] | None,
    *,
    email_to: Sequence[str],
    smtp_conn_id: str | None,
    webhook_conn_id: str | None,
    company_name: str,
) -> None:
    """Send every alert through every configured channel, then raise if any delivery failed.

    Email goes out when ``smtp_conn_id`` is set and ``email_to`` is not empty; the webhook when
    ``webhook_conn_id`` is set. ``context`` is the task context inside a task, or any dict (even
    ``{}``) elsewhere. Every delivery is tried; the :class:`DeliveryError` raised at the end lists
    each failed (alert key, channel, reason), so the caller marks only the rest as delivered.
    """
    context = context if context is not None else {}
    recipients = [one_line(address) for address in email_to if address.strip()]
    channels = []
    if smtp_conn_id and recipients:
        channels.append(f"email ({smtp_conn_id})")
    if webhook_conn_id:
        channels.append(f"webhook ({webhook_conn_id})")
    if not channels:
        log.warning("No alert channel is configured (no SMTP connection and recipients, no webhook)")
        return

    failed: list[tuple[str, str, str]] = []
    for alert in alerts:
        for channel in channels:
            notifier: BaseNotifier
            if channel.startswith("email"):
                subject, body = render_email(alert, company_name)
                notifier = AlertEmailNotifier(
                    to=recipients, subject=subject, html_content=body, smtp_conn_id=smtp_conn_id
                )
            else:
                notifier = WebhookNotifier(
                    render_webhook(alert, company_name), webhook_conn_id=webhook_conn_id or ""
                )
            try:
                notifier.notify(context)  # type: ignore[arg-type]
            except Exception as error:
                reason = f"{type(error).__name__}: {one_line(str(error), 500)}"
                log.error("Alert %r was not delivered via %s: %s", alert.key, channel, reason)
                failed.append((alert.key, channel, reason))
            else:
                log.info("Alert %r (%s) delivered via %s", alert.key, _status_label(alert), channel)
    if failed:
        raise DeliveryError(failed)
