"""Backends by name: the registry, a backend added by a user, and the scripted backend end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.data.evalsets import load_evalset
from workbench.data.prompts import ChatMessage, get_prompt
from workbench.errors import WorkbenchError
from workbench.models import (
    BackendEntry, BackendInfo, GenerationRequest, GenerationResult, ModelSpec, model_identity, open_backend,
)
from workbench.models.catalogue import CatalogueError, load_catalogue
from workbench.models.registry import (
    UnknownBackendError, backend_names, get_backend, register_backend, unregister_backend,
)
from workbench.models.scripted import (
    DEFAULT_S_PER_TOKEN, DEFAULT_TTFT_S, ScriptedBackend, ScriptError, register_script, unregister_script,
)
from workbench.run.runner import RunSettings, run_comparison

KNOWN = "known backends: llamacpp, openai, scripted, vllm"


def _catalogue(directory: Path, text: str) -> Path:
    path = directory / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _request(case_id: str, user: str = "Summarise.", *, model: str = "m") -> GenerationRequest:
    messages = (ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content=user))
    return GenerationRequest(request_id=f"20260101-000000-abcdef:{model}:{case_id}", messages=messages,
                             plain_prompt=f"Be brief.\n\n{user}")


# --- the registry ---------------------------------------------------------------------------------


def test_builtin_backends_are_registered_and_unknown_names_list_them(isolated_cwd: Path) -> None:
    assert backend_names() == ["llamacpp", "openai", "scripted", "vllm"]
    assert get_backend("scripted").name == "scripted"
    with pytest.raises(UnknownBackendError, match=f"unknown backend 'nosuch'; {KNOWN}$") as raised:
        get_backend("nosuch")
    assert isinstance(raised.value, WorkbenchError) and isinstance(raised.value, ValueError)

    bad = _catalogue(isolated_cwd, "models:\n  broken:\n    backend: nosuch\n")
    with pytest.raises(CatalogueError, match=rf"models.yaml: models.broken.backend: .*model 'broken': "
                                             rf"unknown backend 'nosuch'; {KNOWN}"):
        load_catalogue([bad])

    good = _catalogue(isolated_cwd, "models:\n  demo:\n    backend: scripted\n    model: echo-source\n")
    spec = load_catalogue([good])["demo"].spec
    assert (spec.backend, spec.model) == ("scripted", "echo-source")


def test_per_backend_field_rules_still_name_the_file_and_model(isolated_cwd: Path) -> None:
    cases = {
        "llamacpp": r"model 'broken': backend 'llamacpp' needs 'path' \(a .gguf file\) or 'package'",
        "vllm": r"model 'broken': backend 'vllm' needs 'model' \(a Hugging Face id\) or 'path'",
        "openai": r"model 'broken': backend 'openai' needs 'base_url'.*model 'broken': backend 'openai' needs 'model'",
        "scripted": r"model 'broken': backend 'scripted' needs 'path' .* or 'model'",
    }
    for backend, message in cases.items():
        bad = _catalogue(isolated_cwd, f"models:\n  broken:\n    backend: {backend}\n")
        with pytest.raises(CatalogueError, match=rf"models.yaml: models.broken.*{message}"):
            load_catalogue([bad])
    bad = _catalogue(isolated_cwd, "models:\n  broken:\n    backend: scripted\n    model: nope\n")
    with pytest.raises(CatalogueError, match=r"unknown script 'nope'; known scripts: echo-source, first-sentences"):
        load_catalogue([bad])


def test_importing_the_registry_loads_no_backend_implementation() -> None:
    code = (
        "import sys\n"
        "from workbench.models import get_model_spec\n"
        "from workbench.models.registry import backend_names\n"
        "get_model_spec('smollm2-135m'); get_model_spec('qwen3-14b')\n"
        "loaded = [m for m in ('llama_cpp', 'vllm', 'workbench.models.llamacpp_backend',\n"
        "          'workbench.models.vllm_backend', 'workbench.models.openai_http') if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


class TinyBackend:
    """A user's own backend: answers every request with the spec's model name."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.closed = False

    def info(self) -> BackendInfo:
        return BackendInfo(backend="tiny", backend_version="1", model_id=self.spec.model or "")

    def generate(self, request: GenerationRequest) -> GenerationResult:
        return GenerationResult(request_id=request.request_id, output=f"tiny says {self.spec.model}")

    def close(self) -> None:
        self.closed = True


def _tiny_entry(description: str = "a test backend") -> BackendEntry:
    return BackendEntry(
        name="tiny",
        description=description,
        open=lambda spec, options: TinyBackend(spec),
        identity=lambda spec: {"tiny_model": spec.model},
        check_spec=lambda spec: [] if spec.model else ["backend 'tiny' needs 'model'"],
    )


@pytest.fixture()
def tiny_backend() -> Iterator[BackendEntry]:
    entry = _tiny_entry()
    register_backend(entry)
    try:
        yield entry
    finally:
        unregister_backend("tiny")


