"""Records longer than the context, as MLflow and the report show them: each call of a chunked case is a child
span of its case's trace (in order, at its own times, its text under the storage policy), how a truncated or
chunked case was handled is in its root span's attributes, a refused case is an error trace saying the context
was exceeded, and the report states each model's strategy with the long-record figures.

Real runs of a scripted model with a context of 256 tokens, logged to a real SQLite store.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities import Trace

from workbench.data.evalsets import Case, EvalSet, Manifest, unmark_phi
from workbench.data.prompts import PromptTemplate
from workbench.models.base import GenerationRequest
from workbench.models.scripted import register_script, unregister_script, user_text
from workbench.models.spec import ModelSpec
from workbench.report.build import LONG_RECORD_FIGURES, build_report
from workbench.report.html import render_html
from workbench.report.markdown import render_markdown
from workbench.run.files import GenerationRecord, read_records, read_summary, write_summary
from workbench.run.runner import RunSettings, run_comparison
from workbench.scoring.registry import ci_keys, metric
from workbench.track.mlflow_runs import LoggedComparison, log_comparison
from workbench.track.mlflow_traces import REASONING_SPAN

SCRIPT = "long-record-tracking"
PATIENT = "Alice Warren"
INTERMEDIATE = "Stable on the ward."
REASONING = "Combining the parts in order"
FINAL = "Creatinine fell to 98 umol/L; home."
OVERLOADED = "server overloaded"
UNSETTLED = "observations unsettled"  # in each part of the note of FAILING: its second call fails
MODELS = {"map-reduce": "mapper", "refine": "refiner", "truncate": "cutter", "refuse": "refuser"}
LONG, FAILING, SHORT = "long-1", "long-2", "short-1"


def _case(case_id: str, marked: str, reference: str) -> Case:
    source, spans = unmark_phi(marked)
    return Case(id=case_id, language="en", source=source, reference=reference, phi=tuple(spans))


def _long_note(observations: str = "observations stable", days: int = 40) -> str:
    lines = [f"Admission note for [[NAME|{PATIENT}]], seen on [[DATE|2026-03-02]] at "
             "[[LOCATION|Harbour View Hospital]]."]
    lines += [f"Day {day}: creatinine {100 + day} umol/L; {observations} on the ward, plan unchanged and reviewed "
              "by the team." for day in range(1, days + 1)]
    return "\n".join([*lines, "Discharge: home with follow-up in clinic; creatinine 98 umol/L."])


EVALSET = EvalSet(Manifest(name="long-tracking", version="1", language="en", task="summary",
                           default_prompt="tiny@1"),
                  (_case(LONG, _long_note(), "Creatinine 98 umol/L at discharge."),
                   _case(FAILING, _long_note(UNSETTLED), "Creatinine 98 umol/L at discharge."),
                   _case(SHORT, f"Clinic note for [[NAME|{PATIENT}]]: creatinine 98 umol/L, well.",
                         "Creatinine 98 umol/L.")))
PROMPT = PromptTemplate(name="tiny", version=1, task="summary", language="en",
                        messages=[{"role": "system", "content": "Summarise the note."},
                                  {"role": "user", "content": "Note:\n{{source}}"}])


def answer(request: GenerationRequest) -> dict[str, str]:
    """Part 1 of a note gets a summary naming the patient; combining or refining reasons first, then summarises;
    part 2 of the note of FAILING fails."""
    text = user_text(request)
    if UNSETTLED in text and "Part 2 of" in text:
        return {"error": OVERLOADED}
    if "Summaries of" in text or "Summary so far" in text:
        return {"output": f"<think>{REASONING}</think>{FINAL}"}
    if "Part 1 of" in text:
        return {"output": f"{PATIENT} admitted; creatinine 101 umol/L."}
    return {"output": INTERMEDIATE}


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One run per strategy, each of its own model (a context of 256 tokens, 16 to write)."""
    register_script(SCRIPT, answer, replace=True)
    runs = tmp_path_factory.mktemp("runs")
    found = {}
    for strategy, model in MODELS.items():
        spec = ModelSpec(name=model, backend="scripted", model=SCRIPT, context_length=256,
                         sampling={"max_tokens": 16})
        settings = RunSettings(runs_dir=runs, use_cache=False, show_progress=False, long_records=strategy)
        found[strategy] = run_comparison([spec], PROMPT, EVALSET, settings).directory
    yield found
    unregister_script(SCRIPT)


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def prompts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runs' prompt as a prompt file, so the MLflow logging finds it."""
    directory = tmp_path_factory.mktemp("prompts")
    (directory / "tiny@1.yaml").write_text(yaml.safe_dump(PROMPT.model_dump(exclude_defaults=True)), encoding="utf-8")
    return directory


