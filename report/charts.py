"""The report's four charts, drawn with matplotlib (Agg: no display) as PNG bytes.

Each chart states when it has no data rather than drawing an empty frame. Brand names and other
labels are drawn as plain text (matplotlib's mathtext is off for them), so a ``$`` in a brand
name is not parsed as a formula.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from core.sources import SOURCES
from report.content import Report

PLATFORM_COLOURS = {source.name: source.colour for source in SOURCES if source.platform}
PLATFORM_LABELS = {source.name: source.label for source in SOURCES if source.platform}
OWN = "#2a7f62"
OTHER = "#b8c4cc"
SENTIMENT_COLOURS = {"positive": "#2a7f62", "neutral": "#b8c4cc", "negative": "#c0392b"}

CHARTS: dict[str, str] = {
    "follower_trend": "Follower growth this month, per platform (followers now)",
    "engagement_rate": "Engagement rate by platform",
    "share_of_voice": "Share of voice",
    "sentiment": "Brand mentions by sentiment, daily",
}


def render_charts(report: Report) -> dict[str, bytes]:
    """``{chart name: PNG bytes}`` for every chart in :data:`CHARTS`."""
    draw: dict[str, Callable[[Any, Report], None]] = {
        "follower_trend": _follower_trend,
        "engagement_rate": _engagement_rate,
        "share_of_voice": _share_of_voice,
        "sentiment": _sentiment,
    }
    with plt.rc_context({"text.parse_math": False, "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False}):  # fmt: skip
        return {name: _png(lambda ax, fn=draw[name]: fn(ax, report), CHARTS[name]) for name in CHARTS}


def _png(draw: Callable[[Any], None], title: str) -> bytes:
    figure = Figure(figsize=(6.0, 2.8), dpi=100)
    ax = figure.subplots()
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    draw(ax)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _no_data(ax: Any) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.45, "No data for this month", ha="center", va="center", color="#666", fontsize=11,
            transform=ax.transAxes)  # fmt: skip


def _follower_trend(ax: Any, report: Report) -> None:
    rows = report.series["followers"]
    if not rows:
        _no_data(ax)
        return
    by_platform: dict[str, list[tuple[Any, int]]] = defaultdict(list)
    for row in rows:
        by_platform[row["platform"]].append((row["metric_date"], row["followers"]))
    # Platforms differ by orders of magnitude: each line is the change since its first reading of
    # the month, so every platform's trend is readable on one axis.
    for platform, points in by_platform.items():
        days, values = zip(*points, strict=True)
        label = f"{PLATFORM_LABELS.get(platform, platform)} ({values[-1]:,})"
        marker = "." if len(points) < 3 else None
        ax.plot(days, [value - values[0] for value in values], marker=marker, label=label,
                color=PLATFORM_COLOURS.get(platform))  # fmt: skip
    ax.axhline(0, color="#d8dee4", linewidth=0.8)
    ax.legend(fontsize=7, frameon=False, ncols=3, loc="upper left", bbox_to_anchor=(0, -0.12))
    ax.tick_params(axis="x", labelsize=7)
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:+,.0f}"))


def _engagement_rate(ax: Any, report: Report) -> None:
    # A platform-month without a rate draws no bar (NaN), never a 0 % one.
    rows = [row for row in report.series["engagement_rate"] if row["engagement_rate"] is not None]
    if not any(row["month_start"] == report.month.start for row in rows):
        _no_data(ax)
        return
    platforms = sorted({row["platform"] for row in rows})
    rate = {(row["platform"], row["month_start"]): row["engagement_rate"] for row in rows}
    width = 0.38
    months = ((report.month.shift(-1), -width / 2, OTHER), (report.month, width / 2, OWN))
    for month, offset, colour in months:
        ax.bar([n + offset for n in range(len(platforms))],
               [rate.get((platform, month.start), math.nan) for platform in platforms],
               width, label=month.label, color=colour)  # fmt: skip
    ax.set_xticks(range(len(platforms)), [PLATFORM_LABELS.get(p, p) for p in platforms])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.legend(fontsize=7, frameon=False)


def _share_of_voice(ax: Any, report: Report) -> None:
    rows = [row for row in report.series["share_of_voice"] if row["share_of_voice"] is not None]
    if not rows:
        _no_data(ax)
        return
    rows = list(reversed(rows))
    ax.barh([row["brand"] for row in rows], [row["share_of_voice"] for row in rows],
            color=[OWN if row["is_own"] else OTHER for row in rows])  # fmt: skip
    for n, row in enumerate(rows):
        ax.text(row["share_of_voice"], n, f" {row['share_of_voice']:.0%}", va="center", fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, 1)


def _sentiment(ax: Any, report: Report) -> None:
    rows = report.series["sentiment"]
    if not rows:
        _no_data(ax)
        return
    days = [row["mention_date"] for row in rows]
    bottom = [0] * len(rows)
    for label in ("positive", "neutral", "negative"):
        values = [row[f"{label}_mentions"] or 0 for row in rows]
        ax.bar(days, values, bottom=bottom, label=label, color=SENTIMENT_COLOURS[label], width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.legend(fontsize=7, frameon=False, ncols=3, loc="upper left")
    ax.tick_params(axis="x", labelsize=7)
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
