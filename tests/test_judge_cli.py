"""`workbench judge` on an existing run: two scripted judges of other families, a jury, pairwise in both orders;
their figures in the evaluation's metrics and in the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SCRIPTED_CATALOGUE
from workbench import api, cli
from workbench.judges.rubrics import rubric_for_set
from workbench.run.files import model_directory, read_summary

PASSING = '{"met": true, "justification": "the criterion holds"}'
FAILING = '{"met": false, "justification": "the criterion does not hold"}'


@pytest.fixture()
def judged_run(isolated_cwd: Path) -> Path:
    rubric = rubric_for_set("smoke-en")
    # judge-a says every criterion holds; judge-b says none does, except a reply it gets wrong for one item
    replies_a = {item.id: PASSING for item in rubric.items}
    replies_b = {item.id: FAILING for item in rubric.items} | {rubric.items[0].id: "I think so."}
    for name, replies in (("judge-a", replies_a), ("judge-b", replies_b)):
        (isolated_cwd / f"{name}.json").write_text(json.dumps(replies), encoding="utf-8")
    (isolated_cwd / "pairs.json").write_text(json.dumps({"en-ed-chest-pain": '{"better": "1"}',
                                                         "en-discharge-pneumonia": '{"better": "1"}'}),
                                             encoding="utf-8")
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE + f"""  judge-a:
    backend: scripted
    path: {isolated_cwd / 'judge-a.json'}
    family: Alpha
  judge-b:
    backend: scripted
    path: {isolated_cwd / 'judge-b.json'}
    family: Beta
  judge-pairs:
    backend: scripted
    path: {isolated_cwd / 'pairs.json'}
    family: Gamma
