"""Alert delivery against a real SMTP server (aiosmtpd) and a real HTTP webhook receiver.

The alert quotes hostile social media text: HTML/script, Jinja that would reveal the SMTP
password, Slack mention and link markup, and header-injection line breaks.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk._shared.secrets_masker import redact
from airflow.sdk.execution_time.context import ConnectionAccessor, VariableAccessor

from alerts.notify import (
    ZWSP,
    Alert,
    AlertEmailNotifier,
    DeliveryError,
    Evidence,
    WebhookDeliveryError,
    WebhookNotifier,
    deliver,
    render_email,
    render_subject,
    render_webhook,
)
from core.text import safe_http_url
from demo.run import free_port

SMTP_PASSWORD = "smtp-pass-7f3a9c1e"
SECRET_VARIABLE = "variable-secret-51d0"
WEBHOOK_SECRET_PATH = "/services/T0001/B0002/webhookSecretToken9x"
COMPANY = "Lumo Strollers"
RECIPIENTS = ["ops@lumo.example", "community@lumo.example"]
JINJA_PASSWORD = "{{ conn.smtp_default.password }}"
JINJA_VARIABLE = "{{ var.value.alert_secret }}"
SCRIPT = "<script>alert(1)</script>"

# The test server accepts AUTH over plain TCP on 127.0.0.1; aiosmtpd warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

EVIL_TEXT = f"Worst stroller ever {SCRIPT} {JINJA_PASSWORD} {JINJA_VARIABLE} *bold* <!channel> @channel @here"


def _alert(**changes: object) -> Alert:
    alert = Alert(
        key="negative_spike:lumo",
        rule="negative_spike",
        status="open",
        title="Negative mention spike: 14 negative mentions in 2 h",
        summary=f"Negative mentions rose to 14 (usual: 2).\nTop post: {EVIL_TEXT}",
        evidence=(
            Evidence(
                text=EVIL_TEXT,
                url="https://x.com/someone/status/123",
                label="x · @someone · 2026-11-17 14:05 UTC · reach 120,000 · negative",
            ),
            Evidence(text="click me", url="javascript:alert(1)", label="reddit · u/troll"),
            Evidence(text="pipe", url="https://evil.example/a|b>c", label="x · @pipe"),
        ),
        data_link="https://bi.lumo.example/dashboards/listening?mention=x:123",
        data_hint="published.fct_mentions where mention_id = 'x:123'",
        opened_at=datetime(2026, 11, 17, 14, 30, tzinfo=UTC),
        resolved_at=None,
    )
    return replace(alert, **changes)


# --- a real SMTP server -----------------------------------------------------------------------


@dataclass
class _Inbox:
    envelopes: list = field(default_factory=list)
    logins: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == SMTP_PASSWORD.encode()
        self.logins.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok)

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    """aiosmtpd on a free port, with login required, and ``smtp_default`` pointing at it."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": port,
                "login": "alerts",
                "password": SMTP_PASSWORD,
                "extra": {
                    "from_email": "alerts@lumo.example",
                    "disable_ssl": True,
                    "disable_tls": True,
                    "timeout": 5,
                    "retry_limit": 0,
                },
            }
        ),
    )
    monkeypatch.setenv("AIRFLOW_VAR_ALERT_SECRET", SECRET_VARIABLE)
    try:
        yield inbox
    finally:
        controller.stop()


