"""ICD-10 coding through a function call: hand-written calls scored against gold codes, the calls of a stream
put together, a coding set run end to end with the scripted backend, and predictions scored from a file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import workbench_command
from workbench.data.evalsets import EvalSetError, load_evalset, read_manifest
from workbench.models.base import GenerationRequest, StreamClock, ToolCallStream
from workbench.models.scripted import register_script, unregister_script
from workbench.scoring.coding import (
    TOOL_CHOICE, TOOL_NAME, CodedDiagnosis, GoldCodeError, gold_codes, matched_code, normalise_code, request_tools,
    score_coding,
)

GOLD_CM = (CodedDiagnosis("I21.4", "Non-ST-elevation myocardial infarction", True),
           CodedDiagnosis("I10", "Hypertension", False))
GOLD_WHO = (CodedDiagnosis("I21.0", "急性前壁心肌梗死", True), CodedDiagnosis("I10", "高血压病", False))


def call(codes: list[dict] | None = None, *, arguments: str | None = None, name: str = TOOL_NAME) -> dict[str, str]:
    """A raw call as a backend records it: the arguments string exactly as written."""
    return {"name": name, "arguments": arguments if arguments is not None else json.dumps({"codes": codes})}


def code(value: str, primary: bool = False, description: str = "a diagnosis") -> dict:
    return {"code": value, "description": description, "primary": primary}


# --- scores of hand-written calls ---------------------------------------------------------------

def test_a_valid_call_with_the_gold_codes_scores_one_everywhere() -> None:
    scored = score_coding([call([code("I21.4", True), code("I10")])], GOLD_CM, "icd-10-cm")
    assert scored.called and scored.valid_call and scored.statuses == ("valid",)
    assert scored.codes_valid_rate == 1.0 and scored.primary_correct == 1.0
    assert (scored.exact.precision, scored.exact.recall, scored.exact.f1) == (1.0, 1.0, 1.0)
    assert scored.category.f1 == 1.0


def test_invalid_json_is_counted_as_an_invalid_call_and_codes_nothing() -> None:
    scored = score_coding([call(arguments='{"codes": [{"code": "I21.4", "description": "NSTEMI", "primary": tr')],
                          GOLD_CM, "icd-10-cm")
    assert scored.called and not scored.valid_call
    assert scored.statuses == ("invalid_json",) and "not JSON" in scored.problems[0]
    assert scored.predicted == () and scored.codes_valid_rate is None
    assert (scored.exact.f1, scored.category.f1, scored.primary_correct) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("arguments, field", [
    ({"codes": [{"code": "I21.4", "description": "NSTEMI", "primary": "yes"}]}, "arguments.codes[0].primary"),
    ({"codes": [{"code": "I21.4", "primary": True}]}, "arguments.codes[0]"),
    ({"codes": [{"code": "I21.4", "description": "NSTEMI", "primary": True, "certainty": 0.9}]}, "arguments.codes[0]"),
    ({"diagnoses": ["I21.4"]}, "arguments"),
    ({"codes": []}, "arguments.codes"),
    (["I21.4"], "arguments"),
])
def test_arguments_that_do_not_match_the_schema_are_a_wrong_schema(arguments: object, field: str) -> None:
    scored = score_coding([call(arguments=json.dumps(arguments))], GOLD_CM, "icd-10-cm")
    assert scored.statuses == ("wrong_schema",) and not scored.valid_call
    assert field in scored.problems[0]
    assert scored.exact.recall == 0.0 and scored.predicted == ()


def test_a_code_the_table_does_not_have_is_invalid_and_a_wrong_prediction() -> None:
    scored = score_coding([call([code("I21.7", True), code("I10"), code("heart attack")])], GOLD_CM, "icd-10-cm")
    assert scored.valid_call  # the call is valid; one of its codes is not
    assert scored.invalid_codes == ("I21.7", "heart attack")
    assert scored.codes_valid_rate == pytest.approx(1 / 3)
    assert scored.exact.precision == pytest.approx(1 / 3) and scored.exact.recall == 0.5
    # I21.7 is no code, but I21 is a category: it counts at the category level; the words do not
    assert scored.category.precision == pytest.approx(2 / 3) and scored.category.recall == 1.0
    assert scored.primary_correct == 0.0


def test_the_right_category_with_the_wrong_code_counts_only_at_the_category_level() -> None:
    scored = score_coding([call([code("I21.02", True), code("I10")])], GOLD_CM, "icd-10-cm")
    assert scored.codes_valid_rate == 1.0
    assert scored.exact.precision == 0.5 and scored.exact.recall == 0.5
    assert scored.category.f1 == 1.0
    assert scored.primary_correct == 0.0


def test_a_reply_without_a_call_codes_nothing() -> None:
    for calls in ([], None):
        scored = score_coding(calls, GOLD_CM, "icd-10-cm")
        assert not scored.called and not scored.valid_call and scored.statuses == ()
        assert scored.codes_valid_rate is None
        assert (scored.exact.precision, scored.exact.recall, scored.exact.f1, scored.primary_correct) == (0, 0, 0, 0)


def test_several_calls_are_read_one_by_one() -> None:
    both = score_coding([call([code("I21.4", True)]), call([code("I10")])], GOLD_CM, "icd-10-cm")
    assert both.statuses == ("valid", "valid") and both.valid_call and both.exact.f1 == 1.0
    mixed = score_coding([call([code("I21.4", True)]), call(arguments="I10, hypertension")], GOLD_CM, "icd-10-cm")
    assert mixed.statuses == ("valid", "invalid_json") and not mixed.valid_call
    assert mixed.exact.precision == 1.0 and mixed.exact.recall == 0.5  # only the valid call's codes count
    other = score_coding([call([code("I21.4", True), code("I10")], name="record_procedures")], GOLD_CM, "icd-10-cm")
    assert other.statuses == ("other_tool",) and other.exact.f1 == 0.0 and "record_procedures" in other.problems[0]


def test_two_codes_marked_primary_are_no_primary_diagnosis() -> None:
    scored = score_coding([call([code("I21.4", True), code("I10", True)])], GOLD_CM, "icd-10-cm")
    assert scored.exact.f1 == 1.0 and scored.primary_correct == 0.0


def test_national_clinical_edition_codes_match_as_the_who_code_they_extend() -> None:
    scored = score_coding([call([code("I21.000", True), code("I10.x00")])], GOLD_WHO, "icd-10-who")
    assert scored.codes_valid_rate == 1.0 and scored.exact.f1 == 1.0 and scored.primary_correct == 1.0
    assert [item.matched for item in scored.predicted] == ["I21.0", "I10"]
    # I21 is subdivided in WHO ICD-10 and WHO has no I21.7: only the category can agree
    assert matched_code("I21.X00", "icd-10-who") is None and matched_code("I21.700", "icd-10-who") is None
    category_only = score_coding([call([code("I21.700", True), code("I10")])], GOLD_WHO, "icd-10-who")
    assert category_only.exact.recall == 0.5 and category_only.category.recall == 1.0
    # ICD-10-CM has no such extension: I21.000 is not a code there
    assert matched_code("I21.000", "icd-10-cm") is None


def test_codes_are_normalised_as_the_tables_write_them_and_words_are_not_codes() -> None:
    assert normalise_code(" i2111 ") == "I21.11"
    assert normalise_code("I21.11.") == "I21.11"
    assert normalise_code("K80.00") == "K80.00"
    assert normalise_code("I21.11 STEMI") is None and normalise_code("NSTEMI") is None and normalise_code("I20-I25") is None


def test_gold_codes_are_checked_and_errors_name_the_case_and_field() -> None:
    assert gold_codes({"icd10": [code("I21.4", True)]}, "case 'a'")[0].code == "I21.4"
    problems = {
        "metadata.icd10' must be a non-empty list": {},
        "exactly one primary diagnosis, found 0": {"icd10": [code("I21.4")]},
        "exactly one primary diagnosis, found 2": {"icd10": [code("I21.4", True), code("I10", True)]},
        "metadata.icd10[0]'.code": {"icd10": [code("i21.4", True)]},
        "repeats a code": {"icd10": [code("I21.4", True), code("I21.4")]},
    }
    for message, metadata in problems.items():
        with pytest.raises(GoldCodeError, match="case 'a'") as raised:
            gold_codes(metadata, "case 'a'")
        assert message in str(raised.value)


def test_a_coding_manifest_names_its_code_system(tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    base = "name: s\nversion: '1'\nlanguage: en\ndefault_prompt: clinical-coding-en@1\n"
    path.write_text(base + "task: coding\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"manifest.yaml: field 'code_system' must be one of icd-10-cm, icd-10-who"):
        read_manifest(path)
    path.write_text(base + "task: summary\ncode_system: icd-10-cm\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="field 'code_system' belongs to a coding set"):
        read_manifest(path)
    path.write_text(base + "task: coding\ncode_system: icd-10-who\n", encoding="utf-8")
    assert read_manifest(path).code_system == "icd-10-who"


def test_every_shipped_gold_code_is_in_its_code_table() -> None:
    from workbench.scoring.coding import in_table

    for name, system in (("clinical-coding-en", "icd-10-cm"), ("inpatient-coding-zh", "icd-10-who")):
        evalset = load_evalset(name)
        assert evalset.manifest.code_system == system and evalset.manifest.task == "coding"
        summary = load_evalset(name.replace("coding", "summary"))
        assert [case.id for case in evalset.cases] == [case.id for case in summary.cases]
        for case, note in zip(evalset.cases, summary.cases):
            assert case.source == note.source and case.metadata == note.metadata
            for item in gold_codes(case.metadata, case.id):
                assert in_table(item.code, system), (name, case.id, item.code)
                assert item.code in case.reference
            assert "icd10" not in case.prompt_values()["metadata"]  # the gold never reaches a prompt


# --- the calls of a stream ----------------------------------------------------------------------

def test_streamed_call_pieces_are_joined_by_index_as_written() -> None:
    calls = ToolCallStream()
    carried = [
        calls.add([{"index": 0, "id": "c1", "type": "function", "function": {"name": TOOL_NAME, "arguments": ""}}]),
        calls.add([{"index": 0, "function": {"arguments": '{"codes": [{"code": "I21'}}]),
        calls.add([{"index": 0, "function": {"name": TOOL_NAME, "arguments": '.4"'}}]),  # a server repeating the name
        calls.add([{"index": 1, "function": {"name": "record_", "arguments": "{"}}]),
        calls.add([{"index": 1, "function": {"name": "diagnoses", "arguments": "}"}}]),
        calls.add(None),
    ]
    assert calls.calls() == [{"name": TOOL_NAME, "arguments": '{"codes": [{"code": "I21.4"'},
                             {"name": TOOL_NAME, "arguments": "{}"}]
    assert carried[0] == TOOL_NAME and carried[2] == '.4"' and carried[-1] == ""
    whole = ToolCallStream()
    whole.add([{"id": "a", "type": "function", "function": {"name": "x", "arguments": "{}"}},
               {"id": "b", "type": "function", "function": {"name": "y", "arguments": "[]"}}])
    assert [item["name"] for item in whole.calls()] == ["x", "y"]


def test_call_pieces_are_timed_as_the_answer() -> None:
    times = iter([0.0, 0.2, 0.5, 0.7])  # the clock made, then one reading per arrival
    clock = StreamClock("r", (("<think>", "</think>"),), timer=lambda: next(times))
    clock.piece("")  # the role-only opening chunk
    clock.piece(tool=TOOL_NAME)
    clock.piece(tool='{"codes": []}')
    result = clock.finish(tool_calls=[{"name": TOOL_NAME, "arguments": '{"codes": []}'}])
    assert result.ttft_s == 0.5 and result.ttfc_s == 0.5 and result.itl_s == [pytest.approx(0.2)] and result.e2e_s == 0.7
    assert result.output == "" and result.reasoning_tokens == 0 and clock.token_events == 2


# --- a coding set run end to end (scripted backend) ----------------------------------------------

CATALOGUE = """models:
  coder:
    backend: scripted
    model: test-coder
