"""The report as one small self-contained HTML page: charts as inline SVG (no script, nothing fetched), every
text taken from runs escaped, readable at 1280 px and printable on A4."""

from __future__ import annotations

import html
import re
from typing import Any

from workbench.report.build import (
    GUARD_SECTION_NOTE, JUDGE_SECTION_NOTE, LOAD_SECTION_NOTE, REVIEW_SECTION_NOTE, LoadEvidence, MetricValue,
    ParetoFront, Report, guard_facts, guard_rows, highest_level_sentence, judge_facts, leaderboard_metrics,
    load_level_rows, load_test_facts, long_record_note, long_record_rows, review_facts, sweep_facts,
    without_load_test_sentence,
)
from workbench.review.tables import result_tables
from workbench.report.cells import (
    gate_rows, latency_rows, leaderboard_rows, pareto_sentence, phi_rows, settings_rows, significance_rows, worst_rows,
)
from workbench.report.colours import model_colours
from workbench.report.tables import (
    GUARD_HEADERS, JUDGE_HEADERS, JURY_HEADERS, PAIRWISE_HEADERS, agreement_sentence, guard_cells, judge_cells,
    jury_cells, pairwise_cells,
)
from workbench.report.figures import axis_title, load_sweep_svgs
from workbench.report.svg_charts import (
    FONT_FAMILY, MONOSPACE_FAMILY, BarSeries, IntervalRow, ScatterPoint, grouped_bar_chart, interval_chart,
    scatter_chart,
)
from workbench.scoring.registry import metric, primary, ranking_rule_text
from workbench.scoring.stats import MIN_CASES_FOR_RANKING

HASH_SHOWN_CHARS = 12  # hex digits of a hash shown in text; the full value is in its tooltip and under "Full hashes"
_HASH = re.compile(r"^(sha256:)?([0-9a-fA-F]{32,})$")
FRACTION_UNITS = ("fraction", "F-measure")
_VERDICT = re.compile(r"^(pass|fail)(?: \(|$)")  # a gate's cell: "pass", "FAIL (0.545)"

_CSS = f"""
body{{font-family:{FONT_FAMILY};margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem;
overflow-wrap:break-word;font-variant-ligatures:none}}
code,td.output,.hash-list dd{{font-family:{MONOSPACE_FAMILY}}}
h1{{margin-bottom:.2rem}}h2{{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}}
.table-scroll{{max-width:100%;overflow-x:auto}}
table{{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}}
th,td{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}}
th{{background:#f3f3f3}}td.pass{{background:#e6f4e6}}td.fail{{background:#fbe3e3}}
.recommendation{{padding:1rem;border-radius:6px;border:1px solid #9c9}}.recommendation.none{{border-color:#d99}}
.recommendation.ok{{background:#f0f8f0}}.recommendation.none{{background:#fdf0f0}}
.muted{{color:#555;font-size:.85rem}}code{{font-size:.85rem}}code.hash{{cursor:help}}
.charts{{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}}
figure.chart{{margin:0;max-width:100%;border:1px solid #eee}}
svg.svg-chart{{display:block;max-width:100%;height:auto}}
.differs{{color:#8a4b00}}
td.output{{max-width:420px;white-space:pre-wrap;font-size:.75rem}}
.hash-list{{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem;font-size:.8rem}}
.hash-list dt{{font-weight:600}}.hash-list dd{{margin:0;overflow-wrap:anywhere;user-select:all}}
@page{{size:A4 portrait;margin:12mm 10mm}}
@media print{{
html{{font-size:9pt}}body{{max-width:none;margin:0;padding:0;font-size:1rem}}
h2{{margin-top:1rem}}h2,h3,h4{{break-after:avoid}}
.table-scroll{{overflow:visible}}
table{{width:100%;font-size:.8rem;break-inside:avoid}}thead{{display:table-header-group}}
tr,figure.chart,.recommendation{{break-inside:avoid}}
th,td{{padding:.1rem .2rem}}td.output{{max-width:none;overflow-wrap:anywhere}}
.charts{{display:block}}figure.chart{{border:none;margin:0 0 .5rem}}
a[href]:not([href^="#"])::after{{content:" (" attr(href) ")";font-size:.8em;overflow-wrap:anywhere}}
}}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _hash(value: Any) -> str:
    """A long hash shortened to its first hex digits, the full value in the tooltip; other text escaped."""
    text = str(value)
    found = _HASH.match(text)
    if not found:
        return _esc(text)
    prefix, digits = found.group(1) or "", found.group(2)
    return f'<code class="hash" title="{_esc(text)}">{_esc(prefix + digits[:HASH_SHOWN_CHARS])}…</code>'


def _html_table(header: list[str], rows: list[list[str]], *, table_id: str | None = None,
                classes: dict[int, str] | None = None) -> str:
    """A table in its own horizontally scrolling box, so a wide table never widens the page."""
    id_attr = f' id="{_esc(table_id)}"' if table_id else ""
    parts = [f"<div class=\"table-scroll\"><table{id_attr}><thead><tr>",
             "".join(f"<th>{_esc(cell)}</th>" for cell in header), "</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = (classes or {}).get(index, "")
            verdict = _VERDICT.match(cell.lower())
            if verdict:
                css = (css + " " + verdict.group(1)).strip()
            class_attr = f' class="{css}"' if css else ""
            cells.append(f"<td{class_attr}>{_hash(cell)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _transposed(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """A table with one row per column of ``rows`` after the first: many figures of few models read down a
    page (and fit on A4) instead of across it."""
    return (["figure"] + [row[0] for row in rows],
            [[name] + [row[index] for row in rows] for index, name in enumerate(header) if index > 0])


def _chart(svg: str, chart_id: str, caption: str | None = None) -> str:
    figcaption = f"<figcaption class=\"muted\">{_esc(caption)}</figcaption>" if caption else ""
    return f"<figure class=\"chart\" id=\"{_esc(chart_id)}\">{svg}{figcaption}</figure>"


def report_colours(report: Report) -> dict[str, str]:
    """The report's one model → colour assignment, in the order the runs list the models."""
    return model_colours([*report.comparison_order, *report.models])