class _TextOf(HTMLParser):
    """What a mail client shows: the text of the HTML, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        if tag == "script":
            raise AssertionError("a <script> element reached the email")


def _shown(html_body: str) -> _TextOf:
    parser = _TextOf()
    parser.feed(html_body)
    return parser


def _html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def test_email_arrives_escaped_and_nothing_is_templated(inbox: _Inbox) -> None:
    deliver(
        [_alert()],
        {},
        email_to=RECIPIENTS,
        smtp_conn_id="smtp_default",
        webhook_conn_id=None,
        company_name=COMPANY,
    )

    assert inbox.logins == [("alerts", True)]  # the password was in play: the server checked it
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == RECIPIENTS
    assert envelope.mail_from == "alerts@lumo.example"
    raw = envelope.original_content.decode()
    assert SMTP_PASSWORD not in raw
    assert SECRET_VARIABLE not in raw

    [message] = inbox.messages()
    assert message["Subject"] == f"[{COMPANY} alert] Negative mention spike: 14 negative mentions in 2 h"
    assert message["To"] == ", ".join(RECIPIENTS)
    body = _html_of(message)
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "{{" not in body  # braces travel as entities
    shown = _shown(body)
    text = "".join(shown.parts)
    assert SCRIPT in text  # the reader sees the mention as written...
    assert JINJA_PASSWORD in text  # ...including the template, literally
    assert JINJA_VARIABLE in text
    assert "Evidence" in text and "published.fct_mentions where mention_id = 'x:123'" in text
    assert shown.links == [
        "https://x.com/someone/status/123",
        "https://bi.lumo.example/dashboards/listening?mention=x:123",
    ]


def test_stock_smtp_notifier_would_leak_the_password_ours_does_not(inbox: _Inbox) -> None:
    """The trap is real: used as a callback, SmtpNotifier renders quoted text against the context."""
    context = {"conn": ConnectionAccessor(), "var": {"value": VariableAccessor(deserialize_json=False)}}
    subject, body = render_email(_alert(), COMPANY)
    raw_body = f"<p>{JINJA_PASSWORD} {JINJA_VARIABLE}</p>"
    common = {"to": RECIPIENTS, "smtp_conn_id": "smtp_default"}

    SmtpNotifier(subject=f"stock {JINJA_PASSWORD}", html_content=raw_body, **common)(dict(context))
    AlertEmailNotifier(subject=f"ours {JINJA_PASSWORD}", html_content=raw_body, **common)(dict(context))
    AlertEmailNotifier(subject=subject, html_content=body, **common)(dict(context))

    stock, ours_raw, ours = inbox.messages()
    assert SMTP_PASSWORD in stock["Subject"] and SECRET_VARIABLE in _html_of(stock)
    assert ours_raw["Subject"] == f"ours {JINJA_PASSWORD}"  # verbatim, even given raw braces
    assert _html_of(ours_raw).strip() == raw_body
    assert SMTP_PASSWORD not in ours.as_string() and SECRET_VARIABLE not in ours.as_string()
    assert JINJA_PASSWORD in "".join(_shown(_html_of(ours)).parts)


def test_header_injection_through_the_title_is_neutralised(inbox: _Inbox) -> None:
    title = "Spike\r\nBcc: victim@attacker.example\r\n\r\n<b>forged body</b>\u2028X-Evil: 1"
    deliver(
        [_alert(title=title)],
        None,
        email_to=RECIPIENTS,
        smtp_conn_id="smtp_default",
        webhook_conn_id=None,
        company_name="Lumo\nStrollers",
    )

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == RECIPIENTS
    [message] = inbox.messages()
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message.get_all("Subject") == [
        "[Lumo Strollers alert] Spike Bcc: victim@attacker.example <b>forged body</b> X-Evil: 1"
    ]
    assert "forged body" not in _html_of(message).split("<h2>")[0]


def test_resolved_alert_email() -> None:
    resolved = _alert(status="resolved", resolved_at=datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    subject, body = render_email(resolved, COMPANY)
    assert subject.startswith(f"[{COMPANY} alert] [resolved] Negative mention spike")
    assert "Resolved at 2026-11-18 09:00 UTC" in "".join(_shown(body).parts)
    assert "Resolved at" not in render_email(_alert(), COMPANY)[1]
    assert "{" not in render_subject(_alert(title=f"about {JINJA_PASSWORD}"), COMPANY)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://x.com/a/status/1?s=20&t=3", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("https://evil.example/a|b", False),
        ("https://evil.example/a>b", False),
        ('https://evil.example/" onclick="x', False),
        ("https://evil.example/a b", False),
        ("https://evil.example/\r\nx", False),
        ("//evil.example/path", False),
        ("https:///nohost", False),
        (None, False),
    ],
)
def test_only_plain_http_urls_become_links(url: str | None, safe: bool) -> None:
    assert safe_http_url(url) == (url if safe else None)


# --- a real HTTP webhook receiver ----------------------------------------------------------------


@dataclass
class _Receiver:
    url: str
    requests: list = field(default_factory=list)
    script: list = field(default_factory=list)  # statuses to answer, in order; then 200

    def payloads(self) -> list[dict]:
        return [json.loads(body) for _, _, body in self.requests]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Receiver]:
    """A threaded HTTP server; ``alerts_webhook``'s password is its URL, with a secret path."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = _Receiver(url=f"http://127.0.0.1:{server.server_port}{WEBHOOK_SECRET_PATH}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.path, self.headers.get("Content-Type"), body))
            status = state.script.pop(0) if state.script else 200
            answer = {200: b"ok", 400: b"invalid_payload", 500: b"internal error"}.get(status, b"")
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _set_webhook(monkeypatch, state.url)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _set_webhook(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ALERTS_WEBHOOK",
        json.dumps(
            {
                "conn_type": "http",
                "password": url,
                "extra": {"timeout_seconds": 5, "max_attempts": 3, "backoff_seconds": 0.01},
            }
        ),
    )