def _log(run_dirs: dict[str, Path], strategies: list[str], uri: str, prompts_dir: Path,
         **options: Any) -> dict[str, LoggedComparison]:
    return {strategy: log_comparison(run_dirs[strategy], tracking_uri=uri, prompts_dir=[prompts_dir], **options)
            for strategy in strategies}


@pytest.fixture(scope="module")
def as_is(run_dirs: dict[str, Path], uri: str, prompts_dir: Path) -> dict[str, LoggedComparison]:
    return _log(run_dirs, list(MODELS), uri, prompts_dir, experiment="long-as-is")


@pytest.fixture(scope="module")
def hashed(run_dirs: dict[str, Path], uri: str, prompts_dir: Path) -> dict[str, LoggedComparison]:
    return _log(run_dirs, ["map-reduce", "refine"], uri, prompts_dir, experiment="long-hashed",
                store_outputs="hashed")


def traces(uri: str, logged: dict[str, LoggedComparison], strategy: str) -> dict[str, Trace]:
    comparison = logged[strategy]
    found = MlflowClient(uri).search_traces(locations=[comparison.experiment_id],
                                            run_id=comparison.child_run_ids[MODELS[strategy]], max_results=100)
    return {trace.info.trace_metadata["workbench.case_id"]: trace for trace in found}


def record(run_dirs: dict[str, Path], strategy: str, case_id: str = LONG) -> GenerationRecord:
    return next(item for item in read_records(run_dirs[strategy] / MODELS[strategy]) if item.case_id == case_id)


def root_span(trace: Trace) -> Any:
    (root,) = [span for span in trace.data.spans if span.parent_id is None]
    return root


def children(trace: Trace, parent: Any) -> list[Any]:
    return [span for span in trace.data.spans if span.parent_id == parent.span_id]


# --- traces ---------------------------------------------------------------------------------------------------


def test_each_map_reduce_call_is_a_child_span_in_order_at_its_own_times(
        as_is: dict[str, LoggedComparison], run_dirs: dict[str, Path], uri: str) -> None:
    chunked = record(run_dirs, "map-reduce")
    chunks = chunked.chunks
    parts = chunked.long_record.parts
    assert parts is not None and parts >= 3 and len(chunks) > parts  # summaries combined in one or more rounds
    trace = traces(uri, as_is, "map-reduce")[LONG]
    root = root_span(trace)
    spans = children(trace, root)
    assert [span.name for span in spans] == ([f"map {part}/{parts}" for part in range(1, parts + 1)]
                                             + ["reduce"] * (len(chunks) - parts))
    assert [span.name for span in sorted(spans, key=lambda span: span.start_time_ns)] == [span.name for span in spans]
    for span, chunk in zip(spans, chunks):
        attributes = span.attributes
        for name in ("ttft_s", "e2e_s", "prompt_tokens", "completion_tokens"):
            assert attributes[name] == pytest.approx(getattr(chunk, name)), (span.name, name)
        assert attributes["workbench.chunk.index"] == chunk.index
        assert attributes["workbench.chunk.offset_s"] == pytest.approx(chunk.offset_s)
        assert attributes["workbench.chunk.prompt_tokens_counted"] == chunk.prompt_tokens_counted
        assert attributes["workbench.request_id"] == chunk.request_id
        assert attributes["mlflow.chat.tokenUsage"]["output_tokens"] == chunk.completion_tokens
        assert span.start_time_ns == pytest.approx(root.start_time_ns + chunk.offset_s * 1e9, abs=1e3)
        assert span.end_time_ns - span.start_time_ns == pytest.approx(chunk.e2e_s * 1e9, abs=1e3)
        assert root.start_time_ns <= span.start_time_ns and span.end_time_ns <= root.end_time_ns + 1000
        assert span.outputs == chunk.output and span.status.status_code == "OK"
    for span, chunk in zip(spans[:parts], chunks):
        assert span.inputs["note_chars"] == [chunk.source_start, chunk.source_end]
        assert span.inputs["part"] == chunk.part and "summaries" not in span.inputs
    for span, chunk in zip(spans[parts:], chunks[parts:]):
        assert span.inputs["summaries"] == [chunks[index].output for index in chunk.combines]
        assert "note_chars" not in span.inputs and len(chunk.combines) >= 2
        (reasoning,) = children(trace, span)  # the reasoning stays with the call that wrote it
        assert reasoning.name == REASONING_SPAN and reasoning.outputs == chunk.reasoning == REASONING
    assert f"{PATIENT} admitted" in spans[parts].inputs["summaries"][0]
    assert spans[-1].outputs == root.outputs == FINAL
    assert [span.name for span in children(trace, spans[0])] == []  # a map call wrote no reasoning
    assert chunked.e2e_s == pytest.approx(chunks[-1].offset_s + chunks[-1].e2e_s)
    assert trace.info.execution_duration == pytest.approx(chunked.e2e_s * 1000, abs=2)


