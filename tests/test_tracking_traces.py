"""MLflow's GenAI views of a comparison: one trace per (model, case) on its model run, the scores as
assessments, the reasoning apart from the output, the store_outputs policy obeyed, failed cases as error
traces, the evaluation set as an evaluation dataset, and model-run metrics in the registry's order.

A real comparison with the scripted backend, logged to a real SQLite store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Trace

from workbench.data.evalsets import load_evalset
from workbench.data.prompts import get_prompt
from workbench.models.scripted import first_sentences, register_script, unregister_script
from workbench.models.spec import ModelSpec
from workbench.privacy.redaction import gold_phi
from workbench.run.files import GenerationRecord, read_records, read_scores
from workbench.run.runner import RunSettings, run_comparison
from workbench.scoring.registry import all_metrics, metrics_where
from workbench.track.mlflow_runs import LoggedComparison, log_comparison, numeric_metrics
from workbench.track.mlflow_traces import REASONING_SPAN, stored_text
from workbench.track.store import tracking_uri_scope

PROMPT = "clinical-summary-en@1"
EVALSET = "smoke-en"
LIMIT = 2
THINKER = "test-traces-thinker"
REASONING_PREFIX = "Weighing the findings for"


@pytest.fixture(scope="module")
def thinker() -> Iterator[str]:
    """A model that reasons first (naming the patient, so reasoning carries PHI) and then summarises."""
    def think_then_summarise(request):  # type: ignore[no-untyped-def]
        summary = first_sentences(request)["output"]
        return {"output": f"<think>{REASONING_PREFIX} {summary[:80]}</think>{summary}"}

    register_script(THINKER, think_then_summarise, replace=True)
    yield THINKER
    unregister_script(THINKER)


@pytest.fixture(scope="module")
def run_dir(thinker: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("runs")
    broken = directory / "broken.json"
    broken.write_text(json.dumps({load_evalset(EVALSET).cases[0].id: {"error": "server overloaded"}}),
                      encoding="utf-8")
    specs = [ModelSpec(name="thinker", backend="scripted", model=thinker),
             ModelSpec(name="brief", backend="scripted", model="first-sentences"),
             ModelSpec(name="broken", backend="scripted", path=str(broken), model="echo-source")]
    settings = RunSettings(runs_dir=directory, limit=LIMIT, use_cache=False, show_progress=False)
    return run_comparison(specs, get_prompt(PROMPT), load_evalset(EVALSET), settings).directory


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def as_is(run_dir: Path, uri: str) -> LoggedComparison:
    return log_comparison(run_dir, tracking_uri=uri, experiment="traces-as-is")


@pytest.fixture(scope="module")
def hashed(run_dir: Path, uri: str) -> LoggedComparison:
    return log_comparison(run_dir, tracking_uri=uri, experiment="traces-hashed", store_outputs="hashed")


def run_traces(uri: str, logged: LoggedComparison, model: str) -> list[Trace]:
    client = MlflowClient(uri)
    return list(client.search_traces(locations=[logged.experiment_id], run_id=logged.child_run_ids[model],
                                     max_results=1000))


def by_case(traces: list[Trace]) -> dict[str, Trace]:
    found: dict[str, Trace] = {}
    for trace in traces:
        case_id = trace.info.trace_metadata["workbench.case_id"]
        assert case_id not in found, f"two traces for case {case_id}"
        found[case_id] = trace
    return found


def root_span(trace: Trace) -> Any:
    (root,) = [span for span in trace.data.spans if span.parent_id is None]
    return root


def records(run_dir: Path, model: str) -> dict[str, GenerationRecord]:
    return {record.case_id: record for record in read_records(run_dir / model)}


def test_one_trace_per_model_and_case_with_its_scores_as_assessments(as_is: LoggedComparison, run_dir: Path,
                                                                     uri: str) -> None:
    with tracking_uri_scope(uri):
        all_traces = mlflow.search_traces(locations=[as_is.experiment_id], return_type="list", max_results=1000)
    assert len(all_traces) == 3 * LIMIT  # exactly one per (model, case), nothing else in the experiment
    registered = [metric.name for metric in all_metrics()]
    for model, run_id in as_is.child_run_ids.items():
        traces = by_case(run_traces(uri, as_is, model))
        assert set(traces) == set(records(run_dir, model))
        assert MlflowClient(uri).get_run(run_id).data.tags["workbench.traces"] == str(LIMIT)
        scores = {score.id: score for score in read_scores(run_dir / model)}
        for case_id, trace in traces.items():
            metadata = trace.info.trace_metadata
            assert metadata["mlflow.sourceRun"] == run_id
            assert (metadata["workbench.model"], metadata["workbench.evalset"]) == (model, f"{EVALSET}@1")
            assert metadata["workbench.evalset_hash"] == json.loads((run_dir / "run.json").read_text())["evalset_hash"]
            assert root_span(trace).attributes["workbench.case_hash"] == records(run_dir, model)[case_id].case_hash
            feedback = {item.name: item for item in trace.info.assessments}
            expected = {name: scores[case_id].value(name) for name in registered
                        if case_id in scores and scores[case_id].value(name) is not None}
            assert {name: item.value for name, item in feedback.items()} == pytest.approx(expected)
            assert [item.name for item in trace.info.assessments] == [name for name in registered if name in expected]
            for name, item in feedback.items():
                assert item.source.source_type == "CODE" and item.source.source_id == f"workbench/{name}"
                assert item.metadata["label"] == next(m.label for m in all_metrics() if m.name == name)
    assert {"rougeL", "structure_compliance", "values_kept_rate", "phi_case_leak_rate"} <= {
        item.name for trace in run_traces(uri, as_is, "brief") for item in trace.info.assessments}


def test_a_trace_holds_inputs_output_and_timings_and_keeps_reasoning_apart(as_is: LoggedComparison, run_dir: Path,
                                                                          uri: str) -> None:
    for case_id, trace in by_case(run_traces(uri, as_is, "thinker")).items():
        record = records(run_dir, "thinker")[case_id]
        assert record.reasoning.startswith(REASONING_PREFIX) and REASONING_PREFIX not in record.output
        root = root_span(trace)
        assert root.inputs["case_id"] == case_id
        assert root.inputs["messages"] == record.messages  # the prompt as sent, with the note in it
        assert root.outputs == record.output
        (reasoning,) = [span for span in trace.data.spans if span.parent_id == root.span_id]
        assert reasoning.name == REASONING_SPAN and reasoning.outputs == record.reasoning
        attributes = root.attributes
        for name in ("ttft_s", "ttfc_s", "e2e_s", "prompt_tokens", "completion_tokens"):
            assert attributes[name] == pytest.approx(getattr(record, name)), name
        assert attributes["output_tokens_per_s"] == pytest.approx(record.completion_tokens / record.e2e_s)
        assert attributes["mlflow.chat.tokenUsage"]["output_tokens"] == record.completion_tokens
        assert root.start_time_ns == pytest.approx(record.started_at * 1e9, abs=2e3)
        assert trace.info.execution_duration == pytest.approx(record.e2e_s * 1000, abs=2)
        assert trace.info.state.value == "OK"


def test_a_failed_case_is_an_error_trace(as_is: LoggedComparison, run_dir: Path, uri: str) -> None:
    failed = [record for record in records(run_dir, "broken").values() if not record.ok]
    assert len(failed) == 1
    traces = by_case(run_traces(uri, as_is, "broken"))
    error_trace = traces[failed[0].case_id]
    assert error_trace.info.state.value == "ERROR"
    root = root_span(error_trace)
    assert root.status.status_code == "ERROR" and "server overloaded" in root.status.description
    assert root.outputs is None
    assert [trace.info.state.value for case_id, trace in traces.items() if case_id != failed[0].case_id] == ["OK"]


def test_hashed_policy_keeps_ids_and_timings_but_no_text(hashed: LoggedComparison, run_dir: Path, uri: str) -> None:
    cases = {case.id: case for case in load_evalset(EVALSET).cases}
    for model in hashed.child_run_ids:
        for case_id, trace in by_case(run_traces(uri, hashed, model)).items():
            record = records(run_dir, model)[case_id]
            stored = json.dumps([span.to_dict() for span in trace.data.spans], ensure_ascii=False)
            for identifier, _ in gold_phi(cases[case_id]):
                assert identifier not in stored
            assert "Summarise the following clinical note" not in stored and REASONING_PREFIX not in stored
            root = root_span(trace)
            assert root.inputs["case_id"] == case_id
            assert all(message["content"].startswith("sha256:") for message in root.inputs["messages"])
            if record.ok:
                assert root.outputs == "sha256:" + hashlib.sha256(record.output.encode()).hexdigest()
                assert root.attributes["e2e_s"] == pytest.approx(record.e2e_s)
                assert trace.info.assessments


def test_the_evaluation_set_is_a_dataset_of_the_experiment(as_is: LoggedComparison, hashed: LoggedComparison,
                                                           run_dir: Path, uri: str) -> None:
    from mlflow.genai.datasets import search_datasets

    cases = load_evalset(EVALSET).cases[:LIMIT]
    with tracking_uri_scope(uri):
        (dataset,) = search_datasets(experiment_ids=[as_is.experiment_id])
        frame = dataset.to_df()
        (hashed_dataset,) = search_datasets(experiment_ids=[hashed.experiment_id])
        hashed_frame = hashed_dataset.to_df()
    assert dataset.tags["workbench.evalset_hash"] == json.loads((run_dir / "run.json").read_text())["evalset_hash"]
    assert sorted(row["case_id"] for row in frame["inputs"]) == sorted(case.id for case in cases)
    by_id = {row["inputs"]["case_id"]: row for row in frame.to_dict("records")}
    for case in cases:
        assert by_id[case.id]["inputs"]["note"] == case.source
        assert by_id[case.id]["expectations"]["reference_summary"] == case.reference
    notes = " ".join(row["note"] for row in hashed_frame["inputs"])
    assert "Whitcombe" not in notes and notes.startswith("sha256:")
    parent = MlflowClient(uri).get_run(as_is.parent_run_id)
    assert [item.dataset.name for item in parent.inputs.dataset_inputs] == [dataset.name]
    assert parent.data.tags["workbench.dataset_id"] == dataset.dataset_id


def test_logging_again_reuses_the_dataset(as_is: LoggedComparison, run_dir: Path, uri: str) -> None:
    again = log_comparison(run_dir, tracking_uri=uri, experiment="traces-as-is", log_traces=False)
    client = MlflowClient(uri)
    assert (client.get_run(again.parent_run_id).data.tags["workbench.dataset_id"]
            == client.get_run(as_is.parent_run_id).data.tags["workbench.dataset_id"])
    assert not list(client.search_traces(locations=[again.experiment_id], run_id=again.child_run_ids["brief"]))


def test_model_run_metrics_start_with_the_headline_metrics_and_hold_no_bounds(as_is: LoggedComparison,
                                                                             run_dir: Path, uri: str) -> None:
    metrics = json.loads((run_dir / "brief" / "evaluation.json").read_text())["metrics"]
    keys = list(numeric_metrics(metrics))
    headline = [metric.name for metric in metrics_where(headline=True) if metrics.get(metric.name) is not None]
    assert keys[:len(headline)] == headline
    assert not [key for key in keys if key.endswith(("_ci_low", "_ci_high"))]
    logged = MlflowClient(uri).get_run(as_is.child_run_ids["brief"]).data.metrics
    assert {key for key in logged if not key.startswith("system/")} == set(keys)  # system/: sampled series


def test_stored_text_follows_the_policy() -> None:
    phi = [("Harold Whitcombe", "NAME")]
    text = "Harold Whitcombe, 58"
    assert stored_text(text, "as-is", phi) == text
    assert stored_text(text, "redacted", phi) == "[NAME], 58"
    assert stored_text(text, "hashed", phi) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert stored_text(None, "hashed", phi) is None
    with pytest.raises(ValueError, match="unknown output storage"):
        stored_text(text, "none", phi)  # type: ignore[arg-type]


def test_workbench_run_fills_the_default_store_with_a_trace_per_case_and_its_assessments(
        isolated_cwd: Path) -> None:
    """`workbench run` without --tracking-uri logs to ./mlruns/mlflow.db; opening that store afterwards finds one
    trace per (model, case) on each model run, every one carrying the case's scores as assessments."""
    from typer.testing import CliRunner

    from tests.conftest import SCRIPTED_CATALOGUE
    from workbench import cli

    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["run", "-m", "echo", "-m", "first", "-e", EVALSET, "--limit", "2",
                                          "--no-progress"])
    assert result.exit_code == 0, result.output
    store = isolated_cwd / "mlruns" / "mlflow.db"
    assert store.is_file()
    client = MlflowClient(f"sqlite:///{store}")
    parent = client.search_runs([client.get_experiment_by_name("workbench").experiment_id],
                                filter_string="tags.`workbench.kind` = 'comparison'")[0]
    run_dir = Path(parent.data.tags["workbench.run_dir"])
    children = client.search_runs([parent.info.experiment_id],
                                  filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")
    assert {child.data.tags["model"] for child in children} == {"echo", "first"}
    for child in children:
        model = child.data.tags["model"]
        traces = by_case(list(client.search_traces(locations=[parent.info.experiment_id],
                                                   run_id=child.info.run_id, max_results=100)))
        scores = {item.id: item for item in read_scores(run_dir / model)}
        assert set(traces) == set(scores) and len(traces) == 2
        for case_id, trace in traces.items():
            feedback = {item.name: item.value for item in trace.info.assessments}
            assert feedback["rougeL"] == pytest.approx(scores[case_id].value("rougeL"))
            assert feedback["phi_case_leak_rate"] == pytest.approx(scores[case_id].value("phi_case_leak_rate"))


def test_no_traces_logs_the_runs_without_traces(isolated_cwd: Path) -> None:
    from typer.testing import CliRunner

    from tests.conftest import SCRIPTED_CATALOGUE
    from workbench import cli

    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["run", "-m", "echo", "-e", EVALSET, "--limit", "1", "--no-progress",
                                          "--no-traces"])
    assert result.exit_code == 0, result.output
    client = MlflowClient(f"sqlite:///{isolated_cwd / 'mlruns' / 'mlflow.db'}")
    experiment_id = client.get_experiment_by_name("workbench").experiment_id
    assert len(client.search_runs([experiment_id])) == 2  # the comparison and its model run are logged
    assert list(client.search_traces(locations=[experiment_id], max_results=10)) == []