def test_a_registered_backend_is_valid_in_catalogues_and_opened_by_name(
        isolated_cwd: Path, tiny_backend: BackendEntry) -> None:
    catalogue = _catalogue(isolated_cwd, "models:\n  mine:\n    backend: tiny\n    model: small\n")
    spec = load_catalogue([catalogue])["mine"].spec
    backend = open_backend(spec)
    assert isinstance(backend, TinyBackend)
    assert backend.generate(_request("c1")).output == "tiny says small"
    assert model_identity(spec) == {"tiny_model": "small"}
    assert "tiny" in backend_names()

    missing = _catalogue(isolated_cwd, "models:\n  mine:\n    backend: tiny\n")
    with pytest.raises(CatalogueError, match=r"models.yaml: models.mine.*model 'mine': backend 'tiny' needs 'model'"):
        load_catalogue([missing])


def test_reregistering_a_name_needs_replace(tiny_backend: BackendEntry) -> None:
    with pytest.raises(ValueError, match="backend 'tiny' is already registered .*replace=True"):
        register_backend(_tiny_entry("another"))
    assert get_backend("tiny") is tiny_backend
    replacement = _tiny_entry("another")
    register_backend(replacement, replace=True)
    assert get_backend("tiny") is replacement
    with pytest.raises(ValueError, match="backend 'scripted' is already registered"):
        register_backend(BackendEntry("scripted", "impostor", open=lambda spec, options: TinyBackend(spec)))


def test_a_spec_of_a_backend_unregistered_since_fails_with_the_model_named(isolated_cwd: Path) -> None:
    register_backend(_tiny_entry())
    spec = ModelSpec(name="mine", backend="tiny", model="small")
    unregister_backend("tiny")
    with pytest.raises(UnknownBackendError, match=f"model 'mine': unknown backend 'tiny'; {KNOWN}"):
        open_backend(spec)


# --- the scripted backend -------------------------------------------------------------------------


SCRIPT_YAML = """
case-a:
  output: "<think>plan</think>Chief Complaint: chest pain."
  ttft_s: 0.2
  e2e_s: 1.2
  completion_tokens: 11
  prompt_tokens: 300
case-b:
  error: "server overloaded"
  e2e_s: 0.5
m:case-c: "Four words of output."
"""


def test_scripted_from_a_file_returns_the_script_and_its_timings(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT_YAML, encoding="utf-8")
    spec = ModelSpec(name="m", backend="scripted", path=str(script))
    backend = open_backend(spec)
    assert isinstance(backend, ScriptedBackend)
    info = backend.info()
    assert (info.backend, info.device, info.max_concurrency) == ("scripted", "cpu", 8)
    assert info.details["timings"] == "scripted" and info.details["script_file"] == str(script)

    a = backend.generate(_request("case-a"))
    assert a.ok and (a.output, a.reasoning) == ("Chief Complaint: chest pain.", "plan")
    assert (a.ttft_s, a.e2e_s, a.completion_tokens, a.prompt_tokens) == (0.2, 1.2, 11, 300)
    assert a.tpot_s == pytest.approx(0.1) and a.itl_s == pytest.approx([0.1] * 10)
    assert a.token_count_source == "scripted" and a.started_at is not None

    b = backend.generate(_request("case-b"))
    assert not b.ok and (b.error, b.error_type, b.e2e_s) == ("server overloaded", "ScriptedError", 0.5)

    c = backend.generate(_request("case-c"))  # keyed by the "model:case" suffix of the request id
    assert (c.output, c.completion_tokens, c.ttft_s) == ("Four words of output.", 4, DEFAULT_TTFT_S)
    assert c.e2e_s == pytest.approx(DEFAULT_TTFT_S + 3 * DEFAULT_S_PER_TOKEN)

    missing = backend.generate(_request("case-z"))
    assert not missing.ok and missing.error_type == "ScriptError"
    assert str(script) in (missing.error or "") and "case 'case-z'" in (missing.error or "")

    identity = model_identity(spec)
    script.write_text(SCRIPT_YAML + "case-d: more\n", encoding="utf-8")
    assert model_identity(spec) != identity  # an edited script is never served from the cache


def test_scripted_file_errors_name_the_file_and_field(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"case-a": {"output": "x", "ttft": 0.1}}), encoding="utf-8")
    with pytest.raises(ScriptError, match=r"script.json: case-a: unknown field\(s\) ttft"):
        open_backend(ModelSpec(name="m", backend="scripted", path=str(script)))
    script.write_text(json.dumps({"case-a": {"output": "x", "e2e_s": "slow"}}), encoding="utf-8")
    with pytest.raises(ScriptError, match=r"script.json: case-a.e2e_s: expected a number"):
        open_backend(ModelSpec(name="m", backend="scripted", path=str(script)))
    with pytest.raises(ScriptError, match=r"nothere.yaml: script file not found"):
        model_identity(ModelSpec(name="m", backend="scripted", path=str(tmp_path / "nothere.yaml")))


