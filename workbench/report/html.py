"""The report as one self-contained HTML page: plotly inlined, every text taken from runs escaped."""

from __future__ import annotations

import html
from typing import Any

from workbench.report.build import (
    LOAD_SECTION_NOTE, LoadEvidence, Report, highest_level_sentence, load_level_rows, load_test_facts, sweep_facts,
    without_load_test_sentence,
)
from workbench.report.cells import (
    gate_rows, latency_rows, leaderboard_rows, pareto_sentence, phi_rows, settings_rows, significance_rows, worst_rows,
)
from workbench.report.figures import axis_title, load_sweep_figure
from workbench.scoring.registry import primary, ranking_rule_text
from workbench.scoring.stats import MIN_CASES_FOR_RANKING


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;
padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.pass{background:#e6f4e6}td.fail{background:#fbe3e3}
.recommendation{padding:1rem;border-radius:6px;border:1px solid #9c9}.recommendation.none{border-color:#d99}
.recommendation.ok{background:#f0f8f0}.recommendation.none{background:#fdf0f0}
.muted{color:#666;font-size:.85rem}code{font-size:.85rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{width:560px;height:420px;border:1px solid #eee}
.chart.load{width:100%;height:560px}.differs{color:#8a4b00}
td.output{max-width:420px;white-space:pre-wrap;font-family:monospace;font-size:.75rem}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _html_table(header: list[str], rows: list[list[str]], *, table_id: str | None = None,
                classes: dict[int, str] | None = None) -> str:
    id_attr = f' id="{_esc(table_id)}"' if table_id else ""
    parts = [f"<table{id_attr}><thead><tr>", "".join(f"<th>{_esc(cell)}</th>" for cell in header), "</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = (classes or {}).get(index, "")
            lowered = cell.lower()
            if lowered.startswith("pass"):
                css = (css + " pass").strip()
            elif lowered.startswith("fail"):
                css = (css + " fail").strip()
            class_attr = f' class="{css}"' if css else ""
            cells.append(f"<td{class_attr}>{_esc(cell)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _padded(values: list[float]) -> list[float] | None:
    """An axis range with room around the points so their labels are not cut off."""
    if not values:
        return None
    low, high = min(values), max(values)
    pad = (high - low) * 0.2 or abs(high) * 0.2 or 0.1
    return [low - pad, high + pad]


def _figures(report: Report) -> list[tuple[str, Any]]:
    import plotly.graph_objects as go

    figures = []
    latency, privacy, quality = primary("latency"), primary("privacy"), primary("quality")
    for front, title, x_title in ((report.pareto_latency, "Quality vs latency", axis_title(latency)),
                                  (report.pareto_phi, "Quality vs PHI leakage", axis_title(privacy))):
        figure = go.Figure()
        models = list(front.points)
        figure.add_trace(go.Scatter(
            x=[front.points[m][0] for m in models], y=[front.points[m][1] for m in models], mode="markers+text",
            text=models, textposition="top center", name="models",
            marker={"size": 12, "color": ["#2a7" if m in front.front else "#999" for m in models]}))
        figure.add_trace(go.Scatter(
            x=[front.points[m][0] for m in front.front], y=[front.points[m][1] for m in front.front],
            mode="lines", name="Pareto front", line={"dash": "dash", "color": "#2a7"}))
        figure.update_traces(cliponaxis=False, selector={"mode": "markers+text"})
        figure.update_xaxes(range=_padded([front.points[m][0] for m in models]))
        figure.update_yaxes(range=_padded([front.points[m][1] for m in models]))
        figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=axis_title(quality),
                             margin={"l": 60, "r": 20, "t": 50, "b": 50})
        figures.append((f"chart-pareto-{front.cost_metric}", figure))
    bars = go.Figure()
    for model, rates in report.phi_by_label.items():
        bars.add_trace(go.Bar(name=model, x=report.phi_labels, y=[rates.get(label) for label in report.phi_labels]))
    bars.update_layout(title="PHI leakage by label", barmode="group", yaxis_title="leak rate",
                       yaxis_range=[0, 1.05], margin={"l": 60, "r": 20, "t": 50, "b": 80})
    figures.append(("chart-phi-by-label", bars))
    return figures


def _figure_div(figure: Any, div_id: str) -> str:
    """A figure as a ``<div>`` drawn by the page's one inlined plotly.js."""
    import plotly.io as pio

    return pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True}, default_width="100%", default_height="100%")


def _load_test_html(evidence: LoadEvidence, index: int, report: Report) -> str:
    """One load test: its settings and differences from the comparison, its curves, a table per model."""
    record = evidence.record
    settings, *differences = load_test_facts(evidence, report)
    parts = [f"<h3>Load test <code>{_esc(record.load_id)}</code></h3><p class=\"muted\">{_esc(settings)}</p>"]
    if differences:
        parts.append("<ul class=\"differs\">" + "".join(f"<li>{_esc(fact)}</li>" for fact in differences) + "</ul>")
    parts.append(f"<div class=\"chart load\">{_figure_div(load_sweep_figure(record), f'chart-load-{index}')}</div>")
    for sweep in record.models:
        parts.append(f"<h4>{_esc(sweep.model)}</h4>")
        facts = sweep_facts(sweep)
        if facts:
            parts.append(f"<p class=\"muted\">{_esc('; '.join(facts))}</p>")
        if sweep.levels:
            parts.append(_html_table(*load_level_rows(sweep)))
        parts.append(f"<p class=\"highest-level\">{_esc(highest_level_sentence(record, sweep))}</p>")
    return "<div class=\"load-test\">" + "".join(parts) + "</div>"


def _load_section(report: Report) -> str:
    """The "Under load" section: every load test given beside the comparison."""
    missing = without_load_test_sentence(report)
    return ("<section id=\"under-load\"><h2>Under load</h2>"
            f"<p class=\"muted\">{_esc(LOAD_SECTION_NOTE)}</p>"
            + (f"<p class=\"differs\">{_esc(missing)}</p>" if missing else "")
            + "".join(_load_test_html(evidence, index, report) for index, evidence in enumerate(report.load_tests))
            + "</section>")


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML page (plotly.js inlined once in the head, no network needed)."""
    from plotly.offline import get_plotlyjs

    rec = report.recommendation
    if rec.model:
        headline = f"Recommended: {rec.model}"
    else:
        headline = "No model passes all gates"
    sections = [
        f"<h1>Model comparison report</h1><p class=\"muted\">runs {_esc(', '.join(report.run_ids))} · evaluation set "
        f"<code>{_esc(report.evalset)}</code> v{_esc(report.evalset_version)} (<code>{_esc(report.evalset_hash)}</code>)"
        f" · prompt <code>{_esc(report.prompt)}</code> (<code>{_esc(report.prompt_hash)}</code>) · ROUGE tokenization "
        f"<code>{_esc(report.rouge_scheme)}</code> · gates from "
        f"{_esc(report.thresholds.source)}</p>",
        "<section id=\"recommendation\"><h2>Recommendation</h2>"
        f"<div class=\"recommendation {'ok' if rec.model else 'none'}\"><strong>{_esc(headline)}</strong><ul>"
        + "".join(f"<li>{_esc(reason)}</li>" for reason in rec.reasons) + "</ul></div>"
        + (f"<p class=\"muted\">Not finished (left out): {_esc(', '.join(report.missing_models))}</p>"
           if report.missing_models else "") + "</section>",
        "<section id=\"settings\"><h2>Settings and provenance</h2>" + _html_table(*settings_rows(report)) + "</section>",
        "<section id=\"leaderboard-section\"><h2>Leaderboard</h2><p class=\"muted\">Means with 95% bootstrap CIs over "
        f"cases; {_esc(ranking_rule_text())}.</p>" + _html_table(*leaderboard_rows(report), table_id="leaderboard")
        + "</section>",
        "<section id=\"gates\"><h2>Gates</h2>" + _html_table(*gate_rows(report)) + "</section>",
        "<section id=\"phi\"><h2>PHI leakage by label</h2><p class=\"muted\">Share of gold PHI items of each label "
        "found in the output.</p>" + _html_table(*phi_rows(report)) + "</section>",
        "<section id=\"latency\"><h2>Latency</h2><p class=\"muted\">Seconds unless named otherwise.</p>"
        + _html_table(*latency_rows(report)) + "</section>",
    ]
    charts = [f"<div class=\"chart\">{_figure_div(figure, div_id)}</div>" for div_id, figure in _figures(report)]
    sections.append("<section id=\"charts\"><h2>Charts</h2><p class=\"muted\">"
                    f"{_esc(pareto_sentence(report.pareto_latency))}<br>{_esc(pareto_sentence(report.pareto_phi))}"
                    "</p><div class=\"charts\">" + "".join(charts) + "</div></section>")
    if report.load_tests:
        sections.append(_load_section(report))
    if report.significance:
        significance = _html_table(*significance_rows(report))
    else:
        significance = "<p>Only one model: nothing to compare.</p>"
    sections.append("<section id=\"significance\"><h2>Paired significance (top two)</h2><p class=\"muted\">"
                    "Paired t interval of the per-case difference and the paired t-test from the same statistic (they "
                    "cannot disagree); p-values Holm-adjusted over every test of the comparison; fewer than "
                    f"{MIN_CASES_FOR_RANKING} shared cases is underpowered and separates nobody.</p>"
                    + significance + "</section>")
    sections.append("<section id=\"worst-cases\"><h2>Worst cases</h2><p class=\"muted\">"
                    f"Lowest {_esc(primary('quality').label)}, any failure, or any leaked "
                    "PHI; the row is the case's row in the model's MLflow <code>cases.json</code> table.</p>"
                    + _html_table(*worst_rows(report), classes={6: "output"}) + "</section>")
    title = f"Workbench report {', '.join(report.run_ids)}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(title)}</title><style>{_CSS}</style>"
            f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
            + "\n".join(sections) + "</body></html>\n")