def _deliver_to_webhook(alerts: list[Alert]) -> None:
    deliver(
        alerts,
        {},
        email_to=[],
        smtp_conn_id=None,
        webhook_conn_id="alerts_webhook",
        company_name=COMPANY,
    )


def _everything_said(error: BaseException) -> str:
    """The error as a log would print it, with every chained cause."""
    return "".join(traceback.format_exception(error))


def test_webhook_posts_slack_json_with_escaping_and_safe_links(receiver: _Receiver) -> None:
    _deliver_to_webhook([_alert()])

    [(path, content_type, _)] = receiver.requests
    assert path == WEBHOOK_SECRET_PATH and content_type == "application/json"
    [payload] = receiver.payloads()
    assert set(payload) == {"text", "blocks"}
    assert payload["text"] == f"[{COMPANY} alert] Negative mention spike: 14 negative mentions in 2 h"
    for block in payload["blocks"]:
        texts = [block["text"]] if block["type"] == "section" else block["elements"]
        assert block["type"] in {"section", "context"}
        assert all(t["type"] == "mrkdwn" and len(t["text"]) <= 3000 for t in texts)
    everything = json.dumps(payload, ensure_ascii=False)
    assert "<script>" not in everything and "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything
    assert "@channel" not in everything and "@here" not in everything and "@someone" not in everything
    assert f"@{ZWSP}channel" in everything
    assert JINJA_PASSWORD in everything  # sent as text; nothing renders it
    assert "<https://x.com/someone/status/123|x · @\u200bsomeone · 2026-11-17" in everything
    assert "<https://bi.lumo.example/dashboards/listening?mention=x:123|Open the data>" in everything
    assert "javascript:" not in everything and "evil.example" not in everything
    links = [piece.split("|")[0] for piece in everything.split("<")[1:]]
    assert links == [
        "https://x.com/someone/status/123",
        "https://bi.lumo.example/dashboards/listening?mention=x:123",
    ]