""", encoding="utf-8")
    result = api.evaluate(["echo", "first"], "smoke-en", limit=2, runs_dir=isolated_cwd / "runs", log_to_mlflow=False,
                          show_progress=False, catalogue=[isolated_cwd / "models.yaml"])
    return result.run_dir


def test_judges_a_jury_and_pairwise_through_the_cli(judged_run: Path, isolated_cwd: Path) -> None:
    outcome = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-a", "--judge", "judge-b"])
    assert outcome.exit_code == 0, outcome.output
    assert "rubric clinical-summary-en@1" in outcome.output and "jury of 2 judges" in outcome.output
    assert "Krippendorff's α" in outcome.output
    metrics_a = read_summary(model_directory(judged_run, "echo")).metrics
    assert metrics_a["judge_unparsed_rate"] == pytest.approx(1 / len(rubric_for_set("smoke-en").items))  # judge-b's
    pairs = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-pairs", "--pairwise",
                                         "--rubric", "clinical-summary-en@1"])
    assert pairs.exit_code == 0, pairs.output
    assert "A wins / B wins / ties" in pairs.output
    row = next(line for line in pairs.output.splitlines() if line.startswith("echo ") and "first" in line)
    assert "0 / 0 / 2" in row  # the judge always prefers what it reads first: both orders disagree, so ties


def test_a_judge_of_a_candidates_family_and_an_unknown_rubric_are_refused(judged_run: Path, isolated_cwd: Path) -> None:
    with (isolated_cwd / "models.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  echo-judge:\n    backend: scripted\n    model: echo-source\n    family: echo\n")
    refused = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "echo-judge"])
    assert refused.exit_code == 2 and "--allow-same-family" in refused.output
    unknown = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-a", "--rubric", "nope@3"])
    assert unknown.exit_code == 2 and "nope" in unknown.output


def test_the_report_names_each_judge_its_rubric_and_shows_scores_pairs_and_the_jury(judged_run: Path,
                                                                                   isolated_cwd: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-a", "--judge", "judge-b"]).exit_code == 0
    assert runner.invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-pairs", "--pairwise"]).exit_code == 0
    summary = api.report([judged_run], out_dir=isolated_cwd / "report")
    page = summary.html_path.read_text(encoding="utf-8")
    assert 'id="judge-scores"' in page
    assert "judge judge-a (Alpha family) graded with rubric clinical-summary-en@1" in page
    assert "Jury (judge-a, judge-b, judge-pairs)" in page and "Krippendorff" in page  # one rubric: one jury
    assert "judge-pairs: side by side" in page
    assert "1.000 [" in page or "<td>1.000</td>" in page  # judge-a: every criterion met, must-nots too: clipped
    markdown = (isolated_cwd / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Judge scores" in markdown and "A wins / B wins / ties" in markdown


def test_rubric_verdicts_reach_mlflow_as_judge_assessments_and_the_score_as_a_run_metric(judged_run: Path,
                                                                                         isolated_cwd: Path) -> None:
    from mlflow import MlflowClient

    from workbench.track.mlflow_runs import log_comparison

    assert CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-b"]).exit_code == 0
    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    logged = log_comparison(judged_run, tracking_uri=uri)
    client = MlflowClient(uri)
    first_item, *other_items = rubric_for_set("smoke-en").items
    traces = list(client.search_traces(locations=[logged.experiment_id], run_id=logged.child_run_ids["echo"],
                                       max_results=10))
    assert len(traces) == 2
    for trace in traces:
        rubric = {item.name: item for item in trace.info.assessments if item.name.startswith("rubric/")}
        assert rubric[f"rubric/{first_item.id}"].value == "unparsed"
        assert {rubric[f"rubric/{item.id}"].value for item in other_items} == {False}
        verdict = rubric[f"rubric/{other_items[0].id}"]
        assert verdict.source.source_type == "LLM_JUDGE" and verdict.source.source_id == "judge-b"
        assert verdict.rationale == "the criterion does not hold" and verdict.metadata["rubric"] == "clinical-summary-en@1"
    metrics = client.get_run(logged.child_run_ids["echo"]).data.metrics
    assert "judge_rubric_score" in metrics and metrics["judge_unparsed_rate"] == pytest.approx(1 / 8)
    # the instruction the judge was asked with is a registered prompt version, linked to the comparison run
    tags = client.get_run(logged.parent_run_id).data.tags
    assert tags["workbench.judge_prompts"] == "prompts:/rubric-item/1"
    from workbench.judges.rubric_judge import RUBRIC_INSTRUCTION

    registered = client.load_prompt("prompts:/rubric-item/1")
    assert registered.template == [{"role": "user", "content": RUBRIC_INSTRUCTION}]


def test_the_cases_tab_shows_each_judges_unsatisfied_criteria_with_the_justification(judged_run: Path,
                                                                                     isolated_cwd: Path) -> None:
    from types import SimpleNamespace

    from workbench.privacy.audit import AuditLog
    from workbench.ui import app as ui_app

    assert CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-b"]).exit_code == 0
    config = ui_app.UIConfig(runs_dir=judged_run.parent, tracking_uri=f"sqlite:///{isolated_cwd / 'mlflow.db'}",
                             audit=AuditLog(isolated_cwd / "audit.jsonl"))
    shown = ui_app.show_case(config, str(judged_run), "en-ed-chest-pain", SimpleNamespace(username=None, session_hash="s"))
    title = next(part for part in shown[4:] if isinstance(part, str) and part.startswith("### echo"))
    items = rubric_for_set("smoke-en").items
    must_nots = sum(1 for item in items if item.must_not)  # judge-b says "not met" to all: must-nots are satisfied
    assert f"judge judge-b: {must_nots} of {len(items)} criteria satisfied" in title
    assert f"- unparsed: {items[0].id}" in title
    assert f"- not satisfied: {items[1].id} — the criterion does not hold" in title


def test_workbench_run_with_judges_grades_before_logging(judged_run: Path, isolated_cwd: Path) -> None:
    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    ran = CliRunner().invoke(cli.app, ["run", "-m", "echo", "-m", "first", "-e", "smoke-en", "--limit", "2",
                                       "--judge", "judge-a", "--judge", "judge-b", "--tracking-uri", uri,
                                       "--no-traces", "--no-progress"])
    assert ran.exit_code == 0, ran.output
    (newest,) = [path for path in (isolated_cwd / "runs").iterdir()  # the run this command made (two runs in one
                 if (path / "run.json").is_file() and path.resolve() != judged_run.resolve()]  # second sort by chance)
    assert sorted(path.name for path in newest.glob("judge-*.json")) == ["judge-judge-a.json", "judge-judge-b.json"]
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()],
                              "tags.`workbench.kind` = 'evaluation'")
    assert all("judge_rubric_score" in run.data.metrics for run in runs) and len(runs) == 2