"""


def test_a_coding_run_sends_the_tool_records_the_raw_calls_and_scores_them(isolated_cwd: Path) -> None:
    from workbench import api

    seen: list[GenerationRequest] = []
    replies = {
        "en-cardiology-01": {"tool_calls": [call([code("I21.21", True, "Lateral STEMI")])]},
        "en-cardiology-02": {"output": "I21.4 NSTEMI"},  # codes as text: no call, never read as one
        "en-cardiology-03": {"tool_calls": [call(arguments='{"codes": [{"code": "I50.23", ')]},
    }

    def coder(request: GenerationRequest) -> dict:
        seen.append(request)
        return replies[request.request_id.rsplit(":", 1)[1]]

    register_script("test-coder", coder)
    try:
        (isolated_cwd / "models.yaml").write_text(CATALOGUE, encoding="utf-8")
        result = api.evaluate(["coder"], "clinical-coding-en", limit=3, runs_dir=isolated_cwd / "runs",
                              log_to_mlflow=False, show_progress=False, catalogue=[isolated_cwd / "models.yaml"])
        again = api.evaluate(["coder"], "clinical-coding-en", limit=3, runs_dir=isolated_cwd / "runs",
                             log_to_mlflow=False, show_progress=False, catalogue=[isolated_cwd / "models.yaml"])
    finally:
        unregister_script("test-coder")
    tools, choice = request_tools("coding")
    assert len(seen) == 3 and all(request.tools == tools and request.tool_choice == TOOL_CHOICE for request in seen)
    run = api.read_run_dir(result.run_dir)
    evaluation = run.evaluations[0]
    records = {record.case_id: record for record in evaluation.records}
    assert records["en-cardiology-01"].tool_calls == replies["en-cardiology-01"]["tool_calls"]
    assert records["en-cardiology-01"].tools == list(tools) and records["en-cardiology-01"].tool_choice == choice
    assert records["en-cardiology-02"].tool_calls == [] and records["en-cardiology-02"].output == "I21.4 NSTEMI"
    scores = evaluation.scores_by_case()
    assert scores["en-cardiology-01"].value("coding_f1") == 1.0
    assert scores["en-cardiology-02"].get("coding_calls") == ["no_call"]
    assert scores["en-cardiology-02"].value("coding_f1") == 0.0
    assert scores["en-cardiology-03"].get("coding_calls") == ["invalid_json"]
    metrics = evaluation.summary.metrics
    assert metrics["coding_called"] == pytest.approx(2 / 3) and metrics["coding_valid_call"] == pytest.approx(1 / 3)
    assert metrics.get("rougeL") is None  # a coding set is not scored as a summary
    cached = {record.case_id: record for record in api.read_run_dir(again.run_dir).evaluations[0].records}
    assert len(seen) == 3 and all(record.cached for record in cached.values())  # the cache kept the calls
    assert cached["en-cardiology-01"].tool_calls == records["en-cardiology-01"].tool_calls

    from workbench.run.run_cases import load_run_cases
    from workbench.ui.app import tool_call_lines

    view = load_run_cases(result.run_dir).view("en-cardiology-03")
    shown = tool_call_lines(view.outputs[0])
    assert "record\\_diagnoses" in shown and "invalid\\_json" in shown and "not JSON" in shown
    assert "no function call" in tool_call_lines(load_run_cases(result.run_dir).view("en-cardiology-02").outputs[0])


def test_mlflow_holds_the_raw_calls_in_the_traces_and_the_metrics_on_the_model_run(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    from workbench.data.prompts import get_prompt
    from workbench.models.spec import ModelSpec
    from workbench.run.runner import RunSettings, run_comparison
    from workbench.track.mlflow_runs import log_comparison
    from workbench.track.mlflow_traces import trace_outputs

    raw = call(arguments='{"codes": [{"code": "I21.21", "description": "STEMI", "primary": true}]}')
    register_script("test-coder", lambda request: {"tool_calls": [raw]})
    try:
        run_dir = run_comparison([ModelSpec(name="coder", backend="scripted", model="test-coder")],
                                 get_prompt("clinical-coding-en@1"), load_evalset("clinical-coding-en"),
                                 RunSettings(runs_dir=tmp_path / "runs", limit=1, use_cache=False,
                                             show_progress=False)).directory
    finally:
        unregister_script("test-coder")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    logged = log_comparison(run_dir, tracking_uri=uri, experiment="coding")
    client = MlflowClient(uri)
    metrics = client.get_run(logged.child_run_ids["coder"]).data.metrics
    assert metrics["coding_f1"] == 1.0 and metrics["coding_valid_call"] == 1.0 and metrics["coding_primary_accuracy"] == 1.0
    (trace,) = client.search_traces(locations=[logged.experiment_id], run_id=logged.child_run_ids["coder"])
    (root,) = [span for span in trace.data.spans if span.parent_id is None]
    assert root.outputs == {"content": "", "tool_calls": [raw]}
    assert root.attributes["tool_calls"] == [TOOL_NAME]
    assert root.inputs["tools"][0]["function"]["name"] == TOOL_NAME and root.inputs["tool_choice"] == TOOL_CHOICE
    assert {item.name: item.value for item in trace.info.assessments}["coding_f1"] == 1.0
    record = api_records(run_dir)[0]
    hashed = trace_outputs(record, "hashed", ())
    assert hashed["tool_calls"][0]["name"] == TOOL_NAME and hashed["tool_calls"][0]["arguments"] != raw["arguments"]


def api_records(run_dir: Path) -> list:
    from workbench.run.files import read_records

    return read_records(run_dir / "coder")


def test_workbench_score_reads_predictions_with_tool_calls(tmp_path: Path) -> None:
    predictions = tmp_path / "predictions.jsonl"
    lines = [
        {"id": "zh-cardiology-01", "prediction": "", "tool_calls": [call([code("I21.100", True), code("I10")])]},
        {"id": "zh-cardiology-02", "prediction": "",  # OpenAI's message format
         "tool_calls": [{"type": "function", "function": call([code("I50.9", True)])}]},
        {"id": "zh-cardiology-03", "prediction": "心房颤动 I48.1"},
    ]
    predictions.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "scores.json"
    done = subprocess.run(workbench_command() + ["score", "--evalset", "inpatient-coding-zh", "--predictions",
                                                 str(predictions), "--allow-missing", "--json-out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "coding_valid_call" in done.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    cases = {case["id"]: case for case in document["cases"]}
    assert cases["zh-cardiology-01"]["coding_calls"] == ["valid"]
    assert cases["zh-cardiology-01"]["coding_codes"][0]["matched"] == "I21.1"
    assert cases["zh-cardiology-03"]["coding_calls"] == ["no_call"]
    assert document["aggregate"]["coding_valid_call"] == pytest.approx(2 / 3)
    predictions.write_text(json.dumps({"id": "zh-cardiology-01", "prediction": "", "tool_calls": "I21.0"}) + "\n",
                           encoding="utf-8")
    refused = subprocess.run(workbench_command() + ["score", "--evalset", "inpatient-coding-zh", "--predictions",
                                                    str(predictions), "--allow-missing"],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "predictions.jsonl:1: field 'tool_calls' must be a list" in refused.stderr


def test_workbench_run_on_a_coding_set_prints_the_coding_scores(isolated_cwd: Path) -> None:
    script = {"en-cardiology-01": {"tool_calls": [call([code("I21.21", True, "Lateral STEMI")])]},
              "en-cardiology-02": {"tool_calls": [call([code("I21.4", False, "NSTEMI")])]}}
    (isolated_cwd / "script.json").write_text(json.dumps(script), encoding="utf-8")
    (isolated_cwd / "models.yaml").write_text("models:\n  coder:\n    backend: scripted\n    path: script.json\n",
                                              encoding="utf-8")
    done = subprocess.run(workbench_command() + ["run", "--model", "coder", "--evalset", "clinical-coding-en",
                                                 "--limit", "2", "--no-mlflow"],
                          capture_output=True, text=True, timeout=300, cwd=isolated_cwd)
    assert done.returncode == 0, done.stderr
    assert "coding scores (icd-10-cm), coder:" in done.stdout
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.startswith("coding_")}
    assert lines["coding_valid_call"][-4] == "1.000" and lines["coding_f1"][-4] == "1.000"
    assert lines["coding_primary_accuracy"][-4] == "0.500"  # the second reply marks no primary diagnosis
    header = next(line for line in done.stdout.splitlines() if line.startswith("rank"))
    assert "Coding F1" in header and "ROUGE-L" not in header  # the table's columns are the coding set's
    assert "rank: ranked by Failures (lower first), then Coding F1 (higher first)" in done.stdout


def test_a_script_gives_calls_exactly_and_a_malformed_one_is_refused_naming_the_field() -> None:
    from workbench.models.scripted import ScriptError, parse_step

    step = parse_step({"tool_calls": [{"name": TOOL_NAME, "arguments": '{"codes": ['}]}, "script.yaml: a")
    assert step.tool_calls == ((TOOL_NAME, '{"codes": ['),)
    with pytest.raises(ScriptError, match=r"script.yaml: a.tool_calls\[0\]: expected a mapping with exactly name"):
        parse_step({"tool_calls": [{"name": TOOL_NAME}]}, "script.yaml: a")
    with pytest.raises(ScriptError, match=r"script.yaml: a.tool_calls\[0\]: name and arguments must be strings"):
        parse_step({"tool_calls": [{"name": TOOL_NAME, "arguments": {"codes": []}}]}, "script.yaml: a")


def test_a_named_tool_choice_names_the_tool_and_is_its_own_cache_key() -> None:
    from workbench.data.prompts import get_prompt
    from workbench.models.spec import ModelSpec
    from workbench.run.runner import plan_cases, render_all

    tools, choice = request_tools("coding", "named")
    assert choice == {"type": "function", "function": {"name": TOOL_NAME}} and tools == request_tools("coding")[0]
    assert request_tools("summary", "named") == ((), None)
    evalset = load_evalset("clinical-coding-en").head(1)
    rendered = render_all(evalset, get_prompt("clinical-coding-en@1"))
    planned = {mode: plan_cases(ModelSpec(name="coder", backend="scripted", model="echo-source", tool_choice=mode),
                                {}, get_prompt("clinical-coding-en@1"), evalset, rendered)[0]
               for mode in ("auto", "named")}
    assert planned["auto"].tool_choice == TOOL_CHOICE and planned["named"].tool_choice == choice
    assert planned["auto"].key != planned["named"].key  # a reply asked for differently is not served from the cache
    medgemma = [entry for name, entry in _catalogue().items() if name.startswith("medgemma")]
    assert medgemma and all(entry.tool_choice == "named" for entry in medgemma)


def _catalogue() -> dict:
    from workbench.models.catalogue import load_catalogue

    return {name: entry.spec for name, entry in load_catalogue().items()}
