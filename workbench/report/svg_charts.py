"""Static charts as inline SVG: what the report draws, and the image beside each interactive notebook chart.

Pure functions from plain data to an SVG string, no script and nothing fetched: an interval chart (one row
per model, a dot at the value and a whisker over its 95% interval), a scatter of two metrics (with
whiskers on both axes and a dashed Pareto front), horizontal grouped bars (one bar per model in each
category), lines against a numeric axis (linear or logarithmic, with an optional reference line) and a
strip of per-case values (each case a dot, the median a bar).

Every text is escaped for XML (characters XML cannot hold are dropped), long labels are shortened with
the full text in a ``<title>`` tooltip, and the font stack names CJK fonts before the generic family so
Chinese model names and labels draw as characters. Widths of text are estimated (a wide East Asian
character counts as one em, anything else as 0.6 em): layouts leave room rather than measure.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.report.colours import NEUTRAL_COLOUR, OBJECTIVE_COLOUR

CJK_FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC'"
FONT_FAMILY = f"system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', {CJK_FONTS}, sans-serif"
MONOSPACE_FAMILY = f"ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, 'Noto Sans Mono', {CJK_FONTS}, monospace"

WIDTH = 560
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
GRID_COLOUR = "#E3E3E3"
AXIS_COLOUR = "#888888"
TITLE_SIZE = 14
TEXT_SIZE = 12
SMALL_SIZE = 11

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- the data each chart draws -------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalRow:
    """One model's value of one metric, with its 95% interval where it has one."""
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    colour: str = NEUTRAL_COLOUR


@dataclass(frozen=True)
class ScatterPoint:
    """One model placed by two metrics, with the intervals of either where they exist."""
    label: str
    x: float
    y: float
    colour: str = NEUTRAL_COLOUR
    x_low: float | None = None
    x_high: float | None = None
    y_low: float | None = None
    y_high: float | None = None


@dataclass(frozen=True)
class BarSeries:
    """One model's bars: a value (or None: not reported) per category."""
    name: str
    values: Sequence[float | None]
    colour: str = NEUTRAL_COLOUR


@dataclass(frozen=True)
class LineSeries:
    """One line: (x, y) points in x order; a None y leaves a gap."""
    name: str
    points: Sequence[tuple[float, float | None]]
    colour: str = NEUTRAL_COLOUR
    dashed: bool = False


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal line across a chart, such as an objective."""
    value: float
    label: str
    colour: str = OBJECTIVE_COLOUR


@dataclass(frozen=True)
class StripRow:
    """Per-case values of one model (and one measure)."""
    label: str
    values: Sequence[float]
    colour: str = NEUTRAL_COLOUR


# --- text ------------------------------------------------------------------------------------------


def xml_text(value: object) -> str:
    """``value`` as text safe inside an SVG element or attribute."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def text_width(text: str, size: float = TEXT_SIZE) -> float:
    """An estimate of the drawn width of ``text`` in pixels at font size ``size``."""
    return sum(size * (1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.6) for char in text)


def fit_text(text: str, max_width: float, size: float = TEXT_SIZE) -> str:
    """``text``, shortened with "…" so that it fits in ``max_width`` pixels."""
    if text_width(text, size) <= max_width:
        return text
    kept = ""
    for char in text:
        if text_width(kept + char + "…", size) > max_width:
            break
        kept += char
    return kept + "…"


def format_number(value: float, step: float | None = None) -> str:
    """A tick or value label: as many decimals as the step between ticks needs (3 without a step)."""
    if step is None or step <= 0:
        decimals = 3
    else:
        decimals = next((places for places in range(7) if abs(round(step, places) - step) <= step * 1e-6), 6)
    if abs(value) >= 1e5:
        return f"{value:.3g}"
    return f"{value:.{decimals}f}"


def _num(value: float) -> str:
    return f"{value:.1f}"


def _text(x: float, y: float, content: str, *, size: float = TEXT_SIZE, anchor: str = "start",
          fill: str = TEXT_COLOUR, bold: bool = False, max_width: float | None = None,
          rotate: bool = False) -> str:
    shown = fit_text(content, max_width, size) if max_width is not None else content
    tooltip = f"<title>{xml_text(content)}</title>" if shown != content else ""
    weight = ' font-weight="600"' if bold else ""
    transform = f' transform="rotate(-90 {_num(x)} {_num(y)})"' if rotate else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size:g}" text-anchor="{anchor}" fill="{fill}"'
            f"{weight}{transform}>{tooltip}{xml_text(shown)}</text>")


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="svg-chart" role="img" width="{_num(width)}" '
            f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" font-family="{FONT_FAMILY}">'
            f"<title>{xml_text(title)}</title>"
            f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>'
            + "".join(body) + "</svg>")


