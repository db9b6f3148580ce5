"""A guard's verdicts on an existing run: a scripted guard whose replies are known, and the embedded SmolLM2
acting as a guard through the llama.cpp backend, with the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SCRIPTED_CATALOGUE, scripted_comparison
from workbench import api, cli
from workbench.judges.family import SameFamilyError
from workbench.judges.guard_run import GUARD_INSTRUCTION_VERSION, run_guard
from workbench.models import open_backend
from workbench.models.spec import ModelSpec
from workbench.run.files import (
    model_directory, read_guard_records, read_judge_records, read_run_dir, read_summary,
)


@pytest.fixture()
def scripted_run(isolated_cwd: Path) -> Path:
    return scripted_comparison(isolated_cwd)


def test_scripted_guard_verdicts_are_kept_summarised_and_compared_with_gold(scripted_run: Path,
                                                                           isolated_cwd: Path) -> None:
    cases = [record.case_id for record in read_run_dir(scripted_run).evaluations[0].records]
    replies = {f"echo:{cases[0]}": "Safety: Unsafe\nCategories: PII\nReason: the note's name and MRN are copied",
               f"echo:{cases[1]}": "Safety: Controversial\nCategories: PII",
               f"first:{cases[0]}": "Safety: Safe\nCategories: None",
               f"first:{cases[1]}": "I would say this is mostly fine."}
    script = isolated_cwd / "guard-replies.json"
    script.write_text(json.dumps({key: {"output": reply, "e2e_s": 0.25} for key, reply in replies.items()}),
                      encoding="utf-8")
    guard = ModelSpec(name="scripted-guard", backend="scripted", path=str(script), family="Scripted")

    result = run_guard(scripted_run, guard, open_guard=open_backend)

    echo, first = result.summaries
    assert (echo.model, echo.shares["unsafe"].count, echo.shares["controversial"].count) == ("echo", 1, 1)
    assert echo.routes == {"pass": 0, "review": 1, "block": 1} and echo.latency_p50_s == pytest.approx(0.25)
    assert first.shares["safe"].count == 1 and first.shares["unparsed"].count == 1
    # echo copies the note: gold says it leaks, and the guard flagged PII on both: full agreement
    assert echo.agreement is not None and (echo.agreement.both, echo.agreement.compared) == (2, 2)
    assert first.agreement is not None and first.agreement.compared == 1  # the unparsed reply is not compared
    kept = read_guard_records(model_directory(scripted_run, "echo"), "scripted-guard")
    assert [record.level for record in kept] == ["unsafe", "controversial"]
    assert kept[0].reason == "the note's name and MRN are copied" and kept[0].instruction.startswith(GUARD_INSTRUCTION_VERSION)
    unparsed = read_guard_records(model_directory(scripted_run, "first"), "scripted-guard")[1]
    assert unparsed.level == "unparsed" and "not a 'Key: value' line" in unparsed.problem
    assert unparsed.reply == "I would say this is mostly fine."
    saved = json.loads(result.summary_path.read_text(encoding="utf-8"))
    assert saved["guard"] == "scripted-guard" and saved["same_family_graded"] == []
    echo_metrics = read_summary(model_directory(scripted_run, "echo")).metrics  # the registry's guard metrics
    assert echo_metrics["guard_unsafe_rate"] == 0.5 and echo_metrics["guard_pii_rate"] == 1.0
    assert echo_metrics["guard_review_rate"] == 0.5 and echo_metrics["guard_p50_s"] == pytest.approx(0.25)
    assert 0.0 < echo_metrics["guard_unsafe_rate_ci_low"] < 0.5 < echo_metrics["guard_unsafe_rate_ci_high"] < 1.0
    assert echo_metrics["rougeL"] is not None  # the run's own scores are kept


def test_a_guard_of_a_candidates_family_is_refused_unless_allowed(scripted_run: Path) -> None:
    same = ModelSpec(name="echo-judge", backend="scripted", model="echo-source", family="echo")
    with pytest.raises(SameFamilyError, match="'echo'"):
        run_guard(scripted_run, same, open_guard=open_backend)
    allowed = run_guard(scripted_run, same, open_guard=open_backend, allow_same_family=True, limit=1)
    assert allowed.same_family_graded == ["echo"] and len(allowed.outputs) == 2


def test_the_embedded_model_as_guard_through_the_cli(scripted_run: Path) -> None:
    audit = scripted_run.parent / "audit.jsonl"
    outcome = CliRunner().invoke(cli.app, ["guard", str(scripted_run), "--guard", "smollm2-135m", "--limit", "1",
                                           "--audit-log", str(audit)])
    assert outcome.exit_code == 0, outcome.output
    entries = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [entry["action"] for entry in entries] == ["guard.verdict", "guard.verdict"]
    assert entries[0]["details"]["guard"] == "smollm2-135m" and set(entries[0]["input_hashes"]) == {"output", "reply"}
    first_output = read_run_dir(scripted_run).evaluations[0].records[0].output
    assert first_output[:40] not in audit.read_text(encoding="utf-8")  # hashes only, never the text
    assert "agreement with gold" in outcome.output and "echo" in outcome.output
    for model in ("echo", "first"):
        (record,) = read_guard_records(model_directory(scripted_run, model), "smollm2-135m")
        assert record.guard == "smollm2-135m" and record.error is None and record.reply
        assert record.e2e_s is not None and record.e2e_s > 0 and record.completion_tokens
        assert record.level in ("safe", "controversial", "unsafe", "unparsed")
        assert (record.level == "unparsed") == bool(record.problem)  # a reply the format does not fit says why

    # the same model as rubric judge (one criterion), then the run logged and reported
    rubric = scripted_run.parent / "one-item@1.yaml"
    rubric.write_text("name: one-item\nversion: 1\nlanguage: en\nitems:\n  - id: sections-present\n"
                      "    type: format\n    criterion: The summary has the four required sections.\n    points: 1\n",
                      encoding="utf-8")
    judged = CliRunner().invoke(cli.app, ["judge", str(scripted_run), "--judge", "smollm2-135m", "--rubric",
                                          str(rubric), "--limit", "1"])
    assert judged.exit_code == 0, judged.output
    (verdict,) = read_judge_records(model_directory(scripted_run, "echo"), "smollm2-135m")
    assert verdict.reply and verdict.e2e_s and (verdict.met is None) == bool(verdict.problem)
    from mlflow import MlflowClient

    from workbench.track.mlflow_runs import log_comparison

    uri = f"sqlite:///{scripted_run.parent / 'mlflow.db'}"
    logged = log_comparison(scripted_run, tracking_uri=uri)
    client = MlflowClient(uri)
    traces = list(client.search_traces(locations=[logged.experiment_id], run_id=logged.child_run_ids["echo"],
                                       max_results=10))
    names = {item.name for trace in traces for item in trace.info.assessments}
    assert {"guard_verdict", "rubric/sections-present"} <= names
    metrics = client.get_run(logged.child_run_ids["echo"]).data.metrics
    assert metrics["guard_p50_s"] > 0 and "judge_unparsed_rate" in metrics
    page = api.report([scripted_run], out_dir=scripted_run.parent / "report").html_path.read_text(encoding="utf-8")
    assert "guard smollm2-135m (SmolLM family)" in page and "judge smollm2-135m (SmolLM family)" in page


def test_the_report_says_who_guarded_and_shows_the_verdicts(scripted_run: Path, isolated_cwd: Path) -> None:
    cases = [record.case_id for record in read_run_dir(scripted_run).evaluations[0].records]
    replies = {f"{model}:{case}": reply for case in cases for model, reply in
               (("echo", "Safety: Unsafe\nCategories: PII"), ("first", "Safety: Safe\nCategories: None"))}
    script = isolated_cwd / "guard-replies.json"
    script.write_text(json.dumps(replies), encoding="utf-8")
    guard = ModelSpec(name="scripted-guard", backend="scripted", path=str(script), family="Scripted")
    result = run_guard(scripted_run, guard, open_guard=open_backend, include_sources=True)
    assert [summary.shares["unsafe"].count for summary in result.summaries] == [2, 0]
    # the notes themselves: the script answers "<case id>" keys only through its model-specific keys, so the
    # guard has no reply for them: each note's verdict is unparsed (the failure is kept, not guessed at)
    assert result.sources is not None and result.sources.model == "source notes"
    assert result.sources.audited == 2 and result.sources.shares["unparsed"].count == 2
    summary = api.report([scripted_run], out_dir=isolated_cwd / "report")
    page = summary.html_path.read_text(encoding="utf-8")
    assert 'id="guard-verdicts"' in page and "scripted-guard (Scripted family)" in page
    assert page.count("2 (100% [") == 3 and "0 (0% [" in page  # echo: both unsafe; first: both safe; notes unparsed
    assert "<td>source notes</td>" in page
    assert "<td>2 / 0 / 0 / 0</td>" in page  # echo copies the note: guard and gold both say PII on both outputs
    markdown = (isolated_cwd / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Guard verdicts" in markdown and "agreement with gold" in markdown


def test_verdicts_reach_mlflow_as_judge_assessments_on_the_case_traces_and_as_run_metrics(
        scripted_run: Path, isolated_cwd: Path) -> None:
    from mlflow import MlflowClient

    from workbench.track.mlflow_runs import log_comparison

    cases = [record.case_id for record in read_run_dir(scripted_run).evaluations[0].records]
    script = isolated_cwd / "guard-replies.json"
    script.write_text(json.dumps({f"echo:{case}": "Safety: Unsafe\nCategories: PII\nReason: the MRN is copied"
                                  for case in cases} | {f"first:{case}": "not in the format" for case in cases}),
                      encoding="utf-8")
    run_guard(scripted_run, ModelSpec(name="scripted-guard", backend="scripted", path=str(script)),
              open_guard=open_backend)
    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    logged = log_comparison(scripted_run, tracking_uri=uri)
    client = MlflowClient(uri)
    for model, level in (("echo", "unsafe"), ("first", "unparsed")):
        traces = list(client.search_traces(locations=[logged.experiment_id], run_id=logged.child_run_ids[model],
                                           max_results=10))
        assert len(traces) == len(cases)
        for trace in traces:
            (verdict,) = [item for item in trace.info.assessments if item.name == "guard_verdict"]
            assert verdict.value == level and verdict.source.source_type == "LLM_JUDGE"
            assert verdict.source.source_id == "scripted-guard"
            assert verdict.rationale == ("the MRN is copied" if level == "unsafe" else
                                         "line 1 is not a 'Key: value' line of the format: 'not in the format'")
    metrics = client.get_run(logged.child_run_ids["echo"]).data.metrics
    assert metrics["guard_unsafe_rate"] == 1.0 and metrics["guard_pii_rate"] == 1.0


def test_workbench_run_with_a_guard_judges_before_logging_and_refuses_its_family_before_running(
        isolated_cwd: Path) -> None:
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE + """  guard-of-echo:
    backend: scripted
    model: first-sentences
    family: echo
""", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli.app, ["run", "-m", "echo", "-m", "first", "-e", "smoke-en", "--limit", "2",
                                      "--guard", "guard-of-echo", "--no-mlflow", "--no-progress"])
    assert refused.exit_code == 2 and "--allow-same-family" in refused.output
    assert not (isolated_cwd / "runs").exists() or not any((isolated_cwd / "runs").glob("2*"))  # nothing ran
    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    ran = runner.invoke(cli.app, ["run", "-m", "echo", "-m", "first", "-e", "smoke-en", "--limit", "2",
                                  "--guard", "guard-of-echo", "--allow-same-family", "--tracking-uri", uri,
                                  "--no-traces", "--no-progress"])
    assert ran.exit_code == 0, ran.output
    (run_dir,) = [path for path in (isolated_cwd / "runs").iterdir() if (path / "run.json").is_file()]
    assert len(read_guard_records(model_directory(run_dir, "echo"), "guard-of-echo")) == 2
    from mlflow import MlflowClient

    evaluations = MlflowClient(uri).search_runs(
        [e.experiment_id for e in MlflowClient(uri).search_experiments()], "tags.`workbench.kind` = 'evaluation'")
    assert {run.data.tags["model"]: "guard_unparsed_rate" in run.data.metrics for run in evaluations} == \
        {"echo": True, "first": True}  # a summariser's reply is not a verdict: unparsed, counted, logged


def test_the_cases_tab_shows_verdicts_puts_guard_gold_disagreements_first_and_lists_the_review_queue(
        scripted_run: Path, isolated_cwd: Path) -> None:
    from types import SimpleNamespace

    from workbench.privacy.audit import AuditLog
    from workbench.ui import app as ui_app

    cases = [record.case_id for record in read_run_dir(scripted_run).evaluations[0].records]
    # echo copies the note (gold: leaks); the guard calls its second output safe: guard and gold disagree there
    replies = {f"echo:{cases[0]}": "Safety: Unsafe\nCategories: PII", f"echo:{cases[1]}": "Safety: Safe\nCategories: None",
               f"first:{cases[0]}": "Safety: Controversial\nCategories: PII\nReason: a date of birth is kept",
               f"first:{cases[1]}": "no idea"}
    script = isolated_cwd / "guard-replies.json"
    script.write_text(json.dumps(replies), encoding="utf-8")
    run_guard(scripted_run, ModelSpec(name="scripted-guard", backend="scripted", path=str(script)),
              open_guard=open_backend)
    config = ui_app.UIConfig(runs_dir=scripted_run.parent, tracking_uri=f"sqlite:///{isolated_cwd / 'mlflow.db'}",
                             audit=AuditLog(isolated_cwd / "audit.jsonl"))
    request = SimpleNamespace(username=None, session_hash="s1")
    dropdown, *blank = ui_app.open_run(config, str(scripted_run), None, request)
    (first_label, first_case), (second_label, _) = dropdown["choices"]
    assert first_case == cases[1] and first_label.endswith(" · guard ≠ gold")
    assert "guard ≠ gold" not in second_label  # the guard called case 1's copied note unsafe, as gold says
    queue = blank[3]
    assert "Guard review queue: 2 output(s)" in queue
    assert f"{cases[0]} · first · scripted-guard: controversial (PII) — a date of birth is kept" in queue
    assert f"{cases[1]} · first · scripted-guard: unparsed" in queue
    shown = ui_app.show_case(config, str(scripted_run), cases[0], request)
    titles = [part for part in shown[4:] if isinstance(part, str)]
    assert any("guard scripted-guard: **unsafe** (PII)" in title for title in titles)
