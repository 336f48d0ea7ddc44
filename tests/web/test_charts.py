"""The hand-written SVG charts: scale, shapes, escaping and the accessible table."""

from __future__ import annotations

import re

import pytest

from innkeeper.web import charts
from innkeeper.web.charts import Chart


def _chart(**overrides: object) -> Chart:
    values: dict[str, object] = {
        "id": "c1", "title": "Bookings per day", "x_label": "Day", "y_label": "Bookings",
        "labels": ["Nov 1", "Nov 2", "Nov 3"], "values": [2, 0, 7],
    } | overrides  # fmt: skip
    return Chart(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (1, 1), (7, 10), (11, 20), (21, 25), (26, 50), (51, 100), (0.3, 0.5), (1234, 2000)],
)
def test_the_axis_ends_on_a_round_number(value: float, ceiling: float) -> None:
    assert charts.nice_ceiling(value) == pytest.approx(ceiling)


def test_a_bar_chart_has_one_bar_per_value_scaled_to_the_axis() -> None:
    html = str(charts.render(_chart()))
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', html)]
    assert len(heights) == 3
    plot = charts.HEIGHT - charts.TOP - charts.BOTTOM
    assert heights == pytest.approx([plot * 2 / 10, 0, plot * 7 / 10])  # the axis ends at 10
    assert "<title>Nov 3: 7</title>" in html  # each bar names its figure on hover


def test_a_chart_is_an_accessible_image_with_its_figures_as_a_table() -> None:
    html = str(charts.render(_chart()))
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in html
    assert '<title id="c1-title">Bookings per day</title>' in html
    assert "9 in all, the most (7) in Nov 3" in html
    assert '<th scope="col">Day</th>' in html
    assert '<th scope="col" class="num">Bookings</th>' in html
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td></tr>', html)
    assert rows == [("Nov 1", "2"), ("Nov 2", "0"), ("Nov 3", "7")]
    assert "<details><summary>" in html
    assert "style=" not in html
    assert "<script" not in html


def test_a_line_chart_draws_one_polyline_through_every_point() -> None:
    html = str(charts.render(_chart(kind="line"), lambda v: f"AED {v:g}"))
    points = re.search(r'<polyline class="line" points="([^"]+)"', html)
    assert points is not None
    assert len(points.group(1).split()) == 3
    assert "<rect" not in html
    assert ">AED 7</td>" in html  # values are shown through the formatter


def test_text_is_escaped_and_an_empty_series_still_draws() -> None:
    html = str(charts.render(_chart(title="<b>GMV</b> & fees", labels=[], values=[])))
    assert "&lt;b&gt;GMV&lt;/b&gt; &amp; fees" in html
    assert "<b>" not in html
    assert "with no figures" in html
    with pytest.raises(ValueError, match="one label per value"):
        charts.render(_chart(labels=["a"], values=[1, 2]))


def test_many_buckets_label_only_some_of_them() -> None:
    labels = [f"d{i}" for i in range(60)]
    html = str(charts.render(_chart(labels=labels, values=list(range(60)))))
    shown = re.findall(r'text-anchor="middle">(d\d+)</text>', html)
    assert 1 < len(shown) <= charts.MAX_X_LABELS
    assert shown[0] == "d0"