# --- scales ------------------------------------------------------------------------------------------


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]`` (about ``count`` of them)."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(magnitude * factor for factor in (1, 2, 2.5, 5, 10) if magnitude * factor >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high - step * 1e-9 or len(ticks) < 2:
        ticks.append(round(first + step * len(ticks), 10))
    return ticks


def _domain(values: Sequence[float], fixed: tuple[float, float] | None, *, from_zero: bool) -> list[float]:
    """Ticks spanning the values (or the fixed domain); from zero when every value is at least zero."""
    if fixed is not None:
        return nice_ticks(*fixed)
    if not values:
        return nice_ticks(0.0, 1.0)
    low, high = min(values), max(values)
    if from_zero and low >= 0:
        low = 0.0
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = (low if from_zero and low == 0 else low - pad), high + pad
    return nice_ticks(low, high)


@dataclass(frozen=True)
class _Scale:
    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        if self.log:
            low, high, value = math.log10(self.low), math.log10(self.high), math.log10(max(value, self.low))
        else:
            low, high = self.low, self.high
        span = high - low or 1.0
        return self.start + (value - low) / span * (self.end - self.start)


def _x_axis(scale: _Scale, ticks: Sequence[float], top: float, bottom: float, label: str, *,
            tick_labels: Sequence[str] | None = None) -> list[str]:
    """Vertical grid lines at the ticks, their labels under the plot and the axis title below them."""
    step = (ticks[1] - ticks[0]) if len(ticks) > 1 else None
    parts = []
    for index, tick in enumerate(ticks):
        x = scale(tick)
        shown = tick_labels[index] if tick_labels is not None else format_number(tick, step)
        parts.append(f'<line x1="{_num(x)}" y1="{_num(top)}" x2="{_num(x)}" y2="{_num(bottom)}" '
                     f'stroke="{GRID_COLOUR}"/>')
        parts.append(_text(x, bottom + 14, shown, size=SMALL_SIZE, anchor="middle", fill=MUTED_COLOUR))
    parts.append(f'<line x1="{_num(scale.start)}" y1="{_num(bottom)}" x2="{_num(scale.end)}" y2="{_num(bottom)}" '
                 f'stroke="{AXIS_COLOUR}"/>')
    middle = (scale.start + scale.end) / 2
    parts.append(_text(middle, bottom + 32, label, anchor="middle", max_width=abs(scale.end - scale.start) + 40))
    return parts


def _y_axis(scale: _Scale, ticks: Sequence[float], left: float, right: float, label: str) -> list[str]:
    """Horizontal grid lines at the ticks, their labels left of the plot and the rotated axis title."""
    step = (ticks[1] - ticks[0]) if len(ticks) > 1 else None
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
                     f'stroke="{GRID_COLOUR}"/>')
        parts.append(_text(left - 6, y + 4, format_number(tick, step), size=SMALL_SIZE, anchor="end",
                           fill=MUTED_COLOUR))
    parts.append(f'<line x1="{_num(left)}" y1="{_num(scale.end)}" x2="{_num(left)}" y2="{_num(scale.start)}" '
                 f'stroke="{AXIS_COLOUR}"/>')
    middle = (scale.start + scale.end) / 2
    parts.append(_text(14, middle, label, anchor="middle", rotate=True, max_width=abs(scale.start - scale.end) + 20))
    return parts


