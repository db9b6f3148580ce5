"""Prompt templates are versioned data; a gap in a prompt is found before any model runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import workbench_command
from workbench.data.evalsets import load_evalset
from workbench.data.prompts import PromptError, get_prompt, load_prompts
from workbench.run.runner import render_all


def test_shipped_prompts_have_the_required_shape() -> None:
    zh = get_prompt("inpatient-summary-zh")
    assert zh.ref == "inpatient-summary-zh@1" and zh.language == "zh"
    system = zh.messages[0].content
    for section in ("【主诉】", "【现病史】", "【辅助检查】", "【初步诊断】"):
        assert section in system
    en = get_prompt("clinical-summary-en@1")
    assert en.variables() == ["source"]
    assert len(zh.content_hash()) == 64


def test_rendering_fills_the_case_and_never_the_reference() -> None:
    evalset = load_evalset("smoke-zh")
    rendered = render_all(evalset, get_prompt("inpatient-summary-zh@1"))
    assert len(rendered) == len(evalset.cases)
    for case, prompt in zip(evalset.cases, rendered):
        assert case.source in prompt.messages[-1].content
        assert case.reference not in prompt.messages[-1].content
        assert prompt.plain_prompt.endswith("摘要：")


def _write_prompt(directory: Path, name: str, version: int, user: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"{name}@{version}.yaml").write_text(
        f"name: {name}\nversion: {version}\ntask: summary\nmessages:\n  - role: user\n    content: \"{user}\"\n",
        encoding="utf-8",
    )


def test_versions_resolve_latest_and_exact(isolated_cwd: Path) -> None:
    _write_prompt(isolated_cwd / "prompts", "ward-summary", 1, "v1 {{source}}")
    _write_prompt(isolated_cwd / "prompts", "ward-summary", 2, "v2 {{source}}")
    assert get_prompt("ward-summary").version == 2
    assert get_prompt("ward-summary@1").version == 1
    with pytest.raises(PromptError, match="has no version 7"):
        get_prompt("ward-summary@7")
    assert {"ward-summary", "clinical-summary-en"} <= set(load_prompts())


def test_unfillable_variable_names_the_variable_and_the_case() -> None:
    _prompt = get_prompt("clinical-summary-en@1")
    bad = _prompt.model_copy(update={"messages": [_prompt.messages[0].model_copy(update={"content": "Ward {{metadata.ward}}: {{source}}"})]})
    with pytest.raises(PromptError, match=r"case 'en-ed-chest-pain'.*\{\{metadata.ward\}\}"):
        render_all(load_evalset("smoke-en"), bad)


def test_reference_is_never_a_prompt_variable() -> None:
    prompt = get_prompt("clinical-summary-en@1")
    cheating = prompt.model_copy(update={"messages": [prompt.messages[0].model_copy(update={"content": "{{reference}}"})]})
    with pytest.raises(PromptError, match="never shown to a model"):
        render_all(load_evalset("smoke-en"), cheating)


def test_cli_stops_before_loading_any_model_when_a_variable_is_missing(isolated_cwd: Path) -> None:
    _write_prompt(isolated_cwd / "prompts", "needs-ward", 1, "Ward {{metadata.ward}}: {{source}}")
    completed = subprocess.run(
        workbench_command() + ["run", "-m", "smollm2-135m", "-e", "smoke-en", "--prompt", "needs-ward@1",
                               "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 2
    assert "{{metadata.ward}}" in completed.stderr and "en-ed-chest-pain" in completed.stderr
    assert not (isolated_cwd / "runs").exists()


def test_malformed_prompt_file_names_the_file_and_field(isolated_cwd: Path) -> None:
    directory = isolated_cwd / "prompts"
    directory.mkdir()
    (directory / "broken@1.yaml").write_text("name: broken\nversion: one\ntask: summary\nmessages: []\n", encoding="utf-8")
    with pytest.raises(PromptError, match=r"broken@1.yaml: version"):
        load_prompts()