def test_scripted_from_a_registered_function_and_the_builtin_scripts(tmp_path: Path) -> None:
    def shout(request: GenerationRequest) -> dict[str, Any]:
        if request.request_id.endswith(":boom"):
            return {"error": "scripted failure"}
        return {"output": request.messages[-1].content.upper(), "ttft_s": 0.3, "e2e_s": 0.9}

    register_script("test-shout", shout)
    try:
        backend = open_backend(ModelSpec(name="m", backend="scripted", model="test-shout"))
        loud = backend.generate(_request("c1", "quiet words"))
        assert (loud.output, loud.ttft_s, loud.e2e_s, loud.completion_tokens) == ("QUIET WORDS", 0.3, 0.9, 2)
        assert backend.info().model_id == "test-shout"
        failed = backend.generate(_request("boom"))
        assert (failed.error, failed.error_type) == ("scripted failure", "ScriptedError")
        with pytest.raises(ValueError, match="script 'test-shout' is already registered"):
            register_script("test-shout", shout)
    finally:
        unregister_script("test-shout")

    note = "ED NOTE. Patient: Harold Whitcombe, MRN 40318876. BP 150/90 mmHg, T 38.2 °C. Chest pain. Aspirin given."
    echo = open_backend(ModelSpec(name="e", backend="scripted", model="echo-source")).generate(_request("c", note))
    assert echo.output == note
    first = open_backend(ModelSpec(name="f", backend="scripted", model="first-sentences")).generate(_request("c", note))
    assert first.output == "ED NOTE. Patient: Harold Whitcombe, MRN 40318876. BP 150/90 mmHg, T 38.2 °C."
    chinese = open_backend(ModelSpec(name="f", backend="scripted", model="first-sentences")).generate(
        _request("c", "患者男性。胸痛两小时！血压150/90 mmHg。无发热。"))
    assert chinese.output == "患者男性。胸痛两小时！血压150/90 mmHg。"


def test_scripted_file_answers_its_cases_and_the_function_the_rest(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("case-a: from the file\n", encoding="utf-8")
    backend = open_backend(ModelSpec(name="m", backend="scripted", path=str(script), model="echo-source"))
    assert backend.generate(_request("case-a", "the note")).output == "from the file"
    assert backend.generate(_request("case-b", "the note")).output == "the note"


# --- a real comparison with scripted models --------------------------------------------------------


def test_a_comparison_of_scripted_models_records_the_scripted_outputs_and_timings(
        isolated_cwd: Path, tmp_path: Path) -> None:
    evalset = load_evalset("smoke-en")
    first, second, *rest = [case.id for case in evalset.cases]
    script = isolated_cwd / "script.yaml"
    script.write_text(json.dumps({
        first: {"output": "Chief Complaint: chest pain.", "ttft_s": 0.25, "e2e_s": 2.0, "completion_tokens": 8},
        second: {"error": "server overloaded"},
    }), encoding="utf-8")
    catalogue = _catalogue(isolated_cwd, f"""
models:
  from-file:
    backend: scripted
    path: {script}
  echo:
    backend: scripted
    model: echo-source
""")
    entries = load_catalogue([catalogue])
    specs = [entries["from-file"].spec, entries["echo"].spec]
    settings = RunSettings(runs_dir=tmp_path / "runs", concurrency=4, show_progress=False)
    outcome = run_comparison(specs, get_prompt(evalset.manifest.default_prompt), evalset, settings)

    by_model = {evaluation.model: evaluation for evaluation in outcome.evaluations}
    assert set(by_model) == {"from-file", "echo"}
    scripted = {record.case_id: record for record in by_model["from-file"].records}
    assert by_model["from-file"].error is None
    hit = scripted[first]
    assert hit.output == "Chief Complaint: chest pain."
    assert (hit.ttft_s, hit.e2e_s, hit.completion_tokens, hit.token_count_source) == (0.25, 2.0, 8, "scripted")
    assert hit.generated_by is not None and hit.generated_by["backend"] == "scripted"
    assert hit.generated_by["details"]["timings"] == "scripted"
    assert (scripted[second].error, scripted[second].error_type) == ("server overloaded", "ScriptedError")
    for case_id in rest:  # the file has no entry for these: failed records that say so
        error = scripted[case_id].error or ""
        assert scripted[case_id].error_type == "ScriptError"
        assert str(script) in error and f"case '{case_id}'" in error
    metrics = by_model["from-file"].metrics
    assert metrics["cases"] == 4 and metrics["failures"] == 3

    echoed = {record.case_id: record for record in by_model["echo"].records}
    for case in evalset.cases:
        record = echoed[case.id]
        assert record.error is None and record.completion_tokens
        assert case.source in record.output  # the note is copied, identifiers and all
        assert record.ttft_s == DEFAULT_TTFT_S
        assert record.e2e_s == pytest.approx(DEFAULT_TTFT_S + DEFAULT_S_PER_TOKEN * (record.completion_tokens - 1))
    evaluation = json.loads((by_model["echo"].directory / "evaluation.json").read_text(encoding="utf-8"))
    assert evaluation["backend_info"]["details"]["timings"] == "scripted"
    assert evaluation["effective_concurrency"] == 4