def _whisker(x1: float, y1: float, x2: float, y2: float, colour: str, *, vertical: bool) -> str:
    """An interval: a line with a short cap at each end."""
    cap = 5.0
    if vertical:
        caps = (f'<line x1="{_num(x1 - cap)}" y1="{_num(y1)}" x2="{_num(x1 + cap)}" y2="{_num(y1)}"/>'
                f'<line x1="{_num(x2 - cap)}" y1="{_num(y2)}" x2="{_num(x2 + cap)}" y2="{_num(y2)}"/>')
    else:
        caps = (f'<line x1="{_num(x1)}" y1="{_num(y1 - cap)}" x2="{_num(x1)}" y2="{_num(y1 + cap)}"/>'
                f'<line x1="{_num(x2)}" y1="{_num(y2 - cap)}" x2="{_num(x2)}" y2="{_num(y2 + cap)}"/>')
    return (f'<g class="interval" stroke="{colour}" stroke-width="1.6">'
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"/>{caps}</g>')


def _legend(items: Sequence[tuple[str, str, bool]], left: float, top: float, width: float) -> tuple[list[str], float]:
    """Swatches and names, wrapped onto as many lines as ``width`` needs; returns the parts and the height."""
    parts, x, y, line_height = [], left, top, 18.0
    for name, colour, dashed in items:
        shown = fit_text(name, width - 30, SMALL_SIZE)
        needed = 26 + text_width(shown, SMALL_SIZE) + 14
        if x > left and x + needed > left + width:
            x, y = left, y + line_height
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        parts.append(f'<line x1="{_num(x)}" y1="{_num(y - 4)}" x2="{_num(x + 20)}" y2="{_num(y - 4)}" '
                     f'stroke="{colour}" stroke-width="2.5"{dash}/>')
        parts.append(_text(x + 26, y, name, size=SMALL_SIZE, max_width=width - 30))
        x += needed
    return parts, (y - top) + line_height if items else 0.0


def _label_column(labels: Sequence[str], width: float) -> float:
    longest = max((text_width(label) for label in labels), default=0.0)
    return max(70.0, min(longest + 16, width * 0.34))


# --- the charts ---------------------------------------------------------------------------------------


def interval_chart(rows: Sequence[IntervalRow], *, title: str, axis_label: str,
                   domain: tuple[float, float] | None = None, digits: int = 3, width: float = WIDTH) -> str:
    """One row per model: a dot at the value and a whisker over its 95% interval, the figures at the right."""
    values = [v for row in rows for v in (_finite(row.value), _finite(row.low), _finite(row.high)) if v is not None]
    ticks = _domain(values, domain, from_zero=True)
    label_width = _label_column([row.label for row in rows], width)
    figure_width = 150.0
    top, row_height = 34.0, 26.0
    bottom = top + row_height * max(len(rows), 1)
    scale = _Scale(ticks[0], ticks[-1], label_width + 8, width - figure_width - 12)
    body = [_text(8, 20, title, size=TITLE_SIZE, bold=True, max_width=width - 16)]
    body += _x_axis(scale, ticks, top, bottom, axis_label)
    for index, row in enumerate(rows):
        y = top + row_height * (index + 0.5)
        value, low, high = _finite(row.value), _finite(row.low), _finite(row.high)
        body.append(f'<g class="row" data-label="{xml_text(row.label)}">')
        body.append(_text(label_width, y + 4, row.label, anchor="end", max_width=label_width - 8))
        if low is not None and high is not None:
            body.append(_whisker(scale(low), y, scale(high), y, row.colour, vertical=False))
        if value is None:
            figures = "not reported"
        else:
            body.append(f'<circle class="point" cx="{_num(scale(value))}" cy="{_num(y)}" r="5" fill="{row.colour}"/>')
            figures = f"{value:.{digits}f}" + (f" [{low:.{digits}f}, {high:.{digits}f}]"
                                               if low is not None and high is not None else "")
        body.append(_text(width - figure_width, y + 4, figures, size=SMALL_SIZE, fill=MUTED_COLOUR,
                          max_width=figure_width - 4))
        body.append("</g>")
    return _svg(width, bottom + 44, title, body)


def scatter_chart(points: Sequence[ScatterPoint], *, title: str, x_label: str, y_label: str,
                  front: Sequence[str] = (), width: float = WIDTH, height: float = 380.0,
                  front_label: str = "Pareto front") -> str:
    """Each model placed by two metrics, whiskers over the intervals given, the front as a dashed line."""
    xs = [v for p in points for v in (_finite(p.x), _finite(p.x_low), _finite(p.x_high)) if v is not None]
    ys = [v for p in points for v in (_finite(p.y), _finite(p.y_low), _finite(p.y_high)) if v is not None]
    x_ticks, y_ticks = _domain(xs, None, from_zero=True), _domain(ys, None, from_zero=True)
    left, right, top, bottom = 64.0, width - 24, 52.0, height - 52
    x_scale = _Scale(x_ticks[0], x_ticks[-1], left, right)
    y_scale = _Scale(y_ticks[0], y_ticks[-1], bottom, top)
    body = [_text(8, 20, title, size=TITLE_SIZE, bold=True, max_width=width - 16)]
    on_front = [p for name in front for p in points if p.label == name]
    if len(on_front) >= 2:
        body += _legend([(front_label, NEUTRAL_COLOUR, True)], left, 40, right - left)[0]
    body += _x_axis(x_scale, x_ticks, top, bottom, x_label)
    body += _y_axis(y_scale, y_ticks, left, right, y_label)
    if len(on_front) >= 2:
        path = " ".join(f"{_num(x_scale(p.x))},{_num(y_scale(p.y))}" for p in sorted(on_front, key=lambda p: p.x))
        body.append(f'<polyline class="front" points="{path}" fill="none" stroke="{NEUTRAL_COLOUR}" '
                    'stroke-width="1.5" stroke-dasharray="6 4"/>')
    for point in points:
        x, y = x_scale(point.x), y_scale(point.y)
        body.append(f'<g class="row" data-label="{xml_text(point.label)}">')
        if point.y_low is not None and point.y_high is not None:
            body.append(_whisker(x, y_scale(point.y_low), x, y_scale(point.y_high), point.colour, vertical=True))
        if point.x_low is not None and point.x_high is not None:
            body.append(_whisker(x_scale(point.x_low), y, x_scale(point.x_high), y, point.colour, vertical=False))
        body.append(f'<circle class="point" cx="{_num(x)}" cy="{_num(y)}" r="6" fill="{point.colour}" '
                    'stroke="#ffffff" stroke-width="1"/>')
        room = right - x - 10
        anchor, text_x = ("start", x + 9) if room > 90 else ("end", x - 9)
        body.append(_text(text_x, y - 8, point.label, anchor=anchor, max_width=max(room, x - left - 10)))
        body.append("</g>")
    return _svg(width, height, title, body)


def grouped_bar_chart(categories: Sequence[str], series: Sequence[BarSeries], *, title: str, axis_label: str,
                      domain: tuple[float, float] | None = None, digits: int = 3, width: float = WIDTH) -> str:
    """Per category, one horizontal bar per model (in the series' order), its value at the bar's end."""
    legend, legend_height = _legend([(item.name, item.colour, False) for item in series], 8, 44, width - 16)
    values = [v for item in series for v in map(_finite, item.values) if v is not None]
    ticks = _domain(values, domain, from_zero=True)
    label_width = _label_column(categories, width)
    bar, gap = 14.0, 10.0
    top = 34.0 + legend_height + 6
    band = bar * max(len(series), 1) + gap
    bottom = top + band * max(len(categories), 1)
    scale = _Scale(ticks[0], ticks[-1], label_width + 8, width - 64)
    body = [_text(8, 20, title, size=TITLE_SIZE, bold=True, max_width=width - 16), *legend]
    body += _x_axis(scale, ticks, top, bottom, axis_label)
    for index, category in enumerate(categories):
        band_top = top + band * index + gap / 2
        body.append(_text(label_width, band_top + band / 2, category, anchor="end", max_width=label_width - 8))
        for position, item in enumerate(series):
            value = _finite(item.values[index]) if index < len(item.values) else None
            y = band_top + bar * position
            if value is None:
                body.append(_text(scale.start + 4, y + bar - 3, "not reported", size=SMALL_SIZE - 1,
                                  fill=MUTED_COLOUR))
                continue
            x0, x1 = scale(max(ticks[0], 0.0)), scale(value)
            body.append(f'<rect class="bar" x="{_num(min(x0, x1))}" y="{_num(y + 1)}" '
                        f'width="{_num(max(abs(x1 - x0), 1.0))}" height="{_num(bar - 2)}" fill="{item.colour}">'
                        f"<title>{xml_text(f'{item.name}, {category}: {value:.{digits}f}')}</title></rect>")
            body.append(_text(max(x0, x1) + 4, y + bar - 3, f"{value:.{digits}f}", size=SMALL_SIZE - 1,
                              fill=MUTED_COLOUR))
    return _svg(width, bottom + 44, title, body)


def line_chart(series: Sequence[LineSeries], *, title: str, x_label: str, y_label: str,
               x_ticks: Sequence[float] | None = None, log_x: bool = False,
               reference: ReferenceLine | None = None, width: float = WIDTH, height: float = 340.0) -> str:
    """Lines against a numeric axis (logarithmic with ``log_x``; ticks at ``x_ticks`` when given), a legend
    under the plot, and an optional horizontal reference line."""
    xs = [x for item in series for x, _ in item.points if _finite(x) is not None]
    if x_ticks is None:
        ticks_x = _domain(xs, None, from_zero=False) if not log_x else sorted(set(xs)) or [1.0, 10.0]
    else:
        ticks_x = list(x_ticks)
    ys = [y for item in series for _, y in item.points if _finite(y) is not None]
    if reference is not None:
        ys.append(reference.value)
    ticks_y = _domain(ys, None, from_zero=True)
    left, right, top = 64.0, width - 24, 34.0
    bottom = height - 52
    legend, legend_height = _legend([(item.name, item.colour, item.dashed) for item in series], left,
                                    bottom + 54, right - left)
    total_height = bottom + 48 + legend_height
    low_x, high_x = min(ticks_x), max(ticks_x)
    if log_x and low_x <= 0:
        low_x = min([x for x in ticks_x if x > 0] or [1.0])
    if high_x == low_x:
        high_x = low_x * 10 if log_x else low_x + 1
    x_scale = _Scale(low_x, high_x, left + 12, right - 12, log=log_x)
    y_scale = _Scale(ticks_y[0], ticks_y[-1], bottom, top)
    body = [_text(8, 20, title, size=TITLE_SIZE, bold=True, max_width=width - 16)]
    step = None if log_x else (ticks_x[1] - ticks_x[0] if len(ticks_x) > 1 else None)
    body += _x_axis(x_scale, ticks_x, top, bottom, x_label,
                    tick_labels=[format_number(t, step) if step else f"{t:g}" for t in ticks_x])
    body += _y_axis(y_scale, ticks_y, left, right, y_label)
    if reference is not None:
        y = y_scale(reference.value)
        body.append(f'<line class="reference" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
                    f'stroke="{reference.colour}" stroke-width="1.5" stroke-dasharray="2 3"/>')
        body.append(_text(left + 4, y - 5, reference.label, size=SMALL_SIZE, fill=reference.colour,
                          max_width=right - left - 8))
    for item in series:
        dash = ' stroke-dasharray="6 4"' if item.dashed else ""
        body.append(f'<g class="series" data-label="{xml_text(item.name)}"><title>{xml_text(item.name)}</title>')
        segment: list[str] = []
        for x, y in list(item.points) + [(math.nan, None)]:
            if _finite(x) is None or _finite(y) is None:
                if len(segment) > 1:
                    body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{item.colour}" '
                                f'stroke-width="2"{dash}/>')
                segment = []
                continue
            segment.append(f"{_num(x_scale(x))},{_num(y_scale(y))}")
            body.append(f'<circle class="point" cx="{_num(x_scale(x))}" cy="{_num(y_scale(y))}" r="3.5" '
                        f'fill="{item.colour}"/>')
        body.append("</g>")
    body += legend
    return _svg(width, total_height, title, body)