def _leaderboard_value(report: Report, model: str, name: str) -> MetricValue:
    row = next((row for row in report.leaderboard if row.model == model), None)
    return row.values.get(name, MetricValue(None)) if row is not None else MetricValue(None)


def interval_charts(report: Report) -> list[tuple[str, str]]:
    """One chart per leaderboard metric with an interval: each model's mean and its 95% interval."""
    colours = report_colours(report)
    charts = []
    for column in leaderboard_metrics(report.task):
        if not column.interval:
            continue
        rows = [IntervalRow(row.model, value.value, value.ci_low, value.ci_high, colours[row.model])
                for row in report.leaderboard for value in [row.values[column.name]]]
        charts.append((f"chart-interval-{column.name}", interval_chart(
            rows, title=f"{column.label}: mean and 95% interval", axis_label=axis_title(column),
            domain=(0.0, 1.0) if column.unit in FRACTION_UNITS else None, digits=column.digits)))
    return charts


def pareto_chart(report: Report, front: ParetoFront, title: str) -> str:
    """A Pareto front as a scatter: quality up, cost along, whiskers over the intervals both carry."""
    colours = report_colours(report)
    points = []
    for model, (cost, quality) in front.points.items():
        quality_value = _leaderboard_value(report, model, front.quality_metric)
        cost_value = _leaderboard_value(report, model, front.cost_metric)
        points.append(ScatterPoint(model, cost, quality, colours[model], x_low=cost_value.ci_low,
                                   x_high=cost_value.ci_high, y_low=quality_value.ci_low,
                                   y_high=quality_value.ci_high))
    return scatter_chart(points, title=title, x_label=axis_title(metric(front.cost_metric)),
                         y_label=axis_title(metric(front.quality_metric)), front=front.front)


def phi_label_chart(report: Report) -> str:
    colours = report_colours(report)
    privacy = primary("privacy")
    series = [BarSeries(model, [rates.get(label) for label in report.phi_labels], colours[model])
              for model, rates in report.phi_by_label.items()]
    return grouped_bar_chart(report.phi_labels, series, title=f"{privacy.label} by label",
                             axis_label="share of gold items leaked (lower is better)",
                             domain=(0.0, 1.0))


