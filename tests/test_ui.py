"""The browser workbench as a clinical informaticist uses it: a real server, real chromium, a real model."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ARTIFACTS, free_port, workbench_command
from workbench.data.evalsets import load_evalset

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PLAYGROUND_NOTE = ("Clinic note. Patient: Rosalind Ashgrove, MRN 77120456, seen 02/09/2026. Cough for 3 weeks, "
                   "temperature 38.4 °C, SpO2 95%. Chest X-ray: right lower lobe consolidation. Plan: amoxicillin.")


def start_ui(workdir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    log_path = workdir / "ui.log"
    env = {**os.environ, "WORKBENCH_AUDIT_LOG": str(workdir / "audit.jsonl")}
    env.pop("MLFLOW_TRACKING_URI", None)
    process = subprocess.Popen(
        [*workbench_command(), "ui", "--port", str(port), "--runs-dir", str(workdir / "runs"),
         "--tracking-uri", f"sqlite:///{workdir / 'mlruns' / 'mlflow.db'}", *extra],
        cwd=workdir, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the UI exited: {log_path.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=2)
            return process, url, log_path
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"the UI did not start within 120 s: {log_path.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(`make test` installs it)")
def test_run_leaderboard_cases_and_playground_in_a_browser(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    process, url, log_path = start_ui(tmp_path)
    external: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda request: external.append(request.url)
                    if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
            page.goto(url)

            # Run: smollm2-135m over the first 2 cases of smoke-en.
            page.locator("#run-models").get_by_label("smollm2-135m").check()
            expect(page.locator("#run-evalset")).to_contain_text("smoke-en")  # the default choice
            page.locator("#run-limit input").fill("2")
            page.locator("#run-max-tokens input").fill("48")
            page.locator("#run-button").click()
            expect(page.locator("#run-status")).to_contain_text("Running", timeout=60_000)
            expect(page.locator("#run-status")).to_contain_text("Finished", timeout=300_000)
            expect(page.locator("#run-status")).to_contain_text("logged to MLflow")
            expect(page.locator("#run-result")).to_contain_text("smollm2-135m")
            page.screenshot(path=str(ARTIFACTS / "ui-smollm2-run.png"), full_page=True)

            # Leaderboard: the row comes from MLflow, the charts render.
            page.get_by_role("tab", name="Leaderboard").click()
            table = page.locator("#leaderboard-table")
            expect(table).to_contain_text("smollm2-135m", timeout=60_000)
            expect(table).to_contain_text("smoke-en")
            expect(page.locator("#chart-quality-latency .main-svg").first).to_be_visible(timeout=30_000)
            expect(page.locator("#chart-phi-label .main-svg").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-smollm2-leaderboard.png"), full_page=True)

            # Cases: the newest run is listed; once the user picks a case, the source with its gold PHI
            # highlighted and the model's output beside it.
            page.get_by_role("tab", name="Cases").click()
            first_case = load_evalset("smoke-en").cases[0]
            page.locator("#case-id input").click()
            page.get_by_role("option", name=first_case.id).click()
            source = page.locator("#case-source")
            highlighted = source.locator(".token.highlighted")
            expect(highlighted.first).to_be_visible(timeout=60_000)
            gold = [first_case.source[s.start:s.end] for s in first_case.phi]
            marked = highlighted.all_inner_texts()
            assert any(text.strip() in gold for text in marked), (marked, gold)
            expect(source).to_contain_text("NAME")  # the legend names the PHI label
            expect(page.locator("#case-output-0")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-smollm2-cases.png"), full_page=True)

            # Prompts: the versions of the set's prompt, its template ready to edit.
            page.get_by_role("tab", name="Prompts").click()
            page.locator("#prompt-name input").click()
            page.get_by_role("option", name="clinical-summary-en", exact=True).click()
            expect(page.locator("#prompt-versions")).to_contain_text("clinical-summary-en@1", timeout=60_000)
            expect(page.locator("#prompt-versions")).to_contain_text("prompts:/clinical-summary-en/1")
            expect(page.locator("#prompt-template")).to_contain_text("{{source}}", timeout=30_000)

            # Playground: a pasted note, run once, its identifiers flagged; nothing stored.
            page.get_by_role("tab", name="Playground").click()
            page.locator("#pg-note textarea").fill(PLAYGROUND_NOTE)
            page.locator("#pg-models").get_by_label("smollm2-135m").check()
            page.locator("#pg-button").click()
            expect(page.locator("#pg-status")).to_contain_text("nothing was stored", timeout=180_000)
            expect(page.locator("#pg-output-0")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-smollm2-playground.png"), full_page=True)
            browser.close()
    finally:
        stop(process)
    assert external == [], f"the page fetched from outside the machine: {external}"

    # One run directory, no playground traces in runs/ or the cache.
    run_dirs = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    assert len(run_dirs) == 1
    assert not any("Rosalind" in p.read_text(errors="ignore") for p in (tmp_path / "runs").rglob("*") if p.is_file())

    # The audit log: every action, with hashes, never the text.
    audit_text = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    entries = [json.loads(line) for line in audit_text.splitlines()]
    actions = [entry["action"] for entry in entries]
    for action in ("run.start", "run.finish", "leaderboard.view", "cases.view", "playground.run", "playground.finish"):
        assert action in actions, actions
    assert all(entry["user"].startswith("local:") for entry in entries)
    run_start = next(entry for entry in entries if entry["action"] == "run.start")
    assert run_start["models"] == ["smollm2-135m"] and run_start["evalset"] == "smoke-en"
    playground = next(entry for entry in entries if entry["action"] == "playground.run")
    assert playground["input_hashes"]["note"].startswith("sha256:")
    for case in load_evalset("smoke-en").cases:
        for span in case.phi:
            assert case.source[span.start:span.end] not in audit_text
        assert case.source[:40] not in audit_text
    for fragment in ("Rosalind", "Ashgrove", "77120456", "consolidation"):
        assert fragment not in audit_text
    assert "Rosalind" not in log_path.read_text(encoding="utf-8")
