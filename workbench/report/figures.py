"""Charts of the leaderboard and the report (plotly), titled and labelled from the metric registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.scoring.registry import Metric, primary
from workbench.track.leaderboard import LeaderboardEntry, entry_label, per_case_latencies

if TYPE_CHECKING:
    from workbench.run.load import LoadTest


def axis_title(metric: Metric) -> str:
    """"ROUGE-L (95% CI), higher is better": the label, the unit where it is not a plain fraction, the direction."""
    unit = f" ({metric.unit})" if metric.unit not in ("fraction", "F-measure", "count") else ""
    interval = " (95% CI)" if metric.interval else ""
    return f"{metric.label}{unit}{interval}, {metric.direction} is better"


def quality_latency_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    quality, latency = primary("quality"), primary("latency")
    usable = [e for e in entries if e.value(quality.name) is not None and e.value(latency.name) is not None]
    figure = go.Figure()
    for entry in usable:
        low, high = entry.ci(quality.name)
        value = entry.value(quality.name) or 0.0
        figure.add_trace(go.Scatter(
            x=[entry.value(latency.name)], y=[value], mode="markers+text", text=[entry_label(entry, usable)],
            textposition="top center", name=entry_label(entry, usable), cliponaxis=False,
            error_y=None if low is None or high is None else {"type": "data", "symmetric": False,
                                                             "array": [high - value], "arrayminus": [value - low]},
            marker={"size": 12}))
    group = usable[0].group if usable else ""
    figure.update_layout(title=f"Quality vs latency · {group}", xaxis_title=axis_title(latency),
                         yaxis_title=axis_title(quality), showlegend=False,
                         margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return figure


def phi_by_label_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    labels = sorted({label for e in entries for label in e.phi_by_label()})
    figure = go.Figure()
    for entry in entries:
        rates = entry.phi_by_label()
        figure.add_trace(go.Bar(name=entry_label(entry, entries), x=labels, y=[rates.get(label) for label in labels]))
    group = entries[0].group if entries else ""
    figure.update_layout(title=f"{primary('privacy').label} by label · {group}", barmode="group",
                         yaxis_title=primary("privacy").definition,
                         yaxis_range=[0, 1.05], margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure


def latency_distribution_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure()
    for entry in entries:
        values = per_case_latencies(entry)
        for metric, title in (("ttft_s", "TTFT"), ("e2e_s", "end-to-end")):
            if values.get(metric):
                figure.add_trace(go.Box(y=values[metric], name=f"{entry_label(entry, entries)} {title}", boxpoints="all"))
    group = entries[0].group if entries else ""
    figure.update_layout(title=f"Latency per case · {group}", yaxis_title="seconds", showlegend=False,
                         margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure


# --- load tests ------------------------------------------------------------------------------


def _load_color(index: int) -> str:
    from plotly.colors import qualitative

    return qualitative.Plotly[index % len(qualitative.Plotly)]


def load_sweep_figure(record: "LoadTest") -> Any:
    """The curves of a load test against concurrency, one colour per model: output tokens/s (solid,
    left axis) and goodput in requests/s (dashed, right axis) on the left; p50 (dashed) and p95 (solid)
    end-to-end latency on the right, with the end-to-end objective as a horizontal line."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    objectives = record.objectives
    figure = make_subplots(rows=1, cols=2, specs=[[{"secondary_y": True}, {}]], horizontal_spacing=0.12,
                           subplot_titles=("Throughput and goodput", "End-to-end latency"))
    for index, sweep in enumerate(record.models):
        levels = sweep.levels
        x = [level.concurrency for level in levels]
        style = {"color": _load_color(index)}
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
        figure.add_hline(y=objectives.e2e_s, row=1, col=2, line={"color": "#b00020", "dash": "dot"},
                         annotation_text=f"e2e objective {objectives.e2e_s:g} s", annotation_position="top left")
    ticks = {"type": "log", "tickvals": record.levels, "ticktext": [str(level) for level in record.levels],
             "title_text": "requests in flight (concurrency)"}
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