def test_a_chunked_case_says_how_it_was_handled_and_a_case_sent_whole_has_no_calls(
        as_is: dict[str, LoggedComparison], run_dirs: dict[str, Path], uri: str) -> None:
    chunked = record(run_dirs, "map-reduce")
    found = traces(uri, as_is, "map-reduce")
    attributes = root_span(found[LONG]).attributes
    handling = chunked.long_record
    assert attributes["workbench.long_record.strategy"] == "map-reduce"
    assert attributes["workbench.long_record.applied"] == "chunked"
    assert attributes["workbench.long_record.parts"] == handling.parts
    assert attributes["workbench.long_record.chunk_tokens"] == handling.chunk_tokens
    assert attributes["workbench.long_record.prompt_tokens_counted"] == handling.prompt_tokens_counted > 256 - 16
    assert attributes["workbench.long_record.context_length"] == 256
    assert attributes["workbench.long_record.calls"] == len(chunked.chunks)
    assert attributes["completion_tokens"] == sum(chunk.completion_tokens for chunk in chunked.chunks)
    short = found[SHORT]
    assert children(short, root_span(short)) == []
    assert not [key for key in root_span(short).attributes if key.startswith("workbench.long_record.")]


def test_each_refine_call_is_given_the_summary_so_far(as_is: dict[str, LoggedComparison],
                                                      run_dirs: dict[str, Path], uri: str) -> None:
    chunks = record(run_dirs, "refine").chunks
    trace = traces(uri, as_is, "refine")[LONG]
    root = root_span(trace)
    spans = children(trace, root)
    assert [span.name for span in spans] == [f"refine {part}/{len(chunks)}" for part in range(1, len(chunks) + 1)]
    assert "summary_so_far" not in spans[0].inputs
    for span, before in zip(spans[1:], chunks):
        assert span.inputs["summary_so_far"] == before.output
    assert [span.outputs for span in spans] == [chunk.output for chunk in chunks]
    assert root.attributes["workbench.long_record.strategy"] == "refine"
    assert [span.name for span in children(trace, spans[1])] == [REASONING_SPAN]


def test_a_truncated_case_has_its_cut_on_the_root_span(as_is: dict[str, LoggedComparison],
                                                       run_dirs: dict[str, Path], uri: str) -> None:
    handling = record(run_dirs, "truncate").long_record
    trace = traces(uri, as_is, "truncate")[LONG]
    root = root_span(trace)
    attributes = root.attributes
    assert attributes["workbench.long_record.applied"] == "truncated"
    assert attributes["workbench.long_record.strategy"] == "truncate"
    assert attributes["workbench.long_record.cut_share"] == pytest.approx(handling.cut_tokens / handling.note_tokens)
    assert 0 < attributes["workbench.long_record.cut_share"] < 1
    for name in ("cut_tokens", "cut_chars", "note_tokens", "sent_prompt_tokens", "cut_start", "cut_end"):
        assert attributes[f"workbench.long_record.{name}"] == getattr(handling, name), name
    assert children(trace, root) == [] and trace.info.state.value == "OK"


def test_a_failed_call_is_an_error_span_and_fails_its_case(as_is: dict[str, LoggedComparison],
                                                         run_dirs: dict[str, Path], uri: str) -> None:
    for strategy, kind in (("map-reduce", "map"), ("refine", "refine")):
        failed = record(run_dirs, strategy, FAILING)
        parts = failed.long_record.parts
        assert not failed.ok and [chunk.error for chunk in failed.chunks] == [None, OVERLOADED]
        trace = traces(uri, as_is, strategy)[FAILING]
        root = root_span(trace)
        assert trace.info.state.value == "ERROR" and f"{kind} call 2 of the chunked case" in root.status.description
        first, second = children(trace, root)
        assert (first.name, second.name) == (f"{kind} 1/{parts}", f"{kind} 2/{parts}")
        assert first.status.status_code == "OK" and second.status.status_code == "ERROR"
        assert second.status.description == f"ScriptedError: {OVERLOADED}" and second.outputs is None
        assert [event.name for event in second.events] == ["exception"]


def test_a_refused_case_is_an_error_trace_saying_the_context_was_exceeded(
        as_is: dict[str, LoggedComparison], run_dirs: dict[str, Path], uri: str) -> None:
    refused = record(run_dirs, "refuse")
    trace = traces(uri, as_is, "refuse")[LONG]
    root = root_span(trace)
    assert trace.info.state.value == "ERROR" and root.status.status_code == "ERROR"
    description = root.status.description
    assert description.startswith("ContextLengthExceeded: ")
    assert f"the prompt has {refused.long_record.prompt_tokens_counted} tokens" in description
    assert "more than the context length 256 of model 'refuser'" in description
    assert root.attributes["workbench.long_record.applied"] == "refused"
    assert root.outputs is None and children(trace, root) == []