def strip_chart(rows: Sequence[StripRow], *, title: str, axis_label: str, digits: int = 2,
                width: float = WIDTH) -> str:
    """Per row, every value as a dot (spread over three lanes so equal values stay visible) and the median
    as a bar; the median and the count at the right."""
    values = [v for row in rows for v in map(_finite, row.values) if v is not None]
    ticks = _domain(values, None, from_zero=True)
    label_width = _label_column([row.label for row in rows], width)
    figure_width = 130.0
    top, row_height = 34.0, 30.0
    bottom = top + row_height * max(len(rows), 1)
    scale = _Scale(ticks[0], ticks[-1], label_width + 8, width - figure_width - 12)
    body = [_text(8, 20, title, size=TITLE_SIZE, bold=True, max_width=width - 16)]
    body += _x_axis(scale, ticks, top, bottom, axis_label)
    for index, row in enumerate(rows):
        y = top + row_height * (index + 0.5)
        finite = sorted(v for v in map(_finite, row.values) if v is not None)
        body.append(f'<g class="row" data-label="{xml_text(row.label)}">')
        body.append(_text(label_width, y + 4, row.label, anchor="end", max_width=label_width - 8))
        for position, value in enumerate(finite):
            lane = (position % 3 - 1) * 6.0
            body.append(f'<circle class="point" cx="{_num(scale(value))}" cy="{_num(y + lane)}" r="3.5" '
                        f'fill="{row.colour}" fill-opacity="0.75"/>')
        if finite:
            middle = len(finite) // 2
            median = finite[middle] if len(finite) % 2 else (finite[middle - 1] + finite[middle]) / 2
            body.append(f'<line class="median" x1="{_num(scale(median))}" y1="{_num(y - 11)}" '
                        f'x2="{_num(scale(median))}" y2="{_num(y + 11)}" stroke="{row.colour}" stroke-width="3"/>')
            figures = f"median {median:.{digits}f}, n={len(finite)}"
        else:
            figures = "no values"
        body.append(_text(width - figure_width, y + 4, figures, size=SMALL_SIZE, fill=MUTED_COLOUR,
                          max_width=figure_width - 4))
        body.append("</g>")
    return _svg(width, bottom + 44, title, body)
