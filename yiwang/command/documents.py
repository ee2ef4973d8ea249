"""The weekly analysis report (每周分析报告) as PDF: WeasyPrint over an HTML template, charts as
inline SVG drawn here (no JavaScript in a PDF). The worker renders each leader's copy every
Monday into MEDIA_ROOT/reports/weekly/; the page renders it on demand too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from yiwang.command import selectors


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today - dt.timedelta(days=today.weekday() + 7)
    return start, start + dt.timedelta(days=6)


def bar_svg(items: list[tuple[str, float]], *, width=460, row=22, colour="#c77700") -> str:
    """Horizontal bars, one per (label, value)."""
    top = max([v for _, v in items] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(items) + 4}">'
    ]
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        length = (width - 170) * (value / top)
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="11">{escape(label[:12])}</text>'
            f'<rect x="130" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{134 + length:.1f}" y="{y + 15}" font-size="11">{value:g}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (labels escaped above)


def trend_svg(weeks: list[str], series: dict[str, list[int]], *, width=460, height=160) -> str:
    """Grouped columns per week for each series (上报 / 结案)."""
    colours = ["#1f5fbf", "#2e7d32"]
    top = max([v for values in series.values() for v in values] + [1])
    slot = (width - 30) / max(len(weeks), 1)
    bar = slot / (len(series) + 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}">']
    for w, week in enumerate(weeks):
        x0 = 30 + w * slot
        parts.append(f'<text x="{x0:.1f}" y="{height + 14}" font-size="9">{week[5:]}</text>')
        for s, values in enumerate(series.values()):
            h = (height - 10) * values[w] / top
            parts.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{height - h:.1f}" width="{bar - 1:.1f}" '
                f'height="{h:.1f}" fill="{colours[s % 2]}"/>'
            )
    for s, name in enumerate(series):
        parts.append(
            f'<rect x="{30 + s * 70}" y="{height + 20}" width="10" height="8" '
            f'fill="{colours[s % 2]}"/><text x="{44 + s * 70}" y="{height + 28}" '
            f'font-size="10">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (names escaped above)


def weekly_context(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    figures = selectors.overview(user=user, date_from=date_from, date_to=date_to)
    communities = selectors.analysis(
        user=user, metric="reported", by="community", date_from=date_from, date_to=date_to
    )
    on_time = selectors.analysis(
        user=user, metric="on_time_rate", by="department", date_from=date_from, date_to=date_to
    )
    trends = figures["trends"]
    return {
        "f": figures,
        "communities": communities["rows"][:15],
        "departments": on_time["rows"][:15],
        "from": date_from,
        "to": date_to,
        "user": user,
        "trend_svg": trend_svg(
            trends["weeks"], {"上报": trends["reported"], "结案": trends["archived"]}
        ),
        "category_svg": bar_svg([(c["category"], c["count"]) for c in figures["top_categories"]]),
    }


def weekly_report_pdf(*, user, date_from: dt.date, date_to: dt.date) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "command/documents/weekly.html",
        weekly_context(user=user, date_from=date_from, date_to=date_to),
    )
    return HTML(string=html, base_url=".").write_pdf()


def stored_path(user, date_from: dt.date, date_to: dt.date) -> Path:
    return (
        Path(settings.MEDIA_ROOT)
        / "reports"
        / "weekly"
        / str(user.pk)
        / (f"{date_from}_{date_to}.pdf")
    )


def store_weekly_report(*, user, date_from: dt.date, date_to: dt.date) -> Path:
    path = stored_path(user, date_from, date_to)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(weekly_report_pdf(user=user, date_from=date_from, date_to=date_to))
    return path
