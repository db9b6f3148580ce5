"""Clinician review in a real browser: two reviewers log in and answer a pairwise and a Likert task blinded, an
administrator reads the results and logs them to MLflow, and the report carries them."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, workbench_command
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop
from tests.test_ui_review import MODEL_NAMES, blind_comparison
from workbench.review.questions import ASPECTS
from workbench.ui.access import add_user

PASSWORDS = {"ana": "ana's long password", "ben": "ben's long password", "lee": "lee's long password"}
ALL_ANSWERED = "All your items in this task are answered."


def _workbench(workdir: Path, *arguments: str) -> str:
    env = {**os.environ, "WORKBENCH_AUDIT_LOG": str(workdir / "audit.jsonl")}
    env.pop("MLFLOW_TRACKING_URI", None)
    completed = subprocess.run([*workbench_command(), *arguments], cwd=workdir, env=env, capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _create_task(workdir: Path, run_dir: Path, kind: str) -> str:
    created = _workbench(workdir, "review", "create", str(run_dir), "--kind", kind, "--reviewer", "ana",
                         "--reviewer", "ben", "--per-item", "2")
    return created.split()[1].rstrip(":")  # "task review-…: pairwise, …"


def _page_text(page: Any) -> str:
    """Everything the page holds: its HTML with every attribute, the text shown, and every field's value."""
    values = page.evaluate("() => Array.from(document.querySelectorAll('input, textarea'))"
                           ".map(field => field.value).join('\\n')")
    return "\n".join([page.content(), page.locator("body").inner_text(), values])


def _assert_blind(page: Any, where: str) -> None:
    text = _page_text(page)
    for name in MODEL_NAMES:
        assert name not in text, f"{where}: the page names the model {name}"


def _log_in(browser: Any, url: str, user: str) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("tab", name="Review")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Review").click()
    return page


def _pick(page: Any, elem_id: str, option: str, *, blind: bool = True) -> None:
    page.locator(f"#{elem_id} input").click()
    options = page.locator(f"#{elem_id}").get_by_role("option", name=re.compile(option))
    options.first.wait_for(timeout=30_000)
    if blind:  # the list is open: its options are on the page
        _assert_blind(page, f"the options of #{elem_id}")
    options.first.click()
    page.keyboard.press("Escape")


