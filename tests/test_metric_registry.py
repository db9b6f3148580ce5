"""One list of metrics and one ranking rule: a new scorer shows in every door, the leaderboard and the
report agree on who is first, and run files say which schema they hold."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from tests.conftest import SCRIPTED_CATALOGUE
from workbench import cli
from workbench.report.build import build_report
from workbench.report.html import render_html
from workbench.report.markdown import render_markdown
from workbench.run.files import RunDirectoryError, read_run_dir
from workbench.scoring.registry import (
    Kind, Metric, MetricError, Scorer, all_metrics, metric, ranking_key, register_scorer, unregister_scorer,
)
from workbench.track.leaderboard import leaderboard_entries, ranked_rows

WORDS = Metric("output_words", "Output words", "words in the output", "words", None, "quality", interval=True,
               headline=True)


def _words(context: object) -> dict[str, float]:
    return {"output_words": float(len(getattr(context, "output").split()))}


@pytest.fixture
def scripted_run(isolated_cwd: Path) -> tuple[Path, str, str]:
    """Two scripted models over two cases through the CLI, with an extra scorer registered."""
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    register_scorer(Scorer("words", (WORDS,), _words))
    try:
        uri = f"sqlite:///{isolated_cwd / 'mlruns' / 'mlflow.db'}"
        result = CliRunner().invoke(cli.app, ["run", "-m", "echo", "-m", "first", "-e", "smoke-en", "--limit", "2",
                                              "--no-progress", "--tracking-uri", uri])
        assert result.exit_code == 0, result.output
        run_dir = Path(re.search(r"^records: (.+)$", result.output, re.M).group(1))  # type: ignore[union-attr]
        yield isolated_cwd / run_dir if not run_dir.is_absolute() else run_dir, uri, result.output
    finally:
        unregister_scorer("words")


def test_a_registered_scorer_shows_in_the_cli_table_the_report_and_mlflow(scripted_run: tuple[Path, str, str]) -> None:
    run_dir, uri, output = scripted_run
    header = next(line for line in output.splitlines() if line.startswith("rank  model "))
    assert "Output words [95% CI]" in header

    files = read_run_dir(run_dir)
    for evaluation in files.evaluations:
        words = [score.value("output_words") for score in evaluation.scores]
        assert all(value is not None and value > 0 for value in words)
        assert evaluation.summary.metrics["output_words"] == pytest.approx(sum(words) / len(words))
        assert evaluation.summary.metrics["output_words_ci_low"] <= evaluation.summary.metrics["output_words"]

    report = build_report([run_dir])
    assert "Output words" in render_markdown(report) and "Output words" in render_html(report)
    assert all(row.values["output_words"].value for row in report.leaderboard)

    client = MlflowClient(uri)
    children = client.search_runs([e.experiment_id for e in client.search_experiments()],
                                  "tags.`workbench.kind` = 'evaluation'")
    assert len(children) == 2
    for child in children:
        assert "output_words" in child.data.metrics and "ci.output_words" in child.data.params


def test_the_leaderboard_and_the_report_rank_the_same_way(scripted_run: tuple[Path, str, str]) -> None:
    run_dir, uri, output = scripted_run
    report = build_report([run_dir])
    entries = leaderboard_entries(tracking_uri=uri)
    leaderboard_order = [row[2] for row in ranked_rows(entries)]
    assert leaderboard_order == [row.model for row in report.leaderboard]
    table_order = [line.split()[1] for line in output.splitlines() if line.split()[1:2] in (["echo"], ["first"])]
    assert table_order == leaderboard_order
    # The copied note leaks every identifier: it must not rank first when its quality is no better.
    by_model = {e.model: e for e in entries}
    assert ranking_key(by_model[leaderboard_order[0]].metrics) <= ranking_key(by_model[leaderboard_order[1]].metrics)


def test_a_failed_evaluation_ranks_last_whatever_its_scores() -> None:
    good = {"rougeL": 0.1, "phi_leak_rate": 0.5, "e2e_p95_s": 9.0}
    perfect_but_failed = {"rougeL": 0.9, "phi_leak_rate": 0.0, "e2e_p95_s": 1.0}
    assert ranking_key(good) < ranking_key(perfect_but_failed, failed=True)
    assert ranking_key({"rougeL": 0.5, "phi_leak_rate": 0.0}) < ranking_key({"rougeL": 0.5, "phi_leak_rate": 0.2})


def test_every_metric_is_declared_with_what_a_reader_needs() -> None:
    for item in all_metrics():
        assert item.label and item.definition and item.kind in get_args(Kind)
        assert item.direction in ("higher", "lower", None)
        if item.gate is not None:
            assert item.gate.metric == item.name and item.direction is not None
    with pytest.raises(MetricError, match="unknown metric 'rogueL'; known metrics: .*rougeL"):
        metric("rogueL")
    with pytest.raises(MetricError, match="already declared"):
        register_scorer(Scorer("again", (Metric("rougeL", "x", "y", "z", "higher", "quality"),), _words))


def test_run_files_say_their_schema_and_a_newer_one_is_refused(scripted_run: tuple[Path, str, str]) -> None:
    run_dir, _, _ = scripted_run
    manifest_path = run_dir / "run.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 2
    record = json.loads((run_dir / "echo" / "records.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert record["schema_version"] == 2

    del manifest["schema_version"]  # as written before the field existed: version 1, read as it is
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert read_run_dir(run_dir).manifest.schema_version == 1

    manifest["schema_version"] = 7
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(RunDirectoryError, match=r"run.json: written with run-file schema version 7; .*upgrade"):
        read_run_dir(run_dir)

    summary_path = run_dir / "first" / "evaluation.json"
    manifest["schema_version"] = 2
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    del summary["evalset_hash"]
    summary_path.write_text(json.dumps(summary), encoding="utf-8")
    with pytest.raises(RunDirectoryError, match=r"first/evaluation.json: not a valid EvaluationSummary: evalset_hash"):
        read_run_dir(run_dir)


SCHEMA_1_RUN = Path(__file__).resolve().parent / "data" / "run-schema-1"


def test_a_run_written_before_schema_versions_is_read_reported_shown_and_logged(tmp_path: Path) -> None:
    """``tests/data/run-schema-1`` was written by the workbench before run files carried ``schema_version``."""
    import shutil

    from workbench.track.mlflow_runs import log_comparison
    from workbench.run.run_cases import load_run_cases

    run_dir = tmp_path / SCHEMA_1_RUN.name
    shutil.copytree(SCHEMA_1_RUN, run_dir)
    files = read_run_dir(run_dir)
    assert files.manifest.schema_version == 1 and files.evaluations[0].summary.schema_version == 1
    assert [record.case_id for record in files.evaluations[0].records] == ["en-ed-chest-pain", "en-discharge-pneumonia"]
    report = build_report([run_dir])
    assert report.leaderboard[0].model == "smollm2-135m" and "smollm2-135m" in render_markdown(report)
    cases = load_run_cases(run_dir)
    assert len(cases.ordered()) == 2 and cases.view(cases.ordered()[0].case_id).outputs[0].output
    logged = log_comparison(run_dir, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    child = MlflowClient(logged.tracking_uri).get_run(logged.child_run_ids["smollm2-135m"])
    assert child.data.params["run_file_schema"] == "1" and "rougeL" in child.data.metrics


def test_a_whole_count_reads_as_a_whole_number_and_a_mean_count_keeps_its_decimals() -> None:
    assert metric("phi_leaked_items").format(9.0) == "9"  # counts come back from JSON as floats
    assert metric("phi_leaked_items").format(9) == "9"
    assert metric("phi_detected_copied").format(1.5) == "1.500"  # a mean over cases
    assert metric("rougeL").format(1.0) == "1.000"  # not a count
