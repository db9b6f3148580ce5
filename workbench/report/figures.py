"""Charts of the leaderboard, the notebooks and the report, titled and labelled from the metric registry.

Each chart exists twice from the same data: a plotly figure (``*_figure``: the UI and notebooks, interactive)
and a static SVG (``*_svg``: the report, and the image beside each notebook chart). Every one colours a
model by :func:`workbench.report.colours.model_colours`, in the order the models appear in the comparison,
so a model has the same colour in every chart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.report.chart_view import ChartView
from workbench.report.colours import MODEL_PALETTE, OBJECTIVE_COLOUR, model_colours
from workbench.report.svg_charts import (
    BarSeries, LineSeries, ReferenceLine, ScatterPoint, StripRow, grouped_bar_chart, line_chart, scatter_chart,
    strip_chart,
)
from workbench.scoring.registry import Metric, metric, primary, value_of

if TYPE_CHECKING:
    from workbench.track.leaderboard import LeaderboardEntry  # the functions import it when called: it loads MLflow
    from workbench.run.load import LoadTest

LOAD_X_LABEL = "requests in flight (concurrency)"
UNIT_WORDS = {"s": "seconds", "ms": "milliseconds"}


def axis_title(metric: Metric) -> str:
    """"ROUGE-L (95% CI), higher is better": the label, the unit where it is not a plain fraction, the direction."""
    unit = f" ({metric.unit})" if metric.unit not in ("fraction", "F-measure", "count") else ""
    interval = " (95% CI)" if metric.interval else ""
    direction = f", {metric.direction} is better" if metric.direction else ""
    return f"{metric.label}{unit}{interval}{direction}"


# --- the leaderboard's charts (UI, notebooks) ---------------------------------------------------------


def comparison_order(entries: list[LeaderboardEntry]) -> list[str]:
    """The entries' labels in the order their models ran (oldest first): the order that picks colours."""
    from workbench.track.leaderboard import entry_label

    return [entry_label(entry, entries) for entry in sorted(entries, key=lambda e: (e.started_ms, e.model))]


def entry_colours(entries: list[LeaderboardEntry]) -> dict[str, str]:
    """``{label: colour}`` of the entries, the same assignment every chart of them uses."""
    return model_colours(comparison_order(entries))


def _quality(entries: list[LeaderboardEntry]) -> Metric:
    """The primary quality metric of the group's set's task."""
    return primary("quality", entries[0].task if entries else None)


def _group(entries: list[LeaderboardEntry]) -> str:
    return entries[0].group if entries else ""


def _quality_latency_points(entries: list[LeaderboardEntry]) -> list[ScatterPoint]:
    from workbench.track.leaderboard import entry_label

    quality, latency = _quality(entries), primary("latency")
    colours = entry_colours(entries)
    points = []
    for entry in entries:
        x, y = entry.value(latency.name), entry.value(quality.name)
        if x is None or y is None:
            continue
        low, high = entry.ci(quality.name)
        label = entry_label(entry, entries)
        points.append(ScatterPoint(label, x, y, colours[label], y_low=low, y_high=high))
    return points


