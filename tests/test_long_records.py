"""Records longer than the model's context, with a scripted model whose answers the test controls: each strategy
does what the run says, chunk outputs are scored for PHI and invented values, the cache keeps strategies apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.data.evalsets import Case, EvalSet, Manifest, unmark_phi
from workbench.data.prompts import PromptTemplate
from workbench.errors import WorkbenchError
from workbench.models.base import GenerationRequest
from workbench.models.scripted import register_script, unregister_script, user_text
from workbench.models.spec import ModelSpec
from workbench.run.files import read_run_dir
from workbench.run.long_records import ESTIMATE_SOURCE
from workbench.run.runner import RunSettings, run_comparison

SCRIPT = "long-record-test"
PATIENT = "Alice Warren"
LEAKED_VALUE = "potassium 9.9 mmol/L"  # in no note: invented


def _long_note(days: int = 40) -> Case:
    lines = [f"Admission note for [[NAME|{PATIENT}]], seen on [[DATE|2026-03-02]] at "
             "[[LOCATION|Harbour View Hospital]]."]
    lines += [f"Day {day}: creatinine {100 + day} umol/L; observations stable on the ward, plan unchanged and reviewed "
              "by the team." for day in range(1, days + 1)]
    lines.append("Discharge: home with follow-up in clinic; creatinine 98 umol/L.")
    source, spans = unmark_phi("\n".join(lines))
    return Case(id="long-1", language="en", source=source, reference="Creatinine 98 umol/L at discharge.",
                phi=tuple(spans))


def _short_note() -> Case:
    source, spans = unmark_phi(f"Clinic note for [[NAME|{PATIENT}]]: creatinine 98 umol/L, well.")
    return Case(id="short-1", language="en", source=source, reference="Creatinine 98 umol/L.", phi=tuple(spans))


EVALSET = EvalSet(Manifest(name="long-test", version="1", language="en", task="summary", default_prompt="tiny@1"),
                  (_long_note(), _short_note()))
PROMPT = PromptTemplate(name="tiny", version=1, task="summary", language="en",
                        messages=[{"role": "system", "content": "Summarise the note."},
                                  {"role": "user", "content": "Note:\n{{source}}"}])


def _spec() -> ModelSpec:
    """The scripted model (its script registered by ``requests_seen``): a context of 256 tokens, 16 to write."""
    return ModelSpec(name="chunky", backend="scripted", model=SCRIPT, context_length=256, sampling={"max_tokens": 16})


@pytest.fixture()
def requests_seen() -> Iterator[list[GenerationRequest]]:
    """Every request the scripted model answers: part 1 of a note gets a summary that leaks the patient's name and
    invents a value, the reduce and refine steps a clean one, the short note a clean one."""
    seen: list[GenerationRequest] = []

    def answer(request: GenerationRequest) -> dict[str, str]:
        seen.append(request)
        text = user_text(request)
        if "Summaries of the" in text or "Summary so far" in text:
            return {"output": "Creatinine fell to 98 umol/L; home."}
        if "Part 1 of" in text:
            return {"output": f"{PATIENT} admitted; {LEAKED_VALUE}."}
        return {"output": "Stable on the ward."}

    register_script(SCRIPT, answer)
    yield seen
    unregister_script(SCRIPT)


def _run(tmp_path: Path, strategy: str, **settings: object):
    run_settings = RunSettings(runs_dir=tmp_path / "runs", show_progress=False, long_records=strategy, **settings)
    outcome = run_comparison([_spec()], PROMPT, EVALSET, run_settings)
    evaluation = outcome.evaluations[0]
    records = {record.case_id: record for record in evaluation.records}
    files = read_run_dir(outcome.directory)
    scores = files.evaluations[0].scores_by_case()
    return outcome, evaluation, records, scores


def test_refuse_fails_the_case_naming_the_tokens_and_the_context(tmp_path: Path,
                                                                 requests_seen: list[GenerationRequest]) -> None:
    outcome, evaluation, records, scores = _run(tmp_path, "refuse")
    refused = records["long-1"]
    assert refused.error_type == "ContextLengthExceeded" and not refused.output
    handling = refused.long_record
    assert handling is not None and handling.applied == "refused" and handling.token_count_source == ESTIMATE_SOURCE
    assert f"the prompt has {handling.prompt_tokens_counted} tokens" in refused.error
    assert "max_tokens 16" in refused.error and "context length 256 of model 'chunky'" in refused.error
    assert [request.request_id.rsplit(":", 1)[-1] for request in requests_seen] == ["short-1"]  # nothing sent
    assert evaluation.metrics["failures"] == 1 and evaluation.metrics["long_records_over_context"] == 1
    assert "long-1" not in scores  # a failure is never scored as a summary
    short = records["short-1"]
    assert short.ok and short.long_record is not None and short.long_record.applied == "whole" and not short.chunks
    assert scores["short-1"].get("phi_intermediate_leak_rate") is None  # no chunks: none, not 0
    manifest = json.loads((outcome.directory / "run.json").read_text(encoding="utf-8"))
    assert manifest["long_records"] == {"strategy": "refuse"}


def test_truncate_keeps_head_and_tail_and_records_the_cut(tmp_path: Path,
                                                          requests_seen: list[GenerationRequest]) -> None:
    _, evaluation, records, _ = _run(tmp_path, "truncate")
    record = records["long-1"]
    handling = record.long_record
    assert record.ok and record.output == "Stable on the ward." and not record.chunks
    assert handling is not None and handling.applied == "truncated"
    assert handling.cut_chars == handling.cut_end - handling.cut_start > 0
    assert 0 < handling.cut_tokens < handling.note_tokens
    assert handling.sent_prompt_tokens <= 256 - 16 < handling.prompt_tokens_counted
    note = EVALSET.cases[0].source
    sent = user_text(requests_seen[0])
    assert sent.startswith("Note:\n" + note[:handling.cut_start])
    assert sent.endswith(note[handling.cut_end:])
    assert f"[... {handling.cut_chars} characters of the record left out here ...]" in sent
    assert evaluation.metrics["long_records_cut_share"] == pytest.approx(handling.cut_tokens / handling.note_tokens)


def test_map_reduce_records_every_chunk_and_scores_their_outputs(tmp_path: Path,
                                                                 requests_seen: list[GenerationRequest]) -> None:
    outcome, evaluation, records, scores = _run(tmp_path, "map-reduce")
    record = records["long-1"]
    chunks = record.chunks
    assert record.ok and record.long_record is not None and record.long_record.applied == "chunked"
    parts = record.long_record.parts
    assert parts is not None and parts >= 3
    assert [chunk.kind for chunk in chunks][:parts] == ["map"] * parts and chunks[-1].kind == "reduce"
    assert record.output == chunks[-1].output == "Creatinine fell to 98 umol/L; home."
    note = EVALSET.cases[0].source
    assert chunks[0].source_start == 0 and chunks[parts - 1].source_end == len(note)
    for chunk in chunks:
        assert chunk.e2e_s is not None and chunk.ttft_s is not None and chunk.offset_s is not None
        assert chunk.prompt_tokens_counted is not None and chunk.prompt_tokens_counted <= 256 - 16
    assert chunks[-1].combines == [chunk.index for chunk in chunks[:parts]] or len(chunks) > parts + 1
    assert record.ttft_s == pytest.approx(chunks[0].ttft_s)
    assert record.e2e_s == pytest.approx(chunks[-1].offset_s + chunks[-1].e2e_s)
    assert record.completion_tokens == sum(chunk.completion_tokens for chunk in chunks)
    # the final summary leaks nothing; the first chunk's summary leaks the name and invents a value
    case_scores = scores["long-1"]
    assert case_scores.value("phi_case_leak_rate") == 0.0
    assert case_scores.value("phi_intermediate_leak_rate") == pytest.approx(1 / 3)
    assert case_scores.value("phi_intermediate_any_leak") == 1.0
    assert [item["text"] for item in case_scores.get("phi_intermediate_leaked")] == [PATIENT]
    assert case_scores.value("values_intermediate_invented") == 1.0
    assert evaluation.metrics["phi_intermediate_leak_rate"] == pytest.approx(1 / 3)
    assert evaluation.metrics["long_records_calls_mean"] == len(chunks)
    summary = json.loads((evaluation.directory / "evaluation.json").read_text(encoding="utf-8"))
    assert summary["long_records"]["strategy"] == "map-reduce"
    assert summary["long_records"]["chunk_tokens"] == "as many as fit"


def test_refine_gives_each_chunk_with_the_summary_so_far(tmp_path: Path,
                                                         requests_seen: list[GenerationRequest]) -> None:
    _, _, records, scores = _run(tmp_path, "refine", chunk_tokens=128, chunk_overlap=40)
    record = records["long-1"]
    chunks = record.chunks
    assert record.ok and record.long_record is not None and record.long_record.chunk_tokens == 128
    assert len(chunks) == record.long_record.parts and all(chunk.kind == "refine" for chunk in chunks)
    assert [chunk.part for chunk in chunks] == list(range(1, len(chunks) + 1))
    for before, after in zip(chunks, chunks[1:]):
        assert after.source_start < before.source_end  # the chunks overlap
    long_requests = [request for request in requests_seen if ":long-1:" in request.request_id]
    assert [request.request_id.rsplit(":", 1)[-1] for request in long_requests] == [
        f"refine-{number}" for number in range(1, len(chunks) + 1)]
    assert f"{PATIENT} admitted; {LEAKED_VALUE}." in user_text(long_requests[1])  # the summary so far
    assert record.output == chunks[-1].output
    assert scores["long-1"].value("phi_intermediate_any_leak") == 1.0
    assert scores["long-1"].value("phi_case_leak_rate") == 0.0


def test_the_cache_keeps_strategies_and_chunk_settings_apart(tmp_path: Path,
                                                             requests_seen: list[GenerationRequest]) -> None:
    _run(tmp_path, "map-reduce")
    calls = len(requests_seen)
    _, _, again, _ = _run(tmp_path, "map-reduce")
    assert len(requests_seen) == calls  # everything from the cache, chunks included
    assert again["long-1"].cached and again["long-1"].chunks and again["long-1"].long_record.applied == "chunked"
    _, _, truncated, _ = _run(tmp_path, "truncate")
    assert not truncated["long-1"].cached and truncated["long-1"].long_record.applied == "truncated"
    _, _, smaller, _ = _run(tmp_path, "map-reduce", chunk_tokens=64)
    assert not smaller["long-1"].cached and smaller["long-1"].long_record.chunk_tokens == 64
    _, _, refused, _ = _run(tmp_path, "refuse")
    keys = [records["long-1"].cache_key for records in (again, truncated, smaller, refused)]
    assert len(set(keys)) == 4
    assert len({records["short-1"].cache_key for records in (again, truncated, smaller, refused)}) == 4


@pytest.mark.parametrize(("settings", "message"), [
    ({"long_records": "shorten"}, "long_records (--long-records) must be one of refuse, truncate, map-reduce, refine, "
                                  "got 'shorten'"),
    ({"long_records": "truncate", "chunk_tokens": 500}, "apply to map-reduce and refine only, not to --long-records "
                                                        "truncate"),
    ({"long_records": "refine", "chunk_tokens": 10}, "chunk_tokens (--chunk-tokens) must be a whole number of at "
                                                     "least 32"),
    ({"long_records": "map-reduce", "chunk_tokens": 64, "chunk_overlap": 64}, "chunk_overlap (--chunk-overlap) 64 "
                                                                              "must be less than chunk_tokens"),
])
def test_settings_no_run_can_honour_are_refused_naming_the_option(
        tmp_path: Path, settings: dict[str, object], message: str, requests_seen: list[GenerationRequest]) -> None:
    with pytest.raises(WorkbenchError) as raised:
        run_comparison([_spec()], PROMPT, EVALSET, RunSettings(runs_dir=tmp_path, show_progress=False, **settings))
    assert message in str(raised.value)
    assert not (tmp_path / "cache.sqlite").exists()  # nothing ran


def test_a_chunk_size_that_does_not_fit_fails_each_long_case_saying_what_fits(
        tmp_path: Path, requests_seen: list[GenerationRequest]) -> None:
    _, _, records, _ = _run(tmp_path, "map-reduce", chunk_tokens=5000)
    record = records["long-1"]
    assert not record.ok and "--chunk-tokens 5000 does not fit" in record.error
    assert "choose --chunk-tokens" in record.error and record.long_record.applied == "refused"
    assert records["short-1"].ok  # a record that fits is sent whole whatever the settings


def test_the_cli_option_refuses_an_unknown_strategy() -> None:
    from workbench import cli

    result = CliRunner().invoke(cli.app, ["run", "-m", "smollm2-135m", "-e", "smoke-en", "--long-records", "summarise"])
    assert result.exit_code == 2
    assert "--long-records" in result.output and "'summarise' is not one of" in result.output
    assert "'refuse', 'truncate', 'map-reduce', 'refine'" in result.output


def test_the_api_records_the_strategy_in_the_run_files_and_mlflow(isolated_cwd: Path,
                                                                  requests_seen: list[GenerationRequest]) -> None:
    import yaml
    from mlflow import MlflowClient

    from workbench import api

    entry = _spec().model_dump(exclude={"name"}, exclude_defaults=True)
    (isolated_cwd / "models.yaml").write_text(yaml.safe_dump({"models": {"chunky": entry}}), encoding="utf-8")
    prompts = isolated_cwd / "prompts"
    prompts.mkdir()
    (prompts / "tiny@1.yaml").write_text(yaml.safe_dump(PROMPT.model_dump(exclude_defaults=True), allow_unicode=True),
                                         encoding="utf-8")
    uri = f"sqlite:///{isolated_cwd / 'mlflow.db'}"
    result = api.evaluate(["chunky"], EVALSET, long_records="refine", chunk_tokens=128, runs_dir=isolated_cwd / "runs",
                          tracking_uri=uri, log_traces=False, show_progress=False,
                          catalogue=[isolated_cwd / "models.yaml"], prompts_dir=[prompts])
    assert result.mlflow_error is None and not result.errors
    client = MlflowClient(uri)
    child = client.get_run(result.logged.child_run_ids["chunky"])
    parent = client.get_run(result.mlflow_parent_run_id)
    for run in (child, parent):
        assert run.data.params["long_records.strategy"] == "refine"
        assert run.data.params["long_records.chunk_tokens"] == "128"
        assert run.data.params["long_records.chunk_overlap"] == "0"
    assert child.data.metrics["long_records_over_context"] == 1
    assert child.data.metrics["phi_intermediate_any_leak"] == 1.0


def test_the_cli_runs_a_strategy_and_says_what_it_did(isolated_cwd: Path, requests_seen: list[GenerationRequest]) -> None:
    import yaml

    from workbench import cli
    from workbench.data.evalsets import write_cases, write_manifest

    directory = isolated_cwd / "evalsets" / "long-test"
    directory.mkdir(parents=True)
    write_cases(directory / "cases.jsonl", list(EVALSET.cases))
    write_manifest(directory, EVALSET.manifest, list(EVALSET.cases))
    (isolated_cwd / "prompts").mkdir()
    (isolated_cwd / "prompts" / "tiny@1.yaml").write_text(yaml.safe_dump(PROMPT.model_dump(exclude_defaults=True)),
                                                          encoding="utf-8")
    entry = _spec().model_dump(exclude={"name"}, exclude_defaults=True)
    (isolated_cwd / "models.yaml").write_text(yaml.safe_dump({"models": {"chunky": entry}}), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["run", "-m", "chunky", "-e", "long-test", "--long-records", "truncate",
                                          "--no-mlflow", "--no-progress", "--json-out", "summary.json"])
    assert result.exit_code == 0, result.output
    assert "long records: chunky: 1 of 2 case(s) did not fit its context of 256 tokens with max_tokens 16 " \
           "(--long-records truncate): 1 truncated" in result.output
    metrics = json.loads((isolated_cwd / "summary.json").read_text(encoding="utf-8"))["evaluations"][0]["metrics"]
    assert metrics["long_records_over_context"] == 1 and 0 < metrics["long_records_cut_share"] < 1
    refused = CliRunner().invoke(cli.app, ["run", "-m", "chunky", "-e", "long-test", "--no-mlflow", "--no-progress",
                                           "--long-records", "truncate", "--chunk-tokens", "500"])
    assert refused.exit_code == 2
    assert "--chunk-tokens, --chunk-overlap) apply to map-reduce and refine only" in refused.output
