"""The OpenAI-compatible streaming backend against a real llama.cpp server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import httpx

from workbench.data.evalsets import load_evalset
from workbench.models.openai_http import OpenAIHTTPBackend
from workbench.models.spec import ModelSpec, SamplingParams
from workbench.data.prompts import get_prompt
from workbench.run.files import read_records
from workbench.run.runner import RunSettings, run_comparison

MAX_TOKENS = 32


def _spec(base_url: str) -> ModelSpec:
    return ModelSpec(
        name="smollm2-http", backend="openai", base_url=base_url, model="smollm2", context_length=4096,
        stream_logprobs=True, sampling=SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=0),
    )


def test_streaming_at_concurrency_two_with_server_token_counts(llama_server: str, tmp_path: Path) -> None:
    evalset = load_evalset("smoke-en")
    outcome = run_comparison(
        [_spec(llama_server)], get_prompt("clinical-summary-en@1"), evalset,
        RunSettings(runs_dir=tmp_path, concurrency=2, limit=3, show_progress=False),
    )
    evaluation = outcome.evaluations[0]
    assert evaluation.error is None
    assert evaluation.metrics["concurrency"] == 2
    records = read_records(evaluation.directory)
    assert sorted(r.case_id for r in records) == sorted(c.id for c in evalset.cases[:3])
    assert evaluation.backend_info and "smollm2" in evaluation.backend_info["details"]["served_models"]
    for record in records:
        assert record.error is None, record.error
        assert record.ttft_s <= record.e2e_s
        assert record.ttfc_s <= record.e2e_s
        assert record.token_count_source == "stream_logprobs"
        # The server's own usage for the same request (non-streaming, greedy) must agree.
        reply = httpx.post(f"{llama_server}/chat/completions", timeout=120, json={
            "model": "smollm2", "messages": record.messages, "temperature": 0.0, "top_p": 1.0,
            "max_tokens": MAX_TOKENS, "seed": 0,
        }).json()
        assert record.completion_tokens == reply["usage"]["completion_tokens"]
        assert record.prompt_tokens is None or record.prompt_tokens == reply["usage"]["prompt_tokens"]
        assert record.output == reply["choices"][0]["message"]["content"].strip()
    # Two requests were in flight together: their lifetimes overlap.
    spans = sorted((r.started_at, r.started_at + r.e2e_s) for r in records)
    assert any(later_start < earlier_end for (_, earlier_end), (later_start, _) in zip(spans, spans[1:]))


def test_server_errors_become_records(llama_server: str) -> None:
    spec = _spec(llama_server).model_copy(update={"model": "smollm2", "context_length": 4096})
    backend = OpenAIHTTPBackend(spec)
    try:
        from workbench.models.base import ChatMessage, GenerationRequest

        huge = "word " * 6000  # longer than the server's 4096-token context
        result = backend.generate(GenerationRequest("too-long", (ChatMessage("user", huge),), huge))
    finally:
        backend.close()
    assert not result.ok
    assert result.error
