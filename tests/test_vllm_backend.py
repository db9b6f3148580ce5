"""The vLLM in-process backend: runs where vLLM and a CUDA GPU are present, skipped elsewhere.

On a GPU machine without downloaded weights, point WORKBENCH_VLLM_TEST_MODEL at a model whose
config and tokenizer are in the local Hugging Face cache; random weights of that architecture
are used (load_format: dummy), which is enough to check streaming, timings and token counts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.models.vllm_backend import BackendUnavailable, VLLMBackend, vllm_unavailable_reason

REASON = vllm_unavailable_reason()


def test_missing_vllm_or_gpu_gives_a_clear_message() -> None:
    if REASON is None:
        pytest.skip("vLLM and a GPU are present here")
    from workbench.models.catalogue import get_model_spec

    with pytest.raises(BackendUnavailable, match="qwen3-14b.*(vLLM is not installed|no CUDA GPU)"):
        VLLMBackend(get_model_spec("qwen3-14b"))


@pytest.mark.gpu
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_vllm_streams_with_timings_and_engine_metrics(tmp_path: Path) -> None:
    from workbench.data.evalsets import load_evalset
    from workbench.models.spec import ModelSpec, SamplingParams
    from workbench.data.prompts import get_prompt
    from workbench.run.runner import RunSettings, run_comparison

    spec = ModelSpec(
        name="vllm-test", backend="vllm", model=os.environ.get("WORKBENCH_VLLM_TEST_MODEL", "Qwen/Qwen3-0.6B"),
        context_length=4096, thinking=False, dtype="bfloat16",
        sampling=SamplingParams(temperature=0.0, max_tokens=32, seed=0),
        load_kwargs={"load_format": "dummy", "gpu_memory_utilization": 0.5, "enforce_eager": True},
    )
    outcome = run_comparison([spec], get_prompt("clinical-summary-en@1"), load_evalset("smoke-en"),
                             RunSettings(runs_dir=tmp_path, concurrency=4, show_progress=False))
    evaluation = outcome.evaluations[0]
    assert evaluation.error is None, evaluation.error
    for record in evaluation.records:
        assert record["error"] is None, record["error"]
        assert 0 < record["completion_tokens"] <= 32
        assert record["ttft_s"] <= record["e2e_s"]
