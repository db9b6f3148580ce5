"""Leaderboards and runs exported as CSV (UTF-8, Chinese intact) and JSON, columns from the metric registry."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SCRIPTED_CATALOGUE
from workbench import api, cli
from workbench.data.evalsets import load_evalset
from workbench.run.files import read_run_dir
from workbench.scoring.registry import all_metrics, ci_keys, primary
from workbench.track.export import (
    ExportError, csv_text, leaderboard_order, leaderboard_table, metric_columns, run_case_table, run_model_table,
    write_export,
)
from workbench.track.leaderboard import LeaderboardEntry, leaderboard_entries, ranked_rows

CASES = 2


@pytest.fixture()
def scripted_run(isolated_cwd: Path) -> Path:
    """A logged comparison of the two scripted models over the first cases of the Chinese smoke set."""
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    result = api.evaluate(["echo", "first"], "smoke-zh", limit=CASES, runs_dir=isolated_cwd / "runs",
                          tracking_uri=f"sqlite:///{isolated_cwd / 'mlflow.db'}", show_progress=False,
                          catalogue=[isolated_cwd / "models.yaml"])
    assert result.mlflow_parent_run_id and not result.errors
    return result.run_dir


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_metric_columns_are_label_and_key_from_the_registry_with_their_intervals() -> None:
    quality = primary("quality")
    low, high = ci_keys(quality.name)
    columns = metric_columns([{quality.name: 0.5, low: 0.4, high: 0.6}, {quality.name: None}])
    assert [(c.key, c.heading) for c in columns] == [
        (quality.name, f"{quality.label} ({quality.name})"), (low, f"{quality.label} 95% CI low ({low})"),
        (high, f"{quality.label} 95% CI high ({high})")]
    assert metric_columns([{"not-a-metric": 1.0}]) == []  # only declared metrics, never a second list


def test_run_export_csv_keeps_chinese_and_has_a_row_per_model_and_case(scripted_run: Path) -> None:
    out = api.export_run([scripted_run], scripted_run.parent / "export" / "cases.csv")
    assert out.read_bytes().startswith("\ufeff".encode("utf-8"))  # spreadsheets read it as UTF-8
    rows = _csv(out)
    cases = load_evalset("smoke-zh").head(CASES).cases
    assert [(row["model"], row["case"]) for row in rows] == [(m, c.id) for m in ("echo", "first") for c in cases]
    echo = {row["case"]: row for row in rows if row["model"] == "echo"}
    for case in cases:
        assert case.source[:30] in echo[case.id]["output"]  # Chinese intact, byte for byte
    run = read_run_dir(scripted_run)
    scores = run.evaluations[0].scores_by_case()
    quality = primary("quality")
    column = f"{quality.label} ({quality.name})"
    assert float(echo[cases[0].id][column]) == pytest.approx(scores[cases[0].id].value(quality.name))
    assert all(row["evalset hash"] == run.manifest.evalset_hash for row in rows)


def test_run_export_json_holds_the_model_rows_and_the_case_rows(scripted_run: Path) -> None:
    out = api.export_run([scripted_run], scripted_run.parent / "export" / "run.json", export_format="json")
    document = json.loads(out.read_text(encoding="utf-8"))
    run = read_run_dir(scripted_run)
    assert document["runs"] == [run.manifest.run_id]
    assert [row["model"] for row in document["models"]] == ["echo", "first"]
    for row, evaluation in zip(document["models"], run.evaluations):
        assert row["cases"] == CASES and isinstance(row["cases"], int)
        assert row[primary("quality").name] == pytest.approx(evaluation.summary.metrics[primary("quality").name])
        assert row["status"] == "ok"
    assert len(document["cases"]) == 2 * CASES
    assert document["metrics"][primary("quality").name]["label"] == primary("quality").label
    assert set(document["metrics"]) <= {item.name for item in all_metrics()}


def test_leaderboard_export_follows_the_leaderboard_rows(scripted_run: Path, isolated_cwd: Path) -> None:
    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    entries = leaderboard_entries(tracking_uri=uri)
    table = leaderboard_table(entries)
    shown = ranked_rows(entries)
    assert [(row[0], row[1], row[2], row[3]) for row in shown] == \
        [tuple(row[:4]) for row in table.rows]
    assert table.column("mlflow_run_id") == [entry.mlflow_run_id for entry in leaderboard_order(entries)]
    text = csv_text(table)
    assert text.splitlines()[0].startswith("group,rank,model,run,MLflow run,evalset")
    path = write_export(isolated_cwd / "lb.json", "json", [table], filters={"evalset": None})
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [row["model"] for row in document["leaderboard"]] == [row[2] for row in shown]
    assert document["filters"] == {"evalset": None}


def test_leaderboard_export_of_entries_in_two_groups_keeps_group_order() -> None:
    def entry(model: str, group_hash: str, started: int, quality: float) -> LeaderboardEntry:
        return LeaderboardEntry(mlflow_run_id=model + group_hash, parent_run_id=None, run_id="run", run_dir=None,
                                started_ms=started, model=model, evalset="set", evalset_version="1",
                                evalset_hash=group_hash, prompt="p@1", prompt_uri="", cases=4, error=None,
                                metrics={primary("quality").name: quality, "failure_rate": 0.0})

    entries = [entry("a", "sha256:" + "1" * 64, 3, 0.2), entry("b", "sha256:" + "1" * 64, 2, 0.6),
               entry("c", "sha256:" + "2" * 64, 1, 0.5)]
    table = leaderboard_table(entries)
    assert table.column("model") == ["b", "a", "c"]
    assert table.column("model") == [row[2] for row in ranked_rows(entries)]


def test_unknown_format_and_nothing_to_export_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="--format must be one of csv, json"):
        write_export(tmp_path / "x.xlsx", "xlsx", [run_model_table([])])
    with pytest.raises(ExportError, match="nothing to export"):
        write_export(tmp_path / "x.csv", "csv", [])
    assert run_case_table([]).rows == []


def test_cli_export_and_leaderboard_csv_json(scripted_run: Path, isolated_cwd: Path) -> None:
    runner = CliRunner()
    exported = runner.invoke(cli.app, ["export", str(scripted_run), "--format", "csv", "--out", "out/cases.csv"])
    assert exported.exit_code == 0, exported.output
    assert len(_csv(isolated_cwd / "out" / "cases.csv")) == 2 * CASES
    as_json = runner.invoke(cli.app, ["export", str(scripted_run), "--format", "json", "--out", "out/run.json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads((isolated_cwd / "out" / "run.json").read_text(encoding="utf-8"))["models"]
    wrong = runner.invoke(cli.app, ["export", str(scripted_run), "--format", "xlsx", "--out", "x"])
    assert wrong.exit_code == 2 and "--format" in wrong.output

    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    board = runner.invoke(cli.app, ["leaderboard", "--tracking-uri", uri, "--csv", "out/lb.csv", "--json",
                                    "out/lb.json"])
    assert board.exit_code == 0, board.output
    assert "echo" in board.output and "csv: " in board.output and "json: " in board.output
    rows = _csv(isolated_cwd / "out" / "lb.csv")
    assert {row["model"] for row in rows} == {"echo", "first"} and all(row["evalset"] == "smoke-zh" for row in rows)
    assert json.loads((isolated_cwd / "out" / "lb.json").read_text(encoding="utf-8"))["leaderboard"]
