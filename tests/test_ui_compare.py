"""The Compare tab: two scripted runs (two prompt versions) side by side in a real browser."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

from tests.conftest import ARTIFACTS
from tests.test_run_diff import _workdir
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop
from workbench.privacy.audit import AuditLog
from workbench.ui import compare_view

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at "
                                    "/usr/bin/chromium (`make test` installs it)")


def test_compare_handlers_say_why_and_audit_what_was_shown(tmp_path: Path) -> None:
    first, second, one_case = _workdir(tmp_path)
    config = SimpleNamespace(runs_dir=tmp_path / "runs", audit=AuditLog(tmp_path / "audit.jsonl"))
    summary, rows, cases, *_ = compare_view.compare(config, str(second), str(one_case), "local:u")
    assert "different evaluation-set hashes" in summary and "1 shared case(s) only" in summary
    assert rows[0][:2] == ["echo", "failed cases"] and len(cases["choices"]) == 1
    refused = compare_view.compare(config, str(first), "/etc", "local:u")[0]
    assert refused.startswith("**Cannot compare:**") and "not inside the runs directory" in refused
    output_a, output_b, title = compare_view.show_case(config, str(first), str(second), "0", "local:u")
    assert ("ALPHA", compare_view.ONLY_IN_A) in output_a and ("BRAVO", compare_view.ONLY_IN_B) in output_b
    assert "Case **" in title
    assert [entry.action for entry in config.audit.entries()] == ["compare.view", "compare.case"]


@pytest.fixture(scope="module")
def compare_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("ui-compare")
    _workdir(workdir)
    process, url, _log = start_ui(workdir)
    try:
        yield url, workdir
    finally:
        stop(process)


def _pick(page: object, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()  # type: ignore[attr-defined]
    page.locator(f"#{elem_id}").get_by_role("option", name=option).click()  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]


@needs_chromium
def test_compare_two_runs_in_a_browser(compare_ui: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    from workbench.run.files import list_run_dirs

    ARTIFACTS.mkdir(exist_ok=True)
    url, workdir = compare_ui
    newest, middle, oldest = list_run_dirs(workdir / "runs")  # one case of v2, two cases of v2, two of v1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Compare").click()
        _pick(page, "compare-run-a", compare_view.run_label(oldest))
        _pick(page, "compare-run-b", compare_view.run_label(middle))
        page.locator("#compare-button").click()
        summary = page.locator("#compare-summary")
        expect(summary).to_contain_text("same cases (same evaluation-set hash)", timeout=30_000)
        expect(summary).to_contain_text("Prompt versions differ: brief-en@1 (A) vs brief-en@2 (B)")
        expect(page.locator("#compare-models")).to_contain_text("echo")
        page.locator("#compare-case input").click()
        options = page.locator("#compare-case").get_by_role("option")
        expect(options).to_have_count(2)
        options.first.click()
        expect(page.locator("#compare-output-a")).to_contain_text("ALPHA", timeout=30_000)
        removed = page.locator("#compare-output-a .token.highlighted").all_inner_texts()
        added = page.locator("#compare-output-b .token.highlighted").all_inner_texts()
        assert any("ALPHA" in text for text in removed) and not any("BRAVO" in text for text in removed)
        assert any("BRAVO" in text for text in added)
        page.screenshot(path=str(ARTIFACTS / "ui-compare.png"), full_page=True)

        # Runs over different hashes: only the shared case, and the tab says so.
        _pick(page, "compare-run-a", compare_view.run_label(middle))
        _pick(page, "compare-run-b", compare_view.run_label(newest))
        page.locator("#compare-button").click()
        expect(summary).to_contain_text("different evaluation-set hashes", timeout=30_000)
        expect(summary).to_contain_text("1 shared case(s) only")
        browser.close()
