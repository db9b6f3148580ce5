"""The embedded llama.cpp backend on the real SmolLM2 and Gemma-3 GGUF files."""

from __future__ import annotations

import pytest

from workbench.data.evalsets import load_evalset
from workbench.models.catalogue import get_model_spec
from workbench.models.llamacpp_backend import LlamaCppBackend
from workbench.models.base import GenerationRequest
from workbench.data.prompts import get_prompt
from workbench.run.runner import render_all


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppBackend:
    backend = LlamaCppBackend(get_model_spec("smollm2-135m").with_overrides(max_tokens=24))
    yield backend
    backend.close()


def _request(index: int = 0, evalset: str = "smoke-en", prompt: str = "clinical-summary-en@1") -> GenerationRequest:
    rendered = render_all(load_evalset(evalset), get_prompt(prompt))[index]
    return GenerationRequest(request_id=f"t{index}", messages=rendered.messages, plain_prompt=rendered.plain_prompt)


def test_streams_with_exact_token_counts_and_ordered_timings(smollm2: LlamaCppBackend) -> None:
    result = smollm2.generate(_request())
    assert result.ok, result.error
    assert result.output
    assert result.completion_tokens == 24 and result.finish_reason == "length"
    assert result.prompt_tokens and result.prompt_tokens > 100
    assert len(result.itl_s) == result.completion_tokens - 1  # one gap per token after the first
    assert 0 < result.ttft_s <= result.ttfc_s <= result.e2e_s
    assert result.tpot_s is not None and result.tpot_s > 0
    info = smollm2.info()
    assert info.file_sha256 == get_model_spec("smollm2-135m").sha256
    assert info.backend_version.startswith("llama-cpp-python")


def test_greedy_decoding_is_reproducible(smollm2: LlamaCppBackend) -> None:
    assert smollm2.generate(_request(1)).output == smollm2.generate(_request(1)).output


def test_chinese_output_is_valid_text(smollm2: LlamaCppBackend) -> None:
    result = smollm2.generate(_request(0, "smoke-zh", "inpatient-summary-zh@1"))
    assert result.ok and "\ufffd" not in result.output


def test_prompt_longer_than_the_context_is_a_recorded_error_not_a_crash() -> None:
    backend = LlamaCppBackend(get_model_spec("smollm2-135m").model_copy(update={"context_length": 128}))
    try:
        result = backend.generate(_request())
    finally:
        backend.close()
    assert not result.ok
    assert result.error_type == "PromptTooLong" and "context length" in result.error


def test_base_model_runs_on_a_plain_document() -> None:
    backend = LlamaCppBackend(get_model_spec("gemma3-270m").with_overrides(max_tokens=12))
    try:
        result = backend.generate(_request())
    finally:
        backend.close()
    assert result.ok, result.error
    assert result.completion_tokens == 12 and result.output
