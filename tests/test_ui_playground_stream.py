"""The Playground shows each model's output as it is generated, not only once it is done."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import ARTIFACTS
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, PLAYGROUND_NOTE, start_ui, stop
from workbench.data.prompts import get_prompt
from workbench.models.catalogue import load_catalogue
from workbench.privacy.audit import AuditLog
from workbench.run.playground import run_playground
from workbench.ui import app as ui_app

TOKEN_DELAY_S = 0.03  # the scripted model waits this long before each word it streams


def _catalogue(root: Path, delay_s: float = TOKEN_DELAY_S) -> Path:
    path = root / "models.yaml"
    path.write_text("models:\n  echo:\n    backend: scripted\n    model: echo-source\n"
                    f"    load_kwargs: {{stream_token_delay_s: {delay_s}}}\n", encoding="utf-8")
    return path


def _output_text(update: list[Any]) -> str:
    """The text in the first output column of one Playground update."""
    value = update[4].get("value") if isinstance(update[4], dict) else None
    return value["text"] if value else ""


def test_run_playground_reports_the_text_so_far_as_it_streams(tmp_path: Path) -> None:
    spec = load_catalogue([_catalogue(tmp_path, 0.0)])["echo"].spec
    seen: list[tuple[str, str]] = []
    (result,) = run_playground(PLAYGROUND_NOTE, [spec], get_prompt("clinical-summary-en@1"),
                               on_text=lambda model, text: seen.append((model, text)))
    assert len(seen) > 10 and {model for model, _ in seen} == {"echo"}
    texts = [text for _, text in seen]
    assert all(later.startswith(earlier) and len(later) > len(earlier) for earlier, later in zip(texts, texts[1:]))
    assert texts[-1] == result.output  # the last piece completes the output


def test_playground_handler_yields_growing_partial_outputs_before_the_result(tmp_path: Path) -> None:
    config = ui_app.UIConfig(runs_dir=tmp_path / "runs", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                             audit=AuditLog(tmp_path / "audit.jsonl"), catalogue=[_catalogue(tmp_path)])
    updates = list(ui_app.playground(config, PLAYGROUND_NOTE, ["echo"], ui_app.SET_DEFAULT_PROMPT, None,
                                     SimpleNamespace(username=None, session_hash="s1")))
    *streaming, final = updates
    assert final[0].startswith("Done") and "Rosalind Ashgrove" in _output_text(final)
    partial = [text for text in map(_output_text, streaming) if text]
    assert len(partial) >= 2, [update[0] for update in updates]  # more than one intermediate update
    assert all(len(later) > len(earlier) and later.startswith(earlier) for earlier, later in zip(partial, partial[1:]))
    assert len(partial[-1]) <= len(_output_text(final))
    assert all(update[0].startswith("**Running**") for update in streaming)
    # Throttled: the whole output arrives as a few updates, not one per word.
    words = len(_output_text(final).split())
    assert len(streaming) < words / 2, (len(streaming), words)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(`make test` installs it)")
def test_playground_page_shows_partial_text_while_generating(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    _catalogue(tmp_path, 0.05)
    process, url, _log = start_ui(tmp_path)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("tab", name="Playground").click()
            page.locator("#pg-note textarea").fill(PLAYGROUND_NOTE)
            page.locator("#pg-models").get_by_label("echo").check()
            page.locator("#pg-button").click()
            # Some text is on the page while the status still says the model is running.
            page.wait_for_function(
                """() => {
                    const status = document.querySelector('#pg-status')?.innerText || '';
                    const output = document.querySelector('#pg-output-0')?.innerText || '';
                    return status.includes('Running') && output.includes('Clinic note');
                }""", timeout=60_000)
            partial = page.locator("#pg-output-0").inner_text()
            page.screenshot(path=str(ARTIFACTS / "ui-playground-streaming.png"), full_page=True)
            expect(page.locator("#pg-status")).to_contain_text("nothing was stored", timeout=120_000)
            final = page.locator("#pg-output-0").inner_text()
            assert "Rosalind Ashgrove" in final and len(final) > len(partial), (partial, final)
            page.screenshot(path=str(ARTIFACTS / "ui-playground.png"), full_page=True)
            browser.close()
    finally:
        stop(process)
