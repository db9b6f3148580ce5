"""The report as a markdown summary: the same tables as the HTML page, the charts' Pareto fronts in words."""

from __future__ import annotations

from workbench.report.build import (
    GUARD_SECTION_NOTE, JUDGE_SECTION_NOTE, LOAD_SECTION_NOTE, REVIEW_SECTION_NOTE, LoadEvidence, Report, guard_facts,
    guard_rows, highest_level_sentence, judge_facts, load_level_rows, load_test_facts, long_record_note,
    long_record_rows, review_facts, sweep_facts, without_load_test_sentence,
)
from workbench.report.cells import (
    gate_rows, latency_rows, leaderboard_rows, pareto_sentence, phi_rows, settings_rows, significance_rows, worst_rows,
)
from workbench.report.tables import (
    GUARD_HEADERS, JUDGE_HEADERS, JURY_HEADERS, PAIRWISE_HEADERS, agreement_sentence, guard_cells, judge_cells,
    jury_cells, pairwise_cells,
)
from workbench.review.tables import result_tables
from workbench.scoring.registry import primary, ranking_rule_text


def _md_cell(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(cell) for cell in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _load_test_lines(evidence: LoadEvidence, report: Report) -> list[str]:
    """One load test: its settings and differences from the comparison, a table and a sentence per model."""
    record = evidence.record
    settings, *differences = load_test_facts(evidence, report)
    lines = [f"### Load test {_md_cell(record.load_id)}", "", _md_cell(settings), ""]
    if differences:
        lines += [*[f"- **{_md_cell(fact)}**" for fact in differences], ""]
    for sweep in record.models:
        lines += [f"#### {_md_cell(sweep.model)}", ""]
        facts = sweep_facts(sweep)
        if facts:
            lines += [_md_cell("; ".join(facts)), ""]
        if sweep.levels:
            lines += [_md_table(*load_level_rows(sweep)), ""]
        lines += [_md_cell(highest_level_sentence(record, sweep)), ""]
    return lines


def _load_lines(report: Report) -> list[str]:
    """The "Under load" section, or nothing when no load test was given."""
    if not report.load_tests:
        return []
    missing = without_load_test_sentence(report)
    lines = ["## Under load", "", LOAD_SECTION_NOTE, ""] + ([f"**{_md_cell(missing)}**", ""] if missing else [])
    for evidence in report.load_tests:
        lines += _load_test_lines(evidence, report)
    return lines


def _guard_lines(report: Report) -> list[str]:
    """The "Guard verdicts" section, or nothing when no guard judged the outputs."""
    if not report.guards:
        return []
    lines = ["## Guard verdicts", "", GUARD_SECTION_NOTE, ""]
    for guard_run in report.guards:
        lines += [f"### {_md_cell(guard_run.guard)}", "", *[f"- {_md_cell(fact)}" for fact in guard_facts(guard_run)],
                  "", _md_table(GUARD_HEADERS, [guard_cells(summary) for summary in guard_rows(guard_run)]), ""]
    return lines


def _judge_lines(report: Report) -> list[str]:
    """The "Judge scores" section, or nothing when no judge graded the outputs."""
    if not (report.judges or report.pairwise):
        return []
    lines = ["## Judge scores", "", JUDGE_SECTION_NOTE, ""]
    for judged in report.judges:
        lines += [f"### {_md_cell(judged.judge)}", "", *[f"- {_md_cell(fact)}" for fact in judge_facts(judged)], "",
                  _md_table(JUDGE_HEADERS, [judge_cells(summary) for summary in judged.summaries]), ""]
    for compared in report.pairwise:
        lines += [f"### {_md_cell(compared.judge)}: side by side", "",
                  _md_table(PAIRWISE_HEADERS, [pairwise_cells(summary) for summary in compared.summaries]), ""]
    for jury in report.juries:
        lines += [f"### Jury ({_md_cell(', '.join(jury.judges))})", "", _md_cell(agreement_sentence(jury.agreement)),
                  "", _md_table(JURY_HEADERS, [jury_cells(summary) for summary in jury.models]), ""]
    return lines


def _review_lines(report: Report) -> list[str]:
    """The "Clinician review" section, or nothing when no review task exists for the runs."""
    if not report.reviews:
        return []
    lines = ["## Clinician review", "", REVIEW_SECTION_NOTE, ""]
    for review in report.reviews:
        results = review.results
        lines += [f"### {_md_cell(results.kind.capitalize())} task {_md_cell(results.task_id)}", "",
                  *[f"- {_md_cell(fact)}" for fact in review_facts(review)], ""]
        for table in result_tables(results, with_models=review.names_shown):
            lines += [f"**{_md_cell(table.title)}**", "", _md_table(table.headers, table.rows), ""]
    return lines


def render_markdown(report: Report) -> str:
    """The same content as :func:`render_html`, as a markdown summary (no charts, their Pareto fronts in words)."""
    rec = report.recommendation
    headline = f"**Recommended: {rec.model}**" if rec.model else "**No model passes all gates**"
    parts = [
        "# Model comparison report", "",
        f"Runs {', '.join(report.run_ids)} · evaluation set `{report.evalset}` v{report.evalset_version} "
        f"(`{report.evalset_hash}`) · prompt `{report.prompt}` (`{report.prompt_hash}`) · ROUGE tokenization "
        f"`{report.rouge_scheme}` · gates from "
        f"{report.thresholds.source}", "",
        "## Recommendation", "", headline, "", *[f"- {_md_cell(reason)}" for reason in rec.reasons], "",
    ]
    if report.missing_models:
        parts += [f"Not finished (left out): {', '.join(report.missing_models)}", ""]
    parts += ["## Settings and provenance", "", _md_table(*settings_rows(report)), "",
              "### Long records", "", _md_cell(long_record_note(report)), "", _md_table(*long_record_rows(report)), "",
              "## Leaderboard", "", f"Means with 95% bootstrap CIs over cases; {ranking_rule_text(report.task)}.", "",
              _md_table(*leaderboard_rows(report)), "",
              "## Gates", "", _md_table(*gate_rows(report)), "",
              "## PHI leakage by label", "", _md_table(*phi_rows(report)), "",
              "## Latency", "", _md_table(*latency_rows(report)), "",
              "## Pareto fronts", "", f"- {pareto_sentence(report.pareto_latency)}",
              f"- {pareto_sentence(report.pareto_phi)}", "",
              *_load_lines(report),
              *_guard_lines(report),
              *_judge_lines(report),
              *_review_lines(report),
              "## Paired significance (top two)", "",
              _md_table(*significance_rows(report)) if report.significance else "Only one model: nothing to compare.",
              "", "## Worst cases", "",
              f"Lowest {primary('quality', report.task).label}, any failure, or any leaked PHI; the row is the case's row in the "
              "model's MLflow `cases.json` table.", "",
              _md_table(*worst_rows(report)), ""]
    return "\n".join(parts)