def test_the_hashed_policy_keeps_the_calls_but_none_of_their_text(hashed: dict[str, LoggedComparison],
                                                                  run_dirs: dict[str, Path], uri: str) -> None:
    for strategy in hashed:
        trace = traces(uri, hashed, strategy)[LONG]
        stored = json.dumps([span.to_dict() for span in trace.data.spans], ensure_ascii=False)
        for text in (PATIENT, INTERMEDIATE, REASONING, FINAL, "creatinine 101"):
            assert text not in stored, (strategy, text)
        chunks = record(run_dirs, strategy).chunks
        spans = children(trace, root_span(trace))
        assert len(spans) == len(chunks) >= 3
        for span, chunk in zip(spans, chunks):
            assert span.outputs.startswith("sha256:")
            assert span.attributes["e2e_s"] == pytest.approx(chunk.e2e_s)
            given = span.inputs.get("summaries") or [span.inputs.get("summary_so_far") or "sha256:"]
            assert all(text.startswith("sha256:") for text in given)


# --- the report -----------------------------------------------------------------------------------------------


def _figure(run_dir: Path, model: str, name: str) -> str:
    """A figure as the report shows it: the declaration's format, with its interval when it has one."""
    metrics = read_summary(run_dir / model).metrics
    declared = metric(name)
    low, high = (metrics.get(key) for key in ci_keys(name))
    if metrics.get(name) is None:
        return "–"
    shown = declared.format(metrics[name])
    return f"{shown} [{declared.format(low)}, {declared.format(high)}]" if declared.interval and low is not None \
        and high is not None else shown


def test_the_report_states_each_strategy_and_the_long_record_figures(run_dirs: dict[str, Path]) -> None:
    report = build_report(list(run_dirs.values()))
    markdown = render_markdown(report)
    headings = [metric(name).heading for name in LONG_RECORD_FIGURES]
    assert "### Long records" in markdown
    assert "| model | long records | " + " | ".join(headings) + " |" in markdown
    for label in ("Over context", "Share cut", "Calls per chunked case", "PHI leak (chunk outputs)"):
        assert label in markdown
    assert metric("long_records_cut_share").definition in markdown
    strategies = {"map-reduce": "map-reduce (chunk_tokens=as many as fit, chunk_overlap=0)",
                  "refine": "refine (chunk_tokens=as many as fit, chunk_overlap=0)",
                  "truncate": "truncate (truncation=head+tail)", "refuse": "refuse"}
    for strategy, setting in strategies.items():
        model = MODELS[strategy]
        figures = [_figure(run_dirs[strategy], model, name) for name in LONG_RECORD_FIGURES]
        assert f"| {model} | {setting} | " + " | ".join(figures) + " |" in markdown, strategy
        assert figures[0] == "2"
    mapper = [_figure(run_dirs["map-reduce"], "mapper", name) for name in LONG_RECORD_FIGURES]
    calls = (len(record(run_dirs, "map-reduce").chunks) + 2) / 2  # the failed case made two calls
    assert mapper[1] == "–" and mapper[2] == f"{calls:.1f}" and mapper[3].startswith("0.333")
    assert _figure(run_dirs["truncate"], "cutter", "long_records_cut_share") != "–"
    html = render_html(report)
    assert "<h3>Long records</h3>" in html and '<table id="long-records">' in html
    for heading in headings:
        assert f"<th>{heading}</th>" in html
    assert "<td>map-reduce (chunk_tokens=as many as fit, chunk_overlap=0)</td>" in html
    assert "<td>truncate (truncation=head+tail)</td>" in html


def test_an_evaluation_written_before_the_strategy_was_recorded_says_not_recorded(
        run_dirs: dict[str, Path], tmp_path: Path) -> None:
    old = tmp_path / "old-run"
    shutil.copytree(run_dirs["truncate"], old)
    summary = read_summary(old / "cutter")
    kept = {key: value for key, value in summary.metrics.items()
            if not key.startswith(("long_records_", "phi_intermediate_", "values_intermediate_"))}
    write_summary(old / "cutter", summary.model_copy(update={"long_records": None, "metrics": kept}))
    alone = render_markdown(build_report([old]))
    assert "| model | long records |\n" in alone and "| cutter | not recorded |" in alone
    assert "No case was recorded as over its model's context." in alone
    beside = build_report([run_dirs["map-reduce"], old])
    markdown = render_markdown(beside)
    assert "| cutter | not recorded | – | – | – | – |" in markdown
    assert "| mapper | map-reduce (chunk_tokens=as many as fit, chunk_overlap=0) | 2 |" in markdown
    assert "<td>not recorded</td>" in render_html(beside)