def quality_latency_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    quality, latency = _quality(entries), primary("latency")
    figure = go.Figure()
    for point in _quality_latency_points(entries):
        figure.add_trace(go.Scatter(
            x=[point.x], y=[point.y], mode="markers+text", text=[point.label],
            textposition="top center", name=point.label, cliponaxis=False,
            error_y=None if point.y_low is None or point.y_high is None else {
                "type": "data", "symmetric": False, "array": [point.y_high - point.y],
                "arrayminus": [point.y - point.y_low], "color": point.colour},
            marker={"size": 12, "color": point.colour}))
    figure.update_layout(title=f"Quality vs latency · {_group(entries)}", xaxis_title=axis_title(latency),
                         yaxis_title=axis_title(quality), showlegend=False,
                         margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return figure


def quality_latency_svg(entries: list[LeaderboardEntry]) -> str:
    quality, latency = _quality(entries), primary("latency")
    return scatter_chart(_quality_latency_points(entries), title=f"Quality vs latency · {_group(entries)}",
                         x_label=axis_title(latency), y_label=axis_title(quality))


def _phi_by_label_series(entries: list[LeaderboardEntry]) -> tuple[list[str], list[BarSeries]]:
    from workbench.track.leaderboard import entry_label

    labels = sorted({label for e in entries for label in e.phi_by_label()})
    colours = entry_colours(entries)
    series = []
    for entry in entries:
        name = entry_label(entry, entries)
        rates = entry.phi_by_label()
        series.append(BarSeries(name, [rates.get(label) for label in labels], colours[name]))
    return labels, series


def phi_by_label_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    labels, series = _phi_by_label_series(entries)
    figure = go.Figure()
    for item in series:
        figure.add_trace(go.Bar(name=item.name, x=labels, y=list(item.values), marker_color=item.colour))
    figure.update_layout(title=f"{primary('privacy').label} by label · {_group(entries)}", barmode="group",
                         yaxis_title=primary("privacy").definition,
                         yaxis_range=[0, 1.05], margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure


def phi_by_label_svg(entries: list[LeaderboardEntry]) -> str:
    privacy = primary("privacy")
    labels, series = _phi_by_label_series(entries)
    return grouped_bar_chart(labels, series, title=f"{privacy.label} by label · {_group(entries)}",
                             axis_label=f"{privacy.definition} ({privacy.direction} is better)", domain=(0.0, 1.0))


def _latency_rows(entries: list[LeaderboardEntry]) -> list[StripRow]:
    from workbench.track.leaderboard import entry_label, per_case_latencies

    colours = entry_colours(entries)
    rows = []
    for entry in entries:
        name = entry_label(entry, entries)
        values = per_case_latencies(entry)
        for key, title in (("ttft_s", "TTFT"), ("e2e_s", "end-to-end")):
            if values.get(key):
                rows.append(StripRow(f"{name} {title}", values[key], colours[name]))
    return rows


def latency_distribution_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure()
    for row in _latency_rows(entries):
        figure.add_trace(go.Box(y=list(row.values), name=row.label, boxpoints="all", marker_color=row.colour,
                                line_color=row.colour))
    figure.update_layout(title=f"Latency per case · {_group(entries)}", yaxis_title="seconds", showlegend=False,
                         margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure


def latency_distribution_svg(entries: list[LeaderboardEntry]) -> str:
    return strip_chart(_latency_rows(entries), title=f"Latency per case · {_group(entries)}",
                       axis_label="seconds (dots: cases, bar: median)")


def leaderboard_charts(entries: list[LeaderboardEntry]) -> dict[str, ChartView]:
    """The leaderboard's three charts, each as its plotly figure with the same chart as SVG beside it."""
    group = _group(entries)
    return {
        "quality_latency": ChartView(quality_latency_figure(entries), quality_latency_svg(entries),
                                     f"Quality vs latency · {group}"),
        "phi_by_label": ChartView(phi_by_label_figure(entries), phi_by_label_svg(entries),
                                  f"{primary('privacy').label} by label · {group}"),
        "latency": ChartView(latency_distribution_figure(entries), latency_distribution_svg(entries),
                             f"Latency per case · {group}"),
    }


# --- figures of evaluations at several concurrencies ----------------------------------------------------


def _concurrency_series(levels: Mapping[int, Mapping[str, Any]], names: Sequence[str]) -> list[LineSeries]:
    ordered = sorted(levels)
    return [LineSeries(metric(name).label, [(float(level), value_of(levels[level], name)) for level in ordered],
                       MODEL_PALETTE[index % len(MODEL_PALETTE)]) for index, name in enumerate(names)]


def _concurrency_titles(names: Sequence[str], title: str | None) -> tuple[str, str]:
    units = {metric(name).unit for name in names}
    unit = next(iter(units)) if len(units) == 1 else "value"
    y_label = UNIT_WORDS.get(unit, unit)
    return title or f"{', '.join(metric(name).label for name in names)} vs requests in flight", y_label


def concurrency_figure(levels: Mapping[int, Mapping[str, Any]], names: Sequence[str],
                       title: str | None = None) -> Any:
    """Metrics of evaluations run at several concurrencies (``{concurrency: metrics}``), one line per metric."""
    import plotly.graph_objects as go

    chart_title, y_label = _concurrency_titles(names, title)
    figure = go.Figure()
    for item in _concurrency_series(levels, names):
        figure.add_trace(go.Scatter(x=[x for x, _ in item.points], y=[y for _, y in item.points],
                                    mode="lines+markers", name=item.name, line={"color": item.colour}))
    figure.update_xaxes(title_text=LOAD_X_LABEL, tickvals=sorted(levels))
    figure.update_yaxes(title_text=y_label, rangemode="tozero")
    figure.update_layout(title=chart_title, margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return figure


def concurrency_svg(levels: Mapping[int, Mapping[str, Any]], names: Sequence[str], title: str | None = None) -> str:
    chart_title, y_label = _concurrency_titles(names, title)
    return line_chart(_concurrency_series(levels, names), title=chart_title, x_label=LOAD_X_LABEL, y_label=y_label,
                      x_ticks=[float(level) for level in sorted(levels)])


def concurrency_chart(levels: Mapping[int, Mapping[str, Any]], names: Sequence[str],
                      title: str | None = None) -> ChartView:
    """:func:`concurrency_figure` with its SVG beside it."""
    chart_title, _ = _concurrency_titles(names, title)
    return ChartView(concurrency_figure(levels, names, title), concurrency_svg(levels, names, title), chart_title)


# --- load tests ------------------------------------------------------------------------------


def load_colours(record: "LoadTest", colours: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per model of a load test: ``colours`` where it names the model (the comparison's), the next
    free colours of the same assignment for the others."""
    known = dict(colours or {})
    return model_colours([*known, *(sweep.model for sweep in record.models)]) | known


def load_sweep_figure(record: "LoadTest", *, colours: Mapping[str, str] | None = None) -> Any:
    """The curves of a load test against concurrency, one colour per model: output tokens/s (solid,
    left axis) and goodput in requests/s (dashed, right axis) on the left; p50 (dashed) and p95 (solid)
    end-to-end latency on the right, with the end-to-end objective as a horizontal line."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    objectives = record.objectives
    figure = make_subplots(rows=1, cols=2, specs=[[{"secondary_y": True}, {}]], horizontal_spacing=0.12,
                           subplot_titles=("Throughput and goodput", "End-to-end latency"))
    palette = load_colours(record, colours)
    for sweep in record.models:
        levels = sweep.levels
        x = [level.concurrency for level in levels]
        style = {"color": palette[sweep.model]}
        figure.add_trace(go.Scatter(x=x, y=[level.output_tokens_per_s for level in levels], mode="lines+markers",
                                    name=f"{sweep.model} output tokens/s", legendgroup=sweep.model, line=style),
                         row=1, col=1, secondary_y=False)
        if objectives.given():
            figure.add_trace(go.Scatter(x=x, y=[level.goodput_rps for level in levels], mode="lines+markers",
                                        name=f"{sweep.model} goodput (requests/s)", legendgroup=sweep.model,
                                        line={**style, "dash": "dash"}, marker={"symbol": "diamond"}),
                             row=1, col=1, secondary_y=True)
        figure.add_trace(go.Scatter(x=x, y=[level.e2e_p50_s for level in levels], mode="lines+markers",
                                    name=f"{sweep.model} e2e p50", legendgroup=sweep.model,
                                    line={**style, "dash": "dash"}), row=1, col=2)
        figure.add_trace(go.Scatter(x=x, y=[level.e2e_p95_s for level in levels], mode="lines+markers",
                                    name=f"{sweep.model} e2e p95", legendgroup=sweep.model, line=style),
                         row=1, col=2)
    if objectives.e2e_s is not None:
        figure.add_hline(y=objectives.e2e_s, row=1, col=2, line={"color": OBJECTIVE_COLOUR, "dash": "dot"},
                         annotation_text=f"e2e objective {objectives.e2e_s:g} s", annotation_position="top left")
    ticks = {"type": "log", "tickvals": record.levels, "ticktext": [str(level) for level in record.levels],
             "title_text": LOAD_X_LABEL}
    figure.update_xaxes(**ticks)
    figure.update_yaxes(title_text="output tokens/s", rangemode="tozero", row=1, col=1, secondary_y=False)
    figure.update_yaxes(title_text="goodput (requests/s meeting every objective)", rangemode="tozero",
                        row=1, col=1, secondary_y=True, showgrid=False)
    figure.update_yaxes(title_text="seconds", rangemode="tozero", row=1, col=2)
    figure.update_layout(
        title=f"Load test {record.load_id} · {record.evalset} · prompt {record.prompt} · "
              f"objectives: {objectives.describe()}",
        legend={"orientation": "h", "y": -0.25}, margin={"l": 60, "r": 60, "t": 80, "b": 120}, height=560)
    return figure


def load_sweep_svgs(record: "LoadTest", *, colours: Mapping[str, str] | None = None) -> list[str]:
    """The curves of :func:`load_sweep_figure` as static SVG charts: output tokens/s, goodput (when an
    objective was set) and end-to-end latency p50 (dashed) and p95 (solid) with the objective."""
    palette = load_colours(record, colours)
    ticks = [float(level) for level in record.levels]
    objectives = record.objectives

    def series(value: Callable[[Any], float | None], suffix: str, dashed: bool = False) -> list[LineSeries]:
        return [LineSeries(f"{sweep.model} {suffix}",
                           [(float(level.concurrency), value(level)) for level in sweep.levels],
                           palette[sweep.model], dashed) for sweep in record.models]

    charts = [line_chart(series(lambda level: level.output_tokens_per_s, "output tokens/s"), title="Output tokens per second",
                         x_label=LOAD_X_LABEL, y_label="output tokens/s", x_ticks=ticks, log_x=True)]
    if objectives.given():
        charts.append(line_chart(series(lambda level: level.goodput_rps, "goodput (requests/s)"),
                                 title=f"Goodput (objectives: {objectives.describe()})", x_label=LOAD_X_LABEL,
                                 y_label="requests/s meeting every objective", x_ticks=ticks, log_x=True))
    latency = [item for pair in zip(series(lambda level: level.e2e_p50_s, "e2e p50", dashed=True),
                                           series(lambda level: level.e2e_p95_s, "e2e p95"))
               for item in pair]
    reference = (ReferenceLine(objectives.e2e_s, f"e2e objective {objectives.e2e_s:g} s")
                 if objectives.e2e_s is not None else None)
    charts.append(line_chart(latency, title="End-to-end latency", x_label=LOAD_X_LABEL, y_label="seconds",
                             x_ticks=ticks, log_x=True, reference=reference))
    return charts


def load_page_html(record: "LoadTest") -> str:
    """``load.html``: the load test's curves as one self-contained page (plotly.js inlined, nothing is
    fetched from the network)."""
    import html

    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    body = pio.to_html(load_sweep_figure(record), full_html=False, include_plotlyjs=False, div_id="load-curves",
                       config={"displaylogo": False, "responsive": True}, default_width="100%")
    title = html.escape(f"Load test {record.load_id}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head>"
            f"<body><h1>{title}</h1>{body}</body></html>\n")
