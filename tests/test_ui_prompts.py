"""Editing a prompt in the UI: each edit is checked (YAML, fields, variables, a real change) and shown as a diff
before it is registered as a new version with its commit message; runs can use it at once, by URI or alias."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import ARTIFACTS
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop
from tests.test_ui_run import headers_outside
from workbench.ui.app import (
    UIConfig, editable_text, load_prompt_for_edit, preview_prompt_edit, prompt_versions, register_edited_prompt,
    set_alias,
)
from workbench import api
from workbench.data.evalsets import load_evalset
from workbench.data.prompts import PROMPT_VARIABLES, PromptTemplate
from workbench.privacy.audit import AuditLog
from workbench.run.files import list_run_dirs, read_run_dir
from workbench.track.prompt_registry import list_registry_prompts

BASE = "clinical-summary-en@1"
NAME = "clinical-summary-en"
ADDED_RULE = "5. Write at most 100 words."


def _config(root: Path) -> UIConfig:
    return UIConfig(runs_dir=root / "runs", tracking_uri=f"sqlite:///{root / 'mlruns' / 'mlflow.db'}",
                    audit=AuditLog(root / "audit.jsonl"))


def _edited(text: str) -> str:
    """The template with one more instruction in its first message."""
    fields = yaml.safe_load(text)
    fields["messages"][0]["content"] = fields["messages"][0]["content"].rstrip("\n") + "\n" + ADDED_RULE
    return editable_text(PromptTemplate.model_validate({**fields, "name": NAME, "version": 1}))


def test_an_edit_is_checked_before_it_is_registered(tmp_path: Path) -> None:
    config = _config(tmp_path)
    text = load_prompt_for_edit(config, BASE)

    def register(edited: str) -> str:
        return register_edited_prompt(config, NAME, edited, "Tighten the length", None, BASE)

    broken_yaml = register(text.replace("task: summary", "task: summary: first"))
    assert broken_yaml.startswith("**Not registered:**") and "not valid YAML: line 1, column 14" in broken_yaml, broken_yaml
    assert "Traceback" not in broken_yaml and "yaml." not in broken_yaml
    reference = register(text.replace("{{source}}", "{{source}} (reference: {{reference}})"))
    assert "{{reference}}" in reference.replace("\\", "") and "never shown to a model" in reference, reference
    typo = register(text.replace("{{source}}", "{{sourse}}"))
    assert "sourse" in typo and "did you mean 'source'" in typo and "messages" in typo, typo
    comment_only = register("# shorter summaries, maybe\n" + text)
    assert "nothing a run depends on changed" in comment_only and BASE in comment_only, comment_only
    description_only = register(text.replace("description: ", "description: Reworded. ", 1))
    assert "only the description changed" in description_only, description_only
    assert list_registry_prompts(tracking_uri=config.tracking_uri) == []  # nothing was registered

    status = register(_edited(text))
    assert status.startswith("Registered") and "clinical-summary-en@2" in status, status
    (version,) = list_registry_prompts(tracking_uri=config.tracking_uri)
    assert version.ref == "clinical-summary-en@2" and version.commit_message == "Tighten the length"
    again = register_edited_prompt(config, NAME, _edited(text), "Same again", None, version.uri)
    assert "nothing a run depends on changed from clinical-summary-en@2" in again, again


def test_the_diff_view_shows_the_edit_and_what_would_be_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    text = load_prompt_for_edit(config, BASE)
    unchanged = preview_prompt_edit(config, NAME, text, BASE)
    assert f"No changes from {BASE} yet" in unchanged
    edited = preview_prompt_edit(config, NAME, _edited(text), BASE)
    assert f'<span class="line added">+    {ADDED_RULE}</span>' in edited and "Would be refused" not in edited
    assert f'<span class="line file">--- {BASE}</span>' in edited
    refused = preview_prompt_edit(config, NAME, text.replace("{{source}}", "{{sourse}}"), BASE)
    assert "Would be refused" in refused and "sourse" in refused and '<span class="line removed">' in refused
    assert "<script" not in preview_prompt_edit(config, NAME, text + "# <script>alert(1)</script>\n", BASE)


def test_the_versions_table_and_prompts_list_show_registry_versions_and_aliases(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from workbench.cli import app as cli

    config = _config(tmp_path)
    status = register_edited_prompt(config, NAME, _edited(load_prompt_for_edit(config, BASE)), "Shorter", None, BASE)
    assert status.startswith("Registered"), status
    assert "prompts:/clinical-summary-en@production" in set_alias(config, NAME, "production", 1, None)
    rows, base = prompt_versions(config, NAME)
    registry = [row for row in rows if row[0] == "registry"]
    assert [(row[1], row[2], row[3]) for row in registry] == [
        ("clinical-summary-en@2", "prompts:/clinical-summary-en/1", "production")]
    assert base["value"] == "prompts:/clinical-summary-en/1"  # the newest version is where the next edit starts

    listed = CliRunner().invoke(cli, ["prompts", "list", "--tracking-uri", config.tracking_uri])
    assert listed.exit_code == 0, listed.output
    assert "clinical-summary-en" in listed.output and "prompts:/clinical-summary-en/1" in listed.output
    assert "@production" in listed.output and "Shorter" in listed.output


def test_every_value_a_run_fills_is_a_declared_prompt_variable() -> None:
    evalset = load_evalset("smoke-en")
    case = evalset.cases[0]
    values = {"required_sections": list(evalset.manifest.required_sections), "evalset": evalset.name,
              **case.prompt_values()}  # as runner.render_all fills them
    declared = {name.split(".", 1)[0] for name in PROMPT_VARIABLES}
    assert set(values) == declared


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


def _replace_template(page: object, text: str) -> None:
    """Replace the editor's text as a paste does (no auto-indent of typed newlines)."""
    page.locator("#prompt-template .cm-content").click()  # type: ignore[attr-defined]
    page.keyboard.press("Control+A")  # type: ignore[attr-defined]
    page.keyboard.insert_text(text)  # type: ignore[attr-defined]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(`make test` installs it)")
