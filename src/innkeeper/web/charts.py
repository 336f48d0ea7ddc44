"""Small charts as server-rendered inline SVG: a bar chart and a line chart, each in a
``<figure>`` with its title, axis labels and the same figures as a table.

Hand-written on purpose. The admin overview needs three simple charts, and a charting
library would bring a JavaScript bundle (no CDN is allowed, so we would vendor and update
it) and inline styles or scripts that the Content-Security-Policy forbids. Plain SVG
elements styled by ``app.css`` (``.chart .bar .line``) plus presentation attributes render
in every browser with scripts off, print well, and cost a hundred lines. Screen readers
get a ``role="img"`` with a title and description, and the table (in a ``<details>``)
carries every value in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from markupsafe import Markup, escape

WIDTH: Final = 640
HEIGHT: Final = 260
LEFT: Final = 72  # room for the value ticks and the y-axis label
RIGHT: Final = 16
TOP: Final = 16
BOTTOM: Final = 52  # room for the bucket labels and the x-axis label
MAX_X_LABELS: Final = 12
GRID: Final = "#d5dcdf"  # --line in app.css
AXIS: Final = "#535f66"  # --muted


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart's figures: ``labels[i]`` is the bucket of ``values[i]``."""

    id: str  # unique on the page: the SVG's title and description refer to it
    title: str
    x_label: str
    y_label: str
    labels: Sequence[str]
    values: Sequence[int | float]
    kind: Literal["bar", "line"] = "bar"


def render(chart: Chart, value_text: Callable[[int | float], str] = str) -> Markup:
    """The chart's ``<figure>``: caption, SVG, and the figures as a table."""
    if len(chart.labels) != len(chart.values):
        raise ValueError("a chart needs one label per value")
    top = nice_ceiling(max([0, *chart.values]))
    svg = _svg(chart, top, value_text)
    return Markup(
        '<figure class="chart-figure">'
        f'<figcaption id="{escape(chart.id)}-caption"><strong>{escape(chart.title)}</strong>'
        "</figcaption>"
        f"{svg}{_table(chart, value_text)}</figure>"
    )


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (1 for 0):
    an axis that ends on a round number."""
    if value <= 0:
        return 1
    power = math.pow(10, math.floor(math.log10(value)))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _svg(chart: Chart, top: float, value_text: Callable[[int | float], str]) -> str:
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = max(len(chart.values), 1)
    slot = plot_w / count

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    def x_center(index: int) -> float:
        return LEFT + slot * index + slot / 2

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart.id)}-title {escape(chart.id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart.id)}-title">{escape(chart.title)}</title>',
        f'<desc id="{escape(chart.id)}-desc">{escape(_description(chart, value_text))}</desc>',
    ]
    for step in range(5):  # grid lines and value ticks at 0, 25, 50, 75 and 100%
        value = top * step / 4
        at = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">'
            f"{escape(value_text(_tidy(value)))}</text>"
        )
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{AXIS}"/>')
    every = max(1, math.ceil(count / MAX_X_LABELS))
    for index, label in enumerate(chart.labels):
        if index % every == 0:
            parts.append(
                f'<text x="{x_center(index):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    if chart.kind == "bar":
        width = max(slot * 0.7, 1)
        for index, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
            height = max(TOP + plot_h - y(value), 0)
            parts.append(
                f'<rect class="bar" x="{x_center(index) - width / 2:.1f}" '
                f'y="{y(value):.1f}" width="{width:.1f}" height="{height:.1f}">'
                f"<title>{escape(label)}: {escape(value_text(value))}</title></rect>"
            )
    else:
        points = " ".join(f"{x_center(i):.1f},{y(v):.1f}" for i, v in enumerate(chart.values))
        parts.append(f'<polyline class="line" points="{points}"/>')
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(chart.x_label)}</text>"
    )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{escape(chart.y_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _table(chart: Chart, value_text: Callable[[int | float], str]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td class="num">{escape(value_text(value))}'
        "</td></tr>"
        for label, value in zip(chart.labels, chart.values, strict=True)
    )
    return (
        f"<details><summary>{escape(chart.title)} as a table</summary>"
        '<div class="table-wrap"><table>'
        f"<caption>{escape(chart.title)}</caption>"
        f'<thead><tr><th scope="col">{escape(chart.x_label)}</th>'
        f'<th scope="col" class="num">{escape(chart.y_label)}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details>"
    )


def _description(chart: Chart, value_text: Callable[[int | float], str]) -> str:
    shape = "Bar chart" if chart.kind == "bar" else "Line chart"
    if not chart.values:
        return f"{shape} with no figures."
    total = sum(chart.values)
    high = max(chart.values)
    peak = chart.labels[list(chart.values).index(high)]
    return (
        f"{shape} of {chart.y_label} by {chart.x_label}, {chart.labels[0]} to "
        f"{chart.labels[-1]}: {value_text(_tidy(total))} in all, the most "
        f"({value_text(high)}) in {peak}. The same figures are in the table below."
    )


def _tidy(value: float) -> int | float:
    """Whole numbers as ints, so tick labels read 50, not 50.0."""
    return int(value) if float(value).is_integer() else value
