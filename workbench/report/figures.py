"""Charts of the leaderboard and the report (plotly), titled and labelled from the metric registry."""

from __future__ import annotations

from typing import Any

from workbench.scoring.registry import Metric, primary
from workbench.track.leaderboard import LeaderboardEntry, entry_label, per_case_latencies


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