def _answer_task(page: Any, kind: str, choose: str, screenshot: str | None = None) -> int:
    """Answer every item of the chosen task by clicking the radios; the number of items answered."""
    from playwright.sync_api import expect

    message = page.locator("#review-message")
    _pick(page, "review-task", kind)
    expect(message).to_contain_text("Item 1 of", timeout=30_000)
    total = int(re.search(r"Item 1 of (\d+)", message.inner_text()).group(1))  # type: ignore[union-attr]
    for number in range(1, total + 1):
        expect(message).to_contain_text(f"Item {number} of {total}", timeout=30_000)
        expect(page.locator("#review-source textarea")).not_to_have_value("")
        _assert_blind(page, f"{kind} item {number}")
        if kind == "pairwise":
            expect(page.locator("#review-output-a")).to_contain_text("Output A")
            expect(page.locator("#review-output-b")).to_contain_text("Output B")
            page.locator("#review-overall").get_by_label(choose, exact=True).check()
            for aspect in ASPECTS:
                page.locator(f"#review-aspect-{aspect.name}").get_by_label(choose, exact=True).check()
        else:
            expect(page.locator("#review-output-b")).to_be_hidden()
            for aspect in ASPECTS:
                page.locator(f"#review-aspect-{aspect.name}").get_by_label(choose, exact=True).check()
            for index in range(4):  # clinical-summary-en requires four sections
                page.locator(f"#review-section-{index}").get_by_label(choose, exact=True).check()
            if number == 1:
                page.locator("#review-flag-harm").get_by_role("checkbox").check()
        if number == 1:
            page.locator("#review-comment textarea").fill(f"{kind} comment")
            if screenshot:
                page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        page.locator("#review-submit").click()
    expect(message).to_contain_text(ALL_ANSWERED, timeout=30_000)
    expect(page.locator("#review-form")).to_be_hidden()
    _assert_blind(page, f"{kind} task finished")
    return total


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(`make test` installs it)")
def test_two_clinicians_review_blinded_and_an_administrator_logs_the_results(tmp_path: Path) -> None:
    from mlflow import MlflowClient
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    run_dir = blind_comparison(tmp_path, cases=3)
    uri = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"  # the store start_ui serves
    (tmp_path / "mlruns").mkdir()
    _workbench(tmp_path, "track", str(run_dir), "--tracking-uri", uri)
    pairwise = _create_task(tmp_path, run_dir, "pairwise")
    likert = _create_task(tmp_path, run_dir, "likert")
    users = tmp_path / "users.txt"
    for user, password in PASSWORDS.items():
        add_user(users, user, password)

    process, url, _log = start_ui(tmp_path, "--auth-file", str(users), "--review-admin", "lee")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            ana = _log_in(browser, url, "ana")
            ben = _log_in(browser, url, "ben")
            for page in (ana, ben):  # reviewers are offered their tasks, not the administrator's controls
                expect(page.locator("#review-message")).to_contain_text("Choose one of your review tasks")
                expect(page.locator("#review-create")).to_be_hidden()
                expect(page.locator("#review-reveal")).to_be_hidden()
                _assert_blind(page, "the Review tab")
            assert _answer_task(ana, "pairwise", "A", "ui-review-pairwise.png") == 3  # one pair × 3 cases
            assert _answer_task(ben, "pairwise", "Tie") == 3
            assert _answer_task(ana, "likert", "4") == 6  # two outputs × 3 cases
            assert _answer_task(ben, "likert", "3", "ui-review-likert.png") == 6

            lee = _log_in(browser, url, "lee")
            expect(lee.locator("#review-create")).to_be_visible(timeout=30_000)
            _pick(lee, "review-results-task", "pairwise", blind=False)
            results = lee.locator("#review-results")
            expect(results).to_contain_text("6 of 6 answers", timeout=60_000)
            expect(results).to_contain_text("Krippendorff")
            expect(results).to_contain_text("Win rate")
            for name in MODEL_NAMES:  # complete: the models are named now
                expect(results).to_contain_text(name)
            lee.locator("#review-log").click()
            status = lee.locator("#review-results-status")
            expect(status).to_contain_text("Logged to MLflow run", timeout=120_000)
            expect(status).to_contain_text(f"reviews/{pairwise}.json")
            lee.screenshot(path=str(ARTIFACTS / "ui-review-results.png"), full_page=True)

            _pick(lee, "review-results-task", "likert", blind=False)
            expect(results).to_contain_text("12 of 12 answers", timeout=60_000)
            expect(results).to_contain_text("Likert scores")
            expect(results).to_contain_text("Outputs flagged by clinicians")
            lee.locator("#review-log").click()
            expect(status).to_contain_text(f"reviews/{likert}.json", timeout=120_000)
            browser.close()
    finally:
        stop(process)

    # MLflow: the results on the comparison's parent run, every answer a human assessment on a case trace.
    client = MlflowClient(uri)
    (parent,) = client.search_runs([e.experiment_id for e in client.search_experiments()],
                                   "tags.`workbench.kind` = 'comparison'")
    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "reviews")}
    assert {f"reviews/{pairwise}.json", f"reviews/{likert}.json"} <= artifacts
    children = client.search_runs([parent.info.experiment_id], f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")
    for child in children:
        traces = client.search_traces(locations=[parent.info.experiment_id], run_id=child.info.run_id)
        human = [item for trace in traces for item in trace.info.assessments if item.source.source_type == "HUMAN"]
        assert {item.source.source_id for item in human} == {"ana", "ben"}
        names = {item.name for item in human}
        assert "clinician/pairwise/overall" in names and "clinician/likert/accuracy" in names
        assert "clinician/flag/harm" in names
        assert "clinician_win_rate" in child.data.metrics

    # The audit log: every answer, by the reviewer who gave it; the logging by the administrator.
    import json

    entries = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    answers = [entry["user"] for entry in entries if entry["action"] == "review answer"]
    assert sorted(answers) == sorted(["ana"] * 9 + ["ben"] * 9)
    assert [entry["user"] for entry in entries if entry["action"] == "review logged to MLflow"] == ["lee", "lee"]

    # The report carries the clinicians' results.
    _workbench(tmp_path, "report", str(run_dir), "--no-mlflow", "--out", str(tmp_path / "report"))
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "Clinician review" in markdown and pairwise in markdown and likert in markdown
