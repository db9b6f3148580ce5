"""A set's task decides its ranking rule: a coding set is ranked, gated and tabled on its coding scores, a summary
set on ROUGE-L and its sections, in every door (registry, CLI table, report, MLflow parent run, leaderboard)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench import api
from workbench.data.evalsets import load_evalset
from workbench.models.base import GenerationRequest
from workbench.models.scripted import register_script, unregister_script
from workbench.scoring.coding import CODING_TASK, TOOL_NAME, gold_codes
from workbench.scoring.registry import (
    SUMMARY_TASK, default_gates, headline_metrics, primary, ranking, ranking_key, ranking_rule_text,
)

CODING_SET = "clinical-coding-en"
CASES = 12  # at least MIN_CASES_FOR_RANKING, so the paired test may separate the two coders


def test_each_task_has_its_primary_quality_metric_gates_and_columns() -> None:
    assert primary("quality", SUMMARY_TASK).name == "rougeL" and primary("quality").name == "rougeL"
    assert primary("quality", CODING_TASK).name == "coding_f1"
    assert primary("privacy", CODING_TASK).name == primary("privacy").name  # privacy and latency do not change
    assert ranking(CODING_TASK) == ("failure_rate", "coding_f1", "phi_leak_rate", "e2e_p95_s")
    assert "Coding F1 (higher first)" in ranking_rule_text(CODING_TASK)
    assert "ROUGE-L" not in ranking_rule_text(CODING_TASK) and "ROUGE-L" in ranking_rule_text()

    coding_gates = {gate.metric for gate in default_gates(CODING_TASK)}
    summary_gates = {gate.metric for gate in default_gates(SUMMARY_TASK)}
    assert {"failure_rate", "phi_leak_rate", "e2e_p95_s", "coding_valid_call"} == coding_gates
    assert {"rougeL", "structure_compliance"} <= summary_gates and "coding_valid_call" not in summary_gates
    assert {gate.metric for gate in default_gates()} == summary_gates  # no task recorded: a summary set

    coding_columns = [item.name for item in headline_metrics([CODING_TASK])]
    assert coding_columns[:2] == ["failure_rate", "coding_valid_call"] and "coding_f1" in coding_columns
    assert not {"rougeL", "structure_compliance", "values_kept_rate"} & set(coding_columns)
    summary_columns = [item.name for item in headline_metrics([SUMMARY_TASK])]
    assert "rougeL" in summary_columns and not any(name.startswith("coding_") for name in summary_columns)
    both = [item.name for item in headline_metrics([SUMMARY_TASK, CODING_TASK])]
    assert set(both) == set(coding_columns) | set(summary_columns)
    assert [item.name for item in headline_metrics(["a-task-of-our-own"])] == summary_columns  # summary rules


def test_a_coding_rank_follows_coding_f1_not_rouge() -> None:
    better = {"failure_rate": 0.0, "coding_f1": 0.8, "rougeL": 0.1, "phi_leak_rate": 0.0, "e2e_p95_s": 3.0}
    worse = {"failure_rate": 0.0, "coding_f1": 0.4, "rougeL": 0.9, "phi_leak_rate": 0.0, "e2e_p95_s": 1.0}
    assert ranking_key(better, task=CODING_TASK) < ranking_key(worse, task=CODING_TASK)
    assert ranking_key(worse) < ranking_key(better)  # the summary rule would pick the other


def _gold_reply(request: GenerationRequest) -> dict:
    """A coder that calls record_diagnoses with the case's gold codes (read from the set, never from the prompt)."""
    case_id = request.request_id.rsplit(":", 1)[1]
    case = next(case for case in load_evalset(CODING_SET).cases if case.id == case_id)
    codes = [{"code": item.code, "description": item.description, "primary": item.primary}
             for item in gold_codes(case.metadata, case_id)]
    return {"tool_calls": [{"name": TOOL_NAME, "arguments": json.dumps({"codes": codes})}]}


def _text_reply(request: GenerationRequest) -> dict:
    """A coder that writes a fluent answer but calls no tool: it codes nothing."""
    return {"output": "Assessment: acute coronary syndrome. Plan: cardiology review."}