def test_resolved_webhook_message() -> None:
    resolved = _alert(status="resolved", resolved_at=datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    payload = render_webhook(resolved, COMPANY)
    assert payload["text"].startswith(f"[{COMPANY} alert] Resolved: Negative")
    assert "resolved at 2026-11-18 09:00 UTC" in json.dumps(payload)


def test_webhook_retries_a_server_error_then_delivers(receiver: _Receiver) -> None:
    receiver.script[:] = [500, 503]
    _deliver_to_webhook([_alert()])
    assert len(receiver.requests) == 3
    assert receiver.payloads()[0] == receiver.payloads()[2]


def test_webhook_client_error_fails_at_once_naming_the_connection_not_the_url(
    receiver: _Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script[:] = [400]
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as raised:
        _deliver_to_webhook([_alert()])

    assert len(receiver.requests) == 1  # a 4xx is not retried
    message = str(raised.value)
    assert "negative_spike:lumo" in message and "webhook (alerts_webhook)" in message
    assert "HTTP 400" in message and "invalid_payload" in message
    assert raised.value.failed_keys == {"negative_spike:lumo"}
    for said in (_everything_said(raised.value), caplog.text):
        assert "webhookSecretToken9x" not in said and "/services/" not in said


def test_unreachable_webhook_gives_up_without_revealing_the_url(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _set_webhook(monkeypatch, f"http://127.0.0.1:{free_port()}{WEBHOOK_SECRET_PATH}")
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as raised:
        _deliver_to_webhook([_alert()])
    assert "gave up after 3 attempts: cannot connect" in str(raised.value)

    # Used on its own (e.g. as a task callback), the notifier's error chain is clean too:
    # requests' own message names the URL's path.
    with caplog.at_level(logging.DEBUG), pytest.raises(WebhookDeliveryError) as direct:
        WebhookNotifier(render_webhook(_alert(), COMPANY)).notify({})
    assert "'alerts_webhook' (host 127.0.0.1)" in str(direct.value)

    for said in (_everything_said(raised.value), _everything_said(direct.value), caplog.text):
        assert "webhookSecretToken9x" not in said
    # Airflow's log masker now hides the URL and its path (urllib3 logs paths at debug level).
    assert redact(f"POST {WEBHOOK_SECRET_PATH} HTTP/1.1") == "POST *** HTTP/1.1"


def test_every_delivery_is_tried_and_each_failure_is_named(inbox: _Inbox, receiver: _Receiver) -> None:
    receiver.script[:] = [400]  # the first alert's webhook post is refused
    first, second = _alert(), _alert(key="viral_mention:x:9", rule="viral_mention", title="Viral mention")
    with pytest.raises(DeliveryError) as raised:
        deliver(
            [first, second],
            {"dag": None, "ti": None},
            email_to=RECIPIENTS,
            smtp_conn_id="smtp_default",
            webhook_conn_id="alerts_webhook",
            company_name=COMPANY,
        )

    assert [(key, channel) for key, channel, _ in raised.value.failed] == [
        ("negative_spike:lumo", "webhook (alerts_webhook)")
    ]
    assert len(inbox.envelopes) == 2  # both emails went out
    assert len(receiver.requests) == 2  # and the second alert reached the webhook
    assert receiver.payloads()[1]["text"].endswith("Viral mention")


def test_missing_smtp_connection_is_a_named_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_ALERTS", raising=False)
    with pytest.raises(DeliveryError, match=r"'negative_spike:lumo' via email \(smtp_alerts\)"):
        deliver(
            [_alert()],
            {},
            email_to=RECIPIENTS,
            smtp_conn_id="smtp_alerts",
            webhook_conn_id=None,
            company_name=COMPANY,
        )


# --- inside a real Airflow task ----------------------------------------------------------------

PROBE_DAG = '''
"""Probe DAG for the alert tests: one task delivers one hostile alert with its real context."""
from datetime import UTC, datetime

from airflow.sdk import dag, task

from alerts.notify import Alert, Evidence, deliver


@dag(dag_id="alerts_probe", schedule=None, start_date=datetime(2026, 1, 1, tzinfo=UTC), catchup=False)
def alerts_probe():
    @task
    def send(**context):
        alert = Alert(
            key="negative_spike:lumo", rule="negative_spike", status="open",
            title=TITLE, summary=TEXT, evidence=(Evidence(TEXT, "https://x.com/a/status/1", "x · @a"),),
            data_link=None, data_hint="published.fct_mentions", opened_at=datetime.now(UTC),
            resolved_at=None,
        )
        assert "conn" in context and "ti" in context  # the real task context
        deliver([alert], context, email_to=["ops@lumo.example"], smtp_conn_id="smtp_default",
                webhook_conn_id="alerts_webhook", company_name="Lumo Strollers")

    send()


alerts_probe()
'''


@pytest.mark.e2e
def test_deliver_inside_a_real_airflow_task(inbox: _Inbox, receiver: _Receiver, tmp_path: Path) -> None:
    """``airflow dags test``: connections come through the task SDK, the context is the real one."""
    dags = tmp_path / "dags"
    dags.mkdir()
    title = f"Spike {JINJA_PASSWORD}"
    (dags / "alerts_probe.py").write_text(f"TITLE = {title!r}\nTEXT = {EVIL_TEXT!r}\n{PROBE_DAG}")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    output = tmp_path / "airflow-output.log"
    with output.open("w") as out:
        for command in (["airflow", "db", "migrate"], ["airflow", "dags", "test", "alerts_probe"]):
            subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=300)

    said = output.read_text()
    assert "new_state=success" in said and "delivered via webhook (alerts_webhook)" in said
    [message] = inbox.messages()
    assert message["Subject"] == f"[{COMPANY} alert] Spike (( conn.smtp_default.password ))"
    assert SMTP_PASSWORD not in message.as_string()
    assert JINJA_PASSWORD in "".join(_shown(_html_of(message)).parts)
    [payload] = receiver.payloads()
    assert "&lt;script&gt;" in json.dumps(payload) and SMTP_PASSWORD not in json.dumps(payload)
    assert "webhookSecretToken9x" not in said and SMTP_PASSWORD not in said