def test_edit_check_register_and_run_the_new_version_without_a_restart(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    (tmp_path / "models.yaml").write_text("models:\n  echo:\n    backend: scripted\n    model: echo-source\n",
                                          encoding="utf-8")
    process, url, _log = start_ui(tmp_path)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("tab", name="Prompts").click()
            page.locator("#prompt-name input").click()
            page.get_by_role("option", name="clinical-summary-en", exact=True).click()
            template, diff, status = page.locator("#prompt-template"), page.locator("#prompt-diff"), page.locator(
                "#prompt-status")
            expect(template).to_contain_text("{{source}}", timeout=60_000)
            text = load_prompt_for_edit(_config(tmp_path), BASE)
            page.locator("#prompt-message textarea").fill("At most 100 words")

            # A misspelled variable: the diff view warns while typing, registering is refused naming it.
            _replace_template(page, text.replace("{{source}}", "{{sourse}}"))
            expect(diff).to_contain_text("Would be refused", timeout=30_000)
            expect(diff).to_contain_text("sourse")
            page.locator("#prompt-register").click()
            expect(status).to_contain_text("Not registered", timeout=30_000)
            expect(status).to_contain_text("did you mean 'source'")
            # Broken YAML: where it is broken, not a traceback.
            _replace_template(page, text.replace("task: summary", "task: summary: first"))
            page.locator("#prompt-register").click()
            expect(status).to_contain_text("line 1, column 14", timeout=30_000)

            # A real change: the diff shows the added line, and the version registers.
            _replace_template(page, _edited(text))
            expect(diff.locator(".added").filter(has_text=ADDED_RULE)).to_be_visible(timeout=30_000)
            expect(diff).not_to_contain_text("Would be refused")
            page.screenshot(path=str(ARTIFACTS / "ui-prompts.png"), full_page=True)
            page.locator("#prompt-register").click()
            expect(status).to_contain_text("Registered clinical-summary-en@2", timeout=60_000)
            expect(page.locator("#prompt-versions")).to_contain_text("prompts:/clinical-summary-en/1")
            assert headers_outside(page, "prompt-versions") == []  # every column inside the table at 1400 px
            expect(page.locator("#prompt-base input")).to_have_value("prompts:/clinical-summary-en/1")

            # The Run tab offers it at once; a run with it uses the edited text.
            page.get_by_role("tab", name="Run").click()
            page.locator("#run-prompt input").click()
            page.get_by_role("option", name="prompts:/clinical-summary-en/1").click()
            expect(page.locator("#run-prompt input")).to_have_value("prompts:/clinical-summary-en/1")
            page.locator("#run-models").get_by_label("echo").check()
            page.locator("#run-limit input").fill("1")
            page.locator("#run-button").click()
            expect(page.locator("#run-status")).to_contain_text("Finished", timeout=180_000)
            browser.close()
    finally:
        stop(process)
    (run_dir,) = list_run_dirs(tmp_path / "runs")
    (evaluation,) = read_run_dir(run_dir).evaluations
    (record,) = evaluation.records
    assert record.ok and ADDED_RULE in record.messages[0]["content"]  # the edited system message was sent