@pytest.fixture()
def coding_result(isolated_cwd: Path) -> api.EvaluationResult:
    from workbench import api

    register_script("test-gold-coder", _gold_reply)
    register_script("test-text-coder", _text_reply)
    try:
        (isolated_cwd / "models.yaml").write_text(
            "models:\n  gold-coder:\n    backend: scripted\n    model: test-gold-coder\n"
            "  text-coder:\n    backend: scripted\n    model: test-text-coder\n", encoding="utf-8")
        result = api.evaluate(["text-coder", "gold-coder"], CODING_SET, limit=CASES, runs_dir=isolated_cwd / "runs",
                              log_to_mlflow=False, show_progress=False, catalogue=[isolated_cwd / "models.yaml"])
    finally:
        unregister_script("test-gold-coder")
        unregister_script("test-text-coder")
    assert [row["model"] for row in result.rows()] == ["gold-coder", "text-coder"]
    assert "coding_f1" in result.rows()[0] and "rougeL" not in result.rows()[0]
    return result


@pytest.fixture()
def coding_run(coding_result: api.EvaluationResult) -> Path:
    return coding_result.run_dir


def test_the_ui_result_table_takes_the_columns_of_the_sets_it_shows(coding_result: api.EvaluationResult) -> None:
    from workbench.ui.app import result_headers, result_rows, result_tasks, table_update

    tasks = result_tasks([coding_result])
    headers, rows = result_headers(tasks), result_rows(coding_result, tasks)
    assert tasks == [CODING_TASK] and all(len(row) == len(headers) for row in rows)
    assert [row[1] for row in rows] == ["gold-coder", "text-coder"]
    assert rows[0][headers.index("Coding F1 ↑ [95% CI]")].startswith("1.000")
    assert not any(header.startswith("ROUGE-L") for header in headers)
    assert any(header.startswith("ROUGE-L") for header in result_headers())  # before any run: a summary's columns
    update = table_update(rows, headers, ["10%"] * len(headers))
    assert list(update["value"].columns) == headers and update["headers"] == headers


def test_the_report_of_a_coding_run_gates_and_ranks_on_coding_scores(coding_run: Path) -> None:
    from workbench.report.build import build_report
    from workbench.report.markdown import render_markdown

    report = build_report([coding_run])
    assert report.task == CODING_TASK and report.models == ["gold-coder", "text-coder"]
    assert {result.gate.metric for result in report.gates["gold-coder"]} == {
        gate.metric for gate in default_gates(CODING_TASK)}
    assert report.passes_all("gold-coder") and not report.passes_all("text-coder")
    assert report.recommendation.model == "gold-coder"
    reasons = " ".join(report.recommendation.reasons)
    assert "Coding F1 1.000" in reasons and "ROUGE-L" not in reasons
    assert "coding_valid_call ≥ 0.9 (got 0.000)" in report.recommendation.failures["text-coder"]
    assert report.significance and report.significance[0].metric  # the two coders are compared case by case
    assert [row.rank for row in report.leaderboard] == [1, 2]  # Coding F1 1.0 vs 0.0 over 12 cases separates them
    assert report.pareto_latency.quality_metric == "coding_f1"
    assert {case.quality for case in report.worst_cases["text-coder"]} == {0.0}  # its coding F1, case by case

    markdown = render_markdown(report)
    leaderboard = markdown.split("## Leaderboard", 1)[1].split("## Gates", 1)[0]
    assert "Coding F1" in leaderboard and "ROUGE-L" not in leaderboard
    assert "no model passes all gates" not in markdown


def test_the_cli_table_mlflow_and_the_leaderboard_rank_a_coding_run_on_coding_f1(coding_run: Path,
                                                                                  tmp_path: Path) -> None:
    from mlflow import MlflowClient

    from workbench.track.leaderboard import leaderboard_entries, leaderboard_headers, ranked_rows
    from workbench.track.mlflow_runs import log_comparison

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    logged = log_comparison(coding_run, tracking_uri=uri, experiment="coding", log_traces=False)
    parent = MlflowClient(uri).get_run(logged.parent_run_id).data
    assert parent.tags["workbench.first_ranked"] == "gold-coder"
    assert "Coding F1" in parent.tags["workbench.ranking_rule"]
    assert parent.metrics["coding_f1/gold-coder"] == 1.0 and "rougeL/gold-coder" not in parent.metrics

    entries = leaderboard_entries(tracking_uri=uri)
    assert {entry.task for entry in entries} == {CODING_TASK}
    headers = leaderboard_headers(entries)
    rows = ranked_rows(entries)
    assert [row[2] for row in rows] == ["gold-coder", "text-coder"] and [row[1] for row in rows] == ["1", "2"]
    assert rows[0][headers.index("Coding F1 ↑ [95% CI]")].startswith("1.000")
    assert not any(header.startswith("ROUGE-L") for header in headers)
