"""The report as HTML (for mail clients: inline CSS, charts by Content-ID) and as plain text.

Jinja renders both with autoescaping on for HTML, so every value, post texts and mentions above
all, is escaped: a post that says ``<script>`` shows those characters. Links are only written for
absolute http(s) URLs that cannot break out of the attribute.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.text import one_line, safe_http_url
from report.charts import CHARTS, PLATFORM_LABELS
from report.content import DASH, Kpi, Report, Table

TEMPLATES = Path(__file__).parent / "templates"
TEXT_LIMIT = 160  # characters of a post's text shown in the report (the CSV has all of it)
PERCENT_COLUMNS = {
    "engagement_rate", "follower_growth_rate", "share_of_voice", "sessions_uplift", "roi",
}  # fmt: skip
MONEY_COLUMNS = {"cost", "revenue"}
SOURCE_LABELS = {
    **PLATFORM_LABELS,
    "google_analytics": "Google Analytics 4",
    "listening": "Listening",
    "support": "Support inbox",
}


def _environment(html: bool) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]) if html else False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        value=format_value, change=format_change, cell=format_cell, clip=clip, url=safe_http_url,
        platform=lambda name: SOURCE_LABELS.get(name, name), colour=change_colour,
    )  # fmt: skip
    return environment


def subject(report: Report) -> str:
    """``Lumo Strollers social report, October 2026: 41,230 engagements (+12.5 % on September)``."""
    headline = report.headline
    change = format_change(headline, headline.mom)
    versus = f" ({change} on {report.month.shift(-1).start:%B})" if headline.mom is not None else ""
    return one_line(
        f"{report.company} social report, {report.month.label}: "
        f"{format_value(headline, headline.value)} {headline.label.lower()}{versus}"
    )


def render_html(report: Report, image_src: Mapping[str, str]) -> str:
    """The HTML body; ``image_src`` maps each chart name to its ``src`` (``cid:…`` in email)."""
    images = [(name, CHARTS[name], image_src[name]) for name in CHARTS]
    template = _environment(html=True).get_template("monthly_report.html")
    return template.render(report=report, subject=subject(report), images=images, table_order=TABLE_ORDER)


def render_text(report: Report) -> str:
    return (
        _environment(html=False)
        .get_template("monthly_report.txt")
        .render(report=report, subject=subject(report), table_order=TABLE_ORDER, text_table=text_table)
    )


TABLE_ORDER = (
    "platforms",
    "top_posts",
    "bottom_posts",
    "top_mentions",
    "campaigns",
    "competitors",
    "new_traffic_sources",
)


# --- formatting -------------------------------------------------------------------------------


def format_value(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "no data"
    if kpi.kind == "rate":
        return f"{value:.2%}"
    if kpi.kind == "ratio":
        return f"{value:+.2f}" if kpi.key == "net_sentiment" else f"{value:.0%}"
    if kpi.kind == "money":
        return f"{value:,.2f}"
    if kpi.kind == "minutes":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def format_change(kpi: Kpi, change: float | None) -> str:
    if change is None:
        return DASH
    if kpi.kind == "rate":
        return f"{change * 100:+.2f} pts"
    if kpi.kind == "ratio":
        return f"{change:+.2f}" if kpi.key == "net_sentiment" else f"{change * 100:+.0f} pts"
    return f"{change:+.1%}".replace("%", " %")


def change_colour(kpi: Kpi, change: float | None) -> str:
    if change is None or change == 0:
        return "#555555"
    better = (change > 0) != kpi.lower_is_better
    return "#1e7b4f" if better else "#b3261e"


def format_cell(value: Any, column: str) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if column in PERCENT_COLUMNS:
        return f"{float(value):.1%}"
    if column in MONEY_COLUMNS or isinstance(value, Decimal):
        return f"{float(value):,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if column in ("platform", "source"):
        return PLATFORM_LABELS.get(str(value), str(value))
    return str(value)


def clip(text: str | None, limit: int = TEXT_LIMIT) -> str:
    """One line of at most ``limit`` characters."""
    return one_line(text or "", limit)


def text_table(table: Table) -> str:
    """A table for the plain-text part: one block per row, ``column: value`` lines."""
    if not table.rows:
        return "  (none)\n"
    lines = []
    for row in table.dicts():
        cells = [
            f"{column.replace('_', ' ')}: {clip(format_cell(row[column], column))}"
            for column in table.visible
        ]
        lines.append(textwrap.fill("; ".join(cells), 100, initial_indent="  - ", subsequent_indent="    "))
        if safe_http_url(row.get("url")):
            lines.append(f"    {row['url']}")
    return "\n".join(lines) + "\n"
