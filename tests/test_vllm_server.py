"""How a catalogue entry becomes a vLLM server command, and the reasoning rules around it (no vLLM needed)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from workbench.models import ModelSpec, get_model_spec
from workbench.models.base import StreamClock
from workbench.models.openai_http import OpenAIHTTPBackend
from workbench.models.reasoning import content_has_started, split_reasoning
from workbench.models.vllm_backend import opens_reasoning
from workbench.models.vllm_server import VLLMServerError, server_arguments, server_parses_reasoning, vllm_python

THINK = (("<think>", "</think>"),)


def _option(arguments: list[str], flag: str) -> str:
    return arguments[arguments.index(flag) + 1]


def test_catalogue_fields_become_server_options() -> None:
    spec = ModelSpec(name="m", backend="vllm", model="Qwen/Qwen3-14B", revision="abc123", dtype="bfloat16",
                     context_length=8192, sampling={"seed": 7},
                     load_kwargs={"gpu_memory_utilization": 0.85, "tensor_parallel_size": 2, "enforce_eager": True,
                                  "enable_prefix_caching": False, "limit_mm_per_prompt": {"image": 0},
                                  "max_concurrency": 8})
    arguments = server_arguments(spec, port=8123)
    assert _option(arguments, "--model") == "Qwen/Qwen3-14B"
    assert _option(arguments, "--served-model-name") == "m"
    assert _option(arguments, "--host") == "127.0.0.1"
    assert _option(arguments, "--port") == "8123"
    assert _option(arguments, "--revision") == "abc123"
    assert _option(arguments, "--dtype") == "bfloat16"
    assert _option(arguments, "--max-model-len") == "8192"
    assert _option(arguments, "--seed") == "7"
    assert _option(arguments, "--gpu-memory-utilization") == "0.85"
    assert _option(arguments, "--tensor-parallel-size") == "2"
    assert "--enforce-eager" in arguments and "--no-enable-prefix-caching" in arguments
    assert json.loads(_option(arguments, "--limit-mm-per-prompt")) == {"image": 0}
    # Sampling is exactly what the request says: nothing is filled in from the checkpoint's generation config.
    assert _option(arguments, "--generation-config") == "vllm"
    # The workbench's own client limit is not a server option; the API key never appears on the command line.
    assert "--max-concurrency" not in arguments and "--api-key" not in arguments


def test_a_local_weights_directory_takes_no_revision_and_the_generation_config_can_be_chosen() -> None:
    spec = ModelSpec(name="m", backend="vllm", path="/models/medgemma", revision="main",
                     load_kwargs={"generation_config": "auto"})
    arguments = server_arguments(spec, port=1)
    assert _option(arguments, "--model") == "/models/medgemma" and "--revision" not in arguments
    assert _option(arguments, "--generation-config") == "auto"


def test_load_kwargs_may_not_repeat_what_the_entry_sets() -> None:
    spec = ModelSpec(name="m", backend="vllm", model="x", load_kwargs={"max_model_len": 4096, "seed": 1})
    with pytest.raises(VLLMServerError, match=r"model 'm'.*max_model_len \(use context_length\).*seed"):
        server_arguments(spec, port=1)


def test_shipped_gpu_entries() -> None:
    qwen = get_model_spec("qwen3-14b")
    assert _option(server_arguments(qwen, port=1), "--reasoning-parser") == "qwen3"
    assert server_parses_reasoning(qwen)
    medgemma = server_arguments(get_model_spec("medgemma-4b-it"), port=1)
    assert "--language-model-only" in medgemma  # a multimodal checkpoint, run for text


def test_a_vllm_entry_takes_no_base_url() -> None:
    with pytest.raises(ValueError, match="takes no 'base_url'.*backend 'openai'"):
        ModelSpec(name="m", backend="vllm", model="x", base_url="http://127.0.0.1:8000/v1")


def test_the_python_that_runs_vllm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_VLLM_PYTHON", str(tmp_path / "missing"))
    with pytest.raises(VLLMServerError, match="WORKBENCH_VLLM_PYTHON=.*missing is not an executable"):
        vllm_python()
    monkeypatch.setenv("WORKBENCH_VLLM_PYTHON", sys.executable)
    assert vllm_python() == sys.executable
    monkeypatch.delenv("WORKBENCH_VLLM_PYTHON")
    with pytest.raises(VLLMServerError, match=r"vLLM is not installed.*\.\[gpu\].*WORKBENCH_VLLM_PYTHON"):
        vllm_python()  # the workbench's own environment never has vLLM


def test_a_template_that_opens_reasoning_in_the_prompt() -> None:
    assert opens_reasoning("<|im_start|>assistant\n<think>\n", [("<think>", "</think>")])
    assert not opens_reasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n", [("<think>", "</think>")])
    assert not opens_reasoning("<|im_start|>assistant\n", [("<think>", "</think>")])
    assert not opens_reasoning("user: what does <think> mean?<|im_start|>assistant\n", [("<think>", "</think>")])


def test_output_that_begins_inside_reasoning() -> None:
    text = "The troponin rose, so NSTEMI.</think>\n\nAssessment: NSTEMI."
    split = split_reasoning(text, THINK, starts_in_reasoning=True)
    assert split.content == "Assessment: NSTEMI." and split.reasoning == "The troponin rose, so NSTEMI."
    cut_short = split_reasoning("The troponin rose, so", THINK, starts_in_reasoning=True)
    assert cut_short.content == "" and cut_short.reasoning == "The troponin rose, so" and cut_short.reasoning_unterminated
    assert not content_has_started("The troponin", THINK, starts_in_reasoning=True)
    assert content_has_started("The troponin", THINK)  # without the flag the reasoning would be taken for content


def test_stream_clock_does_not_take_the_first_reasoning_token_for_content() -> None:
    ticks = iter(float(n) for n in range(100))
    clock = StreamClock("r", THINK, timer=lambda: next(ticks), starts_in_reasoning=True)
    for piece in ("The", " troponin", " rose", "</think>", "\n\n", "Assessment", ": NSTEMI."):
        clock.piece(piece)
    result = clock.finish(finish_reason="stop")
    assert result.output == "Assessment: NSTEMI."
    assert result.reasoning == "The troponin rose"
    assert result.ttft_s == 1.0  # the first token is still the first token
    assert result.ttfc_s == 6.0  # but the answer starts at "Assessment"
    assert result.reasoning_tokens == 5


def test_request_extra_adds_fields_and_never_replaces_the_entrys_own() -> None:
    spec = ModelSpec(name="m", backend="openai", model="m", base_url="http://127.0.0.1:9/v1",
                     request_extra={"ignore_eos": True, "min_tokens": 8})
    backend = OpenAIHTTPBackend(spec)
    from workbench.models.base import ChatMessage, GenerationRequest

    _url, body = backend._request_body(GenerationRequest("r", (ChatMessage("user", "hi"),), "hi"))
    assert body["ignore_eos"] is True and body["min_tokens"] == 8 and body["max_tokens"] == spec.sampling.max_tokens
    backend.close()
    clashing = spec.model_copy(update={"request_extra": {"temperature": 1.0, "ignore_eos": True}})
    with pytest.raises(ValueError, match="request_extra may not set temperature"):
        OpenAIHTTPBackend(clashing)


def _fake_nvidia_smi(directory: Path, holders: Path) -> None:
    """An `nvidia-smi` that lists two GPUs and, as compute apps, the process ids in ``holders``."""
    script = directory / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        '  --query-gpu=*) printf "0, NVIDIA H100 80GB HBM3, 81559, 1024, 550.54\\n1, NVIDIA H100 80GB HBM3, 81559, 0, 550.54\\n" ;;\n'
        f'  --query-compute-apps=*) cat "{holders}" ;;\n'
        "esac\n")
    script.chmod(0o755)


def test_gpus_are_read_and_the_wait_ends_when_memory_is_released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from workbench.models.vllm_server import gpu_processes, visible_gpus, wait_for_gpu_release

    holders = tmp_path / "holders"
    holders.write_text("4242\n4343\n")
    _fake_nvidia_smi(tmp_path, holders)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    gpus = visible_gpus()
    assert [(g.index, g.name, g.memory_total_mib, g.memory_used_mib) for g in gpus] == [
        (0, "NVIDIA H100 80GB HBM3", 81559, 1024), (1, "NVIDIA H100 80GB HBM3", 81559, 0)]
    assert gpu_processes() == {4242, 4343}
    assert not wait_for_gpu_release({4242}, timeout_s=0.6)  # still held
    threading.Timer(0.8, lambda: holders.write_text("4343\n")).start()
    began = time.monotonic()
    assert wait_for_gpu_release({4242}, timeout_s=10)
    assert 0.6 < time.monotonic() - began < 5


def test_the_cache_key_of_a_weights_directory_follows_its_files(tmp_path: Path) -> None:
    from workbench.models import model_identity

    (tmp_path / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}')
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 64)
    spec = ModelSpec(name="m", backend="vllm", path=str(tmp_path))
    first = model_identity(spec)
    assert first == model_identity(spec) and first["weights_dir"] == str(tmp_path.resolve())
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 65)  # weights replaced
    assert model_identity(spec)["files_sha256"] != first["files_sha256"]
    (tmp_path / "config.json").write_text('{"architectures": ["Qwen3ForCausalLM"]}')
    assert model_identity(spec)["config_sha256"] != first["config_sha256"]
    assert model_identity(ModelSpec(name="h", backend="vllm", model="Qwen/Qwen3-14B", revision="main")) == {
        "snapshot": "main"}  # not in the local cache: the revision as written
