"""Inline SVG charts drawn server-side (no script, no external library, CSP-safe).

Every label is escaped with markupsafe before it enters the SVG; colours come
from CSS classes (``series-N``) in the stylesheet.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from markupsafe import Markup, escape

from api.schemas import SeriesPoint

MAX_SERIES = 8
WIDTH, HEIGHT = 680, 220
PAD_L, PAD_R, PAD_T, PAD_B = 40, 200, 12, 28


def _label(key: str, names: dict[str, str] | None) -> str:
    return (names or {}).get(key, key) or "—"


def line_chart(points: list[SeriesPoint], names: dict[str, str] | None = None) -> Markup:
    """One line per key (the most frequent ``MAX_SERIES``), one point per day, zeros filled in."""
    if not points:
        return Markup('<p class="empty">所选时间内没有发现。</p>')
    totals: dict[str, int] = defaultdict(int)
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for p in points:
        day = date.fromisoformat(p.day)
        totals[p.key] += p.count
        series[p.key][day] = series[p.key].get(day, 0) + p.count
    keys = sorted(totals, key=lambda k: (-totals[k], k))[:MAX_SERIES]
    first = min(date.fromisoformat(p.day) for p in points)
    last = max(date.fromisoformat(p.day) for p in points)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    top = max(max(series[k].get(d, 0) for d in days) for k in keys) or 1
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (plot_w * i / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return PAD_T + plot_h - plot_h * v / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{PAD_L + plot_w}" y2="{PAD_T + plot_h}"/>',
        f'<line class="axis" x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{PAD_T + plot_h}"/>',
        f'<text class="tick" x="{PAD_L - 6}" y="{PAD_T + 10}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{PAD_L - 6}" y="{PAD_T + plot_h}" text-anchor="end">0</text>',
        f'<text class="tick" x="{PAD_L}" y="{HEIGHT - 8}">{escape(first.isoformat())}</text>',
        f'<text class="tick" x="{PAD_L + plot_w}" y="{HEIGHT - 8}" text-anchor="end">{escape(last.isoformat())}</text>',
    ]
    for n, key in enumerate(keys):
        coords = " ".join(f"{x(i):.1f},{y(series[key].get(d, 0)):.1f}" for i, d in enumerate(days))
        label = escape(_label(key, names))
        parts.append(
            f'<polyline class="line series-{n}" points="{coords}"><title>{label}</title></polyline>'
        )
        ly = PAD_T + 14 + n * 18
        parts.append(
            f'<rect class="swatch series-{n}" x="{WIDTH - PAD_R + 12}" y="{ly - 9}" width="10" height="10"/>'
        )
        parts.append(
            f'<text class="legend" x="{WIDTH - PAD_R + 28}" y="{ly}">{label}（{totals[key]}）</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above went through escape()


def bar_chart(counts: dict[str, int], names: dict[str, str] | None = None) -> Markup:
    """Horizontal bars, largest first."""
    if not counts:
        return Markup('<p class="empty">暂无数据。</p>')
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    top = max(v for _, v in items) or 1
    row_h, label_w, bar_w = 22, 170, 380
    height = row_h * len(items) + 8
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {label_w + bar_w + 60} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (key, value) in enumerate(items):
        yy = 4 + i * row_h
        w = max(1.0, bar_w * value / top)
        label = escape(_label(key, names))
        parts.append(
            f'<text class="legend" x="{label_w - 8}" y="{yy + 15}" text-anchor="end">{label}</text>'
        )
        parts.append(
            f'<rect class="bar series-{i % MAX_SERIES}" x="{label_w}" y="{yy + 3}" width="{w:.1f}" height="{row_h - 6}"/>'
        )
        parts.append(f'<text class="tick" x="{label_w + w + 6}" y="{yy + 15}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above went through escape()