def _charts_section(report: Report) -> str:
    latency, privacy = primary("latency"), primary("privacy")
    charts = [_chart(svg, chart_id) for chart_id, svg in interval_charts(report)]
    charts.append(_chart(pareto_chart(report, report.pareto_latency, f"Quality vs latency ({latency.label})"),
                         f"chart-pareto-{report.pareto_latency.cost_metric}", pareto_sentence(report.pareto_latency)))
    charts.append(_chart(pareto_chart(report, report.pareto_phi, f"Quality vs {privacy.label}"),
                         f"chart-pareto-{report.pareto_phi.cost_metric}", pareto_sentence(report.pareto_phi)))
    charts.append(_chart(phi_label_chart(report), "chart-phi-by-label"))
    return ("<section id=\"charts\"><h2>Charts</h2><p class=\"muted\">Dots are means, whiskers their 95% "
            "intervals (the leaderboard's); each model keeps one colour in every chart. "
            f"{_esc(pareto_sentence(report.pareto_latency))}. {_esc(pareto_sentence(report.pareto_phi))}.</p>"
            "<div class=\"charts\">" + "".join(charts) + "</div></section>")


def _full_hashes(report: Report) -> str:
    """Every hash of the report in full, wrapping and selectable with one click (to copy)."""
    items = [("evaluation set", report.evalset_hash), ("prompt", report.prompt_hash)]
    for setting in report.settings:
        if setting.file_sha256:
            items.append((f"{setting.model} weights (sha256)", setting.file_sha256))
        if setting.revision and _HASH.match(str(setting.revision)):
            items.append((f"{setting.model} revision", setting.revision))
    for evidence in report.load_tests:
        items.append((f"load test {evidence.record.load_id} evaluation set", evidence.record.evalset_hash))
        items.append((f"load test {evidence.record.load_id} prompt", evidence.record.prompt_hash))
    rows = "".join(f"<dt>{_esc(name)}</dt><dd>{_esc(value)}</dd>" for name, value in items if value)
    return f"<section id=\"hashes\"><h2>Full hashes</h2><dl class=\"hash-list\">{rows}</dl></section>"


def _load_test_html(evidence: LoadEvidence, index: int, report: Report) -> str:
    """One load test: its settings and differences from the comparison, its curves, a table per model."""
    record = evidence.record
    settings, *differences = load_test_facts(evidence, report)
    parts = [f"<h3>Load test <code>{_esc(record.load_id)}</code></h3><p class=\"muted\">{_esc(settings)}</p>"]
    if differences:
        parts.append("<ul class=\"differs\">" + "".join(f"<li>{_esc(fact)}</li>" for fact in differences) + "</ul>")
    charts = "".join(_chart(svg, f"chart-load-{index}-{position}")
                     for position, svg in enumerate(load_sweep_svgs(record, colours=report_colours(report))))
    parts.append(f"<div class=\"charts load\" id=\"chart-load-{index}\">{charts}</div>")
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


def _guard_section(report: Report) -> str:
    """The "Guard verdicts" section: each guard's identity, how it was asked, and its verdicts per model."""
    parts = ["<section id=\"guard-verdicts\"><h2>Guard verdicts</h2>",
             f"<p class=\"muted\">{_esc(GUARD_SECTION_NOTE)}</p>"]
    for guard_run in report.guards:
        parts.append(f"<h3>{_esc(guard_run.guard)}</h3><ul>"
                     + "".join(f"<li>{_esc(fact)}</li>" for fact in guard_facts(guard_run)) + "</ul>")
        parts.append(_html_table(GUARD_HEADERS, [guard_cells(summary) for summary in guard_rows(guard_run)]))
    return "".join(parts) + "</section>"


def _judge_section(report: Report) -> str:
    """The "Judge scores" section: each judge's identity, rubric and scores; side-by-side outcomes; juries."""
    parts = ["<section id=\"judge-scores\"><h2>Judge scores</h2>", f"<p class=\"muted\">{_esc(JUDGE_SECTION_NOTE)}</p>"]
    for judged in report.judges:
        parts.append(f"<h3>{_esc(judged.judge)}</h3><ul>"
                     + "".join(f"<li>{_esc(fact)}</li>" for fact in judge_facts(judged)) + "</ul>")
        parts.append(_html_table(JUDGE_HEADERS, [judge_cells(summary) for summary in judged.summaries]))
    for compared in report.pairwise:
        parts.append(f"<h3>{_esc(compared.judge)}: side by side</h3>")
        parts.append(_html_table(PAIRWISE_HEADERS, [pairwise_cells(summary) for summary in compared.summaries]))
    for jury in report.juries:
        parts.append(f"<h3>Jury ({_esc(', '.join(jury.judges))})</h3><p>{_esc(agreement_sentence(jury.agreement))}</p>")
        parts.append(_html_table(JURY_HEADERS, [jury_cells(summary) for summary in jury.models]))
    return "".join(parts) + "</section>"


