"""Small inline SVG charts for the class report: a histogram, horizontal bars (plain or
stacked, with a legend) and a labelled scatter plot.

Pure functions of their data that return one ``<svg>`` element as text: no plotting
library, no fonts to embed, no randomness and no floats printed with more than two
decimals, so the same data always gives the same bytes, in milliseconds. Every label is
HTML-escaped; each chart has a ``<title>`` (its accessible name). Coordinates are in
pixels of the ``viewBox``; the page scales the chart to its width.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["histogram", "horizontal_bars", "nice_ticks", "scatter", "stacked_bars"]

WIDTH = 600
FONT = 11  # px; a character of a label is about 0.6 FONT wide
AXIS = "#555"
GRID = "#e5e5e5"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never '-0'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 and step < 1 else 0
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering [low, high];
    ``integer``: whole numbers only (counts of students are never 0.5)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else [0.0]
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    first = math.ceil(low / step - 1e-9) * step
    ticks: list[float] = []
    value = first
    while value <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(value, 10))
        value = first + step * len(ticks)
    return ticks


class _Frame:
    """A plotting area inside an SVG of ``WIDTH`` x ``height`` with margins."""

    def __init__(self, height: float, left: float, bottom: float, top: float = 28, right: float = 16) -> None:
        self.height = height
        self.x0, self.x1 = left, WIDTH - right
        self.y0, self.y1 = top, height - bottom

    def x(self, value: float, low: float, high: float) -> float:
        span = high - low or 1.0
        return self.x0 + (min(max(value, low), high) - low) / span * (self.x1 - self.x0)

    def y(self, value: float, low: float, high: float) -> float:
        span = high - low or 1.0
        return self.y1 - (min(max(value, low), high) - low) / span * (self.y1 - self.y0)


def _svg(title: str, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" width="{WIDTH}" '
        f'height="{_n(height)}" role="img" font-family="system-ui,sans-serif" font-size="{FONT}">'
        f"<title>{_e(title)}</title>"
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="{FONT + 2}" font-weight="bold">{_e(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _x_axis(frame: _Frame, ticks: Sequence[float], low: float, high: float, label: str, *, grid: bool = False) -> list[str]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    out = [f'<line x1="{_n(frame.x0)}" y1="{_n(frame.y1)}" x2="{_n(frame.x1)}" y2="{_n(frame.y1)}" stroke="{AXIS}"/>']
    for tick in ticks:
        x = _n(frame.x(tick, low, high))
        if grid:
            out.append(f'<line x1="{x}" y1="{_n(frame.y0)}" x2="{x}" y2="{_n(frame.y1)}" stroke="{GRID}"/>')
        out.append(f'<line x1="{x}" y1="{_n(frame.y1)}" x2="{x}" y2="{_n(frame.y1 + 4)}" stroke="{AXIS}"/>')
        out.append(f'<text x="{x}" y="{_n(frame.y1 + 16)}" text-anchor="middle">{_tick_label(tick, step)}</text>')
    out.append(f'<text x="{_n((frame.x0 + frame.x1) / 2)}" y="{_n(frame.y1 + 32)}" text-anchor="middle">{_e(label)}</text>')
    return out


def _y_axis(frame: _Frame, ticks: Sequence[float], low: float, high: float, label: str) -> list[str]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    out = [f'<line x1="{_n(frame.x0)}" y1="{_n(frame.y0)}" x2="{_n(frame.x0)}" y2="{_n(frame.y1)}" stroke="{AXIS}"/>']
    for tick in ticks:
        y = _n(frame.y(tick, low, high))
        out.append(f'<line x1="{_n(frame.x0)}" y1="{y}" x2="{_n(frame.x1)}" y2="{y}" stroke="{GRID}"/>')
        out.append(f'<text x="{_n(frame.x0 - 6)}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                   f"{_tick_label(tick, step)}</text>")
    middle = _n((frame.y0 + frame.y1) / 2)
    out.append(f'<text x="14" y="{middle}" text-anchor="middle" transform="rotate(-90 14 {middle})">{_e(label)}</text>')
    return out


def histogram(values: Sequence[float], *, bins: int, low: float, high: float, title: str, xlabel: str,
              ylabel: str, color: str) -> str:
    """Counts of ``values`` in ``bins`` equal bins over [low, high] (the last bin closed);
    values outside the range are counted in the nearest bin."""
    bins = max(1, bins)
    high = high if high > low else low + 1.0
    counts = [0] * bins
    for value in values:
        if math.isfinite(value):
            index = int((value - low) / (high - low) * bins)
            counts[min(max(index, 0), bins - 1)] += 1
    top = max(counts, default=0) or 1
    frame = _Frame(280, left=52, bottom=46)
    y_ticks = nice_ticks(0, top, 5, integer=True)
    if y_ticks[-1] < top:  # the axis ends on a tick above the tallest bar
        y_ticks.append(y_ticks[-1] + (y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0))
    y_top = y_ticks[-1]
    body = _y_axis(frame, y_ticks, 0, y_top, ylabel)
    width = (frame.x1 - frame.x0) / bins
    for index, count in enumerate(counts):
        if count:
            x = frame.x0 + index * width
            y = frame.y(count, 0, y_top)
            body.append(f'<rect x="{_n(x + 0.5)}" y="{_n(y)}" width="{_n(width - 1)}" height="{_n(frame.y1 - y)}" '
                        f'fill="{color}"><title>{_e(_bin_label(index, bins, low, high))}: {count}</title></rect>')
    body += _x_axis(frame, nice_ticks(low, high, 10), low, high, xlabel)
    return _svg(title, frame.height, body)


def _bin_label(index: int, bins: int, low: float, high: float) -> str:
    width = (high - low) / bins
    start, end = low + index * width, low + (index + 1) * width
    return f"{start:g} to {end:g}" + (" (included)" if index == bins - 1 else "")


def _label_margin(labels: Sequence[str]) -> float:
    return min(220.0, 12 + 0.6 * FONT * max((len(label) for label in labels), default=4))


def horizontal_bars(labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str, color: str,
                    high: float = 1.0) -> str:
    """One bar per label, top to bottom in the given order, on [0, high]."""
    return stacked_bars(labels, [("", list(values), color)], title=title, xlabel=xlabel, high=high)


def stacked_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]], *, title: str,
                 xlabel: str = "", high: float = 1.0) -> str:
    """Horizontal bars, one per label, each the sum of the series' values laid end to end
    on [0, high]; series are (name, values per label, colour). With more than one named
    series a legend is drawn under the axis."""
    row = 18.0
    named = [(name, colour) for name, _values, colour in series if name]
    legend_rows = math.ceil(len(named) / 5) if len(named) > 1 else 0
    frame = _Frame(28 + row * max(1, len(labels)) + 46 + 18 * legend_rows, left=_label_margin(labels), bottom=46 + 18 * legend_rows)
    body: list[str] = []
    ticks = nice_ticks(0, high, 5)
    body += _x_axis(frame, ticks, 0, high, xlabel, grid=True)
    for position, label in enumerate(labels):
        y = frame.y0 + position * row
        body.append(f'<text x="{_n(frame.x0 - 6)}" y="{_n(y + row / 2)}" text-anchor="end" dominant-baseline="middle">{_e(label)}</text>')
        start = 0.0
        for name, values, colour in series:
            value = values[position] if position < len(values) else 0.0
            if not math.isfinite(value) or value <= 0:
                continue
            x0, x1 = frame.x(start, 0, high), frame.x(start + value, 0, high)
            start += value
            if x1 - x0 <= 0:
                continue
            tip = f"{label}: {name + ' ' if name else ''}{value:.2f}"
            body.append(f'<rect x="{_n(x0)}" y="{_n(y + 2)}" width="{_n(x1 - x0)}" height="{_n(row - 4)}" fill="{colour}">'
                        f"<title>{_e(tip)}</title></rect>")
    body.append(f'<line x1="{_n(frame.x0)}" y1="{_n(frame.y0)}" x2="{_n(frame.x0)}" y2="{_n(frame.y1)}" stroke="{AXIS}"/>')
    if legend_rows:
        for index, (name, colour) in enumerate(named):
            x = 20 + (index % 5) * (WIDTH - 40) / 5
            y = frame.y1 + 44 + 18 * (index // 5)
            body.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="10" height="10" fill="{colour}"/>')
            body.append(f'<text x="{_n(x + 14)}" y="{_n(y + 5)}" dominant-baseline="middle">{_e(name)}</text>')
    return _svg(title, frame.height, body)


def scatter(points: Sequence[tuple[float, float, str]], *, title: str, xlabel: str, ylabel: str,
            xlim: tuple[float, float], ylim: tuple[float, float], color: str,
            hline: tuple[float, str] | None = None) -> str:
    """Labelled points (x, y, label) on fixed axis ranges; ``hline`` (y, colour): a dashed
    reference line."""
    frame = _Frame(320, left=52, bottom=46)
    body = _y_axis(frame, nice_ticks(*ylim, 4), *ylim, ylabel)
    body += _x_axis(frame, nice_ticks(*xlim, 5), *xlim, xlabel)
    if hline is not None:
        line_y = _n(frame.y(hline[0], *ylim))
        body.append(f'<line x1="{_n(frame.x0)}" y1="{line_y}" x2="{_n(frame.x1)}" y2="{line_y}" stroke="{hline[1]}" '
                    'stroke-dasharray="5 4"/>')
    for x_value, y_value, label in points:
        if not (math.isfinite(x_value) and math.isfinite(y_value)):
            continue
        x, y = frame.x(x_value, *xlim), frame.y(y_value, *ylim)
        body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{color}" fill-opacity="0.75"><title>{_e(label)}: '
                    f"({x_value:.2f}, {y_value:.2f})</title></circle>")
        body.append(f'<text x="{_n(x + 5)}" y="{_n(y - 5)}" font-size="{FONT - 2}">{_e(label)}</text>')
    return _svg(title, frame.height, body)
