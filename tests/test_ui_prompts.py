"""Editing a prompt in the UI registers a new version with its commit message; runs can use it by alias."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.ui.app import UIConfig, editable_text, load_prompt_for_edit, register_edited_prompt, set_alias
from workbench import api
from workbench.privacy.audit import AuditLog
from workbench.track.prompt_registry import list_registry_prompts


@pytest.mark.slow
def test_edit_register_alias_and_run_with_the_new_version(isolated_cwd: Path) -> None:
    uri = f"sqlite:///{isolated_cwd / 'mlruns' / 'mlflow.db'}"
    config = UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=uri, audit=AuditLog(isolated_cwd / "audit.jsonl"))
    text = load_prompt_for_edit(config, "clinical-summary-en@1")
    fields = yaml.safe_load(text)
    assert "name" not in fields and "version" not in fields
    fields["messages"][0]["content"] += "\n5. Write at most 120 words."
    edited = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)

    assert "commit message" in register_edited_prompt(config, "clinical-summary-en", edited, "  ", None)
    assert "cannot be edited" in register_edited_prompt(config, "clinical-summary-en", text + "version: 9\n", "x", None)
    status = register_edited_prompt(config, "clinical-summary-en", edited, "Cap the length at 120 words", None)
    assert "clinical-summary-en@2" in status, status
    versions = [v for v in list_registry_prompts(tracking_uri=uri) if v.name == "clinical-summary-en"]
    assert [(v.ref, v.commit_message) for v in versions] == [("clinical-summary-en@2", "Cap the length at 120 words")]
    assert "prompts:/clinical-summary-en@candidate" in set_alias(config, "clinical-summary-en", "candidate",
                                                               versions[0].registry_version, None)

    result = api.evaluate(["smollm2-135m"], "smoke-en", prompt="prompts:/clinical-summary-en@candidate", limit=1,
                          max_tokens=16, runs_dir=isolated_cwd / "runs", tracking_uri=uri, show_progress=False)
    assert result.errors == {}
    assert result.mlflow_error is None and result.mlflow_parent_run_id
    assert result.outcome.prompt.ref == "clinical-summary-en@2"
    assert "120 words" in result.outcome.evaluations[0].records[0].messages[0]["content"]
    assert yaml.safe_load(editable_text(result.outcome.prompt)) == fields
    audit = (isolated_cwd / "audit.jsonl").read_text()
    assert "120 words" not in audit and "prompts.register" in audit and "prompts.alias" in audit
