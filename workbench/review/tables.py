"""A review task's results as titled tables of text: the one layout the CLI, the UI and the report show."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.review.results import ReviewResults, question_label


@dataclass(frozen=True)
class ResultTable:
    title: str
    headers: list[str]
    rows: list[list[str]]


def number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def interval(low: float | None, high: float | None, digits: int = 2) -> str:
    return "—" if low is None or high is None else f"[{low:.{digits}f}, {high:.{digits}f}]"


def agreement_table(results: ReviewResults) -> ResultTable:
    rows = [[question_label(figure.question), figure.statistic, number(figure.value), str(figure.units),
             str(figure.ratings)] for figure in results.agreement]
    return ResultTable("Agreement between reviewers", ["Question", "Statistic", "Value", "Items rated twice or more",
                                                        "Ratings"], rows)


def model_tables(results: ReviewResults) -> list[ResultTable]:
    """Per-model results (these name the models: show them only when the task allows it)."""
    if results.kind == "pairwise":
        rows = [[row.model, question_label(row.question), str(row.wins), str(row.ties), str(row.losses),
                 number(row.win_rate), interval(row.ci_low, row.ci_high)] for row in results.win_rates]
        return [ResultTable("Clinicians' preferences (win rate: wins over wins and losses, 95% Wilson interval)",
                            ["Model", "Question", "Wins", "Ties", "Losses", "Win rate", "95% CI"], rows)]
    means = [[row.model, question_label(row.question), number(row.mean), interval(row.ci_low, row.ci_high),
              str(row.answers)] for row in results.likert_means]
    flags = [[row.model, question_label(row.flag), f"{row.flagged}/{row.answers}", number(row.share),
              interval(row.ci_low, row.ci_high)] for row in results.flag_shares]
    return [ResultTable("Clinicians' Likert scores (1–5, mean with 95% bootstrap interval)",
                        ["Model", "Question", "Mean", "95% CI", "Answers"], means),
            ResultTable("Outputs flagged by clinicians (95% Wilson interval)",
                        ["Model", "Flag", "Flagged", "Share", "95% CI"], flags)]


def correlation_table(results: ReviewResults) -> ResultTable:
    ranked = sorted(results.correlations, key=lambda row: (row.rho is None, -(row.rho or 0.0)))
    rows = [[row.label, row.score, number(row.rho), interval(row.ci_low, row.ci_high), str(row.n)] for row in ranked]
    return ResultTable("Which automatic score tracks the clinicians (Spearman's ρ, + agrees with them, 95% CI)",
                       ["Score", "Name", "ρ", "95% CI", "Outputs" if results.kind == "likert" else "Pairs"], rows)


def result_tables(results: ReviewResults, *, with_models: bool) -> list[ResultTable]:
    """Agreement, then (when ``with_models``) the per-model tables and the score correlations."""
    tables = [agreement_table(results)]
    if with_models:
        tables += [*model_tables(results), correlation_table(results)]
    return tables


def progress_line(results: ReviewResults) -> str:
    return (f"{results.kind} task {results.task_id} on run {results.run_id} ({results.evalset}): "
            f"{results.answered} of {results.assigned} answers from {len(results.reviewers)} reviewer(s)"
            + ("" if results.complete else " — not complete"))
