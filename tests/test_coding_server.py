"""Coding through function calls with real engines: SmolLM2 behind llama-cpp-python's OpenAI server on
127.0.0.1, and in process. Whatever the model does is recorded as it came and scored as what it is: a reply
without a call is no call, arguments cut short are invalid JSON; nothing is guessed.

llama-cpp-python's server, started with the GGUF's own chat template (no ``--chat_format``), passes the tools
to the template; it returns a function call only for a named ``tool_choice`` (its arguments constrained by a
grammar built from the schema). ``tool_choice: auto`` returns the model's text, a call only with a
function-calling chat format such as ``chatml-function-calling``, which cannot stream a call it chose itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.data.evalsets import load_evalset
from workbench.data.prompts import ChatMessage, get_prompt
from workbench.models.base import GenerationRequest
from workbench.models.openai_http import OpenAIHTTPBackend
from workbench.models.spec import ModelSpec, SamplingParams
from workbench.run.files import read_records, read_scores
from workbench.run.runner import RunSettings, render_all, run_comparison
from workbench.scoring.coding import TOOL_NAME, gold_codes, read_calls, request_tools, score_coding

MAX_TOKENS = 24
NAMED = {"type": "function", "function": {"name": TOOL_NAME}}

pytestmark = pytest.mark.slow


def _spec(base_url: str) -> ModelSpec:
    return ModelSpec(name="smollm2-http", backend="openai", base_url=base_url, model="smollm2", context_length=4096,
                     sampling=SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=0))


def _reading_is_what_was_written(tool_calls: list[dict[str, str]], statuses: tuple[str, ...]) -> None:
    """Each call's status follows from its raw arguments alone."""
    assert len(statuses) == len(tool_calls)
    for raw, status in zip(tool_calls, statuses):
        try:
            json.loads(raw["arguments"])
        except json.JSONDecodeError:
            assert status == "invalid_json"
        else:
            assert status in ("valid", "wrong_schema")


def test_a_coding_run_against_a_llama_cpp_server_records_and_scores_the_reply(llama_server: str, tmp_path: Path) -> None:
    evalset = load_evalset("clinical-coding-en")
    spec = _spec(llama_server)
    tools, choice = request_tools(evalset.manifest.task)
    rendered = render_all(evalset.head(1), get_prompt("clinical-coding-en@1"))[0]
    backend = OpenAIHTTPBackend(spec)
    try:
        url, body = backend._request_body(GenerationRequest("probe", rendered.messages, rendered.plain_prompt,
                                                            tools=tools, tool_choice=choice))
    finally:
        backend.close()
    assert url.endswith("/chat/completions") and body["tools"] == list(tools) and body["tool_choice"] == "auto"

    outcome = run_comparison([spec], get_prompt("clinical-coding-en@1"), evalset,
                             RunSettings(runs_dir=tmp_path, limit=1, show_progress=False))
    evaluation = outcome.evaluations[0]
    assert evaluation.error is None
    record = read_records(evaluation.directory)[0]
    assert record.error is None, record.error
    assert record.tools == list(tools) and record.tool_choice == "auto"
    scores = read_scores(evaluation.directory)[0]
    reading = read_calls(record.tool_calls)
    if not record.tool_calls:  # SmolLM2 answered in text: no call, whatever the text says
        assert record.output and scores.get("coding_calls") == ["no_call"]
        assert scores.value("coding_called") == 0.0 and scores.value("coding_f1") == 0.0
    else:
        assert scores.get("coding_calls") == list(reading.statuses)
        _reading_is_what_was_written(record.tool_calls, reading.statuses)
    assert evaluation.metrics["coding_valid_call"] == scores.value("coding_valid_call")


def test_a_named_tool_choice_gets_a_streamed_call_kept_as_written(llama_server: str) -> None:
    evalset = load_evalset("clinical-coding-en").head(1)
    rendered = render_all(evalset, get_prompt("clinical-coding-en@1"))[0]
    tools, _ = request_tools("coding")
    backend = OpenAIHTTPBackend(_spec(llama_server))
    try:
        result = backend.generate(GenerationRequest("named", rendered.messages, rendered.plain_prompt,
                                                    tools=tools, tool_choice=NAMED))
    finally:
        backend.close()
    assert result.error is None, result.error
    assert result.finish_reason == "tool_calls" and result.output == ""
    assert [call["name"] for call in result.tool_calls] == [TOOL_NAME]
    assert result.tool_calls[0]["arguments"].lstrip().startswith("{")  # the grammar's JSON, cut at max_tokens or not
    assert result.ttft_s is not None and result.ttft_s <= result.e2e_s  # call pieces are timed like text
    scored = score_coding(result.tool_calls, gold_codes(evalset.cases[0].metadata, "case"), "icd-10-cm")
    _reading_is_what_was_written(result.tool_calls, scored.statuses)
    if scored.statuses != ("valid",):
        assert scored.exact.f1 == 0.0 and scored.predicted == ()


def test_in_process_llama_cpp_returns_the_handlers_call(smollm2_gguf: Path) -> None:
    from workbench.models.llamacpp_backend import LlamaCppBackend

    spec = ModelSpec(name="smollm2-tools", backend="llamacpp", path=str(smollm2_gguf), context_length=2048,
                     sampling=SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=0))
    backend = LlamaCppBackend(spec)
    tools, _ = request_tools("coding")
    messages = (ChatMessage("system", "Code the diagnoses of the note by calling record_diagnoses."),
                ChatMessage("user", "Note: 64-year-old man admitted with an acute inferior myocardial infarction."))
    try:
        result = backend.generate(GenerationRequest("in-process", messages, "", tools=tools, tool_choice=NAMED))
    finally:
        backend.close()
    assert result.error is None, result.error
    assert [call["name"] for call in result.tool_calls] == [TOOL_NAME]
    assert result.ttft_s is None and result.e2e_s and result.e2e_s > 0  # not streamed: no first-token time
    assert result.completion_tokens and result.completion_tokens <= MAX_TOKENS
    _reading_is_what_was_written(result.tool_calls, read_calls(result.tool_calls).statuses)


def test_a_model_set_to_a_named_tool_choice_is_asked_for_the_call_in_a_run(llama_server: str, tmp_path: Path) -> None:
    """``tool_choice: named`` in a model's entry (MedGemma's, for a server without its tool-call parser): every
    request of the run names the tool, the record keeps what was sent, and each reply is a call."""
    evalset = load_evalset("clinical-coding-en")
    spec = _spec(llama_server).model_copy(update={"tool_choice": "named"})
    outcome = run_comparison([spec], get_prompt("clinical-coding-en@1"), evalset,
                             RunSettings(runs_dir=tmp_path, limit=1, show_progress=False))
    evaluation = outcome.evaluations[0]
    record = read_records(evaluation.directory)[0]
    assert record.error is None, record.error
    assert record.tool_choice == NAMED and [call["name"] for call in record.tool_calls] == [TOOL_NAME]
    scores = read_scores(evaluation.directory)[0]
    assert scores.value("coding_called") == 1.0
    _reading_is_what_was_written(record.tool_calls, tuple(scores.get("coding_calls")))
