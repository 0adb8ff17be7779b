"""The report's SVG charts: well-formed XML, escaped labels, counts and widths that match
the data, round ticks, and the same bytes for the same data."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from grader.output.charts import histogram, horizontal_bars, nice_ticks, scatter, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def _tree(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed, one element
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title") is not None
    return root


def _bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}rect")


@pytest.mark.parametrize(
    ("low", "high", "integer", "expected"),
    [
        (0, 1, False, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 100, False, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
        (-1, 1, False, [-1.0, -0.5, 0.0, 0.5, 1.0]),
        (0, 3, True, [0.0, 1.0, 2.0, 3.0]),  # whole students: never 0.5
        (0, 580, True, [0.0, 200.0, 400.0]),
        (5, 5, False, [5]),  # an empty range: one tick
    ],
)
def test_nice_ticks(low: float, high: float, integer: bool, expected: list[float]) -> None:
    assert nice_ticks(low, high, 5 if low != -1 else 4, integer=integer) == expected


def test_histogram_counts_every_value_in_its_bin() -> None:
    values = [0, 0.5, 9.99, 10, 55, 100, 100, 130, -3]  # 130 and -3: counted in the nearest bin
    root = _tree(histogram(values, bins=10, low=0, high=100, title="Scores", xlabel="total", ylabel="students", color="#123456"))
    tips = {rect.find(f"{SVG}title").text for rect in _bars(root)}  # type: ignore[union-attr]
    assert tips == {"0 to 10: 4", "10 to 20: 1", "50 to 60: 1", "90 to 100 (included): 3"}
    heights = sorted(float(rect.get("height", "0")) for rect in _bars(root))
    assert heights[-1] == pytest.approx(4 * heights[0])  # bar height proportional to its count
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "Scores" in labels and "students" in labels and "total" in labels


def test_histogram_axis_ends_on_a_tick_above_the_tallest_bar() -> None:
    root = _tree(histogram([1.0] * 580, bins=10, low=0, high=10, title="t", xlabel="x", ylabel="y", color="#000"))
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "600" in labels and "0.5" not in labels


def test_stacked_bars_widths_follow_the_shares_and_the_legend_names_each_series() -> None:
    svg = stacked_bars(["q1", "q2"], [("correct", [0.5, 1.0], "#0a0"), ("wrong", [0.25, 0.0], "#a00")], title="Status shares")
    root = _tree(svg)
    widths = {rect.find(f"{SVG}title").text: float(rect.get("width", "0"))  # type: ignore[union-attr]
              for rect in _bars(root) if rect.find(f"{SVG}title") is not None}
    assert set(widths) == {"q1: correct 0.50", "q1: wrong 0.25", "q2: correct 1.00"}  # a zero share draws nothing
    assert widths["q2: correct 1.00"] == pytest.approx(2 * widths["q1: correct 0.50"], abs=0.02)
    assert widths["q1: correct 0.50"] == pytest.approx(2 * widths["q1: wrong 0.25"], abs=0.02)
    legend = [text.text for text in root.iter(f"{SVG}text")]
    assert "correct" in legend and "wrong" in legend


def test_horizontal_bars_clip_to_the_axis() -> None:
    root = _tree(horizontal_bars(["a", "b"], [2.0, math.nan], title="Means", xlabel="share", color="#0a0"))
    (bar,) = [rect for rect in _bars(root) if rect.find(f"{SVG}title") is not None]
    assert float(bar.get("x", "0")) + float(bar.get("width", "0")) <= 600


def test_labels_are_escaped_and_the_output_is_deterministic() -> None:
    hostile = "<script>alert('x')</script>&"
    first = scatter([(0.5, 0.3, hostile), (math.inf, 0, "skipped")], title=hostile, xlabel="d", ylabel="r",
                    xlim=(0, 1), ylim=(-1, 1), color="#00f", hline=(0.2, "#f00"))
    assert "<script>" not in first and "&lt;script&gt;" in first and "skipped" not in first
    root = _tree(first)
    assert len(root.findall(f"{SVG}circle")) == 1
    assert first == scatter([(0.5, 0.3, hostile), (math.inf, 0, "skipped")], title=hostile, xlabel="d", ylabel="r",
                            xlim=(0, 1), ylim=(-1, 1), color="#00f", hline=(0.2, "#f00"))
    assert not re.search(r"\d\.\d{3,}", first)  # coordinates rounded: no float noise in the bytes