def _review_section(report: Report) -> str:
    """The "Clinician review" section: each task's progress, agreement, and per-model results once shown."""
    parts = ["<section id=\"clinician-review\"><h2>Clinician review</h2>",
             f"<p class=\"muted\">{_esc(REVIEW_SECTION_NOTE)}</p>"]
    for review in report.reviews:
        results = review.results
        parts.append(f"<h3>{_esc(results.kind.capitalize())} task {_esc(results.task_id)}</h3><ul>"
                     + "".join(f"<li>{_esc(fact)}</li>" for fact in review_facts(review)) + "</ul>")
        for table in result_tables(results, with_models=review.names_shown):
            parts.append(f"<h4>{_esc(table.title)}</h4>" + _html_table(table.headers, table.rows))
    return "".join(parts) + "</section>"


def _long_records_html(report: Report) -> str:
    """Each model's strategy for records over its context and, when any case was, the figures about them."""
    return (f"<h3>Long records</h3><p class=\"muted\">{_esc(long_record_note(report))}</p>"
            + _html_table(*long_record_rows(report), table_id="long-records"))


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML page (charts as inline SVG, no script, no network needed)."""
    rec = report.recommendation
    if rec.model:
        headline = f"Recommended: {rec.model}"
    else:
        headline = "No model passes all gates"
    sections = [
        f"<h1>Model comparison report</h1><p class=\"muted\">runs {_esc(', '.join(report.run_ids))} · evaluation set "
        f"<code>{_esc(report.evalset)}</code> v{_esc(report.evalset_version)} ({_hash(report.evalset_hash)})"
        f" · prompt <code>{_esc(report.prompt)}</code> ({_hash(report.prompt_hash)}) · ROUGE tokenization "
        f"<code>{_esc(report.rouge_scheme)}</code> · gates from "
        f"{_esc(report.thresholds.source)}</p>",
        "<section id=\"recommendation\"><h2>Recommendation</h2>"
        f"<div class=\"recommendation {'ok' if rec.model else 'none'}\"><strong>{_esc(headline)}</strong><ul>"
        + "".join(f"<li>{_esc(reason)}</li>" for reason in rec.reasons) + "</ul></div>"
        + (f"<p class=\"muted\">Not finished (left out): {_esc(', '.join(report.missing_models))}</p>"
           if report.missing_models else "") + "</section>",
        "<section id=\"settings\"><h2>Settings and provenance</h2>" + _html_table(*settings_rows(report))
        + _long_records_html(report) + "</section>",
        "<section id=\"leaderboard-section\"><h2>Leaderboard</h2><p class=\"muted\">Means with 95% bootstrap CIs over "
        f"cases; {_esc(ranking_rule_text(report.task))}.</p>" + _html_table(*leaderboard_rows(report), table_id="leaderboard")
        + "</section>",
        "<section id=\"gates\"><h2>Gates</h2>" + _html_table(*gate_rows(report)) + "</section>",
        "<section id=\"phi\"><h2>PHI leakage by label</h2><p class=\"muted\">Share of gold PHI items of each label "
        "found in the output.</p>" + _html_table(*phi_rows(report)) + "</section>",
        "<section id=\"latency\"><h2>Latency</h2><p class=\"muted\">Seconds unless named otherwise; one row per "
        "figure, one column per model.</p>" + _html_table(*_transposed(*latency_rows(report)), table_id="latency-table")
        + "</section>",
    ]
    sections.append(_charts_section(report))
    if report.load_tests:
        sections.append(_load_section(report))
    if report.guards:
        sections.append(_guard_section(report))
    if report.judges or report.pairwise:
        sections.append(_judge_section(report))
    if report.reviews:
        sections.append(_review_section(report))
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
                    f"Lowest {_esc(primary('quality', report.task).label)}, any failure, or any leaked "
                    "PHI; the row is the case's row in the model's MLflow <code>cases.json</code> table.</p>"
                    + _html_table(*worst_rows(report), classes={6: "output"}) + "</section>")
    sections.append(_full_hashes(report))
    title = f"Workbench report {', '.join(report.run_ids)}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(title)}</title><style>{_CSS}</style>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>"
            + "\n".join(sections) + "</body></html>\n")
